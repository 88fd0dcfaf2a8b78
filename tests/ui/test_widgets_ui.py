"""The widgets in a real JupyterLab, in a real Chromium (Playwright): each renders (the
graph editor's edits are in test_graph_editor_ui.py), the curves move while a run
trains and come back after the page reloads, and the pause button pauses the run.

The kernel is the server's own, so `Studio()` finds its server through JPY_PARENT_PID."""

from __future__ import annotations

import json
import shutil
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cvstudio_widgets.private import start_private_server

from ..server.test_training import SMALL, colour_squares
from .lab.helpers import shoot

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")

CELLS = [
    "from cvstudio_widgets import Studio\nstudio = Studio()\nprint(studio)",
    'ds = studio.datasets.register("squares", progress=False)\nds.preview(page_size=8)',
    f"graph = {json.dumps(SMALL)}\neditor = studio.models.editor(graph)\neditor",
    'model = studio.models.create("ui", graph)\n'
    'run = studio.train(ds, model, epochs=5000, batch_size=8, log_interval=1, resources={"device": "cpu"})\n'
    "run.curves()",
    "studio.system(interval=0.5)",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    root = base / "root"
    root.mkdir()
    colour_squares(root / "squares")
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # kernel comms stay off subshells through the environment's overrides.json, as
    # `make lab` writes it (cvstudio_widgets/lab_settings.py)
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(metadata={"kernelspec": kernelspec}, cells=[new_code_cell(c) for c in CELLS]),
                   root / "ui.ipynb")  # fmt: skip
    srv = start_private_server(
        root,
        data_dir=base / "data",
        extra_args=[
            f"--LabApp.user_settings_dir={base / 'settings'}",
            f"--LabApp.workspaces_dir={base / 'ws'}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the theme switch
        ],
        env={"CVSTUDIO_TRAINING_STEP_DELAY": "0.05", "CVSTUDIO_SERVER_URL": "", "JPY_PARENT_PID": ""},
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def page(lab):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(60_000)
        page.goto(f"{lab.url}lab/tree/ui.ipynb?token={lab.token}&reset")
        page.wait_for_selector(".jp-Notebook")
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        yield page
        browser.close()


def points(page) -> int:
    counts = page.eval_on_selector_all(".cvs-curves canvas", "cs => cs.map(c => Number(c.dataset.points || 0))")
    return sum(counts)


def curves_move(page, why: str) -> None:
    page.wait_for_selector(".cvs-curves .cvs-status:has-text('running')")
    page.wait_for_function("[...document.querySelectorAll('.cvs-curves canvas')].some(c => c.dataset.points > 0)")
    first = points(page)
    deadline = time.monotonic() + 60
    while points(page) <= first:
        assert time.monotonic() < deadline, why
        time.sleep(0.2)


def test_the_kernel_found_its_server(page):
    page.wait_for_selector(".jp-OutputArea-output:has-text('found by JPY_PARENT_PID')")


def test_the_preview_renders_thumbnails_with_a_full_image_on_click(page):
    page.wait_for_function("document.querySelectorAll('.cvs-preview canvas[data-drawn=\"1\"]').length >= 8")
    assert page.inner_text(".cvs-preview .cvs-page").startswith("page 1 of 6")
    # the full image says its own name and size, on the first click and on the next
    for nth in (0, 1):
        name = page.get_attribute(f".cvs-preview .cvs-cell >> nth={nth}", "title").split("/")[-1]
        page.click(f".cvs-preview .cvs-cell >> nth={nth}")
        page.wait_for_selector(f".cvs-preview .cvs-full-info:has-text('{name} 16×16, 0 boxes')")
        page.wait_for_selector(".cvs-preview .cvs-full-image[data-drawn='1']")
    page.click(".cvs-preview .cvs-cell >> nth=1")  # unselect
    page.wait_for_selector(".cvs-preview .cvs-full-info", state="detached")
    # "augmented" with nothing selected augments the page's first image
    page.check(".cvs-preview label:has-text('augmented') input")
    page.wait_for_selector(".cvs-preview .cvs-augmented[data-drawn='1']")
    page.uncheck(".cvs-preview label:has-text('augmented') input")
    page.click(".cvs-preview button:has-text('▶')")
    page.wait_for_selector(".cvs-preview .cvs-page:has-text('page 2 of 6')")


def test_the_system_monitor_draws_sparklines_readable_in_both_themes(page):
    page.wait_for_function("document.querySelectorAll('.cvs-system canvas').length >= 2")
    monitor = page.locator(".cvs-system").first
    monitor.scroll_into_view_if_needed()
    shoot(monitor, "widget-system-light")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    # the figures are drawn in the theme's ink: light text on the dark page
    colour = monitor.evaluate("e => getComputedStyle(e).color")
    assert sum(int(c) for c in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]) > 3 * 128, colour
    shoot(monitor, "widget-system-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")


def test_curves_move_survive_a_reload_and_the_pause_button_pauses(page):
    curves_move(page, "the curves did not move")
    # the shared chart: loss on a log scale, epoch marks, a readout under the pointer
    loss = page.locator(".cvs-curves [data-chart='loss'] canvas")
    assert loss.get_attribute("data-scale") == "log"
    page.wait_for_function(
        "Number(document.querySelector(\".cvs-curves [data-chart='loss'] canvas\").dataset.marks) >= 1"
    )
    loss.scroll_into_view_if_needed()
    box = loss.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    assert page.inner_text(".cvs-curves [data-chart='loss'] .cvs-readout").startswith("step ")
    assert "epoch" in page.inner_text(".cvs-curves .cvs-bar")
    shoot(page.locator(".cvs-curves").first, "widget-curves-light")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1000)
    page.reload()
    curves_move(page, "the curves stopped moving after the reload")
    page.click(".cvs-curves button.cvs-pause")
    page.wait_for_selector(".cvs-curves .cvs-status:has-text('paused')")
    assert page.is_enabled(".cvs-curves button.cvs-resume")
