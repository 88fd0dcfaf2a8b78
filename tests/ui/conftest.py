"""Browser tests: on a failure a screenshot goes to $CVSTUDIO_UI_SHOTS (if set)."""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    folder = os.environ.get("CVSTUDIO_UI_SHOTS")
    page = item.funcargs.get("page")
    if folder and report.failed and page is not None:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{item.name}.png"), full_page=True)


# Playwright's sync API drives its own event loop; these tests run no in-process server,
# so pytest-jupyter's per-test loop and server cleanup are turned off here.
@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield
