"""Writing a dataset out in YOLO, COCO, Pascal VOC or class folders (export and convert).

`export()` streams `ImageRecord`s (as the indexer stored them: boxes in pixels, true image
sizes) into a new folder in the chosen format, laid out so that the project's own readers
and format detection read it back as the same images, classes, splits and boxes. What the
target format cannot hold (crowd flags outside COCO, `difficult` outside VOC, masks outside
COCO, boxes of unknown classes, ...) is counted in the report's `dropped` and explained in
its `notes`, never lost without a word.

The folder is written under a hidden temporary sibling of `target` and renamed to `target`
at the end, so a failure or an interruption leaves nothing behind. Nothing under
`source_root` is ever written: images are copied (or hard-linked) from it.

One module per format holds a `Writer` with the same small protocol:

- `name_for(rec, split)`: the image's file name inside its split (source layout folders
  such as ``images/`` or ``train/`` left out, sub-folders kept where the format allows);
- `key(split, name, rec)`: what must be unique in the format (a YOLO label file, a VOC
  image id, ...); on a clash the name gets a ``_1``, ``_2``... suffix;
- `image_path(split, name, rec)`: where the image goes, relative to the new folder;
- `write(rec, split, name, image_path)`: its annotations;
- `finish()`: the files that need every image first (COCO JSON, data.yaml, ...);
- `close()` (optional): release open files when the export fails.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..records import ImageRecord
from ..walk import is_hidden_part, split_name

TARGETS: dict[str, tuple[str, ...]] = {
    "detection": ("yolo", "coco", "voc"),
    # COCO instances hold polygons; YOLO segmentation rows hold one polygon per object
    "segmentation": ("yolo", "coco"),
    # The project's COCO reader reads instances (boxes) only: COCO image labels (an
    # annotation without bbox per image) are a "labels" file to it and refused, so a
    # classification export to COCO could not be registered again.
    "classification": ("imagefolder",),
}
IMAGES_MODES = ("copy", "link", "none")
FORMAT_NAMES = {"yolo": "YOLO", "coco": "COCO", "voc": "Pascal VOC", "imagefolder": "class folders"}

# Folder names that belong to a source layout, never to an image's own name: left out of
# the name an image gets in the new layout (readers would take them for structure there).
LAYOUT_DIRS = frozenset(
    {
        "images",
        "image",
        "imgs",
        "img",
        "labels",
        "annotations",
        "annotation",
        "jpegimages",
        "jpegimage",
        "imagesets",
        "xml",
        "xmls",
        "segmentationclass",
        "segmentationobject",
        "segmentationclassaug",
        "masks",
        "scribbles",
    }
)
_DARKNET_DIR = re.compile(r"^obj_\w+?_data$", re.IGNORECASE)


@dataclass
class ExportReport:
    images: int  # images written (annotations, and the file unless images="none")
    boxes: int  # boxes written
    dropped: dict[str, int] = field(default_factory=dict)  # what the target cannot hold, counted
    notes: list[str] = field(default_factory=list)  # sentences for the job's report

    def as_dict(self) -> dict:
        return {"images": self.images, "boxes": self.boxes, "dropped": dict(self.dropped), "notes": list(self.notes)}


def targets(task: str) -> tuple[str, ...]:
    """Formats a task can be exported to: detection -> ("yolo", "coco", "voc");
    classification -> ("imagefolder",) (see TARGETS for why not COCO)."""
    return TARGETS.get(task, ())


# ---------------------------------------------------------------------------- helpers
def layout_dir(part: str) -> bool:
    """True for a folder name that is structure in some format (images/, labels/, a split,
    obj_train_data/, a hidden folder), not part of an image's own name."""
    return (
        part in ("", ".", "..")
        or part.lower() in LAYOUT_DIRS
        or split_name(part) is not None
        or _DARKNET_DIR.match(part) is not None
        or is_hidden_part(part)
    )


def inner_name(file: str) -> str:
    """An image's name without the folders of its source layout: ``images/train/a/1.jpg``
    -> ``a/1.jpg``, ``JPEGImages/1.jpg`` -> ``1.jpg``."""
    parts = file.replace("\\", "_").split("/")
    keep = [p for p in parts[:-1] if not layout_dir(p)]
    keep.append(parts[-1])
    return "/".join(keep)


def stem(name: str) -> str:
    """``a/1.jpg`` -> ``a/1`` (the folder kept)."""
    root, _ = posixpath.splitext(name)
    return root or name


def suffixed(name: str, n: int) -> str:
    """``a/1.jpg`` -> ``a/1_<n>.jpg``."""
    root, ext = posixpath.splitext(name)
    if not root:
        root, ext = name, ""
    return f"{root}_{n}{ext}"


def safe_component(name: str) -> str:
    """A single folder or file name anyone can create: no separators, NUL, '.' or '..',
    not hidden."""
    out = name.replace("/", "_").replace("\\", "_").replace("\x00", "_")
    if not out or out in (".", ".."):
        return "_"
    if out.startswith(".") or out == "__MACOSX":
        out = "_" + out
    return out


def split_dir(split: str | None) -> str:
    return safe_component(str(split) if split else "train")


def _safe_rel(file: str) -> bool:
    if not file or file.startswith("/") or "\x00" in file:
        return False
    return all(p not in ("", ".", "..") for p in file.split("/"))


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


class Context:
    """What a writer needs from the export: the folder being written, the task and classes,
    and the report's counters."""

    def __init__(self, fmt: str, task: str, classes: list[str], root: Path, images_mode: str):
        self.fmt = fmt
        self.task = task
        self.classes = classes
        self.root = root
        self.root_s = os.fspath(root)
        self.images_mode = images_mode
        self.boxes = 0
        self.dropped: dict[str, int] = {}
        self.notes: list[str] = []
        self._dirs: set[str] = set()

    def drop(self, what: str, n: int = 1) -> None:
        self.dropped[what] = self.dropped.get(what, 0) + n

    def makedirs(self, rel_dir: str) -> None:
        if rel_dir and rel_dir not in self._dirs:
            os.makedirs(os.path.join(self.root_s, rel_dir), exist_ok=True)
            self._dirs.add(rel_dir)

    def path(self, rel: str) -> str:
        return os.path.join(self.root_s, rel)

    def write_bytes(self, rel: str, data: bytes) -> None:
        """A new small file (os-level calls: half the cost of open() for 100,000 label files)."""
        self.makedirs(posixpath.dirname(rel))
        fd = os.open(os.path.join(self.root_s, rel), _NEW_FILE, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))


# What each kind of drop means, for the report's notes ({n}: how many; {fmt}: the target).
DROP_NOTES = {
    "unknown class": "Boxes of classes the dataset does not declare, not written: {n} ({fmt} needs a class).",
    "label (unknown class)": "Labels naming a class the dataset does not declare: {n}; those images are unlabeled.",
    "missing image file": "Images whose file is missing, left out with their annotations: {n}.",
    "image outside the dataset folder": "Images whose path leaves the dataset folder, left out: {n}.",
    "iscrowd": "Crowd flags (iscrowd) dropped: {n}. {fmt} has none; those boxes are written as ordinary objects.",
    "difficult": "'difficult' flags dropped: {n}. {fmt} has none; those boxes are written as ordinary objects.",
    "segmentation": "Object masks or polygons dropped: {n}. {fmt} detection keeps boxes only.",
    "segmentation (RLE mask)": "RLE masks dropped: {n}. {fmt} holds polygons only; those objects are boxes.",
    "segmentation (not a polygon)": "Masks that are not usable polygons dropped: {n}; those objects are boxes.",
    "segmentation (extra polygons)": (
        "Extra polygons of multi-part objects dropped: {n}. {fmt} holds one polygon per object (the largest is kept)."
    ),
    "box (none)": "Annotations without a box (a mask only), not written: {n}. {fmt} needs a box.",
    "box (image size unknown)": (
        "Boxes not written because their image's size is unknown (a missing or unreadable image): {n}. "
        "{fmt} stores boxes relative to the image size."
    ),
    "label (detection has none)": "Image-level labels dropped: {n}. Detection formats hold boxes only.",
    "annotations (classification has none)": "Boxes dropped: {n}. Class folders hold one label per image only.",
    "split (not readable back)": "Images in splits {fmt} cannot name as splits: {n} (see the note on splits).",
}


# ---------------------------------------------------------------------------- export
def _writer_for(fmt: str):
    if fmt == "yolo":
        from .yolo import Writer
    elif fmt == "coco":
        from .coco import Writer
    elif fmt == "voc":
        from .voc import Writer
    else:
        from .folders import Writer
    return Writer


def export(
    fmt: str,
    task: str,
    classes: list[str],
    images: Iterable[ImageRecord],
    *,
    source_root: Path,
    target: Path,
    images_mode: Literal["copy", "link", "none"] = "copy",
    progress: Callable[[float], None] | None = None,
    total: int | None = None,
) -> ExportReport:
    """Write `images` (streamed once) as a `fmt` dataset in the new folder `target`.

    Raises FileExistsError when `target` exists, ValueError for a format the task cannot be
    exported to or an unknown `images_mode`; on any failure nothing is left at `target`
    and the temporary folder is removed.
    """
    fmt = str(fmt).strip().lower()
    allowed = targets(task)
    if fmt not in allowed:
        can = ", ".join(allowed) if allowed else "nothing"
        raise ValueError(f"A {task} dataset cannot be exported to {fmt!r}; it can be exported to {can}.")
    if images_mode not in IMAGES_MODES:
        raise ValueError(f"images must be one of {', '.join(IMAGES_MODES)}, not {images_mode!r}.")
    if fmt == "imagefolder" and images_mode == "none":
        raise ValueError("Class folders hold labels only as the folders their images are in: copy or link the images.")
    target = Path(target)
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "The export's target already exists; nothing was written", str(target))
    parent = target.parent
    created: list[Path] = []
    p = parent
    while not p.exists():
        created.append(p)
        p = p.parent
    for d in reversed(created):
        os.mkdir(d)
    tmp = parent / f".{target.name}.export-{uuid.uuid4().hex[:12]}"
    try:
        os.mkdir(tmp)
        report = _run(fmt, task, list(classes), images, Path(source_root), tmp, images_mode, progress, total)
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "The export's target appeared while writing it", str(target))
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in created:
            try:
                os.rmdir(d)
            except OSError:
                break
        raise
    return report


def _run(
    fmt: str,
    task: str,
    classes: list[str],
    images: Iterable[ImageRecord],
    source_root: Path,
    tmp: Path,
    images_mode: str,
    progress: Callable[[float], None] | None,
    total: int | None,
) -> ExportReport:
    ctx = Context(fmt, task, classes, tmp, images_mode)
    writer = _writer_for(fmt)(ctx)
    src_root = os.fspath(source_root)
    used: set[str] = set()
    renamed: list[tuple[str, str]] = []
    link_fallback: list[str] = []
    written = 0
    done = 0
    step = max(1, (total or 0) // 100)
    name_for, key_of, image_path, write = writer.name_for, writer.key, writer.image_path, writer.write
    copyfile = shutil.copyfile
    link = os.link
    join = os.path.join
    makedirs = ctx.makedirs
    dirname = posixpath.dirname
    mode = images_mode

    try:
        for rec in images:
            done += 1
            if progress is not None and total and done % step == 0:
                progress(min(done / total, 1.0))
            file = rec.file
            if not _safe_rel(file):
                ctx.drop("image outside the dataset folder")
                continue
            split = split_dir(rec.split)
            name = name_for(rec, split)
            key = key_of(split, name, rec)
            if key in used:
                n = 1
                while True:
                    cand = suffixed(name, n)
                    key = key_of(split, cand, rec)
                    if key not in used:
                        break
                    n += 1
                renamed.append((f"{split}/{name}", cand))
                name = cand
            used.add(key)
            rel = image_path(split, name, rec)
            if mode != "none":
                makedirs(dirname(rel))
                src, dst = join(src_root, file), join(ctx.root_s, rel)
                try:
                    if mode == "link":
                        try:
                            link(src, dst)
                        except OSError as exc:
                            if exc.errno not in _NO_LINK:
                                raise
                            copyfile(src, dst)
                            if not link_fallback:
                                link_fallback.append(os.strerror(exc.errno or 0))
                    else:
                        copyfile(src, dst)
                except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    ctx.drop("missing image file")
                    continue
            write(rec, split, name, rel)
            written += 1
        writer.finish()
    except BaseException:
        close = getattr(writer, "close", None)
        if close is not None:
            close()
        raise
    if progress is not None and total:
        progress(1.0)

    notes = ctx.notes
    label = FORMAT_NAMES.get(fmt, fmt)
    drop_notes = [DROP_NOTES.get(k, k + " dropped: {n}.").format(n=v, fmt=label) for k, v in ctx.dropped.items()]
    notes[:0] = drop_notes
    if renamed:
        (old, new), more = renamed[0], len(renamed) - 1
        notes.append(
            f"{plural(len(renamed), 'image')} renamed to keep names unique in {label} "
            f"(e.g. {old} -> {new}{f', and {more} more' if more else ''})."
        )
    if link_fallback:
        notes.append(
            f"Some images could not be hard-linked ({link_fallback[0]}: another device or file system); "
            "they were copied instead."
        )
    return ExportReport(images=written, boxes=ctx.boxes, dropped=dict(ctx.dropped), notes=notes)


_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, getattr(errno, "ENOTSUP", -1), errno.EOPNOTSUPP}

__all__ = ["ExportReport", "TARGETS", "export", "inner_name", "targets"]
