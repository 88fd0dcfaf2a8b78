"""A real JupyterLab with the CV Studio lab extension, and Chromium on it, for the
sidebar's browser tests: one server per base_url and one browser per package;
each test gets a fresh page on `/lab?reset`.

Screenshots a test keeps (`shoot`) go to $CVSTUDIO_UI_SHOTS, default tests/ui/shots/."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from cvstudio_widgets.private import PrivateServer, start_private_server

from ...server.test_training import colour_squares

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(os.environ.get("CVSTUDIO_UI_SHOTS") or Path(__file__).parent.parent / "shots")
SIDEBAR = "li[data-id='cvstudio-sidebar']"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


@dataclass
class Lab:
    server: PrivateServer
    root: Path
    base_url: str

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        """A call to the API with the server's token; raises on a 5xx."""
        headers = {"Authorization": f"token {self.server.token}", **kw.pop("headers", {})}
        r = requests.request(method, f"{self.url}cvstudio/api/{path}", headers=headers, timeout=60, **kw)
        assert r.status_code < 500, r.text
        return r

    def wait_dataset(self, dataset_id: int, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            ds = self.api("GET", f"datasets/{dataset_id}").json()
            if ds["status"] != "indexing":
                return ds
            assert time.monotonic() < deadline, ds
            time.sleep(0.2)


def start_lab(base: Path, base_url: str = "/") -> Lab:
    root = base / "root"
    root.mkdir(parents=True)
    colour_squares(root / "squares")
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    server = start_private_server(
        root,
        data_dir=base / "data",
        base_url=base_url,
        extra_args=[
            f"--LabApp.user_settings_dir={base / 'settings'}",
            f"--LabApp.workspaces_dir={base / 'ws'}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the theme switch, scripts
        ],
        env={"CVSTUDIO_TRAINING_STEP_DELAY": "0.05", "CVSTUDIO_SERVER_URL": "", "JPY_PARENT_PID": ""},
    )
    return Lab(server, root, base_url)


def open_lab(browser, lab: Lab, *, dark: bool = False, viewport=(1400, 900)):
    """A new page on /lab?reset with the CV Studio sidebar shown."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(60_000)
    page.goto(f"{lab.url}lab?reset&token={lab.server.token}")
    page.wait_for_selector(SIDEBAR)
    # the theme is a lab setting, kept across pages: set it either way
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})")
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{str(not dark).lower()}'")
    page.click(SIDEBAR)
    page.wait_for_selector("#cvstudio-sidebar:visible")
    return page


def shoot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def fill_new_run(form, dataset_id: int, model_id: int, name: str, epochs: int) -> None:
    """The New Run form (`#cvstudio-new-run`) filled for a graph model on the CPU, batch 8."""
    form.locator("select[name='dataset_id']").select_option(str(dataset_id))
    form.locator("select[aria-label='Model source']").select_option("graph")
    form.locator("select[name='model.model_id']").select_option(str(model_id))
    form.locator("input[name='name']").fill(name)
    form.locator("input[name='hyperparameters.epochs']").fill(str(epochs))
    form.locator("input[name='hyperparameters.batch_size']").fill("8")
    form.locator("select[name='resources.device']").select_option("cpu")


def write_notebook(path: Path, cells: list[str]) -> None:
    """A Python 3 notebook of code cells, to open in the lab."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(metadata={"kernelspec": kernelspec}, cells=[new_code_cell(c) for c in cells]), path)


@contextmanager
def notebook_page(lab: Lab, name: str, viewport: tuple[int, int], timeout_ms: int = 60_000) -> Iterator[Any]:
    """Chromium on the lab's notebook `name`, every cell run (Run All Cells); the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        page.set_default_timeout(timeout_ms)
        page.goto(f"{lab.url}lab/tree/{name}?token={lab.server.token}&reset")
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            yield page
        finally:
            browser.close()
