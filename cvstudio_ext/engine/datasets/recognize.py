"""Which format a dataset folder is in, and reading it with the right reader.

`recognize()` asks every reader's `detect()` and every look-alike probe, and ranks what
they say. `read_dataset()` reads with the best supported candidate, or with the format the
caller names; look-alikes (YOLO pose/OBB, COCO keypoints, CVAT, LabelMe, ImageNet lists)
are refused with `Unsupported`, never read as one of ours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import BadRequest, Invalid, Unsupported
from . import coco, imagefolder, lookalikes, voc, yolo
from .records import FORMATS, Candidate, ParsedDataset
from .walk import Listing

READERS = {"yolo": yolo, "coco": coco, "voc": voc, "imagefolder": imagefolder}

FORMAT_LABELS = {
    "yolo": "YOLO",
    "coco": "COCO",
    "voc": "Pascal VOC",
    "imagefolder": "Class-folder (ImageFolder)",
    "cvat": "CVAT for images XML",
    "labelme": "LabelMe",
    "imagenet_txt": "ImageNet text-list",
}
SUPPORTED_TEXT = (
    "supported formats are YOLO (detection, segmentation), COCO instances, Pascal VOC and class folders (ImageFolder)"
)
_NOT_FOUND_HINT = {
    "yolo": "no YOLO label files (class cx cy w h rows) or data.yaml with names were found",
    "coco": "no COCO instances JSON (images, annotations, categories) was found",
    "voc": "no Pascal VOC XML with <annotation><object><bndbox> was found",
    "imagefolder": "no class folders with images in them were found",
}


@dataclass
class Recognition:
    format: str | None
    task: str | None
    confidence: float
    supported: bool
    candidates: list[Candidate] = field(default_factory=list)
    summary: str = ""
    # the folder listing recognition made, so that reading right after need not walk again
    listing: Listing | None = field(default=None, repr=False, compare=False)


def _check_root(root: Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise BadRequest(f"{root} is not a folder")
    return root


def _candidates(root: Path, listing: Listing) -> list[Candidate]:
    cands: list[Candidate] = []
    for mod in READERS.values():
        try:
            c = mod.detect(root, listing)
        except Exception:  # noqa: BLE001 - one broken probe must not hide the others
            c = None
        if c is not None:
            cands.append(c)
    cands.extend(lookalikes.detect_all(root, listing))
    # best first; on a tie a look-alike wins so it is never read as one of ours
    cands.sort(key=lambda c: (-c.score, c.supported))
    return cands


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"


def _summary(best: Candidate | None, listing: Listing) -> str:
    if best is None:
        n_img = len(listing.images())
        return (
            f"No known dataset format found ({_plural(len(listing.files), 'file')}, "
            f"{_plural(n_img, 'image')}); {SUPPORTED_TEXT}."
        )
    label = FORMAT_LABELS.get(best.format, best.format)
    if not best.supported:
        what = f"{label} {best.task}" if best.format in ("yolo", "coco") else label
        article = "an" if what[:1].lower() in "aeiou" else "a"
        return f"Looks like {article} {what} dataset, which is not supported ({best.reason}); {SUPPORTED_TEXT}."
    d = best.details or {}
    parts = []
    if d.get("classes") is not None:
        parts.append(_plural(int(d["classes"]), "class"))
    elif d.get("annotation_files"):
        parts.append(_plural(len(d["annotation_files"]), "annotation file"))
    elif d.get("xml_files") is not None:
        parts.append(_plural(int(d["xml_files"]), "XML file"))
    n_img = d.get("images")
    if n_img is None:
        n_img = len(listing.images())
    img = _plural(int(n_img), "image")
    splits = d.get("splits") or []
    if splits:
        img += f" in {'/'.join(splits)}"
    parts.append(img)
    return f"{label} {best.task} dataset: {', '.join(parts)}"


def recognize(root: Path) -> Recognition:
    """Rank the formats `root` may be in; never raises for an unknown layout."""
    root = _check_root(root)
    listing = Listing.scan(root)
    cands = _candidates(root, listing)
    best = cands[0] if cands else None
    return Recognition(
        format=best.format if best else None,
        task=best.task if best else None,
        confidence=best.score if best else 0.0,
        supported=bool(best and best.supported),
        candidates=cands,
        summary=_summary(best, listing),
        listing=listing,
    )


def read_dataset(root: Path, format: str | None = None, listing: Listing | None = None) -> ParsedDataset:
    """Read `root` with the named reader, or with the best recognized supported format.

    Raises Unsupported for look-alikes and unknown layouts, Invalid for an unknown format
    name or a folder that is not in the format named. `listing` reuses a fresh scan of
    `root` (from `recognize`).
    """
    root = _check_root(root)
    if listing is None or listing.root != root:
        listing = Listing.scan(root)
    if format is not None:
        fmt = str(format).strip().lower()
        if fmt not in READERS:
            raise Invalid(f"Unknown dataset format {format!r}; use one of: {', '.join(FORMATS)}")
        mod = READERS[fmt]
        if fmt == "yolo":
            la = lookalikes.detect_yolo_variant(root, listing)
            if la is not None:
                raise Unsupported(f"This is a YOLO {la.task} dataset ({la.reason}); {SUPPORTED_TEXT}")
        cand = mod.detect(root, listing)
        if cand is None:
            if fmt == "coco":
                la = lookalikes.detect_coco_other(root, listing)
                if la is not None:
                    raise Unsupported(f"{la.reason}; only COCO instances (boxes) is supported")
            raise Invalid(
                f"{os.path.basename(root) or root} is not a {FORMAT_LABELS[fmt]} dataset: {_NOT_FOUND_HINT[fmt]}"
            )
        return mod.read(root, listing)
    cands = _candidates(root, listing)
    if not cands:
        raise Unsupported(_summary(None, listing))
    best = cands[0]
    if not best.supported:
        raise Unsupported(_summary(best, listing))
    return READERS[best.format].read(root, listing)


__all__ = ["FORMAT_LABELS", "READERS", "Recognition", "read_dataset", "recognize"]
