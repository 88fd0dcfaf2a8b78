"""Model graphs: the layer catalogue, validation, shapes, analysis, code, and saved
models whose every version keeps its graph and generated code."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select

from ..errors import Conflict, NotFound
from ..store import Store
from ..store.models import Model, ModelVersion
from .datasets import iso, like_pattern
from .sharing import forget, owned, readable, visible

T = TypeVar("T")


def model_dict(row: Model, latest: ModelVersion | None, *, shared: bool = False) -> dict[str, Any]:
    """`shared`: the caller sees it through a share, not as its owner."""
    return {
        "id": row.id,
        "name": row.name,
        "owner": row.owner,
        "shared": shared,
        "description": row.description,
        "graph": row.graph,
        "version": row.version,
        "valid": latest.valid if latest else None,
        "errors": latest.errors if latest else [],
        "class_name": latest.class_name if latest else None,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def version_dict(v: ModelVersion, with_code: bool) -> dict[str, Any]:
    d = {
        "version": v.version,
        "valid": v.valid,
        "errors": v.errors,
        "class_name": v.class_name,
        "sha256": v.sha256,
        "created_at": iso(v.created_at),
    }
    if with_code:
        d["graph"] = v.graph
        d["code"] = v.code
    return d


def class_name_for(name: str) -> str:
    """A CamelCase Python identifier from a model's name ("tiny net" -> "TinyNet")."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    ident = "".join(w[:1].upper() + w[1:] for w in words)
    if not ident or not ident[0].isalpha() or keyword.iskeyword(ident):
        ident = "Model" + ident
    return ident[:64]


class ModelService:
    def __init__(self, store: Store):
        self.store = store
        # Graph work is pure Python on the meta device: threads running it side by side
        # only fight for the GIL (and the event loop with them), and CPython 3.11's
        # ast.parse is not safe on several threads at once. So it runs here, in turn;
        # database work stays on the caller's thread, so a save waiting for the write
        # lock never holds up shapes.
        self.graph_work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cvstudio-graphs")

    def _in_turn(self, fn: Callable[..., T], *args: Any) -> T:
        return self.graph_work.submit(fn, *args).result()

    # ---- stateless graph work (the engine imports torch, so only on use) -------------
    def catalogue(self) -> dict[str, Any]:
        from ..engine.graphs import layer_catalogue

        return {"layers": layer_catalogue()}

    def validate(self, graph: Any) -> dict[str, Any]:
        from ..engine.graphs import validate_graph

        return self._in_turn(validate_graph, graph)

    def infer_shapes(self, graph: Any, batch_size: int) -> dict[str, Any]:
        from ..engine.graphs import infer_shapes

        return self._in_turn(infer_shapes, graph, batch_size)

    def analyze(self, graph: Any) -> dict[str, Any]:
        from ..engine.graphs import analyze_graph

        return self._in_turn(analyze_graph, graph)

    def generate(self, graph: Any, class_name: str) -> dict[str, Any]:
        from ..engine.graphs import generate_code

        return self._in_turn(generate_code, graph, class_name)

    def _version_fields(self, name: str, graph: Any) -> dict[str, Any]:
        """Validate the graph and, when valid, the code generated from it: the costly part
        of a save, done before the write transaction so the write lock is held briefly."""
        result = self.validate(graph)
        fields: dict[str, Any] = {"graph": graph, "valid": result["valid"], "errors": result["errors"]}
        if result["valid"]:
            generated = self.generate(graph, class_name_for(name))
            fields.update(class_name=generated["class_name"], code=generated["code"], sha256=generated["sha256"])
        return fields

    # ---- saved models --------------------------------------------------------------
    def _latest(self, s, model_id: int) -> ModelVersion | None:
        return s.scalar(
            select(ModelVersion).where(ModelVersion.model_id == model_id).order_by(ModelVersion.version.desc()).limit(1)
        )

    def _check_name(self, s, owner: str, name: str, model_id: int | None = None) -> None:
        taken = s.scalar(select(Model.id).where(Model.owner == owner, Model.name == name))
        if taken is not None and taken != model_id:
            raise Conflict(f"You already have a model named {name!r}; pick another name.", code="name_taken")

    def create(self, owner: str, name: str, description: str, graph: Any) -> dict[str, Any]:
        fields = self._version_fields(name, graph)
        with self.store.session.begin() as s:
            self._check_name(s, owner, name)
            row = Model(owner=owner, name=name, description=description, graph=graph, version=1)
            s.add(row)
            s.flush()
            latest = ModelVersion(model_id=row.id, version=1, **fields)
            s.add(latest)
            s.flush()
            return model_dict(row, latest)

    def update(
        self, owner: str, model_id: int, *, name: str | None, description: str | None, graph: Any | None
    ) -> dict[str, Any]:
        with self.store.session() as s:
            row = owned(s, "model", model_id, owner)
            planned = (name or row.name, row.graph if graph is None else graph)
        fields = self._version_fields(*planned)
        with self.store.session.begin() as s:
            row = owned(s, "model", model_id, owner)
            if name is not None:
                self._check_name(s, owner, name, model_id)
                row.name = name
            if description is not None:
                row.description = description
            if graph is not None:
                row.graph = graph
            if (row.name, row.graph) != planned:  # another save changed it meanwhile
                fields = self._version_fields(row.name, row.graph)
            row.version += 1  # read under the write lock: no two saves take the same version
            latest = ModelVersion(model_id=row.id, version=row.version, **fields)
            s.add(latest)
            s.flush()
            return model_dict(row, latest)

    def get(self, user: str, model_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            row = readable(s, "model", model_id, user)
            return model_dict(row, self._latest(s, model_id), shared=row.owner != user)

    def list(self, user: str, *, q: str | None, offset: int, limit: int) -> dict[str, Any]:
        """The user's models and those shared with them, newest first."""
        cond = [visible("model", user)]
        if q:
            pattern = like_pattern(q)
            cond.append(or_(Model.name.ilike(pattern, escape="\\"), Model.description.ilike(pattern, escape="\\")))
        with self.store.session() as s:
            total = s.scalar(select(func.count()).select_from(Model).where(*cond))
            rows = list(s.scalars(select(Model).where(*cond).order_by(Model.id.desc()).offset(offset).limit(limit)))
            items = [model_dict(r, self._latest(s, r.id), shared=r.owner != user) for r in rows]
            return {"items": items, "total": total}

    def delete(self, owner: str, model_id: int) -> None:
        with self.store.session.begin() as s:
            row = owned(s, "model", model_id, owner)
            s.execute(delete(ModelVersion).where(ModelVersion.model_id == model_id))
            forget(s, "model", model_id)
            s.delete(row)

    def versions(self, user: str, model_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            readable(s, "model", model_id, user)
            rows = list(
                s.scalars(select(ModelVersion).where(ModelVersion.model_id == model_id).order_by(ModelVersion.version))
            )
            return {"items": [version_dict(v, with_code=False) for v in rows], "total": len(rows)}

    def version(self, user: str, model_id: int, version: int) -> dict[str, Any]:
        with self.store.session() as s:
            readable(s, "model", model_id, user)
            v = s.scalar(select(ModelVersion).where(ModelVersion.model_id == model_id, ModelVersion.version == version))
            if v is None:
                raise NotFound(f"Model {model_id} has no version {version}.", code="version_not_found")
            return version_dict(v, with_code=True)
