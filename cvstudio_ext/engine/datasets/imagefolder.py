"""Class folders: ``<class>/img`` or ``<split>/<class>/img`` (torchvision ImageFolder,
Ultralytics classification).

Sorted folder names give class ids. Every image anywhere under a class folder (also in
sub-folders, as torchvision's ImageFolder walks them) gets that class; images outside any
class folder are kept without a label. Hidden folders never become classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import Unsupported
from .records import Candidate, ImageRecord, ParsedDataset
from .walk import Listing, get_listing, normalize_split, split_name

# folder names that belong to other layouts, never classes on their own
STRUCTURE_DIRS = frozenset(
    {
        "images",
        "labels",
        "annotations",
        "jpegimages",
        "imagesets",
        "segmentationclass",
        "segmentationobject",
        "masks",
        "scribbles",
        "obj_train_data",
        "obj_valid_data",
        "obj_test_data",
    }
)


def _structure(listing: Listing) -> tuple[bool, dict[str, list[str]], list[str]]:
    """(split mode, {split folder or "": [class folder names]}, images)."""
    images = listing.images(exclude_dirs=())
    top = listing.top_dirs()
    split_dirs = [d for d in top if split_name(d)]
    split_mode = False
    if split_dirs:
        for s in split_dirs:
            if any(f.count("/") >= 2 and f.startswith(s + "/") for f in images):
                split_mode = True
                break
    has_images: dict[str, set[str]] = {}
    for f in images:
        parts = f.split("/")
        if split_mode and split_name(parts[0]):
            if len(parts) >= 3:
                has_images.setdefault(parts[0], set()).add(parts[1])
        elif len(parts) >= 2:
            has_images.setdefault("", set()).add(parts[0])
    if split_mode:
        has_images.pop("", None)
    return split_mode, {k: sorted(v) for k, v in has_images.items()}, images


def detect(root: Path, listing: Listing | None = None) -> Candidate | None:
    root = Path(root)
    listing = get_listing(root, listing)
    split_mode, groups, images = _structure(listing)
    classes = sorted({c for cs in groups.values() for c in cs})
    real = [c for c in classes if c.lower() not in STRUCTURE_DIRS and not split_name(c)]
    if not real:
        return None
    labelled = sum(1 for f in images if _class_of(f, split_mode, set(real)) is not None)
    if labelled == 0:
        return None
    if len(real) >= 2:
        score = 0.75 if split_mode else 0.7
    else:
        score = 0.35 if split_mode else 0.3
    # other files beside the images (label .txt, .xml, .json per image) point to another format
    side = sum(1 for f in listing.files if f.lower().endswith((".txt", ".xml")) and "/" in f)
    if side and side >= labelled / 2:
        score *= 0.5
    reason = f"{len(real)} class folder{'s' if len(real) != 1 else ''}" + (
        f" inside split folders {', '.join(sorted(groups))}" if split_mode else ""
    )
    splits = sorted({normalize_split(s) for s in groups}) if split_mode else ["train"]
    return Candidate(
        "imagefolder",
        "classification",
        round(score, 3),
        reason,
        details={"classes": len(real), "images": len(images), "splits": splits},
    )


def _class_of(f: str, split_mode: bool, classes: set[str]) -> str | None:
    parts = f.split("/")
    if split_mode and split_name(parts[0]):
        return parts[1] if len(parts) >= 3 and parts[1] in classes else None
    if split_mode:
        return None
    return parts[0] if len(parts) >= 2 and parts[0] in classes else None


def read(root: Path, listing: Listing | None = None) -> ParsedDataset:
    root = Path(root)
    listing = get_listing(root, listing)
    split_mode, groups, images = _structure(listing)
    classes = sorted({c for cs in groups.values() for c in cs if c.lower() not in STRUCTURE_DIRS and not split_name(c)})
    if not classes:
        raise Unsupported("No class folders with images found")
    index = {c: i for i, c in enumerate(classes)}
    cls_set = set(classes)
    records = []
    unlabeled = 0
    for f in images:
        parts = f.split("/")
        split = normalize_split(parts[0]) if split_mode and len(parts) >= 2 and split_name(parts[0]) else "train"
        c = _class_of(f, split_mode, cls_set)
        if c is None:
            unlabeled += 1
        records.append(ImageRecord(file=f, split=split, label=index[c] if c is not None else None))
    meta: dict[str, Any] = {
        "class_map": {c: i for i, c in enumerate(classes)},
        "split_folders": sorted(groups) if split_mode else [],
        "unlabeled_images": unlabeled,
    }
    return ParsedDataset(
        format="imagefolder",
        task="classification",
        classes=classes,
        images=records,
        meta=meta,
    )


__all__ = ["detect", "read"]
