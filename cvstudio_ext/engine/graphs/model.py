"""The real (CPU) module of a graph, for training and for checking generated code."""

from __future__ import annotations

from typing import Any

from .build import GraphModule, construct
from .problems import GraphInvalid, problem
from .shapes import checked_trace

# Allocating more than this (2 GB of float32 weights) is refused before anything is allocated.
MAX_PARAMS = 500_000_000


def build_module(graph: Any) -> GraphModule:
    """A freshly initialized module whose `state_dict` keys match the generated class's."""
    trace = checked_trace(graph)
    layers = {s.node.name: s for s in trace.steps.values() if s.module is not None}
    total = sum(p.numel() for s in layers.values() for p in s.module.parameters())
    if total > MAX_PARAMS:
        raise GraphInvalid(
            [
                problem(
                    "too_many_params",
                    f"the model would have {total:,} parameters; the limit is "
                    f"{MAX_PARAMS:,}, use fewer or smaller layers",
                )
            ]
        )
    return trace.module({name: construct(s.node, s.kwargs) for name, s in layers.items()})
