"""Jupyter's own check: with unauthenticated access off, no CV Studio method lacks @web.authenticated."""

from __future__ import annotations

import pytest
from jupyter_server.utils import JupyterServerAuthWarning


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["ServerApp"]["allow_unauthenticated_access"] = False
    return jp_server_config


async def test_no_auth_warning_and_routes_answer(recwarn, jp_serverapp, api):
    assert not [w for w in recwarn.list if issubclass(w.category, JupyterServerAuthWarning)]
    assert (await api.get("health")).code == 200
