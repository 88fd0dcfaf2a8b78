"""Widget updates on the wire: a DatasetPreview page of 100 thumbnails, and a
TrainingCurves update at 100,000 points, each with its time and bytes.

Baselines, measured in the same run on the same data: the thumbnails base64-encoded in
the JSON state (what binary buffers avoid), and every point of the curves sent as JSON
numbers (what downsampling avoids). Bytes are what the kernel hands the comm: the JSON
state plus its binary buffers.
"""

from __future__ import annotations

import base64
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def _wire(state: dict[str, Any]) -> tuple[int, float]:
    """(bytes, seconds) of turning a widget state into its comm message."""
    from ipywidgets.widgets.widget import _remove_buffers

    t0 = time.perf_counter()
    clean, _, buffers = _remove_buffers(state)
    text = json.dumps(clean)
    size = len(text.encode()) + sum(len(memoryview(b).cast("B")) for b in buffers)
    return size, time.perf_counter() - t0


def _images(root: Path, n: int) -> None:
    """Photo-like 320x240 JPEGs: smooth gradients with a few shapes (noise would make
    every thumbnail its worst-case size)."""
    from PIL import ImageDraw

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320]
    for i in range(n):
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        r, g, b = rng.uniform(0.2, 1.0, 3)
        pixels = np.stack([xx * r, yy * g, (xx + yy) * b / 2], axis=-1) % 256
        image = Image.fromarray(pixels.astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(3):
            x, y = rng.integers(0, 260), rng.integers(0, 180)
            draw.ellipse([x, y, x + 60, y + 60], fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
        image.save(folder / f"{i}.jpg", quality=85)


def bench_widgets(work: Path) -> list[dict[str, Any]]:
    from cvstudio_widgets import Studio
    from cvstudio_widgets.private import start_private_server
    from cvstudio_widgets.widgets.curves import Series

    base = work / f"widgets-{time.time_ns()}"
    root = base / "root"
    _images(root / "photos", 300)
    server = start_private_server(root, data_dir=base / "data")
    results = []
    try:
        studio = Studio(server.url, server.token)
        ds = studio.datasets.register(root / "photos", progress=False)
        preview = ds.preview(page_size=100)
        times = []
        for page in (1, 2, 0, 1, 2):  # thumbnails are cached after the first pass
            t0 = time.perf_counter()
            preview.page = page
            times.append(time.perf_counter() - t0)
        state = {"items": preview.items, "thumbs": preview.thumbs}
        binary, encode_s = _wire(state)
        b64 = {"items": preview.items, "thumbs": [base64.b64encode(t).decode() for t in preview.thumbs]}
        t0 = time.perf_counter()
        b64_bytes = len(json.dumps(b64).encode())
        b64_s = time.perf_counter() - t0
        results.append(
            {
                "name": "widget: preview page of 100 thumbnails, bytes on the wire",
                "value": binary / 1024, "unit": "KiB",
                "baseline": b64_bytes / 1024, "baseline_name": "base64 in JSON",
                "ratio": binary / b64_bytes, "target": "<= 0.8x", "ok": binary <= 0.8 * b64_bytes,
                "extra": {"page_update_ms_median": 1000 * statistics.median(times[2:]),
                          "encode_ms": 1000 * encode_s, "base64_encode_ms": 1000 * b64_s},
            }
        )  # fmt: skip
        update_ms = 1000 * statistics.median(times[2:])
        fetches = []
        for _ in range(3):
            t0 = time.perf_counter()
            page = ds.images(offset=100, limit=100)["items"]
            for item in page:
                ds.image(item["id"], size="thumb")
            fetches.append(time.perf_counter() - t0)
        fetch_ms = 1000 * statistics.median(fetches)
        results.append(
            {
                "name": "widget: preview page of 100 thumbnails, time to update (cached thumbnails)",
                "value": update_ms, "unit": "ms",
                "baseline": fetch_ms, "baseline_name": "the page and its 100 thumbnails fetched by hand",
                "ratio": update_ms / fetch_ms, "target": "<= 1.1x", "ok": update_ms <= 1.1 * fetch_ms,
            }
        )  # fmt: skip
    finally:
        server.stop()

    series = {name: Series() for name in ("train_loss", "lr")}
    rng = np.random.default_rng(0)
    for step in range(1, 100_001):
        series["train_loss"].add(step, float(2.0 / np.sqrt(step) + 0.05 * rng.random()))
        series["lr"].add(step, 0.01 * (1 + np.cos(np.pi * step / 100_000)) / 2)
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        payload = {name: s.payload() for name, s in series.items()}
        size, encode_s = _wire({"series": payload})
        rounds.append((time.perf_counter() - t0, size))
    seconds, size = min(rounds)
    t0 = time.perf_counter()
    full = json.dumps({name: {"x": s.x, "y": s.y} for name, s in series.items()}).encode()
    full_s = time.perf_counter() - t0
    results.append(
        {
            "name": "widget: curves update at 100,000 points, bytes on the wire",
            "value": size / 1024, "unit": "KiB",
            "baseline": len(full) / 1024, "baseline_name": "all points as JSON",
            "ratio": size / len(full), "target": "<= 0.1x", "ok": size <= 0.1 * len(full),
        }
    )  # fmt: skip
    results.append(
        {
            "name": "widget: curves update at 100,000 points, time (downsample + encode)",
            "value": 1000 * seconds, "unit": "ms",
            "baseline": 1000 * full_s, "baseline_name": "JSON of all points",
            "ratio": seconds / full_s, "target": "<= 1x", "ok": seconds <= full_s,
        }
    )  # fmt: skip
    return results
