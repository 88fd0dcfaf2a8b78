"""`events.jsonl` and `train.log`: what a worker tells the server.

`events.jsonl` is append-only, one JSON object a line, flushed after each line (a
line's number is its `seq`)::

    {"type": "log" | "metric" | "status" | "checkpoint", "time": ISO-8601 UTC, "data": {...}}

data by type:
- log: {"level": "info" | "warning" | "error", "message"}
- status: {"status": "running" | "paused" | "completed" | "stopped" | "failed",
           "epoch", "step", "epochs", "error"? (failed only), "reason"? (e.g. early_stopping)}
- metric, per logging step: {"epoch", "step", "train_loss", "lr"}
- metric, per epoch: {"epoch", "step", "val_loss", "val_accuracy", "val_top5" (more than
  5 classes)} for classification; {"epoch", "step", "val_map50", "val_map"} for detection
  (plus "train_loss_epoch", the epoch's mean train loss, in both)
- checkpoint: {"name", "kind": "last" | "best" | "epoch" | "manual", "epoch", "step",
               "path" (relative to the run dir), "metrics", "size"}

`epoch` is 1-based in events (the epoch being trained or just finished); `step` is the
number of optimizer steps done so far over the whole run.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class EventWriter:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self._events = open(self.run_dir / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115 - held for the run
        self._log = open(self.run_dir / "train.log", "a", encoding="utf-8")  # noqa: SIM115 - held for the run

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        line = json.dumps({"type": type_, "time": now_iso(), "data": _clean(data)}, allow_nan=False)
        self._events.write(line + "\n")
        self._events.flush()

    def log(self, message: str, level: str = "info", event: bool = True) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        for text in str(message).splitlines() or [""]:
            self._log.write(f"{stamp} {level.upper():7s} {text}\n")
        self._log.flush()
        if event:
            self.emit("log", {"level": level, "message": str(message)})

    def status(self, status: str, epoch: int, step: int, **extra: Any) -> None:
        self.emit("status", {"status": status, "epoch": epoch, "step": step, **extra})

    def metric(self, data: dict[str, Any]) -> None:
        self.emit("metric", data)

    def checkpoint(self, data: dict[str, Any]) -> None:
        self.emit("checkpoint", data)

    def close(self) -> None:
        for f in (self._events, self._log):
            try:
                f.flush()
                os.fsync(f.fileno())
                f.close()
            except (OSError, ValueError):
                pass


class SilentEvents(EventWriter):
    """The other processes of a data-parallel run write nothing: rank 0 speaks for the run."""

    def __init__(self) -> None:
        pass

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        pass

    def log(self, message: str, level: str = "info", event: bool = True) -> None:
        pass

    def close(self) -> None:
        pass
