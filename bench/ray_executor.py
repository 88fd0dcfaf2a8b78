"""Ray executor benchmark (issue 14): the same small classification run (the training
bench's resnet18 at 64 px) on the local executor and on a one-node Ray cluster on
127.0.0.1 that this bench starts, in the same run. Measured: submit to first step (POST
/training to the first metric record the server serves), and steady-state steps per
second (the run's own metric times, from the first step of epoch 2 to the last step).
The Ray run asks for both CPUs of the node (`cpus`), as a local run uses the whole
machine: Ray caps a process's threads at the CPUs it holds.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .server import Server
from .training import BATCH, SIZE, _images, register, run_body

EPOCHS = 6  # epoch 1 warms up; epochs 2 to 6 (about 25 s on 2 cores) are the steady state
CPUS = 2  # the cluster's one node, and what the run holds there
NAMESPACE = "cvstudio-bench"


def _start_cluster():
    """A one-node Ray cluster on 127.0.0.1, no dashboard."""
    # before Ray is imported: without the first, Ray listens on every interface
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    tmp = tempfile.mkdtemp(prefix="cvbray", dir="/tmp")  # short: Ray's socket paths must stay short
    os.environ["RAY_TMPDIR"] = tmp
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": CPUS, "include_dashboard": False})
    cluster.wait_for_nodes()
    return cluster, tmp


def _run(server: Server, folder: Path) -> dict:
    """Register the dataset, submit the run, and follow it: (submit to first step, steps/s)."""
    with server.connection() as c:
        # the Ray run holds the node's CPUs (`cpus`), as a local run uses the machine's; local ignores it
        body = run_body(register(c, folder), "bench-ray", epochs=EPOCHS, resources={"device": "cpu", "cpus": CPUS})
        posted = time.time()
        status, run = c.json("POST", "/cvstudio/api/training", body)
        assert status == 201, run
        while True:
            _, metrics = c.json("GET", f"/cvstudio/api/training/{run['id']}/metrics")
            if metrics["records"]:
                first = time.time() - posted
                break
            _, run = c.json("GET", f"/cvstudio/api/training/{run['id']}")
            assert run["status"] not in ("completed", "failed", "stopped"), run
            time.sleep(0.05)
        while run["status"] not in ("completed", "failed"):
            time.sleep(0.5)
            _, run = c.json("GET", f"/cvstudio/api/training/{run['id']}")
        assert run["status"] == "completed", run
    events = [json.loads(line) for line in (server.data_dir / "runs" / str(run["id"]) / "events.jsonl").open()]
    steps = [
        (datetime.fromisoformat(e["time"]).timestamp(), e["data"]["step"], e["data"]["epoch"])
        for e in events
        if e["type"] == "metric" and "train_loss" in e["data"]
    ]
    worker_first = steps[0][0] - posted  # the worker's own clock: before the server has the record
    (t0, s0, _), (t1, s1, _) = next(s for s in steps if s[2] >= 2), steps[-1]
    return {"first": first, "worker_first": worker_first, "steps_per_s": (s1 - s0) / (t1 - t0), "span": t1 - t0}


def bench_ray(work: Path) -> list[dict]:
    folder = _images(work / "root")
    cluster, tmp = _start_cluster()
    try:
        measured = {}
        for executor in ("local", "ray"):
            args = []
            if executor == "ray":
                args = ["--CVStudio.executor=ray", f"--CVStudio.ray_address={cluster.address}",
                        f"--CVStudio.ray_namespace={NAMESPACE}"]  # fmt: skip
            load = os.getloadavg()[0]
            with Server(work / "root", work / f"ray-{executor}-data-{time.time_ns()}", args=args) as server:
                measured[executor] = m = _run(server, folder)
            print(
                f"  {executor}: submit to first step {m['first']:.2f} s (worker's first step at "
                f"{m['worker_first']:.2f} s), {m['steps_per_s']:.2f} steps/s over {m['span']:.0f} s (load before: {load:.2f})",
                flush=True,
            )
    finally:
        cluster.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    local, ray = measured["local"], measured["ray"]
    overhead = ray["first"] - local["first"]
    ratio = ray["steps_per_s"] / local["steps_per_s"]
    return [
        {
            "name": "Ray executor: submit to first step (POST to the first metric record served), one-node cluster",
            "value": ray["first"],
            "unit": "s",
            "baseline": local["first"],
            "baseline_name": "the local executor, same run",
            "ratio": ray["first"] / local["first"],
            "target": f"(reported: Ray's overhead {overhead:.2f} s)",
            "ok": True,
            "overhead_s": overhead,
        },
        {
            "name": f"Ray executor: steady-state steps/s, resnet18 at {SIZE} px, batch {BATCH}, CPU "
            f"({CPUS} CPUs held; epochs 2 to {EPOCHS})",
            "value": ray["steps_per_s"],
            "unit": "steps/s",
            "baseline": local["steps_per_s"],
            "baseline_name": "the local executor, same run",
            "ratio": ratio,
            "target": "ratio >= 0.95",
            "ok": ratio >= 0.95,
        },
    ]
