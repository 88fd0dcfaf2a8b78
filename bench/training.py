"""Training benchmarks of issue 5: the worker's throughput against a plain hand-written
loop on the same model, data and batch; and 50 WebSocket subscribers to one run."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image

from .server import Server

SIZE = 64
BATCH = 32
N_IMAGES = 640


def _images(root: Path) -> Path:
    folder = root / "bench-train"
    rng = np.random.default_rng(0)
    for i in range(N_IMAGES):
        target = folder / f"c{i % 4}" / f"{i:04d}.png"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)).save(target)
    return folder


def _plain_loop_images_per_s(folder: Path, epochs: int = 1) -> float:
    """What one writes by hand: ImageFolder, the same normalization, SGD, resnet18."""
    from torchvision.transforms import v2

    tf = v2.Compose(
        [
            v2.Resize((SIZE, SIZE)),
            v2.ToImage(),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
        ]
    )
    data = torchvision.datasets.ImageFolder(str(folder), transform=tf)
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=0, drop_last=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    seen, start = 0, None
    for _ in range(epochs + 1):
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
            if start is None:  # the first step warms up; time the rest
                start = time.perf_counter()
                continue
            seen += len(x)
    return seen / (time.perf_counter() - start)


def _worker_images_per_s(events: list[dict]) -> float:
    """Steps within the second epoch, from the worker's own metric times: the loop's speed,
    without the first step's warm-up or the checkpoints written between epochs."""
    steps = [
        (datetime.fromisoformat(e["time"]).timestamp(), e["data"]["step"])
        for e in events
        if e["type"] == "metric" and "train_loss" in e["data"] and e["data"]["epoch"] == 2
    ]
    (t0, s0), (t1, s1) = steps[0], steps[-1]
    return (s1 - s0) * BATCH / (t1 - t0)


async def _last_event_lags(server: Server, run_id: int, count: int) -> list[float]:
    """For each of `count` subscribers: when the run's last event arrived, minus when the
    worker wrote it."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{server.port}/cvstudio/api/ws/training/{run_id}"
    request = HTTPRequest(url, headers={"Authorization": f"token {server.token}"})
    sockets = [await websocket_connect(request) for _ in range(count)]

    async def follow(ws) -> float:
        while True:
            event = json.loads(await ws.read_message())
            if event["type"] == "status" and event["data"].get("status") in ("completed", "stopped", "failed"):
                ws.close()
                return time.time() - datetime.fromisoformat(event["time"]).timestamp()

    return list(await asyncio.gather(*(follow(ws) for ws in sockets)))


def register(c, folder: Path) -> int:
    """The bench's image folder as a dataset, once indexed: its id."""
    _, ds = c.json("POST", "/cvstudio/api/datasets", {"name": "train", "path": folder.name})
    while ds["status"] == "indexing":
        time.sleep(0.05)
        _, ds = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}")
    return ds["id"]


def run_body(dataset_id: int, name: str, *, epochs: int, resources: dict) -> dict:
    """The training benches' run: resnet18 at SIZE px, batch BATCH, a metric every step."""
    return {
        "name": name,
        "dataset_id": dataset_id,
        "model": {"source": "torchvision", "name": "resnet18"},
        "hyperparameters": {
            "epochs": epochs,
            "batch_size": BATCH,
            "lr": 0.01,
            "image_size": SIZE,
            "val_fraction": 0.0,
            "log_interval": 1,
            "scheduler": "none",
        },  # fmt: skip
        "resources": resources,
    }


def bench_training(work: Path) -> list[dict]:
    root = work / "root"
    folder = _images(root)
    results = []
    with Server(root, work / f"train-data-{time.time_ns()}") as server, server.connection() as c:
        body = run_body(register(c, folder), "bench", epochs=2, resources={"device": "cpu", "num_workers": 0})
        status, run = c.json("POST", "/cvstudio/api/training", body)
        assert status == 201, run
        while run["status"] not in ("completed", "failed"):
            time.sleep(0.2)
            _, run = c.json("GET", f"/cvstudio/api/training/{run['id']}")
        assert run["status"] == "completed", run
        lines = (server.data_dir / "runs" / str(run["id"]) / "events.jsonl").read_text().splitlines()
        worker = _worker_images_per_s([json.loads(line) for line in lines])
        plain = _plain_loop_images_per_s(folder)
        results.append(
            {
                "name": f"training throughput, resnet18 at {SIZE} px, batch {BATCH}, CPU",
                "value": worker,
                "unit": "img/s",
                "baseline": plain,
                "baseline_name": "a plain hand-written PyTorch loop, same model, data and batch",
                "ratio": worker / plain,
                "target": "ratio >= 0.95",
                "ok": worker / plain >= 0.95,
            }
        )
        print(f"  training: worker {worker:.1f} img/s, plain loop {plain:.1f} img/s", flush=True)

        short = {**body, "name": "bench-ws", "hyperparameters": {**body["hyperparameters"], "epochs": 1}}
        status, run = c.json("POST", "/cvstudio/api/training", short)
        assert status == 201, run
        lags = asyncio.run(_last_event_lags(server, run["id"], 50))
        worst = max(lags) * 1000
        results.append(
            {
                "name": "50 WebSocket subscribers to one run: lag of the last event (worst of 50)",
                "value": worst,
                "unit": "ms",
                "baseline": statistics.median(lags) * 1000,
                "baseline_name": "the median subscriber",
                "ratio": worst / max(statistics.median(lags) * 1000, 1e-9),
                "target": "under 200 ms",
                "ok": worst < 200,
            }
        )
        print(f"  50 subscribers: last event lag worst {worst:.0f} ms", flush=True)
    return results
