"""Faults: a server SIGKILLed in the middle of its writes, and a full disk.

After a kill, the next server on the same data directory finds an intact database, no
row pointing at a missing file, nothing left in `tmp/`, and every interrupted piece
either resumed (indexing) or cleanly gone (an upload cut short). A full disk gives a 507
that says so, or a failed run that says so, and never leaves a truncated file that would
later be taken for a whole one.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import signal
import sqlite3
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import psutil
import pytest
from PIL import Image

from cvstudio_ext.engine.storage import DISK_FULL_CODE
from cvstudio_ext.services.container import Services
from cvstudio_ext.store.models import Dataset, Run, Weight
from cvstudio_widgets import Client
from cvstudio_widgets.client import StudioAPIError
from cvstudio_widgets.private import PrivateServer, start_private_server

from .server.test_training import SMALL
from .tmpfs import fill, tmpfs

FULL_DISK = "data directory is full"


# ---- servers ---------------------------------------------------------------------------
def start(root: Path, data: Path, **env: str) -> tuple[PrivateServer, Client]:
    server = start_private_server(root, data_dir=data, env=env)
    return server, Client(server.url, server.token, timeout=30)


def sigkill(server: PrivateServer) -> None:
    """SIGKILL the server. Its idle index probes (loky workers, which only read) would
    linger for minutes: they are ended too, as this test started them."""
    children = psutil.Process(server.process.pid).children(recursive=True)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=5)


def stream(server: PrivateServer, path: str, length: int, content_type: str = "application/octet-stream"):
    """A POST whose headers are sent and whose body the caller sends, as slowly as it likes."""
    url = urlparse(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.putrequest("POST", f"{url.path}cvstudio/api/{path}")
    conn.putheader("Authorization", f"token {server.token}")
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    return conn


def post_body(server: PrivateServer, path: str, body: bytes, content_type: str) -> tuple[int, dict]:
    conn = stream(server, path, len(body), content_type)
    try:
        conn.send(body)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)
    return value


# ---- data ------------------------------------------------------------------------------
def png_bytes(seed: int, side: int = 16) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def class_folders(root: Path, per_class: int) -> Path:
    """Two class folders of `per_class` small PNGs (copies: what is slow to index is the
    number of files, not their content)."""
    for name, seed in (("a", 1), ("b", 2)):
        folder = root / name
        folder.mkdir(parents=True)
        data = png_bytes(seed)
        for i in range(per_class):
            (folder / f"{i}.png").write_bytes(data)
    return root


def dataset_zip(per_class: int, top: str = "pics") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, seed in (("a", 1), ("b", 2)):
            data = png_bytes(seed)
            for i in range(per_class):
                zf.writestr(f"{top}/{name}/{i}.png", data)
    return buf.getvalue()


def blob_zip(size: int) -> bytes:
    """A zip that unpacks to `size` incompressible bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("blob/data.bin", os.urandom(size))
    return buf.getvalue()


# ---- what must hold after any fault ----------------------------------------------------
@contextlib.contextmanager
def database(data: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(f"file:{data / 'cvstudio.db'}?mode=ro", uri=True)) as conn:
        yield conn


def assert_consistent(data: Path) -> None:
    """The database is intact and agrees with the files; `tmp/` and `pending/` are empty."""
    with database(data) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        weights = {f for (f,) in db.execute("SELECT file FROM weights")}
        datasets = db.execute("SELECT id, path, managed, status FROM datasets").fetchall()
        models = db.execute("SELECT id, version FROM models").fetchall()
        for model_id, version in models:
            versions = [v for (v,) in db.execute("SELECT version FROM model_versions WHERE model_id = ?", (model_id,))]
            assert sorted(versions) == list(range(1, version + 1)), (model_id, version, versions)
        uploaded = db.execute(
            "SELECT d.path, i.file FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.managed"
        ).fetchall()
    assert os.listdir(data / "tmp") == [] and os.listdir(data / "pending") == []
    assert weights == set(os.listdir(data / "weights"))  # no row without its file, no file without its row
    assert [d for d in datasets if d[3] == "indexing"] == []
    uploads = data / "datasets"
    assert {Path(path).relative_to(uploads.resolve()).parts[0] for _, path, managed, _ in datasets if managed} == set(
        os.listdir(uploads)
    )
    assert [file for root, file in uploaded if not (Path(root) / file).is_file()] == []


def wait_indexed(client: Client, timeout: float = 60) -> None:
    wait_for(
        lambda: all(d["status"] != "indexing" for d in client.get("datasets", limit=500)["items"]), timeout, "indexing"
    )


# ---- a killed server -------------------------------------------------------------------
@pytest.fixture
def world(tmp_path) -> Iterator[tuple[Path, Path]]:
    root, data = tmp_path / "root", tmp_path / "data"
    class_folders(root / "big", per_class=4000)
    yield root, data


def test_sigkill_mid_writes_then_restart_is_consistent(world):
    root, data = world
    server, client = start(root, data)
    try:
        model = client.post("models", {"name": "m", "graph": SMALL})
        puts = PutLoop(client, model["id"])
        # two uploads stopped halfway through their bodies
        weight = stream(server, "weights/upload?name=w&architecture=resnet18&classes=a,b", 4 << 20)
        weight.send(os.urandom(1 << 20))
        archive = stream(server, "datasets/upload?name=half", 4 << 20, "application/zip")
        archive.send(os.urandom(1 << 20))
        wait_for(lambda: len(bodies(data)) == 2 and all(bodies(data)), 10, "both bodies to reach tmp/")
        big = client.post("datasets", {"name": "big", "path": "big"})
        wait_for(lambda: client.get(f"datasets/{big['id']}")["progress"] >= 0.2, 30, "indexing to be under way")
        assert client.get(f"datasets/{big['id']}")["status"] == "indexing"
        puts.wait_for_some()
        sigkill(server)
        puts.join()
        weight.close()
        archive.close()
    finally:
        server.stop()
    assert len(bodies(data)) == 2  # what the kill left behind, for the next start to clear

    server, client = start(root, data)
    try:
        assert os.listdir(data / "tmp") == []  # cleared before the first request was answered
        wait_indexed(client)
        resumed = client.get(f"datasets/{big['id']}")
        assert (resumed["status"], resumed["num_images"]) == ("ready", 8000)
        assert client.get("weights")["total"] == 0
        assert [d["name"] for d in client.get("datasets")["items"]] == ["big"]
        saved = client.get(f"models/{model['id']}")
        assert saved["version"] >= puts.done  # every PUT that was answered was kept
        assert client.get(f"models/{model['id']}/versions")["total"] == saved["version"]
        assert_consistent(data)

        # a dataset upload killed while it unpacks
        body = dataset_zip(per_class=4000)
        conn = stream(server, "datasets/upload?name=unpacked", len(body), "application/zip")
        conn.send(body)
        folder = wait_for(lambda: list((data / "datasets").iterdir()), 30, "the unpack to start")[0]
        sigkill(server)
        conn.close()
    finally:
        server.stop()
    with database(data) as db:
        committed = db.execute("SELECT count(*) FROM datasets WHERE name = 'unpacked'").fetchone()[0]
    assert folder.is_dir()  # cut short (in practice a few dozen of 8,000 files), or whole without or with its row

    server, client = start(root, data)
    try:
        wait_indexed(client)
        names = {d["name"]: d for d in client.get("datasets")["items"]}
        if committed:  # resumable: indexed again from whole files
            assert (names["unpacked"]["status"], names["unpacked"]["num_images"]) == ("ready", 8000)
        else:  # cleanly gone
            assert "unpacked" not in names and not folder.exists()
        assert_consistent(data)
    finally:
        server.stop()


def bodies(data: Path) -> list[int]:
    """Sizes of the upload bodies in tmp/."""
    return [p.stat().st_size for p in (data / "tmp").glob("upload-*")]


class PutLoop(threading.Thread):
    """PUTs a model's graph in a loop until the server goes away."""

    def __init__(self, client: Client, model_id: int):
        super().__init__(daemon=True)
        self.client, self.model_id, self.done = client, model_id, 1  # version 1 came with the POST
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError, StudioAPIError):
            while True:
                self.client.put(f"models/{self.model_id}", {"graph": SMALL, "description": str(self.done)})
                self.done += 1

    def wait_for_some(self) -> None:
        wait_for(lambda: self.done > 3, 30, "some model PUTs")


def test_start_finishes_the_writes_a_kill_cut_short(tmp_path):
    """Each state a kill can leave between a write's steps, put right at the next start:
    a noted target no row owns goes; one a row owns stays, as does every file nobody
    noted (a dataset deleted with its files kept, a database restored from a backup)."""
    data = tmp_path / "data"
    svc = Services.create(
        data_dir=data, db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", dataset_roots=[tmp_path], max_upload_size=1 << 20
    )
    committed, cut, kept_files = (uuid.uuid4().hex for _ in range(3))
    weight, lost_weight = f"{uuid.uuid4().hex}.pt", f"{uuid.uuid4().hex}.safetensors"
    with svc.store.session.begin() as s:
        path = str(data / "datasets" / committed / "pics")
        ds = Dataset(owner="me", name="d", format="imagefolder", task="classification", path=path, status="ready")
        run = Run(owner="me", name="r", task="classification", dataset_id=1, model={}, status="running", pid=None)
        w = Weight(owner="me", name="w", version=1, task="classification", architecture="resnet18", num_classes=2,
                   classes=["a", "b"], input_size=[224, 224], format="pt", file=weight, file_size=1,
                   sha256="0" * 64, metrics={}, tags=[])  # fmt: skip
        s.add_all([ds, run, w])
        s.flush()
        dataset_id, run_id = ds.id, run.id
    gone = {  # written under a note, and no row came (or the row went first)
        f"datasets/{cut}/pics/a/0.png": ("datasets", cut),
        f"weights/{lost_weight}": ("weights", lost_weight),
        "runs/99/spec.json": ("runs", "99"),
        "thumbnails/77/00000/1.jpg": ("thumbnails", "77"),
    }
    kept = {  # owned by a row (noted: killed after the commit, before the note went), or never noted
        f"datasets/{committed}/pics/a/0.png": ("datasets", committed),
        f"weights/{weight}": ("weights", weight),
        f"runs/{run_id}/checkpoints/last.pt": ("runs", str(run_id)),
        f"thumbnails/{dataset_id}/00000/1.jpg": None,
        f"datasets/{kept_files}/pics/a/0.png": None,
    }
    temps = ["tmp/upload-abc.zip", "tmp/tmpdir/part", f"runs/{run_id}/checkpoints/.last.pt.123.tmp"]
    for rel, note in {**gone, **kept, **dict.fromkeys(temps)}.items():
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(b"x")
        if note:
            svc.datasets.pending.begin(*note)
    svc.start()
    try:
        assert [rel for rel in [*gone, *temps] if (data / rel).exists()] == []
        assert not (data / "runs" / "99").exists() and not (data / "thumbnails" / "77").exists()
        assert [rel for rel in kept if not (data / rel).exists()] == []
        assert os.listdir(data / "tmp") == [] and os.listdir(data / "pending") == []
        with svc.store.session() as s:
            assert s.get(Run, run_id).status == "interrupted"  # its worker is gone: resumable
    finally:
        svc.stop()


def test_a_second_server_on_a_data_dir_leaves_its_files_alone(tmp_path):
    """The clean-up belongs to a server that starts alone on the data directory: a
    notebook's private server beside JupyterLab, or a teammate's server restarted beside
    another, must not delete an upload the other is receiving."""

    def create() -> Services:
        return Services.create(
            data_dir=tmp_path / "data", db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", dataset_roots=[tmp_path],
            max_upload_size=1 << 20,
        )  # fmt: skip

    first = create()
    first.start()
    receiving = tmp_path / "data" / "tmp" / "upload-live.zip"
    receiving.write_bytes(b"being received")
    second = create()
    second.start()
    try:
        assert receiving.exists()
        first.stop()
        # the first comes back while the second lives on (a hub's user restarts their
        # server beside a teammate's): the second's write under way is still its own
        again = create()
        again.start()
        again.stop()
        assert receiving.exists()
    finally:
        second.stop()
        first.stop()
    third = create()  # both are gone: their leftovers are
    third.start()
    third.stop()
    assert not receiving.exists()


# ---- a full disk -----------------------------------------------------------------------
BIG = {  # ~800 kB of weights: a checkpoint does not fit in what the test leaves free
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [3, 16, 16]}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "hidden", "type": "Linear", "params": {"out_features": 256}},
        {"id": "act", "type": "ReLU", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
        {"id": "out", "type": "Output", "params": {}},
    ],
    "edges": [
        {"source": a, "target": b}
        for a, b in (("in", "flat"), ("flat", "hidden"), ("hidden", "act"), ("act", "fc"), ("fc", "out"))
    ],
}


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Iterator[tuple[PrivateServer, Client, Path]]:
    """A server whose data directory is a 16 MB tmpfs (its database lies elsewhere, so that
    what fills up is only what the test means to fill)."""
    base = tmp_path_factory.mktemp("full")
    root = class_folders(base / "root" / "pics", per_class=12).parent
    with tmpfs(base / "data", "16m") as data:
        server, client = start(
            root, data, CVSTUDIO_DB_URL=f"sqlite:///{base / 'cvstudio.db'}", CVSTUDIO_TRAINING_STEP_DELAY="0.02"
        )
        try:
            yield server, client, data
        finally:
            for pid_file in data.glob("runs/*/pid.json"):
                with contextlib.suppress(OSError, ValueError):
                    os.killpg(json.loads(pid_file.read_text())["pid"], signal.SIGKILL)
            server.stop()


@contextlib.contextmanager
def disk_full(data: Path, leave: int = 0) -> Iterator[None]:
    filler = fill(data, leave)
    try:
        yield
    finally:
        filler.unlink()


def assert_507(status: int, body: dict) -> None:
    assert status == 507, (status, body)
    assert body["error"]["code"] == DISK_FULL_CODE and FULL_DISK in body["error"]["message"], body


def test_full_disk_while_unpacking_an_upload_is_507_not_413(full):
    server, client, data = full
    body = blob_zip(1 << 20)
    with disk_full(data, leave=(3 << 20) // 2):  # the body fits; body and unpacked copy do not
        status, reply = post_body(server, "datasets/upload?name=blob", body, "application/zip")
    assert_507(status, reply)
    assert os.listdir(data / "tmp") == os.listdir(data / "datasets") == os.listdir(data / "pending") == []
    assert client.get("datasets", q="blob")["total"] == 0


@pytest.mark.parametrize(
    "path, ctype",
    [
        ("datasets/upload?name=full", "application/zip"),
        ("weights/upload?name=full&architecture=resnet18&classes=a,b", "application/octet-stream"),
    ],
)
def test_full_disk_while_receiving_an_upload_is_507(full, path, ctype):
    """The body itself does not fit (handlers/uploads.py `data_received` meets ENOSPC)."""
    server, client, data = full
    with disk_full(data, leave=256 << 10):
        status, reply = post_body(server, path, os.urandom(1 << 20), ctype)
    assert_507(status, reply)
    assert os.listdir(data / "tmp") == []
    assert client.get("weights")["total"] == 0 and client.get("datasets", q="full")["total"] == 0


def test_full_disk_thumbnail_is_507_and_never_cached_torn(full):
    from cvstudio_ext.engine.datasets.thumbnails import make_thumbnail

    server, client, data = full
    ds = client.post("datasets", {"name": "thumbs", "path": "pics"})
    wait_indexed(client)
    image = client.get(f"datasets/{ds['id']}/images", limit=1)["items"][0]
    path, thumb = f"datasets/{ds['id']}/images/{image['id']}", {"size": "thumb"}
    with disk_full(data):
        with pytest.raises(StudioAPIError) as err:
            client.request("GET", path, params=thumb)
        assert (err.value.status, err.value.code) == (507, DISK_FULL_CODE) and FULL_DISK in err.value.message
        assert [p for p in (data / "thumbnails").rglob("*") if p.is_file()] == []
        assert os.listdir(data / "tmp") == []
    served = client.request("GET", path, params=thumb)
    expected = data.parent / "expected.jpg"
    make_thumbnail(data.parent / "root" / "pics" / image["file"], expected)
    assert served == expected.read_bytes()


def test_full_disk_fails_a_training_run_and_keeps_only_whole_checkpoints(full):
    from cvstudio_ext.engine.training import checkpoints

    server, client, data = full
    ds = client.post("datasets", {"name": "train", "path": "pics"})
    wait_indexed(client)
    model = client.post("models", {"name": "big", "graph": BIG})
    body = {
        "name": "fills the disk",
        "dataset_id": ds["id"],
        "model": {"source": "graph", "model_id": model["id"]},
        "hyperparameters": {"epochs": 500, "batch_size": 4, "seed": 1},
        "resources": {"device": "cpu"},
    }
    with disk_full(data):  # not even the run's spec fits: nothing is queued, no folder is left
        with pytest.raises(StudioAPIError) as err:
            client.post("training", body)
        assert (err.value.status, err.value.code) == (507, DISK_FULL_CODE)
        assert os.listdir(data / "runs") == []
    run = client.post("training", body)  # the same id again: its folder is free
    run_dir = data / "runs" / str(run["id"])
    wait_for(lambda: (run_dir / "checkpoints" / "last.pt").exists(), 60, "a first checkpoint")
    with disk_full(data, leave=256 << 10):
        failed = wait_for(
            lambda: (r := client.get(f"training/{run['id']}"))["status"] not in ("queued", "starting", "running") and r,
            60,
            "fail",
        )
    assert failed["status"] == "failed" and FULL_DISK in failed["error"] and "checkpoint" in failed["error"], failed
    files = list(run_dir.rglob("*"))
    assert [p for p in files if p.name.endswith(".tmp")] == []
    for ckpt in (p for p in files if p.suffix == ".pt"):
        checkpoints.load(ckpt)  # whole, or not there at all


def test_a_worker_dead_on_a_full_disk_fails_its_run_all_the_same(tmp_path):
    """The supervisor cannot append the failure to the run's events: the database alone
    says it, or the run would stay `running` for as long as the disk stays full."""
    with tmpfs(tmp_path / "data", "2m") as data:
        svc = Services.create(
            data_dir=data, db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", dataset_roots=[tmp_path],
            max_upload_size=1 << 20,
        )  # fmt: skip
        with svc.store.session.begin() as s:
            run = Run(owner="me", name="r", task="classification", dataset_id=1, model={}, status="running")
            s.add(run)
            s.flush()
            run_id = run.id
        svc.training.run_dir(run_id).mkdir(parents=True)
        try:
            with disk_full(data):
                svc.training.supervisor.tick()  # its worker (none here) is gone without a last word
            with svc.store.session() as s:
                run = s.get(Run, run_id)
                assert run.status == "failed" and FULL_DISK in run.error and "without finishing" in run.error, run.error
        finally:
            svc.stop()
