"""Dataset benchmarks of issue 2: registration at scale, a page of images, a cached
thumbnail, and server start, each against a baseline measured in the same run."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .cocogen import make_coco
from .server import Client, Server


def pycocotools_load_seconds(ann_file: Path) -> float:
    """pycocotools in a fresh process, as a user would load the file."""
    code = (
        "import time, contextlib, io\n"
        "from pycocotools.coco import COCO\n"
        "t = time.perf_counter()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    COCO({str(ann_file)!r})\n"
        "print(time.perf_counter() - t)\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def register_seconds(c: Client, name: str, path: str) -> tuple[float, dict]:
    """Registration as a user meets it: seconds from `POST datasets` to `ready` over HTTP,
    and the dataset."""
    t0 = time.perf_counter()
    status, ds = c.json("POST", "/cvstudio/api/datasets", {"name": name, "path": path})
    assert status == 202, ds
    while ds["status"] == "indexing":
        time.sleep(0.05)
        _, ds = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}")
    seconds = time.perf_counter() - t0
    assert ds["status"] == "ready", ds
    return seconds, ds


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_datasets(work: Path, images: int, boxes: int, repeats: int = 200, rounds: int = 3) -> list[dict]:
    root = work / "root"
    coco_root = root / f"coco-{images}-{boxes}"
    t = time.perf_counter()
    ann_file = make_coco(coco_root, images, boxes)
    print(f"  data ready in {time.perf_counter() - t:.1f} s ({images} images, {boxes} boxes)", flush=True)
    results = []
    data_dir = work / f"data-{time.time_ns()}"
    with Server(root, data_dir) as server, server.connection() as c:
        # three rounds each, medians: this machine's speed drifts by a fifth between minutes
        runs, baselines = [], []
        for round_ in range(rounds):
            baselines.append(pycocotools_load_seconds(ann_file))
            seconds, ds = register_seconds(c, f"big-{round_}", coco_root.name)
            runs.append(seconds)
            assert ds["num_images"] == images and ds["num_annotations"] == boxes, ds
        seconds, baseline = statistics.median(runs), statistics.median(baselines)
        results.append(
            {
                "name": f"register COCO, {images:,} images / {boxes:,} boxes",
                "value": seconds,
                "unit": "s (median of 3)",
                "baseline": baseline,
                "baseline_name": "pycocotools COCO() load",
                "ratio": seconds / baseline,
                "target": "ratio <= 3",
                "ok": seconds / baseline <= 3,
            }
        )
        print(f"  register: {seconds:.2f} s vs pycocotools {baseline:.2f} s", flush=True)

        rng = random.Random(0)
        pages = []
        for _ in range(repeats):
            offset = rng.randrange(0, max(1, images - 50))
            t = time.perf_counter()
            status, page = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}/images?offset={offset}&limit=50")
            pages.append(time.perf_counter() - t)
            assert status == 200 and len(page["items"]) == 50
        health = []
        for _ in range(repeats):
            t = time.perf_counter()
            c.json("GET", "/cvstudio/api/health")
            health.append(time.perf_counter() - t)
        results.append(
            {
                "name": "one page of 50 images with annotations",
                "value": _p50_ms(pages),
                "unit": "ms p50",
                "baseline": _p50_ms(health),
                "baseline_name": "GET health (the request floor)",
                "ratio": _p50_ms(pages) / _p50_ms(health),
                "target": "p50 < 20 ms",
                "ok": _p50_ms(pages) < 20,
            }
        )
        print(f"  page p50: {_p50_ms(pages):.2f} ms", flush=True)

        _, page = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}/images?limit=1")
        url = f"/cvstudio/api/datasets/{ds['id']}/images/{page['items'][0]['id']}?size=thumb"
        status, body = c.raw("GET", url)
        assert status == 200 and body[:2] == b"\xff\xd8"
        thumbs = []
        for _ in range(repeats):
            t = time.perf_counter()
            status, _ = c.raw("GET", url)
            thumbs.append(time.perf_counter() - t)
            assert status == 200
        results.append(
            {
                "name": "cached thumbnail",
                "value": _p50_ms(thumbs),
                "unit": "ms p50",
                "baseline": _p50_ms(health),
                "baseline_name": "GET health (the request floor)",
                "ratio": _p50_ms(thumbs) / _p50_ms(health),
                "target": "p50 < 5 ms",
                "ok": _p50_ms(thumbs) < 5,
            }
        )
        print(f"  thumbnail p50: {_p50_ms(thumbs):.2f} ms", flush=True)
    return results


def bench_server_start(work: Path, rounds: int = 5) -> list[dict]:
    """Time to the first answer of Jupyter's own /api/status, with and without the
    extension; and, with it, until CV Studio answers a database-backed route."""
    (work / "root").mkdir(parents=True, exist_ok=True)
    with_ext, without, ready = [], [], []
    for i in range(rounds + 1):
        for extension, bucket in ((True, with_ext), (False, without), (True, ready)):
            server = Server(work / "root", work / "start-data", extension=extension)
            try:
                seconds = server.start("/cvstudio/api/datasets" if bucket is ready else "/api/status")
            finally:
                server.stop()
            if i:  # the first round warms the file cache and creates the database
                bucket.append(seconds)
    a, b, c = statistics.median(with_ext), statistics.median(without), statistics.median(ready)
    print(f"  server start: {a:.2f} s with the extension, {b:.2f} s without; CV Studio ready at {c:.2f} s", flush=True)
    return [
        {
            "name": "server start to first answer",
            "value": a,
            "unit": "s (median)",
            "baseline": b,
            "baseline_name": "the same server without the extension",
            "ratio": a / b,
            "target": "ratio <= 1.2",
            "ok": a / b <= 1.2,
        },
        {
            "name": "server start until CV Studio answers GET datasets",
            "value": c,
            "unit": "s (median)",
            "baseline": b,
            "baseline_name": "the same server without the extension",
            "ratio": c / b,
            "target": "(reported)",
            "ok": True,
        },
    ]
