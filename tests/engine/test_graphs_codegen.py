"""Generated code: equivalent to the built module, and nothing from the request runs."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvstudio_ext.engine.graphs import (
    GraphInvalid,
    analyze_graph,
    build_module,
    generate_code,
    infer_shapes,
    validate_graph,
)
from cvstudio_ext.errors import Invalid

from .graph_helpers import assert_equivalent, chain, graph, load_class, node, record_shapes
from .test_graphs_shapes import CASES

ALLOWED_IMPORTS = {"torch", "torchvision"}


def check_safe(code: str) -> None:
    """Imports only torch/torchvision, calls only torch, nn and self, no names from elsewhere."""
    tree = ast.parse(code)
    for item in ast.walk(tree):
        if isinstance(item, ast.Import):
            assert {a.name for a in item.names} <= ALLOWED_IMPORTS
        elif isinstance(item, ast.ImportFrom):
            assert item.module == "torch" and [a.name for a in item.names] == ["nn"]
        elif isinstance(item, ast.Call):
            root = item.func
            while isinstance(root, (ast.Attribute, ast.Call)):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            assert isinstance(root, ast.Name) and root.id in {"torch", "nn", "torchvision", "self", "super", "list"}
    assert [type(s).__name__ for s in tree.body][-1] == "ClassDef"


@pytest.mark.parametrize("case", list(CASES))
def test_generated_code_matches_built_module(case: str) -> None:
    g = CASES[case]()
    shape = g["nodes"][0]["params"]["shape"]
    code = generate_code(g, "Net")["code"]
    check_safe(code)
    assert_equivalent(g, torch.randn(2, *shape), "Net")


def test_generated_code_is_formatted_and_commented() -> None:
    result = generate_code(CASES["residual"](), "ResidualNet")
    code = result["code"]
    assert result["class_name"] == "ResidualNet" and len(result["sha256"]) == 64
    assert "class ResidualNet(nn.Module):" in code
    assert "self.c1 = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, padding=1)" in code
    assert "add = bn2 + relu1  # [1, 16, 32, 32]" in code
    assert all(len(line) <= 100 for line in code.splitlines())
    assert generate_code(CASES["residual"](), "ResidualNet") == result  # deterministic


def test_generated_code_is_stable_under_ruff_format(tmp_path: Path) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed")
    for case, make in CASES.items():
        (tmp_path / f"{case}.py").write_text(generate_code(make())["code"])
    check = subprocess.run(
        [str(ruff), "format", "--check", "--line-length", "88", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_long_lines_are_wrapped_and_still_equivalent() -> None:
    long_ids = [f"branch_number_{i}_with_a_long_descriptive_name" for i in range(4)]
    g = graph(
        [
            node("in", "Input", shape=[2, 6, 6]),
            *[
                node(
                    i,
                    "Conv2d",
                    out_channels=3,
                    kernel_size=(3, 1),
                    stride=(1, 1),
                    padding=(1, 0),
                    dilation=1,
                    groups=1,
                    bias=False,
                    padding_mode="replicate",
                )
                for i in long_ids
            ],
            node("sum", "Add"),
            node("cat", "Concat", dim=1),
            node("out", "Output"),
            node("out2", "Output"),
        ],
        *[chain("in", i, "sum") for i in long_ids],
        *[chain(i, "cat") for i in long_ids],
        chain("sum", "out"),
        chain("cat", "out2"),
    )
    code = generate_code(g)["code"]
    assert max(len(line) for line in code.splitlines()) <= 100
    assert_equivalent(g, torch.randn(1, 2, 6, 6))


def test_names_become_unique_identifiers() -> None:
    ids = ["conv 1", "conv-1", "1st", "for", "forward", "self", "torch", "training", "__init__", "Ω", "x" * 200]
    ids = [i[:128] for i in ids]
    g = graph(
        [node("input", "Input", shape=[2, 4, 4]), *[node(i, "ReLU") for i in ids], node("out", "Output")],
        chain("input", *ids, "out"),
    )
    result = infer_shapes(g)
    assert result["valid"], result["errors"]
    code = generate_code(g)["code"]
    check_safe(code)
    module = build_module(g)
    names = [name for name, _ in module.named_children()]
    assert len(set(names)) == len(ids)
    assert all(n.isidentifier() and n.isascii() and not n.startswith("_") for n in names)
    assert {"for", "forward", "self", "torch", "training"}.isdisjoint(names)
    assert_equivalent(g, torch.randn(1, 2, 4, 4))


def test_injection_through_ids_and_names_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f'x"); import os; os.system("touch {marker}") #'
    name_payload = f'a\nimport os\nos.system("touch {marker}")\n#'
    g = graph(
        [
            node(payload, "Input", shape=[3, 4, 4]),
            {"id": "c", "name": name_payload, "type": "Conv2d", "params": {"out_channels": 2, "kernel_size": 1}},
            node("\u2028import os\rprint(1)\x0c\x85", "ReLU"),
            node("out\n#", "Output"),
        ],
        chain(payload, "c", "\u2028import os\rprint(1)\x0c\x85", "out\n#"),
    )
    code = generate_code(g)["code"]
    check_safe(code)
    assert "os.system" not in "".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))
    model = load_class(code, "GeneratedModel")()
    model(torch.zeros(1, 3, 4, 4))
    build_module(g)(torch.zeros(1, 3, 4, 4))
    analyze_graph(g)
    assert not marker.exists()


@pytest.mark.parametrize(
    "class_name",
    [
        "A(nn.Module): pass\nimport os#",
        "",
        "1abc",
        "class",
        "torch",
        "nn",
        "a b",
        "Ä",
        "x" * 65,
        None,
        5,
        "forward",
        "A;B",
    ],
)
def test_bad_class_names_are_rejected(class_name: object) -> None:
    with pytest.raises(Invalid) as info:
        generate_code(CASES["residual"](), class_name)  # type: ignore[arg-type]
    assert info.value.code == "invalid_class_name" and info.value.status == 422


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"padding_mode": "zeros\nimport os"}, "param_type"),
        ({"padding_mode": "zeros'); import os; ('"}, "param_type"),
        ({"padding": "same\n"}, "param_type"),
        ({"out_channels": float("nan")}, "param_range"),
        ({"out_channels": float("inf")}, "param_range"),
        ({"out_channels": 10**100}, "param_range"),
        ({"out_channels": 2.5}, "param_type"),
        ({"out_channels": True}, "param_type"),
        ({"out_channels": "4"}, "param_type"),
        ({"out_channels": {"__class__": 1}}, "param_type"),
        ({"kernel_size": [1, [2]]}, "param_type"),
        ({"kernel_size": [1, 2, 3]}, "param_type"),
        ({"bias": "True"}, "param_type"),
        ({"bias": None}, "param_type"),
        ({"__import__('os')": 1}, "unknown_param"),
    ],
)
def test_bad_params_are_rejected(params: dict, code: str) -> None:
    conv = {"out_channels": 2, "kernel_size": 1, **params}
    g = graph(
        [node("in", "Input", shape=[3, 4, 4]), node("c", "Conv2d", **conv), node("out", "Output")],
        chain("in", "c", "out"),
    )
    result = validate_graph(g)
    assert not result["valid"]
    assert [(e["code"], e["node"]) for e in result["errors"]] == [(code, "c")]
    for call in (generate_code, analyze_graph, build_module):
        with pytest.raises(GraphInvalid) as info:
            call(g)
        assert info.value.status == 422 and info.value.code == "invalid_graph" and info.value.details


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e-30, 2.0])
def test_float_params_must_be_finite_and_in_range(value: float) -> None:
    g = graph(
        [node("in", "Input", shape=[4]), node("d", "Dropout", p=value), node("out", "Output")], chain("in", "d", "out")
    )
    assert validate_graph(g)["valid"] == (math.isfinite(value) and 0 <= value <= 1)


# --- random valid graphs -------------------------------------------------------------------------------------

UNARY = st.one_of(
    st.builds(
        lambda c, k, s, b: ("Conv2d", {"out_channels": c, "kernel_size": k, "padding": k // 2, "stride": s, "bias": b}),
        st.integers(1, 5),
        st.sampled_from([1, 3]),
        st.sampled_from([1, 1, 2]),
        st.booleans(),
    ),
    st.builds(lambda c: ("ConvTranspose2d", {"out_channels": c, "kernel_size": 2, "stride": 2}), st.integers(1, 4)),
    st.just(("BatchNorm2d", {})),
    st.just(("GroupNorm", {"num_groups": 1})),
    st.just(("LayerNorm", {})),
    st.just(("ReLU", {})),
    st.builds(lambda s: ("LeakyReLU", {"negative_slope": s}), st.floats(0, 1)),
    st.just(("SiLU", {})),
    st.sampled_from([("GELU", {"approximate": "none"}), ("GELU", {"approximate": "tanh"})]),
    st.just(("Sigmoid", {})),
    st.just(("Tanh", {})),
    st.just(("Softmax", {"dim": 1})),
    st.just(("MaxPool2d", {"kernel_size": 2})),
    st.just(("AvgPool2d", {"kernel_size": 2, "stride": 1})),
    st.just(("AdaptiveAvgPool2d", {"output_size": 2})),
    st.sampled_from([("Upsample", {"scale_factor": 2.0}), ("Upsample", {"size": (5, 7), "mode": "bilinear"})]),
    st.just(("Identity", {})),
    st.just(("Dropout", {"p": 0.3})),
    st.just(("Dropout2d", {})),
)
SAME_SHAPE = st.sampled_from(["ReLU", "Sigmoid", "Identity", "BatchNorm2d", "Dropout"])


@st.composite
def random_graphs(draw: st.DrawFn) -> dict:
    shape = [draw(st.integers(1, 4)), draw(st.integers(3, 9)), draw(st.integers(3, 9))]
    nodes, edges, live = [node("x", "Input", shape=shape)], [], ["x"]

    def add(node_type: str, params: dict, sources: list[str]) -> str:
        node_id = f"n{len(nodes)}"
        nodes.append(node(node_id, node_type, **params))
        edges.extend({"source": s, "target": node_id, "target_port": p} for p, s in enumerate(sources))
        live.append(node_id)
        return node_id

    for _ in range(draw(st.integers(1, 7))):
        source = draw(st.sampled_from(live))
        choice = draw(st.sampled_from(["unary", "unary", "residual", "concat", "any_merge"]))
        if choice == "unary":
            add(*draw(UNARY), [source])
        elif choice == "residual":  # always valid: a branch that keeps the shape
            branch = add(draw(SAME_SHAPE), {}, [source])
            add(draw(st.sampled_from(["Add", "Multiply"])), {}, [source, branch])
        elif choice == "concat":
            branch = add("Conv2d", {"out_channels": draw(st.integers(1, 3)), "kernel_size": 3, "padding": 1}, [source])
            add("Concat", {"dim": 1}, [branch, source])
        else:  # may well be invalid: shapes of two random nodes
            add(draw(st.sampled_from(["Add", "Multiply", "Concat"])), {}, [source, draw(st.sampled_from(live))])
    last = live[-1]
    if draw(st.booleans()):
        last = add("Flatten", {}, [last])
        last = add("Linear", {"out_features": draw(st.integers(1, 4))}, [last])
    outs = [last] + draw(st.lists(st.sampled_from(live[1:]), max_size=1))
    for i, source in enumerate(outs):
        nodes.append(node(f"out{i}", "Output"))
        edges.append({"source": source, "target": f"out{i}"})
    return {"nodes": nodes, "edges": edges}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graphs_never_crash_and_generate_equivalent_code(g: dict) -> None:
    result = infer_shapes(g, batch_size=2)
    ids = {n["id"] for n in g["nodes"]}
    if not result["valid"]:
        assert result["errors"] and all(e["code"] == "shape_error" and e["node"] in ids for e in result["errors"])
        with pytest.raises(GraphInvalid):
            generate_code(g)
        return
    x = torch.randn(2, *g["nodes"][0]["params"]["shape"])
    module = build_module(g).eval()
    with torch.no_grad():
        seen, _ = record_shapes(module, x)
    for name, shape in seen.items():
        assert result["shapes"][name] == shape  # random ids are identifiers already
    check_safe(generate_code(g)["code"])
    assert_equivalent(g, x)
    assert analyze_graph(g)["params"] == sum(p.numel() for p in module.parameters())
