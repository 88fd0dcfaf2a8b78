"""`make bench`: every benchmark, each against a baseline measured in the same run.

Options: `--small` runs at a tenth of the sizes (a quick check, not the README figures);
`--only datasets|dataset-ops|postgres|graphs|layout|inference|training|ray|pipeline|widgets|lab|start|load`
picks one group (`ray`: the Ray executor against the local one, on a Ray cluster it starts
on 127.0.0.1; needs the `ray` extra; `dataset-ops`: export, split and registration against
Datumaro, which runs from bench/.venv-datumaro, made by `make bench`). Results go to
bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from .dataset_ops import bench_dataset_ops
from .datasets import bench_datasets, bench_server_start
from .graph_layout import bench_graph_layout
from .graphs import bench_graphs
from .inference import bench_inference
from .lab import bench_lab
from .load import bench_load
from .pipeline import bench_pipeline
from .postgres import bench_postgres
from .ray_executor import bench_ray
from .training import bench_training
from .widgets import bench_widgets

HERE = Path(__file__).parent
GROUPS = (
    "datasets",
    "dataset-ops",
    "postgres",
    "start",
    "graphs",
    "layout",
    "inference",
    "training",
    "ray",
    "pipeline",
    "widgets",
    "lab",
    "load",
)


def main() -> None:
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--small", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--only", choices=GROUPS)
    args = parser.parse_args()
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    images, boxes = (10_000, 100_000) if args.small else (100_000, 1_000_000)
    results = []
    if args.only in (None, "datasets"):
        print("datasets", flush=True)
        results += bench_datasets(work, images, boxes)
    if args.only in (None, "dataset-ops"):
        print("dataset operations", flush=True)
        results += bench_dataset_ops(work, images, boxes)
    if args.only in (None, "postgres"):
        print("PostgreSQL against SQLite", flush=True)
        results += bench_postgres(work, images, boxes)
    if args.only in (None, "graphs"):
        print("model graphs", flush=True)
        results += bench_graphs(work)
    if args.only in (None, "layout"):
        print("graph editor layout", flush=True)
        results += bench_graph_layout(work)
    if args.only in (None, "inference"):
        print("inference", flush=True)
        results += bench_inference(work)
    if args.only in (None, "training"):
        print("training", flush=True)
        results += bench_training(work)
    if args.only in (None, "ray"):
        print("Ray executor", flush=True)
        results += bench_ray(work)
    if args.only in (None, "pipeline"):
        print("data pipeline", flush=True)
        results += bench_pipeline(work)
    if args.only in (None, "widgets"):
        print("widgets", flush=True)
        results += bench_widgets(work)
    if args.only in (None, "lab"):
        print("lab extension", flush=True)
        results += bench_lab(work)
    if args.only in (None, "load"):
        print("load", flush=True)
        results += bench_load(work)
    if args.only in (None, "start"):
        print("server start", flush=True)
        results += bench_server_start(work)
    print()
    print("| benchmark | value | baseline | ratio | target | ok |\n|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['value']:.2f} {r['unit']} | {r['baseline']:.2f} ({r['baseline_name']}) "
            f"| {r['ratio']:.2f}x | {r['target']} | {'yes' if r['ok'] else 'NO'} |"
        )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    meta = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
    }
    (out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
