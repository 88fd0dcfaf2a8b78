"""Where training workers run: the executor interface and the local process executor.

The supervisor decides *when* a run starts and stops; an executor decides *how*. It has
four verbs, each taking what the database keeps about a run (its directory, and the pid
and create_time of the process it was given), so a server restarted meanwhile can still
reach a run it did not start:

- `submit(run_dir, processes, gpus)` starts the worker and returns its `Launch`;
- `status(launch)` is "running" or "exited";
- `control(run_dir, action)` asks the worker to pause, stop or checkpoint now, through
  `control.json` (files, not signals, so that any platform and any cluster can carry it);
- `kill(launch, force)` ends the whole process tree: polite (SIGTERM) first, then
  forced (SIGKILL);
- `sync(run_dir, launch)`, called on every tick of a live run before its events are
  read, brings what a remote worker wrote into `run_dir` (a no-op for local workers,
  which write there themselves);
- `reap()`, called on every supervisor tick, collects what ended, the workers of
  deleted runs included;
- `room()` is None for the local executor: the supervisor fits runs into this machine's
  `max_concurrent_runs` and hands out its GPUs. A cluster executor (ray_executor.py)
  answers with what its nodes have free instead, and places GPUs itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from ..engine.storage import disk_full_is_507, write_json_atomic

WORKER_MODULE = "cvstudio_ext.engine.training.worker"


@dataclass(frozen=True)
class Launch:
    pid: int | None
    create_time: float | None
    run_id: int | None = None  # what names a remote run's worker (its pid means nothing here)


class Executor(Protocol):
    def submit(self, run_dir: Path, *, processes: int, gpus: list[str]) -> Launch: ...

    def status(self, launch: Launch) -> Literal["running", "exited"]: ...

    def control(self, run_dir: Path, action: str) -> None: ...

    def kill(self, launch: Launch, *, force: bool) -> None: ...

    def sync(self, run_dir: Path, launch: Launch) -> None: ...

    def reap(self) -> None:
        """Collect what ended (a no-op where nothing is left to collect)."""

    def room(self) -> Room | None: ...


class Room(Protocol):
    def take(self, resources: dict[str, Any]) -> bool:
        """Whether a run with these resources starts now (and what it takes is taken)."""


def process_alive(pid: int | None, create_time: float | None) -> bool:
    """True only for the very process we started (a reused pid has another create_time)."""
    if not pid:
        return False
    import psutil

    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - (create_time or 0)) < 1.0 and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def gpu_env(assigned: list[str]) -> dict[str, str]:
    """NVML's order and CUDA's may differ: name GPUs by UUID, in PCI bus order; a run
    without GPUs sees none."""
    return {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": ",".join(assigned)}


def worker_command(run_dir: Path, processes: int) -> list[str]:
    """One worker, or `processes` of them under torch.distributed.run on this machine
    (a private rendezvous on a free port, so that runs never meet each other)."""
    if processes <= 1:
        return [sys.executable, "-m", WORKER_MODULE, str(run_dir)]
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
        "--max-restarts=0", "-m", WORKER_MODULE, str(run_dir),
    ]  # fmt: skip


def write_control(run_dir: Path, action: str) -> None:
    """control.json, atomically, with a fresh nonce: the worker acts on each nonce once."""
    path = run_dir / "control.json"
    with disk_full_is_507(f"the run's request to {action}"):
        write_json_atomic(path, {"action": action, "nonce": uuid.uuid4().hex})


class LocalProcessExecutor:
    """Workers are child processes of the server, each in a session of its own (so that
    the server's signals do not reach them and a kill reaches all of a run's processes)."""

    def __init__(self) -> None:
        self._children: dict[int, subprocess.Popen] = {}

    def submit(self, run_dir: Path, *, processes: int, gpus: list[str]) -> Launch:
        import psutil

        env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE="1", PYTHONUNBUFFERED="1", **gpu_env(gpus))
        with open(run_dir / "worker.out", "ab") as out:
            proc = subprocess.Popen(
                worker_command(run_dir, processes),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=run_dir,  # not the server's folder: `-m` would import a `cvstudio_ext/` or `torch/` there
                start_new_session=True,
                env=env,
            )
        self._children[proc.pid] = proc
        return Launch(proc.pid, psutil.Process(proc.pid).create_time())

    def status(self, launch: Launch) -> Literal["running", "exited"]:
        child = self._children.get(launch.pid or 0)
        if child is not None and child.poll() is not None:
            self._children.pop(child.pid, None)  # reaped: no zombie is left behind (pop: threads share this)
            return "exited"
        return "running" if process_alive(launch.pid, launch.create_time) else "exited"

    def control(self, run_dir: Path, action: str) -> None:
        write_control(run_dir, action)

    def kill(self, launch: Launch, *, force: bool) -> None:
        """The process and everything under it: torch.distributed.run puts its workers in
        sessions of their own, so a process-group signal would miss them."""
        import psutil

        if not process_alive(launch.pid, launch.create_time):
            return
        try:
            root = psutil.Process(launch.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        sig = signal.SIGKILL if force and hasattr(signal, "SIGKILL") else signal.SIGTERM
        for proc in tree:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(sig)

    def sync(self, run_dir: Path, launch: Launch) -> None:
        """Local workers write into run_dir themselves."""

    def room(self) -> None:
        """This machine's slots and GPUs decide (the supervisor's)."""

    def reap(self) -> None:
        """Collect children that ended (those of deleted runs too)."""
        for pid, child in list(self._children.items()):
            if child.poll() is not None:
                self._children.pop(pid, None)
