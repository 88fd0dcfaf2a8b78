"""The supervisor without a server: stop escalation, and what a server start does with
runs it finds `running`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil

from cvstudio_ext.services import supervisor as sup
from cvstudio_ext.services.container import Services
from cvstudio_ext.services.executor import gpu_env
from cvstudio_ext.store.models import Run


def services(tmp_path: Path) -> Services:
    return Services.create(
        data_dir=tmp_path / "data",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        dataset_roots=[tmp_path],
        max_upload_size=1 << 20,
    )


def fake_run(svc: Services, proc: subprocess.Popen | None, status: str) -> int:
    with svc.store.session.begin() as s:
        run = Run(owner="me", name="r", task="classification", dataset_id=1, model={}, status=status)
        if proc is not None:
            run.pid, run.pid_create_time = proc.pid, psutil.Process(proc.pid).create_time()
        s.add(run)
        s.flush()
        run_id = run.id
    (svc.training.run_dir(run_id)).mkdir(parents=True)
    return run_id


def stubborn() -> subprocess.Popen:
    """A process that ignores SIGTERM, in its own session, like a wedged worker."""
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def test_stop_escalates_to_sigkill_of_the_group(tmp_path, monkeypatch):
    monkeypatch.setattr(sup, "STOP_GRACE_S", 0.2)
    svc = services(tmp_path)
    proc = stubborn()
    time.sleep(0.3)
    run_id = fake_run(svc, proc, "stopping")
    svc.training.supervisor.stop_requested(run_id)
    svc.training.supervisor.tick()
    assert proc.poll() is None  # still in its grace period
    time.sleep(0.25)
    svc.training.supervisor.tick()  # SIGTERM: ignored
    assert proc.poll() is None
    time.sleep(0.25)
    svc.training.supervisor.tick()  # SIGKILL
    assert proc.wait(5) == -9
    svc.training.supervisor.tick()
    with svc.store.session() as s:
        run = s.get(Run, run_id)
        assert run.status == "failed" and "ended without finishing" in run.error
    svc.stop()


def test_server_start_adopts_live_runs_and_interrupts_the_rest(tmp_path):
    svc = services(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    time.sleep(0.2)
    live = fake_run(svc, proc, "running")
    gone = fake_run(svc, None, "running")
    with svc.store.session.begin() as s:
        s.get(Run, gone).pid, s.get(Run, gone).pid_create_time = proc.pid, 1.0  # a reused pid
    paused = fake_run(svc, None, "running")  # its worker paused and ended while the server was down
    line = {"type": "status", "time": "2026-12-03T08:00:00+00:00", "data": {"status": "paused", "epoch": 1}}
    (svc.training.run_dir(paused) / "events.jsonl").write_text(json.dumps(line) + "\n")
    svc.training.supervisor.adopt_or_interrupt()
    svc.training.supervisor.tick()
    with svc.store.session() as s:
        assert s.get(Run, live).status == "running"
        assert s.get(Run, gone).status == "interrupted"
        assert s.get(Run, paused).status == "paused" and s.get(Run, paused).epoch == 1
    proc.kill()
    proc.wait()
    svc.stop()


def test_gpu_allocation_by_uuid():
    gpus = ["GPU-a", "GPU-b", "GPU-c"]
    assert sup.gpus_wanted({"device": "cpu", "gpus": 4}) == 0
    assert sup.gpus_wanted({"device": "cuda", "gpus": 0}) == 1
    assert sup.gpus_wanted({"device": "auto", "gpus": 2}) == 2
    assert sup.allocate(2, gpus, {"GPU-a"}) == ["GPU-b", "GPU-c"]
    assert sup.allocate(2, gpus, {"GPU-a", "GPU-c"}) is None  # waits
    assert sup.allocate(0, [], set()) == []
    assert gpu_env(["GPU-b"]) == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "GPU-b"}
    assert gpu_env([])["CUDA_VISIBLE_DEVICES"] == ""


def test_a_run_waits_while_its_gpus_are_taken(tmp_path):
    svc = services(tmp_path)
    supervisor = svc.training.supervisor
    supervisor.gpus = lambda: ["GPU-a"]
    supervisor.max_concurrent_runs = 4
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    time.sleep(0.2)
    busy = fake_run(svc, holder, "running")
    (svc.training.run_dir(busy) / "gpus.json").write_text('["GPU-a"]')
    waiting = fake_run(svc, None, "queued")
    with svc.store.session.begin() as s:
        s.get(Run, waiting).resources = {"device": "cuda", "gpus": 1}
    spawned = []
    supervisor._spawn = lambda run, gpus: spawned.append((run.id, gpus))
    supervisor._start_queued()
    assert spawned == []  # GPU-a is held by the running run
    (svc.training.run_dir(busy) / "gpus.json").write_text("[]")
    supervisor._start_queued()
    assert spawned == [(waiting, ["GPU-a"])]
    holder.kill()
    holder.wait()
    svc.stop()
