"""Sharing in the sidebar, in a real JupyterLab: alice's dataset, graph model and weight,
shared with the lab's user (the account the server runs as), are listed "shared by
alice" beside the user's own of the same names, open, train and predict, and offer
nothing that would change them; the user's own still offer Delete, and their Share…
dialog posts whom to share with (and shows the server's 422).

alice's rows are written with the services layer into the lab server's own database, as
her server on a shared database would."""

from __future__ import annotations

import logging

import pytest

from cvstudio_ext.handlers.base import LOCAL_OWNER
from cvstudio_ext.services.container import Services

from ...server.test_inference import POOL
from .helpers import Lab, open_lab, shoot
from .test_lab_weights import red_vs_blue

SIDEBAR = "#cvstudio-sidebar"
NAME = "shared-lib"  # the weight name both alice and the user have
DATASET = "team-squares"  # the dataset name both have


def row(kind: str, item_id: int) -> str:
    return f"{SIDEBAR} li[data-cvstudio-kind='{kind}'][data-cvstudio-id='{item_id}']"


@pytest.fixture(scope="module")
def alices(lab: Lab) -> dict[str, dict]:
    """alice's DATASET, "pool" graph model and NAME v1 weight, each shared with
    the lab's user, and the user's own DATASET and NAME v1 on alice's graph."""
    data_dir = lab.root.parent / "data"
    services = Services.create(
        data_dir=data_dir,
        db_url=f"sqlite:///{data_dir / 'cvstudio.db'}",
        dataset_roots=[lab.root],
        max_upload_size=1 << 30,
        log=logging.getLogger("alice"),
    )
    try:
        ds = services.datasets.register("alice", DATASET, "squares", None)
        model = services.models.create("alice", "pool", "", POOL)
        source = lab.root.parent / "alice-red-vs-blue.pt"
        source.write_bytes(red_vs_blue())
        weight = services.weights.add(
            "alice",
            name=NAME,
            task="classification",
            architecture=f"graph:{model['id']}",
            classes=["red", "blue"],
            input_size=[8, 8],
            source=source,
        )
        for kind, item in (("dataset", ds), ("model", model), ("weight", weight)):
            assert services.sharing.share(kind, "alice", item["id"], users=[LOCAL_OWNER], everyone=None) == {
                "users": [LOCAL_OWNER],
                "everyone": False,
            }
        services.background.shutdown(wait=True)  # the dataset's indexing job
    finally:
        services.stop()
    ds = lab.api("GET", f"datasets/{ds['id']}").json()
    assert ds["status"] == "ready" and ds["shared"] and ds["owner"] == "alice", ds

    own_ds = lab.wait_dataset(lab.api("POST", "datasets", json={"name": DATASET, "path": "squares"}).json()["id"])
    assert own_ds["status"] == "ready"
    r = lab.api(
        "POST",
        "weights/upload",
        params={"name": NAME, "architecture": f"graph:{model['id']}", "classes": "red,blue", "input_size": "8"},
        data=red_vs_blue(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    return {"dataset": ds, "model": model, "weight": weight, "own_dataset": own_ds, "own_weight": r.json()}


def test_shared_items_are_marked_read_only_and_usable_and_own_ones_shared(browser, lab, alices):
    page = open_lab(browser, lab)
    try:
        shared_in_the_lists(page, alices)
        shared_weight_tab(page, alices)
        shoot(page, "sharing-weight-tab-light")
        new_run_names_owners(page, lab, alices)
        share_dialog(page, lab, alices, dark=False)
    finally:
        page.close()
    page = open_lab(browser, lab, dark=True)
    try:
        page.click(row("dataset", alices["dataset"]["id"]))
        head = f"#cvstudio-dataset-{alices['dataset']['id']} .cvs-ds-head"
        page.wait_for_selector(f"{head} .cvs-shared:text-is('shared by alice')")
        page.wait_for_selector(f"#cvstudio-dataset-{alices['dataset']['id']} .cvs-ds-grid canvas[data-drawn='1']")
        shoot(page, "sharing-dataset-tab-dark")
        shared_weight_tab(page, alices)
        shoot(page, "sharing-weight-tab-dark")
        share_dialog(page, lab, alices, dark=True)
    finally:
        page.close()


def shared_in_the_lists(page, alices: dict) -> None:
    shared, own = row("dataset", alices["dataset"]["id"]), row("dataset", alices["own_dataset"]["id"])
    assert page.text_content(f"{shared} .cvs-shared") == "shared by alice"
    assert page.text_content(f"{shared} .cvs-row-title") == page.text_content(f"{own} .cvs-row-title") == DATASET
    assert page.locator(f"{own} .cvs-shared").count() == 0
    # the user's own dataset offers rename, share and delete; alice's none of them
    page.hover(own)
    page.wait_for_selector(f"{own} .cvs-ds-tool[data-act='delete']:visible")
    shoot(page, "sharing-sidebar-light")
    page.hover(shared)
    assert page.locator(f"{shared} .cvs-ds-tool").count() == 0
    page.focus(shared)
    page.keyboard.press("F2")
    assert page.locator(f"{shared} input").count() == 0  # no rename either

    # the tree keeps alice's NAME apart from the user's, each group its owner's
    groups = page.locator(
        f"{SIDEBAR} .cvs-wgroup.cvs-depth-3", has=page.locator(f".cvs-wgroup-head[data-key$='/{NAME}']")
    )
    assert groups.count() == 2
    alice_group = groups.filter(has=page.locator(".cvs-wgroup-head[data-key$='/alice/" + NAME + "']"))
    assert alice_group.locator(".cvs-wgroup-head .cvs-shared").text_content() == "shared by alice"
    assert alice_group.locator("li.cvs-row").evaluate_all("r => r.map(l => l.dataset.cvstudioId)") == [
        str(alices["weight"]["id"])
    ]
    own_group = groups.filter(has=page.locator(f".cvs-wgroup-head[data-key$='/{LOCAL_OWNER}/{NAME}']"))
    assert own_group.locator(".cvs-shared").count() == 0
    assert own_group.locator("li.cvs-row").count() == 1
    # the architecture names alice's graph, which is shared with the user too
    page.wait_for_selector(
        f"{SIDEBAR} .cvs-depth-2 > .cvs-wgroup-head:has-text('pool (graph:{alices['model']['id']})')"
    )


def shared_weight_tab(page, alices: dict) -> None:
    """alice's weight: download and predict, no Share…, Delete or tag editing."""
    w = alices["weight"]
    page.click(row("weight", w["id"]))
    tab = f"#cvstudio-weight-{w['id']}"
    page.wait_for_selector(f"{tab} .cvs-fields")
    assert page.text_content(f"{tab} .cvs-whead .cvs-shared") == "shared by alice"
    page.wait_for_selector(f".lm-TabBar-tab.lm-mod-current:has-text('{NAME} v1 (alice)')")
    assert page.locator(f"{tab} .cvs-whead-actions button").count() == 0
    assert page.locator(f"{tab} .cvs-whead-actions a:has-text('Download')").count() == 1
    assert page.locator(f"{tab} .cvs-tag-input, {tab} .cvs-tag-x").count() == 0
    page.fill(f"{tab} .cvs-predict-path", "squares/train/red/0.png")
    page.click(f"{tab} .cvs-predict button:has-text('Predict')")
    page.wait_for_selector(f"{tab} .cvs-ranks li:first-child[data-class='red']")


def new_run_names_owners(page, lab: Lab, alices: dict) -> None:
    """New run… from alice's dataset: the form tells her items from the user's own."""
    ds, model, weight, own = alices["dataset"], alices["model"], alices["weight"], alices["own_weight"]
    page.click(row("dataset", ds["id"]))
    head = f"#cvstudio-dataset-{ds['id']} .cvs-ds-head"
    assert page.text_content(f"{head} .cvs-shared", timeout=30_000) == "shared by alice"
    assert page.locator(f"{head} button:has-text('Share')").count() == 0
    page.click(f"{head} button:has-text('New run')")
    form = page.locator("#cvstudio-new-run")
    dataset = form.locator("select[name='dataset_id']")
    page.wait_for_function(
        "id => document.querySelector(\"#cvstudio-new-run select[name='dataset_id']\").value === String(id)",
        arg=ds["id"],
    )
    options = dataset.locator("option").all_text_contents()
    assert f"{DATASET} (alice) · classification · {ds['num_images']} images" in options
    assert f"{DATASET} · classification · {alices['own_dataset']['num_images']} images" in options
    form.locator("select[aria-label='Model source']").select_option("graph")
    form.locator("select[name='model.model_id']").select_option(str(model["id"]))
    assert form.locator(f"select[name='model.model_id'] option[value='{model['id']}']").text_content() == (
        f"pool (alice, #{model['id']})"
    )
    pretrained = form.locator("select[name='pretrained_weight_id'] option").all_text_contents()
    assert f"{NAME} v1 (alice, #{weight['id']})" in pretrained
    assert f"{NAME} v1 (#{own['id']})" in pretrained
    form.locator("select[name='pretrained_weight_id']").select_option(str(weight["id"]))
    form.locator("input[name='name']").fill("from-alices")
    form.locator("input[name='hyperparameters.epochs']").fill("1")
    form.locator("input[name='hyperparameters.batch_size']").fill("8")
    form.locator("select[name='resources.device']").select_option("cpu")
    shoot(page, "sharing-new-run-light")
    form.locator("button[type='submit']").click()
    # the run (the user's) trains on alice's dataset from alice's graph and weight
    page.wait_for_selector(".cvs-run-tab[data-status='completed']", timeout=120_000)
    for _ in range(100):  # the tab hears the final event as the row is being written
        (run,) = [r for r in lab.api("GET", "training").json()["items"] if r["name"] == "from-alices"]
        if run["status"] == "completed":
            break
        page.wait_for_timeout(100)
    assert run["status"] == "completed" and run["owner"] == LOCAL_OWNER, run
    assert (run["dataset_id"], run["model"]["model_id"], run["pretrained_weight_id"]) == (
        ds["id"],
        model["id"],
        weight["id"],
    )


def share_dialog(page, lab: Lab, alices: dict, *, dark: bool) -> None:
    """Share… on the user's own weight (from its tab) and dataset (from its row)."""
    w = alices["own_weight"]
    page.click(row("weight", w["id"]))
    tab = f"#cvstudio-weight-{w['id']}"
    page.wait_for_selector(f"{tab} .cvs-whead-actions button:has-text('Delete')")
    assert page.locator(f"{tab} .cvs-whead .cvs-shared").count() == 0
    page.click(f"{tab} .cvs-whead-actions button:has-text('Share')")
    form = ".jp-Dialog .cvs-share-form"
    users = page.locator(f"{form} input[name='users']")
    users.wait_for()
    page.wait_for_function(f"!document.querySelector(\"{form} input[name='users']\").disabled")
    if dark:  # the light pass shared it: the dialog starts from what the server says
        assert users.input_value() == "bob, carol"
        assert page.locator(f"{form} input[name='everyone']").is_checked()
        shoot(page, "sharing-dialog-dark")
        page.click(".jp-Dialog .jp-mod-reject")
        page.wait_for_selector(".jp-Dialog", state="detached")
        return
    assert users.input_value() == "" and not page.locator(f"{form} input[name='everyone']").is_checked()
    users.fill("bob, *")
    page.click(".jp-Dialog .jp-mod-accept")
    error = page.wait_for_selector(f"{form} .cvs-field-error:not(:empty)")
    assert '"*" is no username' in error.text_content()  # the server's 422, and the dialog stays open
    assert lab.api("GET", f"weights/{w['id']}/share").json() == {"users": [], "everyone": False}
    users.fill("bob, carol")
    page.check(f"{form} input[name='everyone']")
    shoot(page, "sharing-dialog-light")
    page.click(".jp-Dialog .jp-mod-accept")
    page.wait_for_selector(".jp-Dialog", state="detached")
    assert lab.api("GET", f"weights/{w['id']}/share").json() == {"users": ["bob", "carol"], "everyone": True}

    own = row("dataset", alices["own_dataset"]["id"])
    page.hover(own)
    page.click(f"{own} .cvs-ds-tool[data-act='share']")
    page.wait_for_function(f"!document.querySelector(\"{form} input[name='users']\").disabled")
    page.locator(f"{form} input[name='users']").fill("dave")
    page.press(f"{form} input[name='users']", "Enter")
    page.wait_for_selector(".jp-Dialog", state="detached")
    share = lab.api("GET", f"datasets/{alices['own_dataset']['id']}/share").json()
    assert share == {"users": ["dave"], "everyone": False}
