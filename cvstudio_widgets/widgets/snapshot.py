"""What a widget leaves in a saved notebook besides its live view: a plain-text line that
says what it is, and an HTML snapshot taken when it is shown. JupyterLab draws the live
widget; a notebook rendered where widgets do not run (GitHub, nbviewer, an email) shows
the snapshot instead of `<... object at 0x...>`."""

from __future__ import annotations

import base64
import html
from typing import Any


class Snapshot:
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle  # anywidget adds metadata
        try:
            snapshot = self.snapshot_html()
        except Exception:  # noqa: BLE001 - a snapshot never stops the live widget from showing
            snapshot = ""
        if snapshot:
            data["text/html"] = snapshot
        return bundle

    def snapshot_html(self) -> str:
        return ""


def table(title: str, rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"


def image(data: bytes, mime: str, alt: str, width: int | None = None) -> str:
    size = f" width='{width}'" if width else ""
    return (
        f"<img src='data:{mime};base64,{base64.b64encode(data).decode()}' alt='{html.escape(alt, quote=True)}'{size}"
        " style='image-rendering:pixelated'>"
    )
