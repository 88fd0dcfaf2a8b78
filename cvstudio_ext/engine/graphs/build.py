"""Layers from validated params plus sizes read off their input, and the module running them.

`layer_kwargs` is the only place input sizes are inferred: each one is read from the
tensor that actually arrives (channels are dim 1, features the last dim), so no shape
rule is written by hand. The same kwargs build the meta layer for shapes, the real one
in `GraphModule`, and the constructor call in generated code.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .backbones import BACKBONES
from .parse import Node


def layer_kwargs(node: Node, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """Constructor kwargs: the node's params plus its inferred input sizes."""
    inferred = {
        "in_channels": lambda: input_shape[1],
        "num_features": lambda: input_shape[1],
        "num_channels": lambda: input_shape[1],
        "in_features": lambda: input_shape[-1],
        "normalized_shape": lambda: tuple(input_shape[1:]),  # the whole sample, as in the LayerNorm paper
    }
    kwargs = dict(node.params)
    for name in node.spec.inferred:
        if len(input_shape) < 2:
            raise ValueError(
                f"{node.spec.type} needs an input with a batch and a feature dimension, got shape {list(input_shape)}"
            )
        kwargs[name] = inferred[name]()
    return kwargs


def construct(node: Node, kwargs: dict[str, Any]) -> nn.Module:
    """A fresh layer or backbone on the current default device."""
    if node.spec.kind == "backbone":
        return BACKBONES[node.spec.type].build()
    assert node.spec.cls is not None
    return node.spec.cls(**kwargs)


def merge(node_type: str, tensors: list[torch.Tensor], dim: int) -> torch.Tensor:
    """Add, Multiply or Concat of tensors in port order, as generated code writes them."""
    if node_type == "Concat":
        return torch.cat(tensors, dim=dim)
    return functools.reduce(operator.add if node_type == "Add" else operator.mul, tensors)


@dataclass(frozen=True)
class Op:
    """One step of the forward pass: `kind` is "module" or a merge type."""

    name: str
    kind: str
    inputs: tuple[str, ...]
    dim: int = 1


class GraphModule(nn.Module):
    """A graph as a module: layers are attributes named like the generated class's, run in topological order."""

    def __init__(self, input_name: str, ops: list[Op], layers: dict[str, nn.Module], outputs: list[str]):
        super().__init__()
        # Underscored so that no node name (never underscored) collides with them.
        self._input_name = input_name
        self._ops = ops
        self._outputs = outputs
        for name, layer in layers.items():
            self.add_module(name, layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        values = {self._input_name: x}
        for op in self._ops:
            args = [values[name] for name in op.inputs]
            values[op.name] = self._modules[op.name](args[0]) if op.kind == "module" else merge(op.kind, args, op.dim)
        results = tuple(values[name] for name in self._outputs)
        return results[0] if len(results) == 1 else results
