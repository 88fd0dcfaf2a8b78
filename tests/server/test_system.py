"""System monitor: the snapshot over HTTP, and several sockets fed by one sampler."""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

KEYS = {"cpu", "memory", "disk", "gpus", "runs", "cluster"}


async def test_snapshot(api):
    r = await api.get("system")
    assert r.code == 200
    snap = r.json
    assert set(snap) == KEYS
    assert snap["cpu"]["count"] >= 1 and 0 <= snap["memory"]["percent"] <= 100
    assert (
        snap["disk"]["total"] > 0 and snap["gpus"] == [] and snap["runs"] == {"running": 0, "queued": 0}
    )  # no runs yet
    assert snap["cluster"] is None  # local processes: no cluster (tests/ray/test_ray_system.py has one)


async def test_sockets_share_one_sampler(jp_ws_fetch, jp_serverapp):
    sockets = [await jp_ws_fetch("cvstudio", "api", "ws", "system", params={"interval": "0.25"}) for _ in range(3)]
    received = [[json.loads(await ws.read_message()) for _ in range(3)] for ws in sockets]
    for messages in received:
        assert all(m["type"] == "system" and set(m["data"]) == KEYS and m["data"]["cluster"] is None for m in messages)
    sampler = jp_serverapp.web_app.settings["cvstudio_sampler"]
    # nine messages went out; one sampler took far fewer samples than that
    assert 3 <= sampler.samples < 9
    for ws in sockets:
        ws.close()
    for _ in range(50):
        if sampler._task is None:
            break
        await asyncio.sleep(0.05)
    assert sampler._task is None  # nobody listens: sampling stops


async def test_socket_needs_a_token_and_a_sane_interval(jp_ws_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_ws_fetch("cvstudio", "api", "ws", "system", headers={"Authorization": ""})
    assert err.value.code == 403
    with pytest.raises(HTTPClientError) as err:
        await jp_ws_fetch("cvstudio", "api", "ws", "system", params={"interval": "0"})
    assert err.value.code == 422
