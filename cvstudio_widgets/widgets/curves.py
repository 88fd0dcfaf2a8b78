"""TrainingCurves: live loss, metric and learning-rate curves of a run, fed by the kernel
from the run's socket, with status, progress and pause/resume/stop buttons.

A long run has far more points than a chart needs: every series is kept whole in the
kernel and sent downsampled (min and max per bucket, so spikes survive) as float32
binary buffers, at most a few times a second.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets as t

from .snapshot import Snapshot, table

if TYPE_CHECKING:
    from ..resources import Run

STATIC = Path(__file__).parent / "static"
MAX_POINTS = 2000
MIN_UPDATE_S = 0.25


def downsample(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` points: the min and the max of each of max_points/2 buckets,
    in x order; first and last points kept."""
    n = len(x)
    if n <= max_points:
        return x, y
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    starts, sizes = edges[:-1], np.diff(edges)
    idx = np.arange(n)
    bucket = np.repeat(np.arange(buckets), sizes)
    # per bucket, the index of the min and of the max (lexsort: by bucket, then by value)
    order = np.lexsort((y, bucket))
    lo = order[starts]
    hi = order[starts + sizes - 1]
    keep = np.unique(np.concatenate([lo, hi, [0, n - 1]]))
    return x[idx[keep]], y[idx[keep]]


class Series:
    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)

    def payload(self) -> dict[str, bytes | int]:
        x, y = downsample(np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64))
        return {"x": x.astype(np.float32).tobytes(), "y": y.astype(np.float32).tobytes(), "n": len(self.x)}


class TrainingCurves(Snapshot, anywidget.AnyWidget):
    _esm = STATIC / "curves.js"
    _css = STATIC / "widgets.css"

    title = t.Unicode("").tag(sync=True)
    series = t.Dict().tag(sync=True)  # name -> {"x": float32 bytes, "y": float32 bytes, "n": points in the run}
    status = t.Unicode("").tag(sync=True)
    epoch = t.Int(0).tag(sync=True)
    epochs = t.Int(0).tag(sync=True)
    step = t.Int(0).tag(sync=True)
    best = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    last_seq = t.Int(0).tag(sync=True)
    epoch_ends = t.List(t.Float()).tag(sync=True)  # steps at which epochs ended: the charts' marks

    def __init__(self, run: Run, follow: bool = True) -> None:
        info = run.refresh().info
        super().__init__(title=f"Run {info['id']}: {info['name']}", status=info["status"],
                         epoch=info.get("epoch") or 0, epochs=info.get("epochs") or 0)  # fmt: skip
        self.run = run
        self._series: dict[str, Series] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._dirty = False
        self._sent = 0.0
        self._handled: list[str] = []
        self.on_msg(self._on_button)
        self._thread = None
        if follow:
            self._thread = threading.Thread(target=self._follow, name=f"cvstudio-curves-{run.id}", daemon=True)
            self._thread.start()

    def __repr__(self) -> str:
        return f"TrainingCurves({self.title}: {self.status}, epoch {self.epoch}/{self.epochs}, step {self.step})"

    def snapshot_html(self) -> str:
        """Where the run stood and each series' last value, as when it was shown."""
        with self._lock:
            last = {name: s.y[-1] for name, s in self._series.items() if s.y}
        rows = [("status", self.status), ("epoch", f"{self.epoch}/{self.epochs}"), ("step", self.step)]
        rows += [("best", self.best)] if self.best else []
        rows += [(name, f"{value:.4g}") for name, value in sorted(last.items())]
        return table(self.title, rows)

    # ---- feeding ------------------------------------------------------------------
    def feed(self, event: dict[str, Any]) -> None:
        """Fold one run event in; the chart is refreshed at most every MIN_UPDATE_S."""
        data = event.get("data", {})
        with self._lock:
            self.last_seq = max(self.last_seq, int(event.get("seq", 0)))
            if event.get("type") == "metric":
                step = float(data.get("step", 0))
                for key, value in data.items():
                    if key in ("epoch", "step", "time") or not isinstance(value, (int, float)) or value is None:
                        continue
                    self._series.setdefault(key, Series()).add(step, float(value))
                self.step = int(step)
                self.epoch = max(self.epoch, int(data.get("epoch", 0)) - ("train_loss" in data))
                if ("val_loss" in data or "train_loss_epoch" in data) and len(self.epoch_ends) < int(
                    data.get("epoch", 0)
                ):
                    self.epoch_ends = [*self.epoch_ends, step]  # one mark per epoch, where it ended
                self._dirty = True
            elif event.get("type") == "status":
                self.status = data.get("status", self.status)
                self.epochs = int(data.get("epochs") or self.epochs)
                self.error = data.get("error") or ""
                self._dirty = True
            elif event.get("type") == "checkpoint" and data.get("kind") == "best":
                shown = {k: v for k, v in (data.get("metrics") or {}).items() if k.startswith("val_")}
                self.best = ", ".join(f"{k} {v:.4f}" for k, v in shown.items() if isinstance(v, float))
        self.flush(force=event.get("type") == "status")

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self._dirty or (not force and now - self._sent < MIN_UPDATE_S):
            return
        with self._lock:
            payload = {name: s.payload() for name, s in self._series.items()}
            self._dirty = False
        self._sent = now
        self.series = payload

    def _follow(self) -> None:
        try:
            for event in self.run.events(since=self.last_seq, stop=self._stop):
                self.feed(event)
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.error = f"Lost the run's events: {exc}"
        self.flush(force=True)

    # ---- buttons ------------------------------------------------------------------
    def _on_button(self, widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        """A button click: {action, nonce}. The page resends until acknowledged, so a
        nonce already handled is only acknowledged again."""
        action, nonce = content.get("action"), content.get("nonce")
        if action not in ("pause", "resume", "stop"):
            return
        if nonce is not None:
            self.send({"ack": nonce})
            if nonce in self._handled:
                return
            self._handled.append(nonce)
            del self._handled[:-50]
        try:
            info = getattr(self.run, action)().info
            self.status = info["status"]
            self.error = ""
            if action == "resume" and (self._thread is None or not self._thread.is_alive()):
                self._stop.clear()
                self._thread = threading.Thread(target=self._follow, daemon=True)
                self._thread.start()
        except Exception as exc:  # noqa: BLE001 - e.g. 409: the run cannot do that now
            self.error = str(exc)

    def close(self) -> None:
        self._stop.set()
        super().close()
