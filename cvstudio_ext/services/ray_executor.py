"""Training runs on a Ray cluster, behind the executor verbs (executor.py).

A run is one detached, named Ray actor (engine/training/ray_actor.py) on the node Ray
picks for the run's resources. It starts the ordinary worker module in a run folder of
its own on that node: no filesystem is assumed to be shared with the server. The server
sends the inputs (spec, resume checkpoint, pretrained weights, and the dataset as an
archive, cached per digest on the node, when the node cannot read it at the server's
path), and on every supervisor tick `sync` pulls what the worker wrote: new bytes of
`events.jsonl`, `train.log` and `worker.out` by offset, appended to the server's run
folder, and changed checkpoints and `evaluation.json` in chunks. Files come over before
the event lines that name them, so a final status is never read before its weight.
Everything else (folding events, the socket replay, `since`) works as for a local run.

The actor's name is derived from the run id and this server's place, so two servers never
meet and a restarted server finds its runs again (`ray.get_actor`); the offsets mirrored so
far are kept in the run folder (`ray.json`). Ray schedules CPUs and GPUs here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tarfile
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..engine.storage import write_json_atomic
from .executor import Launch
from .supervisor import gpus_wanted, read_events

CHUNK = 8 << 20  # bytes per remote call, for files and streams alike
CALL_TIMEOUT_S = 10.0  # a call that moves no more than a poll
CHUNK_TIMEOUT_S = 120.0  # one chunk of a file, either way
SWEEP_S = 30.0  # how often actors of deleted runs are looked for
FINAL_GRACE_S = 10.0  # how long a worker that said its last word may take to end
FINAL = ("paused", "completed", "stopped", "failed")
MIRROR_FILE = "ray.json"
INSTALL_HINT = "pip install jupyter-cvstudio[ray]"


def import_ray():
    """Ray, or a startup error that says how to get it."""
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError(
            f'executor is "ray" but Ray is not installed in this environment: {INSTALL_HINT} '
            "(or set CVSTUDIO_EXECUTOR=local)"
        ) from exc
    return ray


@dataclass
class _Run:
    actor: Any
    launcher: Future | None  # None for a run found again after a restart
    offsets: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[int]] = field(default_factory=dict)
    died: str | None = None  # why its actor is gone, once seen
    cancelled: bool = False  # stopped before its worker started
    final_at: float | None = None  # when its final status came over (its worker is about to end)
    drained: bool = False  # ended, and all it wrote is on the server
    reaped: bool = False


class RayExecutor:
    schedules_gpus = True

    def __init__(self, *, address: str, namespace: str, place: str, runs_dir: Path,
                 log: logging.Logger, ship_datasets: bool = False):  # fmt: skip
        self.ray = ray = import_ray()
        if not ray.is_initialized():
            try:
                ray.init(address=address or "auto", namespace=namespace, log_to_driver=False)
            except Exception as exc:
                raise RuntimeError(f"Could not connect to the Ray cluster at {address or 'auto'}: {exc}") from exc
        self.namespace = namespace
        self.prefix = "cvstudio-" + hashlib.sha1(place.encode()).hexdigest()[:12]
        self.runs_dir = runs_dir
        self.tmp_dir = runs_dir.parent / "tmp"
        self.log = log
        self.ship_datasets = ship_datasets
        self._runs: dict[int, _Run] = {}
        self._lock = threading.Lock()
        self._swept = 0.0
        # a slow answer, or an actor out of reach for a moment: asked again at the next tick
        self._not_now = (ray.exceptions.GetTimeoutError, ray.exceptions.ActorUnavailableError)
        from ..engine.training.ray_actor import RunActor

        self._actor_class = ray.remote(RunActor)

    def name(self, run_id: int) -> str:
        return f"{self.prefix}-run-{run_id}"

    def gpus(self) -> list[str]:
        """The cluster's GPUs, as many names as it has (a run may not ask for more)."""
        return [f"ray-gpu-{i}" for i in range(int(self.ray.cluster_resources().get("GPU", 0)))]

    # ---- the verbs -------------------------------------------------------------------
    def submit(self, run_dir: Path, *, processes: int, gpus: list[str]) -> Launch:
        run_id = int(run_dir.name)
        spec = json.loads((run_dir / "spec.json").read_text())
        resources = spec.get("resources") or {}
        self._end_previous(run_id)
        actor = self._actor_class.options(
            name=self.name(run_id),
            namespace=self.namespace,
            lifetime="detached",
            max_restarts=0,
            num_cpus=processes * (1 + int(resources.get("num_workers") or 0)),
            num_gpus=gpus_wanted(resources),
        ).remote(self.name(run_id))
        run = _Run(actor=actor, launcher=None)
        self._save(run_dir, run)
        run.launcher = in_thread(self._launch, run, run_dir, spec, processes)
        with self._lock:
            self._runs[run_id] = run
        return Launch(None, None, run_id)

    def status(self, launch: Launch) -> Literal["running", "exited"]:
        run = self._run(launch)
        if run is None or run.drained or run.died:
            return "exited"
        if run.launcher is not None and not run.launcher.done():
            return "running"  # placed, or waiting for room on the cluster, or receiving its inputs
        try:
            self.ray.get(run.actor.alive.remote(), timeout=CALL_TIMEOUT_S)  # the actor answers
        except self._not_now:
            return "running"
        except self.ray.exceptions.RayActorError as exc:
            run.died = _died(exc)
            return "exited"
        # its worker lives, or ended and counts as running until sync has brought all it wrote over
        return "running"

    def control(self, run_dir: Path, action: str) -> None:
        run = self._run(Launch(None, None, int(run_dir.name)))
        if run is not None:
            run.actor.control.remote(action)  # queued behind its start when it has not started yet

    def kill(self, launch: Launch, *, force: bool) -> None:
        run = self._run(launch)
        if run is None:
            return
        if run.launcher is not None and not run.launcher.done():
            run.cancelled = True  # still waiting for room or its inputs: nothing to stop politely
            self.ray.kill(run.actor)
            return
        try:
            self.ray.get(run.actor.kill.remote(force), timeout=CALL_TIMEOUT_S)
        except (self.ray.exceptions.RayActorError, self.ray.exceptions.GetTimeoutError):
            pass

    def sync(self, run_dir: Path, launch: Launch) -> None:
        run = self._run(launch)
        if run is None or run.drained:
            return
        if run.launcher is not None and not run.launcher.done():
            return
        error = run.launcher.exception() if run.launcher is not None else None
        if run.cancelled and error is not None:
            self._last_word(run_dir, run, {"status": "stopped", "epoch": 0, "step": 0})
            return
        if error is not None:
            died = _died(error) if isinstance(error, self.ray.exceptions.RayActorError) else None
            self._fail(run_dir, run, died or f"The run could not start on the Ray cluster: {_short(error)}")
            return
        if run.died:
            self._fail(run_dir, run, run.died)
            return
        try:
            polled = self.ray.get(run.actor.poll.remote(run.offsets, CHUNK), timeout=CALL_TIMEOUT_S)
            # files before the lines that name them: a final status finds its weight here
            fetched = [rel for rel, stat in polled["files"].items() if run.files.get(rel) != stat]
            for rel in fetched:
                self._fetch(run, run_dir, rel)
                run.files[rel] = polled["files"][rel]
        except self._not_now:
            return
        except self.ray.exceptions.RayActorError as exc:
            run.died = _died(exc)
            self._fail(run_dir, run, run.died)
            return
        for name, data in polled["streams"].items():
            if data:
                with open(run_dir / name, "ab") as fh:
                    fh.write(data)
                run.offsets[name] = run.offsets.get(name, 0) + len(data)
        if run.final_at is None and has_final_status(polled["streams"]["events.jsonl"]):
            run.final_at = time.monotonic()  # the supervisor follows it no more: reap finishes it
        if any(polled["streams"].values()) or fetched:
            self._save(run_dir, run)
        complete = all(len(data) < CHUNK for data in polled["streams"].values())
        if not polled["alive"] and complete and (polled["started"] or run.launcher is None):
            run.drained = True

    def reap(self) -> None:
        """End the actors of runs whose files are all on the server, and, now and then,
        those of runs deleted meanwhile (their folder is gone)."""
        with self._lock:
            runs = [(run_id, r) for run_id, r in self._runs.items() if not r.reaped]
        for run_id, run in runs:
            if run.final_at is not None and not run.drained and not run.died:
                # its last log lines, once its worker has ended (or given up waiting for it)
                run_dir = self.runs_dir / str(run_id)
                if run_dir.is_dir():
                    self.sync(run_dir, Launch(None, None, run_id))
                if not run.drained and time.monotonic() - run.final_at < FINAL_GRACE_S:
                    continue
            if run.drained or run.died or run.final_at is not None:
                run.reaped = True
                self._end(run.actor)
        if time.monotonic() - self._swept > SWEEP_S:
            self._swept = time.monotonic()
            self._sweep()

    # ---- launching -------------------------------------------------------------------
    def _launch(self, run: _Run, run_dir: Path, spec: dict[str, Any], processes: int) -> None:
        """Wait for the actor's node, send it the inputs, start the worker there."""
        ray = self.ray
        where = ray.get(run.actor.where.remote())  # as long as the cluster has no room
        notes = [f"Runs on Ray node {where['node_id']} ({where['ip']}, {where['host']}) in {where['folder']}"]
        self.log.info("run %s: %s", run_dir.name, notes[0])
        spec = dict(spec)
        for key, target in (("resume_from", "inputs/resume.pt"), ("pretrained_weights", "inputs/pretrained")):
            if spec.get(key):
                source = Path(spec[key])
                rel = ray.get(run.actor.run_file.remote(target + ("" if key == "resume_from" else source.suffix)))
                spec[key] = self._send(run.actor, source, rel)
        data = dict(spec["data"])
        files = [item["file"] for part in ("train", "val") for item in data.get(part, [])]
        sample = files[:1] + files[-1:]
        if not self.ship_datasets and ray.get(run.actor.readable.remote(data["root"], sample)):
            notes.append(f"The dataset is read from the shared path {data['root']}")
        else:
            digest = dataset_digest(data["root"], files)
            cached = ray.get(run.actor.cached_dataset.remote(digest))
            if cached is None:
                archive = pack_dataset(data["root"], files, self.tmp_dir)
                try:
                    rel = self._send(run.actor, archive, f"datasets/{digest}.tar")
                finally:
                    archive.unlink(missing_ok=True)
                cached = ray.get(run.actor.unpack_dataset.remote(digest, rel))
                notes.append(f"The dataset was shipped to the node ({len(files)} files) into {cached}")
            else:
                notes.append(f"The dataset is read from the node's cache {cached}")
            data["root"] = cached
        spec["data"] = data
        ray.get(run.actor.start.remote(spec, processes, notes))

    def _send(self, actor, source: Path, rel: str) -> str:
        """A file to the node in chunks (`rel` under its base folder); its path there."""
        size = source.stat().st_size
        with open(source, "rb") as fh:
            offset = 0
            while True:
                data = fh.read(CHUNK)
                last = offset + len(data) >= size
                path = self.ray.get(actor.put.remote(rel, offset, data, last), timeout=CHUNK_TIMEOUT_S)
                offset += len(data)
                if last:
                    return path

    # ---- mirroring -------------------------------------------------------------------
    def _fetch(self, run: _Run, run_dir: Path, rel: str) -> None:
        """One file of the node's run folder into the server's, whole or not at all."""
        ray = self.ray
        snap, size = ray.get(run.actor.snapshot.remote(rel), timeout=CALL_TIMEOUT_S)
        target = run_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for offset in range(0, size, CHUNK):
                    out.write(ray.get(run.actor.read.remote(snap, offset, CHUNK), timeout=CHUNK_TIMEOUT_S))
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
            run.actor.drop.remote(snap)

    def _fail(self, run_dir: Path, run: _Run, error: str) -> None:
        if run.final_at is not None:  # it had said how it ended: its actor went afterwards
            run.drained = True
            return
        self._last_word(run_dir, run, {"status": "failed", "error": error})

    def _last_word(self, run_dir: Path, run: _Run, data: dict[str, Any]) -> None:
        """The run's final status, said for it in its own stream (as the supervisor does
        for a local worker that vanished), so that every replay tells the same story."""
        from ..store.models import utcnow

        line = {"type": "status", "time": utcnow().isoformat(), "data": data}
        with open(run_dir / "events.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        run.drained = True

    def _save(self, run_dir: Path, run: _Run) -> None:
        saved = {"actor": self.name(int(run_dir.name)), "offsets": run.offsets, "files": run.files}
        write_json_atomic(run_dir / MIRROR_FILE, saved)

    def _run(self, launch: Launch) -> _Run | None:
        """This server's record of a run, or the run's actor found again by name (after a
        restart), or None when it has none."""
        if launch.run_id is None:
            return None
        with self._lock:
            run = self._runs.get(launch.run_id)
        if run is not None:
            return run
        try:
            actor = self.ray.get_actor(self.name(launch.run_id), namespace=self.namespace)
        except ValueError:
            return None
        run = _Run(actor=actor, launcher=None)
        try:
            saved = json.loads((self.runs_dir / str(launch.run_id) / MIRROR_FILE).read_text())
            run.offsets, run.files = saved["offsets"], saved["files"]
        except (OSError, ValueError, KeyError):
            pass
        with self._lock:
            return self._runs.setdefault(launch.run_id, run)

    def _end_previous(self, run_id: int) -> None:
        """A resumed run's earlier actor (paused, not reaped yet) gives its name back."""
        with self._lock:
            self._runs.pop(run_id, None)
        try:
            actor = self.ray.get_actor(self.name(run_id), namespace=self.namespace)
        except ValueError:
            return
        self._end(actor)
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                self.ray.get_actor(self.name(run_id), namespace=self.namespace)
            except ValueError:
                return
            time.sleep(0.05)

    def _end(self, actor) -> None:
        try:
            self.ray.get(actor.close.remote(), timeout=CALL_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - dead already, or its node is gone: kill is all that is left
            pass
        self.ray.kill(actor)

    def _sweep(self) -> None:
        """End this server's actors that no run needs: their run was deleted, or it ended
        while no server of this place was there to end its actor."""
        with self._lock:
            followed = {run_id for run_id, run in self._runs.items() if not run.reaped}
        for entry in self.ray.util.list_named_actors(all_namespaces=True):
            name = entry["name"]
            if entry["namespace"] != self.namespace or not name.startswith(f"{self.prefix}-run-"):
                continue
            run_id = name.rsplit("-", 1)[1]
            if not run_id.isdigit() or int(run_id) in followed:
                continue
            run_dir = self.runs_dir / run_id
            if not run_dir.exists() or last_status(run_dir) in FINAL:
                with contextlib.suppress(ValueError):
                    self._end(self.ray.get_actor(name, namespace=self.namespace))


def in_thread(fn, *args) -> Future:
    """`fn(*args)` in a daemon thread (a launch may wait for room on the cluster for as
    long as the server lives, and must not hold up its exit)."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - kept for sync, which says it in the run's stream
            future.set_exception(exc)

    threading.Thread(target=run, name="cvstudio-ray-launch", daemon=True).start()
    return future


def _died(exc: BaseException) -> str:
    return f"The run's Ray actor died (its node or process is gone): {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]


def last_status(run_dir: Path) -> str | None:
    """The status the run's event stream on the server says last."""
    events, _ = read_events(run_dir / "events.jsonl", 0)
    told = [e.get("data", {}).get("status") for e in events if e.get("type") == "status"]
    return told[-1] if told else None


def has_final_status(data: bytes) -> bool:
    """Whether event lines hold the status a worker ends with."""
    for line in data.splitlines():
        if b'"status"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "status" and event.get("data", {}).get("status") in FINAL:
            return True
    return False


def dataset_digest(root: str, files: list[str]) -> str:
    """Names one version of a dataset's files: their paths, sizes and modification times."""
    digest = hashlib.sha256(root.encode())
    for name in sorted(files):
        st = (Path(root) / name).stat()
        digest.update(f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def pack_dataset(root: str, files: list[str], tmp_dir: Path) -> Path:
    """The run's images in one uncompressed archive (images are compressed already)."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".tar")
    os.close(fd)
    with tarfile.open(name, "w") as tar:
        for file in sorted(set(files)):
            tar.add(Path(root) / file, arcname=file, recursive=False)
    return Path(name)
