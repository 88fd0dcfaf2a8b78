"""Structural validation: every error names its node or edge, and nothing but Invalid escapes."""

from __future__ import annotations

import inspect
import json
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cvstudio_ext.engine.graphs import (
    GraphInvalid,
    analyze_graph,
    build_module,
    generate_code,
    infer_shapes,
    layer_catalogue,
    validate_graph,
)
from cvstudio_ext.errors import Invalid

from .graph_helpers import chain, graph, node

IN = node("in", "Input", shape=[3, 8, 8])
OUT = node("out", "Output")


def errors(g: object) -> list[tuple[str, object]]:
    result = validate_graph(g)
    assert result["valid"] is (not result["errors"])
    return [(e["code"], e.get("node", e.get("edge"))) for e in result["errors"]]


def relu_graph(*extra_nodes: dict, edges: list) -> dict:
    return graph([IN, node("r", "ReLU"), OUT, *extra_nodes], edges)


@pytest.mark.parametrize(
    ("g", "expected"),
    [
        (None, [("not_a_graph", None)]),
        ([], [("not_a_graph", None)]),
        ({"nodes": {}}, [("not_a_graph", None)]),
        ({"nodes": [], "edges": {}}, [("not_a_graph", None)]),
        ({"nodes": []}, [("no_input", None), ("no_output", None)]),
        (graph([IN, OUT], chain("in", "out")), []),
        (graph([IN, OUT]), [("missing_input", "out")]),
        (graph([IN, node("in", "ReLU"), OUT], chain("in", "out")), [("duplicate_id", "in")]),
        (graph([IN, {"id": 3, "type": "ReLU"}, OUT], chain("in", "out")), [("bad_node", None)]),
        (graph([IN, "ReLU", OUT], chain("in", "out")), [("bad_node", None)]),
        (graph([IN, {"id": "x" * 129, "type": "ReLU"}, OUT], chain("in", "out")), [("bad_node", None)]),
        (graph([IN, node("r", "Relu"), OUT], chain("in", "r", "out")), [("unknown_type", "r")]),
        (graph([IN, {"id": "r", "type": "ReLU", "params": [1]}, OUT], chain("in", "r", "out")), [("bad_params", "r")]),
        (graph([IN, node("c", "Conv2d", out_channels=4), OUT], chain("in", "c", "out")), [("missing_param", "c")]),
        (relu_graph(edges=chain("in", "r", "out") + [{"source": "in", "target": "nowhere"}]), [("unknown_node", 2)]),
        (relu_graph(edges=chain("in", "r", "out") + ["edge"]), [("bad_edge", 2)]),
        (relu_graph(edges=chain("in", "r", "out") + [{"source": "r", "target": "r"}]), [("self_loop", 2)]),
        (relu_graph(edges=chain("in", "r", "out") + [{"source": "r", "target": "in"}]), [("input_has_incoming", 2)]),
        (relu_graph(edges=chain("in", "out", "r")), [("output_has_outgoing", 1), ("missing_input", "r")]),
        (relu_graph(edges=chain("in", "r", "out") + chain("in", "r")), [("too_many_inputs", "r")]),
        (relu_graph(edges=[{"source": "in", "target": "r", "target_port": 1}, *chain("r", "out")]), [("bad_port", 0)]),
        (
            relu_graph(edges=[{"source": "in", "target": "r", "target_port": "0"}, *chain("r", "out")]),
            [("bad_port", 0), ("missing_input", "r")],
        ),
        (graph([IN, node("a", "Add"), OUT], chain("in", "a", "out")), [("missing_input", "a")]),
        (
            graph(
                [IN, node("r", "ReLU"), node("a", "Add"), OUT],
                chain("in", "r"),
                chain("a", "out"),
                [{"source": "in", "target": "a", "target_port": 0}, {"source": "r", "target": "a", "target_port": 0}],
            ),
            [("bad_port", 3)],
        ),
        (
            graph(
                [IN, node("r", "ReLU"), node("a", "Add"), OUT],
                chain("in", "r"),
                chain("a", "out"),
                [{"source": "in", "target": "a", "target_port": 0}, {"source": "r", "target": "a", "target_port": 2}],
            ),
            [("bad_port", "a")],
        ),
        (
            graph(
                [IN, node("r", "ReLU"), node("a", "Add"), OUT],
                chain("in", "r"),
                chain("a", "out"),
                [{"source": "in", "target": "a", "target_port": 0}, {"source": "r", "target": "a"}],
            ),
            [("bad_port", "a")],
        ),
        (graph([IN, node("in2", "Input", shape=[3, 8, 8]), OUT], chain("in", "out")), [("extra_input", "in2")]),
        (graph([IN, node("r", "ReLU")], chain("in", "r")), [("no_output", None)]),
        (
            graph(
                [IN, node("a", "Add"), node("b", "ReLU"), node("c", "ReLU"), OUT],
                chain("in", "a", "b", "c", "a"),
                chain("c", "out"),
            ),
            [("cycle", "a")],
        ),
        ({"nodes": [IN] * 2001, "edges": []}, [("too_large", None)]),
        ({"nodes": [IN, OUT], "edges": [{"source": "in", "target": "out"}] * 10001}, [("too_large", None)]),
    ],
)
def test_structural_errors(g: object, expected: list) -> None:
    assert errors(g) == expected


def test_messages_say_what_to_change() -> None:
    g = graph([IN, node("c", "Conv2d", out_channels=0, kernel_size=3, stride=[1, 2, 3]), OUT], chain("in", "c", "out"))
    result = validate_graph(g)
    messages = [e["message"] for e in result["errors"]]
    assert messages == [
        'Conv2d "c": out_channels must be between 1 and 16384, not 0',
        'Conv2d "c": stride must have 2 elements, not 3',
    ]
    cycle = validate_graph(
        graph([IN, node("a", "Add"), node("b", "ReLU"), OUT], chain("in", "a", "b", "a"), chain("b", "out"))
    )
    assert '"a" → "b" → "a"' in cycle["errors"][0]["message"]


def test_warnings_for_unused_outputs_and_inferred_params() -> None:
    g = graph(
        [IN, node("c", "Conv2d", in_channels=99, out_channels=2, kernel_size=1), node("dead", "ReLU"), OUT],
        chain("in", "c", "out"),
        chain("in", "dead"),
    )
    result = validate_graph(g)
    assert result["valid"]
    assert [(w["code"], w["node"]) for w in result["warnings"]] == [("inferred_param", "c"), ("unused", "dead")]
    assert build_module(g).c.in_channels == 3
    # the shapes an editor draws come with the same warnings
    assert infer_shapes(g)["warnings"] == result["warnings"]


def test_several_outputs_return_a_tuple_in_node_order() -> None:
    g = graph(
        [IN, node("o2", "Output"), node("p", "MaxPool2d", kernel_size=2), node("o1", "Output")],
        chain("in", "p", "o1"),
        chain("in", "o2"),
    )
    out = build_module(g)(torch.zeros(1, 3, 8, 8))
    assert [tuple(t.shape) for t in out] == [(1, 3, 8, 8), (1, 3, 4, 4)]


def test_merge_ports_define_the_order() -> None:
    g = graph(
        [
            IN,
            node("p", "AvgPool2d", kernel_size=1),
            node("c", "Conv2d", out_channels=1, kernel_size=1),
            node("cat", "Concat", dim=1),
            OUT,
        ],
        chain("in", "p"),
        chain("in", "c"),
        chain("cat", "out"),
        [{"source": "p", "target": "cat", "target_port": 1}, {"source": "c", "target": "cat", "target_port": 0}],
    )
    assert infer_shapes(g)["shapes"]["cat"] == [1, 4, 8, 8]
    module = build_module(g)
    x = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(module(x)[:, 1:], x)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["id", "type", "params", "source", "target", "target_port", "name", "shape"])
NODE_LIKE = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["in", "a", "b", "out"]) | JSON,
        "type": st.sampled_from([e["type"] for e in layer_catalogue()]) | JSON,
    },
    optional={
        "params": st.dictionaries(
            st.sampled_from(
                ["shape", "out_channels", "kernel_size", "dim", "p", "mode", "padding", "output_size", "scale_factor"]
            ),
            JSON,
            max_size=3,
        )
        | JSON
    },
)
EDGE_LIKE = st.fixed_dictionaries(
    {"source": st.sampled_from(["in", "a", "b", "out"]) | JSON, "target": st.sampled_from(["in", "a", "b", "out"])},
    optional={"target_port": st.integers(-1, 3) | JSON},
)
GRAPH_LIKE = (
    JSON
    | st.fixed_dictionaries(
        {"nodes": st.lists(NODE_LIKE | JSON, max_size=5), "edges": st.lists(EDGE_LIKE | JSON, max_size=6)}
    )
    | st.dictionaries(KEYS, JSON)
)


@settings(max_examples=150, deadline=None)
@given(GRAPH_LIKE)
def test_any_json_gives_an_answer_or_invalid(g: object) -> None:
    result = validate_graph(g)
    json.dumps(result, allow_nan=False)
    assert result["valid"] == (not result["errors"])
    shapes = infer_shapes(g, 2)
    json.dumps(shapes, allow_nan=False)
    for call in (analyze_graph, generate_code, build_module):
        try:
            call(g)
        except GraphInvalid as e:
            assert not result["valid"] and e.details == result["errors"]
        else:
            assert result["valid"]


# --- catalogue -----------------------------------------------------------------------------------------------

REQUIRED_LAYERS = {
    "Conv2d",
    "ConvTranspose2d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "ReLU",
    "LeakyReLU",
    "SiLU",
    "GELU",
    "Sigmoid",
    "Softmax",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Upsample",
    "Flatten",
    "Linear",
    "Dropout",
    "Identity",
}


def test_catalogue_lists_every_kind() -> None:
    catalogue = {e["type"]: e for e in layer_catalogue()}
    json.dumps(catalogue, allow_nan=False)
    assert REQUIRED_LAYERS <= {t for t, e in catalogue.items() if e["kind"] == "layer"}
    assert {"Add", "Multiply", "Concat"} == {t for t, e in catalogue.items() if e["kind"] == "merge"}
    assert {"resnet18", "resnet34", "resnet50", "mobilenet_v3_small", "efficientnet_b0"} <= {
        t for t, e in catalogue.items() if e["kind"] == "backbone"
    }
    assert catalogue["Input"]["kind"] == "input" and catalogue["Output"]["kind"] == "output"
    assert catalogue["Concat"]["params"][0] == {
        "name": "dim",
        "type": "int",
        "default": 1,
        "required": False,
        "min": -8,
        "max": 8,
        "description": "dimension to work along (1 is channels)",
    }
    assert catalogue["Conv2d"]["inferred"] == ["in_channels"]
    assert catalogue["Linear"]["inferred"] == ["in_features"]
    assert catalogue["LayerNorm"]["inferred"] == ["normalized_shape"]
    assert catalogue["GroupNorm"]["inferred"] == ["num_channels"]
    assert catalogue["BatchNorm2d"]["inferred"] == ["num_features"]


def test_catalogue_follows_torch_signatures() -> None:
    for entry in layer_catalogue():
        if entry["kind"] != "layer":
            continue
        signature = inspect.signature(getattr(torch.nn, entry["type"])).parameters
        expected = [
            n
            for n, p in signature.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            and n not in {"device", "dtype", "inplace", "return_indices"}
        ]
        listed = [p["name"] for p in entry["params"]]
        assert sorted(listed + entry["inferred"]) == sorted(expected), entry["type"]
        for p in entry["params"]:
            default = signature[p["name"]].default
            if p["required"]:
                assert default is inspect.Parameter.empty
            elif (entry["type"], p["name"]) != ("Softmax", "dim"):
                assert p["default"] == (list(default) if isinstance(default, tuple) else default)
            if re.search(r"\b(int|float)\b", p["type"]):
                assert "min" in p and "max" in p, (entry["type"], p["name"])
            if "str" in p["type"].split(" | "):
                assert p["choices"], (entry["type"], p["name"])


def test_every_default_is_valid() -> None:
    """A node with only its required params set builds, for every layer."""
    required = {"out_channels": 2, "kernel_size": 1, "num_groups": 1, "output_size": 1, "out_features": 2}
    for entry in layer_catalogue():
        if entry["kind"] != "layer":
            continue
        params = {p["name"]: required[p["name"]] for p in entry["params"] if p["required"]}
        if entry["type"] == "Upsample":
            params["scale_factor"] = 2.0
        head = [node("f", "Flatten")] if entry["type"] == "Linear" else []
        g = graph(
            [IN, *head, node("n", entry["type"], **params), OUT], chain("in", *[h["id"] for h in head], "n", "out")
        )
        assert validate_graph(g)["valid"], (entry["type"], validate_graph(g)["errors"])


@pytest.mark.parametrize(
    "name",
    [
        "resnet18",
        "resnet50",
        "mobilenet_v2",
        "mobilenet_v3_small",
        "mobilenet_v3_large",
        "efficientnet_b0",
        "resnet34",
        "resnet101",
    ],
)
def test_backbone_descriptions_match_their_output(name: str) -> None:
    entry = next(e for e in layer_catalogue() if e["type"] == name)
    g = graph([node("in", "Input", shape=[3, 64, 96]), node("b", name), OUT], chain("in", "b", "out"))
    channels = int(re.search(r"\[N, (\d+), H/32, W/32\]", entry["description"])[1])
    assert infer_shapes(g)["shapes"]["b"] == [1, channels, 2, 3]


def test_graph_invalid_is_a_422() -> None:
    with pytest.raises(Invalid) as info:
        analyze_graph({"nodes": []})
    assert isinstance(info.value, GraphInvalid)
    assert info.value.status == 422 and info.value.code == "invalid_graph"
    assert [d["code"] for d in info.value.details] == ["no_input", "no_output"]


def test_backbones_are_limited() -> None:
    ids = [f"b{i}" for i in range(5)]
    g = graph(
        [
            node("in", "Input", shape=[3, 32, 32]),
            *[node(i, "mobilenet_v3_small") for i in ids],
            node("sum", "Add"),
            OUT,
        ],
        *[chain("in", i, "sum") for i in ids],
        chain("sum", "out"),
    )
    assert errors(g) == [("too_many_backbones", "b4")]
    g["nodes"].pop(5)
    g["edges"] = [e for e in g["edges"] if "b4" not in e.values()]
    assert validate_graph(g)["valid"]
    report = analyze_graph(g)
    flops = {row["node"]: row["flops"] for row in report["layers"]}
    assert len({flops[i] for i in ids[:4]}) == 1 and flops["b0"] > 0  # each copy counted under its own name
