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
from ..store.models import Model, Weight
from .datasets import iso, like_pattern
from .recovery import Pending


def weight_dict(w: Weight) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "version": w.version,
        "owner": w.owner,
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

    def _owned(self, s, owner: str, weight_id: int) -> Weight:
        w = s.get(Weight, weight_id)
        if w is None or w.owner != owner:
            raise NotFound(f"There is no weight {weight_id}; list the library to find its id.", code="weight_not_found")
        return w

    def graph_of(self, owner: str, architecture: str) -> dict[str, Any] | None:
        """The graph behind a `graph:<model id>` architecture (the model's latest version)."""
        m = re.fullmatch(r"graph:(\d{1,15})", architecture)
        if m is None:
            return None
        with self.store.session() as s:
            model = s.get(Model, int(m[1]))
            if model is None or model.owner != owner:
                raise Invalid(
                    f"{architecture} names no model of yours; use graph:<id> of a saved model.", code="unknown_model"
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
                        self._owned(s, owner, parent_id)
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

    def get(self, owner: str, weight_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            return weight_dict(self._owned(s, owner, weight_id))

    def record(self, owner: str, weight_id: int) -> Weight:
        with self.store.session() as s:
            return self._owned(s, owner, weight_id)

    def list(
        self, owner: str, *, q: str | None, task: str | None, name: str | None, offset: int, limit: int
    ) -> dict[str, Any]:
        cond = [Weight.owner == owner]
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
            return {"items": [weight_dict(w) for w in rows], "total": total}

    def tree(self, owner: str) -> dict[str, Any]:
        """task -> architecture -> name -> versions (newest first)."""
        with self.store.session() as s:
            rows = list(
                s.scalars(
                    select(Weight)
                    .where(Weight.owner == owner)
                    .order_by(Weight.task, Weight.architecture, Weight.name, Weight.version.desc())
                )
            )
        tree: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
        for w in rows:
            tree.setdefault(w.task, {}).setdefault(w.architecture, {}).setdefault(w.name, []).append(weight_dict(w))
        return {
            "tree": [
                {
                    "task": task,
                    "children": [
                        {"architecture": arch, "children": [{"name": n, "versions": v} for n, v in names.items()]}
                        for arch, names in archs.items()
                    ],
                }
                for task, archs in tree.items()
            ]
        }

    def set_tags(self, owner: str, weight_id: int, tags: list[str]) -> dict[str, Any]:
        with self.store.session.begin() as s:
            w = self._owned(s, owner, weight_id)
            w.tags = list(dict.fromkeys(tags))
            s.flush()
            return weight_dict(w)

    def delete(self, owner: str, weight_id: int) -> None:
        """Forget a weight and remove its file; weights derived from it keep no parent."""
        with contextlib.ExitStack() as notes:
            with self.store.session.begin() as s:
                w = self._owned(s, owner, weight_id)
                path = self.path_of(w)
                notes.enter_context(self.pending.around("weights", w.file))
                s.execute(update(Weight).where(Weight.parent_id == weight_id).values(parent_id=None))
                s.delete(w)
            path.unlink(missing_ok=True)

    def download(self, owner: str, weight_id: int) -> tuple[Path, str, int]:
        """The file, the name to save it as, and its size."""
        with self.store.session() as s:
            w = self._owned(s, owner, weight_id)
            path = self.path_of(w)
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", w.name).strip("._") or "weights"
            filename = f"{safe}-v{w.version}.{'safetensors' if w.format == 'safetensors' else 'pt'}"
        if not path.exists():
            raise NotFound(f"The file of weight {weight_id} is missing from the library folder.", code="file_missing")
        return path, filename, path.stat().st_size
