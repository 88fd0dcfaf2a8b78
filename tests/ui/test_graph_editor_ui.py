"""The graph editor in a real JupyterLab, a real kernel and a real Chromium: it edits a
graph and shows the new shapes; its layered layout fits every node in view with an
arrowhead on every edge; it zooms (wheel, buttons) and fits again; a dragged node keeps
its place in the kernel's `positions`; a layer inserted on an edge gives a → new → b with
the new shapes, one that does not fit is refused; a misfitting edge is refused with the
server's message; Delete and Backspace remove the selected node or edge, and keys typed
in the widget do not reach the notebook; a dead end shows its warning on the node.
Screenshots in the light and the dark theme are kept."""

from __future__ import annotations

import json
import time

import pytest

from ..server.test_training import SMALL
from .lab.helpers import CHROMIUM, notebook_page, shoot, start_lab, write_notebook

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")

RESIDUAL = '''
def residual(blocks):
    """Conv, BatchNorm, ReLU and an Add with the block's input, `blocks` times."""
    nodes = [{"id": "input", "type": "Input", "params": {"shape": [8, 16, 16]}}]
    edges, x = [], "input"
    for b in range(blocks):
        y = x
        for kind, params in (("Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}), ("BatchNorm2d", {}), ("ReLU", {})):
            nodes.append({"id": f"{kind.lower()}{b}", "type": kind, "params": params})
            edges.append({"source": y, "target": f"{kind.lower()}{b}"})
            y = f"{kind.lower()}{b}"
        nodes.append({"id": f"add{b}", "type": "Add", "params": {}})
        edges += [{"source": y, "target": f"add{b}"}, {"source": x, "target": f"add{b}"}]
        x = f"add{b}"
    nodes.append({"id": "output", "type": "Output", "params": {}})
    edges.append({"source": x, "target": "output"})
    return {"nodes": nodes, "edges": edges}

big = studio.models.editor(residual(6))
big'''

CELLS = [
    "from cvstudio_widgets import Studio\nstudio = Studio()",
    f"editor = studio.models.editor({json.dumps(SMALL)})\neditor",
    f"ops = studio.models.editor({json.dumps(SMALL)})\nops",
    RESIDUAL.strip(),
]

# Runs code in the notebook's kernel and gives back what it printed.
KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code });
  let out = "";
  future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") out += msg.content.text; };
  await future.done;
  return out;
}"""


# A point of the viewport where nothing is drawn (what a drag there grabs is the view).
BACKGROUND = """(vp) => {
  const r = vp.getBoundingClientRect();
  for (let y = r.top + 10; y < r.bottom - 10; y += 7)
    for (let x = r.left + 10; x < r.right - 10; x += 7)
      if (document.elementFromPoint(x, y) === vp) return [x, y];
  return null;
}"""


def kernel(page, code: str):
    """The JSON the code prints, from the notebook's kernel."""
    return json.loads(page.evaluate(KERNEL, f"import json\nprint(json.dumps({code}))"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("graph-ui"))
    write_notebook(lab.root / "graph.ipynb", CELLS)
    yield lab
    lab.server.stop()


@pytest.fixture(scope="module")
def page(lab):
    with notebook_page(lab, "graph.ipynb", (1300, 1000)) as page:
        page.locator(".cvs-graph").nth(2).locator(
            ".cvs-node[data-id='output'] .cvs-shape:has-text('[1, 8, 16, 16]')"
        ).wait_for()
        yield page


def graph_at(page, nth: int):
    return page.locator(".cvs-graph").nth(nth)


def boxes(ed) -> dict[str, dict]:
    return {n.get_attribute("data-id"): n.bounding_box() for n in ed.locator(".cvs-node").all()}


def zoom(ed) -> float:
    return float(ed.locator(".cvs-viewport").get_attribute("data-zoom"))


def inside(box: dict, frame: dict) -> bool:
    return (frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
            and frame["y"] - 1 <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1)  # fmt: skip


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_the_graph_editor_edits_and_shows_new_shapes(page):
    ed = graph_at(page, 0)
    conv = ed.locator(".cvs-node[data-id='conv']")
    conv.locator(".cvs-shape:has-text('[1, 8, 16, 16]')").wait_for()
    assert ed.locator(".cvs-valid").inner_text().startswith("✓")
    conv.click()
    field = ed.locator(".cvs-params input[name='out_channels']")
    field.fill("12")
    field.press("Enter")
    conv.locator(".cvs-shape:has-text('[1, 12, 16, 16]')").wait_for()
    ed.locator(".cvs-viewport").click(position={"x": 5, "y": 5})  # nothing selected: the palette adds
    ed.locator(".cvs-palette .cvs-item[data-type='Dropout']").click()
    ed.locator(".cvs-node.cvs-bad[data-id='dropout1']").wait_for()  # not connected yet
    ed.locator(".cvs-node[data-id='fc'] .cvs-port").click()
    ed.locator(".cvs-node[data-id='dropout1']").click()
    ed.locator(".cvs-node[data-id='dropout1'] .cvs-shape:has-text('[1, 2]')").wait_for()
    # a dead end builds, but is no bare "✓ valid": the warning is counted and drawn on the node
    ed.locator(".cvs-valid:has-text('✓ valid, 1 warning')").wait_for()
    ed.locator(".cvs-node.cvs-warn[data-id='dropout1'] .cvs-node-warning:has-text('not used')").wait_for()
    ed.locator(".cvs-viewport").click(position={"x": 5, "y": 5})  # unpicked: the warning's outline shows
    shoot(ed, "widget-graph-light")
    ed.locator(".cvs-node[data-id='flat'] .cvs-port").click()
    conv.click()  # conv already has its one input: refused, with the server's reason
    ed.locator(".cvs-message:has-text('flat → conv does not fit')").wait_for()
    ed.locator(".cvs-viewport").click(position={"x": 5, "y": 5})
    ed.locator(".cvs-palette .cvs-item[data-type='Conv2d']").click()
    ed.locator(".cvs-node.cvs-bad[data-id='conv2d1'] .cvs-node-error:has-text('out_channels')").wait_for()


def test_the_layout_fits_every_node_in_view_with_an_arrowhead_on_every_edge(page):
    ed = graph_at(page, 2)
    ed.scroll_into_view_if_needed()
    frame = ed.locator(".cvs-viewport").bounding_box()
    cell = page.locator(".jp-OutputArea-output:has(.cvs-graph)").nth(2).bounding_box()
    assert frame["width"] >= 240 and frame["x"] + frame["width"] <= cell["x"] + cell["width"]  # no 2000 px canvas
    assert ed.evaluate("e => e.scrollWidth <= e.clientWidth")
    nodes = boxes(ed)
    assert len(nodes) == 26
    assert all(inside(b, frame) for b in nodes.values()), (frame, nodes)
    assert zoom(ed) < 1  # 26 nodes in layers do not fit at full size
    # layers: every edge goes down the page, and no two nodes overlap
    edges = ed.locator(".cvs-edge").all()
    assert len(edges) == 31
    for e in edges:
        assert nodes[e.get_attribute("data-source")]["y"] < nodes[e.get_attribute("data-target")]["y"]
    shown = list(nodes.values())
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])  # fmt: skip
            assert apart, (a, b)
    # an arrowhead on every edge: a marker that is there and drawn
    for line in ed.locator(".cvs-edge .cvs-line").all():
        marker = line.get_attribute("marker-end")[len("url(#") : -1]
        assert ed.locator(f"marker[id='{marker}'] path").count() == 1
        assert page.locator(f"marker[id='{marker}']").count() == 1  # one per page: the url finds this one
    assert page.evaluate("() => document.querySelector('.cvs-arrow').getBBox().width") > 0


def test_zoom_with_the_wheel_and_the_buttons_and_fit_again(page):
    ed = graph_at(page, 2)
    fitted = zoom(ed)
    frame = ed.locator(".cvs-viewport").bounding_box()
    page.mouse.move(*centre(frame))
    page.mouse.wheel(0, -300)
    ed.locator(f".cvs-viewport:not([data-zoom='{fitted:.4f}'])").wait_for()
    wheeled = zoom(ed)
    assert wheeled > fitted * 1.5
    ed.locator("button.cvs-zoom-out").click()
    assert zoom(ed) == pytest.approx(wheeled / 1.25, rel=1e-3)
    ed.locator("button.cvs-zoom-in").click()
    ed.locator("button.cvs-zoom-in").click()
    assert zoom(ed) == pytest.approx(wheeled * 1.25, rel=1e-3)
    assert not all(inside(b, frame) for b in boxes(ed).values())  # zoomed in: some are out of view
    # dragging the background pans
    spot = ed.locator(".cvs-viewport").evaluate(BACKGROUND)
    node = ed.locator(".cvs-node").first
    was = node.bounding_box()
    drag(page, (spot[0], spot[1]), (spot[0] + 40, spot[1] - 60))
    now = node.bounding_box()
    assert (now["x"] - was["x"], now["y"] - was["y"]) == pytest.approx((40, -60), abs=1)
    ed.locator("button.cvs-fit").click()
    assert zoom(ed) == pytest.approx(fitted, rel=1e-3)
    assert all(inside(b, frame) for b in boxes(ed).values())
    shoot(ed, "widget-graph-residual-light")
    # far out, a node is a solid block with an outline of at least a pixel on screen
    for _ in range(12):
        ed.locator("button.cvs-zoom-out").click()
    far = zoom(ed)
    assert far < 0.05 and ed.locator(".cvs-viewport.cvs-far").count() == 1
    outline = ed.locator(".cvs-node").first.evaluate("n => parseFloat(getComputedStyle(n).outlineWidth)")
    assert outline * far >= 0.95  # (widths are whole pixels before the zoom)
    ed.locator("button.cvs-fit").click()


def test_dragging_a_node_saves_its_position_and_a_click_still_selects(page):
    ed = graph_at(page, 1)
    ed.scroll_into_view_if_needed()
    act = ed.locator(".cvs-node[data-id='act']")
    before = act.bounding_box()
    laid = act.evaluate("n => n.style.transform.match(/-?[\\d.]+/g).map(Number)")  # where the layout put it
    line = ed.locator(".cvs-edge[data-source='conv'][data-target='act'] .cvs-line")
    path = line.get_attribute("d")
    x, y = before["x"] + 20, before["y"] + 8
    drag(page, (x, y), (x + 150, y + 10))
    after = act.bounding_box()
    assert after["x"] == pytest.approx(before["x"] + 150, abs=2)
    assert line.get_attribute("d") != path  # the edge followed
    deadline = time.monotonic() + 10
    while not (saved := kernel(page, "ops.positions").get("act")):
        assert time.monotonic() < deadline, "the position never reached the kernel"
        time.sleep(0.2)
    k = zoom(ed)
    assert saved == pytest.approx([laid[0] + 150 / k, laid[1] + 10 / k], abs=2)
    assert not act.evaluate("n => n.classList.contains('cvs-picked')")
    act.click()  # no movement: a click, which selects
    ed.locator(".cvs-node.cvs-picked[data-id='act']").wait_for()
    ed.locator(".cvs-params b:has-text('act (ReLU)')").wait_for()
    assert kernel(page, "ops.positions")["act"] == saved


def test_a_layer_inserted_on_an_edge_goes_between_its_ends(page):
    ed = graph_at(page, 1)
    edge = ed.locator(".cvs-edge[data-source='pool'][data-target='flat']")
    edge.locator(".cvs-plus").click()  # the + on the edge: the edge picked, the palette inserts
    ed.locator(".cvs-edge.cvs-picked[data-source='pool'][data-target='flat']").wait_for()
    ed.locator(".cvs-palette.cvs-inserting .cvs-palette-head:has-text('insert on pool → flat')").wait_for()
    ed.locator(".cvs-palette .cvs-item[data-type='Dropout']").click()
    ed.locator(".cvs-node[data-id='dropout1'] .cvs-shape:has-text('[1, 8, 1, 1]')").wait_for()
    ed.locator(".cvs-edge[data-source='pool'][data-target='dropout1']").wait_for()
    ed.locator(".cvs-edge[data-source='dropout1'][data-target='flat']").wait_for()
    assert ed.locator(".cvs-edge[data-source='pool'][data-target='flat']").count() == 0
    ed.locator(".cvs-node.cvs-picked[data-id='dropout1']").wait_for()
    edges = kernel(page, "[(e['source'], e['target']) for e in ops.graph['edges']]")
    assert ["pool", "dropout1"] in edges and ["dropout1", "flat"] in edges and ["pool", "flat"] not in edges
    assert kernel(page, "ops.shapes['dropout1']") == [1, 8, 1, 1]
    # the same from Python, drawn by the widget
    assert kernel(page, "ops.insert('fc', 'out', 'Identity')") == "identity1"
    ed.locator(".cvs-node[data-id='identity1'] .cvs-shape:has-text('[1, 2]')").wait_for()
    ed.locator(".cvs-edge[data-source='identity1'][data-target='out']").wait_for()
    # Flatten before a 2-D pooling cannot fit: refused with the server's reason, the graph as it was
    ed.locator(".cvs-edge[data-source='act'][data-target='pool'] .cvs-hit").click(force=True)
    ed.locator(".cvs-edge.cvs-picked[data-source='act'][data-target='pool']").wait_for()
    ed.locator(".cvs-filter").fill("flatt")
    ed.locator(".cvs-filter").press("Enter")  # the first layer left by the filter
    ed.locator(".cvs-message:has-text('Flatten on act → pool does not fit')").wait_for()
    assert ed.locator(".cvs-node[data-id='flatten1']").count() == 0
    assert ["act", "pool"] in kernel(page, "[(e['source'], e['target']) for e in ops.graph['edges']]")
    ed.locator(".cvs-filter").fill("")


def test_a_misfitting_edge_is_refused_and_delete_removes_nodes_and_edges(page):
    ed = graph_at(page, 1)
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    ed.locator(".cvs-viewport").click(position={"x": 5, "y": 5})
    ed.locator(".cvs-palette .cvs-item[data-type='BatchNorm2d']").click()
    bn = ed.locator(".cvs-node[data-id='batchnorm2d1']")
    bn.wait_for()
    # fc's output is [1, 2]: dragged from fc's port onto a BatchNorm2d, refused with the reason
    assert inside(bn.bounding_box(), ed.locator(".cvs-viewport").bounding_box())  # a new node is shown
    ed.locator("button.cvs-fit").click()
    port = ed.locator(".cvs-node[data-id='fc'] .cvs-port").bounding_box()
    drag(page, centre(port), centre(bn.bounding_box()))
    ed.locator(".cvs-message:has-text('fc → batchnorm2d1 does not fit')").wait_for()
    assert ed.locator(".cvs-edge[data-target='batchnorm2d1']").count() == 0
    assert "4-D" in ed.locator(".cvs-message").inner_text() or "input" in ed.locator(".cvs-message").inner_text()
    # Delete removes the picked node...
    bn.click()
    page.keyboard.press("Delete")
    bn.wait_for(state="detached")
    assert "batchnorm2d1" not in kernel(page, "[n['id'] for n in ops.graph['nodes']]")
    # ...Backspace the picked edge; keys typed in the widget are not the notebook's ("d d"
    # would delete the cell)
    ed.locator(".cvs-edge[data-source='dropout1'][data-target='flat'] .cvs-hit").click(force=True)
    ed.locator(".cvs-edge.cvs-picked[data-source='dropout1']").wait_for()
    page.keyboard.press("d")
    page.keyboard.press("d")
    page.keyboard.press("Backspace")
    ed.locator(".cvs-edge[data-source='dropout1'][data-target='flat']").wait_for(state="detached")
    assert ["dropout1", "flat"] not in kernel(page, "[(e['source'], e['target']) for e in ops.graph['edges']]")
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    # the Input is never deleted
    ed.locator(".cvs-node[data-id='in']").click()
    page.keyboard.press("Delete")
    page.wait_for_timeout(300)
    assert ed.locator(".cvs-node[data-id='in']").count() == 1


def test_the_layout_button_forgets_dragged_places(page):
    ed = graph_at(page, 1)
    ed.locator("button.cvs-layout").click()
    deadline = time.monotonic() + 10
    while kernel(page, "ops.positions"):
        assert time.monotonic() < deadline, "the positions were not cleared"
        time.sleep(0.2)
    frame = ed.locator(".cvs-viewport").bounding_box()
    assert all(inside(b, frame) for b in boxes(ed).values())


def test_screenshots_in_the_dark_theme(page):
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    ed = graph_at(page, 0)
    ed.scroll_into_view_if_needed()
    shoot(ed, "widget-graph-dark")
    big = graph_at(page, 2)
    big.scroll_into_view_if_needed()
    shoot(big, "widget-graph-residual-dark")
