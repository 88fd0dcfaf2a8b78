"""Reading a dataset version: pages of images with their boxes and defects, the image
files and their cached thumbnails, the stats (also for users it is shared with)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select

from ..errors import Conflict, NotFound
from ..store import Store
from ..store.models import Annotation, Dataset, DatasetIssue, DatasetStats, Image
from .index_rows import boxes_of, shifted
from .sharing import readable

THUMB_SIDE = 256


class DatasetImages:
    def __init__(self, store: Store, data_dir: Path):
        self.store = store
        self.data_dir = data_dir

    def _image_path(self, row: Dataset, file: str) -> Path:
        root = Path(row.path)
        p = (root / file).resolve()
        if not p.is_relative_to(root):
            raise NotFound(
                "That image lies outside its dataset folder and is not served.",
                code="image_not_found",
            )
        return p

    # ---- recognition and registration -------------------------------------------
    def images(
        self,
        user: str,
        dataset_id: int,
        *,
        split: str | None,
        class_id: int | None,
        has_issues: bool | None,
        offset: int,
        limit: int,
        issue: str | None = None,
    ) -> dict[str, Any]:
        with self.store.session() as s:
            ds = readable(s, "dataset", dataset_id, user)
            _, shift = boxes_of(ds)
            # an index's image ids are one contiguous block (see index_rows.clear_and_reserve); both
            # ends come from the (dataset_id, id) index in O(log n) on either database
            first = s.scalar(select(func.min(Image.id)).where(Image.dataset_id == dataset_id))
            last = s.scalar(select(func.max(Image.id)).where(Image.dataset_id == dataset_id))
            cond = [Image.dataset_id == dataset_id]
            if split:
                cond.append(Image.split == split)
            if has_issues is not None:
                cond.append(Image.has_issues.is_(has_issues))
            if issue:
                cond.append(exists().where(DatasetIssue.image_id == Image.id, DatasetIssue.kind == issue))
            if class_id is not None and ds.task == "classification":
                cond.append(Image.label == class_id)  # (folders of classes carry no boxes)
            elif class_id is not None:
                # the class's boxes within the dataset's id block, from the (class_id,
                # image_id) index: the images that match, not every image of the dataset
                in_class = select(shifted(Annotation.image_id, shift)).where(
                    Annotation.class_id == class_id,
                    Annotation.image_id.between((first or 0) - shift, (last or 0) - shift),
                )
                cond.append(Image.id.in_(in_class))
            columns = (Image.id, Image.file, Image.split, Image.width, Image.height, Image.present, Image.label)
            if len(cond) == 1:
                # Unfiltered, the common grid case: the page is a primary-key range and the
                # total a subtraction, both O(log n) instead of walking 100,000 index entries
                total = 0 if first is None else last - first + 1
                page = select(*columns).where(Image.id >= (first or 0) + offset, Image.id <= (last or 0))
                rows = s.execute(page.order_by(Image.id).limit(limit)).all()
            else:
                total = s.scalar(select(func.count()).select_from(Image).where(*cond))
                rows = s.execute(select(*columns).where(*cond).order_by(Image.id).offset(offset).limit(limit)).all()
            ids = [r[0] for r in rows]
            anns: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            issues: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            if ids:
                for a in s.execute(
                    select(*ANNOTATION_FIELDS)
                    .where(Annotation.image_id.in_([i - shift for i in ids]))
                    .order_by(Annotation.id)
                ):
                    anns[a.image_id + shift].append(annotation_dict(a, ds.classes))
                issue_rows = s.execute(
                    select(DatasetIssue.image_id, DatasetIssue.kind, DatasetIssue.detail, DatasetIssue.annotation_id)
                    .where(DatasetIssue.image_id.in_(ids))
                    .order_by(DatasetIssue.id)
                )
                for image_id, kind, detail, annotation_id in issue_rows:
                    issues[image_id].append({"kind": kind, "detail": detail, "annotation_id": annotation_id})
            classification = ds.task == "classification"
            items = []
            for image_id, file, split_name, width, height, present, label in rows:
                item = {
                    "id": image_id,
                    "file": file,
                    "split": split_name,
                    "width": width,
                    "height": height,
                    "present": present,
                    "annotations": anns[image_id],
                    "issues": issues[image_id],
                }
                if classification:
                    item["label"] = label
                    item["label_name"] = class_name(ds.classes, label)
                items.append(item)
            return {"items": items, "total": total}

    def image_source(self, user: str, dataset_id: int, image_id: int) -> tuple[Dataset, Image, Path]:
        with self.store.session() as s:
            ds = readable(s, "dataset", dataset_id, user)
            img = s.get(Image, image_id)
            if img is None or img.dataset_id != dataset_id:
                raise NotFound(
                    f"Dataset {dataset_id} has no image {image_id}.",
                    code="image_not_found",
                )
            path = self._image_path(ds, img.file)
            return ds, img, path

    def image_file(self, user: str, dataset_id: int, image_id: int, size: str) -> tuple[Path, str, str]:
        """The file to send, its ETag and content type; thumbnails are made once and cached."""
        from ..engine.datasets.thumbnails import make_thumbnail, thumbnail_path

        _, img, path = self.image_source(user, dataset_id, image_id)
        try:
            st = path.stat()
        except OSError:
            raise NotFound(
                f"The file of image {image_id} ({img.file}) is missing on disk.",
                code="file_missing",
            ) from None
        if size == "full":
            etag = f'"{image_id}-{st.st_mtime_ns:x}-{st.st_size:x}"'
            return path, etag, content_type_for(path)
        thumb = thumbnail_path(
            self.data_dir,
            dataset_id,
            image_id,
            st.st_mtime_ns,
            st.st_size,
            max_side=THUMB_SIDE,
        )
        if not thumb.exists():
            make_thumbnail(path, thumb, THUMB_SIDE, tmp_dir=self.data_dir / "tmp")
        return thumb, f'"t{image_id}-{st.st_mtime_ns:x}-{st.st_size:x}"', "image/jpeg"

    def stats(self, user: str, dataset_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            ds = readable(s, "dataset", dataset_id, user)
            if ds.status != "ready":
                raise Conflict(
                    f"Dataset {dataset_id} is {ds.status}; stats are ready once indexing finishes.",
                    code="not_ready",
                )
            st = s.get(DatasetStats, dataset_id)
            return st.data if st else {}


def class_name(classes: list[str], class_id: int | None) -> str | None:
    if class_id is None or not 0 <= class_id < len(classes):
        return None
    return classes[class_id]


ANNOTATION_FIELDS = (
    Annotation.id, Annotation.image_id, Annotation.class_id, Annotation.x, Annotation.y, Annotation.w, Annotation.h,
    Annotation.area, Annotation.extra,
)  # fmt: skip


def annotation_dict(a, classes: list[str]) -> dict[str, Any]:
    """`a` is an Annotation or a row of ANNOTATION_FIELDS."""
    extra = a.extra or {}
    d = {
        "id": a.id,
        "class_id": a.class_id,
        "class_name": class_name(classes, a.class_id) or extra.get("source_class"),
        "bbox": [a.x, a.y, a.w, a.h] if a.x is not None else None,
        "area": a.area,
        "iscrowd": bool(extra.get("iscrowd")),
        "difficult": bool(extra.get("difficult")),
    }
    if extra.get("segmentation") is not None:
        d["segmentation"] = extra["segmentation"]
    return d


def content_type_for(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
