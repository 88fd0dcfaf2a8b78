"""Choosing the executor: the settings, and a clear startup error without Ray."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from traitlets import TraitError

from cvstudio_ext.app import CVStudio

SETTINGS = ("EXECUTOR", "RAY_ADDRESS", "RAY_NAMESPACE", "RAY_SHIP_DATASETS")


def test_local_is_the_default_and_the_environment_chooses_ray(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(f"CVSTUDIO_{name}", raising=False)
    app = CVStudio()
    assert (app.executor, app.ray_address, app.ray_namespace, app.ray_ship_datasets) == (
        "local", "auto", "cvstudio", False,
    )  # fmt: skip
    monkeypatch.setenv("CVSTUDIO_EXECUTOR", "Ray")
    monkeypatch.setenv("CVSTUDIO_RAY_ADDRESS", "ray://head:10001")
    monkeypatch.setenv("CVSTUDIO_RAY_NAMESPACE", "team")
    monkeypatch.setenv("CVSTUDIO_RAY_SHIP_DATASETS", "true")
    app = CVStudio()
    assert (app.executor, app.ray_address, app.ray_namespace, app.ray_ship_datasets) == (
        "ray", "ray://head:10001", "team", True,
    )  # fmt: skip


def test_unknown_executors_and_empty_namespaces_are_refused(monkeypatch):
    with pytest.raises(TraitError, match='executor must be "local" or "ray", not \'spark\''):
        CVStudio(executor="spark")
    monkeypatch.setenv("CVSTUDIO_EXECUTOR", "dask")
    with pytest.raises(TraitError, match='executor must be "local" or "ray", not \'dask\''):
        assert CVStudio().executor is None  # the default is refused when it is read
    with pytest.raises(TraitError, match="ray_namespace must not be empty"):
        CVStudio(ray_namespace="  ")


def test_without_ray_building_the_services_says_how_to_install_it(tmp_path):
    code = f"""
import sys
from pathlib import Path
sys.modules["ray"] = None  # an environment without Ray: `import ray` fails
from cvstudio_ext.services.container import Services
try:
    Services.create(data_dir=Path({str(tmp_path)!r}), db_url="sqlite:///{tmp_path}/t.db",
                    dataset_roots=[Path("/")], max_upload_size=10, executor="ray")
except RuntimeError as exc:
    print(exc)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'executor is "ray" but Ray is not installed' in out and "pip install jupyter-cvstudio[ray]" in out


@pytest.fixture
def cv_config(monkeypatch) -> dict[str, Any]:
    """A server asked for Ray where Ray cannot be imported (no cluster needed)."""
    monkeypatch.setitem(sys.modules, "ray", None)
    return {"executor": "ray"}


async def test_a_server_without_ray_answers_every_request_with_the_reason(api):
    for path in ("datasets", "training"):
        r = await api.get(path)
        assert r.code == 503, r
        assert "pip install jupyter-cvstudio[ray]" in r.json["error"]["message"], r.json
