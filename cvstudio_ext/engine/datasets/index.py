"""From a parsed dataset and its probed image files to the normalized index and its defects.

Every format goes through here the same way, so boxes, sizes and lint agree across formats.
The annotation records the reader made are completed in place (absolute boxes, areas,
polygons in pixels) rather than copied: a million boxes should cost one pass, not three.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    # every annotation in index order, as arrays for the stats: its box (NaN without
    # one), class (-1 for an unknown one) and image position
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    box_class: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    box_image: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

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


def _complete_annotations(anns: list[AnnotationRecord], width: int | None, height: int | None) -> None:
    """YOLO's normalized boxes and polygons in pixels, now that the image size is known."""
    if not (width and height):
        return
    for ann in anns:
        if ann.bbox is None and ann.norm_bbox is not None:
            cx, cy, w, h = ann.norm_bbox
            ann.bbox = ((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height)
        if ann.segmentation is None and ann.norm_segmentation is not None:
            ann.segmentation = [
                [v * (width if k % 2 == 0 else height) for k, v in enumerate(poly)] for poly in ann.norm_segmentation
            ]


def _box_issues(boxes: list[tuple], b: np.ndarray, owner: np.ndarray, images: list[IndexedImage]) -> list[IndexedIssue]:
    """Zero-area and out-of-bounds boxes, checked for all boxes at once with numpy."""
    if not boxes:
        return []
    size = np.array([(im.width or 0, im.height or 0) for im in images], dtype=np.float64).reshape(-1, 2)[owner]
    x, y, w, h = b.T
    known = ~np.isnan(x)
    zero = known & ((w <= 0) | (h <= 0))
    tol = BOUNDS_TOLERANCE
    sized = (size[:, 0] > 0) & (size[:, 1] > 0)
    out = known & ~zero & sized & ((x < -tol) | (y < -tol) | (x + w > size[:, 0] + tol) | (y + h > size[:, 1] + tol))
    issues = []
    for pos in np.flatnonzero(zero | out).tolist():
        i = int(owner[pos])
        box, file = boxes[pos], images[i].file
        if zero[pos]:
            issues.append(IndexedIssue("zero_area", i, pos, f"box {_fmt(box)} in {file} has no area"))
        else:
            im = images[i]
            detail = f"box {_fmt(box)} in {file} leaves the {im.width}x{im.height} image"
            issues.append(IndexedIssue("bbox_out_of_bounds", i, pos, detail))
    return issues


_NO_BOX = (np.nan, np.nan, np.nan, np.nan)


def build_index(parsed: ParsedDataset, probes: list[Any]) -> DatasetIndex:
    """Resolve YOLO's normalized units and lint everything.

    `probes` holds, for each of `parsed.images` in order, what probe.py found of its
    file: `present`, `ok`, `width`, `height`, `checksum`, `error`.
    """
    images: list[IndexedImage] = []
    issues: list[IndexedIssue] = []
    add = issues.append
    index_of_file: dict[str, int] = {}
    first_annotation: list[int] = []
    counts: list[int] = []
    first_with_checksum: dict[str, str] = {}
    used_classes: set[int | None] = set()
    boxes: list[tuple] = []
    box_classes: list[int | None] = []
    classification = parsed.task == "classification"
    position = 0

    for i, (rec, pr) in enumerate(zip(parsed.images, probes)):
        index_of_file[rec.file] = i
        first_annotation.append(position)
        width = pr.width if pr.ok else rec.width
        height = pr.height if pr.ok else rec.height
        images.append(
            IndexedImage(rec.file, rec.split, width, height, rec.label, pr.present, pr.checksum if pr.ok else None)
        )
        if not pr.present:
            add(IndexedIssue("missing_file", i, None, f"{rec.file} is listed but not on disk"))
        elif not pr.ok:
            add(IndexedIssue("corrupt_image", i, None, f"{rec.file} cannot be read as an image: {pr.error}"))
        elif pr.checksum:
            first = first_with_checksum.setdefault(pr.checksum, rec.file)
            if first != rec.file:
                add(IndexedIssue("duplicate_image", i, None, f"{rec.file} has the same bytes as {first}"))
        if rec.label is not None:
            used_classes.add(rec.label)
        elif classification and pr.present:
            add(IndexedIssue("unlabeled_image", i, None, f"{rec.file} is not inside a class folder"))
        anns = rec.annotations
        counts.append(len(anns))
        if not anns:
            if not classification and pr.present:
                add(IndexedIssue("unlabeled_image", i, None, f"{rec.file} has no annotations"))
            continue
        here = [a.bbox for a in anns]
        if None in here:  # YOLO's normalized boxes and polygons (or annotations without a box)
            _complete_annotations(anns, width, height)
            here = [_NO_BOX if a.bbox is None else a.bbox for a in anns]
        boxes += here
        class_ids = [a.class_id for a in anns]
        used_classes.update(class_ids)
        box_classes += class_ids
        if None in class_ids:
            for k, ann in enumerate(anns):
                if ann.class_id is None:
                    detail = f"class {ann.source_class!r} in {rec.file} is not in the class list"
                    add(IndexedIssue("unknown_class", i, position + k, detail))
        position += len(anns)

    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    owner = np.repeat(np.arange(len(images)), counts)
    classes = np.fromiter((-1 if c is None else c for c in box_classes), dtype=np.int64, count=len(box_classes))
    issues.extend(_box_issues(boxes, b, owner, images))

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
        parsed.format, parsed.task, parsed.classes, images, parsed.images, issues, position, dict(parsed.meta),
        b, classes, owner,
    )  # fmt: skip
