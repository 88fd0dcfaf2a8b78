"""Training runs through HTTP and WebSocket against real worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from datetime import datetime, timezone

import numpy as np
from PIL import Image

from ..conftest import Api

SMALL = {
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [3, 16, 16]}},
        {"id": "conv", "type": "Conv2d", "params": {"out_channels": 8, "kernel_size": 3, "padding": 1}},
        {"id": "act", "type": "ReLU", "params": {}},
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
        {"id": "out", "type": "Output", "params": {}},
    ],
    "edges": [
        {"source": a, "target": b}
        for a, b in (("in", "conv"), ("conv", "act"), ("act", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "out"))
    ],
}


def colour_squares(root, per_class: int = 16) -> None:
    """Two classes anyone can tell apart: reddish and bluish 16 px squares."""
    rng = np.random.default_rng(0)
    for split, n in (("train", per_class), ("val", per_class // 2)):
        for name, base in (("red", (200, 40, 40)), ("blue", (40, 40, 200))):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                noise = rng.integers(-30, 30, (16, 16, 3))
                Image.fromarray(np.clip(np.array(base) + noise, 0, 255).astype(np.uint8)).save(folder / f"{i}.png")


async def setup(api: Api, jp_root_dir) -> tuple[dict, dict]:
    colour_squares(jp_root_dir / "squares")
    ds = await api.register("squares", "squares")
    model = (await api.post("models", {"name": "small", "graph": SMALL})).json
    return ds, model


async def wait_for(api: Api, run_id: int, statuses: tuple[str, ...], timeout: float = 90) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        run = (await api.get(f"training/{run_id}")).json
        if run["status"] in statuses:
            return run
        assert loop.time() < end, run
        await asyncio.sleep(0.1)


def body(ds, model, **hyper):
    return {
        "name": "squares-run",
        "dataset_id": ds["id"],
        "model": {"source": "graph", "model_id": model["id"]},
        "hyperparameters": {"epochs": 2, "batch_size": 8, "lr": 0.05, "seed": 1, **hyper},
        "resources": {"device": "cpu"},
    }


async def test_a_run_trains_reports_and_lands_in_the_library(api, jp_root_dir, jp_ws_fetch, cv_data_dir):
    ds, model = await setup(api, jp_root_dir)
    r = await api.post("training", body(ds, model))
    assert r.code == 201, r
    run = await wait_for(api, r.json["id"], ("completed", "failed"))
    assert run["status"] == "completed", run
    # what a teammate's server (another account) reads of it: its weight and its spec
    kept = [*(cv_data_dir / "weights").iterdir(), cv_data_dir / "runs" / str(run["id"]) / "spec.json"]
    assert {path.stat().st_mode & 0o777 for path in kept} == {0o644}
    assert run["epoch"] == 2 and run["best"]["metric"] == "val_accuracy"

    records = (await api.get(f"training/{run['id']}/metrics")).json["records"]
    assert any("train_loss" in rec and "lr" in rec for rec in records)
    epochs = [rec for rec in records if "val_accuracy" in rec]
    assert len(epochs) == 2 and all("val_loss" in rec for rec in epochs)
    later = (await api.get(f"training/{run['id']}/metrics", params={"since_step": records[-2]["step"]})).json["records"]
    assert later and all(rec["step"] > records[-2]["step"] for rec in later)

    checkpoints = (await api.get(f"training/{run['id']}/checkpoints")).json["items"]
    assert {"last", "best"} <= {c["kind"] for c in checkpoints}
    assert all(c["created_at"].endswith(("Z", "+00:00")) for c in checkpoints)  # when each was written
    evaluation = (await api.get(f"training/{run['id']}/evaluation")).json
    assert len(evaluation["confusion_matrix"]) == 2 and len(evaluation["per_class"]) == 2
    logs = (await api.get(f"training/{run['id']}/logs", params={"limit": 3})).json
    assert len(logs["lines"]) == 3 and logs["next_offset"] == 3

    weight = (await api.get(f"weights/{run['weight_id']}")).json
    assert weight["run_id"] == run["id"] and weight["name"] == "squares-run" and weight["classes"] == ["blue", "red"]
    # the weight carries the scores of the checkpoint it was made from: the run's best
    assert weight["metrics"]["val_accuracy"] == run["best"]["value"]
    assert weight["metrics"]["epoch"] == run["best"]["epoch"] and "val_loss" in weight["metrics"]

    # the socket replays everything, then a reconnect after seq k sees only what follows
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]))
    events = []
    while not events or events[-1]["type"] != "status" or events[-1]["data"]["status"] != "completed":
        events.append(json.loads(await ws.read_message()))
    ws.close()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    k = len(events) // 2
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]), params={"since": str(k)})
    again = [json.loads(await ws.read_message()) for _ in range(len(events) - k)]
    ws.close()
    assert again == events[k:]


async def statuses_until(api: Api, run_id: int, last: str, timeout: float = 90, first: str | None = None) -> list[str]:
    """Every status the run shows, polled closely, until `last`; `first`: the one it was
    created with (the POST's answer: a loaded machine may start it before the first poll)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    seen: list[str] = [first] if first else []
    while not seen or seen[-1] != last:
        status = (await api.get(f"training/{run_id}")).json["status"]
        if not seen or status != seen[-1]:
            seen.append(status)
        assert loop.time() < end, seen
        await asyncio.sleep(0.02)
    return seen


def event_time(event: dict) -> datetime:
    return datetime.fromisoformat(event["time"])


async def test_pause_resume_and_more_epochs(api, jp_root_dir, jp_ws_fetch):
    """Also: a run that can start starts within a second, after a resume too, and says
    `starting` (not `queued`) while its worker imports torch."""
    ds, model = await setup(api, jp_root_dir)
    run = (await api.post("training", body(ds, model, epochs=40, log_interval=1))).json
    assert await statuses_until(api, run["id"], "running", first=run["status"]) == ["queued", "starting", "running"]
    run = (await api.get(f"training/{run['id']}")).json
    assert (datetime.fromisoformat(run["started_at"]) - datetime.fromisoformat(run["created_at"])).total_seconds() < 1
    for _ in range(200):
        if (await api.get(f"training/{run['id']}/metrics")).json["records"]:
            break
        await asyncio.sleep(0.05)
    assert (await api.post(f"training/{run['id']}/control", {"action": "resume"})).code == 409
    r = await api.post(f"training/{run['id']}/control", {"action": "pause"})
    assert r.code == 200, r
    paused = await wait_for(api, run["id"], ("paused", "failed", "completed"))
    assert paused["status"] == "paused", paused
    asked = datetime.now(timezone.utc)
    r = await api.post(f"training/{run['id']}/control", {"action": "resume", "epochs": 41})
    assert r.code == 200 and r.json["epochs"] == 41
    assert (await statuses_until(api, run["id"], "running"))[-2:] == ["starting", "running"]
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]))
    told = []
    while len(told) < 4:  # starting, running, paused, starting: the stream tells the same story
        event = json.loads(await ws.read_message())
        if event["type"] == "status":
            told.append(event)
    ws.close()
    assert [e["data"]["status"] for e in told] == ["starting", "running", "paused", "starting"]
    assert (event_time(told[-1]) - asked).total_seconds() < 1
    r = await api.post(f"training/{run['id']}/control", {"action": "stop"})
    assert r.code == 200, r
    stopped = await wait_for(api, run["id"], ("stopped", "failed", "completed"))
    assert stopped["status"] in ("stopped", "completed"), stopped


async def test_a_killed_worker_is_seen_as_failed(api, jp_root_dir, jp_serverapp):
    ds, model = await setup(api, jp_root_dir)
    run = (await api.post("training", body(ds, model, epochs=500))).json
    await wait_for(api, run["id"], ("running",))
    services = jp_serverapp.web_app.settings["cvstudio_services"].begin().result()
    from cvstudio_ext.store.models import Run

    with services.store.session() as s:
        pid = s.get(Run, run["id"]).pid
    os.killpg(pid, signal.SIGKILL)
    failed = await wait_for(api, run["id"], ("failed",), timeout=10)
    assert "ended without finishing" in failed["error"]


async def test_deleting_a_live_run_stops_it_first(api, jp_root_dir, jp_serverapp):
    import psutil

    ds, model = await setup(api, jp_root_dir)
    run = (await api.post("training", body(ds, model, epochs=500))).json
    await wait_for(api, run["id"], ("running",))
    services = jp_serverapp.web_app.settings["cvstudio_services"].begin().result()
    from cvstudio_ext.store.models import Run

    with services.store.session() as s:
        pid = s.get(Run, run["id"]).pid
    assert (await api.delete(f"training/{run['id']}")).code == 204
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert (await api.get(f"training/{run['id']}")).code == 404
    assert not services.training.run_dir(run["id"]).exists()


async def test_invalid_runs_are_refused_and_nothing_is_queued(api, jp_root_dir):
    ds, model = await setup(api, jp_root_dir)
    assert (await api.post("training", {**body(ds, model), "dataset_id": 424242})).code == 404
    assert (await api.post("training", body(ds, model, epochs=-1))).code == 422
    r = await api.post(
        "training", {**body(ds, model), "model": {"source": "torchvision", "name": "fasterrcnn_resnet50_fpn"}}
    )
    assert r.code == 422 and r.json["error"]["code"] == "task_mismatch"
    r = await api.post("training", {**body(ds, model), "model": {"source": "torchvision", "name": "no_such_net"}})
    assert r.code == 422
    assert (
        await api.post("training", {**body(ds, model), "model": {"source": "graph", "model_id": 99999}})
    ).code == 404
    assert (await api.post("training", {**body(ds, model), "augmentation": [{"type": "os.system"}]})).code == 422
    assert (await api.post("training", {**body(ds, model), "resources": {"processes": 65}})).code == 422
    r = await api.post("training", {**body(ds, model, batch_size=1), "resources": {"device": "cpu", "processes": 2}})
    assert r.code == 422 and r.json["error"]["code"] == "batch_too_small"
    r = await api.post("training", {**body(ds, model), "resources": {"device": "cuda", "gpus": 1}})
    assert r.code == 422 and r.json["error"]["code"] == "not_enough_gpus"  # this machine has none
    assert (await api.get("training")).json["total"] == 0
    assert (await api.get("training/999")).code == 404
    assert (await api.post("training/999/control", {"action": "pause"})).code == 404


async def test_a_two_process_run_trains_and_delete_ends_every_process(api, jp_root_dir, jp_serverapp):
    import psutil

    ds, model = await setup(api, jp_root_dir)
    two = {"device": "cpu", "processes": 2}
    run = (await api.post("training", {**body(ds, model), "resources": two})).json
    done = await wait_for(api, run["id"], ("completed", "failed"), timeout=120)
    assert done["status"] == "completed" and done["weight_id"], done
    log = (await api.get(f"training/{run['id']}/logs")).json["lines"]
    assert any("2 data-parallel processes" in line for line in log)

    run = (await api.post("training", {**body(ds, model, epochs=500), "resources": two})).json
    await wait_for(api, run["id"], ("running",))
    for _ in range(400):
        if (await api.get(f"training/{run['id']}/metrics")).json["records"]:
            break
        await asyncio.sleep(0.05)
    services = jp_serverapp.web_app.settings["cvstudio_services"].begin().result()
    from cvstudio_ext.store.models import Run

    with services.store.session() as s:
        launcher = psutil.Process(s.get(Run, run["id"]).pid)
    processes = [launcher, *launcher.children(recursive=True)]
    assert len(processes) >= 3  # torch.distributed.run and its two workers
    assert (await api.delete(f"training/{run['id']}")).code == 204
    gone, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive
