"""Helpers shared by the graph tests (no tests here): compact graph building and code loading."""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn

from cvstudio_ext.engine.graphs import build_module, generate_code


def node(node_id: str, node_type: str, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "params": params}


def chain(*ids: str) -> list[dict[str, Any]]:
    return [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]


def graph(nodes: list[dict[str, Any]], *edge_lists: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": [e for edges in edge_lists for e in edges]}


def load_class(code: str, class_name: str) -> type[nn.Module]:
    """Exec generated code in a fresh namespace; only tests ever do this."""
    namespace: dict[str, Any] = {"__name__": "generated_under_test"}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - the point of the test
    return namespace[class_name]


def record_shapes(module: nn.Module, x: torch.Tensor) -> tuple[dict[str, list[int]], Any]:
    """Run a real forward; every direct child's output shape by attribute name, and the output."""
    seen: dict[str, list[int]] = {}
    handles = [
        child.register_forward_hook(lambda m, i, o, n=name: seen.__setitem__(n, list(o.shape)))
        for name, child in module.named_children()
    ]
    try:
        out = module(x)
    finally:
        for h in handles:
            h.remove()
    return seen, out


def assert_equivalent(g: dict[str, Any], x: torch.Tensor, class_name: str = "GeneratedModel") -> None:
    """The generated class takes the built module's weights and gives the same outputs."""
    built = build_module(g).eval()
    result = generate_code(g, class_name)
    generated = load_class(result["code"], class_name)().eval()
    built_sd, gen_sd = built.state_dict(), generated.state_dict()
    assert list(built_sd) == list(gen_sd)
    assert all(built_sd[k].shape == gen_sd[k].shape for k in built_sd)
    generated.load_state_dict(built_sd)
    with torch.no_grad():
        torch.testing.assert_close(generated(x), built(x))
