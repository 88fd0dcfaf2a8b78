"""Parameter and FLOP counts, per node and in total, for a batch of one.

FLOPs come from torch's `FlopCounterMode` on the meta module, which counts two FLOPs per
multiply-add (tools such as fvcore or thop count multiply-adds).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from .shapes import checked_trace
from .trace import META


def analyze_graph(graph: Any) -> dict[str, Any]:
    trace = checked_trace(graph)
    module = trace.meta_module()
    shape = next(s.shape for s in trace.steps.values() if s.node.spec.kind == "input")
    counter = FlopCounterMode(display=False)
    with counter:
        module(torch.empty(shape, device=META))
    counts = counter.get_flop_counts()
    prefix = type(module).__name__
    layers, total, trainable = [], 0, 0
    for step in trace.steps.values():
        params = list(step.module.parameters()) if step.module is not None else []
        total += sum(p.numel() for p in params)
        trainable += sum(p.numel() for p in params if p.requires_grad)
        layers.append(
            {
                "node": step.node.id,
                "type": step.node.spec.type,
                "output_shape": list(step.shape),
                "params": sum(p.numel() for p in params),
                "flops": int(sum(counts.get(f"{prefix}.{step.node.name}", {}).values())),
            }
        )
    return {
        "params": total,
        "trainable_params": trainable,
        "flops": int(sum(counts.get("Global", {}).values())),
        "layers": layers,
    }
