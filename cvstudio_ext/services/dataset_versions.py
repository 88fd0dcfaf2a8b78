"""Dataset versions: split, filter, fix and merge make a new version in the background.

A version is a dataset row of its own, with its own index (images, boxes, defects,
stats) pointing at the same image files: the user's folder is never written (a split,
whose boxes are its parent's, reads its parent's box rows instead of a copy). Its
`version` counts up within the name, `parent_id` is the version it was made from and
`lineage` lists every operation from version 1 (a merge starts a new name at 1, its
lineage naming the versions it merged).

An operation is checked before it is accepted (4xx at once, nothing started), runs as a
job (`GET datasets/jobs/{id}`: status, progress, report, result), and writes the new
version, row and index, in one transaction at its end: a failure or a server stopped
midway leaves nothing. Jobs live in the server's memory; their results are rows.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, or_, select, text

from ..engine.datasets import operations as ops
from ..engine.datasets.records import ParsedDataset
from ..errors import Conflict, Invalid
from ..store import Store
from ..store.models import Annotation, Dataset, DatasetIssue, DatasetStats, Image
from .datasets import DatasetService, dataset_dict
from .index_rows import (
    ANNOTATION_COLUMNS,
    annotation_rows,
    boxes_of,
    bulk_insert,
    clear_and_reserve,
    copy_images,
    fetch_rows,
    insert_indexed_images,
    write_rest,
)
from .jobs import Job, Jobs
from .sharing import owned, readable, visible


def family(row: Dataset) -> int:
    """The id of a version's version 1 (what all versions of one name share)."""
    return row.origin_id or row.id


class DatasetVersions:
    def __init__(self, store: Store, datasets: DatasetService, jobs: Jobs):
        self.store = store
        self.datasets = datasets
        self.jobs = jobs

    # ---- reading -------------------------------------------------------------------
    def versions(self, user: str, dataset_id: int) -> dict[str, Any]:
        """Every version of the dataset's name that the user sees, oldest first."""
        with self.store.session() as s:
            row = readable(s, "dataset", dataset_id, user)
            origin = family(row)
            query = select(Dataset).where(
                or_(Dataset.id == origin, Dataset.origin_id == origin), visible("dataset", user)
            )
            items = [dataset_dict(r, shared=r.owner != user) for r in s.scalars(query.order_by(Dataset.version))]
            return {"items": items}

    def job(self, owner: str, job_id: str) -> dict[str, Any]:
        return self.jobs.get(owner, job_id).as_dict()

    # ---- operations ----------------------------------------------------------------
    def split(self, owner: str, dataset_id: int, params: dict[str, Any]) -> dict[str, Any]:
        """Only the images' splits change: the new version gets image rows of its own and
        copies its parent's defects in SQL, but shares the rows of its boxes (a million
        of them took 5 s to copy; `boxes_from`, handed on when their holder is deleted)."""

        def check(row: Dataset) -> None:
            ops.check_fractions(params["fractions"])
            ops.check_split_names(params.get("keep") or [])

        parent = self._parent(owner, dataset_id, check)
        return self.jobs.start(owner, "split", lambda job: self._resplit(job, parent, params))

    def filter(self, owner: str, dataset_id: int, params: dict[str, Any]) -> dict[str, Any]:
        def check(row: Dataset) -> None:
            ops.class_ids(row.classes, params.get("classes") or [])
            ops.check_defects(params.get("defects") or [])
            if not any(params.get(k) for k in ("splits", "classes", "defects")):
                raise ops.OperationError("Give at least one of splits, classes and defects to filter by.")

        return self._derive(owner, dataset_id, "filter", params, lambda v: ops.select_images(v, **params), check)

    def fix(self, owner: str, dataset_id: int, params: dict[str, Any]) -> dict[str, Any]:
        steps = params["steps"]
        return self._derive(
            owner,
            dataset_id,
            "fix",
            params,
            lambda v: ops.fix(v, steps),
            lambda row: ops.check_fix_steps(steps, row.classes),
        )

    def merge(self, owner: str, name: str, dataset_ids: list[int], params: dict[str, Any]) -> dict[str, Any]:
        """A new dataset (version 1 of `name`) from datasets of one task the user reads."""
        self.datasets.check_new_name(owner, name)
        if len(set(dataset_ids)) != len(dataset_ids):
            raise Invalid("Each dataset is merged once; the list names one twice.", code="invalid_operation")
        with self.store.session() as s:
            rows = [self._ready(readable(s, "dataset", i, owner)) for i in dataset_ids]
            sources = [(r.id, r.path, r.version, r.name) for r in rows]
            with_classes = [(r.path, ops.Version(ParsedDataset(r.format, r.task, r.classes, []), [])) for r in rows]
            fmt, task = rows[0].format, rows[0].task
        with _as_invalid():
            ops.merge(with_classes, **params)  # classes and mappings checked on empty versions: at once

        def work(job: Job) -> None:
            versions = []
            for n, (dataset_id, root, _, _) in enumerate(sources):
                versions.append((root, self._load(dataset_id, job, n / len(sources) * 0.5)))
            root, merged, report = ops.merge(versions, **params)
            lineage = [{"op": "merge", "params": params,
                        "parents": [{"id": i, "name": nm, "version": v} for i, _, v, nm in sources]}]  # fmt: skip
            new = Dataset(owner=owner, name=name, version=1, format=fmt, task=task, path=root,
                          managed=False, lineage=lineage, place=self.datasets.place)  # fmt: skip
            self._write(job, new, merged, report)

        return self.jobs.start(owner, "merge", work)

    def _parent(self, owner: str, dataset_id: int, check=None) -> dict[str, Any]:
        """What a new version takes from an owned, ready dataset, once `check` passed."""
        with self.store.session() as s:
            row = self._ready(owned(s, "dataset", dataset_id, owner))
            if check is not None:
                with _as_invalid():
                    check(row)
            parent = {c: getattr(row, c) for c in ("id", "name", "version", "format", "task", "path", "managed")}
            parent["lineage"], parent["origin"] = list(row.lineage or []), family(row)
            return parent

    def _child(self, owner: str, parent: dict[str, Any], op: str, params: dict[str, Any]) -> Dataset:
        step = {"op": op, "params": params, "parent_id": parent["id"], "parent_version": parent["version"]}
        return Dataset(owner=owner, name=parent["name"], origin_id=parent["origin"], parent_id=parent["id"],
                       format=parent["format"], task=parent["task"], path=parent["path"], managed=parent["managed"],
                       lineage=[*parent["lineage"], step], place=self.datasets.place)  # fmt: skip

    def _derive(self, owner: str, dataset_id: int, op: str, params: dict[str, Any], run, check=None) -> dict[str, Any]:
        """The next version of an owned, ready dataset, made by `run` from its content."""
        parent = self._parent(owner, dataset_id, check)

        def work(job: Job) -> None:
            result, report = run(self._load(parent["id"], job, 0.0))
            self._write(job, self._child(owner, parent, op, params), result, report)

        return self.jobs.start(owner, op, work)

    @staticmethod
    def _ready(row: Dataset) -> Dataset:
        if row.status != "ready":
            raise Conflict(f"Dataset {row.id} is {row.status}; operations take a ready dataset.", code="not_ready")
        return row

    # ---- the job -------------------------------------------------------------------
    def _resplit(self, job: Job, parent: dict[str, Any], params: dict[str, Any]) -> None:
        pid = parent["id"]
        with self.store.session() as s:
            source = s.get(Dataset, pid)
            if source is None:
                raise ops.OperationError(f"Dataset {pid} was deleted meanwhile.")
            copied = {c: getattr(source, c) for c in ("classes", "num_images", "num_annotations", "meta")}
            _, shift = boxes_of(source)
            rows = list(fetch_rows(
                s.connection(),
                "SELECT id, split, label, present FROM images WHERE dataset_id = ? ORDER BY id",
                (pid,),
            ))  # fmt: skip
            if parent["task"] == "classification" or not rows:
                strata = [label for _, _, label, _ in rows]
            else:
                found: dict[int, list[int | None]] = {}
                pairs = fetch_rows(  # a million boxes: their image's index gives each pair once, from the driver
                    s.connection(),
                    "SELECT DISTINCT image_id, class_id FROM annotations WHERE image_id BETWEEN ? AND ?",
                    (rows[0][0] - shift, rows[-1][0] - shift),
                )
                for image_id, class_id in pairs:
                    found.setdefault(image_id + shift, []).append(class_id)
                strata = [ops.class_set(found.get(image_id, ())) for image_id, *_ in rows]
            stats = s.get(DatasetStats, pid)
            stats_data = dict(stats.data) if stats is not None else {}
        job.progress = 0.3
        splits, report = ops.assign_splits([split for _, split, _, _ in rows], strata, **params)
        job.progress = 0.4
        counts: dict[str, int] = {}
        for (_, _, _, present), split in zip(rows, splits, strict=True):
            if present:
                counts[split] = counts.get(split, 0) + 1
        new = self._child(job.owner, parent, "split", params)
        for column, value in copied.items():
            setattr(new, column, value)
        new.splits = counts
        with self.datasets.write_lock, self.store.session.begin(bulk=True) as s:
            # the rows that hold the boxes, as they are now (a delete may have handed them
            # on), locked so that a delete elsewhere waits and then hands them on to us too
            holder, shift = self._box_holder(s, pid)
            self._number(s, new)
            new.status, new.progress = "ready", 1.0
            s.add(new)
            s.flush()
            conn = s.connection()
            image_base = (s.scalar(select(func.max(Image.id))) or 0) + 1
            moved = image_base - rows[0][0] if rows else 0
            if rows:
                copy_images(conn, pid, new.id, moved, rows[0][0], splits)
            new.boxes_from, new.boxes_shift = holder, shift + moved
            ids = {"new": new.id, "parent": pid, "images": moved}
            conn.execute(text(
                "INSERT INTO dataset_issues (dataset_id, image_id, annotation_id, kind, detail) "
                "SELECT :new, image_id + :images, annotation_id, kind, detail FROM dataset_issues "
                "WHERE dataset_id = :parent"
            ), ids)  # fmt: skip
            stats_data["splits"] = counts
            stats_data["issues"] = [
                {**it, "image_id": it["image_id"] + moved} if it.get("image_id") is not None else it
                for it in stats_data.get("issues", [])
            ]
            s.add(DatasetStats(dataset_id=new.id, data=stats_data))
            job.report = {**report.as_dict(), "images": new.num_images, "annotations": new.num_annotations}
            job.result = {"dataset_id": new.id, "version": new.version}

    @staticmethod
    def _box_holder(s, dataset_id: int) -> tuple[int, int]:
        """`boxes_of` the dataset inside a write transaction, with its row and the holder's
        locked in id order (as a delete locks them): a delete on another server then
        either hands the boxes on before this reads them or waits and counts this one in."""
        for _ in range(3):
            row = s.get(Dataset, dataset_id, populate_existing=True)
            if row is None:
                break
            holder, shift = boxes_of(row)
            lock = select(Dataset.id).where(Dataset.id.in_({holder, dataset_id})).order_by(Dataset.id)
            locked = set(s.scalars(lock.with_for_update()))
            row = s.get(Dataset, dataset_id, populate_existing=True)
            if row is not None and holder in locked and boxes_of(row) == (holder, shift):
                return holder, shift
        raise ops.OperationError("The dataset was deleted meanwhile.")

    def _number(self, s, new: Dataset) -> None:
        """The next version of the name (in the write transaction: two never get one number).
        Its parent must still be there: the write checks no foreign key (`bulk`)."""
        if new.parent_id is not None and s.get(Dataset, new.parent_id) is None:
            raise ops.OperationError("The dataset was deleted meanwhile.")
        if new.origin_id is None:
            return
        top = s.scalar(select(func.max(Dataset.version)).where(
            or_(Dataset.id == new.origin_id, Dataset.origin_id == new.origin_id)))  # fmt: skip
        if top is None:
            raise ops.OperationError("The dataset was deleted meanwhile.")
        new.version = top + 1

    def _load(self, dataset_id: int, job: Job, start: float) -> ops.Version:
        """A version's content as its index holds it: records with boxes in pixels, and
        for each image what probing found and which defects its index has."""
        from ..engine.datasets.probe import ImageProbe
        from ..engine.datasets.records import AnnotationRecord, ImageRecord

        with self.store.session() as s:
            row = s.get(Dataset, dataset_id)
            if row is None:
                raise ops.OperationError(f"Dataset {dataset_id} was deleted meanwhile.")
            parsed = ParsedDataset(row.format, row.task, list(row.classes), [], dict(row.meta or {}))
            images = s.execute(
                select(
                    Image.id,
                    Image.file,
                    Image.split,
                    Image.width,
                    Image.height,
                    Image.label,
                    Image.present,
                    Image.checksum,
                )
                .where(Image.dataset_id == dataset_id)
                .order_by(Image.id)  # fmt: skip
            ).all()
            position = {image_id: i for i, (image_id, *_rest) in enumerate(images)}
            kinds: list[set[str]] = [set() for _ in images]
            errors: dict[int, str] = {}
            for image_id, kind, detail in s.execute(
                select(DatasetIssue.image_id, DatasetIssue.kind, DatasetIssue.detail).where(
                    DatasetIssue.dataset_id == dataset_id, DatasetIssue.image_id.is_not(None)
                )
            ):
                if image_id in position:
                    kinds[position[image_id]].add(kind)
                    if kind == "corrupt_image":
                        errors[image_id] = detail
            records, probes = [], []
            for image_id, file, split, width, height, label, present, checksum in images:
                records.append(ImageRecord(file, split, label, width, height, []))
                ok = bool(present and checksum)
                error = None if ok else errors.get(image_id, "file not found" if not present else "unreadable")
                probes.append(ImageProbe(present=bool(present), width=width, height=height, ok=ok,
                                         error=error, checksum=checksum))  # fmt: skip
            job.progress = start + 0.1
            if images:
                # a million boxes: straight from the driver, as they were written
                _, shift = boxes_of(row)
                rows = fetch_rows(
                    s.connection(),
                    "SELECT image_id, class_id, x, y, w, h, area, extra FROM annotations "
                    "WHERE image_id BETWEEN ? AND ? ORDER BY id",
                    (images[0][0] - shift, images[-1][0] - shift),
                )
                for image_id, class_id, x, y, w, h, area, extra in rows:
                    i = position.get(image_id + shift)
                    if i is None:
                        continue
                    box = None if x is None else (x, y, w, h)
                    if extra is None:
                        records[i].annotations.append(AnnotationRecord(class_id, None, box, None, area))
                        continue
                    if isinstance(extra, (str, bytes)):  # SQLite's JSON is text; PostgreSQL's comes decoded
                        extra = orjson.loads(extra)
                    records[i].annotations.append(
                        AnnotationRecord(
                            class_id,
                            source_class=extra.get("source_class"),
                            bbox=box,
                            area=area,
                            iscrowd=bool(extra.get("iscrowd")),
                            difficult=bool(extra.get("difficult")),
                            segmentation=extra.get("segmentation"),
                        )
                    )
            parsed.images = records
        job.progress = start + 0.3
        return ops.Version(parsed, probes, kinds)

    def _write(self, job: Job, new: Dataset, version: ops.Version, report: ops.Report) -> None:
        """Index the new version and write it, row and index, in one transaction."""
        from ..engine.datasets.index import build_index

        index = build_index(version.parsed, version.probes)
        job.progress = 0.7
        with self.datasets.write_lock, self.store.session.begin(bulk=True) as s:
            self._number(s, new)
            new.status, new.progress = "indexing", 0.0
            s.add(new)
            s.flush()
            conn = s.connection()
            image_base, ann_base = clear_and_reserve(s, new.id)
            insert_indexed_images(conn, new.id, index, image_base)
            bulk_insert(
                conn, Annotation, ANNOTATION_COLUMNS, annotation_rows(version.parsed.images, image_base, ann_base)
            )
            write_rest(s, new, index, image_base, ann_base, images_final=True)
            job.report = {**report.as_dict(), "images": index.num_images, "annotations": index.num_annotations}
            job.result = {"dataset_id": new.id, "version": new.version}


class _as_invalid:
    """An operation's parameter error, said as a 422 with the reason."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if isinstance(exc, ops.OperationError):
            raise Invalid(str(exc), code="invalid_operation") from None
        return False
