"""From a parsed dataset and its probed image files to the normalized index and its defects.

Every format goes through here the same way, so boxes, sizes and lint agree across formats.
The annotation records the reader made are completed in place (absolute boxes, areas,
polygons in pixels) rather than copied: a million boxes should cost one pass, not three.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import AnnotationRecord, ImageRecord, ParsedDataset

ISSUE_KINDS = (
    "missing_file",
    "corrupt_image",
    "bbox_out_of_bounds",
    "zero_area",
    "unknown_class",
    "duplicate_image",
    "unlabeled_image",
    "empty_class",
    "malformed_annotation",
)
# A box may overhang its image by this many pixels before it is called out of bounds:
# exporters that write VOC corners 0-based (Roboflow) or round them routinely give one.
BOUNDS_TOLERANCE = 1.0


@dataclass(slots=True)
class IndexedImage:
    file: str
    split: str
    width: int | None
    height: int | None
    label: int | None
    present: bool
    checksum: str | None
    has_issues: bool = False


@dataclass(slots=True)
class IndexedIssue:
    """`image` and `annotation` are positions in the index (annotations counted in order)."""

    kind: str
    image: int | None
    annotation: int | None
    detail: str


@dataclass
class DatasetIndex:
    format: str
    task: str
    classes: list[str]
    images: list[IndexedImage]
    records: list[ImageRecord]
    issues: list[IndexedIssue]
    num_boxes: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_images(self) -> int:
        """Images whose file is there, as a person counting the folder would."""
        return sum(1 for im in self.images if im.present)

    @property
    def num_annotations(self) -> int:
        if self.task == "classification":
            return sum(1 for im in self.images if im.label is not None)
        return self.num_boxes

    def annotations(self) -> Iterator[tuple[int, AnnotationRecord]]:
        """(image position, annotation) in index order."""
        for i, rec in enumerate(self.records):
            for ann in rec.annotations:
                yield i, ann

    def splits(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for im in self.images:
            if im.present:
                counts[im.split] = counts.get(im.split, 0) + 1
        return counts


def _fmt(box) -> str:
    return "[" + ", ".join(f"{v:g}" for v in box) + "]"


def build_index(
    parsed: ParsedDataset,
    root: Path,
    probe: Callable[[list[Path]], list[Any]],
) -> DatasetIndex:
    """Probe every image, resolve YOLO's normalized units, and lint everything.

    `probe` maps absolute paths to objects with `present`, `ok`, `width`, `height`,
    `checksum` and `error` (see probe.py); it is passed in so callers choose parallelism
    and progress reporting.
    """
    base = str(root)
    probes = probe([Path(os.path.join(base, rec.file)) for rec in parsed.images])
    images: list[IndexedImage] = []
    issues: list[IndexedIssue] = []
    add = issues.append
    index_of_file: dict[str, int] = {}
    first_annotation: list[int] = []
    first_with_checksum: dict[str, str] = {}
    used_classes: set[int] = set()
    classification = parsed.task == "classification"
    tol = BOUNDS_TOLERANCE
    position = 0

    for i, (rec, pr) in enumerate(zip(parsed.images, probes)):
        index_of_file[rec.file] = i
        first_annotation.append(position)
        width = pr.width if pr.ok else rec.width
        height = pr.height if pr.ok else rec.height
        images.append(
            IndexedImage(
                rec.file,
                rec.split,
                width,
                height,
                rec.label,
                pr.present,
                pr.checksum if pr.ok else None,
            )
        )
        if not pr.present:
            add(IndexedIssue("missing_file", i, None, f"{rec.file} is listed but not on disk"))
        elif not pr.ok:
            add(
                IndexedIssue(
                    "corrupt_image",
                    i,
                    None,
                    f"{rec.file} cannot be read as an image: {pr.error}",
                )
            )
        elif pr.checksum:
            first = first_with_checksum.setdefault(pr.checksum, rec.file)
            if first != rec.file:
                add(
                    IndexedIssue(
                        "duplicate_image",
                        i,
                        None,
                        f"{rec.file} has the same bytes as {first}",
                    )
                )
        if rec.label is not None:
            used_classes.add(rec.label)
        elif classification and pr.present:
            add(
                IndexedIssue(
                    "unlabeled_image",
                    i,
                    None,
                    f"{rec.file} is not inside a class folder",
                )
            )
        if not classification and not rec.annotations and pr.present:
            add(IndexedIssue("unlabeled_image", i, None, f"{rec.file} has no annotations"))

        for ann in rec.annotations:
            box = ann.bbox
            if box is None and ann.norm_bbox is not None and width and height:
                cx, cy, w, h = ann.norm_bbox
                box = ann.bbox = (
                    (cx - w / 2) * width,
                    (cy - h / 2) * height,
                    w * width,
                    h * height,
                )
            if ann.segmentation is None and ann.norm_segmentation is not None and width and height:
                ann.segmentation = [
                    [v * (width if k % 2 == 0 else height) for k, v in enumerate(poly)]
                    for poly in ann.norm_segmentation
                ]
            if ann.class_id is None:
                add(
                    IndexedIssue(
                        "unknown_class",
                        i,
                        position,
                        f"class {ann.source_class!r} in {rec.file} is not in the class list",
                    )
                )
            else:
                used_classes.add(ann.class_id)
            if box is not None:
                x, y, w, h = box
                if ann.area is None:
                    ann.area = max(w, 0.0) * max(h, 0.0)
                if w <= 0 or h <= 0:
                    add(
                        IndexedIssue(
                            "zero_area",
                            i,
                            position,
                            f"box {_fmt(box)} in {rec.file} has no area",
                        )
                    )
                elif width and height and (x < -tol or y < -tol or x + w > width + tol or y + h > height + tol):
                    add(
                        IndexedIssue(
                            "bbox_out_of_bounds",
                            i,
                            position,
                            f"box {_fmt(box)} in {rec.file} leaves the {width}x{height} image",
                        )
                    )
            position += 1

    for pi in parsed.issues:
        image = index_of_file.get(pi.file) if pi.file else None
        ann_pos = None
        if image is not None and pi.annotation_index is not None:
            ann_pos = first_annotation[image] + pi.annotation_index
        if pi.kind == "unknown_class" and ann_pos is not None:
            continue  # already reported above with the box it belongs to
        add(IndexedIssue(pi.kind, image, ann_pos, pi.detail))

    what = "images" if classification else "annotations"
    for cid, name in enumerate(parsed.classes):
        if cid not in used_classes:
            add(IndexedIssue("empty_class", None, None, f"class {name!r} has no {what}"))

    for issue in issues:
        if issue.image is not None:
            images[issue.image].has_issues = True
    return DatasetIndex(
        parsed.format,
        parsed.task,
        parsed.classes,
        images,
        parsed.images,
        issues,
        position,
        dict(parsed.meta),
    )
