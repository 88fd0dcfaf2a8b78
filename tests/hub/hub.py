"""A real JupyterHub for the tests: the hub and its proxy (configurable-http-proxy from
deploy/hub, `npm ci`) on loopback ports, DummyAuthenticator, SimpleLocalProcessSpawner,
and one single-user server per user with CV Studio, all of them on one shared PostgreSQL
database and one shared data directory, as a team's deployment runs them.

Driven by REST only: an admin service token for the hub's API, a token per user for the
user's server. Every call goes through the proxy, as a browser's or a notebook's would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import requests

from ..conftest import Response
from ..pg import free_port

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHP = REPO / "deploy" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
FAKE_NVML = Path(__file__).resolve().parent / "fake_nvml"
ADMIN_SCOPES = ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]


def hub_config(base: Path, *, proxy_port: int, hub_port: int, api_port: int, proxy_token: str,
               admin_token: str, environment: dict[str, str]) -> str:  # fmt: skip
    """jupyterhub_config.py for a hub that lives in `base` (its database, cookie secret, homes)."""
    args = ["--ServerApp.jpserver_extensions=jupyter_server_terminals=False"]
    if os.geteuid() == 0:
        args.append("--ServerApp.allow_root=True")
    settings = {
        "JupyterHub.bind_url": f"http://127.0.0.1:{proxy_port}",
        "JupyterHub.hub_bind_url": f"http://127.0.0.1:{hub_port}",
        "JupyterHub.db_url": f"sqlite:///{base / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(base / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(base / "jupyterhub.pid"),
        "JupyterHub.authenticator_class": "dummy",
        "Authenticator.allow_all": True,
        "JupyterHub.spawner_class": "simple",
        "SimpleLocalProcessSpawner.home_dir_template": str(base / "home" / "{username}"),
        "ConfigurableHTTPProxy.command": [str(CHP)],
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}",
        "ConfigurableHTTPProxy.auth_token": proxy_token,
        "Spawner.cmd": [str(VENV_BIN / "jupyterhub-singleuser")],
        "Spawner.args": args,
        "Spawner.ip": "127.0.0.1",
        "Spawner.environment": environment,
        # two servers importing the extension at once on a loaded 2-core machine
        "Spawner.start_timeout": 120,
        "Spawner.http_timeout": 120,
        "JupyterHub.services": [{"name": "cvstudio-tests", "api_token": admin_token}],
        "JupyterHub.load_roles": [{"name": "cvstudio-tests", "scopes": ADMIN_SCOPES, "services": ["cvstudio-tests"]}],
    }
    return "".join(f"c.{key} = {value!r}\n" for key, value in settings.items())


class Hub:
    """One hub process and the users' servers it spawns; `start()` returns once every
    user's server answers, `stop()` leaves no process behind."""

    def __init__(self, base: Path, db_url: str, data_dir: Path, users: tuple[str, ...] = ("alice", "bob")) -> None:
        self.base = base
        self.db_url = db_url
        self.data_dir = data_dir
        self.users = users
        self.tokens: dict[str, str] = {}
        self.proxy_port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.proxy_port}"
        self.admin_token = os.urandom(16).hex()
        self.process: subprocess.Popen | None = None
        self.log_path = base / "jupyterhub.log"
        self.session = requests.Session()

    # ---- paths and addresses -------------------------------------------------------
    def home(self, user: str) -> Path:
        """The user's home: the single-user server's cwd and root_dir, so the default
        `dataset_roots`."""
        return self.base / "home" / user

    def server_url(self, user: str) -> str:
        """The user's server through the proxy, ending in "/"."""
        return f"{self.url}/user/{user}/"

    def environment(self) -> dict[str, str]:
        """What every user's server gets: the team's database and data folder, and the
        fake NVML (one GPU for the whole machine) first on the import path."""
        return {
            "CVSTUDIO_DB_URL": self.db_url,
            "CVSTUDIO_DATA_DIR": str(self.data_dir),
            "PYTHONPATH": str(FAKE_NVML),
            "NO_ALBUMENTATIONS_UPDATE": "1",
        }

    # ---- the hub's REST API --------------------------------------------------------
    def hub_api(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200,)) -> Any:
        r = self.session.request(
            method,
            f"{self.url}/hub/api/{path}",
            json=body,
            headers={"Authorization": f"token {self.admin_token}"},
            timeout=60,
        )
        assert r.status_code in expect, (method, path, r.status_code, r.text[:500])
        return r.json() if r.content else None

    def api(self, user: str, method: str, path: str, body: Any = None, *, token: str | None = "",
            params: dict[str, Any] | None = None, raw: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> Response:  # fmt: skip
        """Call CV Studio on `user`'s server with that user's token (another user's with
        `token=hub.tokens["bob"]`, none with `token=None`); never raises on an error status."""
        headers = dict(headers or {})
        token = self.tokens[user] if token == "" else token
        if token:
            headers["Authorization"] = f"token {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        r = self.session.request(
            method,
            f"{self.server_url(user)}cvstudio/api/{path.lstrip('/')}",
            data=data,
            params=params,
            headers=headers,
            allow_redirects=False,
            timeout=timeout,
        )
        return Response(r.status_code, r.content, r.headers)

    def wait_dataset(self, user: str, dataset_id: int, timeout: float = 60) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            r = self.api(user, "GET", f"datasets/{dataset_id}")
            assert r.code == 200, r
            if r.json["status"] != "indexing":
                return r.json
            assert time.monotonic() < end, f"dataset {dataset_id} of {user} still indexing: {r.json}"
            time.sleep(0.1)

    def wait_run(self, user: str, run_id: int, statuses: tuple[str, ...], timeout: float = 120) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            r = self.api(user, "GET", f"training/{run_id}")
            assert r.code == 200, r
            if r.json["status"] in statuses:
                return r.json
            assert time.monotonic() < end, f"run {run_id} of {user} not {statuses}: {r.json}"
            time.sleep(0.2)

    # ---- lifecycle -----------------------------------------------------------------
    def start(self, timeout: float = 180) -> None:
        assert CHP.exists(), f"{CHP} is missing: run `npm ci --prefix deploy/hub` (make test does)"
        self.base.mkdir(parents=True, exist_ok=True)
        config = self.base / "jupyterhub_config.py"
        config.write_text(
            hub_config(
                self.base,
                proxy_port=self.proxy_port,
                hub_port=self.hub_port,
                api_port=self.api_port,
                proxy_token=os.urandom(16).hex(),
                admin_token=self.admin_token,
                environment=self.environment(),
            )
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CVSTUDIO_", "JUPYTER", "JPY_"))}
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
                cwd=self.base,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        end = time.monotonic() + timeout
        self._wait(lambda: self._answers(f"{self.url}/hub/api/"), end, "the hub")
        for user in self.users:
            self.hub_api("POST", f"users/{user}", expect=(201, 409))
            self.tokens[user] = self.hub_api(
                "POST", f"users/{user}/tokens", {"note": "cvstudio tests"}, expect=(200, 201)
            )["token"]
        for user in self.users:  # all spawns at once: they start side by side
            self.hub_api("POST", f"users/{user}/server", expect=(201, 202))
        for user in self.users:
            self.wait_ready(user, end)

    def _answers(self, url: str) -> bool:
        try:
            return self.session.get(url, timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def _wait(self, ready, end: float, what: str) -> None:
        while not ready():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"the hub exited ({self.process.returncode}) while waiting for {what}:\n{self.log()}"
                )
            if time.monotonic() > end:
                raise TimeoutError(f"{what} not ready in time:\n{self.log()}")
            time.sleep(0.2)

    def log(self, tail: int | None = 6000) -> str:
        """The hub's log, its users' servers' included (they write to the hub's stderr)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-tail:] if tail else text

    def wait_ready(self, user: str, end: float | None = None) -> None:
        """Until the hub says `user`'s server is ready and CV Studio's `health` answers on it."""
        end = end or time.monotonic() + 180

        def ready() -> bool:
            server = self.hub_api("GET", f"users/{user}")["servers"].get("")
            return bool(server and server["ready"])

        self._wait(ready, end, f"{user}'s server")
        self._wait(lambda: self.api(user, "GET", "health").code == 200, end, f"CV Studio on {user}'s server")

    def server_process(self, user: str) -> psutil.Process | None:
        """The user's single-user server process, found among the hub's children by the
        JUPYTERHUB_USER its spawner gave it."""
        assert self.process is not None
        for proc in psutil.Process(self.process.pid).children():
            try:
                if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("JUPYTERHUB_USER") == user:
                    return proc
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return None

    def server_environ(self, user: str) -> dict[str, str]:
        """The environment the spawner gave the user's server (what its kernels inherit)."""
        proc = self.server_process(user)
        assert proc is not None, f"{user}'s server is not running"
        return proc.environ()

    def start_server(self, user: str) -> None:
        """Start (or restart) the user's server and wait until it answers."""
        self.hub_api("POST", f"users/{user}/server", expect=(201, 202))
        self.wait_ready(user)

    def stop_server(self, user: str, timeout: float = 60) -> None:
        """Stop the user's server through the hub, as the admin page does."""
        self.hub_api("DELETE", f"users/{user}/server", expect=(202, 204))
        end = time.monotonic() + timeout
        self._wait(lambda: not self.hub_api("GET", f"users/{user}")["servers"], end, f"{user}'s server to stop")

    def kill_server(self, user: str) -> int:
        """SIGKILL the user's server process (a crash: nothing is cleaned up); its pid.
        The hub notices at its next poll, or when `start_server` asks it to spawn again."""
        proc = self.server_process(user)
        assert proc is not None, f"{user}'s server is not running"
        proc.kill()
        # the hub reaps its child only when it next polls: until then, a zombie
        end = time.monotonic() + 10
        while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < end, f"{user}'s server {proc.pid} outlived SIGKILL"
            time.sleep(0.05)
        return proc.pid

    def stop(self) -> None:
        """Stop the users' servers, the hub and its proxy; then kill whatever of them is
        left (training workers included), so that nothing outlives the tests."""
        if self.process is None:
            return
        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for user in self.users:
            try:
                self.hub_api("DELETE", f"users/{user}/server", expect=(202, 204, 400, 404))
            except (AssertionError, requests.RequestException):
                pass  # the hub may be the thing that failed; the signals below still apply
        # the hub stops its servers and its proxy on SIGTERM (cleanup_servers, cleanup_proxy)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        _, alive = psutil.wait_procs(family, timeout=15)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=10)
        self.process = None
