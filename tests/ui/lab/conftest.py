"""Fixtures of the lab extension's browser tests: one JupyterLab and one Chromium for the
package (torn down before the widget tests start their own Playwright), a fresh page per
test."""

from __future__ import annotations

import pytest

from .helpers import CHROMIUM, CHROMIUM_ARGS, open_lab, start_lab


@pytest.fixture(scope="package")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("lab"))
    yield lab
    lab.server.stop()


@pytest.fixture(scope="package")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, lab):
    page = open_lab(browser, lab)
    yield page
    page.close()
