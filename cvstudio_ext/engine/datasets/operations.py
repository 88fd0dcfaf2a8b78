"""Dataset operations that make a new version: split, filter, fix, merge.

Each takes what a version's index holds (a ParsedDataset whose boxes are in pixels, and
the probe of each image as indexing found it) and gives the next version's, plus a
report; the caller indexes the result again (index.build_index), so the new version's
defects and stats are its own. Nothing here reads or writes an image file: versions
point at the same files.

Parameters are checked before any work (`OperationError`, said to the user as a 422),
so that an operation refused leaves nothing behind.
"""

from __future__ import annotations

import math
import os
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from .records import AnnotationRecord, ImageRecord, ParsedDataset

SPLIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# what a version's index can say of an image (index.py)
DEFECTS = (
    "missing_file",
    "corrupt_image",
    "duplicate_image",
    "unlabeled_image",
    "unknown_class",
    "zero_area",
    "bbox_out_of_bounds",
)
FIX_STEPS = ("drop_images", "clip_boxes", "drop_zero_area", "dedupe", "remap_classes", "drop_unknown")


class OperationError(ValueError):
    """Parameters that cannot be carried out; the message says what to change."""


@dataclass
class Version:
    """A version's content: its records and, for each image in order, its probe."""

    parsed: ParsedDataset
    probes: list[Any]
    defects: list[set[str]] = field(default_factory=list)  # per image, the kinds its index found

    def keep(self, chosen: list[int]) -> Version:
        parsed = replace(self.parsed, images=[self.parsed.images[i] for i in chosen], issues=[])
        defects = [self.defects[i] for i in chosen] if self.defects else []
        return Version(parsed, [self.probes[i] for i in chosen], defects)


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "notes": self.lines}


# ---- split ---------------------------------------------------------------------------
def split(
    version: Version, *, fractions: dict[str, float], seed: int = 0, keep: list[str] | None = None,
    stratify: bool = True,
) -> tuple[Version, Report]:  # fmt: skip
    """A version split again (see `assign_splits`)."""
    images = version.parsed.images
    strata = [_stratum(rec, version.parsed.task) for rec in images]
    splits, report = assign_splits([rec.split for rec in images], strata, fractions=fractions, seed=seed,
                                   keep=keep, stratify=stratify)  # fmt: skip
    out = [replace(rec, split=split) for rec, split in zip(images, splits, strict=True)]
    return Version(replace(version.parsed, images=out, issues=[]), version.probes, version.defects), report


def assign_splits(
    splits: list[str], strata: list[Any], *, fractions: dict[str, float], seed: int = 0,
    keep: list[str] | None = None, stratify: bool = True,
) -> tuple[list[str], Report]:  # fmt: skip
    """Each image's new split, by fractions, seeded; stratified by `strata` (an image's
    label, or for detection the set of its boxes' classes), the remainders carried from
    stratum to stratum so that the totals match too; images of the splits in `keep`
    stay where they are and the rest are dealt out."""
    keep = list(keep or [])
    check_fractions(fractions)
    check_split_names(keep)
    names = list(fractions)
    movable = [i for i, split in enumerate(splits) if split not in keep]
    groups: dict[Any, list[int]] = defaultdict(list)
    for i in movable:
        groups[strata[i] if stratify else None].append(i)
    rng = random.Random(seed)
    carry = dict.fromkeys(names, 0.0)
    out = list(splits)
    for key in sorted(groups, key=repr):  # a stable order, whatever the dict's
        members = groups[key]
        rng.shuffle(members)
        quota = {n: fractions[n] * len(members) + carry[n] for n in names}
        take = {n: max(0, math.floor(quota[n])) for n in names}
        left = len(members) - sum(take.values())
        for n in sorted(names, key=lambda n: quota[n] - take[n], reverse=True)[: max(left, 0)]:
            take[n] += 1
        while sum(take.values()) > len(members):  # carried deficits asked for more than there is
            n = max(names, key=lambda n: take[n] - quota[n])
            take[n] -= 1
        start = 0
        for n in names:
            for i in members[start : start + take[n]]:
                out[i] = n
            start += take[n]
            carry[n] = quota[n] - take[n]
    report = Report()
    for split in out:
        report.count(f"split {split}")
    moved = sum(1 for old, new in zip(splits, out, strict=True) if old != new)
    report.lines.append(f"{moved} of {len(splits)} images changed split ({len(movable)} dealt out, seed {seed}).")
    return out, report


def check_fractions(fractions: dict[str, float]) -> None:
    if not fractions:
        raise OperationError('Give fractions, e.g. {"train": 0.8, "val": 0.1, "test": 0.1}.')
    for name, value in fractions.items():
        if not SPLIT_NAME.fullmatch(name):
            raise OperationError(f"{name!r} is not a split name: letters, digits, '_', '-' and '.', at most 64.")
        if not (isinstance(value, (int, float)) and 0 <= value <= 1):
            raise OperationError(f"The fraction of {name!r} must be between 0 and 1.")
    if abs(sum(fractions.values()) - 1) > 1e-6:
        raise OperationError(f"The fractions add up to {sum(fractions.values()):g}; make them add up to 1.")


def check_split_names(names: list[str]) -> None:
    for name in names:
        if not SPLIT_NAME.fullmatch(name):
            raise OperationError(f"keep names splits; {name!r} is not a split name.")


def _stratum(rec: ImageRecord, task: str) -> Any:
    if task == "classification":
        return rec.label
    return class_set(a.class_id for a in rec.annotations)


def class_set(class_ids) -> tuple[int | None, ...]:
    """An image's stratum for detection: its boxes' classes (unknown ones first)."""
    return tuple(sorted(set(class_ids), key=lambda c: -1 if c is None else c))


# ---- filter --------------------------------------------------------------------------
def select_images(
    version: Version, *, splits: list[str] | None = None, classes: list[str] | None = None,
    defects: list[str] | None = None,
) -> tuple[Version, Report]:  # fmt: skip
    """The images in one of `splits`, with one of `classes` (a label, or a box), and
    with one of `defects`: each criterion given narrows the selection."""
    if not (splits or classes or defects):
        raise OperationError("Give at least one of splits, classes and defects to filter by.")
    wanted = class_ids(version.parsed.classes, classes or [])
    check_defects(defects or [])
    images = version.parsed.images
    chosen = []
    for i, rec in enumerate(images):
        if splits and rec.split not in splits:
            continue
        if classes and not (rec.label in wanted or any(a.class_id in wanted for a in rec.annotations)):
            continue
        if defects and not (version.defects[i] & set(defects)):
            continue
        chosen.append(i)
    if not chosen:
        raise OperationError("No image matches; the new version would be empty.")
    report = Report()
    report.count("images kept", len(chosen))
    report.count("images left out", len(images) - len(chosen))
    report.lines.append(f"{len(chosen)} of {len(images)} images match.")
    return version.keep(chosen), report


def class_ids(classes: list[str], names: list[str]) -> set[int]:
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise OperationError(f"The dataset has no class {unknown[0]!r}; its classes are {classes[:50]}.")
    return {classes.index(n) for n in names}


def check_defects(kinds: list[str]) -> None:
    for kind in kinds:
        if kind not in DEFECTS:
            raise OperationError(f"{kind!r} is not a defect kind; use one of {', '.join(DEFECTS)}.")


# ---- fix -----------------------------------------------------------------------------
def check_fix_steps(steps: list[dict[str, Any]], classes: list[str]) -> None:
    """Every step known and its parameters sound, before any is carried out."""
    if not steps:
        raise OperationError(f"Give at least one step; steps are {', '.join(FIX_STEPS)}.")
    for n, step in enumerate(steps, 1):
        kind = step.get("op")
        if kind not in FIX_STEPS:
            raise OperationError(f"Step {n}: {kind!r} is not a fix; use one of {', '.join(FIX_STEPS)}.")
        if kind == "drop_images":
            if not step.get("defects"):
                raise OperationError(f"Step {n}: drop_images needs the defect kinds to drop, e.g. ['corrupt_image'].")
            check_defects(step["defects"])
        if kind == "remap_classes":
            mapping = step.get("mapping")
            if not isinstance(mapping, dict) or not mapping:
                raise OperationError(
                    f'Step {n}: remap_classes needs a mapping, e.g. {{"kitten": "cat", "blur": null}}.'
                )
            for source, target in mapping.items():
                if target is not None and target not in classes:
                    raise OperationError(
                        f"Step {n}: {source!r} maps to {target!r}, which is not a class of the dataset; "
                        f"map to one of {classes[:50]}, or to null to drop those boxes."
                    )


def fix(version: Version, steps: list[dict[str, Any]]) -> tuple[Version, Report]:
    """The steps in order; each says in the report what it changed."""
    check_fix_steps(steps, version.parsed.classes)
    report = Report()
    for step in steps:
        version = _FIXES[step["op"]](version, step, report)
    if not version.parsed.images:
        raise OperationError("These fixes would leave no image; the new version would be empty.")
    return version, report


def _drop_images(version: Version, step: dict[str, Any], report: Report) -> Version:
    kinds = set(step["defects"])
    chosen = [i for i, found in enumerate(version.defects) if not found & kinds]
    report.count("images dropped", len(version.parsed.images) - len(chosen))
    report.lines.append(f"drop_images {sorted(kinds)}: {len(version.parsed.images) - len(chosen)} images dropped.")
    return version.keep(chosen)


def _clip_boxes(version: Version, step: dict[str, Any], report: Report) -> Version:
    clipped = 0
    images = []
    for rec, probe in zip(version.parsed.images, version.probes, strict=True):
        width, height = (probe.width, probe.height) if probe.ok else (rec.width, rec.height)
        if not (width and height) or not rec.annotations:
            images.append(rec)
            continue
        anns = []
        for a in rec.annotations:
            if a.bbox is not None:
                x, y, w, h = a.bbox
                x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
                x1, y1 = min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)
                box = (x0, y0, x1 - x0, y1 - y0)
                if box != tuple(a.bbox):
                    clipped += 1
                    a = replace(a, bbox=box, area=None)
            anns.append(a)
        images.append(replace(rec, annotations=anns))
    report.count("boxes clipped", clipped)
    report.lines.append(f"clip_boxes: {clipped} boxes clipped to their image.")
    return _with_images(version, images)


def _drop_zero_area(version: Version, step: dict[str, Any], report: Report) -> Version:
    return _drop_boxes(
        version, report, "drop_zero_area", lambda a: a.bbox is not None and (a.bbox[2] <= 0 or a.bbox[3] <= 0)
    )


def _drop_unknown(version: Version, step: dict[str, Any], report: Report) -> Version:
    return _drop_boxes(version, report, "drop_unknown", lambda a: a.class_id is None)


def _drop_boxes(version: Version, report: Report, name: str, drop) -> Version:
    dropped = 0
    images = []
    for rec in version.parsed.images:
        anns = [a for a in rec.annotations if not drop(a)]
        dropped += len(rec.annotations) - len(anns)
        images.append(replace(rec, annotations=anns) if len(anns) != len(rec.annotations) else rec)
    report.count("boxes dropped", dropped)
    report.lines.append(f"{name}: {dropped} boxes dropped.")
    return _with_images(version, images)


def _dedupe(version: Version, step: dict[str, Any], report: Report) -> Version:
    """Keeps the first image of each set with the same bytes (by the index's checksum)."""
    seen: set[str] = set()
    chosen = []
    for i, probe in enumerate(version.probes):
        checksum = probe.checksum if probe.ok else None
        if checksum is not None and checksum in seen:
            continue
        if checksum is not None:
            seen.add(checksum)
        chosen.append(i)
    report.count("duplicates dropped", len(version.probes) - len(chosen))
    report.lines.append(
        f"dedupe: {len(version.probes) - len(chosen)} duplicate images dropped, the first of each kept."
    )
    return version.keep(chosen)


def _remap_classes(version: Version, step: dict[str, Any], report: Report) -> Version:
    """A box or label whose class (or, for an unknown class, the name its source gave)
    is in the mapping takes the target class; null drops it."""
    classes = version.parsed.classes
    mapping: dict[str, str | None] = step["mapping"]
    remapped = dropped = 0
    images = []
    for rec in version.parsed.images:
        label = rec.label
        name = classes[label] if label is not None and 0 <= label < len(classes) else None
        if name in mapping:
            target = mapping[name]
            label = None if target is None else classes.index(target)
            remapped += 1
        anns = []
        for a in rec.annotations:
            source = classes[a.class_id] if a.class_id is not None else a.source_class
            if source in mapping:
                target = mapping[source]
                if target is None:
                    dropped += 1
                    continue
                a = replace(a, class_id=classes.index(target), source_class=None)
                remapped += 1
            anns.append(a)
        images.append(replace(rec, label=label, annotations=anns))
    report.count("classes remapped", remapped)
    report.count("boxes dropped", dropped)
    report.lines.append(f"remap_classes: {remapped} labels or boxes remapped, {dropped} boxes dropped.")
    return _with_images(version, images)


def _with_images(version: Version, images: list[ImageRecord]) -> Version:
    return Version(replace(version.parsed, images=images, issues=[]), version.probes, version.defects)


_FIXES = {
    "drop_images": _drop_images,
    "clip_boxes": _clip_boxes,
    "drop_zero_area": _drop_zero_area,
    "dedupe": _dedupe,
    "remap_classes": _remap_classes,
    "drop_unknown": _drop_unknown,
}


# ---- merge ---------------------------------------------------------------------------
def merge(
    versions: list[tuple[str, Version]], *, classes: list[str] | None = None,
    mapping: list[dict[str, str | None]] | None = None,
) -> tuple[str, Version, Report]:  # fmt: skip
    """Datasets of one task (each given with its root) as one: the classes are `classes`
    (default: every name, in order of first appearance), each dataset's names taken to
    them through its `mapping` (default: by name; null drops). The root is the folder
    the datasets' roots share, the files relative to it."""
    tasks = {v.parsed.task for _, v in versions}
    if len(tasks) != 1:
        raise OperationError(f"Datasets of one task merge; these are {', '.join(sorted(tasks))}.")
    mapping = mapping or [{} for _ in versions]
    if len(mapping) != len(versions):
        raise OperationError(f"Give one mapping per dataset ({len(versions)}), or none to merge by name.")
    if classes is None:
        classes = []
        for (_, v), m in zip(versions, mapping, strict=True):
            for name in v.parsed.classes:
                target = m.get(name, name)
                if target is not None and target not in classes:
                    classes.append(target)
    for n, ((_, v), m) in enumerate(zip(versions, mapping, strict=True), 1):
        for source, target in m.items():
            if source not in v.parsed.classes:
                raise OperationError(f"Dataset {n} has no class {source!r} to map.")
            if target is not None and target not in classes:
                raise OperationError(
                    f"Dataset {n} maps {source!r} to {target!r}, which is not in classes {classes[:50]}."
                )
        unmapped = [c for c in v.parsed.classes if m.get(c, c) is not None and m.get(c, c) not in classes]
        if unmapped:
            raise OperationError(
                f"Dataset {n}'s class {unmapped[0]!r} maps to no class; map it, or to null to drop it."
            )
    root = os.path.commonpath([r for r, _ in versions])
    images: list[ImageRecord] = []
    probes: list[Any] = []
    report = Report()
    for (dataset_root, v), m in zip(versions, mapping, strict=True):
        ids = [None if m.get(c, c) is None else classes.index(m.get(c, c)) for c in v.parsed.classes]
        prefix = os.path.relpath(dataset_root, root).replace(os.sep, "/")
        for rec, probe in zip(v.parsed.images, v.probes, strict=True):
            file = rec.file if prefix == "." else f"{prefix}/{rec.file}"
            label = None if rec.label is None else ids[rec.label]
            anns = [_moved(a, ids) for a in rec.annotations]
            kept = [a for a in anns if a is not None]
            report.count("boxes dropped", len(anns) - len(kept))
            if v.parsed.task == "classification" and rec.label is not None and label is None:
                report.count("images dropped")
                continue
            images.append(replace(rec, file=file, label=label, annotations=kept))
            probes.append(probe)
    fmt = versions[0][1].parsed.format
    parsed = ParsedDataset(fmt, tasks.pop(), classes, images)
    report.lines.append(f"{len(images)} images from {len(versions)} datasets, {len(classes)} classes.")
    return root, Version(parsed, probes), report


def _moved(a: AnnotationRecord, ids: list[int | None]) -> AnnotationRecord | None:
    if a.class_id is None:
        return a  # an unknown class stays unknown, with the name its source gave
    target = ids[a.class_id]
    return None if target is None else replace(a, class_id=target)
