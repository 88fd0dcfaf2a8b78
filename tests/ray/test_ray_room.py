"""How a run's resources become Ray bundles, and how queued runs are fitted into what the
cluster's nodes have free (pure functions: no cluster needed)."""

from __future__ import annotations

from cvstudio_ext.services.ray_executor import Room, describe, fit, run_bundles

GIB = float(2**30)


def test_one_bundle_per_process_with_its_share_of_gpus_and_memory():
    resources = {"device": "cuda", "gpus": 2, "num_workers": 3, "memory_gb": 8}
    assert run_bundles(resources) == [{"CPU": 4.0, "GPU": 1.0, "memory": 4 * GIB}] * 2
    assert run_bundles({"device": "cpu", "processes": 3}) == [{"CPU": 1.0}] * 3  # no zero amounts
    assert run_bundles({"device": "cpu", "gpus": 4}) == [{"CPU": 1.0}]  # the CPU takes no GPU
    assert run_bundles({"device": "cpu", "cpus": 8, "num_workers": 2}) == [{"CPU": 8.0}]
    assert describe(run_bundles(resources)) == "2 processes, each 4 CPU, 1 GPU, 4 GiB of memory"
    assert describe(run_bundles({"device": "cpu"})) == "1 process of 1 CPU"


def test_bundles_fill_the_first_node_that_holds_each():
    nodes = {"a": {"CPU": 2.0, "GPU": 0.0}, "b": {"CPU": 1.0, "GPU": 1.0}}
    assert fit([{"CPU": 1.0}] * 3, nodes) == {"a": {"CPU": 0.0, "GPU": 0.0}, "b": {"CPU": 0.0, "GPU": 1.0}}
    assert fit([{"CPU": 1.0, "GPU": 1.0}], nodes) == {"a": nodes["a"], "b": {"CPU": 0.0, "GPU": 0.0}}
    assert fit([{"CPU": 1.0}] * 4, nodes) is None
    assert fit([{"CPU": 3.0}], nodes) is None  # a bundle is never split across nodes
    assert nodes == {"a": {"CPU": 2.0, "GPU": 0.0}, "b": {"CPU": 1.0, "GPU": 1.0}}  # untouched


def test_queued_runs_take_the_room_in_turn():
    total = {"a": {"CPU": 2.0, "memory": 8 * GIB}, "b": {"CPU": 1.0, "memory": 8 * GIB}}
    room = Room(free={node: dict(have) for node, have in total.items()}, total=total)
    two = {"device": "cpu", "num_workers": 1}
    assert room.take(two)  # node a
    assert not room.take(two)  # b has 1 CPU: it waits in `queued`
    assert room.take({"device": "cpu", "memory_gb": 4})  # b
    assert not room.take({"device": "cpu"})  # nothing left
    # no node could ever hold these: they go to Ray's queue, where an autoscaler sees them
    assert room.take({"device": "cpu", "num_workers": 2})
    assert room.take({"device": "cpu", "memory_gb": 9})
    # a cluster that did not answer starts nothing
    assert not Room({}, {}).take({"device": "cpu"})
