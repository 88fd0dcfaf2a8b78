"""TrainingCurves: live loss, metric and learning-rate curves of a run, fed by the kernel
from the run's socket, with status, progress and pause/resume/stop buttons; and
CurvesComparison: several runs' curves overlaid, one colour per run.

A long run has far more points than a chart needs: every series is kept whole in the
kernel and sent downsampled (min and max per bucket, so spikes survive) as float32
binary buffers, at most a few times a second.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets as t

from ..resources import TERMINAL
from .curve_charts import PALETTE, Line, Panel, charts_png
from .snapshot import Snapshot, Throttle, grid, image, table

if TYPE_CHECKING:
    from ..resources import Run

STATIC = Path(__file__).parent / "static"
MAX_POINTS = 2000
MIN_UPDATE_S = 0.25
COMPARE_UPDATE_S = 0.5  # a comparison re-sends every run's curves: half as often
POLL_S = 2.0  # how often a paused run is asked whether it resumed
RESUMABLE = ("paused", "interrupted", "stopped")
# which chart a series belongs to, as the live widget groups them (labextension/src/draw/chart.ts)
GROUPS: list[tuple[str, Callable[[str], bool]]] = [
    ("loss", lambda n: "loss" in n),
    ("metrics", lambda n: n.startswith("val_") and "loss" not in n),
    ("learning rate", lambda n: n == "lr"),
]
METRIC_ORDER = ("val_accuracy", "val_map", "val_map50", "val_top5")


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
    """One metric's points in x order. A point at or before the last x replaces the
    points from there on: a resumed run training those steps again."""

    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y: float) -> None:
        if self.x and x <= self.x[-1]:
            cut = bisect.bisect_left(self.x, x)
            del self.x[cut:], self.y[cut:]
        self.x.append(x)
        self.y.append(y)

    def arrays(self, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
        return downsample(np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64), max_points)

    def payload(self) -> dict[str, bytes | int]:
        x, y = self.arrays()
        return {"x": x.astype(np.float32).tobytes(), "y": y.astype(np.float32).tobytes(), "n": len(self.x)}


class RunFeed:
    """One run's curves and where it stands, folded from the run's events; any thread
    may fold or read under `lock`. Series are kept by step; per-epoch figures (validation,
    the epoch's mean train loss) by epoch too, for a comparison's epoch charts."""

    def __init__(self, run: Run) -> None:
        info = run.refresh().info
        self.run = run
        self.id: int = info["id"]
        self.name: str = info.get("name", "")
        self.status: str = info["status"]
        self.epoch: int = info.get("epoch") or 0
        self.epochs: int = info.get("epochs") or 0
        self.step = 0
        self.best = ""
        self.error = ""
        self.last_seq = 0
        self.series: dict[str, Series] = {}
        self.by_epoch: dict[str, Series] = {}
        self.epoch_ends: list[float] = []  # the step at which each epoch ended
        self.lock = threading.Lock()
        self.wake = threading.Event()  # a resume asked for from here: look now, not at the next poll
        self.version = 0  # counts changes: a widget re-sends a run only when it moved

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}"

    def fold(self, event: dict[str, Any]) -> bool:
        """One event in; True when the run's status changed (worth showing at once)."""
        data = event.get("data", {})
        kind = event.get("type")
        with self.lock:
            self.last_seq = max(self.last_seq, int(event.get("seq", 0)))
            if kind == "metric":
                step = float(data.get("step", 0))
                epoch = int(data.get("epoch", 0))
                per_epoch = "val_loss" in data or "train_loss_epoch" in data
                for key, value in data.items():
                    if key in ("epoch", "step", "time") or not is_number(value):
                        continue
                    self.series.setdefault(key, Series()).add(step, float(value))
                    if per_epoch:
                        self.by_epoch.setdefault(key, Series()).add(float(epoch), float(value))
                self.step = int(step)
                self.epoch = max(self.epoch, epoch - ("train_loss" in data))
                if per_epoch and len(self.epoch_ends) < epoch:
                    self.epoch_ends.append(step)  # one mark per epoch, where it ended
            elif kind == "status":
                self.status = data.get("status", self.status)
                self.epochs = int(data.get("epochs") or self.epochs)
                self.error = data.get("error") or ""
            elif kind == "checkpoint" and data.get("kind") == "best":
                shown = {k: v for k, v in (data.get("metrics") or {}).items() if k.startswith("val_")}
                self.best = ", ".join(f"{k} {v:.4f}" for k, v in shown.items() if isinstance(v, float))
            else:
                return False
            self.version += 1
            return kind == "status"

    def settle(self, info: dict[str, Any]) -> bool:
        """The status the server gives, when the events ended on none (a run marked
        interrupted at a restart); True when it changed. A status the events ended on
        stands: the server's record can lag behind it (a run is completed there once
        its weight is in the library)."""
        with self.lock:
            if self.status in TERMINAL or info["status"] == self.status:
                return False
            self.status = info["status"]
            self.error = info.get("error") or self.error
            self.version += 1
            return True

    def follow(self, stop: threading.Event, changed: Callable[[bool], None]) -> None:
        """Folds the run's events until `stop`, calling `changed(status_changed)` after
        each; a paused or stopped run is asked every POLL_S whether it resumed, and
        followed again from the last event seen."""
        while not stop.is_set():
            try:
                for event in self.run.events(since=self.last_seq, stop=stop):
                    changed(self.fold(event))
                if stop.is_set():
                    return
                info = self.run.refresh().info
            except Exception as exc:  # noqa: BLE001 - shown in the widget
                with self.lock:
                    self.error = f"Lost the run's events: {exc}"
                    self.version += 1
                changed(True)
                return
            changed(self.settle(info))
            if self.status not in RESUMABLE:
                return
            while not stop.is_set():
                self.wake.wait(POLL_S)
                self.wake.clear()
                try:
                    if self.run.refresh().info["status"] not in RESUMABLE:
                        break
                except Exception:  # noqa: BLE001 - the server may be restarting: ask again later
                    continue

    def arrays(self, names: list[str], by_epoch: bool = False, max_points: int = 600) -> list[tuple[str, Any, Any]]:
        """(name, x, y) of each named series with points, for a snapshot."""
        with self.lock:
            source = self.by_epoch if by_epoch else self.series
            return [(n, *source[n].arrays(max_points)) for n in names if n in source and source[n].x]

    def last(self, name: str) -> float | None:
        with self.lock:
            s = self.series.get(name)
            return s.y[-1] if s and s.y else None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def metric_names(names: set[str]) -> list[str]:
    """Validation metrics, the main ones first."""
    found = [n for n in names if n.startswith("val_") and "loss" not in n]
    return sorted(found, key=lambda n: (METRIC_ORDER.index(n) if n in METRIC_ORDER else len(METRIC_ORDER), n))


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

    snapshot_follows = ("status", "series", "epoch", "best")

    def __init__(self, run: Run, follow: bool = True) -> None:
        self._feed = RunFeed(run)
        f = self._feed
        super().__init__(title=f"Run {f.id}: {f.name}", status=f.status, epoch=f.epoch, epochs=f.epochs)
        self.run = run
        self._stop = threading.Event()
        self._shown: dict[str, Any] = {}  # the feed's values last put in the traits
        self._throttle = Throttle(MIN_UPDATE_S, self._sync)
        self._handled: list[str] = []
        self.on_msg(self._on_button)
        self._thread: threading.Thread | None = None
        if follow:
            self._start()

    def __repr__(self) -> str:
        return f"TrainingCurves({self.title}: {self.status}, epoch {self.epoch}/{self.epochs}, step {self.step})"

    def snapshot_html(self) -> str:
        """Where the run stands, each series' last value and the charts."""
        f = self._feed
        with f.lock:
            last = {name: s.y[-1] for name, s in f.series.items() if s.y}
            names = list(f.series)
            marks = list(f.epoch_ends)
        rows = [("status", self.status), ("epoch", f"{self.epoch}/{self.epochs}"), ("step", self.step)]
        rows += [("best", self.best)] if self.best else []
        rows += [(name, f"{value:.4g}") for name, value in sorted(last.items())]
        panels = []
        for title, test in GROUPS:
            found = f.arrays([n for n in names if test(n)])
            lines = [Line(n, x, y, PALETTE[k % len(PALETTE)]) for k, (n, x, y) in enumerate(found)]
            panels.append(Panel(title, lines, log=title != "metrics", marks=marks))
        png = charts_png(panels, columns=3)
        charts = image(png, "image/png", f"{self.title} curves", pixelated=False) if png else ""
        return table(self.title, rows) + charts

    # ---- feeding ------------------------------------------------------------------
    def feed(self, event: dict[str, Any]) -> None:
        """Fold one run event in; the widget follows at most every MIN_UPDATE_S, at once
        for a new status."""
        self._throttle.poke(force=self._feed.fold(event))

    def flush(self, force: bool = False) -> None:
        self._throttle.poke(force)

    def _sync(self) -> None:
        """The feed's state into the traits, as one message; only what the feed changed,
        so a button's answer (an error, the status the server gave) stays until then."""
        f = self._feed
        with f.lock:
            now = {"status": f.status, "epoch": f.epoch, "epochs": f.epochs, "step": f.step, "best": f.best,
                   "error": f.error, "last_seq": f.last_seq, "epoch_ends": list(f.epoch_ends)}  # fmt: skip
            version = f.version
            series = {name: s.payload() for name, s in f.series.items()} if version != self._shown.get("v") else None
        changed = {k: v for k, v in now.items() if self._shown.get(k) != v}
        self._shown.update(now, v=version)
        with self.hold_sync():
            for key, value in changed.items():
                setattr(self, key, value)
            if series is not None:
                self.series = series
        if "status" in changed and now["status"] in TERMINAL:
            self.refresh_snapshot(force=True)

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._feed.follow, args=(self._stop, self.flush), name=f"cvstudio-curves-{self._feed.id}", daemon=True
        )  # fmt: skip
        self._thread.start()

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
            if action == "resume":
                if self._thread is None or not self._thread.is_alive():
                    self._start()
                self._feed.wake.set()
        except Exception as exc:  # noqa: BLE001 - e.g. 409: the run cannot do that now
            self.error = str(exc)

    def close(self) -> None:
        self._stop.set()
        self._feed.wake.set()
        self._throttle.close()
        super().close()


class CurvesComparison(Snapshot, anywidget.AnyWidget):
    """Runs' curves overlaid, one colour per run, named in a legend with its status: a
    chart for the train loss, the validation loss, each validation metric and the
    learning rate. Live runs keep moving; a run with no points yet says so.

    The x axis: what is logged per step (the train loss, the learning rate) is drawn by
    step, as the single-run curves are, with the epoch marks the runs share; what is
    measured once an epoch (validation loss and metrics) is drawn by epoch, so runs with
    other batch sizes or datasets (another number of steps per epoch) line up where it
    matters. Runs of other lengths share the axis, which spans the longest.
    """

    _esm = STATIC / "curves.js"
    _css = STATIC / "widgets.css"

    view = t.Unicode("compare").tag(sync=True)  # curves.js draws one run or a comparison
    title = t.Unicode("").tag(sync=True)
    # per run: id, name, status, epoch, epochs, step, error, colour, and series: name ->
    # {"x", "y", "n"} (train_loss and lr by step, val_* by epoch)
    runs = t.List(t.Dict()).tag(sync=True)
    marks = t.List(t.Float()).tag(sync=True)  # epoch ends (steps) every run that has them agrees on

    snapshot_follows = ("runs",)

    def __init__(self, runs: list[Run], follow: bool = True) -> None:
        self._feeds = [RunFeed(run) for run in runs]
        super().__init__(title=f"{len(self._feeds)} runs")
        self._stop = threading.Event()
        self._sent: dict[int, tuple[int, dict[str, Any]]] = {}  # run index -> (feed version, its entry)
        self._throttle = Throttle(COMPARE_UPDATE_S, self._sync)
        self._sync()
        self._threads = []
        if follow:
            for feed in self._feeds:
                thread = threading.Thread(target=feed.follow, args=(self._stop, self._throttle.poke),
                                          name=f"cvstudio-compare-{feed.id}", daemon=True)  # fmt: skip
                thread.start()
                self._threads.append(thread)

    def __repr__(self) -> str:
        runs = "; ".join(f"{f.label}: {f.status}, epoch {f.epoch}/{f.epochs}" for f in self._feeds)
        return f"CurvesComparison({runs})"

    def feed(self, k: int, event: dict[str, Any]) -> None:
        """Fold one event of the k-th run in."""
        self._throttle.poke(force=self._feeds[k].fold(event))

    def _entry(self, k: int, f: RunFeed) -> dict[str, Any]:
        with f.lock:
            if k in self._sent and self._sent[k][0] == f.version:
                return self._sent[k][1]
            series = {n: f.series[n].payload() for n in ("train_loss", "lr") if n in f.series}
            series |= {n: s.payload() for n, s in f.by_epoch.items() if n.startswith("val_")}
            entry = {"id": f.id, "name": f.name, "status": f.status, "epoch": f.epoch, "epochs": f.epochs,
                     "step": f.step, "error": f.error, "colour": PALETTE[k % len(PALETTE)], "series": series}  # fmt: skip
            self._sent[k] = (f.version, entry)
            return entry

    def _sync(self) -> None:
        before = {e["id"]: e["status"] for e in self.runs}
        runs = [self._entry(k, f) for k, f in enumerate(self._feeds)]
        marks = self._shared_marks()
        with self.hold_sync():
            self.runs = runs
            if marks != self.marks:
                self.marks = marks
        if any(e["status"] in TERMINAL and before.get(e["id"]) not in (None, e["status"]) for e in runs):
            self.refresh_snapshot(force=True)

    def _shared_marks(self) -> list[float]:
        """The longest run's epoch ends, if every run agrees with it where both have
        marks (same steps per epoch); none otherwise, since one run's marks would
        mislead about the others."""
        lists = []
        for f in self._feeds:
            with f.lock:
                if f.epoch_ends:
                    lists.append(list(f.epoch_ends))
        if not lists:
            return []
        longest = max(lists, key=len)
        return longest if all(marks == longest[: len(marks)] for marks in lists) else []

    def snapshot_html(self) -> str:
        """A row per run (status, epoch, last figures) and the overlaid charts."""
        names: set[str] = set()
        for f in self._feeds:
            with f.lock:
                names |= set(f.by_epoch)
        metrics = metric_names(names)
        head = ["run", "status", "epoch", "train loss", "val loss", *metrics]
        rows = []
        for f in self._feeds:
            with f.lock:
                epoch_last = {n: s.y[-1] for n, s in f.by_epoch.items() if s.y}
                empty = not any(s.x for s in f.series.values())
            train = f.last("train_loss")
            rows.append([f.label, f.status + (" (no data yet)" if empty else ""), f"{f.epoch}/{f.epochs}",
                         figure(train), figure(epoch_last.get("val_loss")),
                         *(figure(epoch_last.get(m)) for m in metrics)])  # fmt: skip
        charts = [("train loss", "train_loss", False, True), ("val loss", "val_loss", True, True)]
        charts += [(m, m, True, False) for m in metrics] + [("learning rate", "lr", False, True)]
        marks = self._shared_marks()
        panels = []
        for title, name, by_epoch, log in charts:
            lines = [Line(f.label, x, y, PALETTE[k % len(PALETTE)])
                     for k, f in enumerate(self._feeds) for _, x, y in f.arrays([name], by_epoch)]  # fmt: skip
            panels.append(Panel(title, lines, "epoch" if by_epoch else "step", log, [] if by_epoch else marks))
        png = charts_png(panels, runs=[(f.label, PALETTE[k % len(PALETTE)]) for k, f in enumerate(self._feeds)])
        charts_html = image(png, "image/png", "the runs' curves", pixelated=False) if png else ""
        return f"<div><b>Runs compared</b>{grid(head, rows)}{charts_html}</div>"

    def close(self) -> None:
        self._stop.set()
        for f in self._feeds:
            f.wake.set()
        self._throttle.close()
        super().close()
