"""The server extension: settings as traits, services built once, handlers registered."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import threading
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Int, List, TraitError, Unicode, default, validate

from . import __version__


def _env(name: str) -> str | None:
    value = os.environ.get(f"CVSTUDIO_{name.upper()}")
    return value if value not in (None, "") else None


def _executor_choice(value: str) -> str:
    choice = value.strip().lower()
    if choice not in ("local", "ray"):
        raise TraitError(f'executor must be "local" or "ray", not {value!r}')
    return choice


# Seconds after the server starts before CV Studio opens its database in the background.
WARM_UP_DELAY_S = 1.0
# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms).
# The event loop waits for the GIL after every socket call; behind the service threads
# (graph tracing, indexing, thumbnails) at 5 ms a turn it stalled for 150 ms under load.
SWITCH_INTERVAL_S = 0.001


class CVStudio(ExtensionApp):
    """CV Studio settings. Each trait is `c.CVStudio.<name>`, `--CVStudio.<name>=...`
    on the command line, or the environment variable `CVSTUDIO_<NAME>` (the config
    file and the command line win over the environment)."""

    name = "cvstudio"
    extension_url = "/cvstudio"
    load_other_extensions = True
    version = __version__

    data_dir = Unicode(
        help="Folder for the database, uploaded datasets, thumbnails, runs and weights. "
        "Default: <jupyter data dir>/cvstudio.",
    ).tag(config=True)
    db_url = Unicode(
        help="SQLAlchemy URL of the database. Default: SQLite file cvstudio.db in data_dir.",
    ).tag(config=True)
    dataset_roots = List(
        Unicode(),
        help="Folders inside which datasets may be registered (after resolving links). "
        "Default: the server's root_dir. The environment variable takes os.pathsep-separated paths.",
    ).tag(config=True)
    max_upload_size = Int(
        help="Largest accepted upload body in bytes (default 1 GiB).",
    ).tag(config=True)
    max_concurrent_runs = Int(
        help="Training runs that may run at once; the rest wait in `queued` (default 1).",
    ).tag(config=True)

    executor = Unicode(
        help='Where training runs: "local" (processes of this server, the default) or "ray" (a Ray '
        "cluster, see ray_address; needs pip install jupyter-cvstudio[ray]).",
    ).tag(config=True)
    ray_address = Unicode(
        help='The Ray cluster for executor "ray": "auto" (RAY_ADDRESS, else a cluster started on this '
        'machine with `ray start`), "host:port" of its head, or "ray://head:10001" (Ray Client). Default: auto.',
    ).tag(config=True)
    ray_namespace = Unicode(
        help='The Ray namespace of the runs\' actors (default "cvstudio").',
    ).tag(config=True)
    ray_ship_datasets = Bool(
        help="Send every dataset to the node as an archive (cached there per dataset version), even when "
        "the node reads the dataset at the server's path (a node that mounts other files there).",
    ).tag(config=True)

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return _env("data_dir") or str(Path(jupyter_data_dir()) / "cvstudio")

    @default("db_url")
    def _default_db_url(self) -> str:
        return _env("db_url") or ""

    @default("dataset_roots")
    def _default_dataset_roots(self) -> list[str]:
        env = _env("dataset_roots")
        return [p for p in env.split(os.pathsep) if p] if env else []

    @default("max_upload_size")
    def _default_max_upload_size(self) -> int:
        env = _env("max_upload_size")
        return int(env) if env else 1 << 30

    @default("max_concurrent_runs")
    def _default_max_concurrent_runs(self) -> int:
        env = _env("max_concurrent_runs")
        return int(env) if env else 1

    @default("executor")
    def _default_executor(self) -> str:
        return _executor_choice(_env("executor") or "local")  # defaults are not cross-validated

    @default("ray_address")
    def _default_ray_address(self) -> str:
        return _env("ray_address") or "auto"

    @default("ray_namespace")
    def _default_ray_namespace(self) -> str:
        return _env("ray_namespace") or "cvstudio"

    @default("ray_ship_datasets")
    def _default_ray_ship_datasets(self) -> bool:
        return (_env("ray_ship_datasets") or "").lower() in ("1", "true", "yes")

    @validate("executor")
    def _check_executor(self, proposal) -> str:
        return _executor_choice(proposal["value"])

    @validate("ray_namespace")
    def _check_ray_namespace(self, proposal) -> str:
        if not proposal["value"].strip():
            raise TraitError("ray_namespace must not be empty")
        return proposal["value"].strip()

    @validate("max_concurrent_runs")
    def _check_max_concurrent_runs(self, proposal) -> int:
        if proposal["value"] < 1:
            raise ValueError("max_concurrent_runs must be at least 1")
        return proposal["value"]

    @validate("max_upload_size")
    def _check_max_upload_size(self, proposal) -> int:
        if proposal["value"] <= 0:
            raise ValueError("max_upload_size must be a positive number of bytes")
        return proposal["value"]

    def resolved_dataset_roots(self) -> list[Path]:
        roots = self.dataset_roots or [self.serverapp.root_dir]
        return [Path(os.path.expanduser(r)).resolve() for r in roots]

    def initialize_settings(self) -> None:
        data_dir = Path(os.path.expanduser(self.data_dir)).resolve()
        db_url = self.db_url or f"sqlite:///{data_dir / 'cvstudio.db'}"
        roots = self.resolved_dataset_roots()

        def build():
            from .services.container import Services

            services = Services.create(
                data_dir=data_dir,
                db_url=db_url,
                dataset_roots=roots,
                max_upload_size=self.max_upload_size,
                max_concurrent_runs=self.max_concurrent_runs,
                log=self.log,
                executor=self.executor,
                ray_address=self.ray_address,
                ray_namespace=self.ray_namespace,
                ray_ship_datasets=self.ray_ship_datasets,
            )
            services.start()
            self.log.info("CV Studio %s: data in %s", __version__, data_dir)
            return services

        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.services = LazyServices(build, self.log)
        self.settings.update({"cvstudio_services": self.services, "cvstudio_version": __version__})

    def initialize_handlers(self) -> None:
        from .handlers import routes

        self.handlers.extend(routes())

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        # Open the database once Jupyter has finished starting and answers; the first
        # CV Studio request opens it sooner if it comes first.
        asyncio.get_running_loop().call_later(WARM_UP_DELAY_S, self.services.begin)

    async def stop_extension(self) -> None:
        self.services.stop()


class LazyServices:
    """Opens the database (migrating it) and builds the services once, in a worker
    thread that starts with the server, so Jupyter answers without waiting for it.
    Requests await `get()`; a failure to open is kept and reported on each request."""

    def __init__(self, build, log):
        self._build = build
        self._log = log
        self._future: concurrent.futures.Future | None = None
        self._lock = threading.Lock()

    def begin(self) -> concurrent.futures.Future:
        with self._lock:
            if self._future is None:
                self._future = concurrent.futures.Future()
                threading.Thread(target=self._run, name="cvstudio-start", daemon=True).start()
            return self._future

    def _run(self) -> None:
        try:
            self._future.set_result(self._build())
        except BaseException as exc:
            self._log.exception("CV Studio could not start")
            self._future.set_exception(exc)

    async def get(self):
        return await asyncio.wrap_future(self.begin())

    def stop(self) -> None:
        future = self._future
        if future is not None and future.done() and future.exception() is None:
            future.result().stop()
