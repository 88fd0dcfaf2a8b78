"""A private Jupyter server with CV Studio, for a Python session that has none to find
(a script, a plain `python` shell, a kernel started outside Jupyter).

It serves the current directory on a free loopback port with a random token, keeps the
usual data directory (so its datasets, runs and weights are the user's own), and is
stopped when the session exits. Training runs it started are stopped with it, as a
server's workers would be on a laptop that shuts down; they can be resumed later.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PrivateServer:
    url: str
    token: str
    process: subprocess.Popen = field(repr=False)
    log: Path = field(repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_private_server(
    root_dir: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    base_url: str = "/",
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> PrivateServer:
    """Start `jupyter server` with the extension and wait until CV Studio answers."""
    root = Path(root_dir or os.getcwd()).resolve()
    port, token = free_port(), secrets.token_hex(16)
    args = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", f"--ServerApp.base_url={base_url}",
        "--ServerApp.jpserver_extensions=jupyter_server_terminals=False",
    ]  # fmt: skip
    if data_dir is not None:
        args.append(f"--CVStudio.data_dir={Path(data_dir).resolve()}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    args += extra_args or []
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"cvstudio-private-server-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1", **(env or {})},
        )
    server = PrivateServer(f"http://127.0.0.1:{port}{base_url}", token, proc, log)
    atexit.register(server.stop)
    deadline = time.monotonic() + START_TIMEOUT_S
    request = urllib.request.Request(server.url + "cvstudio/api/health", headers={"Authorization": f"token {token}"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5):
                return server
        except (OSError, urllib.error.URLError):
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                tail = log.read_text(errors="replace").splitlines()[-10:]
                raise RuntimeError("The private CV Studio server did not start:\n" + "\n".join(tail)) from None
            time.sleep(0.2)
