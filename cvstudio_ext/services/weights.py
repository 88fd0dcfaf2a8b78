"""The weight library: versioned weights files with lineage, tags and a tree view."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update

from ..errors import Invalid, NotFound
from ..store import Store
from ..store.models import Dataset, Model, Run, Weight
from .datasets import iso, like_pattern
from .recovery import Pending
from .sharing import forget, owned, readable, visible


def weight_dict(w: Weight, *, shared: bool = False) -> dict[str, Any]:
    """`shared`: the caller sees it through a share, not as its owner."""
    return {
        "id": w.id,
        "name": w.name,
        "version": w.version,
        "owner": w.owner,
        "shared": shared,
        "task": w.task,
        "architecture": w.architecture,
        "num_classes": w.num_classes,
        "classes": w.classes,
        "input_size": w.input_size,
        "format": w.format,
        "file_size": w.file_size,
        "sha256": w.sha256,
        "run_id": w.run_id,
        "parent_id": w.parent_id,
        "metrics": w.metrics,
        "tags": w.tags,
        "created_at": iso(w.created_at),
    }


def trained_on(s, w: Weight) -> dict[str, Any] | None:
    """The run that made a weight and the dataset version it saw, with the operations
    that made that version; None for an imported weight."""
    run = s.get(Run, w.run_id) if w.run_id is not None else None
    if run is None:
        return None
    ds = s.get(Dataset, run.dataset_id)
    if ds is None:
        dataset = {"id": run.dataset_id, "deleted": True}
    else:
        dataset = {"id": ds.id, "name": ds.name, "version": ds.version, "lineage": ds.lineage or []}
    return {"run": {"id": run.id, "name": run.name}, "dataset": dataset}


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class WeightService:
    def __init__(self, store: Store, data_dir: Path):
        self.store = store
        self.dir = data_dir / "weights"
        self.pending = Pending(data_dir)

    def path_of(self, w: Weight) -> Path:
        return self.dir / w.file

    def graph_of(self, user: str | None, architecture: str) -> dict[str, Any] | None:
        """The graph behind a `graph:<model id>` architecture (the model's latest version):
        one `user` may read, or (user None) whoever's, for a weight already in the library,
        which whoever may use the weight may build."""
        m = re.fullmatch(r"graph:(\d{1,15})", architecture)
        if m is None:
            return None
        with self.store.session() as s:
            try:
                model = s.get(Model, int(m[1])) if user is None else readable(s, "model", int(m[1]), user)
            except NotFound:
                model = None
            if model is None:
                raise Invalid(
                    f"{architecture} names no model you can use; use graph:<id> of a saved model.",
                    code="unknown_model",
                )
            return model.graph

    def add(
        self,
        owner: str,
        *,
        name: str,
        task: str | None,
        architecture: str,
        classes: list[str],
        input_size: list[int],
        source: Path,
        run_id: int | None = None,
        parent_id: int | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Check a weights file against its architecture and classes without running any
        code from it, then move it into the library as the next version of `name`."""
        from ..engine.models_factory import build_model, check_state_dict, normalize_keys, task_of
        from ..engine.weights import load_state_dict, sniff

        expected_task = task_of(architecture)
        if task is not None and task != expected_task:
            raise Invalid(f"{architecture} is a {expected_task} architecture, not {task}.", code="task_mismatch")
        if not classes:
            raise Invalid(
                "Give the class names, comma-separated, in the order of the model's outputs.", code="no_classes"
            )
        state = normalize_keys(load_state_dict(source))
        model = build_model(architecture, len(classes), graph=self.graph_of(owner, architecture))
        check_state_dict(model, state)
        digest = file_digest(source)
        fmt = "safetensors" if sniff(source) == "safetensors" else "pt"
        self.dir.mkdir(parents=True, exist_ok=True)
        stored = f"{uuid.uuid4().hex}.{'safetensors' if fmt == 'safetensors' else 'pt'}"
        # the file goes into the library first and its row after it: a kill between the
        # two leaves a noted file no row names, which the next start removes
        with self.pending.around("weights", stored):
            os.replace(source, self.dir / stored)
            try:
                with self.store.session.begin() as s:
                    if parent_id is not None:
                        readable(s, "weight", parent_id, owner)
                    version = (
                        s.scalar(select(func.max(Weight.version)).where(Weight.owner == owner, Weight.name == name))
                        or 0
                    ) + 1
                    w = Weight(
                        owner=owner,
                        name=name,
                        version=version,
                        task=expected_task,
                        architecture=architecture,
                        num_classes=len(classes),
                        classes=list(classes),
                        input_size=list(input_size),
                        format=fmt,
                        file=stored,
                        file_size=(self.dir / stored).stat().st_size,
                        sha256=digest,
                        run_id=run_id,
                        parent_id=parent_id,
                        metrics=metrics or {},
                        tags=[],
                    )
                    s.add(w)
                    s.flush()
                    return weight_dict(w)
            except BaseException:
                (self.dir / stored).unlink(missing_ok=True)
                raise

    def get(self, user: str, weight_id: int) -> dict[str, Any]:
        """A weight, with what it was trained on (`trained_on`, on this page only: it
        reads two more rows)."""
        with self.store.session() as s:
            w = readable(s, "weight", weight_id, user)
            return {**weight_dict(w, shared=w.owner != user), "trained_on": trained_on(s, w)}

    def record(self, user: str, weight_id: int) -> Weight:
        """The row of a weight `user` may use (predict with, fine-tune from)."""
        with self.store.session() as s:
            return readable(s, "weight", weight_id, user)

    def list(
        self, user: str, *, q: str | None, task: str | None, name: str | None, offset: int, limit: int
    ) -> dict[str, Any]:
        """The user's weights and those shared with them, newest first."""
        cond = [visible("weight", user)]
        if q:
            pattern = like_pattern(q)
            cond.append(or_(Weight.name.ilike(pattern, escape="\\"), Weight.architecture.ilike(pattern, escape="\\")))
        if task:
            cond.append(Weight.task == task)
        if name:
            cond.append(Weight.name == name)
        with self.store.session() as s:
            total = s.scalar(select(func.count()).select_from(Weight).where(*cond))
            rows = s.scalars(select(Weight).where(*cond).order_by(Weight.id.desc()).offset(offset).limit(limit))
            return {"items": [weight_dict(w, shared=w.owner != user) for w in rows], "total": total}

    def tree(self, user: str) -> dict[str, Any]:
        """task -> architecture -> name -> versions (newest first). A name is one owner's:
        alice's "net" shared with bob stays apart from bob's own "net"."""
        with self.store.session() as s:
            rows = list(
                s.scalars(
                    select(Weight)
                    .where(visible("weight", user))
                    .order_by(Weight.task, Weight.architecture, Weight.name, Weight.owner, Weight.version.desc())
                )
            )
        tree: dict[str, dict[str, dict[tuple[str, str], list[dict[str, Any]]]]] = {}
        for w in rows:
            names = tree.setdefault(w.task, {}).setdefault(w.architecture, {})
            names.setdefault((w.name, w.owner), []).append(weight_dict(w, shared=w.owner != user))
        return {
            "tree": [
                {
                    "task": task,
                    "children": [
                        {
                            "architecture": arch,
                            "children": [
                                {"name": n, "owner": o, "shared": o != user, "versions": v}
                                for (n, o), v in names.items()
                            ],
                        }
                        for arch, names in archs.items()
                    ],
                }
                for task, archs in tree.items()
            ]
        }

    def set_tags(self, owner: str, weight_id: int, tags: list[str]) -> dict[str, Any]:
        with self.store.session.begin() as s:
            w = owned(s, "weight", weight_id, owner)
            w.tags = list(dict.fromkeys(tags))
            s.flush()
            return weight_dict(w)

    def delete(self, owner: str, weight_id: int) -> None:
        """Forget a weight and remove its file; weights derived from it keep no parent."""
        with contextlib.ExitStack() as notes:
            with self.store.session.begin() as s:
                w = owned(s, "weight", weight_id, owner)
                path = self.path_of(w)
                notes.enter_context(self.pending.around("weights", w.file))
                s.execute(update(Weight).where(Weight.parent_id == weight_id).values(parent_id=None))
                forget(s, "weight", weight_id)
                s.delete(w)
            path.unlink(missing_ok=True)

    def download(self, user: str, weight_id: int) -> tuple[Path, str, int]:
        """The file, the name to save it as, and its size."""
        with self.store.session() as s:
            w = readable(s, "weight", weight_id, user)
            path = self.path_of(w)
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", w.name).strip("._") or "weights"
            filename = f"{safe}-v{w.version}.{'safetensors' if w.format == 'safetensors' else 'pt'}"
        if not path.exists():
            raise NotFound(f"The file of weight {weight_id} is missing from the library folder.", code="file_missing")
        return path, filename, path.stat().st_size
