"""From a parsed dataset and its probed image files to the normalized index and its defects.

Every format goes through here the same way, so boxes, sizes and lint agree across formats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import AnnotationRecord, ParsedDataset

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
# VOC's 1-based inclusive corners and rounding in exporters routinely give half a pixel.
BOUNDS_TOLERANCE = 0.5


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
class IndexedAnnotation:
    image: int
    class_id: int | None
    source_class: str | None
    bbox: tuple[float, float, float, float] | None
    area: float | None
    iscrowd: bool
    difficult: bool
    segmentation: Any


@dataclass(slots=True)
class IndexedIssue:
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
    annotations: list[IndexedAnnotation]
    issues: list[IndexedIssue]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_images(self) -> int:
        """Images whose file is there, as a person counting the folder would."""
        return sum(1 for im in self.images if im.present)

    @property
    def num_annotations(self) -> int:
        if self.task == "classification":
            return sum(1 for im in self.images if im.label is not None)
        return len(self.annotations)

    def splits(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for im in self.images:
            if im.present:
                counts[im.split] = counts.get(im.split, 0) + 1
        return counts


def _denormalize(values: list[float], width: int, height: int) -> list[float]:
    return [v * (width if i % 2 == 0 else height) for i, v in enumerate(values)]


def _absolute_box(ann: AnnotationRecord, width: int | None, height: int | None):
    if ann.bbox is not None:
        return tuple(float(v) for v in ann.bbox)
    if ann.norm_bbox is not None and width and height:
        cx, cy, w, h = ann.norm_bbox
        return ((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height)
    return None


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
    probes = probe([root / rec.file for rec in parsed.images])
    images: list[IndexedImage] = []
    annotations: list[IndexedAnnotation] = []
    issues: list[IndexedIssue] = []
    index_of_file: dict[str, int] = {}
    first_with_checksum: dict[str, str] = {}
    annotated_classes: set[int] = set()
    file_issue_annotations: dict[str, int] = {}

    for i, (rec, pr) in enumerate(zip(parsed.images, probes)):
        index_of_file[rec.file] = i
        width = pr.width if pr.ok else rec.width
        height = pr.height if pr.ok else rec.height
        images.append(IndexedImage(rec.file, rec.split, width, height, rec.label, pr.present, pr.checksum if pr.ok else None))
        if not pr.present:
            issues.append(IndexedIssue("missing_file", i, None, f"{rec.file} is listed but not on disk"))
        elif not pr.ok:
            issues.append(IndexedIssue("corrupt_image", i, None, f"{rec.file} cannot be read as an image: {pr.error}"))
        elif pr.checksum:
            first = first_with_checksum.setdefault(pr.checksum, rec.file)
            if first != rec.file:
                issues.append(IndexedIssue("duplicate_image", i, None, f"{rec.file} has the same bytes as {first}"))
        if rec.label is not None:
            annotated_classes.add(rec.label)
        elif parsed.task == "classification" and pr.present:
            issues.append(IndexedIssue("unlabeled_image", i, None, f"{rec.file} is not inside a class folder"))
        if parsed.task != "classification" and not rec.annotations and pr.present:
            issues.append(IndexedIssue("unlabeled_image", i, None, f"{rec.file} has no annotations"))

        file_issue_annotations[rec.file] = len(annotations)
        for ann in rec.annotations:
            a = len(annotations)
            box = _absolute_box(ann, width, height)
            seg = ann.segmentation
            if seg is None and ann.norm_segmentation is not None and width and height:
                seg = [_denormalize(poly, width, height) for poly in ann.norm_segmentation]
            area = ann.area
            if area is None and box is not None:
                area = max(box[2], 0.0) * max(box[3], 0.0)
            annotations.append(
                IndexedAnnotation(i, ann.class_id, ann.source_class, box, area, ann.iscrowd, ann.difficult, seg)
            )
            if ann.class_id is None:
                issues.append(IndexedIssue("unknown_class", i, a, f"class {ann.source_class!r} in {rec.file} is not in the class list"))
            else:
                annotated_classes.add(ann.class_id)
            if box is None:
                continue
            x, y, w, h = box
            if w <= 0 or h <= 0:
                issues.append(IndexedIssue("zero_area", i, a, f"box {_fmt(box)} in {rec.file} has no area"))
            elif width and height and (
                x < -BOUNDS_TOLERANCE
                or y < -BOUNDS_TOLERANCE
                or x + w > width + BOUNDS_TOLERANCE
                or y + h > height + BOUNDS_TOLERANCE
            ):
                issues.append(
                    IndexedIssue("bbox_out_of_bounds", i, a, f"box {_fmt(box)} in {rec.file} leaves the {width}x{height} image")
                )

    for pi in parsed.issues:
        image = index_of_file.get(pi.file) if pi.file else None
        ann = None
        if image is not None and pi.annotation_index is not None:
            ann = file_issue_annotations[pi.file] + pi.annotation_index
        if pi.kind == "unknown_class" and ann is not None:
            continue  # already reported above with the box it belongs to
        issues.append(IndexedIssue(pi.kind, image, ann, pi.detail))

    for cid, name in enumerate(parsed.classes):
        if cid not in annotated_classes:
            issues.append(IndexedIssue("empty_class", None, None, f"class {name!r} has no {'images' if parsed.task == 'classification' else 'annotations'}"))

    for issue in issues:
        if issue.image is not None:
            images[issue.image].has_issues = True
    return DatasetIndex(parsed.format, parsed.task, parsed.classes, images, annotations, issues, dict(parsed.meta))


def _fmt(box) -> str:
    return "[" + ", ".join(f"{v:g}" for v in box) + "]"
