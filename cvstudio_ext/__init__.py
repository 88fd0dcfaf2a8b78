"""CV Studio: a computer-vision workbench served as a jupyter-server extension."""

from __future__ import annotations

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import CVStudio

    return [{"module": "cvstudio_ext", "app": CVStudio}]
