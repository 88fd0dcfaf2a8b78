"""A real Jupyter server in a subprocess, and a keep-alive JSON client for it."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(
        self,
        root_dir: Path,
        data_dir: Path,
        *,
        extension: bool = True,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ):
        """`args` are added to the command line and `env` to the environment."""
        self.root_dir, self.data_dir, self.extension = root_dir, data_dir, extension
        self.extra_args, self.extra_env = list(args), dict(env or {})
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None

    def start(self, path: str = "/api/status") -> float:
        """Start the server and return the seconds until `path` first answered 200."""
        args = [
            sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
            f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            f"--CVStudio.data_dir={self.data_dir}", "--ServerApp.jpserver_extensions=jupyter_server_terminals=False",
        ]  # fmt: skip
        if os.geteuid() == 0:
            args.append("--allow-root")
        if not self.extension:
            args.append("--ServerApp.jpserver_extensions=cvstudio_ext=False")
        args += self.extra_args
        env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1", **self.extra_env}
        t0 = time.perf_counter()
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        while True:
            try:
                status, _ = self.request("GET", path, timeout=2)
                if status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited during start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def connection(self) -> Client:
        return Client(self.port, self.token)

    def request(self, method: str, path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
        with Client(self.port, self.token, timeout) as c:
            return c.json(method, path, body)

    def __enter__(self) -> Server:
        self.start("/cvstudio/api/datasets")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Client:
    """One persistent HTTP connection, so latencies are the server's, not TCP's."""

    def __init__(self, port: int, token: str, timeout: float = 60):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers = {"Authorization": f"token {token}"}

    def raw(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        status, raw = self.raw(method, path, data, {"Content-Type": "application/json"} if data else None)
        return status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
