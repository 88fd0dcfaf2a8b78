"""What a team shares on one hub: items one user shares with another across their two
servers, and the machine's one GPU, handed to one user's run at a time and freed when
the server holding it is killed."""

from __future__ import annotations

import time
from datetime import datetime

import psutil

from ..server.test_training import body
from .fake_nvml.pynvml import UUID as FAKE_GPU
from .hub import Hub

ON_GPU = {"device": "auto", "gpus": 1}  # the fake GPU is only NVML's: the worker trains on the CPU


def gpu_run(hub: Hub, user: str, dataset: dict, model: dict, epochs: int) -> dict:
    r = hub.api(user, "POST", "training", {**body(dataset, model, epochs=epochs), "resources": ON_GPU})
    assert r.code == 201, r
    return r.json


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_alice_shares_with_bob_across_their_servers(hub, trained):
    alice = trained["alice"]
    ds, weight = alice["dataset"], alice["run"]["weight_id"]
    assert hub.api("bob", "GET", f"datasets/{ds['id']}").code == 404
    for kind, item in (("datasets", ds["id"]), ("models", alice["model"]["id"]), ("weights", weight)):
        r = hub.api("alice", "POST", f"{kind}/{item}/share", {"users": ["bob"]})
        assert r.code == 200 and r.json == {"users": ["bob"], "everyone": False}, r
    listed = {d["id"]: d for d in hub.api("bob", "GET", "datasets").json["items"]}
    assert listed[ds["id"]]["owner"] == "alice" and listed[ds["id"]]["shared"] is True
    assert listed[trained["bob"]["dataset"]["id"]]["shared"] is False
    # bob's server reads alice's images and draws their thumbnails from the shared data folder
    image = hub.api("bob", "GET", f"datasets/{ds['id']}/images", params={"limit": 1}).json["items"][0]
    thumb = hub.api("bob", "GET", f"datasets/{ds['id']}/images/{image['id']}", params={"size": "thumb"})
    assert thumb.code == 200 and thumb.headers["Content-Type"].startswith("image/"), thumb
    # and predicts with alice's weight, whose file alice's server wrote
    predict = {"weight_id": weight, "dataset_image": {"dataset_id": ds["id"], "image_id": image["id"]}}
    r = hub.api("bob", "POST", "inference/predict", predict)
    assert r.code == 200 and r.json["predictions"], r
    # never changes them
    for path in (f"datasets/{ds['id']}", f"weights/{weight}"):
        r = hub.api("bob", "DELETE", path)
        assert r.code == 403 and r.json["error"]["code"] == "read_only", (path, r)
    assert hub.api("alice", "GET", f"datasets/{ds['id']}").json["status"] == "ready"
    r = hub.api("bob", "POST", f"datasets/{ds['id']}/share", {"everyone": True})
    assert r.code == 403 and r.json["error"]["code"] == "read_only", r


def test_the_one_gpu_goes_to_one_users_run_at_a_time(hub, trained):
    """Alice's run takes the machine's one GPU; bob's, asked for right after from his own
    server (on alice's shared dataset and model), waits for it and then gets it."""
    alice = trained["alice"]
    hub.api("alice", "POST", f"datasets/{alice['dataset']['id']}/share", {"users": ["bob"]})
    hub.api("alice", "POST", f"models/{alice['model']['id']}/share", {"users": ["bob"]})
    first = gpu_run(hub, "alice", alice["dataset"], alice["model"], epochs=2)
    second = gpu_run(hub, "bob", alice["dataset"], alice["model"], epochs=1)
    first = hub.wait_run("alice", first["id"], ("starting", "running", "completed"))
    assert first["gpus"] == [FAKE_GPU], first
    waiting = hub.api("bob", "GET", f"training/{second['id']}").json["status"]
    holding = hub.api("alice", "GET", f"training/{first['id']}").json["status"]
    assert waiting == "queued" or holding == "completed", (waiting, holding)  # bob's only after alice's
    first = hub.wait_run("alice", first["id"], ("completed", "failed"))
    second = hub.wait_run("bob", second["id"], ("completed", "failed"))
    assert first["status"] == second["status"] == "completed", (first, second)
    assert second["gpus"] == [FAKE_GPU] and second["owner"] == "bob"
    assert at(second["started_at"]) >= at(first["finished_at"]), (first, second)


def test_a_killed_server_frees_the_gpu_it_held(hub, trained):
    """Alice's server dies (SIGKILL, with its worker: a crashed machine slot) while her run
    holds the GPU: bob's waiting run gets it once her lease runs out, and her run is
    `interrupted` when her server comes back."""
    alice, bob = trained["alice"], trained["bob"]
    held = gpu_run(hub, "alice", alice["dataset"], alice["model"], epochs=500)
    hub.wait_run("alice", held["id"], ("running",))
    waiting = gpu_run(hub, "bob", bob["dataset"], bob["model"], epochs=1)
    time.sleep(1)
    assert hub.api("bob", "GET", f"training/{waiting['id']}").json["status"] == "queued"
    server = hub.server_process("alice")
    workers = server.children(recursive=True)
    assert workers, "alice's run has no worker process"
    hub.kill_server("alice")
    for proc in workers:
        proc.kill()
    psutil.wait_procs(workers, timeout=10)
    killed = time.monotonic()
    started = hub.wait_run("bob", waiting["id"], ("starting", "running", "completed"), timeout=60)
    assert started["gpus"] == [FAKE_GPU]
    assert time.monotonic() - killed < 30  # the lease (10 s) ran out; nothing waited for alice's server
    assert hub.wait_run("bob", waiting["id"], ("completed", "failed"))["status"] == "completed"
    hub.start_server("alice")
    assert hub.wait_run("alice", held["id"], ("interrupted",), timeout=30)["status"] == "interrupted"
