"""Datasets: register or upload, index in the background, list, rename, delete.

Reading a version's images and stats is dataset_images.py; augmentation previews
dataset_augment.py; new versions (split, filter, fix, merge) dataset_versions.py, and
export dataset_export.py; the index rows all of them write, index_rows.py."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from ..engine.storage import disk_full_message, is_disk_full
from ..errors import Conflict, Forbidden, Invalid, StudioError, Unsupported
from ..store import Store, is_storage_full
from ..store.models import Annotation, Dataset
from .index_rows import (
    ANNOTATION_COLUMNS,
    annotation_rows,
    bulk_insert,
    clear_and_reserve,
    delete_index_rows,
    insert_indexed_images,
    insert_parsed_images,
    write_rest,
)
from .places import at, server_place
from .recovery import Pending
from .sharing import forget, owned, readable, visible

FORMATS = ("yolo", "coco", "voc", "imagefolder")


# From this many images on, a second worker makes the box rows (see rows_file.py): below
# it, starting a process costs more than it saves.
ROWS_WORKER_MIN_IMAGES = 20_000


def like_pattern(q: str) -> str:
    """A LIKE pattern matching `q` literally anywhere (escape character: backslash)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def iso(dt) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def dataset_dict(row: Dataset, progress: float | None = None, *, shared: bool = False) -> dict[str, Any]:
    """`shared`: the caller sees it through a share, not as its owner."""
    return {
        "id": row.id,
        "name": row.name,
        "version": row.version or 1,
        "parent_id": row.parent_id,
        "lineage": row.lineage or [],
        "owner": row.owner,
        "shared": shared,
        "format": row.format,
        "task": row.task,
        "path": row.path,
        "managed": row.managed,
        "status": row.status,
        "progress": row.progress if progress is None else progress,
        "error": row.error,
        "classes": row.classes,
        "num_images": row.num_images,
        "num_annotations": row.num_annotations,
        "splits": row.splits,
        "meta": row.meta,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


class DatasetService:
    def __init__(
        self,
        store: Store,
        *,
        data_dir: Path,
        dataset_roots: list[Path],
        max_upload_size: int,
        background: ThreadPoolExecutor,
        log: logging.Logger,
        place: str | None = None,
    ):
        self.store = store
        self.place = place or server_place(data_dir)
        self.data_dir = data_dir
        self.roots = dataset_roots
        self.max_upload_size = max_upload_size
        self.background = background
        self.log = log
        # one writer of indexes at a time in this server (indexing, versions, deletes):
        # ids are picked under it (index_rows.clear_and_reserve)
        self.write_lock = threading.Lock()
        self._progress: dict[int, float] = {}
        self._listings: dict[int, Any] = {}  # folder scans from registration, used once by indexing
        self.pending = Pending(data_dir)

    # ---- paths -------------------------------------------------------------------
    def _resolve(self, path: str) -> Path:
        """Resolve a user path (relative ones against the first dataset root) and make
        sure it lies inside a dataset root after following links."""
        if not path or "\x00" in path:
            raise Invalid("Give the path of a dataset folder or image.", code="invalid_path")
        p = Path(os.path.expanduser(path))
        if not p.is_absolute():
            p = self.roots[0] / p
        try:
            resolved = p.resolve()
            exists = resolved.exists()
        except OSError as exc:  # a name past the file system's limits, a link loop
            raise Invalid(f"{path[:200]} cannot be used as a path: {exc.strerror}.", code="invalid_path") from None
        if not any(resolved == r or resolved.is_relative_to(r) for r in self.roots):
            raise Forbidden(
                f"{path} is outside the folders datasets may be read from; "
                "use a path inside the dataset roots or ask an admin to add it to c.CVStudio.dataset_roots.",
                code="path_not_allowed",
                details=[str(r) for r in self.roots],
            )
        if not exists:
            raise Invalid(f"{path} does not exist; check the path.", code="path_not_found")
        return resolved

    def resolve_path(self, path: str) -> Path:
        resolved = self._resolve(path)
        if not resolved.is_dir():
            raise Invalid(f"{path} is a file; give the dataset's folder.", code="not_a_folder")
        return resolved

    def resolve_file(self, path: str) -> Path:
        resolved = self._resolve(path)
        if not resolved.is_file():
            raise Invalid(f"{path} is not a file; give image files.", code="not_a_file")
        return resolved

    def recognize(self, path: str) -> dict[str, Any]:
        from ..engine.datasets.recognize import recognize

        rec = recognize(self.resolve_path(path))
        return recognition_dict(rec)

    def _recognize_for_import(self, root: Path, fmt: str | None):
        from ..engine.datasets.recognize import recognize

        if fmt is not None and fmt not in FORMATS:
            raise Invalid(
                f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)} or leave it out.",
                code="unknown_format",
            )
        rec = recognize(root)
        if fmt is None:
            if rec.format is None or not rec.supported:
                found = f"it looks like {rec.format} {rec.task}" if rec.format else "no known layout was found"
                raise Unsupported(
                    f"Cannot import {root.name}: {found}. Supported formats: {', '.join(FORMATS)}.",
                    code="unsupported_format",
                    details=[recognition_dict(rec)],
                )
            return rec.format, rec.task, rec
        for cand in rec.candidates:
            if cand.format == fmt and cand.supported:
                return fmt, cand.task, rec
        best = rec.candidates[0].reason if rec.candidates else "no known layout was found"
        raise Invalid(
            f"{root.name} does not look like a {fmt} dataset ({best}); check the folder or leave the format out.",
            code="format_mismatch",
            details=[recognition_dict(rec)],
        )

    def register(self, owner: str, name: str, path: str, fmt: str | None) -> dict[str, Any]:
        root = self.resolve_path(path)
        fmt, task, rec = self._recognize_for_import(root, fmt)
        row = self._create(owner, name, fmt, task, root, managed=False)
        self._listings[row["id"]] = rec.listing
        self.background.submit(self._index_job, row["id"])
        return row

    def check_new_name(self, owner: str, name: str) -> None:
        with self.store.session() as s:
            if s.scalar(select(Dataset.id).where(Dataset.owner == owner, Dataset.name == name)):
                raise Conflict(
                    f"You already have a dataset named {name!r}; pick another name or delete that one.",
                    code="name_taken",
                )

    def _create(self, owner: str, name: str, fmt: str, task: str, root: Path, managed: bool) -> dict[str, Any]:
        from sqlalchemy.exc import IntegrityError

        self.check_new_name(owner, name)
        try:
            with self.store.session.begin() as s:
                row = Dataset(
                    owner=owner,
                    name=name,
                    format=fmt,
                    task=task,
                    path=str(root),
                    managed=managed,
                    status="indexing",
                    place=self.place,
                )
                s.add(row)
                s.flush()
                return dataset_dict(row)
        except IntegrityError:
            raise Conflict(
                f"You already have a dataset named {name!r}; pick another name.",
                code="name_taken",
            ) from None

    def upload(self, owner: str, name: str, fmt: str | None, archive: Path) -> dict[str, Any]:
        """Unpack a streamed zip under the data directory and import it; on any failure
        nothing is left behind. The row comes last: a server killed before it leaves
        a noted folder no row names, removed at the next start (services/recovery.py);
        one killed after it leaves an `indexing` dataset whose files are all there."""
        from ..engine.datasets.archive import safe_extract

        self.check_new_name(owner, name)
        dest = self.data_dir / "datasets" / uuid.uuid4().hex
        with self.pending.around("datasets", dest.name):
            try:
                result = safe_extract(Path(archive), dest, max_total_size=self.max_upload_size * 20)
                root = Path(result.root).resolve()
                fmt, task, rec = self._recognize_for_import(root, fmt)
                row = self._create(owner, name, fmt, task, root, managed=True)
                self._listings[row["id"]] = rec.listing
            except BaseException:
                shutil.rmtree(dest, ignore_errors=True)
                raise
        self.background.submit(self._index_job, row["id"])
        return row

    def resume_interrupted(self) -> None:
        """Datasets this server left `indexing` when it stopped are indexed again (those of
        other servers on a shared database are theirs to finish)."""
        with self.store.session() as s:
            where = (Dataset.status == "indexing", at(Dataset.place, self.place))
            ids = list(s.scalars(select(Dataset.id).where(*where)))
        for dataset_id in ids:
            self.background.submit(self._index_job, dataset_id)

    # ---- indexing ----------------------------------------------------------------
    def progress_of(self, row: Dataset) -> float:
        """Progress lives in memory while indexing runs, so reporting it never waits on
        (or holds up) the database."""
        return self._progress.get(row.id, row.progress) if row.status == "indexing" else row.progress

    def _index_job(self, dataset_id: int) -> None:
        from ..engine.datasets.walk import no_gc

        try:
            with no_gc():
                self.index(dataset_id)
        except Exception as exc:  # the job's failure is the dataset's state, not a crash
            if is_disk_full(exc) or is_storage_full(exc):
                message = disk_full_message("the dataset's index")
            elif isinstance(exc, StudioError):
                message = exc.message
            else:
                message = f"Indexing failed: {exc}"
                self.log.exception("indexing dataset %s failed", dataset_id)
            with self.store.session.begin() as s:
                row = s.get(Dataset, dataset_id)
                if row is not None:
                    row.status, row.error, row.progress = "error", message, 0.0
        finally:
            self._progress.pop(dataset_id, None)
            self._listings.pop(dataset_id, None)

    def index(self, dataset_id: int) -> None:
        """Index a dataset, keeping both cores busy: a worker process probes every image
        file of the folder while this thread parses the annotations and writes the boxes
        (formats with absolute boxes need no image size for that); then lint and write
        the rest. On SQLite, a large dataset's box rows are made by a second worker
        meanwhile (rows_file.py). All rows land in one transaction."""
        from ..engine.datasets.index import build_index
        from ..engine.datasets.probe import probe_images
        from ..engine.datasets.recognize import read_dataset
        from ..engine.datasets.walk import Listing
        from .rows_file import copy_rows

        with self.store.session() as s:
            row = s.get(Dataset, dataset_id)
            if row is None:
                return
            root, fmt = Path(row.path), row.format
        self._progress[dataset_id] = 0.05
        started = time.monotonic()
        listing = self._listings.pop(dataset_id, None) or Listing.scan(root)
        base = str(root)
        on_disk = listing.images()

        def report(done: int, total: int) -> None:
            self._progress[dataset_id] = 0.05 + 0.75 * done / max(total, 1)

        with contextlib.ExitStack() as stack:
            pool = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="cvstudio-probe"))
            # one worker process: the other core stays with this thread
            probing = pool.submit(
                probe_images,
                [os.path.join(base, f) for f in on_disk],
                n_jobs=max(1, (os.cpu_count() or 2) - 1),
                progress=report,
            )
            rows_file = (
                self._rows_in_worker(stack, root, fmt, listing) if len(on_disk) >= ROWS_WORKER_MIN_IMAGES else None
            )
            parsed = read_dataset(root, fmt, listing)
            boxes_need_sizes = any(
                a.norm_bbox is not None or a.norm_segmentation is not None
                for rec in parsed.images
                for a in rec.annotations
            )

            def lint():
                probed = dict(zip(on_disk, probing.result()))
                # files the folder scan did not list as images (missing ones, odd
                # extensions) are probed now
                rest = [rec.file for rec in parsed.images if rec.file not in probed]
                probed.update(zip(rest, probe_images([os.path.join(base, f) for f in rest], n_jobs=1)))
                return build_index(parsed, [probed[rec.file] for rec in parsed.images])

            # when the worker makes the box rows, lint meanwhile and then write in one go
            index = lint() if rows_file is not None and not boxes_need_sizes else None
            with self.write_lock, self.store.session.begin(bulk=True) as s:
                row = s.get(Dataset, dataset_id)
                if row is None:
                    return
                conn = s.connection()
                image_base, ann_base = clear_and_reserve(s, dataset_id)
                rows = annotation_rows(parsed.images, image_base, ann_base)
                linted_first = index is not None
                if linted_first:
                    insert_indexed_images(conn, dataset_id, index, image_base)
                    path = self._worker_rows(rows_file, index)
                    if path is not None:
                        copy_rows(conn, path, image_base, ann_base)
                    else:
                        bulk_insert(conn, Annotation, ANNOTATION_COLUMNS, rows)
                else:
                    insert_parsed_images(conn, dataset_id, parsed, image_base)
                    if not boxes_need_sizes:  # while the probes finish
                        bulk_insert(conn, Annotation, ANNOTATION_COLUMNS, rows)
                    index = lint()
                    if boxes_need_sizes:
                        bulk_insert(conn, Annotation, ANNOTATION_COLUMNS, rows)
                self._progress[dataset_id] = 0.9
                write_rest(s, row, index, image_base, ann_base, images_final=linted_first)
        self.log.info(
            "indexed dataset %s: %d images, %d annotations in %.1f s",
            dataset_id,
            index.num_images,
            index.num_annotations,
            time.monotonic() - started,
        )

    def _rows_in_worker(self, stack: contextlib.ExitStack, root: Path, fmt: str, listing) -> tuple | None:
        """Start a worker making the box rows in a file of its own (SQLite only: on
        PostgreSQL rows go in by COPY); (the file, its future)."""
        if self.store.engine.dialect.name != "sqlite":
            return None
        from joblib.externals.loky import ProcessPoolExecutor

        from .rows_file import write_rows_file

        tmp = self.data_dir / "tmp"  # cleaned when a server starts alone on the data directory
        tmp.mkdir(parents=True, exist_ok=True)
        path = tmp / f"rows-{uuid.uuid4().hex}.sqlite"
        stack.callback(path.unlink, missing_ok=True)
        worker = stack.enter_context(ProcessPoolExecutor(max_workers=1))
        return path, worker.submit(write_rows_file, str(root), fmt, listing, str(path))

    def _worker_rows(self, rows_file: tuple, index) -> str | None:
        """The file of the worker's rows, when it read what this thread read; else None."""
        import numpy as np

        from .rows_file import summarize

        path, future = rows_file
        try:
            theirs = future.result()
        except Exception:  # the worker's failure only costs the time it would have saved
            self.log.warning("the box rows' worker failed; writing them here", exc_info=True)
            return None
        known = index.box_class[index.box_class >= 0]
        ours = summarize(index.records, int(known.sum()), float(np.nansum(index.boxes.sum(axis=1))))
        if not ours.agrees(theirs):
            self.log.info("the dataset changed between its two reads; writing its box rows here")
            return None
        return str(path)

    # ---- reading (also by users it is shared with) -------------------------------
    def get(self, user: str, dataset_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            row = readable(s, "dataset", dataset_id, user)
            return dataset_dict(row, self.progress_of(row), shared=row.owner != user)

    def list(
        self,
        user: str,
        *,
        q: str | None,
        fmt: str | None,
        task: str | None,
        offset: int,
        limit: int,
    ) -> dict[str, Any]:
        cond = [visible("dataset", user)]
        if q:
            like = like_pattern(q)
            cond.append(
                or_(
                    Dataset.name.ilike(like, escape="\\"),
                    Dataset.path.ilike(like, escape="\\"),
                )
            )
        if fmt:
            cond.append(Dataset.format == fmt)
        if task:
            cond.append(Dataset.task == task)
        with self.store.session() as s:
            total = s.scalar(select(func.count()).select_from(Dataset).where(*cond))
            rows = s.scalars(select(Dataset).where(*cond).order_by(Dataset.id.desc()).offset(offset).limit(limit))
            items = [dataset_dict(r, self.progress_of(r), shared=r.owner != user) for r in rows]
            return {"items": items, "total": total}

    def rename(self, owner: str, dataset_id: int, name: str) -> dict[str, Any]:
        """A name belongs to all versions of a dataset: they are renamed together."""
        with self.store.session.begin() as s:
            row = owned(s, "dataset", dataset_id, owner)
            if name != row.name:
                if s.scalar(select(Dataset.id).where(Dataset.owner == owner, Dataset.name == name)):
                    raise Conflict(
                        f"You already have a dataset named {name!r}; pick another name.",
                        code="name_taken",
                    )
                origin = row.origin_id or row.id
                family = select(Dataset).where(or_(Dataset.id == origin, Dataset.origin_id == origin))
                for version in s.scalars(family.where(Dataset.owner == owner, Dataset.name == row.name)):
                    version.name = name
            s.flush()
            return dataset_dict(row)

    def delete(self, owner: str, dataset_id: int, delete_files: bool) -> None:
        """Forget a dataset. Files are removed only when the studio unpacked them; what is
        to go is noted before the row goes, so a kill between the two cannot keep it."""
        uploads = self.data_dir / "datasets"
        with contextlib.ExitStack() as notes:
            with self.write_lock, self.store.session.begin() as s:
                row = owned(s, "dataset", dataset_id, owner)
                path, managed = Path(row.path), row.managed
                notes.enter_context(self.pending.around("thumbnails", str(dataset_id)))
                top = None
                # other versions point at the same files: they stay while any does
                others = select(Dataset.id).where(Dataset.path == str(path), Dataset.id != dataset_id)
                if delete_files and managed and path.is_relative_to(uploads) and not s.scalar(others.limit(1)):
                    top = uploads / path.relative_to(uploads).parts[0]
                    notes.enter_context(self.pending.around("datasets", top.name))
                delete_index_rows(s, dataset_id)
                forget(s, "dataset", dataset_id)
                s.delete(row)
            shutil.rmtree(self.data_dir / "thumbnails" / str(dataset_id), ignore_errors=True)
            if top is not None:
                shutil.rmtree(top, ignore_errors=True)


def recognition_dict(rec) -> dict[str, Any]:
    return {
        "format": rec.format,
        "task": rec.task,
        "confidence": rec.confidence,
        "supported": rec.supported,
        "candidates": [
            {
                "format": c.format,
                "task": c.task,
                "score": c.score,
                "reason": c.reason,
                "supported": c.supported,
            }
            for c in rec.candidates
        ],
        "summary": rec.summary,
    }
