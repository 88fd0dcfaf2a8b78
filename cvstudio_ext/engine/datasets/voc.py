"""Pascal VOC XML (one ``<annotation>`` per image with ``<object><bndbox>`` boxes).

Handles the VOC2007 tree (Annotations/, JPEGImages/, ImageSets/Main/<split>.txt), LabelImg
annotations/ + images/ folders and exports with each XML beside its image. Boxes are
1-based and inclusive: x = xmin - 1, w = xmax - xmin + 1. Classes come from labelmap.txt
when there is one, else from the sorted object names.
"""

from __future__ import annotations

import math
import posixpath
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DET

from ...errors import Unsupported
from .records import (
    AnnotationRecord,
    Candidate,
    ImageRecord,
    ParsedDataset,
    ParsedIssue,
)
from .walk import (
    IMAGE_EXTENSIONS,
    Listing,
    get_listing,
    join_rel,
    outside_issue,
    split_from_parts,
    split_name,
    text_lines,
)

MAX_XML_BYTES = 8 << 20
SAMPLE_XML = 30
_ANN_DIRS = {"annotations", "annotation", "xml", "xmls", "labels"}
_IMG_DIR_NAMES = ("JPEGImages", "images", "Images", "JPEGImage", "imgs")
_SPLIT_FILE = re.compile(r"^(.*?)ImageSets/(Main|Segmentation|Layout|Action)/([^/_]+)\.txt$")
_SPLIT_PRIORITY = {"train": 0, "val": 1, "test": 2}


def _tag(el: Element) -> str:
    t = el.tag if isinstance(el.tag, str) else ""
    return t.rsplit("}", 1)[-1]


def parse_xml(path: Path) -> tuple[Element | None, str | None]:
    """(root element, None) or (None, why it cannot be read)."""
    try:
        if path.stat().st_size > MAX_XML_BYTES:
            return None, "XML file too large"
        return DET.parse(str(path)).getroot(), None
    except (ParseError, DefusedXmlException) as exc:
        return None, f"XML does not parse: {exc}"
    except (OSError, ValueError) as exc:
        return None, f"XML cannot be read: {exc}"


def classify_xml(root_el: Element) -> str | None:
    """ "voc", "labelme", "cvat", "voc_empty" (an <annotation> with nothing telling), or None."""
    tag = _tag(root_el)
    if tag == "annotations":
        if root_el.find("version") is not None or root_el.find("meta") is not None or root_el.find("image") is not None:
            return "cvat"
        return None
    if tag != "annotation":
        return None
    if root_el.find("imagesize") is not None:
        return "labelme"
    src = root_el.find("source")
    if src is not None and (src.find("sourceImage") is not None or src.find("sourceAnnotation") is not None):
        return "labelme"
    objs = root_el.findall("object")
    for o in objs:
        if o.find("polygon") is not None or o.find("segm") is not None or o.find("deleted") is not None:
            return "labelme"
    if root_el.find("size") is not None or any(o.find("bndbox") is not None for o in objs):
        return "voc"
    return "voc_empty"


def sample_xml_kinds(root: Path, listing: Listing, limit: int = SAMPLE_XML) -> dict[str, int]:
    """How many of the first XML files are VOC, LabelMe, CVAT, ... (once per listing)."""
    return dict(
        listing.memo(
            f"voc.xml_kinds.{limit}",
            lambda: _sample_xml_kinds(Path(root), listing, limit),
        )
    )  # type: ignore[arg-type]


def _sample_xml_kinds(root: Path, listing: Listing, limit: int) -> dict[str, int]:
    xmls = [f for f in listing.files if f.lower().endswith(".xml")]
    # VOC trees keep XML under Annotations/: look there first
    xmls.sort(key=lambda f: (not any(p.lower() in _ANN_DIRS for p in f.split("/")[:-1]), f))
    kinds: dict[str, int] = {}
    for rel in xmls[:limit]:
        el, _ = parse_xml(Path(root) / rel)
        k = classify_xml(el) if el is not None else "broken"
        if k:
            kinds[k] = kinds.get(k, 0) + 1
    return kinds


def detect(root: Path, listing: Listing | None = None) -> Candidate | None:
    root = Path(root)
    listing = get_listing(root, listing)
    kinds = sample_xml_kinds(root, listing)
    voc, empty, lm = (
        kinds.get("voc", 0),
        kinds.get("voc_empty", 0),
        kinds.get("labelme", 0),
    )
    if lm and lm >= voc:
        return None
    n_xml = sum(1 for f in listing.files if f.lower().endswith(".xml"))
    top = {d.lower() for d in listing.top_dirs()}
    if voc:
        if "annotations" in top and ("jpegimages" in top or "imagesets" in top):
            score, reason = (
                0.95,
                "VOC tree: Annotations/ with JPEGImages/ or ImageSets/",
            )
        else:
            score, reason = 0.85, "Pascal VOC XML files with <object><bndbox>"
        if lm:
            score -= 0.2
    elif empty:
        score, reason = 0.4, "XML <annotation> files without objects"
    else:
        return None
    return Candidate(
        "voc",
        "detection",
        round(score, 3),
        reason,
        details={"xml_files": n_xml, "images": len(listing.images())},
    )


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _dim(text: str | None) -> int | None:
    v = _float(text)
    return int(v) if v is not None and v > 0 else None


def _read_labelmap(root: Path, listing: Listing) -> tuple[list[str], str] | None:
    cands = sorted(
        (f for f in listing.files if posixpath.basename(f).lower() == "labelmap.txt"),
        key=lambda f: (f.count("/"), f),
    )
    if not cands:
        return None
    rel = cands[0]
    names = []
    for line in text_lines(root / rel) or []:
        if not line or line.startswith("#"):
            continue
        name = line.split(":", 1)[0].strip()
        if name and name not in names:
            names.append(name)
    return names, rel


def _split_lists(root: Path, listing: Listing) -> dict[tuple[str, str], str]:
    """(prefix, image id) -> split from ImageSets lists; Main first, then the others."""
    by_kind: dict[str, list[tuple[str, str, str]]] = {}
    for f in listing.files:
        m = _SPLIT_FILE.match(f)
        if m:
            by_kind.setdefault(m.group(2), []).append((m.group(1), m.group(3), f))
    out: dict[tuple[str, str], str] = {}
    for kind in ("Main", "Segmentation", "Layout", "Action"):
        entries = sorted(
            by_kind.get(kind, []),
            key=lambda e: (_SPLIT_PRIORITY.get(e[1].lower(), 9), e[1]),
        )
        for prefix, raw, f in entries:
            split = split_name(raw) or raw
            for line in text_lines(root / f) or []:
                if not line or line.startswith("#"):
                    continue
                out.setdefault((prefix, line.split()[0]), split)
    return out


def _image_dirs_for(xml_rel: str) -> tuple[list[str], str]:
    """Folders to look in for an XML's image, and the one to name when it is absent."""
    xd = posixpath.dirname(xml_rel)
    parts = xd.split("/") if xd else []
    dirs: list[str] = []
    preferred = xd
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].lower() in _ANN_DIRS:
            pre, post = parts[:i], parts[i + 1 :]
            for name in _IMG_DIR_NAMES:
                dirs.append("/".join(pre + [name] + post))
            preferred = "/".join(pre + ["JPEGImages"] + post)
            break
    dirs.append(xd)
    dirs.extend(_IMG_DIR_NAMES)
    dirs.append("")
    return list(dict.fromkeys(dirs)), preferred


def read(root: Path, listing: Listing | None = None) -> ParsedDataset:
    root = Path(root)
    listing = get_listing(root, listing)
    fs = listing.file_set
    issues: list[ParsedIssue] = []
    lm = _read_labelmap(root, listing)
    split_map = _split_lists(root, listing)
    disk_images = listing.images()
    by_stem: dict[tuple[str, str], str] = {}
    for f in disk_images:
        d, name = posixpath.split(f)
        by_stem.setdefault((d, posixpath.splitext(name)[0]), f)

    records: dict[str, ImageRecord] = {}
    order: list[ImageRecord] = []
    pending: list[tuple[ImageRecord, int, str]] = []  # (record, ann index, class name)
    names_seen: set[str] = set()
    xml_read = 0
    skipped: dict[str, str] = {}
    any_voc = False

    for rel in listing.files:
        if not rel.lower().endswith(".xml"):
            continue
        el, err = parse_xml(root / rel)
        if el is None:
            issues.append(ParsedIssue("malformed_annotation", rel, err or "XML does not parse"))
            continue
        kind = classify_xml(el)
        if kind not in ("voc", "voc_empty"):
            skipped[rel] = kind or "not VOC"
            continue
        any_voc = any_voc or kind == "voc"
        xml_read += 1
        dirs, preferred = _image_dirs_for(rel)
        xml_stem = posixpath.splitext(posixpath.basename(rel))[0]
        fn = (el.findtext("filename") or "").strip()
        path = None
        if fn:
            ref = fn.replace("\\", "/")
            if join_rel(preferred, ref) is None:
                issues.append(outside_issue(fn, rel))
                ref = ""
            if ref:
                for d in dirs:
                    j = join_rel(d, ref)
                    if j is not None and j in fs:
                        path = j
                        break
                if path is None:
                    stem = posixpath.splitext(posixpath.basename(ref))[0]
                    for d in dirs:
                        if (d, stem) in by_stem:
                            path = by_stem[(d, stem)]
                            break
        if path is None:
            for d in dirs:
                if (d, xml_stem) in by_stem:
                    path = by_stem[(d, xml_stem)]
                    break
        if path is None:
            if fn and join_rel(preferred, fn.replace("\\", "/")) is not None:
                ref = fn.replace("\\", "/")
                if posixpath.splitext(ref)[1].lower() not in IMAGE_EXTENSIONS:
                    ref = ref + ".jpg"
                path = join_rel(preferred, ref)
            elif not fn:
                path = join_rel(preferred, xml_stem + ".jpg")
            if path is None:
                n = len(el.findall("object"))
                issues.append(
                    ParsedIssue(
                        "missing_file",
                        rel,
                        f"no image for this XML inside the dataset; {n} objects dropped",
                    )
                )
                continue
        rec = records.get(path)
        if rec is None:
            size = el.find("size")
            w = _dim(size.findtext("width")) if size is not None else None
            h = _dim(size.findtext("height")) if size is not None else None
            rec = ImageRecord(file=path, split=_split_for(path, rel, split_map), width=w, height=h)
            records[path] = rec
            order.append(rec)
        for oi, obj in enumerate(el.findall("object")):
            name = (obj.findtext("name") or "").strip()
            bnd = obj.find("bndbox")
            if bnd is None:
                issues.append(
                    ParsedIssue(
                        "malformed_annotation",
                        rel,
                        f"object {oi + 1} ({name!r}) has no <bndbox>",
                    )
                )
                continue
            xmin, ymin = _float(bnd.findtext("xmin")), _float(bnd.findtext("ymin"))
            xmax, ymax = _float(bnd.findtext("xmax")), _float(bnd.findtext("ymax"))
            if None in (xmin, ymin, xmax, ymax):
                issues.append(
                    ParsedIssue(
                        "malformed_annotation",
                        rel,
                        f"object {oi + 1} ({name!r}): bndbox needs numeric xmin, ymin, xmax, ymax",
                    )
                )
                continue
            diff = (obj.findtext("difficult") or "").strip().lower() in (
                "1",
                "true",
                "yes",
            )
            ann = AnnotationRecord(
                class_id=None,
                source_class=name,
                bbox=(xmin - 1.0, ymin - 1.0, xmax - xmin + 1.0, ymax - ymin + 1.0),
                difficult=diff,
            )
            pending.append((rec, len(rec.annotations), name))
            rec.annotations.append(ann)
            names_seen.add(name)

    if not any_voc and not order:
        raise Unsupported("No Pascal VOC XML annotations found")

    if lm:
        classes, lm_rel = lm
    else:
        classes, lm_rel = sorted(names_seen), None
    index = {n: i for i, n in enumerate(classes)}
    for rec, i, name in pending:
        ci = index.get(name)
        ann = rec.annotations[i]
        ann.class_id = ci
        if ci is not None:
            ann.source_class = None
        else:
            issues.append(
                ParsedIssue(
                    "unknown_class",
                    rec.file,
                    f"object class {name!r} is not in {lm_rel}",
                    i,
                )
            )

    for f in disk_images:
        if f in records:
            continue
        rec = ImageRecord(file=f, split=_split_for(f, None, split_map))
        records[f] = rec
        order.append(rec)

    meta: dict[str, Any] = {
        "xml_files": xml_read,
        "class_source": lm_rel or "object names",
    }
    if skipped:
        meta["skipped_files"] = skipped
    return ParsedDataset(
        format="voc",
        task="detection",
        classes=list(classes),
        images=order,
        meta=meta,
        issues=issues,
    )


def _prefix_of(rel: str) -> str:
    parts = rel.split("/")[:-1]
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].lower() in _ANN_DIRS or parts[i] in _IMG_DIR_NAMES:
            return "/".join(parts[:i]) + ("/" if i else "")
    return ""


def _split_for(image_rel: str, xml_rel: str | None, split_map: dict[tuple[str, str], str]) -> str:
    stem = posixpath.splitext(posixpath.basename(image_rel))[0]
    for src in ([xml_rel] if xml_rel else []) + [image_rel]:
        s = split_map.get((_prefix_of(src), stem))
        if s:
            return s
        if xml_rel and src == xml_rel:
            xs = posixpath.splitext(posixpath.basename(xml_rel))[0]
            s = split_map.get((_prefix_of(src), xs))
            if s:
                return s
    parts = image_rel.split("/")[:-1] + ((xml_rel.split("/")[:-1]) if xml_rel else [])
    return split_from_parts(parts) or "train"


__all__ = ["classify_xml", "detect", "parse_xml", "read", "sample_xml_kinds"]
