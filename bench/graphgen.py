"""Graphs for the model benchmarks, in the API's JSON form."""

from __future__ import annotations

from typing import Any


class GraphBuilder:
    def __init__(self, shape: list[int]):
        self.nodes: list[dict[str, Any]] = [{"id": "input", "type": "Input", "params": {"shape": shape}}]
        self.edges: list[dict[str, Any]] = []

    def add(self, type_: str, inputs: list[str], **params: Any) -> str:
        node_id = f"{type_.lower()}_{len(self.nodes)}"
        self.nodes.append({"id": node_id, "type": type_, "params": params})
        for port, src in enumerate(inputs):
            edge = {"source": src, "target": node_id}
            if len(inputs) > 1:
                edge["target_port"] = port
            self.edges.append(edge)
        return node_id

    def graph(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "edges": self.edges}


def conv_bn_relu(b: GraphBuilder, x: str, out: int, k: int, stride: int = 1, relu: bool = True) -> str:
    x = b.add("Conv2d", [x], out_channels=out, kernel_size=k, stride=stride, padding=k // 2, bias=False)
    x = b.add("BatchNorm2d", [x])
    return b.add("ReLU", [x]) if relu else x


def chain(n_nodes: int, size: int = 64) -> dict[str, Any]:
    """A plain stack of Conv/BN/ReLU of about n_nodes nodes."""
    b = GraphBuilder([3, size, size])
    x = "input"
    while len(b.nodes) < n_nodes - 1:
        x = conv_bn_relu(b, x, 16, 3)
    b.add("Output", [x])
    return b.graph()


def resnet50_like(size: int = 224, classes: int = 1000) -> dict[str, Any]:
    """ResNet-50's layout (bottlenecks 3-4-6-3, residual Adds) as ~180 graph nodes."""
    b = GraphBuilder([3, size, size])
    x = conv_bn_relu(b, "input", 64, 7, stride=2)
    x = b.add("MaxPool2d", [x], kernel_size=3, stride=2, padding=1)
    in_ch = 64
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512))):
        for i in range(blocks):
            stride = 2 if i == 0 and stage > 0 else 1
            y = conv_bn_relu(b, x, width, 1)
            y = conv_bn_relu(b, y, width, 3, stride=stride)
            y = conv_bn_relu(b, y, width * 4, 1, relu=False)
            shortcut = x
            if i == 0:
                shortcut = conv_bn_relu(b, x, width * 4, 1, stride=stride, relu=False)
            x = b.add("ReLU", [b.add("Add", [y, shortcut])])
            in_ch = width * 4
    x = b.add("AdaptiveAvgPool2d", [x], output_size=1)
    x = b.add("Flatten", [x])
    x = b.add("Linear", [x], out_features=classes)
    b.add("Output", [x])
    assert in_ch == 2048
    return b.graph()
