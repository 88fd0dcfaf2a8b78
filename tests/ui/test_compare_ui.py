"""`studio.compare(...)` and the saved snapshot in a real JupyterLab, in a real Chromium:
three short real runs overlaid (one stopped before it trained: "no data yet"), a line
and a legend key per run in every chart, the hover readout giving every run's value (a
dash past a shorter run's end), the log toggle, screenshots in the light and dark themes;
then the notebook saved, its snapshot outputs showing the runs' final state while the
live widgets are there once each.

The kernel is the server's own, so `Studio()` finds its server through JPY_PARENT_PID."""

from __future__ import annotations

import json
import re
import shutil
import time

import nbformat
import pytest

from ..server.test_training import SMALL
from .lab.helpers import CHROMIUM, notebook_page, shoot, start_lab, write_notebook

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")

VIEW = "application/vnd.jupyter.widget-view+json"
CELLS = [
    "from cvstudio_widgets import Studio\nstudio = Studio()",
    f"graph = {json.dumps(SMALL)}\n"
    'ds = studio.datasets.register("squares", progress=False)\n'
    'model = studio.models.create("compared", graph)\n'
    'cpu = {"device": "cpu"}\n'
    'fast = studio.train(ds, model, name="fast", epochs=3, batch_size=8, lr=0.05, log_interval=1, resources=cpu)\n'
    'slow = studio.train(ds, model, name="slow", epochs=2, batch_size=4, lr=0.01, log_interval=1, resources=cpu)\n'
    'idle = studio.train(ds, model, name="idle", epochs=1, resources=cpu)\n'
    "idle.stop()",
    "fast.curves()",
    "studio.compare(fast, slow, idle)",
    # a run's curves as they are while its worker imports
    'probe = fast.curves(follow=False)\nprobe.status = "starting"\nprobe',
]
CURVES_CELL, COMPARE_CELL = 2, 3
COMPARE = ".cvs-compare"
CURVES = ".cvs-curves:not(.cvs-compare)"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("compare"))
    write_notebook(lab.root / "compare.ipynb", CELLS)
    yield lab
    lab.server.stop()


@pytest.fixture(scope="module")
def page(lab):
    with notebook_page(lab, "compare.ipynb", (1400, 1000), timeout_ms=90_000) as page:
        yield page


@pytest.fixture(scope="module")
def runs(page):
    """{name: id} of the compared runs, once both trained runs have completed."""
    page.wait_for_function(f"document.querySelectorAll('{COMPARE} .cvs-run').length === 3")
    # marks on the first views: a view drawn again (as an update of its own output would
    # make the lab do) would lose them
    page.eval_on_selector(COMPARE, "e => e.dataset.probe = 'first view'")
    page.wait_for_selector(CURVES)
    page.eval_on_selector(CURVES, "e => e.dataset.probe = 'first view'")
    FIRST.update({cell: snapshot_in_page(page, cell) for cell in (CURVES_CELL, COMPARE_CELL)})
    ids = {}
    for entry in page.locator(f"{COMPARE} .cvs-run").all():
        name = entry.locator(".cvs-run-name").inner_text()
        ids[name.split(" ", 1)[1]] = int(entry.get_attribute("data-run"))
        assert name == f"#{ids[name.split(' ', 1)[1]]} {name.split(' ', 1)[1]}"
    assert list(ids) == ["fast", "slow", "idle"]
    for name in ("fast", "slow"):
        page.wait_for_selector(f"{COMPARE} .cvs-run[data-run='{ids[name]}'] .cvs-status:text-is('completed')")
    return ids


FIRST: dict[int, str] = {}  # the snapshots' text when the views were marked


def snapshot_in_page(page, cell: int) -> str:
    """The text/plain of the cell's snapshot output in the page's notebook model."""
    return page.evaluate(
        """([cell, view]) => {
            const outputs = window.jupyterapp.shell.currentWidget.content.model.cells.get(cell).outputs;
            for (let j = 0; j < outputs.length; j++) {
              const data = outputs.get(j).toJSON().data;
              if (data && data[view] && !data[view].model_id) return data["text/plain"];
            }
            return null;
        }""",
        [cell, VIEW],
    )


def readout(page, key: str, fraction: float) -> list[str]:
    """The readout's lines with the pointer at `fraction` of the chart's plot width."""
    canvas = page.locator(f"{COMPARE} [data-key='{key}'] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 60 + (box["width"] - 72) * fraction, box["y"] + box["height"] / 2)
    return page.inner_text(f"{COMPARE} [data-key='{key}'] .cvs-readout").splitlines()


def test_a_starting_run_is_live_it_may_pause_or_stop(page):
    probe = page.locator(CURVES).nth(1)
    probe.locator(".cvs-status:text-is('starting')").wait_for()
    assert "cvs-indeterminate" in probe.locator(".cvs-progress").get_attribute("class")
    assert probe.locator("button.cvs-stop").is_enabled() and probe.locator("button.cvs-pause").is_enabled()
    assert probe.locator("button.cvs-resume").is_disabled()
    assert "epoch 1 of 3 · step 0" in probe.locator(".cvs-bar").inner_text()


def test_a_run_without_points_says_so(page, runs):
    idle = page.locator(f"{COMPARE} .cvs-run[data-run='{runs['idle']}']")
    idle.locator(".cvs-status:text-is('stopped')").wait_for()
    assert "cvs-no-data" in idle.get_attribute("class") and "no data yet" in idle.inner_text()


def test_each_chart_has_a_line_and_a_key_per_run_with_points(page, runs):
    colours = {
        name: page.eval_on_selector(f"{COMPARE} .cvs-run[data-run='{i}']", "e => e.style.getPropertyValue('--cvs-key')")
        for name, i in runs.items()
    }
    assert len(set(colours.values())) == 3
    page.wait_for_function(f"document.querySelectorAll('{COMPARE} .cvs-chart').length === 4")
    keys = page.eval_on_selector_all(f"{COMPARE} .cvs-chart", "cs => cs.map(c => c.dataset.key)")
    assert keys == ["train_loss", "val_loss", "val_accuracy", "lr"]
    for key in keys:
        chart = f"{COMPARE} [data-key='{key}']"
        legend = page.eval_on_selector_all(
            f"{chart} .cvs-chart-head .cvs-key", "ks => ks.map(k => [k.textContent, k.style.getPropertyValue('--cvs-key')])"
        )  # fmt: skip
        assert [text.rsplit(" ", 1)[0] for text, _ in legend] == [f"#{runs['fast']} fast", f"#{runs['slow']} slow"]
        assert [colour for _, colour in legend] == [colours["fast"], colours["slow"]]
        page.wait_for_function(f'Number(document.querySelector("{chart} canvas").dataset.points) > 0')
    # per step by step (fast: 3 epochs of 4 steps, slow: 2 of 8), validation by epoch
    points = page.eval_on_selector_all(f"{COMPARE} .cvs-chart canvas", "cs => cs.map(c => Number(c.dataset.points))")
    assert points == [12 + 16, 3 + 2, 3 + 2, 12 + 16]


def test_hover_gives_every_runs_value_and_a_dash_past_a_shorter_run(page, runs):
    fast, slow = f"#{runs['fast']} fast", f"#{runs['slow']} slow"
    number = r" -?\d[\d.e+-]*$"
    lines = readout(page, "train_loss", 0.2)
    assert re.fullmatch(r"step \d+", lines[0]), lines
    assert [line.rsplit(" ", 1)[0] for line in lines[1:]] == [fast, slow]
    assert all(re.search(number, line) for line in lines[1:]), lines
    shoot(page.locator(f"{COMPARE} [data-key='train_loss']"), "widget-compare-hover-light")
    lines = readout(page, "train_loss", 1.0)  # step 16: fast stopped at step 12
    assert lines[0] == "step 16" and lines[1] == f"{fast} –" and re.search(number, lines[2]), lines
    lines = readout(page, "val_loss", 1.0)  # epoch 3: slow trained 2
    assert lines[0] == "epoch 3" and re.search(number, lines[1]) and lines[2] == f"{slow} –", lines
    lines = readout(page, "val_loss", 0.0)
    assert lines[0] == "epoch 1" and all(re.search(number, line) for line in lines[1:]), lines


def test_the_log_toggle_switches_the_scale(page, runs):
    chart = f"{COMPARE} [data-key='train_loss']"
    canvas = page.locator(f"{chart} canvas")
    assert canvas.get_attribute("data-scale") == "log"
    page.uncheck(f"{chart} input.cvs-log")
    page.wait_for_function(f"document.querySelector(\"{chart} canvas\").dataset.scale === 'linear'")
    assert page.get_attribute(f"{COMPARE} [data-key='val_accuracy'] canvas", "data-scale") == "linear"
    page.check(f"{chart} input.cvs-log")
    page.wait_for_function(f"document.querySelector(\"{chart} canvas\").dataset.scale === 'log'")


def test_screenshots_light_and_dark(page, runs):
    page.mouse.move(0, 0)
    widget = page.locator(COMPARE)
    widget.scroll_into_view_if_needed()
    shoot(widget, "widget-compare-light")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)  # the charts redraw with the theme's colours at the next frame
    shoot(widget, "widget-compare-dark")
    shoot(page.locator(CURVES).first, "widget-curves-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")


def snapshots(nb, cell: int) -> tuple[list[dict], list[dict]]:
    """The cell's (live views, snapshot outputs)."""
    outputs = [o for o in nb.cells[cell].outputs if VIEW in o.get("data", {})]
    return [o for o in outputs if o.data[VIEW]["model_id"]], [o for o in outputs if not o.data[VIEW]["model_id"]]


def test_the_saved_notebook_keeps_the_last_snapshot_and_the_live_widgets_once(page, lab, runs):
    metrics = {name: lab.api("GET", f"training/{i}/metrics").json()["records"] for name, i in runs.items()}
    final = {name: [r for r in records if "val_loss" in r][-1] for name, records in metrics.items() if records}
    assert set(final) == {"fast", "slow"}
    deadline = time.monotonic() + 30
    while True:  # the last snapshot is drawn after the widget shows the last status
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_timeout(1000)
        nb = nbformat.read(lab.root / "compare.ipynb", as_version=4)
        live, [snap] = snapshots(nb, COMPARE_CELL)
        text = snap.data.get("text/html", "")
        if text.count("completed") == 2 or time.monotonic() > deadline:
            break
    assert text.count("completed") == 2 and "stopped (no data yet)" in text, text[:2000]
    for name, record in final.items():
        row = text.split(f"#{runs[name]} {name}")[1].split("</tr>")[0]
        assert f"{record['val_loss']:.4g}" in row and f"{record['epoch']}/{record['epoch']}" in row, row
    assert "<img src='data:image/png;base64," in text and "queued" not in text and "running" not in text
    assert len(live) == 1 and "text/html" not in live[0].data  # no stale copy beside the live view
    assert "completed" in snap.data["text/plain"]
    live, [snap] = snapshots(nb, CURVES_CELL)
    assert len(live) == 1 and "<td style='text-align:left'>completed</td>" in snap.data["text/html"]
    assert f"{final['fast']['val_accuracy']:.4g}" in snap.data["text/html"]
    # in the page: each live widget once, its first view still, the snapshot outputs hidden and taking no room
    assert page.locator(COMPARE).count() == 1 and page.locator(CURVES).count() == 2
    assert page.get_attribute(COMPARE, "data-probe") == page.get_attribute(CURVES, "data-probe") == "first view"
    for cell in (CURVES_CELL, COMPARE_CELL):  # the snapshots were replaced while those views were up
        assert "completed" not in FIRST[cell] and "completed" in snapshot_in_page(page, cell), FIRST
    hidden = page.eval_on_selector_all(
        ".jp-OutputArea-child:has(> .jp-OutputArea-output.lm-mod-hidden)", "es => es.map(e => e.offsetHeight)"
    )  # fmt: skip
    assert hidden == [0, 0, 0]


def test_nbconvert_shows_the_snapshot_where_widgets_do_not_run(lab, runs):
    from nbconvert import HTMLExporter

    shutil.copy(lab.root / "compare.ipynb", lab.root / "copy.ipynb")
    body, _ = HTMLExporter().from_filename(str(lab.root / "copy.ipynb"))
    assert body.count('src="data:image/png;base64,') == 2 and "Runs compared" in body and "Loading widget" not in body
