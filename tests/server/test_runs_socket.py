"""The runs list socket (`ws/training`): a snapshot, then every change of the user's runs
as it happens, and deletions; what the lab's Runs section lives on."""

from __future__ import annotations

import asyncio
import json

from .test_training import body, setup, wait_for


async def next_about(ws, run_id: int, test, timeout: float = 60) -> dict:
    """The next message about `run_id` for which `test(message)` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        assert loop.time() < end, f"no such message about run {run_id}"
        message = json.loads(await asyncio.wait_for(ws.read_message(), end - loop.time()))
        if message["data"].get("id") == run_id and test(message):
            return message


async def test_the_runs_socket_sends_a_snapshot_then_every_change(api, jp_root_dir, jp_ws_fetch):
    ds, model = await setup(api, jp_root_dir)
    first = (await api.post("training", body(ds, model, epochs=1))).json
    await wait_for(api, first["id"], ("completed",))
    ws = await jp_ws_fetch("cvstudio", "api", "ws", "training")
    snapshot = json.loads(await ws.read_message())
    assert snapshot["type"] == "runs"
    assert [r["id"] for r in snapshot["data"]["items"]] == [first["id"]]
    assert snapshot["data"]["items"][0]["status"] == "completed"

    run = (await api.post("training", body(ds, model, epochs=500))).json
    created = await next_about(ws, run["id"], lambda m: m["type"] == "run")
    assert created["data"]["name"] == "squares-run"
    moving = await next_about(ws, run["id"], lambda m: m["data"]["status"] == "running" and m["data"]["epoch"] >= 1)
    assert moving["data"]["progress"] > 0
    assert (await api.post(f"training/{run['id']}/control", {"action": "stop"})).code == 200
    await next_about(ws, run["id"], lambda m: m["data"]["status"] == "stopped")
    assert (await api.delete(f"training/{run['id']}")).code == 204
    gone = await next_about(ws, run["id"], lambda m: m["type"] == "deleted")
    assert gone["data"] == {"id": run["id"]}
    ws.close()
