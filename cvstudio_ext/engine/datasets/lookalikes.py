"""Formats we recognize only to refuse them with a clear message.

YOLO pose and oriented boxes (their label lines can have as many values as segmentation
polygons), COCO files that are not instances (keypoints, captions, panoptic), CVAT for
images XML, LabelMe (MIT XML and wkentaro JSON) and ImageNet-style text lists. Each comes
back as a `Candidate` with supported=False.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from . import coco, voc, yolo
from .records import Candidate
from .walk import Listing, get_listing, is_image_name, read_text, split_name

_LIST_LINE = re.compile(r"^(\S+)\s+(-?\d+)$")
_SYNSET_NAMES = ("synsets", "labels", "classes", "synset_words")


def detect_all(root: Path, listing: Listing | None = None) -> list[Candidate]:
    root = Path(root)
    listing = get_listing(root, listing)
    out: list[Candidate] = []
    for fn in (
        detect_yolo_variant,
        detect_coco_other,
        detect_cvat,
        detect_labelme,
        detect_imagenet_txt,
    ):
        try:
            c = fn(root, listing)
        except Exception:  # noqa: BLE001 - a look-alike probe must never break recognition
            c = None
        if c is not None:
            out.append(c)
    return out


def detect_yolo_variant(root: Path, listing: Listing | None = None) -> Candidate | None:
    listing = get_listing(root, listing)
    lay = yolo.build_layout(root, listing)
    if not lay.yaml_file and not lay.label_of:
        return None
    v = yolo.variant(root, listing, lay)
    if v is None:
        return None
    task, why = v
    return Candidate(
        "yolo",
        task,
        0.97 if lay.yaml_file and "kpt_shape" in (lay.yaml_data or {}) else 0.9,
        why,
        supported=False,
        details={"images": len(lay.images)},
    )


def detect_coco_other(root: Path, listing: Listing | None = None) -> Candidate | None:
    listing = get_listing(root, listing)
    files = coco.scan_json_files(root, listing)
    if not files or any(k == "instances" for _, k in files):
        return None
    kinds = sorted({k for _, k in files})
    task = "keypoints" if "keypoints" in kinds else kinds[0]
    return Candidate(
        "coco",
        task,
        0.9,
        f"COCO {', '.join(kinds)} file(s) ({', '.join(r for r, _ in files[:3])}) but no instances file",
        supported=False,
    )


def detect_cvat(root: Path, listing: Listing | None = None) -> Candidate | None:
    listing = get_listing(root, listing)
    xmls = sorted(
        (f for f in listing.files if f.lower().endswith(".xml")),
        key=lambda f: (f.count("/"), f),
    )
    for rel in xmls[:20]:
        head = read_text(Path(root) / rel, 8192) or ""
        if "<annotations" not in head:
            continue
        if "<version>" in head or "<meta>" in head:
            return Candidate(
                "cvat",
                "detection",
                0.95,
                f"CVAT for images XML ({rel})",
                supported=False,
            )
    return None


def detect_labelme(root: Path, listing: Listing | None = None) -> Candidate | None:
    listing = get_listing(root, listing)
    kinds = voc.sample_xml_kinds(root, listing)
    lm, vc = kinds.get("labelme", 0), kinds.get("voc", 0)
    if lm and lm >= vc:
        return Candidate(
            "labelme",
            "segmentation",
            0.9,
            "LabelMe XML annotations (polygons / masks)",
            supported=False,
        )
    jsons = [f for f in listing.files if f.lower().endswith(".json")]
    hits = 0
    for rel in jsons[:20]:
        head = read_text(Path(root) / rel, 1 << 16) or ""
        if '"shapes"' in head and '"imagePath"' in head:
            hits += 1
    if hits:
        return Candidate(
            "labelme",
            "segmentation",
            0.9,
            "LabelMe JSON files (shapes + imagePath)",
            supported=False,
        )
    return None


def detect_imagenet_txt(root: Path, listing: Listing | None = None) -> Candidate | None:
    """Text lists of "<image path> <class index>" lines (ImageNet / mmpretrain ann.txt)."""
    listing = get_listing(root, listing)
    txts = [f for f in listing.files if f.lower().endswith(".txt") and f.count("/") <= 1]
    best: tuple[float, str] | None = None
    for rel in txts[:50]:
        text = read_text(Path(root) / rel, 1 << 16)
        if not text:
            continue
        lines = [ln.strip() for ln in text.splitlines()[:200] if ln.strip()]
        if not lines:
            continue
        ok = [m for m in (_LIST_LINE.match(ln) for ln in lines) if m]
        if len(ok) != len(lines) or not any(is_image_name(m.group(1)) for m in ok):
            continue
        stem = posixpath.splitext(posixpath.basename(rel))[0]
        score = 0.8 if split_name(stem) else 0.5
        if any(
            posixpath.splitext(posixpath.basename(f))[0].lower().startswith(_SYNSET_NAMES) for f in txts if f != rel
        ):
            score += 0.1
        if best is None or score > best[0]:
            best = (score, rel)
    if best is None:
        return None
    return Candidate(
        "imagenet_txt",
        "classification",
        round(best[0], 3),
        f'ImageNet-style list {best[1]} ("<image> <class index>" lines)',
        supported=False,
    )


__all__ = [
    "detect_all",
    "detect_coco_other",
    "detect_cvat",
    "detect_imagenet_txt",
    "detect_labelme",
    "detect_yolo_variant",
]
