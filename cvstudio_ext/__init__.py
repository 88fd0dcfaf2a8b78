"""CV Studio: a computer-vision workbench served as a jupyter-server extension."""

from __future__ import annotations

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import CVStudio

    return [{"module": "cvstudio_ext", "app": CVStudio}]


def _jupyter_labextension_paths() -> list[dict]:
    """The prebuilt lab extension (built from labextension/ into cvstudio_ext/labextension)."""
    return [{"src": "labextension", "dest": "jupyter-cvstudio"}]
