"""What a killed server leaves on disk, put right at the next start, before any request.

Every write orders its steps so that a kill at any point leaves either nothing the
database knows of, or a row that is whole or resumable (an `indexing` dataset is indexed
again, a dead run becomes `interrupted`). What it may leave without a row is known
exactly: a write that creates or removes a file or folder outside `tmp/` together with a
row first notes its target in `pending/`, and drops the note once the row is committed.
At start, a note whose target no row owns means the write died half-way: the target
goes. Nothing else is ever removed outside `tmp/`, so files the database does not know
for other reasons (a dataset deleted with its files kept, a database restored from an
older backup, a fresh database on an old data directory) stay.

Several servers may share a data directory (a notebook's private server beside
JupyterLab, a team's servers on a hub), so the clean-up runs only in a server that starts
alone (`hold_data_dir`): any other would remove what a live server is writing.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import select

from ..store import Store
from ..store.models import Dataset, Run, Weight

Kind = Literal["datasets", "weights", "runs", "thumbnails"]
KINDS: tuple[Kind, ...] = ("datasets", "weights", "runs", "thumbnails")


class Pending:
    """Notes in `data_dir/pending/` of the writes under way: `<kind>-<name>` stands for
    `data_dir/<kind>/<name>`, a folder or file that may be left without its row."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.dir = data_dir / "pending"

    def begin(self, kind: Kind, name: str) -> None:
        self.dir.mkdir(exist_ok=True)
        (self.dir / f"{kind}-{name}").touch()

    def end(self, kind: Kind, name: str) -> None:
        (self.dir / f"{kind}-{name}").unlink(missing_ok=True)

    @contextlib.contextmanager
    def around(self, kind: Kind, name: str) -> Iterator[None]:
        """For the block that writes the target and commits (or deletes) its row; a
        failure that raises has removed what it wrote, so the note goes either way."""
        self.begin(kind, name)
        try:
            yield
        finally:
            self.end(kind, name)

    def notes(self) -> list[tuple[Kind, str]]:
        found = []
        for note in self.dir.glob("*-*") if self.dir.is_dir() else ():
            kind, name = note.name.split("-", 1)
            if kind in KINDS:
                found.append((kind, name))
        return found


def hold_data_dir(data_dir: Path, clean: Callable[[], object]) -> IO:
    """Hold `data_dir/.lock` for the server's life (the OS drops it when the process dies,
    SIGKILL included): shared with every other live server of the data directory, and
    exclusive first when this server is alone, to `clean()` what dead servers left.

    A server that starts beside a live one never cleans: what looks half-written may be
    that server's write under way. (A team's servers share one data directory for days:
    temp files wait for a start with no other server, and are space, never a row.)
    Where there is no fcntl (Windows), the server assumes it is alone."""
    fh = open(data_dir / ".lock", "a")  # noqa: SIM115 - held for the server's life
    try:
        import fcntl
    except ImportError:
        clean()
        return fh
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fcntl.flock(fh, fcntl.LOCK_SH)  # waits only while a server alone is cleaning
        return fh
    try:
        clean()
    finally:
        fcntl.flock(fh, fcntl.LOCK_SH)  # the others may start now
    return fh


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clear_tmp(data_dir: Path) -> int:
    """Everything in `tmp/` belongs to a request or a copy that died with the server."""
    leftovers = list((data_dir / "tmp").iterdir())
    for path in leftovers:
        _remove(path)
    return len(leftovers)


def owned(s, kind: Kind, name: str) -> bool:
    """Whether a committed row owns `data_dir/<kind>/<name>`."""
    if kind == "weights":
        return s.scalar(select(Weight.id).where(Weight.file == name)) is not None
    if kind == "datasets":  # an upload's folder, by name, wherever the data directory has moved since
        paths = s.scalars(select(Dataset.path).where(Dataset.path.contains(name)))
        return any(name in Path(p).parts for p in paths)
    model = Run if kind == "runs" else Dataset  # runs/<id>, thumbnails/<dataset id>
    return name.isdigit() and s.get(model, int(name)) is not None


def remove_run_temps(run_dir: Path) -> int:
    """Temp files of a run whose processes are all gone (a checkpoint or a JSON file cut
    short): never taken for whole, only taking space."""
    temps = [*run_dir.glob("*.tmp"), *(run_dir / "checkpoints").glob("*.tmp")]
    for path in temps:
        path.unlink(missing_ok=True)
    return len(temps)


def recover(store: Store, data_dir: Path, log: logging.Logger) -> dict[str, int]:
    """Clear `tmp/` and finish the writes a kill cut short; the counts, for the log."""
    removed = {"tmp": clear_tmp(data_dir)}
    pending = Pending(data_dir)
    with store.session() as s:
        for kind, name in pending.notes():
            if not owned(s, kind, name):
                _remove(data_dir / kind / name)
                removed[kind] = removed.get(kind, 0) + 1
            pending.end(kind, name)
    if any(removed.values()):
        log.warning(
            "CV Studio removed what a stopped server left half-written in %s: %s",
            data_dir,
            ", ".join(f"{n} {kind}" for kind, n in removed.items() if n),
        )
    return removed
