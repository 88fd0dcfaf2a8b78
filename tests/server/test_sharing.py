"""Sharing datasets, models and weights read-only between users (alice, bob, carol) of one
server, as JupyterHub users of one database are: a shared item is listed with its owner,
read, trained on and predicted with, and never changed by anyone but its owner."""

from __future__ import annotations

import asyncio
import io

import pytest
import torch
from sqlalchemy import select

from ..datagen import class_folders
from .test_ownership import HeaderIdentity
from .test_training import SMALL, wait_for

ALICE = {"X-Test-User": "alice"}
BOB = {"X-Test-User": "bob"}
CAROL = {"X-Test-User": "carol"}


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ServerApp"]["identity_provider_class"] = HeaderIdentity
    return jp_server_config


class As:
    """The test client as one user."""

    def __init__(self, api, headers: dict[str, str]):
        self.api, self.headers = api, headers

    async def get(self, path: str, **kw):
        return await self.api.get(path, headers=self.headers, **kw)

    async def post(self, path: str, body=None, headers=None, **kw):
        return await self.api.post(path, body, headers={**self.headers, **(headers or {})}, **kw)

    async def put(self, path: str, body=None):
        return await self.api.put(path, body, headers=self.headers)

    async def patch(self, path: str, body=None):
        return await self.api.patch(path, body, headers=self.headers)

    async def delete(self, path: str):
        return await self.api.delete(path, headers=self.headers)

    async def register(self, root, name: str) -> dict:
        """A folder of class folders made under `root`, registered and indexed."""
        class_folders(root / name, per_class=4)
        r = await self.post("datasets", {"name": name, "path": name})
        assert r.code == 202, r
        for _ in range(600):
            ds = (await self.get(f"datasets/{r.json['id']}")).json
            if ds["status"] != "indexing":
                break
            await asyncio.sleep(0.05)
        assert ds["status"] == "ready", ds
        return ds


async def alices_things(api, root) -> tuple[dict, dict, dict]:
    """alice's dataset (two classes of 32 px images), graph model and a weight for it."""
    from cvstudio_ext.engine.models_factory import build_model

    alice = As(api, ALICE)
    ds = await alice.register(root, "pics")
    model = (await alice.post("models", {"name": "small", "graph": SMALL})).json
    buf = io.BytesIO()
    torch.save(build_model(f"graph:{model['id']}", 2, graph=SMALL).state_dict(), buf)
    r = await alice.post(
        "weights/upload",
        raw=buf.getvalue(),
        params={"name": "start", "architecture": f"graph:{model['id']}", "classes": "a,b", "input_size": "16"},
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.code == 201, r
    return ds, model, r.json


def read_only(r) -> bool:
    return r.code == 403 and r.json["error"]["code"] == "read_only"


async def test_a_shared_item_is_read_and_used_but_never_changed(api, jp_root_dir, jp_serverapp):
    alice, bob = As(api, ALICE), As(api, BOB)
    ds, model, weight = await alices_things(api, jp_root_dir)
    items = {"datasets": ds["id"], "models": model["id"], "weights": weight["id"]}
    image = (await alice.get(f"datasets/{ds['id']}/images")).json["items"][0]
    run_body = {
        "name": "bobs-run",
        "dataset_id": ds["id"],
        "model": {"source": "graph", "model_id": model["id"]},
        "pretrained_weight_id": weight["id"],
        "hyperparameters": {"epochs": 1, "batch_size": 4, "seed": 1},
        "resources": {"device": "cpu"},
    }
    predict_body = {"weight_id": weight["id"], "dataset_image": {"dataset_id": ds["id"], "image_id": image["id"]}}

    # not shared: bob sees nothing, and nothing says that it exists
    for kind, item_id in items.items():
        assert (await bob.get(kind)).json["total"] == 0
        assert (await bob.get(f"{kind}/{item_id}")).code == 404
        assert (await bob.get(f"{kind}/{item_id}/share")).code == 404
        assert (await bob.post(f"{kind}/{item_id}/share", {"everyone": True})).code == 404
    assert (await bob.get(f"datasets/{ds['id']}/images/{image['id']}")).code == 404
    assert (await bob.get(f"weights/{weight['id']}/download")).code == 404
    assert (await bob.post("training", run_body)).json["error"]["code"] == "dataset_not_found"
    assert (await bob.post("inference/predict", predict_body)).code == 404

    # alice shares each with bob (herself in the list is left out, a repeated name counts once)
    for kind, item_id in items.items():
        assert (await alice.get(f"{kind}/{item_id}/share")).json == {"users": [], "everyone": False}
        r = await alice.post(f"{kind}/{item_id}/share", {"users": ["bob", "alice", "bob"]})
        assert r.code == 200 and r.json == {"users": ["bob"], "everyone": False}, r
        assert (await alice.get(f"{kind}/{item_id}/share")).json == {"users": ["bob"], "everyone": False}

    # bob lists them with their owner, marked shared; alice's own are not marked
    for kind, item_id in items.items():
        listed = (await bob.get(kind)).json
        assert listed["total"] == 1 and listed["items"][0]["id"] == item_id
        assert listed["items"][0]["owner"] == "alice" and listed["items"][0]["shared"] is True
        assert (await alice.get(kind)).json["items"][0]["shared"] is False
    tree = (await bob.get("weights/tree")).json["tree"]
    named = tree[0]["children"][0]["children"][0]
    assert (named["name"], named["owner"], named["shared"]) == ("start", "alice", True)
    # his own next to them: filters, totals and pages stay right
    mine = await bob.register(jp_root_dir, "mine")
    assert mine["owner"] == "bob" and mine["shared"] is False
    listed = (await bob.get("datasets", params={"limit": "1", "offset": "1"})).json
    assert listed["total"] == 2 and [d["id"] for d in listed["items"]] == [ds["id"]]
    assert [d["id"] for d in (await bob.get("datasets", params={"q": "pic"})).json["items"]] == [ds["id"]]
    assert (await alice.get("datasets")).json["total"] == 1

    # bob reads them
    got = (await bob.get(f"datasets/{ds['id']}")).json
    assert got["owner"] == "alice" and got["shared"] is True
    page = (await bob.get(f"datasets/{ds['id']}/images")).json
    assert page["total"] == 8
    r = await bob.get(f"datasets/{ds['id']}/images/{image['id']}", params={"size": "thumb"})
    assert r.code == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert (await bob.get(f"datasets/{ds['id']}/stats")).json["num_images"] == 8
    r = await bob.get(f"weights/{weight['id']}/download")
    assert r.code == 200 and r.body == (await alice.get(f"weights/{weight['id']}/download")).body
    assert "class Small" in (await bob.get(f"models/{model['id']}/versions/1")).json["code"]

    # ... but changes none of them, and the rows stay as they were
    before = {kind: (await alice.get(f"{kind}/{item_id}")).json for kind, item_id in items.items()}
    writes = [
        await bob.patch(f"datasets/{ds['id']}", {"name": "bobs"}),
        await bob.delete(f"datasets/{ds['id']}"),
        await bob.put(f"models/{model['id']}", {"description": "bob was here"}),
        await bob.delete(f"models/{model['id']}"),
        await bob.patch(f"weights/{weight['id']}", {"tags": ["bob"]}),
        await bob.delete(f"weights/{weight['id']}"),
    ]
    for kind, item_id in items.items():
        writes.append(await bob.post(f"{kind}/{item_id}/share", {"users": ["bob", "carol"]}))
        writes.append(await bob.get(f"{kind}/{item_id}/share"))  # whom alice shares with is hers to know
    assert all(read_only(r) for r in writes), [r for r in writes if not read_only(r)]
    assert "belongs to alice" in writes[0].json["error"]["message"]
    for kind, item_id in items.items():
        after = (await alice.get(f"{kind}/{item_id}")).json
        assert after == before[kind]
        assert (await alice.get(f"{kind}/{item_id}/share")).json == {"users": ["bob"], "everyone": False}

    # bob trains on alice's dataset and graph from alice's weight: the run and its weight are his
    r = await bob.post("training", run_body)
    assert r.code == 201, r
    assert r.json["owner"] == "bob"
    run = await wait_for(As(api, BOB), r.json["id"], ("completed", "failed"))
    assert run["status"] == "completed", run
    assert (await alice.get(f"training/{run['id']}")).code == 404
    his = (await bob.get(f"weights/{run['weight_id']}")).json
    assert his["owner"] == "bob" and his["shared"] is False and his["architecture"] == f"graph:{model['id']}"

    # ... and predicts with alice's weight on alice's image, also once her graph is no longer shared
    r = await bob.post("inference/predict", predict_body)
    assert r.code == 200 and {p["class_name"] for p in r.json["predictions"]} == {"a", "b"}, r
    assert (await alice.post(f"models/{model['id']}/share", {"users": []})).code == 200
    assert (await bob.post("inference/predict", predict_body)).code == 200
    r = await bob.post("inference/batch", {"weight_id": weight["id"], "dataset_id": ds["id"]})
    assert r.code == 202, r
    for _ in range(600):
        job = (await bob.get(f"inference/jobs/{r.json['job_id']}")).json
        if job["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "completed" and job["done"] == 8, job


async def test_everyone_unsharing_deleting_and_bad_bodies(api, jp_root_dir, jp_serverapp):
    from cvstudio_ext.store.models import Share

    alice, bob, carol = As(api, ALICE), As(api, BOB), As(api, CAROL)
    ds = await alice.register(jp_root_dir, "pics")
    model = (await alice.post("models", {"name": "small", "graph": SMALL})).json
    path = f"datasets/{ds['id']}/share"

    assert (await alice.post(path, {"users": ["bob"]})).code == 200
    assert (await carol.get("datasets")).json["total"] == 0
    assert (await carol.get(f"datasets/{ds['id']}")).code == 404
    # everyone: carol too; the named users are kept until users is given
    r = await alice.post(path, {"everyone": True})
    assert r.json == {"users": ["bob"], "everyone": True}
    listed = (await carol.get("datasets")).json
    assert listed["total"] == 1 and listed["items"][0]["owner"] == "alice" and listed["items"][0]["shared"]
    assert (await carol.get(f"datasets/{ds['id']}/stats")).code == 200
    assert read_only(await carol.patch(f"datasets/{ds['id']}", {"name": "carols"}))
    assert (await alice.post(path, {"users": []})).json == {"users": [], "everyone": True}
    assert (await bob.get("datasets")).json["total"] == 1  # through everyone
    r = await alice.post(path, {"users": ["carol"], "everyone": False})
    assert r.json == {"users": ["carol"], "everyone": False}
    # unshared: gone from bob's list, 404 again
    assert (await bob.get("datasets")).json["total"] == 0
    assert (await bob.get(f"datasets/{ds['id']}")).code == 404
    assert (await carol.get("datasets")).json["total"] == 1

    # bodies that say nothing sensible are 422, naming what to fix; nothing changes
    bad = [
        {},
        {"users": None, "everyone": None},
        {"users": "bob"},
        {"users": [""]},
        {"users": ["  "]},
        {"users": ["*"]},
        {"users": ["b" * 256]},
        {"users": [f"user{i}" for i in range(1001)]},
        {"users": [7]},
        {"everyone": 1},
        {"everyone": "yes"},
        {"users": ["bob"], "also": True},
    ]
    for body in bad:
        r = await alice.post(path, body)
        assert r.code == 422 and r.json["error"]["message"], (body, r)
    assert "everyone" in (await alice.post(path, {"users": ["*"]})).json["error"]["message"]
    assert (await alice.post(path, raw=b"[]", headers={"Content-Type": "application/json"})).code == 400
    assert (await alice.get(path)).json == {"users": ["carol"], "everyone": False}
    many = [f"user{i:04d}" for i in range(1000)]
    assert (await alice.post(path, {"users": many})).json["users"] == many
    assert (await alice.post(f"models/{model['id']}/share", {"everyone": True})).code == 200
    assert (await alice.post("datasets/2147483648/share", {"everyone": True})).code == 404
    assert (await alice.post(f"models/{model['id'] + 1000}/share", {"everyone": True})).code == 404

    # deleting an item deletes its shares with it; another item's stay
    services = jp_serverapp.web_app.settings["cvstudio_services"].begin().result()

    def shares() -> list[tuple[str, int]]:
        with services.store.session() as s:
            return sorted({(k, i) for k, i in s.execute(select(Share.kind, Share.item_id))})

    assert shares() == [("dataset", ds["id"]), ("model", model["id"])]
    assert (await alice.delete(f"datasets/{ds['id']}")).code == 204
    assert shares() == [("model", model["id"])]
    assert (await bob.get(f"models/{model['id']}")).json["shared"] is True
    assert (await alice.delete(f"models/{model['id']}")).code == 204
    assert shares() == []
    assert (await bob.get(f"models/{model['id']}")).code == 404
