"""One real JupyterHub for every hub test (session scope: it takes half a minute to
come up): users alice and bob with their servers running, on one shared PostgreSQL."""

from __future__ import annotations

import time

import pytest

from ..server.test_training import SMALL, body, colour_squares
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


@pytest.fixture(scope="session")
def trained(hub):
    """Each user registers a class-folder dataset in their home (the server's root_dir)
    and trains a tiny classifier on it to completion (one after the other: the machine
    has one run slot, `max_concurrent_runs` 1, for both servers)."""
    made = {}
    for user in hub.users:
        colour_squares(hub.home(user) / "squares", per_class=8)
        r = hub.api(user, "POST", "datasets", {"name": "squares", "path": "squares"})
        assert r.code == 202, r
        made[user] = {"dataset": hub.wait_dataset(user, r.json["id"])}
        assert made[user]["dataset"]["status"] == "ready", made[user]
        model = hub.api(user, "POST", "models", {"name": "small", "graph": SMALL})
        assert model.code == 201, model
        made[user]["model"] = model.json
        r = hub.api(user, "POST", "training", body(made[user]["dataset"], model.json, epochs=1))
        assert r.code == 201, r
        made[user]["run"] = r.json
    for user in hub.users:
        made[user]["run"] = hub.wait_run(user, made[user]["run"]["id"], ("completed", "failed", "interrupted"))
        assert made[user]["run"]["status"] == "completed", (user, made[user]["run"])
    return made
