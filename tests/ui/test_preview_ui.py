"""DatasetPreview in a real JupyterLab, a real kernel and Chromium: captions, the boxes and
labels toggles (drawn without the kernel, synced to it), the pipeline editor (add a
transform, change a param, reorder, remove, re-roll, a refused param), the whole page
augmented, the saved snapshot, and the widget in the light and the dark theme.

The kernel is read through the notebook's last cell (`kernel()`): it runs after every
widget message sent before it, so its answer is the kernel's state after them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from .lab.helpers import CHROMIUM, notebook_page, shoot, start_lab, write_notebook

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")

SIDE = (320, 240)  # larger than the server's 256 px thumbnails: the page's samples come back shrunk
CELLS = [
    "from cvstudio_widgets import Studio\nstudio = Studio()",
    'shapes = studio.datasets.register("shapes", progress=False)\npreview = shapes.preview(page_size=24, seed=7)\npreview',
    'squares = studio.datasets.register("squares", progress=False)\nsquares.preview(page_size=8)',
    "# the tests' scratch cell",
]
SHAPES_JS = "document.querySelectorAll('.cvs-preview')[0]"
# a fingerprint of what a canvas shows
PIXELS = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let h = 7;
  for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) >>> 0;
  return `${c.width}x${c.height}:${h}`; }"""


def shapes(root: Path, n: int = 30) -> dict[str, int]:
    """A YOLO set: squares and circles on noise, one to three a picture; boxes per file name."""
    rng = np.random.default_rng(1)
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    counts = {}
    for i in range(n):
        picture = Image.fromarray(rng.integers(0, 90, (SIDE[1], SIDE[0], 3), dtype=np.uint8))
        draw = ImageDraw.Draw(picture)
        lines = []
        for _ in range(int(rng.integers(1, 4))):
            cls = int(rng.integers(0, 2))
            w, h = (int(v) for v in rng.integers(50, 110, 2))
            x, y = int(rng.integers(0, SIDE[0] - w)), int(rng.integers(0, SIDE[1] - h))
            (draw.rectangle if cls == 0 else draw.ellipse)(
                [x, y, x + w, y + h], fill=(240, 200, 40) if cls else (40, 200, 240)
            )
            lines.append(
                f"{cls} {(x + w / 2) / SIDE[0]:.6f} {(y + h / 2) / SIDE[1]:.6f} {w / SIDE[0]:.6f} {h / SIDE[1]:.6f}"
            )
        picture.save(root / "images" / f"{i}.jpg", quality=92)
        (root / "labels" / f"{i}.txt").write_text("\n".join(lines) + "\n")
        counts[f"{i}.jpg"] = len(lines)
    (root / "data.yaml").write_text("path: .\ntrain: images\nval: images\nnames:\n  0: square\n  1: circle\n")
    return counts


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("preview"))
    lab.boxes = shapes(lab.root / "shapes")
    write_notebook(lab.root / "preview.ipynb", CELLS)
    yield lab
    lab.server.stop()


@pytest.fixture(scope="module")
def page(lab):
    with notebook_page(lab, "preview.ipynb", (1500, 1100)) as page:
        page.wait_for_function(
            "document.querySelectorAll('.cvs-preview')[0]?.querySelectorAll('canvas[data-drawn=\"1\"]').length === 24"
        )
        page.wait_for_function(
            "document.querySelectorAll('.cvs-preview')[1]?.querySelectorAll('canvas[data-drawn=\"1\"]').length === 8"
        )
        yield page


def at(selector: str, widget: int = 0) -> str:
    """`selector` inside the shapes preview (0) or the squares one (1)."""
    return f".cvs-preview >> nth={widget} >> {selector}"


def kernel(page, code: str, wait: bool = True) -> str:
    """Run `code` in the notebook's last cell; what it printed (nothing when not waited for)."""
    return page.evaluate(
        """async ([code, wait]) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          const cell = nb.widgets[nb.widgets.length - 1];
          cell.model.sharedModel.setSource(code);
          nb.activeCellIndex = nb.widgets.length - 1;
          const done = window.jupyterapp.commands.execute('notebook:run-cell');
          if (!wait) return '';
          await done;
          return cell.model.outputs.toJSON().map((o) => o.text ?? (o.ename ? `${o.ename}: ${o.evalue}` : '')).join('');
        }""",
        [code, wait],
    )


def state(page, *names: str) -> dict:
    """Traits of the shapes preview as the kernel has them now."""
    return json.loads(
        kernel(page, f"import json; print(json.dumps({{n: getattr(preview, n) for n in {list(names)}}}))")
    )


def kernel_has(page, **want) -> dict:
    """Wait until the kernel's traits are `want` (ipywidgets holds back a model's next
    message while the kernel is busy with its last one, so a cell can overtake it)."""
    deadline = time.monotonic() + 30
    while (now := state(page, *want)) != want:
        assert time.monotonic() < deadline, (now, want)
        time.sleep(0.2)
    return now


def settled(page) -> None:
    """The kernel has run a cell after the widget messages sent so far, and the page drew what came back."""
    kernel(page, "pass")
    page.wait_for_function(f"[...{SHAPES_JS}.querySelectorAll('canvas')].every((c) => c.dataset.drawn === '1')")


def pixels(page, selector: str) -> str:
    return page.eval_on_selector(selector, PIXELS)


def cells(page) -> list[dict]:
    return page.eval_on_selector_all(
        at(".cvs-cell"),
        """cs => cs.map((c) => { const k = c.querySelector('canvas');
          return { file: c.title.split('/').pop(), augmented: c.dataset.augmented, drawn: k.dataset.drawn,
                   boxes: Number(k.dataset.boxes), labels: Number(k.dataset.labels), width: k.width }; })""",
    )


def every_canvas(page, condition: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"[...{SHAPES_JS}.querySelectorAll('canvas')].every((c) => c.dataset.drawn === '1' && {condition})",
        timeout=timeout,
    )


def settled_pixels(page, selector: str, before: str, why: str) -> str:
    """What `selector` shows once the kernel has answered, asserted to differ from `before`."""
    settled(page)
    now = pixels(page, selector)
    assert now != before, why
    return now


def param(step: str, name: str):
    return f"{step} >> .cvs-aug-param[data-param='{name}'] input"


def test_captions_name_the_clicked_image_with_its_size_and_boxes(page, lab):
    for nth in (0, 1, 0):
        cell = page.locator(at(".cvs-cell")).nth(nth)
        name = cell.get_attribute("title").split("/")[-1]
        cell.click()
        want = f"{name} {SIDE[0]}×{SIDE[1]}, {lab.boxes[name]} boxes"
        page.wait_for_selector(at(f".cvs-full-info:has-text('{want}')"))
        page.wait_for_selector(at(f".cvs-full-image[data-drawn='1'][data-boxes='{lab.boxes[name]}']"))
        assert page.get_attribute(at(".cvs-cell.cvs-selected"), "title").endswith(name)
    # a classification set names the class in each caption
    assert page.locator(at(".cvs-caption", 1)).first.inner_text().split(" · ")[0] in ("red", "blue")


def test_boxes_and_labels_toggles_redraw_at_once_and_reach_the_kernel(page, lab):
    settled(page)
    before = cells(page)
    assert all(c["boxes"] == lab.boxes[c["file"]] == c["labels"] for c in before)
    first = at(".cvs-cell canvas >> nth=0")
    with_names = pixels(page, first)
    # the kernel sleeps: a redraw that needed it would wait 4 s
    kernel(page, "import time; time.sleep(4)", wait=False)
    started = time.monotonic()
    page.uncheck(at(".cvs-bar label:has-text('labels') input"))
    every_canvas(page, "c.dataset.labels === '0'", timeout=3000)
    assert time.monotonic() - started < 3, "the labels toggle waited for the kernel"
    frames_only = pixels(page, first)
    assert frames_only != with_names
    assert [c["boxes"] for c in cells(page)] == [c["boxes"] for c in before]
    page.uncheck(at(".cvs-bar label:has-text('boxes') input"))
    every_canvas(page, "c.dataset.boxes === '0'", timeout=3000)
    bare = pixels(page, first)
    assert bare not in (frames_only, with_names)
    kernel_has(page, show_boxes=False, show_labels=False)
    # the saved snapshot shows what the page shows
    snapshot = "h = preview.snapshot_html(); print(h.count('<rect'), h.count('</text>'))"
    assert kernel(page, snapshot).split() == ["0", "0"]
    # the kernel sets them too
    kernel(page, "preview.show_boxes = True")
    every_canvas(page, "c.dataset.boxes !== '0' && c.dataset.labels === '0'")
    assert pixels(page, first) == frames_only
    assert kernel(page, snapshot).split() == [str(sum(c["boxes"] for c in before)), "0"]
    page.check(at(".cvs-bar label:has-text('labels') input"))
    every_canvas(page, "c.dataset.labels === c.dataset.boxes")
    assert pixels(page, first) == with_names
    assert kernel(page, snapshot).split() == [str(sum(c["boxes"] for c in before))] * 2
    # a classification set's captions lose the class with the labels
    page.uncheck(at(".cvs-bar label:has-text('labels') input", 1))
    page.wait_for_function(
        "!document.querySelectorAll('.cvs-preview')[1].querySelector('.cvs-caption').textContent.includes(' · ')"
    )
    page.check(at(".cvs-bar label:has-text('labels') input", 1))


def test_editing_the_pipeline_changes_the_augmented_image(page, lab):
    page.check(at(".cvs-bar label:has-text('augmented') input"))
    page.wait_for_selector(at(".cvs-aug-step[data-type='RandomBrightnessContrast']"))
    page.wait_for_selector(at(".cvs-aug-picker option[value='VerticalFlip']"), state="attached")
    augmented = at(".cvs-augmented")
    first = settled_pixels(page, augmented, "", "no augmented image")
    # a transform from the catalogue comes with its defaults
    page.select_option(at(".cvs-aug-picker"), "VerticalFlip")
    flip = at(".cvs-aug-step[data-step='2'][data-type='VerticalFlip']")
    field = page.locator(param(flip, "p"))
    assert field.input_value() == "0.5"
    field.fill("")
    field.press_sequentially("1")  # key by key: a digit in a field is no notebook shortcut
    field.press("Enter")
    pipeline = [{"type": "HorizontalFlip", "p": 0.5}, {"type": "RandomBrightnessContrast", "p": 0.8}]
    kernel_has(page, pipeline=[*pipeline, {"type": "VerticalFlip", "p": 1}])
    flipped = settled_pixels(page, augmented, first, "adding VerticalFlip with p=1 did not change the image")
    assert page.locator(".jp-Notebook .jp-Cell").count() == len(CELLS)
    assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == 0
    # a range: two fields
    bc = at(".cvs-aug-step[data-type='RandomBrightnessContrast']")
    limits = page.locator(param(bc, "brightness_limit"))
    assert [limits.nth(i).input_value() for i in range(limits.count())] == ["-0.2", "0.2"]
    limits.nth(1).fill("0.6")
    limits.nth(1).press("Tab")
    limits.nth(0).fill("0.5")
    limits.nth(0).press("Tab")
    page.fill(param(bc, "p"), "1")
    page.press(param(bc, "p"), "Enter")
    pipeline[1] = {"type": "RandomBrightnessContrast", "p": 1, "brightness_limit": [0.5, 0.6]}
    kernel_has(page, pipeline=[*pipeline, {"type": "VerticalFlip", "p": 1}])
    settled_pixels(page, augmented, flipped, "a brighter RandomBrightnessContrast changed nothing")
    # reorder and remove
    page.click(f"{flip} >> button[title='move VerticalFlip up']")
    page.wait_for_selector(at(".cvs-aug-step[data-step='1'][data-type='VerticalFlip']"))
    page.click(at("button[title='remove HorizontalFlip']"))
    page.wait_for_selector(at(".cvs-aug-step[data-type='HorizontalFlip']"), state="detached")
    kernel_has(page, pipeline=[{"type": "VerticalFlip", "p": 1}, pipeline[1]])
    # re-roll: a new seed, in the field and in the kernel, and another draw
    settled(page)
    drawn, seed = pixels(page, augmented), int(page.input_value(at(".cvs-aug-seed")))
    page.click(at("button.cvs-aug-reroll"))
    page.wait_for_function(f"{SHAPES_JS}.querySelector('.cvs-aug-seed').value !== '{seed}'")
    rolled = int(page.input_value(at(".cvs-aug-seed")))
    assert rolled != seed
    kernel_has(page, seed=rolled)
    settled_pixels(page, augmented, drawn, "re-rolling did not change the image")
    selected = state(page, "selected")["selected"]
    page.wait_for_selector(at(f".cvs-full-info:has-text('seed {rolled + selected}')"))


def test_a_refused_param_shows_the_servers_message_at_its_step(page, lab):
    step = at(".cvs-aug-step[data-step='0']")
    page.fill(param(step, "p"), "2")
    page.press(param(step, "p"), "Enter")
    page.wait_for_selector(f"{step} >> .cvs-aug-error")
    shown = page.inner_text(f"{step} >> .cvs-aug-error")
    kept = state(page, "pipeline", "selected")
    dataset = int(kernel(page, "print(shapes.id)"))
    answer = lab.api(
        "POST", f"datasets/{dataset}/augment", json={"image_id": kept["selected"], "pipeline": kept["pipeline"]}
    )
    assert answer.status_code == 422 and shown == answer.json()["error"]["message"]
    assert "step 0" in shown and "'p'" in shown
    assert page.locator(at(".cvs-aug-param.cvs-aug-invalid[data-param='p']")).count() == 1
    assert page.locator(".jp-OutputArea-output:has-text('Traceback')").count() == 0
    assert page.is_hidden(at(".cvs-preview-error"))  # said once, at the step
    shoot(page.locator(at(".cvs-aug")), "widget-preview-refused-light")
    page.fill(param(step, "p"), "1")
    page.press(param(step, "p"), "Enter")
    page.wait_for_selector(f"{step} >> .cvs-aug-error", state="detached")
    page.wait_for_selector(at(".cvs-augmented[data-drawn='1']"))


def test_the_whole_page_is_augmented(page, lab):
    settled(page)
    before = page.eval_on_selector_all(at(".cvs-cell canvas"), f"cs => cs.map({PIXELS})")
    started = time.monotonic()
    page.check(at(".cvs-aug-apply label:has-text('whole page') input"))
    page.wait_for_function(f"{SHAPES_JS}.querySelectorAll('.cvs-cell[data-augmented=\"1\"]').length === 24")
    every_canvas(page, "true")
    took = time.monotonic() - started
    after = cells(page)
    assert len(after) == 24 and all(c["augmented"] == "1" for c in after)
    assert all(c["width"] <= 256 for c in after), "a page's samples come back at the thumbnails' size"
    now = page.eval_on_selector_all(at(".cvs-cell canvas"), f"cs => cs.map({PIXELS})")
    assert all(a != b for a, b in zip(now, before)), "a thumbnail kept its original"
    assert sum(c["boxes"] for c in after) > 0 and all(c["labels"] == c["boxes"] for c in after)
    assert took < 20, f"the page took {took:.1f} s"
    # a new page is augmented as it comes
    page.click(at("button[title='next page']"))
    page.wait_for_function(
        f"{SHAPES_JS}.querySelectorAll('.cvs-cell').length === 6 && "
        f"{SHAPES_JS}.querySelectorAll('.cvs-cell[data-augmented=\"1\"]').length === 6"
    )
    page.click(at("button[title='previous page']"))
    page.wait_for_function(f"{SHAPES_JS}.querySelectorAll('.cvs-cell[data-augmented=\"1\"]').length === 24")
    assert "augmented (page" in kernel(page, "print(preview.snapshot_html()[:400])")


def test_light_and_dark_screenshots(page, lab):
    page.set_viewport_size({"width": 1500, "height": 1500})
    settled(page)
    widget = page.locator(".cvs-preview").nth(0)
    widget.scroll_into_view_if_needed()
    shoot(widget, "widget-preview-light")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)
    dark = page.evaluate(
        f"""() => {{ const el = {SHAPES_JS}; const rgb = (e, p) => getComputedStyle(e)[p].match(/\\d+/g).slice(0, 3).map(Number);
          return {{ caption: rgb(el.querySelector('.cvs-caption'), 'backgroundColor'),
                   step: rgb(el.querySelector('.cvs-aug-step'), 'backgroundColor'),
                   text: rgb(el.querySelector('.cvs-aug-name'), 'color') }}; }}"""
    )
    light = lambda c: (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255  # noqa: E731
    assert light(dark["caption"]) < 0.4 and light(dark["step"]) < 0.4 and light(dark["text"]) > 0.6, dark
    shoot(widget, "widget-preview-dark")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
