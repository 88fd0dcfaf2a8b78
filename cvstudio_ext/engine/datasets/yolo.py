"""YOLO text labels: Ultralytics (data.yaml), Darknet (obj.data/obj.names) and loose layouts.

One label file per image, one object per line: ``class cx cy w h`` (normalized box) or
``class x1 y1 x2 y2 ...`` (normalized polygon). The label of ``.../images/.../a.jpg`` is
``.../labels/.../a.txt`` (or ``Annotations/`` as some exporters write), else ``a.txt``
beside the image. A missing or empty label file means an image without objects.

YOLO pose and OBB folders look the same on disk; `variant()` tells them apart so they are
refused instead of being read as detection or segmentation.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...errors import Unsupported
from .records import (
    AnnotationRecord,
    Candidate,
    ImageRecord,
    ParsedDataset,
    ParsedIssue,
)
from .walk import (
    Listing,
    clean_text,
    get_listing,
    is_image_name,
    join_rel,
    normalize_split,
    outside_issue,
    read_text,
    split_from_parts,
    split_name,
    text_lines,
)

YAML_PREFERRED = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
YAML_SPLIT_KEYS = ("train", "val", "valid", "validation", "test", "minival", "trainval")
IMAGE_DIR_NAMES = ("images", "jpegimages", "imgs", "img")
LABEL_DIR_NAMES = ("labels", "Labels", "LABELS", "annotations", "Annotations")
_LABEL_DIR_LOWER = {"labels", "annotations"}
_DARKNET_DIR = re.compile(r"^obj_(\w+?)_data$", re.IGNORECASE)
SAMPLE_LABEL_FILES = 40
MAX_YAML_BYTES = 2 << 20


# --------------------------------------------------------------------------- layout


@dataclass
class Layout:
    """Where a YOLO folder keeps its class names, split lists and label files."""

    classes: list[str] | None = None
    class_map: dict[str, int] = field(default_factory=dict)
    names_source: str | None = None
    yaml_file: str | None = None
    yaml_data: dict[str, Any] | None = None
    darknet_data: str | None = None
    listed: dict[str, str] = field(default_factory=dict)  # image rel -> split
    listed_missing: dict[str, str] = field(default_factory=dict)  # listed, absent -> split
    outside_refs: list[tuple[str, str]] = field(default_factory=list)  # (ref, list file)
    images: list[str] = field(default_factory=list)
    label_of: dict[str, str] = field(default_factory=dict)  # image rel -> label rel
    issues: list[ParsedIssue] = field(default_factory=list)
    unresolved_splits: list[str] = field(default_factory=list)
    sample_rows: list[list[float]] | None = None


def _load_yaml(root: Path, rel: str, issues: list[ParsedIssue]) -> dict[str, Any] | None:
    p = root / rel
    try:
        if p.stat().st_size > MAX_YAML_BYTES:
            issues.append(
                ParsedIssue(
                    "malformed_annotation",
                    rel,
                    "YAML file too large to be a dataset description",
                )
            )
            return None
    except OSError:
        return None
    text = read_text(p)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        issues.append(
            ParsedIssue(
                "malformed_annotation",
                rel,
                f"YAML does not parse: {str(exc).splitlines()[0]}",
            )
        )
        return None
    return data if isinstance(data, dict) else None


def find_yaml(
    root: Path, listing: Listing, issues: list[ParsedIssue] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The dataset YAML at the root (one with `names`, `nc` or split keys)."""
    issues = issues if issues is not None else []
    cands = [f for f in listing.files if "/" not in f and f.lower().endswith((".yaml", ".yml"))]
    cands.sort(key=lambda f: (f.lower() not in YAML_PREFERRED, f))
    for rel in cands:
        data = _load_yaml(root, rel, issues)
        if data and ("names" in data or "nc" in data or "kpt_shape" in data):
            return rel, data
    return None


def names_from_yaml(data: dict[str, Any]) -> tuple[list[str], dict[str, int]] | None:
    names = data.get("names")
    if isinstance(names, list):
        classes = [clean_text(n) for n in names]
        return classes, {str(i): i for i in range(len(classes))}
    if isinstance(names, dict):
        items = []
        for k, v in names.items():
            try:
                items.append((int(k), clean_text(v)))
            except (TypeError, ValueError):
                continue
        items.sort()
        classes = [v for _, v in items]
        return classes, {str(k): i for i, (k, _) in enumerate(items)}
    nc = data.get("nc")
    if isinstance(nc, int) and not isinstance(nc, bool) and 0 < nc < 100000:
        return [str(i) for i in range(nc)], {str(i): i for i in range(nc)}
    return None


def _names_file(listing: Listing) -> str | None:
    top = [f for f in listing.files if "/" not in f]
    for f in sorted(top):
        if f.lower() == "obj.names":
            return f
    for f in sorted(top):
        if f.lower().endswith(".names"):
            return f
    for f in sorted(top):
        if f.lower() == "classes.txt":
            return f
    for f in listing.files:
        parts = f.split("/")
        if len(parts) == 2 and parts[0].lower() in _LABEL_DIR_LOWER and parts[1].lower() == "classes.txt":
            return f
    return None


def _read_names(root: Path, rel: str) -> list[str]:
    lines = text_lines(root / rel) or []
    while lines and not lines[-1]:
        lines.pop()
    return [clean_text(ln) for ln in lines]


def _resolve_listed(listing: Listing, ref: str, bases: list[str]) -> tuple[str | None, bool]:
    """A path from a list file, tried against `bases` and with leading folders stripped
    (lists often carry a prefix such as "data/" from the exporting machine).

    Returns (relative path or None, outside) where outside says it pointed out of the root.
    """
    ref = ref.strip().replace("\\", "/")
    if not ref:
        return None, False
    outside = False
    if ref.startswith("/") or re.match(r"^[A-Za-z]:/", ref):
        outside = True
        ref_rel = ref.lstrip("/")
        if re.match(r"^[A-Za-z]:/", ref_rel):
            ref_rel = ref_rel[3:]
    else:
        ref_rel = ref
    for b in bases:
        j = join_rel(b, ref_rel) if not outside else None
        if j is None:
            if not outside:
                outside = True
            continue
        if j in listing.file_set or j in listing.dirs:
            return j, False
    parts = [p for p in ref_rel.split("/") if p not in ("", ".")]
    for i in range(1, len(parts)):
        tail = parts[i:]
        if ".." in tail:
            continue
        cand = "/".join(tail)
        for b in bases:
            j = join_rel(b, cand)
            if j is not None and (j in listing.file_set or j in listing.dirs):
                return j, False
    return None, outside


def _images_under(images: list[str], d: str) -> list[str]:
    if d == "":
        return list(images)
    pre = d + "/"
    return [f for f in images if f.startswith(pre)]


def _label_candidates(img: str) -> list[str]:
    stem = posixpath.splitext(img)[0]
    parts = stem.split("/")
    out = []
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() in IMAGE_DIR_NAMES:
            for ln in LABEL_DIR_NAMES:
                out.append("/".join(parts[:i] + [ln] + parts[i + 1 :]) + ".txt")
            break
    out.append(stem + ".txt")
    return out


def _split_from_path(img: str, listing: Listing) -> str:
    parts = img.split("/")[:-1]
    for p in parts:
        m = _DARKNET_DIR.match(p)
        if m:
            return normalize_split(m.group(1))
    s = split_from_parts(parts)
    if s:
        return s
    # images/<x>/... with a matching labels/<x>/ keeps its own split name
    for i, p in enumerate(parts[:-1]):
        if p.lower() in IMAGE_DIR_NAMES:
            sub = parts[i + 1]
            for ln in LABEL_DIR_NAMES:
                if "/".join(parts[:i] + [ln, sub]) in listing.dirs:
                    return sub
    return "train"


def build_layout(root: Path, listing: Listing) -> Layout:
    """The YOLO layout of a folder (computed once per listing)."""
    return listing.memo("yolo.layout", lambda: _build_layout(Path(root), listing))  # type: ignore[return-value]


def _build_layout(root: Path, listing: Listing) -> Layout:
    lay = Layout()
    found = find_yaml(root, listing, lay.issues)
    images = listing.images()
    lay.images = images
    image_set = set(images)

    def add_list_entry(ref: str, split: str, bases: list[str], source: str) -> None:
        rel, outside = _resolve_listed(listing, ref, bases)
        if rel is None:
            if outside:
                if is_image_name(ref):
                    lay.outside_refs.append((ref, source))
                return
            if is_image_name(ref):
                j = join_rel(bases[0], ref.replace("\\", "/"))
                if j is not None and j not in image_set:
                    lay.listed_missing.setdefault(j, split)
            return
        if rel in listing.dirs:
            for f in _images_under(images, rel):
                lay.listed.setdefault(f, split)
        elif rel.lower().endswith(".txt") and not is_image_name(rel):
            lst_dir = posixpath.dirname(rel)
            for line in text_lines(root / rel) or []:
                if line and not line.startswith("#"):
                    add_list_entry(line, split, [lst_dir] + [b for b in bases if b != lst_dir], rel)
        elif rel in image_set:
            lay.listed.setdefault(rel, split)

    if found:
        rel, data = found
        lay.yaml_file, lay.yaml_data = rel, data
        nm = names_from_yaml(data)
        if nm:
            lay.classes, lay.class_map = nm
            lay.names_source = rel
        ydir = posixpath.dirname(rel)
        bases = [ydir]
        pth = data.get("path")
        if isinstance(pth, str) and pth.strip():
            pb = join_rel(ydir, pth.strip())
            if pb is not None and (pb in listing.dirs or pb == "."):
                bases.insert(0, "" if pb == "." else pb)
        if "" not in bases:
            bases.append("")
        bases = list(dict.fromkeys("" if b == "." else b for b in bases))
        for key in YAML_SPLIT_KEYS:
            val = data.get(key)
            if val is None:
                continue
            entries = val if isinstance(val, list) else [val]
            before = len(lay.listed) + len(lay.listed_missing)
            for e in entries:
                if isinstance(e, str):
                    add_list_entry(e, normalize_split(key), bases, rel)
            if len(lay.listed) + len(lay.listed_missing) == before:
                lay.unresolved_splits.append(key)
    else:
        # Darknet: obj.data names the class file and the split lists
        data_files = [f for f in listing.files if "/" not in f and f.lower().endswith(".data")]
        for df in sorted(data_files):
            kv = {}
            for line in text_lines(root / df) or []:
                if "=" in line:
                    k, v = line.split("=", 1)
                    kv[k.strip().lower()] = v.strip()
            if not kv:
                continue
            lay.darknet_data = df
            nref = kv.get("names")
            if nref:
                nrel, _ = _resolve_listed(listing, nref, [""])
                if nrel and nrel in listing.file_set:
                    lay.classes = _read_names(root, nrel)
                    lay.names_source = nrel
            for key in ("train", "valid", "val", "test"):
                if kv.get(key):
                    add_list_entry(kv[key], normalize_split(key), [""], df)
            break
    if lay.classes is None:
        nf = _names_file(listing)
        if nf:
            lay.classes = _read_names(root, nf)
            lay.names_source = nf
    if lay.classes is not None and not lay.class_map:
        lay.class_map = {str(i): i for i in range(len(lay.classes))}

    fs = listing.file_set
    # label files are .txt files: a folder without any (a COCO set of 100,000 images)
    # needs no candidates looked up
    has_txt = any(f.endswith(".txt") for f in listing.files)
    for img in images if has_txt else ():
        for cand in _label_candidates(img):
            if cand in fs:
                lay.label_of[img] = cand
                break
    for img in lay.listed_missing if has_txt else ():
        for cand in _label_candidates(img):
            if cand in fs:
                lay.label_of[img] = cand
                break
    return lay


# --------------------------------------------------------------------------- rows


def _parse_row(line: str) -> tuple[int, list[float]] | str:
    toks = line.split()
    try:
        c = float(toks[0])
    except ValueError:
        return f"class id {toks[0]!r} is not a number"
    if not c.is_integer() or not math.isfinite(c):
        return f"class id {toks[0]!r} is not an integer"
    try:
        vals = [float(t) for t in toks[1:]]
    except ValueError:
        return "values are not numbers"
    if not all(math.isfinite(v) for v in vals):
        return "values are not finite numbers"
    return int(c), vals


def _sample_rows(root: Path, lay: Layout, limit: int = SAMPLE_LABEL_FILES) -> list[list[float]]:
    if lay.sample_rows is None:
        lay.sample_rows = _read_sample_rows(root, lay, limit)
    return lay.sample_rows


def _read_sample_rows(root: Path, lay: Layout, limit: int) -> list[list[float]]:
    rows = []
    for n, lab in enumerate(sorted(set(lay.label_of.values()))):
        if n >= limit:
            break
        text = read_text(root / lab, 1 << 16) or ""
        for line in text.splitlines()[:200]:
            line = line.strip()
            if not line:
                continue
            r = _parse_row(line)
            if isinstance(r, tuple):
                rows.append(r[1])
    return rows


def _is_obb_rows(rows: list[list[float]]) -> bool:
    if not rows or any(len(v) != 8 for v in rows):
        return False
    rotated = outside = False
    for v in rows:
        x0, y0, x1, y1, x2, y2, x3, y3 = v
        if abs((x0 + x2) - (x1 + x3)) > 2e-3 or abs((y0 + y2) - (y1 + y3)) > 2e-3:
            return False
        if not (abs(x0 - x1) < 1e-6 or abs(y0 - y1) < 1e-6):
            rotated = True
        if any(c < 0 or c > 1 for c in v):
            outside = True
    return rotated or outside


def variant(root: Path, listing: Listing | None = None, lay: Layout | None = None) -> tuple[str, str] | None:
    """("pose" | "obb", reason) when a YOLO-looking folder is really pose or oriented boxes."""
    listing = get_listing(root, listing)
    lay = lay or build_layout(root, listing)
    data = lay.yaml_data or {}
    if "kpt_shape" in data or "flip_idx" in data:
        return (
            "pose",
            f"{lay.yaml_file} declares kpt_shape {data.get('kpt_shape')!r} (YOLO pose keypoints)",
        )
    task = str(data.get("task", "")).lower()
    if task in ("pose", "obb"):
        return task, f"{lay.yaml_file} says task: {task}"
    rows = _sample_rows(root, lay)
    if _is_obb_rows(rows):
        return (
            "obb",
            "every label line has 8 coordinates forming a rotated rectangle (YOLO OBB)",
        )
    long_rows = [v for v in rows if len(v) > 4]
    lengths = {len(v) for v in long_rows}
    if (
        long_rows
        and len(long_rows) * 2 >= len(rows)
        and len(lengths) == 1
        and all(n % 2 == 1 and (n - 4) % 3 == 0 for n in lengths)
        and all(vis in (0.0, 1.0, 2.0) for v in long_rows for vis in v[6::3])
    ):
        k = (len(long_rows[0]) - 4) // 3
        return (
            "pose",
            f"label lines have a box plus {k} keypoint{'s' if k != 1 else ''} (x y visibility)",
        )
    return None


# --------------------------------------------------------------------------- detect / read


def detect(root: Path, listing: Listing | None = None) -> Candidate | None:
    root = Path(root)
    listing = get_listing(root, listing)
    lay = build_layout(root, listing)
    if variant(root, listing, lay) is not None:
        return None
    rows = _sample_rows(root, lay)
    good = [v for v in rows if len(v) == 4 or (len(v) >= 6 and len(v) % 2 == 0)]
    n_labels = len(set(lay.label_of.values()))
    if lay.yaml_file and lay.classes is not None:
        score, reason = 0.9, f"{lay.yaml_file} with class names"
        if good:
            score, reason = 0.95, reason + " and YOLO label files"
    elif lay.darknet_data and good:
        score, reason = 0.9, f"Darknet {lay.darknet_data} with YOLO label files"
    elif lay.names_source and good:
        score, reason = 0.85, f"class file {lay.names_source} with YOLO label files"
    elif good:
        score, reason = 0.6, "YOLO label files beside the images (no class-name file)"
    elif lay.names_source and n_labels:
        score, reason = 0.4, f"class file {lay.names_source} with empty label files"
    else:
        return None
    if rows and len(good) < len(rows) / 2:
        score *= 0.5
        reason += " (many lines are not YOLO rows)"
    task = "segmentation" if any(len(v) >= 6 for v in good) else "detection"
    splits = sorted({_split_for(img, lay, listing) for img in lay.images}) or ["train"]
    return Candidate(
        "yolo",
        task,
        round(score, 3),
        reason,
        details={
            "classes": len(lay.classes) if lay.classes is not None else None,
            "images": len(lay.images),
            "splits": splits,
            "label_files": n_labels,
        },
    )


def _split_for(img: str, lay: Layout, listing: Listing) -> str:
    s = lay.listed.get(img) or lay.listed_missing.get(img)
    return s if s else _split_from_path(img, listing)


def read(root: Path, listing: Listing | None = None) -> ParsedDataset:
    root = Path(root)
    listing = get_listing(root, listing)
    lay = build_layout(root, listing)
    var = variant(root, listing, lay)
    if var is not None:
        raise Unsupported(
            f"This is a YOLO {var[0]} dataset ({var[1]}); only YOLO detection and segmentation are supported"
        )
    issues = list(lay.issues)
    for ref, src in lay.outside_refs:
        issues.append(outside_issue(ref, src))
    classes = lay.classes
    class_map = dict(lay.class_map)
    synthesized = classes is None
    images: list[ImageRecord] = []
    any_poly = False
    max_id = -1
    pending_unknown: list[tuple[ImageRecord, int, AnnotationRecord]] = []
    all_imgs = list(lay.images) + [f for f in lay.listed_missing if f not in listing.file_set]
    for img in all_imgs:
        rec = ImageRecord(file=img, split=_split_for(img, lay, listing))
        images.append(rec)
        lab = lay.label_of.get(img)
        if not lab:
            continue
        text = read_text(root / lab)
        if text is None:
            issues.append(ParsedIssue("malformed_annotation", lab, "label file cannot be read"))
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            r = _parse_row(line)
            if isinstance(r, str):
                issues.append(ParsedIssue("malformed_annotation", lab, f"line {lineno}: {r}"))
                continue
            cid, v = r
            n = len(v)
            if n == 4:
                ann = AnnotationRecord(class_id=None, norm_bbox=(v[0], v[1], v[2], v[3]))
            elif n >= 6 and n % 2 == 0:
                xs, ys = v[0::2], v[1::2]
                x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
                ann = AnnotationRecord(
                    class_id=None,
                    norm_bbox=((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0),
                    norm_segmentation=[v],
                )
                any_poly = True
            else:
                issues.append(
                    ParsedIssue(
                        "malformed_annotation",
                        lab,
                        f"line {lineno}: {n + 1} values; expected 5 (class cx cy w h) or a class and 3+ x y pairs",
                    )
                )
                continue
            idx = len(rec.annotations)
            rec.annotations.append(ann)
            if synthesized:
                ann.source_class = str(cid)
                if cid >= 0:
                    ann.class_id = cid
                    max_id = max(max_id, cid)
                else:
                    pending_unknown.append((rec, idx, ann))
            else:
                mapped = class_map.get(str(cid))
                if mapped is None:
                    ann.source_class = str(cid)
                    issues.append(
                        ParsedIssue(
                            "unknown_class",
                            img,
                            f"{lab} line {lineno}: class id {cid} is not among the {len(classes)} declared classes",
                            idx,
                        )
                    )
                else:
                    ann.class_id = mapped
    if synthesized:
        classes = [str(i) for i in range(max_id + 1)]
        class_map = {str(i): i for i in range(max_id + 1)}
        for rec, idx, ann in pending_unknown:
            issues.append(
                ParsedIssue(
                    "unknown_class",
                    rec.file,
                    f"negative class id {ann.source_class}",
                    idx,
                )
            )
    used_labels = set(lay.label_of.values())
    for f in listing.files:
        if f in used_labels or not f.lower().endswith(".txt"):
            continue
        parts = f.split("/")
        if (
            len(parts) > 1
            and any(p.lower() in _LABEL_DIR_LOWER for p in parts[:-1])
            and parts[-1].lower() != "classes.txt"
        ):
            issues.append(ParsedIssue("missing_file", f, "label file has no matching image"))
    meta: dict[str, Any] = {
        "class_map": class_map,
        "label_files": len(used_labels),
        "names_source": lay.names_source,
        "classes_synthesized": synthesized,
    }
    if lay.yaml_file:
        meta["yaml"] = lay.yaml_file
    if lay.darknet_data:
        meta["darknet_data"] = lay.darknet_data
    if lay.unresolved_splits:
        meta["unresolved_yaml_splits"] = lay.unresolved_splits
    return ParsedDataset(
        format="yolo",
        task="segmentation" if any_poly else "detection",
        classes=list(classes or []),
        images=images,
        meta=meta,
        issues=issues,
    )


__all__ = ["build_layout", "detect", "names_from_yaml", "read", "split_name", "variant"]
