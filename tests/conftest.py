"""Shared fixtures: a real Jupyter server with the extension, and a small JSON client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from .corpus import CORPUS

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL for the session; `postgres.new_database()` gives a test its own."""
    from .pg import Postgres, pg_bin

    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    server = Postgres(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database of each kind CV Studio runs on."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cvstudio.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def cv_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "cvstudio-data"


@pytest.fixture
def cv_config() -> dict[str, Any]:
    """Override in a test module to add CVStudio settings."""
    return {}


@pytest.fixture
def cv_db_url() -> str:
    """The server's database: empty for SQLite in its data directory (tests/server runs
    each test on PostgreSQL too)."""
    return ""


@pytest.fixture
def jp_server_config(cv_data_dir, cv_config, cv_db_url):
    return {
        "ServerApp": {
            "jpserver_extensions": {"cvstudio_ext": True, "jupyter_server_terminals": False},
        },
        "CVStudio": {"data_dir": str(cv_data_dir), "db_url": cv_db_url, **cv_config},
    }


class Response:
    def __init__(self, code: int, body: bytes, headers):
        self.code = code
        self.body = body
        self.headers = headers

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<Response {self.code} {self.body[:300]!r}>"


class Api:
    """Calls the CV Studio API through the fixture server and never raises on 4xx."""

    def __init__(self, fetch):
        self.fetch = fetch

    async def request(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, params=None, headers=None, **kw
    ) -> Response:
        headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        if data is None and method in ("POST", "PUT", "PATCH") and "body_producer" not in kw:
            data = b""
        resp = await self.fetch(
            "cvstudio",
            "api",
            *path.strip("/").split("/"),
            method=method,
            body=data,
            params=params,
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
            **kw,
        )
        return Response(resp.code, resp.body, resp.headers)

    async def get(self, path: str, **kw) -> Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw) -> Response:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw) -> Response:
        return await self.request("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any = None, **kw) -> Response:
        return await self.request("PATCH", path, body, **kw)

    async def delete(self, path: str, **kw) -> Response:
        return await self.request("DELETE", path, **kw)

    async def wait_dataset(self, dataset_id: int, timeout: float = 60) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            r = await self.get(f"datasets/{dataset_id}")
            assert r.code == 200, r
            if r.json["status"] != "indexing":
                return r.json
            assert loop.time() < end, f"dataset {dataset_id} still indexing: {r.json}"
            await asyncio.sleep(0.05)

    async def register(
        self, path: Path | str, name: str, fmt: str | None = None, *, wait: bool = True
    ) -> dict[str, Any]:
        body = {"name": name, "path": str(path)}
        if fmt:
            body["format"] = fmt
        r = await self.post("datasets", body)
        assert r.code == 202, r
        return await self.wait_dataset(r.json["id"]) if wait else r.json


@pytest.fixture
def api(jp_fetch, jp_serverapp) -> Api:
    return Api(jp_fetch)


def copy_sample(name: str, dest_root: Path) -> Path:
    dest = dest_root / name
    shutil.copytree(CORPUS / name, dest)
    return dest
