"""CV Studio on the single-user servers of a real JupyterHub: identity from the hub, the
API's own 403 for anonymous callers, the hub's scope check against another user's
token on every route and socket, each user's rows kept apart in the one shared
PostgreSQL, and the notebook client finding its server under the hub."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.parse
import uuid

import pytest
import websocket

from cvstudio_ext.handlers import routes

from ..conftest import Response
from ..server.test_auth import concrete_path, implemented
from .fake_nvml.pynvml import UUID as FAKE_GPU
from .hub import Hub

SOCKETS = {"ws/system", "ws/training", "ws/training/1"}


def route_calls() -> list[tuple[str, str]]:
    """(method, path under cvstudio/api/) for every method of every route, ids filled with 1."""
    calls = []
    for pattern, handler in routes():
        path = concrete_path(pattern, "/").removeprefix("/cvstudio/api/")
        calls += [(method, path) for method in implemented(handler)]
    return calls


def socket_url(hub: Hub, user: str, path: str) -> str:
    return hub.server_url(user).replace("http://", "ws://", 1) + f"cvstudio/api/{path}"


def handshake(hub: Hub, user: str, path: str, token: str | None) -> int:
    """The status a WebSocket handshake gets (101 when it opens)."""
    header = [f"Authorization: token {token}"] if token else []
    try:
        ws = websocket.create_connection(socket_url(hub, user, path), header=header, timeout=30)
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code
    ws.close()
    return 101


def assert_json_403(r, what) -> None:
    assert r.code == 403, (what, r)
    assert r.headers["Content-Type"].startswith("application/json"), (what, r.headers)
    error = r.json["error"]
    assert {"code", "message", "details"} <= set(error) and error["message"], (what, r)


def assert_refused_everywhere(hub: Hub, user: str, token: str | None) -> int:
    """Every method of every route of `user`'s server answers `token` with the API's
    JSON 403: through the proxy, and again on one kept-alive connection straight to the
    server, as the proxy pools them (an answer that drops its connection without
    `Connection: close` would break the request after it: the proxy answers that 503).
    The number of calls made."""
    calls = route_calls()
    for method, path in calls:
        body = {} if method in ("POST", "PUT", "PATCH") else None
        assert_json_403(hub.api(user, method, path, body, token=token), (method, path))
    server = urllib.parse.urlsplit(hub.server_environ(user)["JUPYTERHUB_SERVICE_URL"])
    conn = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
    auth = {"Authorization": f"token {token}"} if token else {}
    before = None
    try:
        for method, path in calls:
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            headers = {**auth, "Content-Type": "application/json"} if body else auth
            try:
                conn.request(method, f"{server.path}cvstudio/api/{path}", body=body, headers=headers)
                resp = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                pytest.fail(f"{before} closed its kept-alive connection without Connection: close: {exc!r}")
            assert_json_403(Response(resp.status, resp.read(), resp.headers), (method, path))
            before = (method, path)
    finally:
        conn.close()
    return 2 * len(calls)


def test_me_is_the_hub_user(hub):
    for user in ("alice", "bob"):
        r = hub.api(user, "GET", "me")
        assert r.code == 200, r
        assert r.json["username"] == user and r.json["owner"] == user


def test_every_route_refuses_anonymous_with_json_403_never_a_redirect(hub):
    calls = route_calls()
    assert len(calls) >= 40 and SOCKETS <= {path for _, path in calls}
    assert_refused_everywhere(hub, "alice", None)
    for path in SOCKETS:
        assert handshake(hub, "alice", path, None) == 403, path


def test_another_users_token_is_refused_on_every_route_and_socket(hub):
    bob = hub.tokens["bob"]
    assert hub.api("bob", "GET", "me").code == 200  # the token is good: on bob's own server
    refusals = hub.log(tail=None).count("Not allowing user bob")
    calls = assert_refused_everywhere(hub, "alice", bob)
    for path in SOCKETS:
        assert handshake(hub, "alice", path, bob) == 403, path
    # each one refused by the hub's access-scope check (alice's server logs it), before
    # any CV Studio code runs
    assert hub.log(tail=None).count("Not allowing user bob") - refusals == calls + len(SOCKETS)
    # and the handshake itself is right: alice's own token opens the sockets
    assert handshake(hub, "alice", "ws/system", hub.tokens["alice"]) == 101
    assert handshake(hub, "alice", "ws/training", hub.tokens["alice"]) == 101


def test_each_user_trains_and_sees_only_their_own_rows(hub, trained):
    alice, bob = trained["alice"], trained["bob"]
    assert alice["dataset"]["id"] != bob["dataset"]["id"]  # one database, names per owner
    for user, other in (("alice", "bob"), ("bob", "alice")):
        mine, theirs = trained[user], trained[other]
        datasets = hub.api(user, "GET", "datasets").json["items"]
        assert [d["id"] for d in datasets] == [mine["dataset"]["id"]], (user, datasets)
        runs = hub.api(user, "GET", "training").json["items"]
        assert [r["id"] for r in runs] == [mine["run"]["id"]], (user, runs)
        weights = hub.api(user, "GET", "weights").json["items"]
        assert [w["id"] for w in weights] == [mine["run"]["weight_id"]], (user, weights)
        for path in (
            f"datasets/{theirs['dataset']['id']}",
            f"training/{theirs['run']['id']}",
            f"weights/{theirs['run']['weight_id']}",
        ):
            r = hub.api(user, "GET", path)
            assert r.code == 404 and r.json["error"]["code"].endswith("not_found"), (user, path, r)
    # nor can one user's server read the other's home: it is outside the dataset roots
    r = hub.api("alice", "POST", "datasets", {"name": "bobs", "path": str(hub.home("bob") / "squares")})
    assert r.code == 403 and r.json["error"]["code"] == "path_not_allowed", r
    # every run's files went to the one shared data directory
    assert {p.name for p in (hub.data_dir / "runs").iterdir()} >= {str(alice["run"]["id"]), str(bob["run"]["id"])}


def test_the_servers_see_the_machines_one_fake_gpu(hub):
    for user in hub.users:
        gpus = hub.api(user, "GET", "system").json["gpus"]
        assert [g["uuid"] for g in gpus] == [FAKE_GPU], (user, gpus)


CLIENT = """
import json
from cvstudio_widgets.client import Client
client = Client()
print(json.dumps({"source": client.server.source, "url": client.server.url, "me": client.get("me")}))
"""


def test_the_notebook_client_finds_its_server_from_jupyterhub_variables(hub):
    service_url = hub.server_environ("alice")["JUPYTERHUB_SERVICE_URL"]  # what the hub gave the server
    env = {"JUPYTERHUB_SERVICE_URL": service_url, "JUPYTERHUB_API_TOKEN": hub.tokens["alice"]}
    done = subprocess.run([sys.executable, "-c", CLIENT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["source"] == "JupyterHub" and found["url"] == service_url
    assert found["me"]["owner"] == "alice"


def run_in_kernel(hub: Hub, user: str, code: str) -> str:
    """Run `code` in a new kernel of `user`'s server (the kernels API and its channels
    socket, as JupyterLab does) and return what it printed."""
    r = hub.session.post(
        f"{hub.server_url(user)}api/kernels", json={}, headers={"Authorization": f"token {hub.tokens[user]}"}
    )
    assert r.status_code == 201, r.text
    kernel = r.json()["id"]
    url = hub.server_url(user).replace("http://", "ws://", 1) + f"api/kernels/{kernel}/channels"
    ws = websocket.create_connection(url, header=[f"Authorization: token {hub.tokens[user]}"], timeout=60)
    try:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "session": msg_id,
            "username": user,
            "version": "5.3",
        }
        content = {"code": code, "silent": False, "store_history": False, "allow_stdin": False}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        ws.send(json.dumps(message))
        out = []
        while True:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            assert kind != "error", "\n".join(content["traceback"])
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            if kind == "status" and content["execution_state"] == "idle":
                return "".join(out)
    finally:
        ws.close()
        hub.session.delete(
            f"{hub.server_url(user)}api/kernels/{kernel}", headers={"Authorization": f"token {hub.tokens[user]}"}
        )


def test_the_notebook_client_in_a_kernel_of_the_users_server(hub):
    found = json.loads(run_in_kernel(hub, "alice", CLIENT).strip().splitlines()[-1])
    # the kernel's own server (found through its runtime file, with the server's hub token)
    assert found["url"] == hub.server_environ("alice")["JUPYTERHUB_SERVICE_URL"], found
    assert found["me"]["owner"] == "alice", found
