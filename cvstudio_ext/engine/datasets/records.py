"""What every format reader produces: one normalized, format-free description of a dataset.

Readers only parse annotation files and list image paths; image headers, checksums and
defects are found later by the indexer, the same way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TASKS = ("classification", "detection", "segmentation")
FORMATS = ("yolo", "coco", "voc", "imagefolder")


@dataclass(slots=True)
class AnnotationRecord:
    """One object. `bbox` is absolute pixel [x, y, w, h], top-left origin.

    `class_id` indexes the dataset's `classes`; None means the source named a class the
    dataset does not declare (kept with `source_class` and reported as `unknown_class`).
    A YOLO box in normalized units is stored in `norm_bbox` until the indexer knows the
    image size.
    """

    class_id: int | None
    source_class: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    norm_bbox: tuple[float, float, float, float] | None = None
    area: float | None = None
    iscrowd: bool = False
    difficult: bool = False
    segmentation: Any = None
    norm_segmentation: list[list[float]] | None = None


@dataclass(slots=True)
class ImageRecord:
    """One image. `file` is relative to the dataset root, with forward slashes.

    `width`/`height` are what the annotations claim (None when they do not say); the
    indexer reads the real size from the file header.
    """

    file: str
    split: str = "train"
    label: int | None = None
    width: int | None = None
    height: int | None = None
    annotations: list[AnnotationRecord] = field(default_factory=list)


@dataclass(slots=True)
class ParsedIssue:
    """A defect seen while parsing (an unknown class, a file outside the root, ...)."""

    kind: str
    file: str | None
    detail: str
    annotation_index: int | None = None


@dataclass(slots=True)
class ParsedDataset:
    format: str
    task: str
    classes: list[str]
    images: list[ImageRecord]
    meta: dict[str, Any] = field(default_factory=dict)
    issues: list[ParsedIssue] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    """One format a folder may be, with a score in 0..1 and why.

    `supported` is False for look-alikes we recognize only to refuse them (YOLO pose or
    OBB, CVAT XML, LabelMe, ImageNet lists).
    """

    format: str
    task: str
    score: float
    reason: str
    supported: bool = True
    details: dict[str, Any] = field(default_factory=dict)
