"""A real PostgreSQL for the tests: one server per test session (Debian's `postgresql`
package; `.ci/run` installs it), a fresh database for each use of it.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user
and its commands run through `runuser`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest PostgreSQL's bin folder Debian installed, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway cluster on a loopback port: trust auth, no fsync (tests only)."""

    def __init__(self, bin_dir: Path) -> None:
        # not under pytest's folders: those are private to root, and the cluster is postgres's
        self.base = Path(tempfile.mkdtemp(prefix="cvstudio-pg-"))
        self.bin = bin_dir
        self.port = free_port()
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        done = subprocess.run([*prefix, *args], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        (self.base / "sock").mkdir()
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.base / "sock", "postgres")
        data, sock = self.base / "data", self.base / "sock"
        self._run(str(self.bin / "initdb"), "-D", str(data), "--auth=trust", "--no-sync", "-U", "postgres")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sock} -c fsync=off -c max_connections=300"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.base / "log"), "-o", options, "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """An empty database of its own; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
