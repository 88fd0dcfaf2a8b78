"""The supervisor: starts queued runs through an executor (executor.py), tails each live
run's events.jsonl by byte offset, folds events into the database, fans them out to
subscribers, and notices dead workers within a second.

It is a plain thread, not tied to tornado: subscribers are callables (the WebSocket
handlers hand it a thread-safe one).

Several servers may share one database and one machine (a team's JupyterHub): each
starts and follows only the runs of its own place (places.py), and they share the
machine's GPUs and its `max_concurrent_runs` through the database. A live run holds its
slot and its GPUs (`runs.gpus`) while its server keeps renewing `heartbeat_at` or while
its worker process lives on this machine: a server killed with its workers frees them
within LEASE_S, and a worker that outlived its server keeps its GPUs until it ends.
Queued runs start in id order across every server of the machine: a server starts its
own run only when no earlier run of a live server that would fit is waiting. On a
cluster (the executor's `room()`), the nodes' free resources decide instead of the
machine's slots and GPUs.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select, update

from ..engine.storage import is_disk_full
from ..errors import StudioError
from ..store import Store
from ..store.models import Run, utcnow
from .executor import Executor, Launch, LocalProcessExecutor, process_alive
from .places import at, server_place, this_host
from .recovery import remove_run_temps

POLL_S = 0.1
TERMINAL = ("completed", "stopped", "failed")
# a run with a process: `starting` from its spawn until the worker says `running` (torch's
# import takes seconds), `stopping` from a stop request until the worker ends
LIVE = ("starting", "running", "stopping")
# what a run's stream may end with: a worker's last word, or the executor's for a run
# whose worker went with its machine (`interrupted`: resumable from its last checkpoint)
ENDED = ("paused", "interrupted", *TERMINAL)
# A worker asked to stop gets this long to checkpoint and end by itself; then SIGTERM
# (it stops at its next step), and as long again before SIGKILL of its process group.
STOP_GRACE_S = 30.0
# A server renews the lease of its live and queued runs this often; a lease not renewed
# for LEASE_S is its dead server's, and only a worker still alive keeps its GPUs then.
HEARTBEAT_S = 2.0
LEASE_S = 10.0


def gpus_wanted(resources: dict[str, Any]) -> int:
    """GPUs a run takes: none on the CPU; `gpus` (at least 1 when `device` is cuda)."""
    if resources.get("device") == "cpu":
        return 0
    wanted = int(resources.get("gpus") or 0)
    return max(wanted, 1) if resources.get("device") == "cuda" else wanted


def processes_wanted(resources: dict[str, Any]) -> int:
    """Data-parallel processes: `processes`, else one per GPU, else one."""
    return int(resources.get("processes") or 0) or max(1, gpus_wanted(resources))


def allocate(wanted: int, gpus: list[str], in_use: set[str]) -> list[str] | None:
    """The first `wanted` free GPUs by UUID, or None when too few are free (the run waits)."""
    free = [g for g in gpus if g not in in_use]
    return free[:wanted] if len(free) >= wanted else None


def read_events(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Whole lines after `offset`; a partly written last line waits for the next read."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            chunk = fh.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    events = []
    for line in chunk[:end].splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"type": "log", "data": {"line": line.decode(errors="replace")}})
    return events, offset + end


class Supervisor:
    def __init__(self, store: Store, runs_dir: Path, on_finished: Callable[[int, str], None], log: logging.Logger,
                 max_concurrent_runs: int = 1, gpus: Callable[[], list[str]] | None = None,
                 executor: Executor | None = None, place: str | None = None):  # fmt: skip
        self.store = store
        self.place = place or server_place(runs_dir.parent)
        self.lease_s = LEASE_S
        self.runs_dir = runs_dir
        self.on_finished = on_finished
        self.log = log
        self.max_concurrent_runs = max_concurrent_runs
        self.gpus = gpus or _nvml_gpus
        self.executor: Executor = executor or LocalProcessExecutor()
        self._subscribers: dict[int, set[Callable[[dict[str, Any]], None]]] = {}
        self._watchers: set[Callable[[int], None]] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stops: dict[int, float] = {}  # run id -> when stop was asked
        self._beat = 0.0  # monotonic time of the last heartbeat

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        self.adopt_or_interrupt()
        self._thread = threading.Thread(target=self._loop, name="cvstudio-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def kick(self) -> None:
        self._wake.set()

    def adopt_or_interrupt(self) -> None:
        """At server start: this server's runs whose process still lives are followed
        again, and so are those that ended while it was down, saying how (a hub stops idle
        servers, not their runs); the rest become `interrupted` (resumable from their
        last checkpoint)."""
        with self.store.session.begin() as s:
            for run in s.scalars(select(Run).where(Run.status.in_(LIVE), at(Run.place, self.place))):
                if self._has_final_status(self.runs_dir / str(run.id)):
                    continue  # the first tick folds its last events in, its weight included
                if self.executor.status(Launch(run.pid, run.pid_create_time, run.id)) == "exited":
                    run.status, run.error = "interrupted", "The server stopped while the run was going; resume it."
                    remove_run_temps(self.runs_dir / str(run.id))

    def stop_requested(self, run_id: int) -> None:
        self._stops.setdefault(run_id, time.monotonic())
        self.kick()

    def _escalate(self, run_id: int, launch: Launch) -> None:
        asked = self._stops.get(run_id)
        if asked is None or self.executor.status(launch) == "exited":
            return
        waited = time.monotonic() - asked
        if waited > 2 * STOP_GRACE_S:
            self.log.warning("run %s ignored SIGTERM; killing its processes", run_id)
            self.executor.kill(launch, force=True)
        elif waited > STOP_GRACE_S:
            self.executor.kill(launch, force=False)

    # ---- subscribers -----------------------------------------------------------------
    def subscribe(self, run_id: int, callback: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self._subscribers.setdefault(run_id, set()).add(callback)

    def unsubscribe(self, run_id: int, callback: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self._subscribers.get(run_id, set()).discard(callback)

    def watch(self, callback: Callable[[int], None]) -> None:
        """`callback(run_id)` after any change of any run (the runs list socket); it runs
        on the changing thread and must only hand the id over."""
        with self._lock:
            self._watchers.add(callback)

    def unwatch(self, callback: Callable[[int], None]) -> None:
        with self._lock:
            self._watchers.discard(callback)

    def changed(self, run_id: int) -> None:
        """A run's row changed and is committed: tell the watchers."""
        with self._lock:
            watchers = list(self._watchers)
        for callback in watchers:
            callback(run_id)

    def _publish(self, run_id: int, event: dict[str, Any]) -> None:
        with self._lock:
            callbacks = list(self._subscribers.get(run_id, ()))
        for callback in callbacks:
            callback(event)

    # ---- the loop --------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                self.log.exception("supervisor tick failed")
            self._wake.wait(POLL_S)
            self._wake.clear()

    def tick(self) -> None:
        with self.store.session() as s:
            live = list(s.scalars(select(Run.id).where(Run.status.in_(LIVE), at(Run.place, self.place))))
        for run_id in live:
            self._follow(run_id)
        self.executor.reap()
        self._heartbeat()
        self._start_queued()

    def _heartbeat(self) -> None:
        """Renew the lease of this server's live and queued runs (see the module's doc)."""
        if time.monotonic() - self._beat < HEARTBEAT_S:
            return
        with self.store.session.begin() as s:
            mine = (Run.status.in_(("queued", *LIVE)), at(Run.place, self.place))
            s.execute(update(Run).where(*mine).values(heartbeat_at=utcnow()))
        self._beat = time.monotonic()

    def _follow(self, run_id: int) -> None:
        run_dir = self.runs_dir / str(run_id)
        with self.store.session() as s:
            run = s.get(Run, run_id)
            launch = Launch(run.pid, run.pid_create_time, run.id)
        self._escalate(run_id, launch)
        exited = self.executor.status(launch) == "exited"
        self.executor.sync(run_dir, launch)  # a remote worker's new lines and files (ray_executor.py)
        finished = self._read(run_id, run_dir)  # whatever it wrote, also just before it ended
        if finished is None and exited:
            remove_run_temps(run_dir)  # what it was writing when it died: space, never a file
            if not self._has_final_status(run_dir):
                # the worker is gone without a last word: say it for it, in its own file,
                # so that the event stream (and every replay) tells the same story
                tail = last_lines(run_dir / "train.log", 5) + last_lines(run_dir / "worker.out", 5)
                error = "The worker process ended without finishing: " + (" | ".join(tail[-5:]) or "no output")
                line = {"type": "status", "time": utcnow().isoformat(), "data": {"status": "failed", "error": error}}
                try:
                    with open(run_dir / "events.jsonl", "a", encoding="utf-8") as fh:
                        fh.write(json.dumps(line) + "\n")
                except OSError as exc:
                    if not is_disk_full(exc):
                        raise
                    # nowhere to write it: the database alone tells it, or the run would
                    # stay `running` for as long as the disk stays full
                    self._fail(run_id, f"The disk under CV Studio's data directory is full. {error}")
                    return
            finished = self._read(run_id, run_dir)
        if finished is not None:
            self._stops.pop(run_id, None)
            if finished in ("completed", "stopped"):
                # the weight goes into the library first, so that a run seen completed
                # already names its weight
                error = None
                try:
                    self.on_finished(run_id, finished)
                except StudioError as exc:  # the run is done; it says why its weight is not kept (a full disk)
                    error = f"The run's weight was not added to the library: {exc.message}"
                except Exception:
                    self.log.exception("adding run %s to the weight library failed", run_id)
                with self.store.session.begin() as s:
                    run = s.get(Run, run_id)
                    run.status, run.error = finished, error or run.error
                self.changed(run_id)

    def _fail(self, run_id: int, error: str) -> None:
        self._stops.pop(run_id, None)
        with self.store.session.begin() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "failed", error, utcnow()
        self.changed(run_id)

    def _has_final_status(self, run_dir: Path) -> bool:
        events, _ = read_events(run_dir / "events.jsonl", 0)
        return any(e.get("type") == "status" and e.get("data", {}).get("status") in ENDED for e in events)

    def _read(self, run_id: int, run_dir: Path) -> str | None:
        """Fold the new lines of events.jsonl into the run and publish them; returns the
        final status if one arrived."""
        finished = None
        with self.store.session.begin() as s:
            run = s.get(Run, run_id)
            events, offset = read_events(run_dir / "events.jsonl", run.events_offset)
            for raw in events:
                run.events_seq += 1
                data = raw.get("data", {})
                event = {"seq": run.events_seq, "type": raw.get("type", "log"), "time": raw.get("time"), "data": data}
                if event["type"] in ("status", "metric"):
                    run.epoch = data.get("epoch", run.epoch)
                    run.step = data.get("step", run.step)
                if event["type"] == "status" and data.get("status") == "running" and run.status == "starting":
                    run.status = "running"
                if event["type"] == "status" and data.get("status") in ENDED:
                    finished = data["status"]
                    run.finished_at, run.error = utcnow(), data.get("error")
                    if finished in ("paused", "interrupted", "failed"):
                        run.status = finished  # completed/stopped wait for their weight (see _follow)
                elif event["type"] == "checkpoint" and data.get("kind") == "best":
                    metrics = data.get("metrics") or {}
                    main = "val_accuracy" if "val_accuracy" in metrics else "val_map"
                    run.best = {"metric": main, "value": metrics.get(main), "epoch": data.get("epoch")}
                self._publish(run_id, event)
            run.events_offset = offset
        if events:
            self.changed(run_id)
        return finished

    def _start_queued(self) -> None:
        started: list[int] = []
        try:
            self._start_queued_into(started)
        finally:
            for run_id in started:
                self.changed(run_id)

    def _start_queued_into(self, started: list[int]) -> None:
        host = this_host()
        on_host = at(Run.host, host)
        with self.store.session() as s:  # most ticks find no queue: no write lock for them
            if not s.scalar(select(exists().where(Run.status == "queued", on_host))):
                return
        room = self.executor.room()  # a cluster's free resources; None: this machine's slots and GPUs
        with self.store.session.begin() as s:
            fresh = utcnow() - timedelta(seconds=self.lease_s)
            holding = [r for r in s.scalars(select(Run).where(Run.status.in_(LIVE), on_host)) if self._holds(r, fresh)]
            slots = self.max_concurrent_runs - len(holding) if room is None else math.inf
            in_use = {g for run in holding for g in self._gpus_of(run)}
            for run in s.scalars(select(Run).where(Run.status == "queued", on_host).order_by(Run.id)):
                if slots <= 0:
                    break
                mine = run.place in (self.place, None)
                if not mine and not _renewed(run, fresh):
                    continue  # its server is gone: it waits for that server to come back
                if room is not None:
                    assigned = [] if room.take(run.resources) else None  # the cluster places its GPUs
                else:
                    assigned = allocate(gpus_wanted(run.resources), self.gpus(), in_use)
                if assigned is None:
                    continue  # waits in `queued` until its GPUs (or the cluster's room) are free
                in_use.update(assigned)
                slots -= 1
                if mine:
                    self._spawn(run, assigned)
                    started.append(run.id)
                # another server's run keeps its turn: that server starts it at its next tick

    def _holds(self, run: Run, fresh) -> bool:
        """Whether a live run still holds its slot and GPUs: this server's always (it
        follows them to their end); another server's while that server renews its lease
        or while its worker still lives here."""
        if run.place in (self.place, None):
            return True
        return _renewed(run, fresh) or process_alive(run.pid, run.pid_create_time)

    def _gpus_of(self, run: Run) -> list[str]:
        return run.gpus if run.gpus is not None else self._assigned(run.id)

    def _assigned(self, run_id: int) -> list[str]:
        try:
            return json.loads((self.runs_dir / str(run_id) / "gpus.json").read_text())
        except (OSError, ValueError):
            return []

    def _spawn(self, run: Run, gpus: list[str]) -> None:
        run_dir = self.runs_dir / str(run.id)
        (run_dir / "gpus.json").write_text(json.dumps(gpus))
        # said in the run's own stream before the worker writes to it, so that every
        # replay shows the run starting while its worker imports
        line = {"type": "status", "time": utcnow().isoformat(), "data": {"status": "starting", "epoch": run.epoch}}
        with open(run_dir / "events.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        launch = self.executor.submit(run_dir, processes=processes_wanted(run.resources), gpus=gpus)
        run.pid, run.pid_create_time = launch.pid, launch.create_time
        run.status, run.started_at, run.finished_at, run.error = "starting", run.started_at or utcnow(), None, None
        run.place, run.host, run.gpus, run.heartbeat_at = self.place, this_host(), gpus, utcnow()


def _renewed(run: Run, fresh) -> bool:
    return run.heartbeat_at is not None and run.heartbeat_at > fresh


def _nvml_gpus() -> list[str]:
    from ..engine.system import gpu_uuids

    return gpu_uuids()


def last_lines(path: Path, n: int) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return []
