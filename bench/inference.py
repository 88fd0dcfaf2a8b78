"""Inference benchmarks of issue 4: one image through HTTP against the same model called
in-process, batch throughput against a plain DataLoader loop, and a cached second predict."""

from __future__ import annotations

import base64
import io
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image

from .server import Server

SIZE = 224
N_BATCH_IMAGES = 192


def _jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _images(root: Path) -> Path:
    folder = root / "bench-infer"
    for i in range(N_BATCH_IMAGES):
        target = folder / ("a" if i % 2 else "b") / f"{i:04d}.jpg"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_jpeg(i))
    return folder


def _transform():
    from torchvision.transforms import v2

    return v2.Compose(
        [
            v2.Resize((SIZE, SIZE)),
            v2.ToImage(),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
        ]
    )


class _Files(torch.utils.data.Dataset):
    def __init__(self, files: list[Path]):
        self.files, self.tf = files, _transform()

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.tf(Image.open(self.files[i]).convert("RGB"))


def bench_inference(work: Path, repeats: int = 30) -> list[dict]:
    root = work / "root"
    folder = _images(root)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10).eval()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    image = _jpeg(12345)
    payload_image = base64.b64encode(image).decode()
    results = []
    with Server(root, work / f"infer-data-{time.time_ns()}") as server, server.connection() as c:
        c.conn.request(
            "POST",
            "/cvstudio/api/weights/upload?name=r18&architecture=resnet18&input_size=224&classes="
            + ",".join(f"c{i}" for i in range(10)),
            body=buf.getvalue(),
            headers={**c.headers, "Content-Type": "application/octet-stream"},
        )
        resp = c.conn.getresponse()
        weight = __import__("json").loads(resp.read())
        assert resp.status == 201, weight
        body = {"weight_id": weight["id"], "image": payload_image}

        t = time.perf_counter()
        status, out = c.json("POST", "/cvstudio/api/inference/predict", body)
        first = time.perf_counter() - t
        assert status == 200, out
        http = []
        for _ in range(repeats):
            t = time.perf_counter()
            c.json("POST", "/cvstudio/api/inference/predict", body)
            http.append(time.perf_counter() - t)
        tf = _transform()
        local = []
        with torch.inference_mode():
            model(tf(Image.open(io.BytesIO(image)).convert("RGB"))[None])
            for _ in range(repeats):
                t = time.perf_counter()
                logits = model(tf(Image.open(io.BytesIO(image)).convert("RGB"))[None])
                torch.softmax(logits, 1).topk(5)
                local.append(time.perf_counter() - t)
        a, b = statistics.median(http), statistics.median(local)
        results.append(
            {
                "name": "predict one image through HTTP (resnet18, 224 px, CPU)",
                "value": a * 1000,
                "unit": "ms (median)",
                "baseline": b * 1000,
                "baseline_name": "the same model called in-process (decode, transform, forward)",
                "ratio": a / b,
                "target": "ratio <= 1.3",
                "ok": a / b <= 1.3,
            }
        )
        results.append(
            {
                "name": "second predict (model cached) against the first (model loaded)",
                "value": a * 1000,
                "unit": "ms (median)",
                "baseline": first * 1000,
                "baseline_name": "the first predict",
                "ratio": a / first,
                "target": "(reported)",
                "ok": True,
            }
        )
        print(f"  predict: {a * 1000:.1f} ms vs in-process {b * 1000:.1f} ms; first {first * 1000:.0f} ms", flush=True)

        status, ds = c.json("POST", "/cvstudio/api/datasets", {"name": "infer", "path": folder.name})
        while ds["status"] == "indexing":
            time.sleep(0.05)
            _, ds = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}")
        files = sorted(folder.rglob("*.jpg"))
        loader = torch.utils.data.DataLoader(_Files(files), batch_size=16, num_workers=0)
        served_runs, plain_runs = [], []
        for _ in range(3):  # medians of three: this machine's speed drifts between minutes
            t = time.perf_counter()
            body = {"weight_id": weight["id"], "dataset_id": ds["id"]}
            status, job = c.json("POST", "/cvstudio/api/inference/batch", body)
            assert status == 202, job
            while True:
                _, state = c.json("GET", f"/cvstudio/api/inference/jobs/{job['job_id']}?limit=1")
                if state["status"] in ("completed", "failed"):
                    break
                time.sleep(0.1)
            served_runs.append(N_BATCH_IMAGES / (time.perf_counter() - t))
            assert state["status"] == "completed", state
            t = time.perf_counter()
            with torch.inference_mode():
                for batch in loader:
                    torch.softmax(model(batch), 1).topk(5)
            plain_runs.append(len(files) / (time.perf_counter() - t))
        served, plain = statistics.median(served_runs), statistics.median(plain_runs)
        results.append(
            {
                "name": f"batch inference over {N_BATCH_IMAGES} images (resnet18, 224 px)",
                "value": served,
                "unit": "img/s",
                "baseline": plain,
                "baseline_name": "a plain torch DataLoader loop, batch 16",
                "ratio": served / plain,
                "target": "ratio >= 0.9",
                "ok": served / plain >= 0.9,
            }
        )
        print(f"  batch: {served:.1f} img/s vs DataLoader loop {plain:.1f} img/s", flush=True)
    return results
