"""COCO instances JSON (object detection boxes, with polygons or RLE kept as they are).

Only instances-style files are read. COCO folders often also hold captions, person
keypoints, panoptic, stuff, image_info or label files with the same top-level keys; those
are told apart by name and content and never read as instances.

A JSON does not name its image folder, so each file's images are looked for beside it, in
``images/``, ``images/<split>/``, a folder named after the split (COCO 2017:
``annotations/instances_val2017.json`` -> ``val2017/``) and the dataset root.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from ...errors import Unsupported
from . import cocofile
from .cocofile import MISSING
from .cocofile import Annotation as CocoAnnotation
from .cocofile import Image as CocoImage
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
    join_rel,
    no_gc,
    normalize_split,
    outside_issue,
    read_text,
    split_from_parts,
    split_name,
)

HEAD_BYTES = 64 * 1024

# AnnotationRecord is built positionally in the hot loop; fall back to keywords if its
# field order ever changes.
_AR_ORDER = (
    "class_id",
    "source_class",
    "bbox",
    "norm_bbox",
    "area",
    "iscrowd",
    "difficult",
    "segmentation",
)
_POSITIONAL_OK = tuple(f.name for f in fields(AnnotationRecord))[: len(_AR_ORDER)] == _AR_ORDER


def _ar_kw(*args: Any) -> AnnotationRecord:
    return AnnotationRecord(**dict(zip(_AR_ORDER, args)))


MAX_ISSUES_PER_FILE = 1000

# file-name prefixes of COCO files that are not instances
_NAME_KINDS = (
    ("person_keypoints", "keypoints"),
    ("keypoints", "keypoints"),
    ("captions", "captions"),
    ("panoptic", "panoptic"),
    ("stuff", "stuff"),
    ("image_info", "image_info"),
    ("labels", "labels"),
)
NON_INSTANCE_KINDS = (
    "keypoints",
    "captions",
    "panoptic",
    "stuff",
    "image_info",
    "labels",
)
_MASK_DIR_PREFIXES = ("panoptic", "stuffthingmaps", "stuff_")


def _stem(rel: str) -> str:
    name = posixpath.basename(rel)
    stem = name[:-5] if name.lower().endswith(".json") else name
    if stem.lower().endswith(".coco"):
        stem = stem[:-5]
    return stem


def kind_from_name(rel: str) -> str | None:
    stem = _stem(rel).lower()
    for prefix, kind in _NAME_KINDS:
        if stem.startswith(prefix):
            return kind
    if stem.startswith("instances"):
        return "instances"
    return None


def kind_from_head(head: str) -> str | None:
    """The kind a JSON's first bytes suggest, or None when it does not look like COCO."""
    s = head.lstrip()
    if not s.startswith("{"):
        return None
    if '"images"' not in s and not ('"annotations"' in s and '"categories"' in s):
        return None
    if '"keypoints"' in s:
        return "keypoints"
    if '"segments_info"' in s:
        return "panoptic"
    if '"caption"' in s:
        return "captions"
    return "instances"


def scan_json_files(root: Path, listing: Listing) -> list[tuple[str, str]]:
    """Every COCO-looking JSON with its kind ("instances", "keypoints", ...), cheaply."""
    return list(listing.memo("coco.json_kinds", lambda: _scan_json_files(Path(root), listing)))  # type: ignore[arg-type]


def _scan_json_files(root: Path, listing: Listing) -> list[tuple[str, str]]:
    out = []
    for rel in listing.files:
        if not rel.lower().endswith(".json"):
            continue
        head = read_text(Path(root) / rel, HEAD_BYTES)
        if head is None:
            continue
        hk = kind_from_head(head)
        if hk is None:
            continue
        nk = kind_from_name(rel)
        if nk in NON_INSTANCE_KINDS:
            kind = nk
        elif hk != "instances":
            kind = hk
        else:
            kind = "instances"
        out.append((rel, kind))
    return out


def split_of(rel: str) -> tuple[str, str | None]:
    """(split, raw split name) of an annotation file, from its name or its folder."""
    stem = _stem(rel)
    m = re.match(r"^(?:instances|annotations?|_annotations)[_-]?(.*)$", stem, re.IGNORECASE)
    rest = m.group(1) if m else None
    if rest:
        return normalize_split(rest), rest
    if split_name(stem):
        return normalize_split(stem), stem
    parent = posixpath.basename(posixpath.dirname(rel))
    if parent and split_name(parent):
        return normalize_split(parent), parent
    return "train", None


def _bases(rel: str, raw: str | None, split: str) -> list[str]:
    jdir = posixpath.dirname(rel)
    parent = posixpath.dirname(jdir) if jdir else ""
    names = [n for n in dict.fromkeys([raw, split]) if n]
    out: list[str] = [jdir]
    for d in dict.fromkeys([jdir, parent, ""]):
        pre = f"{d}/" if d else ""
        for n in names:
            out.append(f"{pre}images/{n}")
        out.append(f"{pre}images")
        for n in names:
            out.append(f"{pre}{n}")
        out.append(d)
    return list(dict.fromkeys(out))


def detect(root: Path, listing: Listing | None = None) -> Candidate | None:
    root = Path(root)
    listing = get_listing(root, listing)
    files = scan_json_files(root, listing)
    inst = [r for r, k in files if k == "instances"]
    if not inst:
        return None
    named = [r for r in inst if kind_from_name(r) == "instances" or _stem(r).lower() in ("_annotations", "annotations")]
    score = 0.95 if named else 0.85
    splits = sorted({split_of(r)[0] for r in inst})
    reason = f"COCO instances JSON: {', '.join(inst[:4])}" + (" ..." if len(inst) > 4 else "")
    others = [r for r, k in files if k != "instances"]
    if others:
        reason += f" (ignoring {len(others)} non-instances COCO files)"
    return Candidate(
        "coco",
        "detection",
        score,
        reason,
        details={
            "annotation_files": inst,
            "images": len(_disk_images(listing, files)),
            "splits": splits,
        },
    )


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _dim(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        return None
    return int(v)


def _cat_key(cid: Any) -> tuple[int, Any]:
    return (0, cid) if isinstance(cid, (int, float)) and not isinstance(cid, bool) else (1, str(cid))


class _IssueSink:
    def __init__(self, issues: list[ParsedIssue]):
        self.issues = issues
        self.counts: dict[tuple[str, str], int] = {}

    def add(
        self,
        kind: str,
        file: str | None,
        detail: str,
        idx: int | None = None,
        *,
        source: str,
    ) -> None:
        key = (kind, source)
        n = self.counts.get(key, 0) + 1
        self.counts[key] = n
        if n <= MAX_ISSUES_PER_FILE:
            self.issues.append(ParsedIssue(kind, file, detail, idx))

    def close(self) -> None:
        for (kind, source), n in self.counts.items():
            if n > MAX_ISSUES_PER_FILE:
                self.issues.append(
                    ParsedIssue(
                        kind,
                        source,
                        f"{n - MAX_ISSUES_PER_FILE} more {kind} issues in {source} not listed",
                    )
                )


def read(root: Path, listing: Listing | None = None) -> ParsedDataset:
    """Parse every instances JSON under `root` into one dataset."""
    root = Path(root)
    listing = get_listing(root, listing)
    with no_gc():
        return _read(root, listing)


def _read(root: Path, listing: Listing) -> ParsedDataset:
    files = scan_json_files(root, listing)
    inst = [r for r, k in files if k == "instances"]
    if not inst:
        kinds = sorted({k for _, k in files})
        if kinds:
            raise Unsupported(
                f"COCO files found are {', '.join(kinds)} files, not instances (boxes); only COCO instances is supported"
            )
        raise Unsupported("No COCO instances JSON found")
    issues: list[ParsedIssue] = []
    sink = _IssueSink(issues)
    skipped = {r: k for r, k in files if k != "instances"}
    fs = listing.file_set

    records: dict[str, ImageRecord] = {}
    order: list[ImageRecord] = []
    categories: dict[Any, str] = {}
    base_split: dict[str, str] = {}
    read_files: list[str] = []
    parsed: list[tuple[str, cocofile.File, str, str | None]] = []

    for rel in inst:
        try:
            with open(root / rel, "rb") as fh:
                data = cocofile.decode(fh.read())
        except (OSError, ValueError, RecursionError) as exc:
            issues.append(ParsedIssue("malformed_annotation", rel, f"JSON does not parse: {exc}"))
            continue
        kind = cocofile.kind(data)
        if kind != "instances":
            if kind is not None:
                skipped[rel] = kind
            else:
                issues.append(
                    ParsedIssue(
                        "malformed_annotation",
                        rel,
                        "not a COCO file (no images/annotations lists)",
                    )
                )
            continue
        split, raw = split_of(rel)
        parsed.append((rel, data, split, raw))
        cats = data.categories
        for c in cats if isinstance(cats, list) else []:
            if not isinstance(c, dict) or "id" not in c:
                sink.add("malformed_annotation", rel, "category without an id", source=rel)
                continue
            cid = c.get("id")
            try:
                hash(cid)
            except TypeError:
                sink.add(
                    "malformed_annotation",
                    rel,
                    f"category id {cid!r} is not a number",
                    source=rel,
                )
                continue
            name = clean_text(c.get("name", cid))
            if cid in categories and categories[cid] != name:
                sink.add(
                    "malformed_annotation",
                    rel,
                    f"category id {cid} is {name!r} here but {categories[cid]!r} in another file; kept the first",
                    source=rel,
                )
                continue
            categories.setdefault(cid, name)

    if not parsed and not issues:
        raise Unsupported("No COCO instances JSON found")

    cat_ids = sorted(categories, key=_cat_key)
    classes = [categories[c] for c in cat_ids]
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    class_map = {str(c): i for i, c in enumerate(cat_ids)}

    for rel, data, split, raw in parsed:
        read_files.append(rel)
        bases = _bases(rel, raw, split)
        imgs = data.images
        if not isinstance(imgs, list):
            sink.add("malformed_annotation", rel, '"images" is not a list', source=rel)
            imgs = []
        # choose the image folder that holds most of the first images
        hits = [0] * len(bases)
        for im in imgs[:50]:
            fn = im.file_name if type(im) is CocoImage else None
            if not isinstance(fn, str):
                continue
            for bi, b in enumerate(bases):
                j = join_rel(b, fn)
                if j is not None and j in fs:
                    hits[bi] += 1
        best_i = max(range(len(bases)), key=lambda i: (hits[i], -i))
        best = bases[best_i]
        if hits[best_i] == 0:
            best = _default_base(rel, bases, listing)
        # only folders that exist can hold an image
        others = [b for b in bases if b != best and (b == "" or b in listing.dirs)]
        best_pre = f"{best}/" if best else ""
        base_split.setdefault(best, split)

        by_id: dict[Any, ImageRecord | None] = {}
        for im in imgs:
            if type(im) is not CocoImage:
                sink.add(
                    "malformed_annotation",
                    rel,
                    "image entry is not an object",
                    source=rel,
                )
                continue
            fn, iid = im.file_name, im.id
            try:
                hash(iid)
            except TypeError:
                iid = None
            if not isinstance(fn, str) or not fn.strip() or iid is None:
                sink.add(
                    "malformed_annotation",
                    rel,
                    f"image entry without file_name or id: {cocofile.text(im)[:80]}",
                    source=rel,
                )
                continue
            if iid in by_id:
                sink.add(
                    "malformed_annotation",
                    rel,
                    f"image id {iid} appears twice; kept the first",
                    source=rel,
                )
                continue
            if "\\" in fn or "/." in fn or fn.startswith((".", "/")) or "//" in fn:
                path = _locate(fn, best, others, fs)
            else:
                path = best_pre + fn
                if path not in fs:
                    for b in others:
                        k = f"{b}/{fn}" if b else fn
                        if k in fs:
                            path = k
                            break
            if path is None:
                sink.add("missing_file", rel, outside_issue(fn, rel).detail, source=rel)
                by_id[iid] = None
                continue
            rec = records.get(path)
            if rec is None:
                rec = ImageRecord(
                    file=path,
                    split=split,
                    width=_dim(im.width),
                    height=_dim(im.height),
                )
                records[path] = rec
                order.append(rec)
            by_id[iid] = rec

        anns = data.annotations
        if not isinstance(anns, list):
            if anns is not None:
                sink.add(
                    "malformed_annotation",
                    rel,
                    '"annotations" is not a list',
                    source=rel,
                )
            anns = []
        AR = AnnotationRecord if _POSITIONAL_OK else _ar_kw
        get_img = by_id.get
        get_cat = cat_index.get
        for n, a in enumerate(anns):
            try:
                if type(a) is not CocoAnnotation or a.image_id is MISSING:
                    raise KeyError("image_id")
                rec = get_img(a.image_id, False)
                if rec is False:
                    sink.add(
                        "malformed_annotation",
                        rel,
                        f"annotation {_ann_id(a, n)} refers to image id {a.image_id!r} that is not listed",
                        source=rel,
                    )
                    continue
                if rec is None:
                    continue
                cid = a.category_id
                ci = get_cat(cid)
                bbox = a.bbox
                bb = None
                if type(bbox) is tuple:  # decoded as four floats
                    bb = bbox
                elif bbox is not None and bbox is not MISSING:
                    if type(bbox) is list and len(bbox) == 4:
                        x, y, w, h = bbox
                        if type(x) is float and type(y) is float and type(w) is float and type(h) is float:
                            bb = (x, y, w, h)
                        else:
                            bb = _box(x, y, w, h)
                    if bb is None:
                        sink.add(
                            "malformed_annotation",
                            rel,
                            f"annotation {_ann_id(a, n)}: bbox {str(bbox)[:60]} is not [x, y, w, h]",
                            source=rel,
                        )
                seg = a.segmentation
                area = a.area
                ta = type(area)
                # positional: class_id, source_class, bbox, norm_bbox, area, iscrowd, difficult, segmentation
                ann = AR(
                    ci,
                    None if ci is not None else str(cid),
                    bb,
                    None,
                    area if ta is float else (float(area) if ta is int else None),
                    bool(a.iscrowd),
                    False,
                    None if seg is MISSING else (seg or None),
                )
                anns_list = rec.annotations
                if ci is None:
                    sink.add(
                        "unknown_class",
                        rec.file,
                        f"{rel}: annotation {_ann_id(a, n)} has category id {cid!r}, which is not in the categories",
                        len(anns_list),
                        source=rel,
                    )
                anns_list.append(ann)
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
                sink.add(
                    "malformed_annotation",
                    rel,
                    f"annotation #{n} is malformed: {cocofile.text(a)[:80]}",
                    source=rel,
                )
    sink.close()

    # image files on disk that no JSON lists (mask folders left out)
    for f in _disk_images(listing, files):
        if f in records:
            continue
        parts = f.split("/")[:-1]
        d = posixpath.dirname(f)
        split = base_split.get(d) or split_from_parts(parts) or "train"
        rec = ImageRecord(file=f, split=split)
        records[f] = rec
        order.append(rec)

    meta: dict[str, Any] = {"class_map": class_map, "annotation_files": read_files}
    if skipped:
        meta["skipped_files"] = skipped
    return ParsedDataset(
        format="coco",
        task="detection",
        classes=classes,
        images=order,
        meta=meta,
        issues=issues,
    )


def _default_base(rel: str, bases: list[str], listing: Listing) -> str:
    """Where to name images when none of a JSON's images exist: the first candidate folder
    holding images, else beside the JSON (its parent when the JSON sits in annotations/)."""
    with_images = {posixpath.dirname(f) for f in listing.images()}
    for b in bases:
        if b in with_images:
            return b
    jdir = posixpath.dirname(rel)
    if posixpath.basename(jdir).lower() == "annotations":
        return posixpath.dirname(jdir)
    return jdir


def _ann_id(a: CocoAnnotation, n: int) -> Any:
    return n if a.id is MISSING else a.id


def _box(*values: Any) -> tuple[float, float, float, float] | None:
    """A box of ints (or ints and floats) as floats, which every integer a JSON number
    can be fits (the database's integers stop at 2**63); None when one is not a number."""
    if any(type(v) not in (int, float) for v in values):
        return None
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def _disk_images(listing: Listing, files: list[tuple[str, str]]) -> list[str]:
    """Image files of the dataset: mask folders (VOC-style, panoptic/stuff PNG folders named
    after their JSON) left out. Detection and reading both ask: listed once."""
    return list(listing.memo(f"coco.disk_images {files!r}", lambda: _list_disk_images(listing, files)))  # type: ignore[arg-type]


def _list_disk_images(listing: Listing, files: list[tuple[str, str]]) -> list[str]:
    masks: dict[str, bool] = {}
    out = []
    for f in listing.images({_stem(r) for r, _ in files}):
        d = f.rpartition("/")[0]
        mask = masks.get(d)
        if mask is None:
            mask = masks[d] = any(p.lower().startswith(_MASK_DIR_PREFIXES) for p in d.split("/")) if d else False
        if not mask:
            out.append(f)
    return out


def _locate(fn: str, best: str, others: list[str], fs: set[str]) -> str | None:
    """Where an image's file_name lives: a path inside the root (maybe absent), or None
    when it names a place outside the dataset."""
    ref = fn.replace("\\", "/").strip()
    j = join_rel(best, ref)
    if j is not None and j in fs:
        return j
    for b in others:
        k = join_rel(b, ref)
        if k is not None and k in fs:
            return k
    if j is None:
        # absolute or escaping: only an absolute path's base name may be looked up inside
        if ref.startswith("/") or re.match(r"^[A-Za-z]:/", ref):
            name = posixpath.basename(ref)
            if name and name not in ("..", "."):
                for b in [best] + others:
                    k = join_rel(b, name)
                    if k is not None and k in fs:
                        return k
        return None
    return j


__all__ = [
    "detect",
    "kind_from_name",
    "read",
    "scan_json_files",
    "split_of",
]
