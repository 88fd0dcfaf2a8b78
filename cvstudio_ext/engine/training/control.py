"""Control of a running worker: `control.json` and SIGTERM.

The server writes `control.json` = {"action": "pause" | "stop" | "checkpoint", "nonce": str}
(atomically). The worker reads it at every step boundary; an action is taken once per
nonce. Handled nonces are remembered in `control.ack.json` ({"nonces": [...]}) so a
resumed worker in the same run directory does not pause again on the old request.

- pause: full checkpoint to checkpoints/last.pt, status "paused", exit 0.
- stop: full checkpoint to checkpoints/last.pt, status "stopped", exit 0.
- checkpoint: full checkpoint to checkpoints/manual-<step>.pt, training goes on.
SIGTERM (and SIGINT) act as "stop" at the next step boundary, and so does the end of the
process above a worker that must not outlive it: torch.distributed.run above a
data-parallel worker, a Ray actor (`CVSTUDIO_END_WITH_PARENT`) above a worker on a
cluster node. Their workers live in sessions of their own and would otherwise go on as
orphans, training for nobody.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from ..storage import write_json_atomic

ACTIONS = ("pause", "stop", "checkpoint")
MAX_ACKS = 100


class Control:
    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / "control.json"
        self.ack_path = Path(run_dir) / "control.ack.json"
        self.signalled = False
        self._acked: list[str] = []
        try:
            acked = json.loads(self.ack_path.read_text(encoding="utf-8")).get("nonces", [])
            self._acked = [str(n) for n in acked][-MAX_ACKS:]
        except (OSError, ValueError, AttributeError):
            pass
        self._mtime: float | None = None
        watched = os.environ.get("TORCHELASTIC_RUN_ID") or os.environ.get("CVSTUDIO_END_WITH_PARENT")
        self._parent = os.getppid() if watched else None

    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: Any) -> None:
            self.signalled = True

        signal.signal(signal.SIGTERM, handler)
        try:
            signal.signal(signal.SIGINT, handler)
        except ValueError:
            pass

    def poll(self) -> str | None:
        """The action to take now, or None. Each nonce is handed out once."""
        if self._parent is not None and os.getppid() != self._parent:
            self.signalled = True
        if self.signalled:
            return "stop"
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict):
            return None
        action, nonce = raw.get("action"), str(raw.get("nonce", ""))
        if action not in ACTIONS or nonce in self._acked:
            return None
        self._acked = (self._acked + [nonce])[-MAX_ACKS:]
        try:
            write_json_atomic(self.ack_path, {"nonces": self._acked})
        except OSError:
            pass
        return action
