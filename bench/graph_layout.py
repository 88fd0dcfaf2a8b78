"""The graph editor's layout of a 300-node ResNet-like graph (bottleneck blocks with
their skip connections) in headless Chromium: the layered layout (layers, crossing
reduction, coordinates) as the widget runs it, from the built widget module that ships.

Baseline, measured in the same run on the same graph: the editor's former layout (nodes
in columns by their distance from the input, no crossing reduction, no coordinates for
long edges), the cheapest thing that puts every node somewhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .graphgen import GraphBuilder, conv_bn_relu

MODULE = Path(__file__).resolve().parent.parent / "cvstudio_widgets" / "widgets" / "static" / "graph.js"

# The former widget's layout, as it was.
BASELINE = """
function columns(graph, positions) {
  const depth = {};
  const incoming = {};
  for (const e of graph.edges) (incoming[e.target] = incoming[e.target] || []).push(e.source);
  const visit = (id, seen = new Set()) => {
    if (depth[id] !== undefined) return depth[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    const parents = incoming[id] || [];
    depth[id] = parents.length ? 1 + Math.max(...parents.map((p) => visit(p, seen))) : 0;
    return depth[id];
  };
  const rows = {};
  const out = { ...positions };
  for (const n of graph.nodes) {
    if (out[n.id]) continue;
    const d = visit(n.id);
    rows[d] = (rows[d] || 0) + 1;
    out[n.id] = [20 + rows[d] * 10 + (rows[d] - 1) * 170, 20 + d * 90];
  }
  return out;
}
"""

MEASURE = """
async ([source, baseline, graph, repeats]) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const { layeredLayout } = await import(url);
  const columns = new Function(`return (${baseline})`)();
  // a node as wide as its label, as the widget measures it
  const nodes = graph.nodes.map((n) => ({ id: n.id, width: Math.min(240, Math.max(110, 7 * (n.id.length + n.type.length) + 24)), height: 42 }));
  // the clock is coarse (0.1 ms): each sample is as many calls as take 10 ms, at least one
  const time = (f) => {
    for (let i = 0; i < 5; i++) f(); // warm: the JIT
    let calls = 1;
    for (let t0 = performance.now(); performance.now() - t0 < 10 && calls < 1e6; calls *= 2) {
      for (let i = 0; i < calls; i++) f();
    }
    calls = Math.max(1, Math.round(calls / 4));
    const samples = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) f();
      samples.push((performance.now() - t0) / calls);
    }
    return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  };
  const laid = layeredLayout(nodes, graph.edges);
  return {
    ours: time(() => layeredLayout(nodes, graph.edges)),
    baseline: time(() => columns(graph, {})),
    layers: Math.max(...Object.values(laid.layers)) + 1,
  };
}
"""


def resnet_like(n_nodes: int, size: int = 64) -> dict[str, Any]:
    """A stem, then bottleneck blocks (1x1, 3x3, 1x1 with an Add of the block's input,
    a projection on every fourth) until there are at least n_nodes nodes with the head."""
    b = GraphBuilder([3, size, size])
    x = conv_bn_relu(b, "input", 64, 7, stride=2)
    block = 0
    while len(b.nodes) < n_nodes - 4:
        y = conv_bn_relu(b, x, 32, 1)
        y = conv_bn_relu(b, y, 32, 3)
        y = conv_bn_relu(b, y, 64, 1, relu=False)
        shortcut = conv_bn_relu(b, x, 64, 1, relu=False) if block % 4 == 0 else x
        x = b.add("ReLU", [b.add("Add", [y, shortcut])])
        block += 1
    x = b.add("AdaptiveAvgPool2d", [x], output_size=1)
    x = b.add("Flatten", [x])
    x = b.add("Linear", [x], out_features=10)
    b.add("Output", [x])
    return b.graph()


def _measure(page, source: str, graph: dict[str, Any], repeats: int) -> dict[str, float]:
    return page.evaluate(MEASURE, [source, BASELINE, graph, repeats])


def bench_graph_layout(work: Path, n: int = 300, repeats: int = 30) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    source = MODULE.read_text()
    graph = resnet_like(n)
    largest = resnet_like(2000)  # the API's most nodes in a graph
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto("about:blank")
        result = _measure(page, source, graph, repeats)
        most = _measure(page, source, largest, 5)
        browser.close()
    value, baseline = result["ours"], result["baseline"]
    return [
        {
            "name": f"graph editor: layered layout, ResNet-like graph of {len(graph['nodes'])} nodes "
            f"({len(graph['edges'])} edges), Chromium",
            "value": value,
            "unit": "ms",
            "baseline": baseline,
            "baseline_name": "the former column layout",
            "ratio": value / baseline if baseline > 0 else float("inf"),
            "target": "< 100 ms",
            "ok": value < 100,
            "extra": {
                "layers": result["layers"],
                "nodes_2000_ms": most["ours"],
                "nodes_2000_baseline_ms": most["baseline"],
            },
        }
    ]
