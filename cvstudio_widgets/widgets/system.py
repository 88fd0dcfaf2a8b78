"""SystemMonitor: CPU, memory and GPU sparklines from the server's system socket."""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from .snapshot import Snapshot, table

if TYPE_CHECKING:
    from ..studio import Studio

STATIC = Path(__file__).parent / "static"
HISTORY = 120


class SystemMonitor(Snapshot, anywidget.AnyWidget):
    _esm = STATIC / "system.js"
    _css = STATIC / "widgets.css"

    history = t.Dict().tag(sync=True)  # name -> [percent, ...], oldest first
    latest = t.Dict().tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __repr__(self) -> str:
        return (
            f"SystemMonitor({', '.join(f'{k} {v[-1]:.0f}%' for k, v in self.history.items() if v) or 'no sample yet'})"
        )

    def snapshot_html(self) -> str:
        return table("System", [(k, f"{v[-1]:.0f}%") for k, v in self.history.items() if v])

    def __init__(self, studio: Studio, interval: float = 1.0, follow: bool = True) -> None:
        super().__init__()
        self.studio = studio
        self.interval = interval
        self._history: dict[str, deque[float]] = {}
        self._stop = threading.Event()
        self.feed(studio.client.get("system"))
        if follow:
            threading.Thread(target=self._follow, name="cvstudio-system", daemon=True).start()

    def feed(self, snapshot: dict[str, Any]) -> None:
        values = {"CPU": snapshot["cpu"]["percent"], "Memory": snapshot["memory"]["percent"]}
        for gpu in snapshot.get("gpus") or []:
            values[f"GPU {gpu['index']}"] = gpu.get("utilization") or 0
            total = gpu.get("memory_total") or 0
            values[f"GPU {gpu['index']} memory"] = 100 * (gpu.get("memory_used") or 0) / total if total else 0
        for name, value in values.items():
            self._history.setdefault(name, deque(maxlen=HISTORY)).append(float(value or 0))
        with self.hold_sync():
            self.latest = snapshot
            self.history = {name: list(h) for name, h in self._history.items()}

    def _follow(self) -> None:
        import websocket

        while not self._stop.is_set():
            try:
                ws = self.studio.client.socket("ws/system", interval=self.interval)
                ws.settimeout(max(2.0, 3 * self.interval))
                while not self._stop.is_set():
                    message = json.loads(ws.recv())
                    if message.get("type") == "system":
                        self.feed(message["data"])
            except websocket.WebSocketBadStatusException as exc:
                if 400 <= exc.status_code < 500:  # refused (bad interval, no permission): retrying cannot help
                    self.error = _refusal(exc)
                    return
                self.error = f"reconnecting: {exc.status_code}"
                self._stop.wait(1.0)
            except (OSError, websocket.WebSocketException, ValueError) as exc:
                self.error = f"reconnecting: {exc}"
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        super().close()


def _refusal(exc: Any) -> str:
    try:
        return json.loads(exc.resp_body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return str(exc)
