"""Shape inference against torch's own forward on real tensors, errors, and speed."""

from __future__ import annotations

import time

import pytest
import torch

from cvstudio_ext.engine.graphs import analyze_graph, build_module, infer_shapes, validate_graph
from cvstudio_ext.errors import Invalid

from .graph_helpers import chain, graph, node, record_shapes


def residual() -> dict:
    return graph(
        [
            node("in", "Input", shape=[3, 32, 32]),
            node("c1", "Conv2d", out_channels=16, kernel_size=3, padding=1),
            node("bn1", "BatchNorm2d"),
            node("relu1", "ReLU"),
            node("c2", "Conv2d", out_channels=16, kernel_size=3, padding="same", bias=False),
            node("bn2", "BatchNorm2d"),
            node("add", "Add"),
            node("relu2", "ReLU"),
            node("pool", "AdaptiveAvgPool2d", output_size=1),
            node("flat", "Flatten"),
            node("fc", "Linear", out_features=10),
            node("out", "Output"),
        ],
        chain("in", "c1", "bn1", "relu1", "c2", "bn2", "add", "relu2", "pool", "flat", "fc", "out"),
        [{"source": "relu1", "target": "add"}],
    )


def branches() -> dict:
    return graph(
        [
            node("in", "Input", shape=[3, 16, 16]),
            node("a", "Conv2d", out_channels=4, kernel_size=1),
            node("b", "Conv2d", out_channels=6, kernel_size=3, padding=1),
            node("c", "MaxPool2d", kernel_size=3, stride=1, padding=1),
            node("cat", "Concat", dim=1),
            node("mix", "Conv2d", out_channels=8, kernel_size=1),
            node("gn", "GroupNorm", num_groups=2),
            node("act", "SiLU"),
            node("out", "Output"),
        ],
        chain("cat", "mix", "gn", "act", "out"),
        chain("in", "a"),
        chain("in", "b"),
        chain("in", "c"),
        [
            {"source": "c", "target": "cat", "target_port": 0},
            {"source": "a", "target": "cat", "target_port": 2},
            {"source": "b", "target": "cat", "target_port": 1},
        ],
    )


def decoder() -> dict:
    return graph(
        [
            node("in", "Input", shape=[3, 64, 48]),
            node("e1", "Conv2d", out_channels=8, kernel_size=3, stride=2, padding=1),
            node("r1", "LeakyReLU", negative_slope=0.2),
            node("e2", "Conv2d", out_channels=16, kernel_size=3, stride=2, padding=1),
            node("d1", "ConvTranspose2d", out_channels=8, kernel_size=2, stride=2),
            node("skip", "Concat"),
            node("up", "Upsample", scale_factor=2.0, mode="bilinear", align_corners=False),
            node("head", "Conv2d", out_channels=2, kernel_size=1),
            node("prob", "Softmax", dim=1),
            node("out", "Output"),
            node("aux", "Output"),
        ],
        chain("in", "e1", "r1", "e2", "d1", "skip", "up", "head", "prob", "out"),
        chain("r1", "skip"),
        chain("e2", "aux"),
    )


def backbone(name: str = "resnet18", size: int = 64) -> dict:
    return graph(
        [
            node("image", "Input", shape=[3, size, size]),
            node("trunk", name),
            node("pool", "AdaptiveAvgPool2d", output_size=(1, 1)),
            node("flat", "Flatten"),
            node("drop", "Dropout", p=0.2),
            node("fc", "Linear", out_features=5),
            node("logits", "Output"),
        ],
        chain("image", "trunk", "pool", "flat", "drop", "fc", "logits"),
    )


def vector() -> dict:
    return graph(
        [
            node("x", "Input", shape=[20]),
            node("l1", "Linear", out_features=32),
            node("ln", "LayerNorm"),
            node("g", "GELU", approximate="tanh"),
            node("l2", "Linear", out_features=3, bias=False),
            node("s", "Sigmoid"),
            node("mul", "Multiply"),
            node("y", "Output"),
        ],
        chain("x", "l1", "ln", "g", "l2", "s", "mul", "y"),
        chain("l2", "mul"),
    )


CASES = {
    "residual": residual,
    "branches": branches,
    "decoder": decoder,
    "resnet18": backbone,
    "vector": vector,
    "mobilenet_v3_small": lambda: backbone("mobilenet_v3_small", 64),
    "efficientnet_b0": lambda: backbone("efficientnet_b0", 32),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shapes_match_a_real_forward(case: str) -> None:
    g = CASES[case]()
    result = infer_shapes(g, batch_size=3)
    assert result["valid"], result["errors"]
    assert set(result["shapes"]) == {n["id"] for n in g["nodes"]}
    module = build_module(g).eval()
    x = torch.randn(3, *g["nodes"][0]["params"]["shape"])
    with torch.no_grad():
        seen, out = record_shapes(module, x)
    names = {n["id"]: n["id"] for n in g["nodes"]}  # these ids are already identifiers
    for node_id, shape in seen.items():
        assert result["shapes"][names[node_id]] == shape, node_id
    outputs = [n["id"] for n in g["nodes"] if n["type"] == "Output"]
    real = out if isinstance(out, tuple) else (out,)
    assert [result["shapes"][o] for o in outputs] == [list(t.shape) for t in real]


def test_backbone_shapes_and_batch_size() -> None:
    shapes = infer_shapes(backbone("resnet50", 224), batch_size=7)["shapes"]
    assert shapes["trunk"] == [7, 2048, 7, 7]
    assert shapes["logits"] == [7, 5]


def test_failure_is_attributed_and_earlier_shapes_kept() -> None:
    g = graph(
        [
            node("in", "Input", shape=[3, 8, 8]),
            node("c1", "Conv2d", out_channels=4, kernel_size=3),
            node("p", "MaxPool2d", kernel_size=2),
            node("big", "Conv2d", out_channels=4, kernel_size=7),
            node("r", "ReLU"),
            node("out", "Output"),
        ],
        chain("in", "c1", "p", "big", "r", "out"),
    )
    result = infer_shapes(g)
    assert not result["valid"]
    assert result["shapes"] == {"in": [1, 3, 8, 8], "c1": [1, 4, 6, 6], "p": [1, 4, 3, 3]}
    [error] = result["errors"]
    assert error["node"] == "big" and error["code"] == "shape_error"
    assert "[1, 4, 3, 3]" in error["message"] and "kernel_size" in error["message"]


@pytest.mark.parametrize(
    ("nodes", "edges", "bad", "words"),
    [
        (
            [
                node("a", "Conv2d", out_channels=4, kernel_size=1),
                node("b", "Conv2d", out_channels=5, kernel_size=1),
                node("m", "Add"),
            ],
            [*chain("in", "a", "m"), *chain("in", "b", "m")],
            "m",
            "combined element-wise",
        ),
        (
            [node("a", "MaxPool2d", kernel_size=2), node("m", "Concat")],
            [*chain("in", "a", "m"), *chain("in", "m")],
            "m",
            "every dimension except",
        ),
        (
            [node("f", "Flatten"), node("c", "Conv2d", out_channels=2, kernel_size=1)],
            chain("in", "f", "c"),
            "c",
            "image-like",
        ),
        ([node("g", "GroupNorm", num_groups=2)], chain("in", "g"), "g", "num_groups"),
        ([node("c", "Conv2d", out_channels=4, kernel_size=1, groups=2)], chain("in", "c"), "c", "groups"),
        ([node("s", "Softmax", dim=4)], chain("in", "s"), "s", "dim 4"),
        (
            [node("t", "ConvTranspose2d", out_channels=2, kernel_size=3, output_padding=1)],
            chain("in", "t"),
            "t",
            "output_padding",
        ),
        ([node("u", "Upsample")], chain("in", "u"), "u", "size or scale_factor"),
        (
            [node("c", "Conv2d", out_channels=1, kernel_size=1), node("bb", "resnet18")],
            chain("in", "c", "bb"),
            "bb",
            "3-channel",
        ),
        (
            [node("c", "Conv2d", out_channels=2, kernel_size=3, stride=2, padding="same")],
            chain("in", "c"),
            "c",
            "stride 1",
        ),
    ],
)
def test_torch_errors_are_rewritten(nodes: list, edges: list, bad: str, words: str) -> None:
    g = graph(
        [node("in", "Input", shape=[3, 9, 9]), *nodes, node("out", "Output")], edges, chain(nodes[-1]["id"], "out")
    )
    result = validate_graph(g)
    assert not result["valid"]
    [error] = result["errors"]
    assert error["node"] == bad
    assert words in error["message"], error["message"]


def test_batch_size_is_checked() -> None:
    for bad in (0, -1, 1.5, True, "2", 10**9):
        with pytest.raises(Invalid):
            infer_shapes(residual(), batch_size=bad)


def chain_graph(blocks: int, size: int = 64) -> dict:
    nodes, ids = [node("in", "Input", shape=[16, size, size])], ["in"]
    for i in range(blocks):
        nodes += [
            node(f"c{i}", "Conv2d", out_channels=16, kernel_size=3, padding=1),
            node(f"b{i}", "BatchNorm2d"),
            node(f"r{i}", "ReLU"),
        ]
        ids += [f"c{i}", f"b{i}", f"r{i}"]
    return graph([*nodes, node("out", "Output")], chain(*ids, "out"))


def test_300_nodes_are_fast() -> None:
    g = chain_graph(100)
    infer_shapes(g)  # warm-up: first-call costs of torch dispatch
    start = time.perf_counter()
    result = infer_shapes(g)
    elapsed = time.perf_counter() - start
    assert result["valid"] and len(result["shapes"]) == 302
    assert elapsed < 1.0, elapsed  # 0.5 s is the target; slack for a busy CI machine


def test_analysis_counts() -> None:
    g = residual()
    report = analyze_graph(g)
    module = build_module(g)
    assert report["params"] == sum(p.numel() for p in module.parameters()) == report["trainable_params"]
    layers = {row["node"]: row for row in report["layers"]}
    # 2 FLOPs per multiply-add: 16 out channels x 3*3*3 weights x 32*32 positions.
    assert layers["c1"]["flops"] == 2 * 16 * 27 * 32 * 32
    assert layers["c1"]["params"] == 16 * 27 + 16
    assert layers["fc"]["output_shape"] == [1, 10]
    assert report["flops"] == sum(row["flops"] for row in report["layers"])
