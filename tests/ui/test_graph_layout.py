"""The graph editor's layered layout (labextension/src/draw/layout.ts), run in Chromium
from the built widget module that ships, without a lab or a kernel: edges go down the
layers, nodes of a layer do not overlap, long edges run straight beside the chains they
skip, residual blocks have no crossing, cycles and stray edges do not stop it, and a
300-node graph takes well under 100 ms."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MODULE = Path(__file__).resolve().parents[2] / "cvstudio_widgets" / "widgets" / "static" / "graph.js"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")

LOAD = """async (source) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  window.layeredLayout = (await import(url)).layeredLayout;
}"""

# The layout and how long it took (median of 15, after 5 to warm up).
RUN = """([nodes, edges]) => {
  const times = [];
  let laid;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    laid = window.layeredLayout(nodes, edges);
    if (i >= 5) times.push(performance.now() - t0);
  }
  laid.ms = times.sort((a, b) => a - b)[7];
  return laid;
}"""


@pytest.fixture(scope="module")
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto("about:blank")
        page.evaluate(LOAD, MODULE.read_text())
        yield page
        browser.close()


def residual(blocks: int, width: int = 150) -> tuple[list[dict], list[dict]]:
    """Input, then blocks of three layers whose output is added to the block's input."""
    nodes = [{"id": "input", "width": width, "height": 42}]
    edges, x = [], "input"
    for b in range(blocks):
        y = x
        for i, w in enumerate((width, width + 60, width - 30)):  # of different widths
            nodes.append({"id": f"l{b}.{i}", "width": w, "height": 42})
            edges.append({"source": y, "target": f"l{b}.{i}"})
            y = f"l{b}.{i}"
        nodes.append({"id": f"add{b}", "width": 110, "height": 42})
        edges += [{"source": y, "target": f"add{b}"}, {"source": x, "target": f"add{b}"}]
        x = f"add{b}"
    return nodes, edges


def layout(page, nodes: list[dict], edges: list[dict]) -> dict[str, Any]:
    return page.evaluate(RUN, [nodes, edges])


def overlapping(laid: dict[str, Any], nodes: list[dict]) -> list[tuple[str, str]]:
    size = {n["id"]: (n["width"], n["height"]) for n in nodes}
    boxes = [(i, *laid["positions"][i], *size[i]) for i in size]
    return [
        (a[0], b[0])
        for k, a in enumerate(boxes)
        for b in boxes[k + 1 :]
        if a[1] < b[1] + b[3] and b[1] < a[1] + a[3] and a[2] < b[2] + b[4] and b[2] < a[2] + a[4]
    ]


def test_a_300_node_residual_graph_is_laid_out_in_layers_quickly(page):
    nodes, edges = residual(75)
    assert len(nodes) == 301
    laid = layout(page, nodes, edges)
    assert laid["ms"] < 100, laid["ms"]
    layers = laid["layers"]
    assert all(layers[e["target"]] > layers[e["source"]] for e in edges)
    assert layers["add74"] == 4 * 75  # the longest path from the input
    assert not overlapping(laid, nodes)
    # a skip edge runs straight down beside its block, the block's layers on one line
    for b in range(75):
        route = laid["routes"][5 * b + 4]
        assert len(route) == 6 and len({round(x, 3) for x, _ in route}) == 1
        centres = {round(laid["positions"][f"l{b}.{i}"][0] + n["width"] / 2, 3)
                   for i, n in enumerate(nodes[4 * b + 1 : 4 * b + 4])}  # fmt: skip
        assert len(centres) == 1
        skip_x, block_x = route[0][0], centres.pop()
        assert abs(skip_x - block_x) >= (150 + 60) / 2  # beside the widest layer, not through it
    # an Add's two inputs arrive from both sides of it, so nothing crosses
    for b in range(75):
        add = laid["positions"][f"add{b}"][0] + 55
        assert (laid["routes"][5 * b + 4][0][0] - add) * (laid["positions"][f"l{b}.2"][0] + 60 - add) < 0


def test_cycles_stray_edges_and_lone_nodes_do_not_stop_the_layout(page):
    nodes = [{"id": i, "width": 100, "height": 40} for i in ("a", "b", "c", "lone")]
    edges = [
        {"source": "a", "target": "b"},
        {"source": "b", "target": "c"},
        {"source": "c", "target": "a"},  # back to the start: drawn going up
        {"source": "b", "target": "nowhere"},
        {"source": "c", "target": "c"},
    ]
    laid = layout(page, nodes, edges)
    assert [laid["layers"][i] for i in ("a", "b", "c", "lone")] == [0, 1, 2, 0]
    assert laid["routes"] == [[], [], [], [], []]
    assert not overlapping(laid, nodes)
    empty = layout(page, [], [])
    assert empty["positions"] == {} and empty["width"] > 0 and empty["height"] > 0


def test_a_source_feeding_a_deep_node_sits_just_above_it(page):
    nodes = [{"id": i, "width": 100, "height": 40} for i in ("in", "a", "b", "c", "side")]
    edges = [{"source": s, "target": t} for s, t in (("in", "a"), ("a", "b"), ("b", "c"), ("side", "c"))]
    laid = layout(page, nodes, edges)
    assert laid["layers"]["side"] == laid["layers"]["c"] - 1 == 2
