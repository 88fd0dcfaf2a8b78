"""The notebook client against a real Jupyter server in its own process: how it finds
the server, and how API errors reach Python."""

from __future__ import annotations

import pytest

from cvstudio_widgets import Client, StudioAPIError, find_server
from cvstudio_widgets.private import start_private_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    (base / "root").mkdir()
    server = start_private_server(
        base / "root", data_dir=base / "data", base_url="/user/x/", env={"JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    )
    yield {"url": server.url, "token": server.token, "pid": server.process.pid, "runtime": str(base / "runtime")}
    server.stop()


def test_explicit_server_and_json_calls(live_server):
    client = Client(live_server["url"], live_server["token"])
    assert client.get("health")["status"] == "ok"
    assert client.put("config", {"page_size": 20})["page_size"] == 20
    assert client.get("datasets", limit=5) == {"items": [], "total": 0}


def test_api_errors_become_exceptions_with_the_servers_message(live_server):
    client = Client(live_server["url"], live_server["token"])
    with pytest.raises(StudioAPIError) as err:
        client.get("datasets/424242")
    assert err.value.status == 404 and err.value.code == "dataset_not_found" and "424242" in err.value.message
    with pytest.raises(StudioAPIError) as err:
        client.put("config", {"nope": 1})
    assert err.value.status == 422 and "nope" in err.value.message
    with pytest.raises(StudioAPIError) as err:
        Client(live_server["url"], "wrong-token").get("health")
    assert err.value.status == 403


def test_finding_the_server(live_server, monkeypatch):
    for name in (
        "CVSTUDIO_SERVER_URL",
        "CVSTUDIO_TOKEN",
        "JPY_PARENT_PID",
        "JUPYTERHUB_SERVICE_URL",
        "JUPYTERHUB_API_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LookupError):
        find_server()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", live_server["runtime"])
    monkeypatch.setenv("JPY_PARENT_PID", str(live_server["pid"]))
    found = find_server()
    assert found.source == "JPY_PARENT_PID" and found.url.endswith("/user/x/") and found.token == live_server["token"]
    assert Client().get("me")["permissions"]["cvstudio"] == ["read", "write", "execute"]
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://hub.invalid/user/x")
    monkeypatch.delenv("JPY_PARENT_PID")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    assert find_server() == find_server().__class__("http://hub.invalid/user/x/", "t", "JupyterHub")
    monkeypatch.setenv("CVSTUDIO_SERVER_URL", live_server["url"])
    monkeypatch.setenv("CVSTUDIO_TOKEN", live_server["token"])
    assert find_server().source == "CVSTUDIO_SERVER_URL" and Client().get("health")["status"] == "ok"
