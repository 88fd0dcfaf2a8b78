"""The Weights section, the weight tab (fields, tags, download, delete, predict), the
upload dialog and the System section, in a real JupyterLab.

The weights are hand-set state dicts of a tiny graph model (global average pool, then a
Linear layer), so predictions are known: the `red` output is red minus blue."""

from __future__ import annotations

import io
import shutil
import uuid
from pathlib import Path

import pytest
import torch

from ...server.test_inference import POOL
from .helpers import Lab, open_lab, shoot

ROW = "#cvstudio-sidebar [data-cvstudio-kind='weight'][data-cvstudio-id='{}']"


def red_vs_blue() -> bytes:
    """Weights that score `red` by red minus blue and `blue` the other way round."""
    buf = io.BytesIO()
    weight = torch.tensor([[4.0, 0.0, -4.0], [-4.0, 0.0, 4.0]])
    torch.save({"fc.weight": weight, "fc.bias": torch.zeros(2)}, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pool_model(lab: Lab) -> dict:
    r = lab.api("POST", "models", json={"name": "weights-pool", "graph": POOL})
    assert r.status_code == 201, r.text
    return r.json()


def upload(lab: Lab, model: dict, name: str) -> dict:
    r = lab.api(
        "POST",
        "weights/upload",
        params={"name": name, "architecture": f"graph:{model['id']}", "classes": "red,blue", "input_size": "8"},
        data=red_vs_blue(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_weight_is_listed_opened_tagged_downloaded_and_deleted(page, lab, pool_model):
    name = f"lib-{uuid.uuid4().hex[:6]}"
    first = upload(lab, pool_model, name)
    w = upload(lab, pool_model, name)
    assert w["version"] == 2
    page.click("[data-cvstudio-section='weights'] .cvs-action[title^='Refresh']")
    row = ROW.format(w["id"])
    page.wait_for_selector(f"{row}:has-text('{name} v2')")
    # grouped task → architecture → name, the newest version first
    group = page.locator(".cvs-wgroup.cvs-depth-3", has=page.locator(f".cvs-wgroup-head[data-key$='/{name}']"))
    assert group.locator("li.cvs-row").evaluate_all("rows => rows.map(r => r.dataset.cvstudioId)") == [
        str(w["id"]),
        str(first["id"]),
    ]
    # a closed group stays closed when the list is refreshed
    group.locator(".cvs-wgroup-head").first.click()
    page.wait_for_selector(row, state="hidden")
    page.click("[data-cvstudio-section='weights'] .cvs-action[title^='Refresh']")
    page.wait_for_selector(row, state="hidden")
    group.locator(".cvs-wgroup-head").first.click()

    page.click(row)
    tab = f"#cvstudio-weight-{w['id']}"
    page.wait_for_selector(f"{tab} .cvs-fields")
    assert page.text_content(f"{tab} h2") == f"{name} v2"
    assert page.text_content(f"{tab} dd[data-field='task']") == "classification"
    assert page.text_content(f"{tab} dd[data-field='classes']") == "2: red, blue"
    assert page.text_content(f"{tab} dd[data-field='input size']") == "8 × 8"
    assert page.text_content(f"{tab} dd[data-field='sha-256']") == w["sha256"]
    page.wait_for_selector(f"{tab} dd[data-field='architecture']:has-text('weights-pool')")

    page.fill(f"{tab} .cvs-tag-input", "best")
    page.press(f"{tab} .cvs-tag-input", "Enter")
    page.wait_for_selector(f"{tab} .cvs-tags-editor .cvs-tag:has-text('best')")
    page.wait_for_selector(f"{row} .cvs-tag:has-text('best')")  # the tree follows
    assert lab.api("GET", f"weights/{w['id']}").json()["tags"] == ["best"]
    shoot(page, "weight-tab-light")

    with page.expect_download() as download:
        page.click(f"{tab} a:has-text('Download')")
    saved = Path(download.value.path())
    assert download.value.suggested_filename == f"{name}-v2.pt"
    assert saved.read_bytes() == red_vs_blue()

    page.click(f"{tab} button:has-text('Delete')")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(tab, state="detached")
    page.wait_for_selector(row, state="detached")
    assert lab.api("GET", f"weights/{w['id']}").status_code == 404
    page.wait_for_selector(ROW.format(first["id"]))


def test_upload_dialog_then_predict_from_a_path(browser, lab, pool_model, tmp_path):
    page = open_lab(browser, lab, dark=True)
    try:
        upload_dialog_and_predict(page, lab, pool_model, tmp_path)
    finally:
        page.close()


def upload_dialog_and_predict(page, lab, pool_model, tmp_path):
    file = tmp_path / "red-vs-blue.pt"
    file.write_bytes(red_vs_blue())
    name = f"up-{uuid.uuid4().hex[:6]}"
    page.click("[data-cvstudio-section='weights'] .cvs-action[title^='Upload']")
    form = ".cvs-weight-upload"
    page.set_input_files(f"{form} input[type=file]", str(file))
    page.fill(f"{form} input[name=name]", name)
    page.fill(f"{form} input[name=architecture]", "resnet_9000")
    page.fill(f"{form} input[name=classes]", "red, blue")
    page.fill(f"{form} input[name=input_size]", "8")
    page.click(".jp-Dialog .jp-mod-accept")
    # the server's complaint stands under the field it is about, and the dialog stays open
    error = page.wait_for_selector(f"{form} .cvs-field-error[data-field='architecture']:has-text('resnet_9000')")
    assert "Unknown architecture" in error.text_content()
    page.fill(f"{form} input[name=architecture]", f"graph:{pool_model['id']}")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(".jp-Dialog", state="detached")

    weight = lab.api("GET", "weights", params={"name": name}).json()["items"][0]
    tab = f"#cvstudio-weight-{weight['id']}"
    page.wait_for_selector(f"{tab} .cvs-fields")  # the new weight's tab opened by itself
    page.wait_for_selector(ROW.format(weight["id"]))

    page.fill(f"{tab} .cvs-predict-path", "squares/train/red/0.png")
    page.click(f"{tab} .cvs-predict button:has-text('Predict')")
    page.wait_for_selector(f"{tab} .cvs-predict-image[data-drawn='1']")
    ranks = page.locator(f"{tab} .cvs-ranks li")
    assert ranks.evaluate_all("li => li.map(l => l.dataset.class)") == ["red", "blue"]
    assert float(ranks.first.get_attribute("data-score")) > 0.9
    assert (
        ranks.first.locator(".cvs-rank-score").text_content() == f"{float(ranks.first.get_attribute('data-score')):.3f}"
    )
    assert page.get_attribute(f"{tab} [data-time-ms]", "data-time-ms")

    page.fill(f"{tab} .cvs-predict-path", "squares/train/blue/0.png")
    page.press(f"{tab} .cvs-predict-path", "Enter")
    page.wait_for_selector(f"{tab} .cvs-ranks li:first-child[data-class='blue']")
    shoot(page, "weight-tab-dark")

    # an image dragged from JupyterLab's file browser onto the drop zone
    shutil.copy(lab.root / "squares" / "train" / "red" / "1.png", lab.root / "drop-me.png")
    page.click("li[data-id='filebrowser']")
    page.click(".jp-FileBrowser .jp-ToolbarButtonComponent[data-command='filebrowser:refresh']")
    item = page.wait_for_selector(".jp-DirListing-item[title^='Name: drop-me.png']")
    drag(page, item, page.wait_for_selector(f"{tab} .cvs-drop"))
    page.wait_for_selector(f"{tab} .cvs-ranks li:first-child[data-class='red']")
    assert page.input_value(f"{tab} .cvs-predict-path") == "drop-me.png"
    assert page.locator(".lm-TabBar-tabLabel", has_text="drop-me.png").count() == 0  # not opened in a tab of its own

    # a file from the computer
    page.set_input_files(f"{tab} .cvs-predict input[type=file]", str(lab.root / "squares" / "val" / "blue" / "0.png"))
    page.wait_for_selector(f"{tab} .cvs-ranks li:first-child[data-class='blue']")

    # a file that is not an image: the server's message, shown in the tab
    (lab.root / "notes.txt").write_text("not an image")
    page.fill(f"{tab} .cvs-predict-path", "notes.txt")
    page.press(f"{tab} .cvs-predict-path", "Enter")
    page.wait_for_selector(f"{tab} .cvs-predict .cvs-field-error:has-text('image')")


def drag(page, source, target) -> None:
    """A mouse drag in small steps, as Lumino's drag and drop needs."""
    a, b = source.bounding_box(), target.bounding_box()
    x0, y0 = a["x"] + 20, a["y"] + a["height"] / 2
    x1, y1 = b["x"] + b["width"] / 2, b["y"] + 20
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x0 + (x1 - x0) * i / 20, y0 + (y1 - y0) * i / 20)
    page.wait_for_selector(".cvs-drop.cvs-drop-over")
    page.mouse.up()


def test_the_system_section_draws_samples_as_they_come(page, lab):
    system = "[data-cvstudio-section='system']"
    for figure in ("CPU", "Memory", "Disk"):
        page.wait_for_selector(f"{system} [data-figure='{figure}'] canvas[data-samples]")
    page.wait_for_function(
        f"Number(document.querySelector(\"{system} [data-figure='CPU'] canvas\").dataset.samples) >= 3"
    )
    assert "of" in page.get_attribute(f"{system} [data-figure='Memory']", "title")  # used of total
    assert page.text_content(f"{system} .cvs-system-runs").startswith("runs: ")
    if lab.api("GET", "health").json()["gpus"]:
        page.wait_for_selector(f"{system} [data-figure='GPU 0 util']")
    else:
        assert page.text_content(f"{system} .cvs-system-note") == "no GPU"
