"""The node side of the Ray executor (services/ray_executor.py): one actor per run.

The actor lives on the node Ray picked for the run (for a data-parallel run, one actor
per rank, each in a bundle of the run's placement group) and owns a run folder there (no
filesystem is assumed to be shared with the server). It receives the run's inputs (the
spec, a checkpoint to resume from, pretrained weights, the dataset when the node cannot
read it), starts the ordinary worker module in that folder (which ends itself, at its next step,
should the actor die under it), and answers the server's
polls: new bytes of `events.jsonl`, `train.log` and `worker.out` from given offsets, and
the checkpoints and evaluation it wrote, fetched in chunks.

It is plain Python, with nothing of the server (tornado, the database): Ray imports it
on nodes that only have the package installed; the server wraps it with `ray.remote`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

WORKER_MODULE = "cvstudio_ext.engine.training.worker"
STREAMS = ("events.jsonl", "train.log", "worker.out")


def node_base() -> Path:
    """Where runs and cached datasets live on a node (its temp folder)."""
    return Path(tempfile.gettempdir()) / "cvstudio-ray"


def inside(folder: Path, rel: str) -> Path:
    """`folder / rel`, refusing names that would leave the folder."""
    path = (folder / rel).resolve()
    if folder.resolve() not in path.parents:
        raise ValueError(f"{rel!r} is not a file of the run")
    return path


class RunActor:
    def __init__(self, key: str) -> None:
        self.base = node_base()
        self.folder = self.base / "runs" / key
        shutil.rmtree(self.folder, ignore_errors=True)  # a fresh folder for every launch
        (self.folder / "checkpoints").mkdir(parents=True)
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    # ---- where it runs ---------------------------------------------------------------
    def where(self) -> dict[str, Any]:
        import ray

        return {
            "node_id": ray.get_runtime_context().get_node_id(),
            "ip": ray.util.get_node_ip_address(),
            "host": socket.gethostname(),
            "folder": str(self.folder),
        }

    # ---- inputs ----------------------------------------------------------------------
    def put(self, rel: str, offset: int, data: bytes, last: bool) -> str:
        """One chunk of an input file; the file appears whole, under its name, with the last."""
        path = inside(self.base, rel)
        part = path.with_name(path.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "r+b" if offset else "wb") as fh:
            fh.seek(offset)
            fh.write(data)
        if last:
            os.replace(part, path)
        return str(path)

    def run_file(self, rel: str) -> str:
        """The base-relative name of a file in this run's folder (for `put`)."""
        return str(inside(self.folder, rel).relative_to(self.base))

    def readable(self, root: str, files: list[str]) -> bool:
        """Whether this node reads the dataset at the server's path (a shared mount)."""
        folder = Path(root)
        return folder.is_dir() and all((folder / f).is_file() for f in files)

    def cached_dataset(self, digest: str) -> str | None:
        folder = self.base / "datasets" / digest
        return str(folder) if folder.is_dir() else None

    def unpack_dataset(self, digest: str, archive_rel: str) -> str:
        """Unpack a shipped dataset archive into the node's cache (kept for later runs)."""
        archive = inside(self.base, archive_rel)
        folder = self.base / "datasets" / digest
        staging = folder.with_name(f".{digest}.{uuid.uuid4().hex}")
        try:
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(staging, filter="data")
                else:  # Python before 3.10.12: the server wrote this archive itself
                    tar.extractall(staging)
            with contextlib.suppress(OSError):  # another run unpacked it meanwhile: theirs is as good
                os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            archive.unlink(missing_ok=True)
        return str(folder)

    # ---- the worker ------------------------------------------------------------------
    def free_port(self) -> int:
        """A port free on this node now: rank 0's, for the other ranks' rendezvous."""
        import ray

        with socket.socket() as sock:
            sock.bind((ray.util.get_node_ip_address(), 0))
            return sock.getsockname()[1]

    def start(self, spec: dict[str, Any], env: dict[str, str], notes: list[str]) -> int:
        """Write spec.json, say where the run is in its own log (rank 0), start the worker
        with its place in the run (`env`: RANK, WORLD_SIZE, MASTER_ADDR... for a
        data-parallel run, whose ranks are actors of their own)."""
        from ..storage import write_json_atomic
        from .events import EventWriter

        write_json_atomic(self.folder / "spec.json", spec)
        if notes:
            events = EventWriter(self.folder)
            for note in notes:
                events.log(note)
            events.close()
        env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE="1", PYTHONUNBUFFERED="1", CVSTUDIO_END_WITH_PARENT="1", **env)
        with self._lock, open(self.folder / "worker.out", "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, str(self.folder)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,
                env=env,
            )
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def poll(self, offsets: dict[str, int], limit: int) -> dict[str, Any]:
        """Whether the worker lives, then what it wrote: a worker seen ended here has
        written all it ever will into what follows."""
        started = self.proc is not None
        alive = self.alive()
        streams = {}
        for name in STREAMS:
            try:
                with open(self.folder / name, "rb") as fh:
                    fh.seek(offsets.get(name, 0))
                    streams[name] = fh.read(limit)
            except FileNotFoundError:
                streams[name] = b""
        files = {}
        for path in [*(self.folder / "checkpoints").glob("*.pt"), self.folder / "evaluation.json"]:
            with contextlib.suppress(FileNotFoundError):
                st = path.stat()
                files[str(path.relative_to(self.folder))] = [st.st_size, st.st_mtime_ns]
        return {"started": started, "alive": alive, "streams": streams, "files": files}

    def snapshot(self, rel: str) -> tuple[str, int]:
        """A hard link to a run file as it is now (the worker replaces checkpoints by
        renaming, so the link keeps this version whole while it is read in chunks)."""
        path = inside(self.folder, rel)
        link = self.folder / ".ship" / uuid.uuid4().hex
        link.parent.mkdir(exist_ok=True)
        os.link(path, link)
        return str(link.relative_to(self.folder)), link.stat().st_size

    def read(self, rel: str, offset: int, size: int) -> bytes:
        with open(inside(self.folder, rel), "rb") as fh:
            fh.seek(offset)
            return fh.read(size)

    def drop(self, rel: str) -> None:
        inside(self.folder, rel).unlink(missing_ok=True)

    # ---- control ---------------------------------------------------------------------
    def control(self, action: str) -> None:
        """control.json, as the local executor writes it (engine/training/control.py reads it)."""
        from ..storage import write_json_atomic

        write_json_atomic(self.folder / "control.json", {"action": action, "nonce": uuid.uuid4().hex})

    def kill(self, force: bool) -> None:
        """The worker and anything it started."""
        import psutil

        if not self.alive():
            return
        try:
            root = psutil.Process(self.proc.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        for proc in tree:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL if force else signal.SIGTERM)

    def close(self) -> None:
        """The run is over and its files are on the server: nothing of it stays here."""
        self.kill(force=True)
        shutil.rmtree(self.folder, ignore_errors=True)
