"""One real JupyterHub for every hub test (session scope: it takes half a minute to
come up): users alice and bob with their servers running, on one shared PostgreSQL."""

from __future__ import annotations

import time

import pytest

from .hub import CHP, VENV_BIN, Hub


@pytest.fixture(scope="session")
def hub(postgres, tmp_path_factory):
    """The running hub; `Hub` has the helpers (api, tokens, home, stop/kill/start_server)."""
    if not CHP.exists():
        pytest.fail(f"{CHP} is missing: run `npm ci --prefix deploy/hub` (make test does)")
    if not (VENV_BIN / "jupyterhub").exists():
        pytest.fail("jupyterhub is not installed: pip install -e '.[test]' (make test does)")
    base = tmp_path_factory.mktemp("hub")
    hub = Hub(base, postgres.new_database(), base / "cvstudio-data")
    started = time.monotonic()
    try:
        hub.start()
        print(f"\nhub and {len(hub.users)} user servers up in {time.monotonic() - started:.1f} s")
        yield hub
    finally:
        hub.stop()
