"""Many writers at once on SQLite and on PostgreSQL, through a real server: every answer is the one a lone
request would get (201 once then 409 for one name, every PUT a new version, every weight
upload its own version), never 500 and never "database is locked"."""

from __future__ import annotations

import io
import threading
from collections import Counter

import pytest
import torch

from cvstudio_ext.engine.models_factory import build_model
from cvstudio_widgets import Client, StudioAPIError
from cvstudio_widgets.private import start_private_server

from .server.test_training import SMALL


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    db = (
        [] if request.param == "sqlite" else [f"--CVStudio.db_url={request.getfixturevalue('postgres').new_database()}"]
    )
    srv = start_private_server(root, data_dir=root / "data", extra_args=db)
    yield srv
    srv.stop()
    log = srv.log.read_text(errors="replace")
    assert "Traceback" not in log and "database is locked" not in log


def at_once(server, n: int, call) -> Counter:
    """Run `call(client, i)` in n threads released together; count the statuses."""
    codes: Counter = Counter()
    start = threading.Barrier(n)

    def one(i: int) -> None:
        client = Client(server.url, server.token)
        start.wait()
        try:
            call(client, i)
            codes["ok"] += 1
        except StudioAPIError as exc:
            codes[exc.status] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_concurrent_writers_get_the_answers_a_lone_writer_would(server):
    codes = at_once(server, 24, lambda c, i: c.post("models", {"name": "same", "graph": SMALL}))
    assert codes == Counter({409: 23, "ok": 1})
    client = Client(server.url, server.token)
    model = client.get("models")["items"][0]
    codes = at_once(server, 24, lambda c, i: c.put(f"models/{model['id']}", {"description": f"v{i}"}))
    assert codes == Counter({"ok": 24})
    assert client.get(f"models/{model['id']}")["version"] == 25
    assert [v["version"] for v in client.get(f"models/{model['id']}/versions")["items"]] == list(range(1, 26))

    buf = io.BytesIO()
    torch.save(build_model(f"graph:{model['id']}", 2, graph=SMALL).state_dict(), buf)
    data = buf.getvalue()
    params = {"name": "w", "architecture": f"graph:{model['id']}", "classes": "a,b", "input_size": "16"}
    codes = at_once(
        server,
        8,
        lambda c, i: c.upload("weights/upload", io.BytesIO(data), len(data), "application/octet-stream", **params),
    )
    assert codes == Counter({"ok": 8})
    assert sorted(w["version"] for w in client.get("weights")["items"]) == list(range(1, 9))
