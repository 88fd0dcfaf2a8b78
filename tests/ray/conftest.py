"""One real two-node Ray cluster on 127.0.0.1 for the Ray tests, and a server that runs
its training on it (see ../shared/FIELD_NOTES.md, "Ray")."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest

NAMESPACE = "cvstudio-tests"


@dataclass
class RayCluster:
    address: str
    head_node_id: str
    worker_node_id: str
    cluster: Any  # ray.cluster_utils.Cluster: a test may add a node of its own, and kill it


@pytest.fixture(scope="package")
def ray_cluster():
    """A head (1 CPU, resource "head") and a worker node (2 CPUs, resource "worker_node"):
    a run asking for 2 CPUs fits only on the worker node. It takes 15 to 30 s to come up
    on 2 busy cores, hence one for all the modules here (it goes once their last test
    is done, not at the end of the session, where its idle processes would slow the rest)."""
    tmp = tempfile.mkdtemp(prefix="cvray", dir="/tmp")  # short: Ray's socket paths must stay short
    with pytest.MonkeyPatch.context() as env:
        # before Ray is imported: without the first, Ray listens on every interface
        env.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        env.setenv("RAY_TMPDIR", tmp)
        ray = pytest.importorskip("ray")
        from ray.cluster_utils import Cluster

        cluster = Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 1,
                "resources": {"head": 1},
                "include_dashboard": False,
                # a node that dies is known dead within about 2 s (Ray's default: 30 s)
                "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 3},
            },
        )
        worker = cluster.add_node(num_cpus=2, resources={"worker_node": 1})
        cluster.wait_for_nodes()
        # the tests look at actors too; an in-process server shares this connection
        ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=False)
        try:
            yield RayCluster(cluster.address, cluster.head_node.node_id, worker.node_id, cluster)
        finally:
            ray.shutdown()
            cluster.shutdown()
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_actor_outlives_its_test(request):
    """Each test has a server of its own (its own names): an actor or placement group its
    server had no time to end (the test stops it as soon as it sees a run end) would hold
    a node's CPUs from the next test."""
    yield
    if "ray_cluster" not in request.fixturenames:
        return
    import ray

    for entry in ray.util.list_named_actors(all_namespaces=True):
        if entry["namespace"] == NAMESPACE:
            actor = ray.get_actor(entry["name"], namespace=NAMESPACE)
            with contextlib.suppress(ray.exceptions.RayError):
                ray.get(actor.close.remote(), timeout=10)  # its folder on the node too
            ray.kill(actor)
    for entry in ray.util.placement_group_table().values():
        if entry["state"] != "REMOVED" and entry["name"]:  # the tests' own are unnamed and removed by them
            with contextlib.suppress(ValueError):  # its server removed it meanwhile
                ray.util.remove_placement_group(ray.util.get_placement_group(entry["name"]))


@pytest.fixture
def ship_datasets(request) -> bool:
    """Parametrize indirectly with True to have every dataset shipped to the node."""
    return getattr(request, "param", False)


@pytest.fixture
def cv_config(ray_cluster, ship_datasets) -> dict[str, Any]:
    return {
        "executor": "ray",
        "ray_address": ray_cluster.address,
        "ray_namespace": NAMESPACE,
        "ray_ship_datasets": ship_datasets,
    }
