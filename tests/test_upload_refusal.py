"""An upload over the limit is refused in a way every common client can read: curl (which
sends `Expect: 100-continue`) gets the 413 before sending the body; urllib and requests,
which send the whole body first, get it after the server has drained it; the notebook
client refuses before sending at all. Each against a real server over a real socket."""

from __future__ import annotations

import io
import json
import subprocess
import urllib.error
import urllib.request

import pytest
import requests

from cvstudio_widgets import Client, StudioAPIError
from cvstudio_widgets.private import start_private_server

LIMIT = 1 << 20
BODY = b"\0" * (3 * LIMIT)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    srv = start_private_server(root, data_dir=root / "data", extra_args=[f"--CVStudio.max_upload_size={LIMIT}"])
    srv.data_dir = root / "data"
    yield srv
    srv.stop()


def upload_url(server) -> str:
    return f"{server.url}cvstudio/api/datasets/upload?name=big"


def assert_413(status: int, body: bytes) -> None:
    assert status == 413, (status, body[:300])
    error = json.loads(body)["error"]
    assert error["code"] == "upload_too_large" and str(LIMIT) in error["message"]


def tmp_is_empty(server) -> None:
    assert list((server.data_dir / "tmp").iterdir()) == []


def test_urllib_reads_the_413(server):
    req = urllib.request.Request(
        upload_url(server),
        data=BODY,
        method="POST",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/zip"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=60)
    assert_413(err.value.code, err.value.read())
    tmp_is_empty(server)


def test_requests_reads_the_413_even_for_a_body_of_unknown_length(server):
    headers = {"Authorization": f"token {server.token}", "Content-Type": "application/zip"}
    r = requests.post(upload_url(server), data=BODY, headers=headers, timeout=60)
    assert_413(r.status_code, r.content)
    chunks = (BODY[i : i + 65536] for i in range(0, len(BODY), 65536))  # chunked: no Content-Length to judge by
    r = requests.post(upload_url(server), data=chunks, headers=headers, timeout=60)
    assert_413(r.status_code, r.content)
    tmp_is_empty(server)


def test_a_refusal_for_another_reason_also_arrives_after_the_body(server):
    headers = {"Authorization": f"token {server.token}", "Content-Type": "text/plain"}
    r = requests.post(upload_url(server), data=BODY[:LIMIT], headers=headers, timeout=60)
    assert r.status_code == 415, r.text


def test_curl_gets_the_413_before_sending(server, tmp_path):
    big = tmp_path / "big.zip"
    big.write_bytes(BODY)
    out = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{size_upload}", "-X", "POST",
         "-H", f"Authorization: token {server.token}", "-H", "Content-Type: application/zip",
         "-H", "Expect: 100-continue", "--data-binary", f"@{big}", upload_url(server)],
        capture_output=True, timeout=60,
    )  # fmt: skip
    body, _, tail = out.stdout.rpartition(b"\n")
    status, uploaded = tail.decode().split()
    assert_413(int(status), body)
    assert int(float(uploaded)) < len(BODY) // 2, "curl sent the body although the server had refused it"


def test_the_notebook_client_refuses_before_sending(server):
    class Unreadable(io.RawIOBase):
        def read(self, *_):
            raise AssertionError("the body was read, so it was being sent")

    client = Client(server.url, server.token)
    assert client.get("health")["max_upload_size"] == LIMIT
    with pytest.raises(StudioAPIError) as err:
        client.upload("datasets/upload", Unreadable(), len(BODY), "application/zip", name="big")
    assert err.value.status == 413 and str(LIMIT) in err.value.message
