"""Helpers every format reader shares: which files are images, walking a dataset folder
without its hidden entries, relative paths, and resolving paths that annotations name
without ever leaving the dataset root.

Paths inside a dataset are handled as relative POSIX strings (``"images/train/1.jpg"``);
a `Listing` holds every visible file once so readers answer "does this file exist?"
with a set lookup instead of a system call.
"""

from __future__ import annotations

import gc
import os
import posixpath
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .records import ParsedIssue

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})

# Folders that hold masks or scribbles rather than dataset images.
MASK_DIR_NAMES = frozenset(
    {
        "segmentationclass",
        "segmentationobject",
        "segmentationclassaug",
        "masks",
        "scribbles",
    }
)

KNOWN_SPLITS = ("train", "val", "test", "trainval", "minival", "dev")
_SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
    "trainval": "trainval",
    "minival": "minival",
    "dev": "dev",
}
_SPLIT_RE = re.compile(r"^(train|training|val|valid|validation|test|testing|trainval|minival|dev)(?:[_-]?\d{4})?$")


def is_image_name(name: str) -> bool:
    """True for a file name with an image extension (any case)."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTENSIONS


def is_hidden_part(part: str) -> bool:
    """Hidden entries: names starting with "." (.ipynb_checkpoints, .DS_Store) and __MACOSX."""
    return part.startswith(".") or part == "__MACOSX"


def is_utf8_name(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python hands it over with surrogate
    escapes): no database, JSON answer or browser can carry it, so it is passed over."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(value: object) -> str:
    """Text from a file's escapes (YAML's "\\ud800", "\\0") as something any store can hold:
    lone surrogates become "?" and NUL is dropped."""
    return str(value).encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def is_hidden_path(rel: str) -> bool:
    return any(is_hidden_part(p) for p in rel.split("/"))


def split_name(name: str) -> str | None:
    """The normalized split a folder or file name stands for, or None.

    "valid"/"validation" become "val", "train2017" becomes "train".
    """
    m = _SPLIT_RE.match(name.lower())
    if not m:
        return None
    return _SPLIT_ALIASES[m.group(1)]


def normalize_split(name: str) -> str:
    """A split name as stored: known names normalized, anything else kept as the source says."""
    return split_name(name) or name


def rel_posix(path: Path | str, root: Path | str) -> str:
    """`path` relative to `root`, with forward slashes."""
    return Path(os.path.relpath(os.fspath(path), os.fspath(root))).as_posix()


def iter_files(root: Path) -> Iterator[str]:
    """Every visible regular file under `root`, as a relative POSIX path, sorted per folder.

    Hidden entries are skipped (their whole subtree too); symlinked folders are not
    followed and symlinked files that point outside the root are left out.
    """
    root = Path(root)
    real_root = os.path.realpath(root)
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        abs_dir, rel_dir = stack.pop()
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            if is_hidden_part(e.name) or not is_utf8_name(e.name):
                continue
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                if e.is_symlink():
                    target = os.path.realpath(e.path)
                    if not _inside(target, real_root):
                        continue
                    if os.path.isdir(target):
                        continue
                    if os.path.isfile(target):
                        yield rel
                    continue
                if e.is_dir(follow_symlinks=False):
                    subdirs.append((e.path, rel))
                elif e.is_file(follow_symlinks=False):
                    yield rel
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


@dataclass
class Listing:
    """Every visible file of a dataset folder, listed once."""

    root: Path
    files: list[str]
    file_set: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    # results of probes that several detectors share (YOLO layout, COCO JSON kinds, ...)
    cache: dict[str, object] = field(default_factory=dict, repr=False)

    def memo(self, key: str, make):  # type: ignore[no-untyped-def]
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    @classmethod
    def scan(cls, root: Path) -> Listing:
        files = list(iter_files(Path(root)))
        dirs: set[str] = set()
        for f in files:
            d = posixpath.dirname(f)
            while d and d not in dirs:
                dirs.add(d)
                d = posixpath.dirname(d)
        return cls(Path(root), files, set(files), dirs)

    def images(self, exclude_dirs: Iterable[str] = ()) -> list[str]:
        """Image files, leaving out mask folders and any folder named in `exclude_dirs`
        (each folder judged once: a dataset has 100,000 files in a few folders)."""
        key = ("images", tuple(sorted(exclude_dirs)))
        if key not in self.cache:
            excl = {d.lower() for d in key[1]} | MASK_DIR_NAMES
            kept: dict[str, bool] = {}
            out = []
            for f in self.files:
                if not is_image_name(f):
                    continue
                d = f.rpartition("/")[0]
                ok = kept.get(d)
                if ok is None:
                    ok = kept[d] = not any(p.lower() in excl for p in d.split("/")) if d else True
                if ok:
                    out.append(f)
            self.cache[key] = out
        return list(self.cache[key])  # type: ignore[arg-type]

    def exists(self, rel: str) -> bool:
        return rel in self.file_set

    def is_dir(self, rel: str) -> bool:
        return rel == "" or rel in self.dirs

    def top_dirs(self) -> list[str]:
        return sorted(d for d in self.dirs if "/" not in d)

    def children_dirs(self, rel: str) -> list[str]:
        prefix = f"{rel}/" if rel else ""
        n = len(prefix)
        return sorted(d for d in self.dirs if d.startswith(prefix) and "/" not in d[n:])

    def with_suffix(self, *suffixes: str) -> list[str]:
        suf = tuple(s.lower() for s in suffixes)
        return [f for f in self.files if f.lower().endswith(suf)]


def get_listing(root: Path, listing: Listing | None = None) -> Listing:
    if listing is not None and Path(listing.root) == Path(root):
        return listing
    return Listing.scan(Path(root))


def join_rel(base: str, ref: str) -> str | None:
    """`ref` joined to the relative folder `base`, normalized; None when it leaves the root.

    Backslashes count as separators; an absolute `ref` is refused (None).
    """
    ref = ref.replace("\\", "/").strip()
    if not ref or ref.startswith("/") or re.match(r"^[A-Za-z]:/", ref):
        return None
    joined = posixpath.normpath(posixpath.join(base, ref) if base else ref)
    if joined in ("..", ".") or joined.startswith(("../", "/")):
        return None
    return joined


def resolve_inside(root: Path, ref: str, base: str = "") -> Path | None:
    """The path `ref` names (relative to the folder `base` inside root), or None when it
    would resolve outside the dataset root (also through symlinks). Never reads the file."""
    rel = join_rel(base, ref)
    if rel is None:
        return None
    p = Path(root) / rel
    real_root = os.path.realpath(root)
    if not _inside(os.path.realpath(p), real_root):
        return None
    return p


def outside_issue(ref: str, source: str | None, what: str = "image") -> ParsedIssue:
    """The issue for a referenced path that lies outside the dataset (it is never read)."""
    return ParsedIssue(
        "missing_file",
        source,
        f"{what} path {ref!r} lies outside the dataset folder; it was not read",
    )


def read_text(path: Path, limit: int | None = None) -> str | None:
    """A small text file's content (utf-8, BOM stripped, undecodable bytes replaced), or None."""
    try:
        with open(path, "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit)
    except OSError:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def text_lines(path: Path) -> list[str] | None:
    """Stripped lines of a text file (CRLF and missing trailing newline handled)."""
    text = read_text(path)
    if text is None:
        return None
    return [ln.strip() for ln in text.splitlines()]


def split_from_parts(parts: Iterable[str]) -> str | None:
    """The first folder name among `parts` that names a split, normalized."""
    for p in parts:
        s = split_name(p)
        if s:
            return s
    return None


_gc_lock = threading.Lock()
_gc_paused = 0  # how many no_gc() blocks are open, in all threads
_gc_was_enabled = False


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building or writing millions of small
    objects (a large JSON, its records, a million rows: no cycles among them). Each
    collection would walk every one of them again: generating a million box rows took
    2.1 s with it and 0.5 s without. The pause is process-wide; it ends when the last
    open block (in any thread) closes, and refcounting frees everything meanwhile."""
    global _gc_paused, _gc_was_enabled
    with _gc_lock:
        if _gc_paused == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_paused += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_paused -= 1
            if _gc_paused == 0 and _gc_was_enabled:
                gc.enable()
