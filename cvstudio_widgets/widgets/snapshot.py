"""What a widget leaves in a saved notebook besides its live view: a plain-text line that
says what it is, and an HTML snapshot. JupyterLab draws the live widget; a notebook
rendered where widgets do not run (GitHub, nbviewer, an email) shows the snapshot instead
of `<... object at 0x...>`.

Shown in a notebook, a widget leaves two outputs: its live view, and the snapshot in an
output of its own whose bundle also holds a widget view of no model (`model_id: ""`,
what a closed widget leaves). Widget frontends hide such a view, so the lab shows the
live widget once and no snapshot; nbconvert and GitHub, with no state for that view,
show the snapshot's HTML.

The snapshot follows the widget: a widget that names the traits worth a new snapshot
(`snapshot_follows`) has its snapshot output replaced (`update_display_data`) when they
change, at most every `snapshot_every` seconds and at once when the widget calls
`refresh_snapshot(force=True)` (a run's last status). Replacing the widget's own output
instead would not do: JupyterLab then renders the widget view again (checked with
@jupyter-widgets/jupyterlab-manager 3.0 in JupyterLab 4.6: a new view per update, the
old one never removed, the view's own state lost).

The lab routes an update to the output by the kernel request that displayed it, which it
knows only while the page that ran the cell is open: after a reload the live widget goes
on, but the saved snapshot stays as it was last saved.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

VIEW = "application/vnd.jupyter.widget-view+json"


class Throttle:
    """Calls `fn` at most every `every` seconds. A poke while it waits schedules one call
    at the end of the wait, so the latest state always lands; `poke(force=True)` calls
    now. `inline`: a poke that finds the wait over calls `fn` in the poking thread
    (cheap work), else the call is always made from a timer thread (slow work, such as
    drawing a snapshot, off the thread that changed the state). Calls never overlap, so
    they land in the order they were made."""

    def __init__(self, every: float, fn: Callable[[], None], inline: bool = True) -> None:
        self.every = every
        self.fn = fn
        self.inline = inline
        self.lock = threading.Lock()
        self.calling = threading.Lock()
        self.last = 0.0
        self.timer: threading.Timer | None = None
        self.closed = False

    def poke(self, force: bool = False) -> None:
        if not force:
            with self.lock:
                if self.closed or self.timer is not None:
                    return
                delay = max(0.0, self.last + self.every - time.monotonic())
                if delay or not self.inline:
                    self.timer = threading.Timer(delay, self.call)
                    self.timer.daemon = True
                    self.timer.start()
                    return
        self.call()

    def call(self) -> None:
        with self.calling:
            with self.lock:
                if self.timer is not None:
                    self.timer.cancel()
                    self.timer = None
                if self.closed:
                    return
                self.last = time.monotonic()
            self.fn()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.timer is not None:
                self.timer.cancel()


class Follower(Throttle):
    """Replaces a widget's snapshot output with a new snapshot, throttled."""

    def __init__(self, widget: Snapshot, every: float) -> None:
        super().__init__(every, self.publish, inline=False)
        self.widget = widget
        self.display_id = f"cvstudio-snapshot-{widget.model_id}"  # type: ignore[attr-defined]

    def changed(self, change: Any = None) -> None:
        self.poke()

    def publish(self) -> None:
        """Sends the snapshot (from any thread: the kernel's iopub is thread-safe)."""
        from IPython.display import display

        display(self.widget.snapshot_bundle(), raw=True, display_id=self.display_id, update=True)


class Snapshot:
    """Mixed into an anywidget widget before `AnyWidget`; the widget gives `snapshot_html()`."""

    snapshot_follows: ClassVar[tuple[str, ...]] = ()  # traits whose change earns a new snapshot
    snapshot_every: ClassVar[float] = 5.0  # seconds between two snapshots, at the most often

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live view with the snapshot in one bundle (the form a caller of this method gets)."""
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle  # anywidget adds metadata
        snapshot = self._snapshot_html()
        if snapshot and data is not None:
            data["text/html"] = snapshot
        return bundle

    def _ipython_display_(self) -> None:
        """Two outputs: the live view, then the snapshot that follows it."""
        from IPython.display import display

        bundle = super()._repr_mimebundle_()  # type: ignore[misc]
        if bundle is None:  # a closed widget shows nothing
            return
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = {**data, "text/plain": f"{type(self).__name__}: a live widget; its last state is saved below"}
        data.pop("text/html", None)
        display(data, metadata=metadata, raw=True)
        follower = self._follower()
        display(self.snapshot_bundle(), raw=True, display_id=follower.display_id)
        follower.last = time.monotonic()

    def snapshot_bundle(self) -> dict[str, Any]:
        """The snapshot output: HTML and text for renderers without widgets, and a view
        of no model, which widget frontends hide."""
        data: dict[str, Any] = {VIEW: {"model_id": "", "version_major": 2, "version_minor": 1}}
        data["text/plain"] = repr(self)
        snapshot = self._snapshot_html()
        if snapshot:
            data["text/html"] = snapshot
        return data

    def refresh_snapshot(self, force: bool = False) -> None:
        """A new snapshot in the saved output: throttled, or now with `force`. Nothing
        before the widget is shown."""
        follower = self.__dict__.get("_snapshot_follower")
        if follower is None:
            return
        follower.poke(force)

    def snapshot_html(self) -> str:
        return ""

    def close(self) -> None:
        follower = self.__dict__.get("_snapshot_follower")
        if follower is not None:
            follower.close()
        super().close()  # type: ignore[misc]

    def _follower(self) -> Follower:
        follower = self.__dict__.get("_snapshot_follower")
        if follower is None:
            follower = self.__dict__["_snapshot_follower"] = Follower(self, self.snapshot_every)
            if self.snapshot_follows:
                self.observe(follower.changed, names=list(self.snapshot_follows))  # type: ignore[attr-defined]
        return follower

    def _snapshot_html(self) -> str:
        try:
            return self.snapshot_html()
        except Exception:  # noqa: BLE001 - a snapshot never stops the live widget from showing
            return ""


def table(title: str, rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"


def grid(head: list[str], rows: list[list[Any]]) -> str:
    """A table with a header row, cells left-aligned."""
    th = "".join(f"<th style='text-align:left;padding-right:1em'>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left;padding-right:1em'>{html.escape(str(c))}</td>" for c in row)
        + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><tr>{th}</tr>{body}</table>"


def image(data: bytes, mime: str, alt: str, width: int | None = None, pixelated: bool = True) -> str:
    """An inline image; `pixelated` keeps a small thumbnail's pixels sharp when scaled up."""
    size = f" width='{width}'" if width else ""
    style = " style='image-rendering:pixelated'" if pixelated else ""
    return (
        f"<img src='data:{mime};base64,{base64.b64encode(data).decode()}' alt='{html.escape(alt, quote=True)}'{size}"
        f"{style}>"
    )
