"""The sidebar under a prefixed base_url (`/u/x/`, as JupyterHub's `/user/<name>/`):
every request, socket and download goes through ServerConnection, so the same flows work.
Also the file browser's "Register as Dataset" and the command palette."""

from __future__ import annotations

import time

import pytest

from ...server.test_training import SMALL
from .helpers import open_lab, shoot, start_lab


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("prefixed"), base_url="/u/x/")
    yield lab
    lab.server.stop()


@pytest.fixture
def ppage(browser, prefixed):
    page = open_lab(browser, prefixed)
    yield page
    page.close()


def row(kind: str, id_: int) -> str:
    return f'#cvstudio-sidebar [data-cvstudio-kind="{kind}"][data-cvstudio-id="{id_}"]'


def test_the_file_browsers_register_as_dataset_works_under_a_prefix(ppage, prefixed):
    assert prefixed.url.endswith("/u/x/")
    ppage.click("li[data-id='filebrowser']")
    ppage.click(".jp-DirListing-item[title^='Name: squares']", button="right")
    ppage.click(".lm-Menu-item:has-text('Register as Dataset')")
    ppage.wait_for_selector('#cvstudio-sidebar [data-cvstudio-kind="dataset"]', state="attached")
    dataset_id = int(ppage.get_attribute('#cvstudio-sidebar [data-cvstudio-kind="dataset"]', "data-cvstudio-id"))
    assert prefixed.wait_dataset(dataset_id)["status"] == "ready"
    ppage.click(SIDEBAR_ICON)
    ppage.wait_for_selector(f"{row('dataset', dataset_id)} [data-status='ready']")
    ppage.click(row("dataset", dataset_id))
    ppage.wait_for_selector(f"#cvstudio-dataset-{dataset_id} canvas[data-drawn='1']")


def test_a_run_is_followed_live_and_its_weight_downloads_under_a_prefix(ppage, prefixed):
    ds = prefixed.api("POST", "datasets", json={"name": "prefixed-squares", "path": "squares"}).json()
    prefixed.wait_dataset(ds["id"])
    model = prefixed.api("POST", "models", json={"name": "prefixed-small", "graph": SMALL}).json()
    run = prefixed.api(
        "POST",
        "training",
        json={"name": "prefixed-run", "dataset_id": ds["id"], "model": {"source": "graph", "model_id": model["id"]},
              "hyperparameters": {"epochs": 2, "batch_size": 8}, "resources": {"device": "cpu"}},
    ).json()  # fmt: skip
    ppage.wait_for_selector(row("run", run["id"]))  # arrived through the runs socket
    ppage.click(row("run", run["id"]))
    ppage.wait_for_function(
        f"[...document.querySelectorAll('#cvstudio-run-{run['id']} canvas')].some(c => Number(c.dataset.points) > 0)"
    )
    ppage.wait_for_selector(
        f"#cvstudio-run-{run['id']}[data-status='completed'], #cvstudio-run-{run['id']} [data-status='completed']"
    )
    deadline = time.monotonic() + 30  # the tab saw the worker's last event; the library entry follows
    while (weight_id := prefixed.api("GET", f"training/{run['id']}").json()["weight_id"]) is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    ppage.wait_for_selector(row("weight", weight_id), state="attached")
    ppage.click(row("weight", weight_id))
    with ppage.expect_download() as download:
        ppage.click(f"#cvstudio-weight-{weight_id} a:has-text('Download')")
    assert download.value.suggested_filename
    shoot(ppage, "prefixed-weight")


SIDEBAR_ICON = "li[data-id='cvstudio-sidebar']"
