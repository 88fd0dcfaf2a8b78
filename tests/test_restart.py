"""A server restart in the middle of training, with real server processes sharing one data
directory: a run whose worker lives on is adopted again; one whose worker died meanwhile
becomes `interrupted` and resumes from its checkpoint."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvstudio_widgets import Client
from cvstudio_widgets.private import PrivateServer, start_private_server

from .server.test_training import SMALL


def start_server(root: Path, data: Path) -> tuple[PrivateServer, Client]:
    server = start_private_server(root, data_dir=data, env={"CVSTUDIO_TRAINING_STEP_DELAY": "0.05"})
    return server, Client(server.url, server.token, timeout=30)


def stop_server(server: PrivateServer) -> None:
    server.stop()


def wait_status(client: Client, run_id: int, statuses: tuple[str, ...], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"training/{run_id}")
        if run["status"] in statuses:
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


@pytest.fixture
def squares(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    root = tmp_path / "root"
    for name, base in (("red", (200, 40, 40)), ("blue", (40, 40, 200))):
        folder = root / "squares" / name
        folder.mkdir(parents=True)
        for i in range(12):
            noise = rng.integers(-30, 30, (16, 16, 3))
            Image.fromarray(np.clip(np.array(base) + noise, 0, 255).astype(np.uint8)).save(folder / f"{i}.png")
    return root


@pytest.fixture
def data(tmp_path):
    """The data directory; any worker still alive at the end is ended with its group."""
    folder = tmp_path / "data"
    yield folder
    for pid_file in folder.glob("runs/*/pid.json"):
        with contextlib.suppress(OSError, ValueError):
            os.killpg(json.loads(pid_file.read_text())["pid"], signal.SIGKILL)


def test_restart_adopts_live_runs_and_interrupts_dead_ones(squares, data):
    proc, client = start_server(squares, data)
    try:
        ds = client.post("datasets", {"name": "squares", "path": "squares"})
        while client.get(f"datasets/{ds['id']}")["status"] == "indexing":
            time.sleep(0.1)
        model = client.post("models", {"name": "small", "graph": SMALL})
        body = {
            "name": "long",
            "dataset_id": ds["id"],
            "model": {"source": "graph", "model_id": model["id"]},
            "hyperparameters": {"epochs": 200, "batch_size": 4, "seed": 1},
            "resources": {"device": "cpu"},
        }
        run = client.post("training", body)
        wait_status(client, run["id"], ("running",))
        while not client.get(f"training/{run['id']}/checkpoints")["items"]:
            time.sleep(0.2)
    finally:
        stop_server(proc)

    # the worker outlived its server: the next server follows it again
    proc, client = start_server(squares, data)
    try:
        assert client.get(f"training/{run['id']}")["status"] == "running"
        step = client.get(f"training/{run['id']}")["step"]
        deadline = time.monotonic() + 30
        while client.get(f"training/{run['id']}")["step"] <= step:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        pid = int(json.loads((data / "runs" / str(run["id"]) / "pid.json").read_text())["pid"])
    finally:
        stop_server(proc)
    os.killpg(pid, signal.SIGKILL)  # the worker dies while no server watches
    time.sleep(0.5)

    proc, client = start_server(squares, data)
    try:
        interrupted = client.get(f"training/{run['id']}")
        assert interrupted["status"] == "interrupted", interrupted
        resumed = client.post(f"training/{run['id']}/control", {"action": "resume"})
        assert resumed["status"] == "queued"
        wait_status(client, run["id"], ("running",))
        client.post(f"training/{run['id']}/control", {"action": "stop"})
        stopped = wait_status(client, run["id"], ("stopped",))
        assert stopped["epoch"] >= 1 or stopped["step"] > 0
    finally:
        stop_server(proc)
