"""The Runs section, the New Run form and the run tab, in a real JupyterLab.

The lab's server trains with CVSTUDIO_TRAINING_STEP_DELAY=0.05, so a run on `squares`
(16 px squares, a tiny graph model) keeps running long enough to pause and resume it."""

from __future__ import annotations

import time

import pytest

from ...server.test_training import SMALL
from .helpers import Lab, fill_new_run, open_lab, shoot

RUN_ROW = "#cvstudio-sidebar [data-cvstudio-kind='run'][data-cvstudio-id='{}']"


@pytest.fixture(scope="module")
def squares(lab: Lab) -> tuple[dict, dict]:
    """The `squares` dataset, ready, and a small graph model for 16 px inputs."""
    ds = lab.api("POST", "datasets", json={"name": "runs-squares", "path": "squares"}).json()
    ds = lab.wait_dataset(ds["id"])
    assert ds["status"] == "ready", ds
    model = lab.api("POST", "models", json={"name": "runs-small", "graph": SMALL}).json()
    return ds, model


def start_run(lab: Lab, ds: dict, model: dict, name: str, epochs: int) -> dict:
    body = {
        "name": name,
        "dataset_id": ds["id"],
        "model": {"source": "graph", "model_id": model["id"]},
        "hyperparameters": {"epochs": epochs, "batch_size": 8, "lr": 0.05},
        "resources": {"device": "cpu"},
    }
    r = lab.api("POST", "training", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def stop(lab: Lab, run_id: int) -> None:
    """Leaves the one training slot free for the next test."""
    r = lab.api("POST", f"training/{run_id}/control", json={"action": "stop"})
    assert r.status_code in (200, 409), r.text
    deadline = time.monotonic() + 60
    while lab.api("GET", f"training/{run_id}").json()["status"] not in ("stopped", "completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)


def points(page, run_id: int) -> int:
    """Points drawn in the run tab's loss chart."""
    value = page.get_attribute(f"#cvstudio-run-{run_id} [data-chart='loss'] canvas", "data-points")
    return int(value or 0)


def wait_status(page, run_id: int, status: str) -> None:
    page.wait_for_selector(f"#cvstudio-run-{run_id} .cvs-run-tab[data-status='{status}']")


def test_runs_from_the_api_are_listed_and_follow_live(lab, page, squares):
    ds, model = squares
    first = start_run(lab, ds, model, "api-run-one", epochs=3000)
    try:
        page.wait_for_selector(RUN_ROW.format(first["id"]))
        row = page.locator(RUN_ROW.format(first["id"]))
        assert "api-run-one" in row.inner_text()
        # a run created while the page is open appears without a reload, above the older one
        second = start_run(lab, ds, model, "api-run-two", epochs=3000)
        page.wait_for_selector(RUN_ROW.format(second["id"]))
        ids = page.eval_on_selector_all(
            "#cvstudio-sidebar [data-cvstudio-kind='run']", "rows => rows.map(r => Number(r.dataset.cvstudioId))"
        )
        assert ids.index(second["id"]) < ids.index(first["id"])
        # a change of status reaches the row live
        stop(lab, second["id"])
        page.wait_for_selector(RUN_ROW.format(second["id"]) + " .cvs-pill[data-status='stopped']")
        page.wait_for_selector(RUN_ROW.format(first["id"]) + " .cvs-pill[data-status='running']")
        assert "epoch" in row.inner_text()
        shoot(page, "runs-sidebar")
        row.click()
        page.wait_for_selector(f"#cvstudio-run-{first['id']} .cvs-run-tab[data-status='running']")
    finally:
        stop(lab, first["id"])
    page.wait_for_selector(RUN_ROW.format(first["id"]) + " .cvs-pill[data-status='stopped']")


def test_a_run_from_the_form_trains_pauses_resumes_and_stops(lab, page, squares):
    ds, model = squares
    page.click("#cvstudio-sidebar [data-cvstudio-section='runs'] .cvs-action:has-text('New run')")
    form = page.locator("#cvstudio-new-run")
    fill_new_run(form, ds["id"], model["id"], "form-run", epochs=5000)
    # a bad value: the server's message shows next to that field, nothing starts
    form.locator("input[name='hyperparameters.lr']").fill("-1")
    shoot(page, "run-form-light")
    form.locator("button[type='submit']").click()
    error = form.locator(".cvs-field-error[data-field='hyperparameters.lr']")
    error.wait_for()
    assert "greater than 0" in error.inner_text()
    assert form.locator(".cvs-field-error[data-field='hyperparameters.epochs']").inner_text() == ""
    shoot(page, "run-form-error")
    form.locator("input[name='hyperparameters.lr']").fill("0.05")
    form.locator("button[type='submit']").click()

    tab = page.locator(".cvs-run-tab:visible")
    tab.wait_for()
    run_id = int(page.locator("[id^='cvstudio-run-']:visible").first.get_attribute("id").rsplit("-", 1)[1])
    try:
        assert form.locator(".cvs-field-error[data-field='hyperparameters.lr']").inner_text() == ""
        wait_status(page, run_id, "running")
        page.wait_for_function(
            "id => Number(document.querySelector(`#cvstudio-run-${id} [data-chart='loss'] canvas`)?.dataset.points) > 2",
            arg=run_id,
        )
        moving = points(page, run_id)
        page.wait_for_function(
            "([id, n]) => Number(document.querySelector(`#cvstudio-run-${id} [data-chart='loss'] canvas`).dataset.points) > n",
            arg=[run_id, moving],
        )
        assert "form-run" in page.locator(f"#cvstudio-run-{run_id} h2").inner_text()
        # the graph model, drawn by the layered layout the notebook's editor uses: every
        # layer with its output shape, every edge with an arrowhead, top to bottom
        tab_id = f"#cvstudio-run-{run_id}"
        page.click(f"{tab_id} .cvs-run-model summary")
        page.wait_for_selector(f"{tab_id} .cvs-model-graph")
        nodes = page.locator(f"{tab_id} .cvs-model-node")
        assert nodes.count() == len(SMALL["nodes"])
        assert "[1, 8, 16, 16]" in page.text_content(f"{tab_id} .cvs-model-node[data-id='conv']")
        edges = page.locator(f"{tab_id} .cvs-model-edge[marker-end]")
        assert edges.count() == len(SMALL["edges"])
        tops = [nodes.nth(i).bounding_box()["y"] for i in range(nodes.count())]
        assert tops == sorted(tops) and len(set(tops)) == len(tops)  # a chain: one layer each
        shoot(page, "run-tab-light")
        page.click(f"{tab_id} .cvs-run-model summary")

        page.click(f"#cvstudio-run-{run_id} button:has-text('Pause')")
        wait_status(page, run_id, "paused")
        page.wait_for_selector(RUN_ROW.format(run_id) + " .cvs-pill[data-status='paused']")
        assert page.is_disabled(f"#cvstudio-run-{run_id} button:has-text('Pause')")

        paused_at = points(page, run_id)
        page.click(f"#cvstudio-run-{run_id} button:has-text('Resume')")
        wait_status(page, run_id, "running")
        page.wait_for_selector(RUN_ROW.format(run_id) + " .cvs-pill[data-status='running']")
        page.wait_for_function(
            "([id, n]) => Number(document.querySelector(`#cvstudio-run-${id} [data-chart='loss'] canvas`).dataset.points) > n",
            arg=[run_id, paused_at],
        )

        page.click(f"#cvstudio-run-{run_id} button:has-text('Stop')")
        wait_status(page, run_id, "stopped")
        page.wait_for_selector(RUN_ROW.format(run_id) + " .cvs-pill[data-status='stopped']")
        # a 409 is said, not swallowed
        assert page.is_disabled(f"#cvstudio-run-{run_id} button:has-text('Stop')")
    finally:
        stop(lab, run_id)


def test_a_finished_run_shows_its_evaluation_and_weight(lab, browser, squares):
    ds, model = squares
    page = open_lab(browser, lab, dark=True)
    try:
        run = start_run(lab, ds, model, "short-run", epochs=2)
        page.click(RUN_ROW.format(run["id"]))
        tab = f"#cvstudio-run-{run['id']}"
        page.wait_for_selector(f"{tab} .cvs-run-tab[data-status='completed']", timeout=120_000)
        page.wait_for_selector(f"{tab} .cvs-run-evaluation:not([hidden]) .cvs-cm-cell")
        names = page.locator(f"{tab} .cvs-cm-row").all_inner_texts()
        assert sorted(names) == ["blue", "red"]
        assert "accuracy" in page.locator(f"{tab} .cvs-run-summary").inner_text()
        page.wait_for_selector(f"{tab} .cvs-run-checkpoints tbody tr")
        # the run's weight lands in the Weights section without a reload
        weight = lab.api("GET", f"training/{run['id']}").json()["weight_id"]
        assert weight is not None
        page.wait_for_selector(
            f"#cvstudio-sidebar [data-cvstudio-kind='weight'][data-cvstudio-id='{weight}']", state="attached"
        )
        page.wait_for_selector(RUN_ROW.format(run["id"]) + " .cvs-pill[data-status='completed']")
        assert "val_accuracy" in page.locator(RUN_ROW.format(run["id"])).inner_text()
        # the curves: loss on a log scale with a mark at the end of epoch 1 (the last end is the edge)
        loss = page.locator(f"{tab} [data-chart='loss'] canvas")
        assert loss.get_attribute("data-scale") == "log" and loss.get_attribute("data-marks") == "2"
        page.locator(f"{tab} [data-chart='loss'] input.cvs-log").uncheck()
        assert loss.get_attribute("data-scale") == "linear"
        # hovering reads every series out at the step under the pointer
        box = loss.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
        readout = page.locator(f"{tab} [data-chart='loss'] .cvs-readout")
        readout.wait_for()
        text = readout.inner_text()
        assert text.startswith("step ") and "train_loss " in text and "val_loss " in text, text
        # smoothing keeps the raw points and moves the readout's value
        page.locator(f"{tab} [data-chart='loss'] input.cvs-smoothing").fill("0.9")
        page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + box["height"] / 2)
        smoothed = readout.inner_text()
        page.locator(f"{tab} [data-chart='loss'] input.cvs-smoothing").fill("0")
        page.mouse.move(box["x"] + box["width"] * 0.95 + 1, box["y"] + box["height"] / 2)
        assert readout.inner_text() != smoothed
        shoot(page, "run-tab-dark")
    finally:
        page.close()
