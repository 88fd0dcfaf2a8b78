"""Class folders (torchvision ImageFolder, Ultralytics classification): ``<split>/<class>/<name>``.

Always split folders, so the layout reads back with its splits; an image without a label
goes to ``<split>/<name>`` (the reader keeps it, unlabeled). Sub-folders of a name are
kept under its class folder. Folder names give the classes, so what a folder name cannot
say is reported: a class name that is not a usable folder name (a separator, hidden,
one of the layout's own folder names such as ``images`` or ``train``) is written under a
changed name; classes come back in sorted order and a class without images not at all;
a split whose name class-folder readers do not know as a split (train, val, test, ...)
does not come back as a split.
"""

from __future__ import annotations

import posixpath

from ..imagefolder import STRUCTURE_DIRS
from ..walk import split_name
from . import Context, inner_name, plural, safe_component


def _folder_for(name: str) -> str:
    out = safe_component(str(name))
    if out.lower() in STRUCTURE_DIRS or split_name(out) is not None:
        out += "_"
    return out


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.nc = len(ctx.classes)
        self.folders: list[str] = []
        taken: set[str] = set()
        for c in ctx.classes:
            f = _folder_for(c)
            base, n = f, 1
            while f in taken:
                f = f"{base}_{n}"
                n += 1
            taken.add(f)
            self.folders.append(f)
        self.counts = [0] * self.nc
        self.bad_splits: dict[str, int] = {}

    def _label(self, rec) -> int | None:
        label = rec.label
        if label is None:
            return None
        if not 0 <= label < self.nc:
            return None
        return label

    def name_for(self, rec, split: str) -> str:
        label = self._label(rec)
        if label is None:
            return safe_component(posixpath.basename(rec.file))
        name = inner_name(rec.file)
        first, sep, rest = name.partition("/")
        if sep and first in (self.ctx.classes[label], self.folders[label]):
            name = rest
        return name

    def key(self, split: str, name: str, rec) -> str:
        label = self._label(rec)
        folder = "" if label is None else self.folders[label]
        return f"{split}/{folder}/{name}".casefold()

    def image_path(self, split: str, name: str, rec) -> str:
        label = self._label(rec)
        if label is None:
            return f"{split}/{name}"
        return f"{split}/{self.folders[label]}/{name}"

    def write(self, rec, split: str, name: str, image_path: str) -> None:
        ctx = self.ctx
        if rec.annotations:
            ctx.drop("annotations (classification has none)", len(rec.annotations))
        label = self._label(rec)
        if label is None:
            if rec.label is not None:
                ctx.drop("label (unknown class)")
        else:
            self.counts[label] += 1
        if split_name(split) is None:
            self.bad_splits[split] = self.bad_splits.get(split, 0) + 1
            ctx.drop("split (not readable back)")

    def finish(self) -> None:
        ctx = self.ctx
        for c, f in zip(ctx.classes, self.folders):
            if str(c) != f:
                ctx.notes.append(f"Class {c!r} is written to the folder {f!r}: its name is not a usable class folder.")
        used = [f for f, n in zip(self.folders, self.counts) if n]
        empty = [c for c, n in zip(ctx.classes, self.counts) if not n]
        if empty:
            ctx.notes.append(
                f"{plural(len(empty), 'class', 'classes')} without images "
                f"({', '.join(repr(c) for c in empty[:5])}{', ...' if len(empty) > 5 else ''}) "
                "cannot be written: class folders only know classes that have images."
            )
        if used != sorted(used):
            ctx.notes.append(
                "Class folders give classes in sorted name order, so the class ids change: read back, the classes are "
                + ", ".join(used[:10])
                + (", ..." if len(used) > 10 else "")
                + "."
            )
        if self.bad_splits:
            names = ", ".join(sorted(self.bad_splits))
            ctx.notes.append(
                f"Split folder{'s' if len(self.bad_splits) > 1 else ''} {names}: class-folder readers only know "
                "train, val, test, trainval, minival and dev as split folders, so these images read back "
                "unlabeled in train; rename the split to keep it."
            )
