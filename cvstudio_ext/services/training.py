"""Training runs: validate and queue, export the dataset into the run's spec, control,
and read back metrics, logs, checkpoints and the evaluation from the run directory."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..engine.storage import KEPT_FILE_MODE, disk_full_is_507, write_json_atomic
from ..errors import Conflict, Invalid, NotFound
from ..store import Store
from ..store.models import Annotation, Dataset, Image, ModelVersion, Run, utcnow
from .datasets import iso
from .executor import Executor, Launch
from .index_rows import boxes_of
from .places import at, server_place, this_host
from .recovery import Pending
from .sharing import readable
from .supervisor import LIVE, Supervisor, gpus_wanted, last_lines, processes_wanted, read_events
from .weights import WeightService

DELETE_WAIT_S = 3.0  # per step of stopping a live run that is being deleted
ACTIONS = {
    # a starting worker reads control.json at its first step: pause and stop wait for it
    "pause": ("starting", "running"),
    "stop": ("queued", "starting", "running", "paused", "interrupted"),
    "resume": ("paused", "interrupted", "stopped"),
}


def run_dict(r: Run) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "owner": r.owner,
        "task": r.task,
        "dataset_id": r.dataset_id,
        "model": r.model,
        "hyperparameters": r.hyperparameters,
        "augmentation": r.augmentation,
        "resources": r.resources,
        "gpus": r.gpus if r.gpus is not None else [],  # the GPUs its worker was given (UUIDs)
        "host": r.host,
        "pretrained_weight_id": r.pretrained_weight_id,
        "status": r.status,
        "epoch": r.epoch,
        "epochs": r.epochs,
        "step": r.step,
        "progress": min(1.0, r.epoch / r.epochs) if r.epochs else 0.0,
        "best": r.best,
        "error": r.error,
        "weight_id": r.weight_id,
        "created_at": iso(r.created_at),
        "started_at": iso(r.started_at),
        "finished_at": iso(r.finished_at),
    }


def write_json(path: Path, data: Any) -> None:
    """Atomically; on a full disk 507, and the file as it was."""
    with disk_full_is_507(f"the run's {path.name}"):
        write_json_atomic(path, data)


class TrainingService:
    def __init__(self, store: Store, data_dir: Path, weights: WeightService, log, max_concurrent_runs: int = 1,
                 place: str | None = None, executor: Executor | None = None):  # fmt: skip
        self.store = store
        self.place = place or server_place(data_dir)
        self.runs_dir = data_dir / "runs"
        self.weights = weights
        self.pending = Pending(data_dir)
        # a cluster executor counts the cluster's GPUs, not this machine's
        gpus = getattr(executor, "gpus", None)
        self.supervisor = Supervisor(store, self.runs_dir, self._finished, log, max_concurrent_runs, gpus=gpus,
                                     executor=executor, place=self.place)  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Runs going and runs waiting on this machine, over every owner (the machine is
        shared)."""
        with self.store.session() as s:
            on_host = at(Run.host, this_host())
            rows = dict(s.execute(select(Run.status, func.count()).where(on_host).group_by(Run.status)).all())
        return {"running": sum(rows.get(k, 0) for k in LIVE), "queued": rows.get("queued", 0)}

    def run_dir(self, run_id: int) -> Path:
        return self.runs_dir / str(run_id)

    def _owned(self, s, owner: str, run_id: int) -> Run:
        run = s.get(Run, run_id)
        if run is None or run.owner != owner:
            raise NotFound(f"There is no run {run_id}; list your runs to find its id.", code="run_not_found")
        return run

    # ---- creation ------------------------------------------------------------------
    def create(
        self,
        owner: str,
        *,
        name: str,
        dataset_id: int,
        model: dict[str, Any],
        task: str | None = None,
        hyperparameters: dict[str, Any],
        augmentation: list[dict[str, Any]],
        resources: dict[str, Any],
        pretrained_weight_id: int | None,
    ) -> dict[str, Any]:
        from ..engine.datasets.augment import validate_pipeline
        from ..engine.models_factory import task_of

        validate_pipeline(augmentation)
        wanted, present = gpus_wanted(resources), len(self.supervisor.gpus())
        if wanted > present:
            raise Invalid(
                f"The run asks for {wanted} GPU(s) and this server has {present}; use device cpu or fewer gpus.",
                code="not_enough_gpus",
            )
        processes = processes_wanted(resources)
        if wanted and processes > wanted:
            raise Invalid(
                f"The run asks for {processes} processes on {wanted} GPU(s); data-parallel training takes "
                "one process per GPU, so ask for as many gpus as processes.",
                code="processes_exceed_gpus",
            )
        if processes > int(hyperparameters.get("batch_size", 16)):
            raise Invalid(
                f"Each of the {processes} processes takes a share of every batch; "
                f"make batch_size at least {processes}.",
                code="batch_too_small",
            )
        with self.store.session() as s:
            # a dataset, graph and pretrained weight shared with the owner will do
            ds = readable(s, "dataset", dataset_id, owner)
            if ds.status != "ready":
                raise Conflict(
                    f"Dataset {dataset_id} is {ds.status}; train once it is ready.", code="dataset_not_ready"
                )
            if ds.task not in ("classification", "detection"):
                raise Invalid(f"Training on {ds.task} datasets is not supported.", code="unsupported_task")
            if task is not None and task != ds.task:
                raise Invalid(
                    f"task is {task} but dataset {ds.id} is a {ds.task} dataset; leave task out or give {ds.task}.",
                    code="task_mismatch",
                )
            graph = None
            if model["source"] == "graph":
                m = readable(s, "model", model["model_id"], owner)
                latest = s.scalar(
                    select(ModelVersion)
                    .where(ModelVersion.model_id == m.id)
                    .order_by(ModelVersion.version.desc())
                    .limit(1)
                )
                if latest is None or not latest.valid:
                    raise Invalid(f"Model {m.id}'s graph is not valid; fix it before training.", code="invalid_graph")
                architecture, graph = f"graph:{m.id}", m.graph
            else:
                architecture = model["name"]
            arch_task = task_of(architecture)
            if arch_task != ds.task:
                raise Invalid(
                    f"{architecture} is a {arch_task} model and dataset {ds.id} is a {ds.task} dataset; pick a matching pair.",
                    code="task_mismatch",
                )
            pretrained = None
            if pretrained_weight_id is not None:
                w = readable(s, "weight", pretrained_weight_id, owner)
                if w.architecture != architecture:
                    raise Invalid(
                        f"Weight {w.id} is for {w.architecture}, not {architecture}.", code="weights_mismatch"
                    )
                pretrained = str(self.weights.path_of(w))
            data = self._export(s, ds)
            classes = list(ds.classes)
        size = int(hyperparameters.get("image_size") or 224)
        spec = {
            "task": ds.task,
            "architecture": architecture,
            "graph": graph,
            "classes": classes,
            "input_size": list(graph["nodes"][0]["params"]["shape"][1:]) if graph else [size, size],
            "pretrained_weights": pretrained,
            "hyperparameters": hyperparameters,
            "augmentation": augmentation,
            "resources": resources,
            "data": data,
            "resume_from": None,
        }
        run_dir = None
        with contextlib.ExitStack() as notes:  # the note goes last, after the commit or the clean-up
            try:
                with self.store.session.begin() as s:
                    run = Run(
                        owner=owner,
                        name=name,
                        task=ds.task,
                        dataset_id=dataset_id,
                        model=model,
                        hyperparameters=hyperparameters,
                        augmentation=augmentation,
                        resources=resources,
                        pretrained_weight_id=pretrained_weight_id,
                        status="queued",
                        epochs=int(hyperparameters.get("epochs", 10)),
                        place=self.place,
                        host=this_host(),
                        heartbeat_at=utcnow(),
                    )
                    s.add(run)
                    s.flush()
                    run_dir = self.run_dir(run.id)
                    notes.enter_context(self.pending.around("runs", str(run.id)))
                    # a folder under a new id is no run's (an older server killed mid-delete)
                    shutil.rmtree(run_dir, ignore_errors=True)
                    run_dir.mkdir(parents=True)
                    write_json(run_dir / "spec.json", {"run_id": str(run.id), **spec})
                    out = run_dict(run)
            except BaseException:
                # the row was rolled back: its folder goes too
                if run_dir is not None:
                    shutil.rmtree(run_dir, ignore_errors=True)
                raise
        self.supervisor.changed(out["id"])
        self.supervisor.kick()
        return out

    def _export(self, s, ds: Dataset) -> dict[str, Any]:
        """The dataset index as the worker reads it: it never touches the database."""
        images = s.execute(
            select(Image.id, Image.file, Image.split, Image.label)
            .where(Image.dataset_id == ds.id, Image.present.is_(True))
            .order_by(Image.id)
        ).all()
        boxes: dict[int, list] = {}
        if ds.task == "detection":
            holder, shift = boxes_of(ds)
            rows = s.execute(
                select(Annotation.image_id, Annotation.class_id, Annotation.x, Annotation.y, Annotation.w, Annotation.h)
                .join(Image, Image.id == Annotation.image_id)
                .where(Image.dataset_id == holder, Annotation.class_id.is_not(None), Annotation.w > 0, Annotation.h > 0)
            ).all()
            for image_id, class_id, x, y, w, h in rows:
                boxes.setdefault(image_id + shift, []).append((class_id, [x, y, w, h]))
        splits: dict[str, list[dict[str, Any]]] = {"train": [], "val": []}
        for image_id, file, split, label in images:
            if ds.task == "classification":
                if label is None:
                    continue
                item = {"file": file, "label": label}
            else:
                found = boxes.get(image_id, [])
                item = {"file": file, "boxes": [b for _, b in found], "labels": [c for c, _ in found]}
            splits["val" if split in ("val", "valid", "test") else "train"].append(item)
        if not splits["train"]:
            raise Invalid(f"Dataset {ds.id} has no labelled training images.", code="nothing_to_train")
        return {"root": ds.path, **splits}

    # ---- reading -------------------------------------------------------------------
    def get(self, owner: str, run_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            return run_dict(self._owned(s, owner, run_id))

    def list(self, owner: str, *, offset: int, limit: int, status: str | None) -> dict[str, Any]:
        cond = [Run.owner == owner]
        if status:
            cond.append(Run.status == status)
        with self.store.session() as s:
            total = s.scalar(select(func.count()).select_from(Run).where(*cond))
            rows = s.scalars(select(Run).where(*cond).order_by(Run.id.desc()).offset(offset).limit(limit))
            return {"items": [run_dict(r) for r in rows], "total": total}

    def all(self, owner: str) -> dict[str, Any]:
        """Every run of `owner`, newest first, in one read (the runs socket's snapshot)."""
        with self.store.session() as s:
            rows = s.scalars(select(Run).where(Run.owner == owner).order_by(Run.id.desc()))
            items = [run_dict(r) for r in rows]
        return {"items": items, "total": len(items)}

    def events(self, owner: str, run_id: int) -> list[dict[str, Any]]:
        """Every event so far, numbered from 1 in file order (a line's number is its seq)."""
        self.get(owner, run_id)
        events, _ = read_events(self.run_dir(run_id) / "events.jsonl", 0)
        return [
            {"seq": i + 1, "type": e.get("type", "log"), "time": e.get("time"), "data": e.get("data", {})}
            for i, e in enumerate(events)
        ]

    def metrics(self, owner: str, run_id: int, since_step: int | None) -> dict[str, Any]:
        records: dict[tuple[int, int], dict[str, Any]] = {}
        for e in self.events(owner, run_id):
            if e["type"] != "metric":
                continue
            data = e["data"]
            step = int(data.get("step", 0))
            if since_step is not None and step <= since_step:
                continue
            records.setdefault((step, int(data.get("epoch", 0))), {}).update(data)
        return {"records": [records[k] for k in sorted(records)]}

    def logs(self, owner: str, run_id: int, offset: int, limit: int) -> dict[str, Any]:
        self.get(owner, run_id)
        lines = last_lines(self.run_dir(run_id) / "train.log", 10**9)
        page = lines[offset : offset + limit]
        return {"lines": page, "next_offset": offset + len(page), "total": len(lines)}

    def checkpoints(self, owner: str, run_id: int) -> dict[str, Any]:
        found: dict[str, dict[str, Any]] = {}
        for e in self.events(owner, run_id):
            if e["type"] == "checkpoint":
                data = e["data"]
                path = self.run_dir(run_id) / "checkpoints" / Path(data.get("path", data.get("name", ""))).name
                if path.exists():
                    found[path.name] = {
                        "name": path.name,
                        "epoch": data.get("epoch"),
                        "step": data.get("step"),
                        "size": path.stat().st_size,
                        "created_at": e.get("time"),
                        "metrics": data.get("metrics", {}),
                        "kind": data.get("kind"),
                    }
        return {"items": list(found.values())}

    def evaluation(self, owner: str, run_id: int) -> dict[str, Any]:
        self.get(owner, run_id)
        path = self.run_dir(run_id) / "evaluation.json"
        if not path.exists():
            raise Conflict("The evaluation is written when the run finishes.", code="not_ready")
        return json.loads(path.read_text())

    # ---- control -------------------------------------------------------------------
    def control(self, owner: str, run_id: int, action: str, epochs: int | None = None) -> dict[str, Any]:
        with self.store.session.begin() as s:
            run = self._owned(s, owner, run_id)
            if run.status not in ACTIONS[action]:
                raise Conflict(f"Run {run_id} is {run.status}; it cannot {action} now.", code="invalid_state")
            run_dir = self.run_dir(run_id)
            if action == "stop" and run.status not in ("starting", "running"):
                run.status, run.finished_at = "stopped", utcnow()
            elif action in ("pause", "stop"):
                self.supervisor.executor.control(run_dir, action)
                if action == "stop":
                    run.status = "stopping"
                    self.supervisor.stop_requested(run_id)
            else:
                checkpoint = self._resume_point(run_dir)
                if checkpoint is None:
                    raise Conflict(f"Run {run_id} has no checkpoint to resume from.", code="no_checkpoint")
                spec = json.loads((run_dir / "spec.json").read_text())
                spec["resume_from"] = str(checkpoint)
                if epochs is not None:
                    if epochs < run.epoch:
                        raise Invalid(
                            f"Run {run_id} already did {run.epoch} epochs; give at least that many.",
                            code="epochs_too_few",
                        )
                    spec["hyperparameters"]["epochs"] = epochs
                    run.epochs = epochs
                write_json(run_dir / "spec.json", spec)
                (run_dir / "control.json").unlink(missing_ok=True)
                run.status, run.error, run.finished_at = "queued", None, None
                # the server that resumes it runs it, in its turn on its machine
                run.place, run.host, run.heartbeat_at = self.place, this_host(), utcnow()
            out = run_dict(run)
        self.supervisor.changed(run_id)
        self.supervisor.kick()
        return out

    def _resume_point(self, run_dir: Path) -> Path | None:
        """The newest of the pause and last checkpoints (else the newest of any kind)."""
        folder = run_dir / "checkpoints"
        found = sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_mtime) if folder.exists() else []
        preferred = [p for p in found if p.name in ("pause.pt", "last.pt")]
        return (preferred or found or [None])[-1]

    def request_checkpoint(self, owner: str, run_id: int) -> None:
        with self.store.session() as s:
            run = self._owned(s, owner, run_id)
            if run.status != "running":
                raise Conflict(
                    f"Run {run_id} is {run.status}; only a running run can checkpoint now.", code="invalid_state"
                )
        self.supervisor.executor.control(self.run_dir(run_id), "checkpoint")

    def delete(self, owner: str, run_id: int) -> None:
        """A live run is stopped first: asked through control.json, then SIGTERM, then
        SIGKILL of its processes, each after a short wait; then it is forgotten."""
        executor = self.supervisor.executor
        with self.store.session() as s:
            run = self._owned(s, owner, run_id)
            launch = Launch(run.pid, run.pid_create_time, run.id)
            live = run.status in LIVE and executor.status(launch) == "running"
        if live:
            executor.control(self.run_dir(run_id), "stop")
            for force in (None, False, True):
                if force is not None:
                    executor.kill(launch, force=force)
                deadline = time.monotonic() + DELETE_WAIT_S
                while executor.status(launch) == "running" and time.monotonic() < deadline:
                    time.sleep(0.05)
                if executor.status(launch) == "exited":
                    break
        with self.pending.around("runs", str(run_id)):
            with self.store.session.begin() as s:
                s.delete(self._owned(s, owner, run_id))
            shutil.rmtree(self.run_dir(run_id), ignore_errors=True)
        self.supervisor.changed(run_id)

    # ---- finishing -----------------------------------------------------------------
    def _checkpoint_metrics(self, run_id: int, kind: str) -> dict[str, Any]:
        """The metrics the newest checkpoint of `kind` was written with: what its weight scores."""
        events, _ = read_events(self.run_dir(run_id) / "events.jsonl", 0)
        found: dict[str, Any] = {}
        for e in events:
            data = e.get("data", {})
            if e.get("type") == "checkpoint" and data.get("kind") == kind:
                found = {k: v for k, v in (data.get("metrics") or {}).items() if isinstance(v, (int, float))}
                if isinstance(data.get("epoch"), int):
                    found["epoch"] = data["epoch"]
        return found

    def _finished(self, run_id: int, status: str) -> None:
        """A completed run, or one stopped after an epoch, adds its best checkpoint to the
        weight library under the run's name."""
        with self.store.session() as s:
            run = s.get(Run, run_id)
            if run is None or (status == "stopped" and run.epoch < 1):
                return
            owner, name = run.owner, run.name
            spec = json.loads((self.run_dir(run_id) / "spec.json").read_text())
        folder = self.run_dir(run_id) / "checkpoints"
        best = folder / "best.pt" if (folder / "best.pt").exists() else folder / "last.pt"
        if not best.exists():
            return
        metrics = self._checkpoint_metrics(run_id, best.stem)
        copy = Path(tempfile.mkstemp(dir=self.weights.dir.parent / "tmp", suffix=".pt")[1])
        try:
            copy.chmod(KEPT_FILE_MODE)
            with disk_full_is_507("the run's weight"):
                shutil.copyfile(best, copy)
            w = self.weights.add(
                owner,
                name=name,
                task=None,
                architecture=spec["architecture"],
                classes=spec["classes"],
                input_size=spec["input_size"],
                source=copy,
                run_id=run_id,
                metrics=metrics,
            )
        finally:
            copy.unlink(missing_ok=True)
        with self.store.session.begin() as s:
            s.get(Run, run_id).weight_id = w["id"]
