"""Training runs on a Ray cluster, behind the executor verbs (executor.py).

A run is a detached, named placement group with one bundle per process (CPUs: one plus
its loader workers; its share of the run's GPUs and memory), packed onto as few nodes as
hold it, and one detached, named Ray actor (engine/training/ray_actor.py) in each bundle.
Each actor starts the ordinary worker module in a run folder of its own on its node: no
filesystem is assumed to be shared with the server. A data-parallel run's workers join
through torch.distributed (gloo on the CPU, NCCL on GPUs) at rank 0's node; rank 0 owns
the events and checkpoints, as under torch.distributed.run. The server
sends the inputs (spec, resume checkpoint, pretrained weights, and the dataset as an
archive, cached per digest on the node, when the node cannot read it at the server's
path), and on every supervisor tick `sync` pulls what the worker wrote: new bytes of
`events.jsonl`, `train.log` and `worker.out` by offset, appended to the server's run
folder, and changed checkpoints and `evaluation.json` in chunks. Files come over before
the event lines that name them, so a final status is never read before its weight.
Everything else (folding events, the socket replay, `since`) works as for a local run.

Names are derived from the run id and this server's place, so two servers never meet and
a restarted server finds its runs again (`ray.get_actor`); the offsets mirrored so far
are kept in the run folder (`ray.json`). Ray schedules CPUs, GPUs and memory here: a run
waits in `queued` until the cluster's nodes have room for its bundles (`room`), except
one that no node could ever hold, which goes to Ray's own queue, where an autoscaler
sees it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
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
from .supervisor import gpus_wanted, processes_wanted, read_events

CHUNK = 8 << 20  # bytes per remote call, for files and streams alike
CALL_TIMEOUT_S = 10.0  # a call that moves no more than a poll
CHUNK_TIMEOUT_S = 120.0  # one chunk of a file, either way
SWEEP_S = 30.0  # how often actors of deleted runs are looked for
FINAL_GRACE_S = 10.0  # how long a worker that said its last word may take to end
POLL_S = 0.5  # how often a run waiting for room looks whether it was stopped
WAIT_NOTE_S = 5.0  # a run not placed by then says, in its log, that it waits for room
PLACED_LAG_S = 2.0  # how long Ray's free resources may still count what a run just took
FINAL = ("paused", "interrupted", "completed", "stopped", "failed")
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
    actors: list[Any]  # one per rank, rank 0 first
    group: Any  # the placement group (None when only its name is left to remove)
    launcher: Future | None  # None for a run found again after a restart
    offsets: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[int]] = field(default_factory=dict)
    bundles: list[dict[str, float]] = field(default_factory=list)
    placed_at: float | None = None  # when its bundles were seen placed
    died: str | None = None  # why one of its actors is gone, once seen
    cancelled: bool = False  # stopped before its worker started
    final_at: float | None = None  # when its final status came over (its worker is about to end)
    drained: bool = False  # ended, and all it wrote is on the server
    reaped: bool = False

    @property
    def main(self) -> Any:
        return self.actors[0]


def run_bundles(resources: dict[str, Any]) -> list[dict[str, float]]:
    """One bundle per process: `cpus`, else a CPU for it and one per loader worker (Ray
    caps a worker's threads at the CPUs it holds), its share of the run's GPUs and
    memory (Ray counts memory in bytes; zero amounts are left out)."""
    processes = processes_wanted(resources)
    bundle = {
        "CPU": float(resources.get("cpus") or 1 + int(resources.get("num_workers") or 0)),
        "GPU": gpus_wanted(resources) / processes,
        "memory": float(int(float(resources.get("memory_gb") or 0) * 2**30 / processes)),
    }
    return [{k: v for k, v in bundle.items() if v > 0} for _ in range(processes)]


def fit(bundles: list[dict[str, float]], nodes: dict[str, dict[str, float]]) -> dict[str, dict[str, float]] | None:
    """What `nodes` have left once `bundles` are placed on them (each whole on the first
    node that holds it), or None when they do not fit."""
    left = {node: dict(have) for node, have in nodes.items()}
    for bundle in bundles:
        for have in left.values():
            if all(have.get(k, 0.0) + 1e-9 >= v for k, v in bundle.items()):
                for k, v in bundle.items():
                    have[k] = have.get(k, 0.0) - v
                break
        else:
            return None
    return left


@dataclass
class Room:
    """What the cluster's nodes have free for queued runs, as the supervisor takes it
    run by run in its tick."""

    free: dict[str, dict[str, float]]
    total: dict[str, dict[str, float]]

    def take(self, resources: dict[str, Any]) -> bool:
        """Whether a run starts now: its bundles fit what is free (and take it), or no
        node could ever hold them, so that only an autoscaler can help (it sees the
        demand once Ray holds it)."""
        if not self.total:
            return False  # the cluster did not say what it has: wait for the next tick
        bundles = run_bundles(resources)
        left = fit(bundles, self.free)
        if left is not None:
            self.free = left
            return True
        return fit(bundles, self.total) is None


class RayExecutor:
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
        self._names = re.compile(rf"{re.escape(self.prefix)}-run-(\d+)(?:-rank-\d+)?")
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

    def name(self, run_id: int, rank: int = 0) -> str:
        """The name of a run's placement group and rank 0's actor; of rank k's actor."""
        return f"{self.prefix}-run-{run_id}" + (f"-rank-{rank}" if rank else "")

    def gpus(self) -> list[str]:
        """The cluster's GPUs, as many names as it has (a run may not ask for more)."""
        return [f"ray-gpu-{i}" for i in range(int(self.ray.cluster_resources().get("GPU", 0)))]

    def room(self) -> Room:
        """The nodes' free resources, less what runs submitted a moment ago take (Ray's
        figures lag behind a placement)."""
        from ray._private import state

        keys = ("CPU", "GPU", "memory")
        try:
            free = {n: {k: r.get(k, 0.0) for k in keys} for n, r in state.available_resources_per_node().items()}
            total = {n: {k: r.get(k, 0.0) for k in keys} for n, r in state.total_resources_per_node().items()}
        except Exception as exc:  # noqa: BLE001 - the cluster out of reach for a moment: no run starts now
            self.log.warning("could not read the Ray cluster's free resources: %s", exc)
            return Room({}, {})
        room = Room(free, total)
        now = time.monotonic()
        with self._lock:
            pending = [r for r in self._runs.values() if not (r.died or r.cancelled or r.reaped)]
        for run in pending:
            if run.placed_at is None or now - run.placed_at < PLACED_LAG_S:
                room.free = fit(run.bundles, room.free) or room.free
        return room

    # ---- the verbs -------------------------------------------------------------------
    def submit(self, run_dir: Path, *, processes: int, gpus: list[str]) -> Launch:
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        run_id = int(run_dir.name)
        spec = json.loads((run_dir / "spec.json").read_text())
        bundles = run_bundles({**(spec.get("resources") or {}), "processes": processes})
        self._end_previous(run_id)
        group = self.ray.util.placement_group(bundles, strategy="PACK", name=self.name(run_id), lifetime="detached")
        actors = [
            self._actor_class.options(
                name=self.name(run_id, rank),
                namespace=self.namespace,
                lifetime="detached",
                max_restarts=0,
                num_cpus=bundle["CPU"],
                num_gpus=bundle.get("GPU", 0),
                memory=bundle.get("memory"),
                scheduling_strategy=PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=rank),
            ).remote(self.name(run_id, rank))
            for rank, bundle in enumerate(bundles)
        ]
        run = _Run(actors=actors, group=group, launcher=None, bundles=bundles)
        self._save(run_dir, run)
        with self._lock:
            self._runs[run_id] = run
        run.launcher = in_thread(self._launch, run, run_dir, spec)
        return Launch(None, None, run_id)

    def status(self, launch: Launch) -> Literal["running", "exited"]:
        run = self._run(launch)
        if run is None or run.drained or run.died:
            return "exited"
        if self._waiting(run):
            return "running"  # placed, or waiting for room on the cluster, or receiving its inputs
        try:
            self.ray.get([actor.alive.remote() for actor in run.actors], timeout=CALL_TIMEOUT_S)  # they answer
        except self._not_now:
            return "running"
        except self.ray.exceptions.RayActorError as exc:
            run.died = _died(exc)
            return "exited"
        # its worker lives, or ended and counts as running until sync has brought all it wrote over
        return "running"

    def control(self, run_dir: Path, action: str) -> None:
        run = self._run(Launch(None, None, int(run_dir.name)))
        if run is None:
            return
        if action == "stop" and self._waiting(run):
            self._cancel(run)  # nothing to stop politely
            return
        run.main.control.remote(action)  # rank 0 decides for all; queued behind its start when it has not started yet

    def kill(self, launch: Launch, *, force: bool) -> None:
        run = self._run(launch)
        if run is None:
            return
        if self._waiting(run):
            self._cancel(run)
            return
        with contextlib.suppress(self.ray.exceptions.RayActorError, self.ray.exceptions.GetTimeoutError):
            self.ray.get([actor.kill.remote(force) for actor in run.actors], timeout=CALL_TIMEOUT_S)

    def _waiting(self, run: _Run) -> bool:
        """Still waiting for room or its inputs: its worker has not started."""
        return run.launcher is not None and not run.launcher.done()

    def _cancel(self, run: _Run) -> None:
        run.cancelled = True  # its launcher gives up, and sync says it stopped
        for actor in run.actors:
            self.ray.kill(actor)

    def sync(self, run_dir: Path, launch: Launch) -> None:
        run = self._run(launch)
        if run is None or run.drained:
            return
        if self._waiting(run):
            return
        error = run.launcher.exception() if run.launcher is not None else None
        if run.cancelled and error is not None:
            self._last_word(run_dir, run, {"status": "stopped"})
            return
        if error is not None and isinstance(error, self.ray.exceptions.RayActorError):
            run.died = _died(error)
        elif error is not None:
            self._end_with(run_dir, run, "failed", f"The run could not start on the Ray cluster: {_short(error)}")
            return
        if run.died:
            self._end_with(run_dir, run, "interrupted", run.died)
            return
        try:
            polled = self.ray.get(run.main.poll.remote(run.offsets, CHUNK), timeout=CALL_TIMEOUT_S)
            # files before the lines that name them: a final status finds its weight here
            fetched = [rel for rel, stat in polled["files"].items() if run.files.get(rel) != stat]
            for rel in fetched:
                self._fetch(run, run_dir, rel)
                run.files[rel] = polled["files"][rel]
        except self._not_now:
            return
        except self.ray.exceptions.RayActorError as exc:
            run.died = _died(exc)
            self._end_with(run_dir, run, "interrupted", run.died)
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
        """End the actors and placement groups of runs whose files are all on the server
        (and of runs one of whose actors died: the other ranks would wait for it), and,
        now and then, those of runs deleted meanwhile (their folder is gone)."""
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
                self._end(run_id, run.actors, run.group)
        if time.monotonic() - self._swept > SWEEP_S:
            self._swept = time.monotonic()
            self._sweep()

    # ---- launching -------------------------------------------------------------------
    def _launch(self, run: _Run, run_dir: Path, spec: dict[str, Any]) -> None:
        """Wait for the run's bundles to be placed, send each rank its inputs, start the
        workers (rank 0's node is the others' rendezvous)."""
        ray = self.ray
        ready, asked = run.group.ready(), time.monotonic()
        noted = False
        while not ray.wait([ready], timeout=POLL_S)[0]:  # as long as the cluster has no room
            if run.cancelled:
                raise RuntimeError("stopped while it waited for room on the Ray cluster")
            if not noted and time.monotonic() - asked > WAIT_NOTE_S:
                self._note(run_dir, f"Waiting for room on the Ray cluster for {describe(run.bundles)}")
                noted = True
        wheres = ray.get([actor.where.remote() for actor in run.actors])
        run.placed_at = time.monotonic()
        world = len(run.actors)
        env: dict[str, str] = {}
        if world > 1:
            port = ray.get(run.main.free_port.remote())
            # each rank sees only its own GPUs (Ray sets CUDA_VISIBLE_DEVICES): its device is local 0
            env = {"WORLD_SIZE": str(world), "MASTER_ADDR": wheres[0]["ip"], "MASTER_PORT": str(port),
                   "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "1"}  # fmt: skip
        notes: list[str] = []
        specs = []
        for rank, (actor, where) in enumerate(zip(run.actors, wheres, strict=True)):
            said = f"Rank {rank} runs" if world > 1 else "Runs"
            notes.append(f"{said} on Ray node {where['node_id']} ({where['ip']}, {where['host']}) in {where['folder']}")
            self.log.info("run %s: %s", run_dir.name, notes[-1])
            rank_spec, note = self._inputs(actor, spec)
            specs.append(rank_spec)
            if note and (rank == 0 or where["node_id"] != wheres[0]["node_id"]):
                notes.append(note if world == 1 else f"Rank {rank}: {note[0].lower()}{note[1:]}")
        ray.get([
            actor.start.remote(specs[rank], {**env, "RANK": str(rank)} if world > 1 else {}, notes if rank == 0 else [])
            for rank, actor in enumerate(run.actors)
        ])  # fmt: skip

    def _inputs(self, actor, spec: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The spec a rank's worker reads on its node, once its inputs are there, and
        how its dataset got there."""
        ray = self.ray
        spec = dict(spec)
        for key, target in (("resume_from", "inputs/resume.pt"), ("pretrained_weights", "inputs/pretrained")):
            if spec.get(key):
                source = Path(spec[key])
                rel = ray.get(actor.run_file.remote(target + ("" if key == "resume_from" else source.suffix)))
                spec[key] = self._send(actor, source, rel)
        data = dict(spec["data"])
        files = [item["file"] for part in ("train", "val") for item in data.get(part, [])]
        sample = files[:1] + files[-1:]
        if not self.ship_datasets and ray.get(actor.readable.remote(data["root"], sample)):
            note = f"The dataset is read from the shared path {data['root']}"
        else:
            digest = dataset_digest(data["root"], files)
            cached = ray.get(actor.cached_dataset.remote(digest))
            if cached is None:
                archive = pack_dataset(data["root"], files, self.tmp_dir)
                try:
                    rel = self._send(actor, archive, f"datasets/{digest}.tar")
                finally:
                    archive.unlink(missing_ok=True)
                cached = ray.get(actor.unpack_dataset.remote(digest, rel))
                note = f"The dataset was shipped to the node ({len(files)} files) into {cached}"
            else:
                note = f"The dataset is read from the node's cache {cached}"
            data["root"] = cached
        spec["data"] = data
        return spec, note

    def _note(self, run_dir: Path, message: str) -> None:
        """A line in the run's log, said by the server (before any worker writes there)."""
        from ..engine.training.events import EventWriter

        events = EventWriter(run_dir)
        events.log(message)
        events.close()

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
        snap, size = ray.get(run.main.snapshot.remote(rel), timeout=CALL_TIMEOUT_S)
        target = run_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for offset in range(0, size, CHUNK):
                    out.write(ray.get(run.main.read.remote(snap, offset, CHUNK), timeout=CHUNK_TIMEOUT_S))
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
            run.main.drop.remote(snap)

    def _end_with(self, run_dir: Path, run: _Run, status: str, error: str) -> None:
        """A run that cannot go on: `failed` when it could not start, `interrupted` when an
        actor died under it (its node or process went; it resumes from the last
        checkpoint that came over)."""
        if run.final_at is not None:  # it had said how it ended: its actor went afterwards
            run.drained = True
            return
        self._last_word(run_dir, run, {"status": status, "error": error})

    def _last_word(self, run_dir: Path, run: _Run, data: dict[str, Any]) -> None:
        """The run's final status, said for it in its own stream (as the supervisor does
        for a local worker that vanished), so that every replay tells the same story."""
        from ..store.models import utcnow

        line = {"type": "status", "time": utcnow().isoformat(), "data": data}
        with open(run_dir / "events.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        run.drained = True

    def _save(self, run_dir: Path, run: _Run) -> None:
        saved = {"ranks": len(run.actors), "bundles": run.bundles, "offsets": run.offsets, "files": run.files}
        write_json_atomic(run_dir / MIRROR_FILE, saved)

    def _run(self, launch: Launch) -> _Run | None:
        """This server's record of a run, or the run's actors found again by name (after
        a restart), or None when it has none."""
        if launch.run_id is None:
            return None
        with self._lock:
            run = self._runs.get(launch.run_id)
        if run is not None:
            return run
        saved = self._saved(launch.run_id)
        try:
            actors = [
                self.ray.get_actor(self.name(launch.run_id, rank), namespace=self.namespace)
                for rank in range(int(saved.get("ranks", 1)))
            ]
        except ValueError:
            return None
        run = _Run(actors=actors, group=None, launcher=None, bundles=saved.get("bundles", []))
        run.offsets, run.files = saved.get("offsets", {}), saved.get("files", {})
        run.placed_at = 0.0
        with self._lock:
            return self._runs.setdefault(launch.run_id, run)

    def _saved(self, run_id: int) -> dict[str, Any]:
        try:
            saved = json.loads((self.runs_dir / str(run_id) / MIRROR_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return saved if isinstance(saved, dict) else {}

    def _end_previous(self, run_id: int) -> None:
        """A resumed run's earlier actors and placement group (paused, not reaped yet)
        give their names back."""
        with self._lock:
            self._runs.pop(run_id, None)
        names = [self.name(run_id, rank) for rank in range(int(self._saved(run_id).get("ranks", 1)))]
        actors = []
        for name in names:
            with contextlib.suppress(ValueError):
                actors.append(self.ray.get_actor(name, namespace=self.namespace))
        self._end(run_id, actors, None)
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while time.monotonic() < deadline and any(self._named(name) for name in names):
            time.sleep(0.05)

    def _named(self, name: str) -> bool:
        try:
            self.ray.get_actor(name, namespace=self.namespace)
        except ValueError:
            return False
        return True

    def _end(self, run_id: int, actors: list[Any], group: Any) -> None:
        """Each actor clears its folder and goes; then the placement group (found by
        name when this server did not make it)."""
        for actor in actors:
            with contextlib.suppress(Exception):  # dead already, or its node is gone: kill is all that is left
                self.ray.get(actor.close.remote(), timeout=CALL_TIMEOUT_S)
            self.ray.kill(actor)
        if group is None:
            try:
                group = self.ray.util.get_placement_group(self.name(run_id))
            except ValueError:
                return
        with contextlib.suppress(Exception):  # removed already
            self.ray.util.remove_placement_group(group)

    def _sweep(self) -> None:
        """End this server's actors and placement groups that no run needs: their run was
        deleted, or it ended while no server of this place was there to end them."""
        with self._lock:
            followed = {run_id for run_id, run in self._runs.items() if not run.reaped}
        unneeded: dict[int, list[Any]] = {}
        for entry in self.ray.util.list_named_actors(all_namespaces=True):
            found = self._names.fullmatch(entry["name"])
            if entry["namespace"] != self.namespace or not found or int(found[1]) in followed:
                continue
            if self._done(int(found[1])):
                with contextlib.suppress(ValueError):
                    actor = self.ray.get_actor(entry["name"], namespace=self.namespace)
                    unneeded.setdefault(int(found[1]), []).append(actor)
        for entry in self.ray.util.placement_group_table().values():
            found = self._names.fullmatch(entry.get("name") or "")
            if found and entry.get("state") != "REMOVED" and int(found[1]) not in followed:
                if self._done(int(found[1])):
                    unneeded.setdefault(int(found[1]), [])
        for run_id, actors in unneeded.items():
            self._end(run_id, actors, None)

    def _done(self, run_id: int) -> bool:
        run_dir = self.runs_dir / str(run_id)
        return not run_dir.exists() or last_status(run_dir) in FINAL


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


def describe(bundles: list[dict[str, float]]) -> str:
    """ "2 processes, each 1 CPU, 1 GPU, 4 GiB of memory"."""
    units = {"CPU": "{:g} CPU", "GPU": "{:g} GPU", "memory": "{:g} GiB of memory"}
    each = ", ".join(units[k].format(v / 2**30 if k == "memory" else v) for k, v in bundles[0].items())
    return f"1 process of {each}" if len(bundles) == 1 else f"{len(bundles)} processes, each {each}"


def _died(exc: BaseException) -> str:
    return f"The run's Ray actor died (its node or process is gone); resume it from its last checkpoint: {_short(exc)}"


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
