"""Running a parsed graph on the meta device: every node's output shape, and its layer.

Each layer is built once its input has arrived (so its input sizes are read, not
computed) and run on a meta tensor; whatever torch raises is reported against that
node, and the nodes after it are skipped rather than blamed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .backbones import BACKBONES
from .build import GraphModule, Op, construct, layer_kwargs, merge
from .messages import explain
from .parse import Node, ParsedGraph
from .problems import problem

META = torch.device("meta")


@dataclass
class Step:
    """A node that ran: its output shape and, for layers and backbones, kwargs and meta module."""

    node: Node
    shape: tuple[int, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    module: nn.Module | None = None


@dataclass
class Trace:
    """What ran (in order) and the errors of what did not; `graph.errors` are the structural ones."""

    graph: ParsedGraph
    steps: dict[str, Step] = field(default_factory=dict)  # by node id, in topological order
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.graph.errors and not self.errors

    def all_errors(self) -> list[dict[str, Any]]:
        return self.graph.errors + self.errors

    def shapes(self) -> dict[str, list[int]]:
        return {nid: list(step.shape) for nid, step in self.steps.items()}

    def module(self, layers: dict[str, nn.Module]) -> GraphModule:
        """The graph as a GraphModule over the given layers (by node name); valid traces only."""
        names = {nid: step.node.name for nid, step in self.steps.items()}
        for step in self.steps.values():  # an Output passes its input on, so it stands for that value
            if step.node.spec.kind == "output":
                names[step.node.id] = names[step.node.inputs[0]]
        ops = [
            Op(
                step.node.name,
                "module" if step.module is not None else step.node.spec.type,
                tuple(names[i] for i in step.node.inputs),
                step.node.params["dim"] if step.node.spec.type == "Concat" else 1,
            )
            for step in self.steps.values()
            if step.node.spec.kind in ("layer", "backbone", "merge")
        ]
        input_name = next(s.node.name for s in self.steps.values() if s.node.spec.kind == "input")
        return GraphModule(input_name, ops, layers, [names[o] for o in self.graph.outputs])

    def meta_module(self) -> GraphModule:
        return self.module({s.node.name: s.module for s in self.steps.values() if s.module is not None}).eval()


@functools.lru_cache(maxsize=len(BACKBONES))
def _meta_backbone(name: str) -> nn.Module:
    """Backbones take tens of ms to build even on meta; meta modules hold no data, so one each is shared."""
    with META:
        return BACKBONES[name].build().eval()


def trace_graph(graph: ParsedGraph, batch_size: int) -> Trace:
    trace = Trace(graph)
    values: dict[str, torch.Tensor] = {}
    shared: set[str] = set()  # backbones already used once in this graph get their own module
    for nid in graph.order:
        node = graph.nodes[nid]
        if not node.ok or any(src not in values for src in node.inputs):
            continue
        args = [values[src] for src in node.inputs]
        step = Step(node, ())
        try:
            out = _run(node, args, step, batch_size, share=node.spec.type not in shared)
        except Exception as exc:  # noqa: BLE001 - whatever torch raises is this node's problem
            trace.errors.append(problem("shape_error", explain(node, [tuple(a.shape) for a in args], exc), node=nid))
            continue
        values[nid] = out
        step.shape = tuple(out.shape)
        trace.steps[nid] = step
        if node.spec.kind == "backbone":
            shared.add(node.spec.type)
    return trace


def _run(node: Node, args: list[torch.Tensor], step: Step, batch_size: int, share: bool) -> torch.Tensor:
    kind = node.spec.kind
    with META:
        if kind == "input":
            out = torch.empty(batch_size, *node.params["shape"])
        elif kind == "output":
            out = args[0]
        elif kind == "merge":
            out = merge(node.spec.type, args, node.params["dim"] if node.spec.type == "Concat" else 1)
        else:
            if kind == "backbone" and share:
                step.module = _meta_backbone(node.spec.type)
            else:
                step.kwargs = layer_kwargs(node, tuple(args[0].shape))
                step.module = construct(node, step.kwargs).eval()
            _meta_gaps(node, args[0])
            out = step.module(args[0])
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"returns {type(out).__name__}, not a tensor")
    if 0 in out.shape:
        raise ValueError(f"would produce an empty tensor of shape {list(out.shape)}")
    return out


def _meta_gaps(node: Node, x: torch.Tensor) -> None:
    """Checks that CPU kernels make and meta kernels skip, so a graph that traces also runs.

    torch also reads a 3-D tensor given to a `...2d` layer as one unbatched image; in a graph
    dim 0 is always the batch, so such a layer needs its batched rank (2 + the spatial dims).
    """
    spatial = re.search(r"(\d)d$", node.spec.type)
    if spatial and x.dim() != int(spatial[1]) + 2:
        raise ValueError(f"expected {int(spatial[1]) + 2}D input (got {x.dim()}D input)")
    if node.spec.type == "Softmax":
        x.size(node.params["dim"])  # raises torch's own "Dimension out of range"
    if node.spec.type == "ConvTranspose2d":
        pairs = zip(*(_pair(node.params[k]) for k in ("output_padding", "stride", "dilation")))
        if any(pad >= stride and pad >= dilation for pad, stride, dilation in pairs):
            raise ValueError("output padding must be smaller than either stride or dilation")


def _pair(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value, value)
