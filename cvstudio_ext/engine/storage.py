"""A full disk, told apart from other write failures.

Everything the studio writes (uploads, unpacked datasets, thumbnails, weights, runs) lies
under the data directory, so "no space left" always means that disk. It must reach the
caller as such (507 `disk_full`, or a failed run that says so), never as an
internal error, and never after leaving a truncated file in place of a whole one.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InsufficientStorage

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# The code every 507 of a full disk carries (README, "Answers that stay answers"; the
# handlers' own mapping in handlers/base.py `studio_error_for` uses it too).
DISK_FULL_CODE = "disk_full"


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC or EDQUOT (a quota counts as full: the user can do nothing else about it)."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def disk_full_message(what: str) -> str:
    return (
        f"The disk under CV Studio's data directory is full: {what} could not be written and nothing of it "
        "was kept; free space and try again."
    )


def disk_full(what: str) -> InsufficientStorage:
    return InsufficientStorage(disk_full_message(what), code=DISK_FULL_CODE, details=[{"reason": "no space left"}])


@contextmanager
def disk_full_is_507(what: str) -> Iterator[None]:
    """Turn a full disk met inside the block into InsufficientStorage about `what`; the
    block itself removes whatever it had written (temp files, half-unpacked folders)."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(what) from exc
        raise


# Files CV Studio keeps are readable by the group and others, as a plain `open` would make
# them under a usual umask (mkstemp's are 0600): a team's servers running as several
# accounts read each other's shared weights and runs from one data directory.
KEPT_FILE_MODE = 0o644


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON so a reader sees the old file or the new one, never half of one: a temp
    file beside it, fsynced, then renamed; the temp file goes whatever happens."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # unique: threads may race
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, KEPT_FILE_MODE)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
