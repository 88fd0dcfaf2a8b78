"""Safe unpacking of uploaded dataset zip archives.

An upload is untrusted: entry names may try to escape the destination (absolute paths,
drive letters, backslashes, `..`), entries may be symlinks or device files, and the
central directory may under-declare sizes (zip bombs, lying headers). Every entry is
checked before a single byte is written, bytes are counted while writing, and any failure
removes the destination folder so nothing half-unpacked is left behind.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ...errors import BadRequest, Conflict, Invalid, TooLarge, Unsupported
from ..storage import disk_full, is_disk_full

# The ratio check only matters once an archive expands to something sizeable; a few
# highly compressible label files must not be mistaken for a bomb.
RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 20
_MAX_NAME_BYTES = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
_SKIPPED_TOP = {"__MACOSX"}


@dataclass
class ExtractResult:
    """What was unpacked: file count, bytes written and the dataset root folder."""

    files: int
    total_size: int
    root: Path
    skipped: int = 0


@dataclass
class _Entry:
    info: zipfile.ZipInfo
    parts: list[str]
    is_dir: bool


def _unsafe(name: str, why: str) -> BadRequest:
    return BadRequest(
        f"The archive contains an unsafe entry {name!r}: {why}. Re-create the zip from a plain folder.",
        code="unsafe_archive",
        details=[{"entry": name, "reason": why}],
    )


def _check_entry(info: zipfile.ZipInfo) -> _Entry | None:
    """Validate one entry's name and type; None means skip it (macOS resource forks)."""
    name = info.filename
    raw = getattr(info, "orig_filename", name) or name
    if "\\" in name or "\\" in raw:
        raise _unsafe(name, "backslashes in entry names are not allowed")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise _unsafe(name, "control characters in the name")
    if name.startswith("/") or raw.startswith("/"):
        raise _unsafe(name, "absolute path")
    if _DRIVE.match(name):
        raise _unsafe(name, "drive letter in the path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise _unsafe(name, "'..' path component")
    for p in parts:
        if len(p.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES:
            raise _unsafe(name, "a path component is longer than 255 bytes")
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise _unsafe(name, "symbolic link")
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise _unsafe(name, "device, FIFO or socket entry")
    if info.flag_bits & 0x1:
        raise Unsupported(
            f"The archive entry {name!r} is encrypted; upload an archive without a password.",
            code="encrypted_archive",
            details=[{"entry": name}],
        )
    if not parts:
        return None  # "./" or similar: the destination itself
    if parts[0] in _SKIPPED_TOP:
        return None
    return _Entry(
        info=info,
        parts=[unicodedata.normalize("NFC", p) for p in parts],
        is_dir=info.is_dir(),
    )


def _validate(entries: list[_Entry]) -> None:
    """Reject entries that would overwrite each other or a file used as a folder."""
    files: dict[str, str] = {}
    dirs: set[str] = set()
    for e in entries:
        key = "/".join(e.parts)
        if e.is_dir:
            if key in files:
                raise _unsafe(e.info.filename, f"collides with the file {files[key]!r}")
            dirs.add(key)
        else:
            if key in files or key in dirs:
                raise _unsafe(e.info.filename, "two entries unpack to the same path")
            files[key] = e.info.filename
        for i in range(1, len(e.parts)):
            dirs.add("/".join(e.parts[:i]))
    for key, name in files.items():
        if key in dirs:
            raise _unsafe(name, "a file and a folder unpack to the same path")


def _open_zip(zip_path: Path) -> zipfile.ZipFile:
    not_zip = Unsupported(
        "The upload is not a zip archive; upload a .zip file.",
        code="not_a_zip",
        details=[{"file": Path(zip_path).name}],
    )
    try:
        if not zipfile.is_zipfile(zip_path):
            raise not_zip
        return zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise not_zip from exc


def _single_root(entries: list[_Entry]) -> str | None:
    tops = {e.parts[0] for e in entries}
    if len(tops) != 1:
        return None
    top = next(iter(tops))
    # Every entry must live inside it (a lone top-level *file* is not a folder root).
    if all(len(e.parts) > 1 or e.is_dir for e in entries):
        return top
    return None


def safe_extract(
    zip_path: Path,
    dest: Path,
    *,
    max_total_size: int,
    max_ratio: float = 200.0,
    max_files: int = 200_000,
) -> ExtractResult:
    """Unpack `zip_path` into the new folder `dest`, or raise and leave nothing behind.

    Raises Unsupported (not a zip / encrypted / unknown compression), BadRequest
    `unsafe_archive` (path escapes, links, devices, collisions), TooLarge
    `archive_too_large` (declared size or entry count over the limits), Invalid
    `archive_bomb` (compression ratio too high, entry larger than declared) or Invalid
    `corrupt_archive` (CRC or stream errors).
    """
    zip_path, dest = Path(zip_path), Path(dest)
    if dest.exists() or dest.is_symlink():
        raise Conflict(
            f"The destination folder {dest.name!r} already exists.",
            details=[{"path": str(dest)}],
        )
    with _open_zip(zip_path) as zf:
        infos = zf.infolist()
        if len(infos) > max_files:
            raise TooLarge(
                f"The archive has {len(infos)} entries; at most {max_files} are allowed.",
                code="archive_too_large",
                details=[{"entries": len(infos), "max_files": max_files}],
            )
        entries: list[_Entry] = []
        skipped = 0
        for info in infos:
            entry = _check_entry(info)
            if entry is None:
                skipped += 1
            else:
                entries.append(entry)
        _validate(entries)

        file_entries = [e for e in entries if not e.is_dir]
        declared = sum(e.info.file_size for e in file_entries)
        compressed = sum(e.info.compress_size for e in file_entries)
        if declared > max_total_size:
            raise TooLarge(
                f"The archive unpacks to {declared} bytes, more than the limit of {max_total_size} bytes.",
                code="archive_too_large",
                details=[{"uncompressed_size": declared, "max_total_size": max_total_size}],
            )
        if declared > RATIO_FLOOR and (compressed == 0 or declared / compressed > max_ratio):
            ratio = float("inf") if compressed == 0 else declared / compressed
            raise Invalid(
                f"The archive expands {ratio:.0f} times its compressed size (limit {max_ratio:.0f}); "
                "it looks like a zip bomb.",
                code="archive_bomb",
                details=[
                    {
                        "uncompressed_size": declared,
                        "compressed_size": compressed,
                        "max_ratio": max_ratio,
                    }
                ],
            )
        for e in file_entries:
            if e.info.compress_type == zipfile.ZIP_STORED and e.info.compress_size != e.info.file_size:
                raise Invalid(
                    f"The archive entry {e.info.filename!r} declares inconsistent sizes.",
                    code="archive_bomb",
                    details=[{"entry": e.info.filename}],
                )

        dest.mkdir(parents=True, exist_ok=False)
        try:
            written_total = _write_all(zf, entries, dest, max_total_size)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise

    root_name = _single_root(entries)
    return ExtractResult(
        files=len(file_entries),
        total_size=written_total,
        root=dest / root_name if root_name else dest,
        skipped=skipped,
    )


def _write_all(zf: zipfile.ZipFile, entries: list[_Entry], dest: Path, max_total_size: int) -> int:
    real_dest = os.path.realpath(dest)
    total = 0
    for e in entries:
        name = e.info.filename
        target = dest.joinpath(*e.parts)
        real_parent = os.path.realpath(target.parent)
        if os.path.commonpath([real_dest, real_parent]) != real_dest:
            raise _unsafe(name, "resolves outside the destination")
        try:
            if e.is_dir:
                target.mkdir(mode=0o755, parents=True, exist_ok=True)
                continue
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            fd = os.open(
                target,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                0o644,
            )
            written = 0
            with os.fdopen(fd, "wb") as out, zf.open(e.info) as src:
                while True:
                    chunk = src.read(_CHUNK)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > e.info.file_size:
                        raise Invalid(
                            f"The archive entry {name!r} is larger than its header declares; "
                            "the archive is malformed or a zip bomb.",
                            code="archive_bomb",
                            details=[{"entry": name, "declared": e.info.file_size}],
                        )
                    total += len(chunk)
                    if total > max_total_size:
                        raise TooLarge(
                            "The archive unpacks to more than the size limit.",
                            code="archive_too_large",
                            details=[{"max_total_size": max_total_size}],
                        )
                    out.write(chunk)
            if written != e.info.file_size:
                raise Invalid(
                    f"The archive entry {name!r} is shorter than its header declares.",
                    code="corrupt_archive",
                    details=[{"entry": name, "declared": e.info.file_size, "actual": written}],
                )
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise Invalid(
                f"The archive entry {name!r} is corrupt or its sizes do not match its data ({exc}).",
                code="corrupt_archive",
                details=[{"entry": name, "reason": str(exc)}],
            ) from None
        except NotImplementedError as exc:
            raise Unsupported(
                f"The archive entry {name!r} uses a compression method that is not supported; "
                "re-create the zip with standard (deflate) compression.",
                code="unsupported_compression",
                details=[{"entry": name, "reason": str(exc)}],
            ) from None
        except FileExistsError:
            raise _unsafe(name, "unpacks onto an existing path") from None
        except UnicodeEncodeError:
            raise _unsafe(name, "name cannot be represented on this file system") from None
        except OSError as exc:
            if exc.errno in (
                errno.ENAMETOOLONG,
                errno.EILSEQ,
                errno.ELOOP,
                errno.ENOTDIR,
            ):
                raise _unsafe(name, exc.strerror or "invalid path") from None
            if is_disk_full(exc):
                # not 413: the upload is within its limit, the disk is what ran out
                raise disk_full("the unpacked archive") from None
            raise
    return total
