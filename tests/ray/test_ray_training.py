"""Training runs on a real two-node Ray cluster, served by a real Jupyter server: the run
lands where Ray puts it and is read back exactly as a local run is."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from pathlib import Path

import pytest

from ..server.test_training import SMALL, body, colour_squares, setup, wait_for
from .conftest import NAMESPACE

# 2 CPUs (the worker process and one loader process): only the worker node has them
ON_WORKER_NODE = {"device": "cpu", "num_workers": 1}


def run_actors(run_id: int) -> list[str]:
    import ray

    return [
        a["name"]
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["namespace"] == NAMESPACE and a["name"].endswith(f"-run-{run_id}")
    ]


async def test_a_run_lands_on_the_worker_node_and_reads_back_as_a_local_one(
    api, jp_root_dir, jp_ws_fetch, cv_data_dir, ray_cluster
):
    ds, model = await setup(api, jp_root_dir)
    r = await api.post("training", {**body(ds, model), "resources": ON_WORKER_NODE})
    assert r.code == 201, r
    run = await wait_for(api, r.json["id"], ("completed", "failed"), timeout=180)
    assert run["status"] == "completed", run
    assert run["epoch"] == 2 and run["best"]["metric"] == "val_accuracy" and run["weight_id"]

    logs = (await api.get(f"training/{run['id']}/logs")).json["lines"]
    assert any(f"Runs on Ray node {ray_cluster.worker_node_id}" in line for line in logs), logs[:3]
    assert any(f"The dataset is read from the shared path {jp_root_dir / 'squares'}" in line for line in logs)
    run_dir = cv_data_dir / "runs" / str(run["id"])
    assert not (run_dir / "pid.json").exists()  # the worker ran in the node's own folder

    records = (await api.get(f"training/{run['id']}/metrics")).json["records"]
    epochs = [rec for rec in records if "val_accuracy" in rec]
    assert len(epochs) == 2 and any("train_loss" in rec for rec in records)
    later = (await api.get(f"training/{run['id']}/metrics", params={"since_step": records[-2]["step"]})).json
    assert later["records"] and all(rec["step"] > records[-2]["step"] for rec in later["records"])
    checkpoints = (await api.get(f"training/{run['id']}/checkpoints")).json["items"]
    assert {"last", "best"} <= {c["kind"] for c in checkpoints}
    evaluation = (await api.get(f"training/{run['id']}/evaluation")).json
    assert len(evaluation["confusion_matrix"]) == 2

    # the weight is the run's best checkpoint, brought over before the final status
    weight = (await api.get(f"weights/{run['weight_id']}")).json
    assert weight["run_id"] == run["id"] and weight["metrics"]["val_accuracy"] == run["best"]["value"]

    # the socket replays everything in order, and `since` gives only what follows
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]))
    events = []
    while not events or events[-1]["type"] != "status" or events[-1]["data"]["status"] != "completed":
        events.append(json.loads(await ws.read_message()))
    ws.close()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["data"]["status"] for e in events if e["type"] == "status"] == ["starting", "running", "completed"]
    k = len(events) // 2
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]), params={"since": str(k)})
    again = [json.loads(await ws.read_message()) for _ in range(len(events) - k)]
    ws.close()
    assert again == events[k:]

    # the run's actor, and its folder on the node, go once its files are on the server
    for _ in range(100):
        if not run_actors(run["id"]):
            break
        await asyncio.sleep(0.1)
    assert run_actors(run["id"]) == []


@pytest.mark.parametrize("ship_datasets", [True], indirect=True)
async def test_a_shipped_dataset_is_cached_on_the_node(api, jp_root_dir):
    """A node that cannot read the server's path gets the images once, as an archive."""
    ds, model = await setup(api, jp_root_dir)
    told = []
    for _ in range(2):
        run = (await api.post("training", {**body(ds, model, epochs=1), "resources": ON_WORKER_NODE})).json
        done = await wait_for(api, run["id"], ("completed", "failed"), timeout=120)
        assert done["status"] == "completed" and done["weight_id"], done
        logs = (await api.get(f"training/{run['id']}/logs")).json["lines"]
        told.append([line.split(" INFO    ", 1)[1] for line in logs if "The dataset" in line])
    [[shipped], [cached]] = told
    assert shipped.startswith("The dataset was shipped to the node (48 files) into "), shipped
    folder = shipped.rsplit(" into ", 1)[1]
    assert cached == f"The dataset is read from the node's cache {folder}"
    assert sorted(p.name for p in Path(folder).iterdir()) == ["train", "val"]
    shutil.rmtree(folder)


async def test_a_three_process_run_spans_both_nodes(api, jp_root_dir, ray_cluster):
    """One bundle per process, packed: two on the worker node (2 CPUs), the third on the
    head; the ranks meet at rank 0's node through gloo."""
    ds, model = await setup(api, jp_root_dir)
    resources = {"device": "cpu", "processes": 3}
    run = (await api.post("training", {**body(ds, model, epochs=1), "resources": resources})).json
    done = await wait_for(api, run["id"], ("completed", "failed", "interrupted"), timeout=180)
    assert done["status"] == "completed" and done["weight_id"], done
    logs = (await api.get(f"training/{run['id']}/logs")).json["lines"]
    assert any("3 data-parallel processes" in line for line in logs), logs
    nodes = {
        rank: line.split("on Ray node ")[1].split()[0]
        for line in logs
        for rank in range(3)
        if f"Rank {rank} runs" in line
    }
    assert sorted(nodes.values()) == sorted([ray_cluster.worker_node_id] * 2 + [ray_cluster.head_node_id]), nodes
    assert (await api.get(f"weights/{done['weight_id']}")).json["run_id"] == run["id"]


async def wait_metrics(api, run_id: int) -> None:
    for _ in range(600):
        if (await api.get(f"training/{run_id}/metrics")).json["records"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} shows no metrics")


@contextlib.contextmanager
def held(*bundles: dict[str, float]):
    """Resources of the cluster held for the duration (a placement group that nothing
    runs in), to steer where the next run lands."""
    import ray

    group = ray.util.placement_group(list(bundles), strategy="STRICT_PACK")
    ray.get(group.ready(), timeout=30)
    try:
        yield
    finally:
        ray.util.remove_placement_group(group)


def losses(records: list[dict]) -> dict[int, float]:
    return {rec["step"]: rec["train_loss"] for rec in records if "train_loss" in rec}


def node_of(logs: list[str]) -> list[str]:
    return [line.split("Runs on Ray node ")[1].split()[0] for line in logs if "Runs on Ray node " in line]


async def test_a_paused_run_resumes_exactly_on_another_node(api, jp_root_dir, jp_ws_fetch, ray_cluster):
    """Paused on the worker node, resumed on the head (the worker node held meanwhile):
    the same losses, step for step, as a run that was never interrupted."""
    ds, model = await setup(api, jp_root_dir)
    spec = {**body(ds, model, epochs=20, log_interval=1), "resources": {"device": "cpu"}}
    with held({"CPU": 1, "head": 1}):  # both land on the worker node
        reference = (await api.post("training", {**spec, "name": "reference"})).json
        run = (await api.post("training", spec)).json
        await wait_for(api, run["id"], ("running",), timeout=120)
        await wait_metrics(api, run["id"])
        assert (await api.post(f"training/{run['id']}/control", {"action": "pause"})).code == 200
        paused = await wait_for(api, run["id"], ("paused", "failed", "completed"), timeout=60)
        assert paused["status"] == "paused" and paused["step"] < 20 * 4, paused
        done = await wait_for(api, reference["id"], ("completed", "failed"), timeout=180)
        assert done["status"] == "completed", done
    # the checkpoint it paused at came over with the status that tells it
    items = (await api.get(f"training/{run['id']}/checkpoints")).json["items"]
    assert {c["step"] for c in items if c["kind"] == "last"} >= {paused["step"]}, items

    with held({"CPU": 2, "worker_node": 1}):  # the head is the only room left
        assert (await api.post(f"training/{run['id']}/control", {"action": "resume"})).code == 200
        resumed = await wait_for(api, run["id"], ("completed", "failed"), timeout=180)
    assert resumed["status"] == "completed", resumed
    logs = (await api.get(f"training/{run['id']}/logs")).json["lines"]
    assert node_of(logs) == [ray_cluster.worker_node_id, ray_cluster.head_node_id], logs
    assert any("Resumed from" in line for line in logs), logs

    want = (await api.get(f"training/{reference['id']}/metrics")).json["records"]
    got = (await api.get(f"training/{run['id']}/metrics")).json["records"]
    assert sorted(losses(got)) == sorted(losses(want)) and len(losses(want)) > paused["step"]
    for step, loss in losses(want).items():
        assert abs(losses(got)[step] - loss) <= 1e-6, (step, losses(got)[step], loss)
    val = [rec["val_loss"] for rec in want if "val_loss" in rec]
    assert val == pytest.approx([rec["val_loss"] for rec in got if "val_loss" in rec], abs=1e-6)

    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training", str(run["id"]))
    told: list[str] = []
    while not told or told[-1] != "completed":
        event = json.loads(await ws.read_message())
        if event["type"] == "status":
            told.append(event["data"]["status"])
    ws.close()
    assert told == ["starting", "running", "paused", "starting", "running", "completed"], told


async def test_checkpoint_now_then_a_killed_actor_interrupts_the_run_with_the_reason(api, jp_root_dir, ray_cluster):
    import psutil
    import ray

    ds, model = await setup(api, jp_root_dir)
    run = (
        await api.post("training", {**body(ds, model, epochs=500, log_interval=1), "resources": ON_WORKER_NODE})
    ).json
    await wait_for(api, run["id"], ("running",), timeout=120)
    await wait_metrics(api, run["id"])
    assert (await api.post(f"training/{run['id']}/checkpoint")).code == 202
    for _ in range(200):
        kinds = {c["kind"] for c in (await api.get(f"training/{run['id']}/checkpoints")).json["items"]}
        if "manual" in kinds:
            break
        await asyncio.sleep(0.05)
    assert "manual" in kinds

    [name] = run_actors(run["id"])
    actor = ray.get_actor(name, namespace=NAMESPACE)
    where = ray.get(actor.where.remote())
    assert where["node_id"] == ray_cluster.worker_node_id
    worker_pid = json.loads((Path(where["folder"]) / "pid.json").read_text())["pid"]
    ray.kill(actor)
    ended = await wait_for(api, run["id"], ("interrupted", "failed", "completed"), timeout=15)
    assert ended["status"] == "interrupted" and "Ray actor died" in ended["error"], ended
    # its worker went with it, not training on for nobody
    try:
        psutil.Process(worker_pid).wait(timeout=10)
    except psutil.NoSuchProcess:
        pass
    assert not psutil.pid_exists(worker_pid) or psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE
    shutil.rmtree(where["folder"])  # a dead actor could not clear its folder on the node


async def test_a_run_waits_queued_for_room_and_a_dead_node_interrupts_it(api, jp_root_dir, ray_cluster):
    """A third node, the only one with 3 CPUs: a second run that needs them waits in
    `queued` (Ray holds nothing for it) while the first trains there; the node dies
    without a word, and the first run is interrupted within seconds, saying why."""
    import psutil
    import ray

    node = ray_cluster.cluster.add_node(num_cpus=3)
    ray_cluster.cluster.wait_for_nodes()
    try:
        ds, model = await setup(api, jp_root_dir)
        big = {**body(ds, model, epochs=500, log_interval=1), "resources": {"device": "cpu", "num_workers": 2}}
        first = (await api.post("training", big)).json
        await wait_for(api, first["id"], ("running",), timeout=120)
        second = (await api.post("training", {**big, "name": "second"})).json
        for _ in range(30):  # three seconds of ticks
            assert (await api.get(f"training/{second['id']}")).json["status"] == "queued"
            await asyncio.sleep(0.1)
        assert run_actors(second["id"]) == []
        [name] = run_actors(first["id"])
        where = ray.get(ray.get_actor(name, namespace=NAMESPACE).where.remote())
        assert where["node_id"] == node.node_id
        worker_pid = json.loads((Path(where["folder"]) / "pid.json").read_text())["pid"]

        shown = {n["node_id"]: n for n in (await api.get("system")).json["cluster"]["nodes"]}[node.node_id]
        assert shown["alive"] and shown["cpus"] == {"total": 3, "available": 0}, shown  # the first run holds them

        ray_cluster.cluster.remove_node(node, allow_graceful=False)
        ended = await wait_for(api, first["id"], ("interrupted", "failed", "completed"), timeout=15)
        assert ended["status"] == "interrupted" and "Ray actor died" in ended["error"], ended
        await asyncio.sleep(1)  # the system snapshot asks Ray once a second
        shown = {n["node_id"]: n for n in (await api.get("system")).json["cluster"]["nodes"]}[node.node_id]
        assert not shown["alive"], shown  # and listed after the live ones
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(worker_pid).wait(timeout=15)  # it ends itself with the actor above it
        shutil.rmtree(where["folder"])  # a dead node's folders stay where they were

        # no node can ever hold the second run now: it goes to Ray's queue (where an
        # autoscaler would see it), says so, and can be stopped there
        await wait_for(api, second["id"], ("starting",), timeout=15)
        for _ in range(100):
            logs = (await api.get(f"training/{second['id']}/logs")).json["lines"]
            if any("Waiting for room on the Ray cluster for 1 process of 3 CPU" in line for line in logs):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(logs)
        assert (await api.post(f"training/{second['id']}/control", {"action": "stop"})).code == 200
        stopped = await wait_for(api, second["id"], ("stopped", "failed"), timeout=30)
        assert stopped["status"] == "stopped", stopped
    finally:
        if node in ray_cluster.cluster.worker_nodes:
            ray_cluster.cluster.remove_node(node)


def test_a_restarted_server_follows_its_ray_run_again(ray_cluster, tmp_path):
    """Real server processes on one data directory: the run's actor outlives its server,
    and the next server finds it by name and follows it to its end."""
    from cvstudio_widgets import Client
    from cvstudio_widgets.private import start_private_server

    root, data = tmp_path / "root", tmp_path / "data"
    colour_squares(root / "squares")
    env = {
        "CVSTUDIO_EXECUTOR": "ray",
        "CVSTUDIO_RAY_ADDRESS": ray_cluster.address,
        "CVSTUDIO_RAY_NAMESPACE": NAMESPACE,
    }

    def start():
        server = start_private_server(root, data_dir=data, env=env)
        return server, Client(server.url, server.token, timeout=30)

    def wait(client, run_id: int, ok) -> dict:
        deadline = time.monotonic() + 120
        while not ok(run := client.get(f"training/{run_id}")):
            assert time.monotonic() < deadline, run
            time.sleep(0.1)
        return run

    server, client = start()
    try:
        ds = client.post("datasets", {"name": "squares", "path": "squares"})
        while client.get(f"datasets/{ds['id']}")["status"] == "indexing":
            time.sleep(0.1)
        model = client.post("models", {"name": "small", "graph": SMALL})
        spec = {
            "name": "long",
            "dataset_id": ds["id"],
            "model": {"source": "graph", "model_id": model["id"]},
            "hyperparameters": {"epochs": 500, "batch_size": 8, "seed": 1},
            "resources": ON_WORKER_NODE,
        }
        run = client.post("training", spec)
        wait(client, run["id"], lambda r: r["status"] == "running" and r["epoch"] >= 2)
    finally:
        server.stop()
    assert run_actors(run["id"])  # the run lives on without its server

    server, client = start()
    try:
        step = wait(client, run["id"], lambda r: r["status"] == "running")["step"]
        wait(client, run["id"], lambda r: r["step"] > step)  # followed again: its new lines come over
        client.post(f"training/{run['id']}/control", {"action": "stop"})
        stopped = wait(client, run["id"], lambda r: r["status"] in ("stopped", "failed", "completed"))
        assert stopped["status"] == "stopped" and stopped["weight_id"], stopped
    finally:
        server.stop()
