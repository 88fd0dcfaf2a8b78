"""The Datasets section and the dataset tab, in a real JupyterLab: the list shows what the
API created; a folder registered through the path field and a zip uploaded through the
file input become ready; the tab draws thumbnails, filters by defect kind, shows the
clicked image, and previews augmentations (with the server's 422 for a bad pipeline)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from .helpers import Lab, open_lab, shoot

SIDEBAR = "#cvstudio-sidebar"


def row(dataset_id: int | str) -> str:
    return f'{SIDEBAR} li[data-cvstudio-kind="dataset"][data-cvstudio-id="{dataset_id}"]'


def row_ids(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            f"{SIDEBAR} li[data-cvstudio-kind='dataset']", "els => els.map(e => e.dataset.cvstudioId)"
        )
    )


def thumbs(page, tab: str) -> list[str]:
    """The files of the thumbnails the grid shows."""
    return page.eval_on_selector_all(f"{tab} .cvs-ds-grid .cvs-ds-thumb", "els => els.map(e => e.dataset.file)")


@pytest.fixture(scope="module")
def defects(lab: Lab) -> dict:
    """`squares` plus a file that is not an image and a byte-for-byte copy of another
    image: the class-folder importer reports them as `corrupt_image` and `duplicate_image`."""
    root = lab.root / "defects"
    if not root.exists():
        shutil.copytree(lab.root / "squares", root)
        (root / "train" / "red" / "broken.png").write_bytes(b"not a png at all")
        shutil.copy(root / "train" / "blue" / "0.png", root / "train" / "blue" / "dup.png")
    r = lab.api("POST", "datasets", json={"name": "ui-defects", "path": "defects"})
    assert r.status_code == 202, r.text
    ds = lab.wait_dataset(r.json()["id"])
    assert ds["status"] == "ready", ds
    counts = lab.api("GET", f"datasets/{ds['id']}/stats").json()["issue_counts"]
    assert counts["corrupt_image"] == 1 and counts["duplicate_image"] == 1, counts
    return ds


def open_tab(page, dataset_id: int) -> str:
    tab = f"#cvstudio-dataset-{dataset_id}"
    page.click(row(dataset_id))
    page.wait_for_selector(f"{tab} .cvs-ds-grid canvas[data-drawn='1']")
    return tab


def test_the_list_shows_api_datasets_and_registers_uploads_renames_and_deletes(lab, browser, tmp_path):
    # (1) a dataset made through the API is listed with its kind and id
    made = lab.api("POST", "datasets", json={"name": "ui-from-api", "path": "squares"}).json()
    page = open_lab(browser, lab)
    try:
        walk_the_sidebar(lab, page, made, tmp_path)
    finally:
        page.close()


def walk_the_sidebar(lab: Lab, page, made: dict, tmp_path: Path) -> None:
    page.wait_for_selector(f"{row(made['id'])} .cvs-row-title:text-is('ui-from-api')")
    page.wait_for_selector(f"{row(made['id'])} [data-status='ready']")
    assert "images" in page.text_content(f"{row(made['id'])} .cvs-row-sub")

    # (2) the path field: the server's message for a wrong path, then a row that gets ready
    field = f"{SIDEBAR} .cvs-ds-path-input"
    page.fill(field, "no/such/folder")
    page.click(f"{SIDEBAR} .cvs-ds-register button[type=submit]")
    page.wait_for_selector(f"{SIDEBAR} .cvs-ds-register .cvs-field-error:has-text('does not exist')")
    before = row_ids(page)
    page.fill(field, "squares")
    page.click(f"{SIDEBAR} .cvs-ds-register button[type=submit]")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#cvstudio-sidebar li[data-cvstudio-kind='dataset']\").length > n",
        arg=len(before),
    )
    (registered,) = row_ids(page) - before
    page.wait_for_selector(f"{row(registered)} [data-status='ready']")
    assert page.input_value(field) == ""
    assert lab.api("GET", f"datasets/{registered}").json()["path"].endswith("squares")

    # (3) a zip through the file input: a progress row, then the new dataset, ready
    archive = tmp_path / "ui-upload.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted((lab.root / "squares").rglob("*")):
            z.write(f, Path("ui-upload") / f.relative_to(lab.root / "squares"))
    page.evaluate(
        """() => {
        window.__progress = false;
        new MutationObserver(() => {
            if (document.querySelector('.cvs-ds-upload [role=progressbar]')) window.__progress = true;
        }).observe(document.querySelector('#cvstudio-sidebar'), {subtree: true, childList: true});
    }"""
    )
    page.set_input_files(f"{SIDEBAR} input[type=file][data-cvstudio-upload='dataset']", str(archive))
    uploaded = f"{SIDEBAR} li[data-cvstudio-kind='dataset']:has(.cvs-row-title:text-is('ui-upload'))"
    page.wait_for_selector(f"{uploaded} [data-status='ready']")
    assert page.evaluate("window.__progress")
    assert page.query_selector(".cvs-ds-upload") is None
    upload_id = page.get_attribute(uploaded, "data-cvstudio-id")
    shoot(page, "datasets-sidebar")

    # rename inline: a taken name shows the server's 409 in the row, a free one is saved
    page.hover(row(upload_id))
    page.click(f"{row(upload_id)} .cvs-ds-tool[data-act='rename']")
    page.fill(f"{row(upload_id)} input.cvs-ds-rename", "ui-from-api")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{row(upload_id)} .cvs-error:has-text('ui-from-api')")
    page.fill(f"{row(upload_id)} input.cvs-ds-rename", "ui-renamed")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{row(upload_id)} .cvs-row-title:text-is('ui-renamed')")
    assert lab.api("GET", f"datasets/{upload_id}").json()["name"] == "ui-renamed"

    # delete, with its unpacked files (offered since the studio unpacked them)
    path = Path(lab.api("GET", f"datasets/{upload_id}").json()["path"])
    assert path.exists()
    page.hover(row(upload_id))
    page.click(f"{row(upload_id)} .cvs-ds-tool[data-act='delete']")
    page.check(".jp-Dialog input[type=checkbox]")
    page.click(".jp-Dialog button.jp-mod-warn")
    page.wait_for_selector(row(upload_id), state="detached")
    assert lab.api("GET", f"datasets/{upload_id}").status_code == 404
    assert not path.exists()
    # a registered folder's files are never offered for deletion
    page.hover(row(registered))
    page.click(f"{row(registered)} .cvs-ds-tool[data-act='delete']")
    page.wait_for_selector(".jp-Dialog")
    assert page.query_selector(".jp-Dialog input[type=checkbox]") is None
    page.click(".jp-Dialog button.jp-mod-reject")


def test_the_tab_draws_thumbnails_filters_by_defect_and_shows_the_clicked_image(lab, page, defects):
    tab = open_tab(page, defects["id"])
    page.wait_for_function(f"document.querySelectorAll(\"{tab} .cvs-ds-grid canvas[data-drawn='1']\").length >= 40")
    assert len(thumbs(page, tab)) == 48  # the first page of 50 images
    assert page.text_content(f"{tab} .cvs-ds-title h2") == "ui-defects"
    page.wait_for_selector(f"{tab} [data-histogram], {tab} .cvs-ds-card:has-text('All images are 16×16')")
    shoot(page, "dataset-tab-light")

    # any defect, then one kind: the grid shows exactly the images with it
    page.select_option(f"{tab} select[name='defect']", "any")
    page.wait_for_function(f"document.querySelectorAll('{tab} .cvs-ds-thumb').length === 2")
    assert sorted(thumbs(page, tab)) == ["train/blue/dup.png", "train/red/broken.png"]
    page.click(f"{tab} .cvs-ds-kind[data-kind='duplicate_image']")
    page.wait_for_function(f"document.querySelectorAll('{tab} .cvs-ds-thumb').length === 1")
    assert thumbs(page, tab) == ["train/blue/dup.png"]
    assert page.input_value(f"{tab} select[name='defect']") == "duplicate_image"

    # the full image of the clicked thumbnail, and of the next one after a quick step
    thumb = f"{tab} .cvs-ds-thumb[data-file='train/blue/dup.png']"
    image_id = page.get_attribute(thumb, "data-image-id")
    page.click(thumb)
    page.wait_for_selector(f"{tab} .cvs-ds-stage canvas[data-image-id='{image_id}'][data-drawn='1']")
    assert page.text_content(f"{tab} .cvs-ds-viewer-file") == "train/blue/dup.png"
    assert "16×16 px" in page.text_content(f"{tab} .cvs-ds-viewer-facts")
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{tab} .cvs-ds-viewer", state="hidden")

    page.select_option(f"{tab} select[name='defect']", "")
    page.wait_for_function(f"document.querySelectorAll('{tab} .cvs-ds-thumb').length === 48")
    files = thumbs(page, tab)
    page.click(f"{tab} .cvs-ds-thumb[data-index='3']")
    page.keyboard.press("ArrowRight")  # before the first image arrived
    page.wait_for_selector(f"{tab} .cvs-ds-stage canvas[data-drawn='1']")
    assert page.text_content(f"{tab} .cvs-ds-viewer-file") == files[4]
    shown = page.get_attribute(f"{tab} .cvs-ds-stage canvas", "data-image-id")
    assert shown == page.get_attribute(f"{tab} .cvs-ds-thumb[data-index='4']", "data-image-id")
    assert page.eval_on_selector_all(f"{tab} .cvs-ds-stage canvas", "els => els.length") == 1

    # an issue in the defect list opens its own image
    page.keyboard.press("Escape")
    page.click(f"{tab} button.cvs-ds-issue:has-text('broken.png')")
    page.wait_for_selector(f"{tab} .cvs-ds-viewer:not([hidden])")
    assert page.text_content(f"{tab} .cvs-ds-viewer-file") == "train/red/broken.png"
    page.wait_for_selector(f"{tab} .cvs-ds-stage .cvs-error")


def test_a_fixed_version_is_listed_and_its_tab_says_which_it_is(lab, page, defects):
    """A version made through the API (the defects dropped) has its own row and tab, which
    say its version and the operation that made it, and show no defect left."""
    steps = [{"op": "drop_images", "defects": ["corrupt_image"]}, {"op": "dedupe"}]
    job = lab.api("POST", f"datasets/{defects['id']}/fix", json={"steps": steps}).json()
    for _ in range(200):
        job = lab.api("GET", f"datasets/jobs/{job['job_id']}").json()
        if job["status"] != "running":
            break
        page.wait_for_timeout(50)
    assert job["status"] == "completed", job
    fixed = job["result"]["dataset_id"]
    page.click(f"{SIDEBAR} [title='Refresh the datasets']")  # the list polls only what is indexing
    page.wait_for_selector(f"{row(fixed)} .cvs-row-title:text-is('ui-defects v2')")
    tab = open_tab(page, fixed)
    assert page.text_content(f"{tab} .cvs-ds-title h2") == "ui-defects v2"
    facts = dict(zip(page.eval_on_selector_all(f"{tab} .cvs-ds-facts dt", "els => els.map(e => e.textContent)"),
                     page.eval_on_selector_all(f"{tab} .cvs-ds-facts dd", "els => els.map(e => e.textContent)")))  # fmt: skip
    assert (facts["version"], facts["made by"], facts["images"]) == ("2", "fix", "48"), facts
    page.wait_for_function(f"document.querySelectorAll('{tab} .cvs-ds-thumb').length === 48")
    assert page.is_disabled(f"{tab} select[name='defect']")  # no defect left to filter by
    shoot(page, "dataset-tab-version")


def test_the_augmentation_preview_draws_samples_and_shows_the_servers_422(lab, browser, defects):
    page = open_lab(browser, lab, dark=True)
    try:
        tab = open_tab(page, defects["id"])
        page.wait_for_selector(f"{tab} .cvs-ds-aug-image b")  # the first image, by default
        page.select_option(f"{tab} .cvs-ds-augment select", label="Color jitter")
        assert "ColorJitter" in page.input_value(f"{tab} .cvs-ds-pipeline")
        page.click(f"{tab} .cvs-ds-aug-run button.cvs-primary")
        page.wait_for_function(
            f"document.querySelectorAll(\"{tab} .cvs-ds-samples canvas[data-sample][data-drawn='1']\").length === 4"
        )
        page.wait_for_selector(f"{tab} .cvs-ds-samples canvas:not([data-sample])[data-drawn='1']")  # the original
        shoot(page, "dataset-tab-dark")

        page.fill(f"{tab} .cvs-ds-pipeline", '[{"type": "NoSuchTransform", "p": 1}]')
        assert page.input_value(f"{tab} .cvs-ds-augment select") == "custom"
        page.click(f"{tab} .cvs-ds-aug-run button.cvs-primary")
        page.wait_for_selector(f"{tab} .cvs-ds-aug-error:has-text('NoSuchTransform')")
        assert page.query_selector(f"{tab} .cvs-ds-samples canvas") is None
        page.fill(f"{tab} .cvs-ds-pipeline", "[{not json")
        page.click(f"{tab} .cvs-ds-aug-run button.cvs-primary")
        page.wait_for_selector(f"{tab} .cvs-ds-aug-error:has-text('not valid JSON')")
    finally:
        page.close()
