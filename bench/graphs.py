"""Model graph benchmarks of issue 3: shapes of a 300-node and a ResNet-50-sized graph,
and code generation, through HTTP, against plain torch work on the same model."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from .graphgen import chain, resnet50_like
from .server import Server


def _median_seconds(fn, repeats: int) -> float:
    fn()  # warm: imports, caches
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def _torch_forward_seconds(graph: dict, repeats: int) -> float:
    """What a user would do without CV Studio: build the model and run a real tensor."""
    from cvstudio_ext.engine.graphs import build_module

    shape = graph["nodes"][0]["params"]["shape"]

    def run():
        with torch.no_grad():
            build_module(graph).eval()(torch.zeros(1, *shape))

    return _median_seconds(run, repeats)


def bench_graphs(work: Path, repeats: int = 5) -> list[dict]:
    results = []
    with Server(work / "root", work / f"graph-data-{time.time_ns()}") as server, server.connection() as c:
        for label, graph in (
            ("300-node Conv/BN/ReLU chain, 64 px", chain(300)),
            ("ResNet-50-sized graph, 224 px", resnet50_like()),
        ):

            def shapes(graph=graph):
                status, body = c.json("POST", "/cvstudio/api/models/infer-shapes", {"graph": graph})
                assert status == 200 and body["valid"], body

            value = _median_seconds(shapes, repeats)
            baseline = _torch_forward_seconds(graph, repeats)
            is_chain = label.startswith("300")
            results.append(
                {
                    "name": f"infer-shapes, {label} ({len(graph['nodes'])} nodes)",
                    "value": value,
                    "unit": "s (median)",
                    "baseline": baseline,
                    "baseline_name": "build the module and run a real CPU forward",
                    "ratio": value / baseline,
                    "target": "< 0.5 s" if is_chain else "(reported)",
                    "ok": value < 0.5 if is_chain else True,
                }
            )
            print(f"  shapes {label}: {value * 1000:.0f} ms (torch forward {baseline * 1000:.0f} ms)", flush=True)

        graph = resnet50_like()

        def generate():
            status, body = c.json(
                "POST", "/cvstudio/api/models/generate", {"graph": graph, "class_name": "ResNet50Like"}
            )
            assert status == 200, body

        value = _median_seconds(generate, repeats)
        baseline = _median_seconds(
            lambda: __import__("cvstudio_ext.engine.graphs", fromlist=["x"]).build_module(graph), repeats
        )
        results.append(
            {
                "name": f"generate code, ResNet-50-sized graph ({len(graph['nodes'])} nodes)",
                "value": value,
                "unit": "s (median)",
                "baseline": baseline,
                "baseline_name": "building the same module in-process",
                "ratio": value / baseline,
                "target": "(reported)",
                "ok": True,
            }
        )
        print(f"  generate: {value * 1000:.0f} ms (build {baseline * 1000:.0f} ms)", flush=True)
    return results
