"""The weight library through HTTP: upload, versions, tree, download, tags, delete, and
files that must never be trusted."""

from __future__ import annotations

import io
import os
import pickle

import pytest
import torch
import torchvision

from .test_models import TINY

CLASSES = "cat,dog,bird"


def mobilenet_bytes(num_classes: int = 3) -> bytes:
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v3_small(weights=None, num_classes=num_classes)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getvalue()


async def upload(api, body: bytes, **params):
    query = {"name": "pets", "architecture": "mobilenet_v3_small", "classes": CLASSES, **params}
    return await api.post(
        "weights/upload", raw=body, params=query, headers={"Content-Type": "application/octet-stream"}
    )


def library_files(cv_data_dir):
    folder = cv_data_dir / "weights"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_upload_versions_tree_download_delete(api, cv_data_dir):
    data = mobilenet_bytes()
    r = await upload(api, data, task="classification", input_size="224")
    assert r.code == 201, r
    w1 = r.json
    assert (w1["name"], w1["version"], w1["task"], w1["num_classes"]) == ("pets", 1, "classification", 3)
    assert w1["classes"] == ["cat", "dog", "bird"] and w1["input_size"] == [224, 224] and w1["format"] == "pt"
    assert w1["file_size"] == len(data) and len(w1["sha256"]) == 64
    checkpoint = io.BytesIO()
    torch.save({"epoch": 3, "model": torch.load(io.BytesIO(data), weights_only=True)}, checkpoint)
    r = await upload(api, checkpoint.getvalue(), input_size="160,192")
    assert r.code == 201 and r.json["version"] == 2 and r.json["input_size"] == [160, 192]
    w2 = r.json

    tree = (await api.get("weights/tree")).json["tree"]
    assert tree[0]["task"] == "classification"
    arch = tree[0]["children"][0]
    assert arch["architecture"] == "mobilenet_v3_small"
    assert [v["version"] for v in arch["children"][0]["versions"]] == [2, 1]

    r = await api.get(f"weights/{w1['id']}/download")
    assert r.code == 200 and r.body == data
    assert r.headers["Content-Disposition"] == 'attachment; filename="pets-v1.pt"'

    r = await api.patch(f"weights/{w1['id']}", {"tags": ["best", "v1", "best"]})
    assert r.code == 200 and r.json["tags"] == ["best", "v1"]
    assert (await api.patch(f"weights/{w1['id']}", {"tags": "best"})).code == 422
    listed = (await api.get("weights", params={"name": "pets"})).json
    assert listed["total"] == 2
    assert (await api.get("weights", params={"task": "detection"})).json["total"] == 0

    assert len(library_files(cv_data_dir)) == 2
    # readable by a teammate's server running as another account on a shared data directory
    assert {(cv_data_dir / "weights" / f).stat().st_mode & 0o777 for f in library_files(cv_data_dir)} == {0o644}
    assert (await api.delete(f"weights/{w1['id']}")).code == 204
    assert (await api.get(f"weights/{w1['id']}")).code == 404
    assert (await api.get(f"weights/{w1['id']}/download")).code == 404
    assert len(library_files(cv_data_dir)) == 1
    assert (await api.get(f"weights/{w2['id']}")).json["version"] == 2


class Pwn:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


async def test_a_pickle_that_runs_code_is_refused(api, tmp_path, cv_data_dir):
    target = tmp_path / "pwned"
    body = pickle.dumps({"fc.weight": Pwn(target)})
    r = await upload(api, body)
    assert r.code == 422 and r.json["error"]["code"] == "unsafe_weights", r
    assert not target.exists()
    buf = io.BytesIO()
    torch.save({"x": Pwn(target)}, buf)
    r = await upload(api, buf.getvalue())
    assert r.code == 422 and not target.exists()
    assert library_files(cv_data_dir) == [] and list((cv_data_dir / "tmp").iterdir()) == []


async def test_weights_that_do_not_fit_are_refused(api, cv_data_dir):
    r = await upload(api, mobilenet_bytes(num_classes=5))
    assert r.code == 422 and r.json["error"]["code"] == "weights_mismatch"
    assert "classifier.3" in r.json["error"]["message"] + str(r.json["error"]["details"])
    r = await upload(api, mobilenet_bytes(), architecture="resnet18")
    assert r.code == 422 and r.json["error"]["code"] == "weights_mismatch"
    r = await upload(api, mobilenet_bytes(), architecture="resnet_9000")
    assert r.code == 422 and r.json["error"]["code"] == "unknown_architecture"
    r = await upload(api, mobilenet_bytes(), task="detection")
    assert r.code == 422
    r = await upload(api, b"definitely not weights")
    assert r.code == 422
    r = await upload(api, mobilenet_bytes(), input_size="huge")
    assert r.code == 422
    r = await api.post(
        "weights/upload", raw=b"x", params={"name": "n"}, headers={"Content-Type": "application/octet-stream"}
    )
    assert r.code == 422
    assert library_files(cv_data_dir) == [] and (await api.get("weights")).json["total"] == 0


async def test_graph_model_weights(api):
    from cvstudio_ext.engine.graphs import build_module

    m = (await api.post("models", {"name": "tiny", "graph": TINY})).json
    state = build_module(TINY).state_dict()
    buf = io.BytesIO()
    torch.save(state, buf)
    classes = ",".join(f"c{i}" for i in range(10))
    r = await upload(api, buf.getvalue(), architecture=f"graph:{m['id']}", classes=classes, input_size="32")
    assert r.code == 201, r
    assert r.json["architecture"] == f"graph:{m['id']}" and r.json["task"] == "classification"
    r = await upload(api, buf.getvalue(), architecture="graph:999999", classes=classes)
    assert r.code == 422


@pytest.fixture
def cv_config():
    return {"max_upload_size": 20_000_000}


async def test_oversize_weights_are_413(api, cv_data_dir):
    r = await upload(api, b"\0" * 20_000_001)
    assert r.code == 413
    assert library_files(cv_data_dir) == [] and list((cv_data_dir / "tmp").iterdir()) == []
