"""The system snapshot's `cluster`: the Ray cluster's nodes, over HTTP and on the socket
(a real two-node cluster), and RayNodes' rate, timeout and dead nodes (a fake Ray)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from types import SimpleNamespace

from cvstudio_ext.services.ray_nodes import RayNodes

HEAD = "node:__internal_head__"


def by_id(cluster: dict) -> dict[str, dict]:
    return {n["node_id"]: n for n in cluster["nodes"]}


async def test_system_and_its_socket_show_the_two_nodes(api, jp_ws_fetch, jp_serverapp, ray_cluster):
    import ray

    r = await api.get("system")
    assert r.code == 200
    cluster = r.json["cluster"]
    assert cluster["executor"] == "ray" and cluster["address"] == ray_cluster.address and "error" not in cluster
    nodes = by_id(cluster)
    assert set(nodes) == {ray_cluster.head_node_id, ray_cluster.worker_node_id}
    head, worker = nodes[ray_cluster.head_node_id], nodes[ray_cluster.worker_node_id]
    assert head["head"] and not worker["head"] and head["alive"] and worker["alive"]
    assert head["ip"] == worker["ip"] == "127.0.0.1" and head["host"]
    assert head["cpus"]["total"] == 1 and worker["cpus"]["total"] == 2
    assert head["gpus"] == worker["gpus"] == {"total": 0, "available": 0}
    for node in (head, worker):
        assert node["memory"]["total"] > 0 and 0 <= node["memory"]["available"] <= node["memory"]["total"]
        assert 0 <= node["cpus"]["available"] <= node["cpus"]["total"]

    # what is free follows what Ray hands out: a placement group holds one of the worker's CPUs
    group = ray.util.placement_group([{"CPU": 1, "worker_node": 0.01}])
    ray.get(group.ready(), timeout=30)
    try:
        free = None
        for _ in range(100):
            free = by_id((await api.get("system")).json["cluster"])[ray_cluster.worker_node_id]["cpus"]
            if free == {"total": 2, "available": 1}:
                break
            await asyncio.sleep(0.1)
        assert free == {"total": 2, "available": 1}
    finally:
        ray.util.remove_placement_group(group)

    # the socket carries the same object; many samples ask Ray at most once a second
    services = jp_serverapp.web_app.settings["cvstudio_services"].begin().result()
    asked = services.system.cluster.queries
    started = time.monotonic()
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "system", params={"interval": "0.25"})
    messages = [json.loads(await ws.read_message()) for _ in range(6)]
    ws.close()
    elapsed = time.monotonic() - started
    assert all(m["type"] == "system" for m in messages)
    seen = by_id(messages[-1]["data"]["cluster"])
    assert set(seen) == {ray_cluster.head_node_id, ray_cluster.worker_node_id}
    assert seen[ray_cluster.worker_node_id]["cpus"]["total"] == 2 and seen[ray_cluster.head_node_id]["head"]
    assert services.system.cluster.queries - asked <= elapsed + 1


# RayNodes against a fake Ray: no cluster needed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def node(node_id: str, ip: str, cpus: float, *, alive: bool = True, head: bool = False, gpus: float = 0) -> dict:
    resources = {"CPU": cpus, "memory": 8e9, "node:" + ip: 1.0}
    if gpus:
        resources["GPU"] = gpus
    if head:
        resources[HEAD] = 1.0
    return {
        "NodeID": node_id,
        "Alive": alive,
        "NodeManagerAddress": ip,
        "NodeManagerHostname": f"host-{node_id}",
        "Resources": resources if alive else {},
    }


class FakeRay:
    def __init__(self) -> None:
        self.table: list[dict] = []
        self.free: dict[str, dict] | Exception = {}
        self.calls = 0
        self.gate: threading.Event | None = None  # when set up, nodes() waits for it
        self.fail: Exception | None = None
        self._private = SimpleNamespace(state=SimpleNamespace(available_resources_per_node=self._available))

    def nodes(self) -> list[dict]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return self.table

    def _available(self) -> dict[str, dict]:
        if isinstance(self.free, Exception):
            raise self.free
        return self.free


def test_nodes_sorted_with_what_is_free_and_one_query_a_second():
    ray, clock = FakeRay(), Clock()
    ray.table = [
        node("b", "10.0.0.2", 8, gpus=2),
        node("a", "10.0.0.2", 4),
        node("h", "10.0.0.1", 2, head=True),
    ]
    ray.free = {"b": {"CPU": 6.0, "GPU": 0.5, "memory": 4e9}, "a": {"memory": 8e9}, "h": {"CPU": 2.0, "memory": 1e9}}
    nodes = RayNodes(ray, "ray://head:10001", clock=clock)
    cluster = nodes()
    assert cluster["executor"] == "ray" and cluster["address"] == "ray://head:10001" and "error" not in cluster
    assert [n["node_id"] for n in cluster["nodes"]] == ["h", "a", "b"]  # by ip, then id
    h, a, b = cluster["nodes"]
    assert h["head"] and not a["head"] and h["host"] == "host-h" and h["ip"] == "10.0.0.1"
    assert b["cpus"] == {"total": 8, "available": 6} and b["gpus"] == {"total": 2, "available": 0.5}
    assert a["cpus"] == {"total": 4, "available": 0}  # Ray leaves out what has nothing free
    assert b["memory"] == {"total": 8_000_000_000, "available": 4_000_000_000}
    assert isinstance(b["memory"]["total"], int)
    for _ in range(5):
        nodes()
    clock.now += 0.9
    nodes()
    assert ray.calls == 1
    clock.now += 0.2
    nodes()
    assert ray.calls == 2


def test_a_dead_node_follows_the_live_ones_while_recently_seen():
    ray, clock = FakeRay(), Clock()
    ray.table = [node("h", "10.0.0.1", 2, head=True), node("w", "10.0.0.2", 4), node("old", "10.0.0.0", 4, alive=False)]
    ray.free = {"h": {"CPU": 2.0}, "w": {"CPU": 4.0}}
    nodes = RayNodes(ray, "auto", clock=clock, dead_kept_s=60)
    # a node dead before this server first looked is not shown
    assert [n["node_id"] for n in nodes()["nodes"]] == ["h", "w"]
    ray.table[1] = node("w", "10.0.0.2", 4, alive=False)
    del ray.free["w"]
    clock.now += 30
    cluster = nodes()
    assert [(n["node_id"], n["alive"]) for n in cluster["nodes"]] == [("h", True), ("w", False)]
    assert cluster["nodes"][1]["cpus"] == {"total": 4, "available": 0}  # its totals as last seen
    clock.now += 31  # 61 s since it was last seen alive
    assert [n["node_id"] for n in nodes()["nodes"]] == ["h"]


def test_an_unreachable_cluster_is_said_and_never_slows_the_snapshot():
    ray, clock = FakeRay(), Clock()
    ray.fail = ConnectionError("GCS at 10.0.0.1:6379 unreachable")
    nodes = RayNodes(ray, "10.0.0.1:6379", clock=clock)
    cluster = nodes()
    assert cluster == {
        "executor": "ray",
        "address": "10.0.0.1:6379",
        "nodes": [],
        "error": "Could not read the Ray cluster at 10.0.0.1:6379: ConnectionError: GCS at 10.0.0.1:6379 unreachable",
    }

    # a query that hangs: one short wait, then the error at once, and no second query while it hangs
    ray.fail, ray.gate = None, threading.Event()
    ray.table, ray.free = [node("h", "10.0.0.1", 2, head=True)], {"h": {"CPU": 2.0}}
    nodes = RayNodes(ray, "auto", clock=clock, timeout_s=0.2)
    calls = ray.calls
    started = time.monotonic()
    cluster = nodes()
    assert time.monotonic() - started < 1.0
    assert cluster["nodes"] == [] and cluster["error"] == "The Ray cluster at auto did not answer within 0.2 s."
    for _ in range(3):
        clock.now += 1.5
        started = time.monotonic()
        assert nodes()["error"] == cluster["error"]
        assert time.monotonic() - started < 0.1
    assert ray.calls == calls + 1
    ray.gate.set()  # it answers at last: the next snapshot asks again, and gets the nodes
    for _ in range(50):
        if nodes._query.done.is_set():
            break
        time.sleep(0.01)
    clock.now += 1.5
    assert [n["node_id"] for n in nodes()["nodes"]] == ["h"]
    assert ray.calls == calls + 2


def test_without_per_node_availability_the_totals_still_show():
    """Per-node state Ray cannot give (a Ray Client ray:// driver, maybe): available is null."""
    ray = FakeRay()
    ray.table = [node("h", "10.0.0.1", 2, head=True)]
    ray.free = RuntimeError("Ray has not been started yet")
    [h] = RayNodes(ray, "ray://head:10001")()["nodes"]
    assert h["cpus"] == {"total": 2, "available": None} and h["alive"]
