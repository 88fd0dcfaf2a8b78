"""Data-parallel training on the CPU: two processes under torch.distributed.run (gloo)
train exactly like one process with the same global batch, pause together, and die
together when the executor kills the run."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from cvstudio_ext.services.executor import Launch, LocalProcessExecutor, worker_command

from .test_training_worker import control, events, make_images, make_spec, statuses, step_losses, wait_for, write_spec


def plain_spec(root: Path, records: list[dict[str, Any]], **hp: Any) -> dict[str, Any]:
    """No BatchNorm and no Dropout: then a DDP step is the one-process step exactly."""
    spec = make_spec(root, records, batch_size=6, **hp)
    graph = spec["graph"]
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] not in ("BatchNorm2d", "Dropout")]
    ids = [n["id"] for n in graph["nodes"]]
    graph["edges"] = [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]
    return spec


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("squares")
    return root, make_images(root)


def launch(run_dir: Path, processes: int) -> tuple[LocalProcessExecutor, Launch]:
    executor = LocalProcessExecutor()
    return executor, executor.submit(run_dir, processes=processes, gpus=[])


def finish(executor: LocalProcessExecutor, run: Launch, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while executor.status(run) == "running":
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.05)


def test_two_processes_train_like_one(tmp_path, data, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    runs = {}
    for processes in (1, 2):
        run_dir = tmp_path / f"p{processes}"
        write_spec(run_dir, plain_spec(*data))
        executor, run = launch(run_dir, processes)
        finish(executor, run)
        runs[processes] = events(run_dir)
        assert statuses(runs[processes]) == ["running", "completed"], (run_dir / "worker.out").read_text()
    one, two = step_losses(runs[1]), step_losses(runs[2])
    assert sorted(one) == sorted(two) == list(range(1, 10))
    for step, loss in one.items():
        assert abs(two[step] - loss) <= 1e-5, (step, two[step], loss)
    assert "2 data-parallel processes" in (tmp_path / "p2" / "train.log").read_text()
    assert (tmp_path / "p2" / "checkpoints" / "best.pt").exists()
    assert (tmp_path / "p2" / "evaluation.json").exists()


def test_all_processes_pause_at_the_same_step_and_resume(tmp_path, data, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("CVSTUDIO_TRAINING_STEP_DELAY", "0.2")
    run_dir = tmp_path / "run"
    write_spec(run_dir, plain_spec(*data))
    executor, run = launch(run_dir, 2)
    wait_for(lambda: max(step_losses(events(run_dir)), default=0) >= 2, timeout=120)
    control(run_dir, "pause", "p1")
    finish(executor, run)
    evs = events(run_dir)
    assert statuses(evs) == ["running", "paused"]
    paused_at = max(step_losses(evs))
    assert paused_at < 9

    monkeypatch.setenv("CVSTUDIO_TRAINING_STEP_DELAY", "0")
    spec = plain_spec(*data)
    spec["resume_from"] = str(run_dir / "checkpoints" / "last.pt")
    write_spec(run_dir, spec)
    executor, run = launch(run_dir, 2)
    finish(executor, run)
    evs = events(run_dir)
    assert statuses(evs) == ["running", "paused", "running", "completed"]
    assert sorted(step_losses(evs)) == list(range(1, 10))


def long_run(tmp_path: Path, data, monkeypatch, steps: int) -> tuple[Path, LocalProcessExecutor, Launch]:
    """A slow two-process run, once it has done `steps` steps."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("CVSTUDIO_TRAINING_STEP_DELAY", "0.3")
    run_dir = tmp_path / "run"
    write_spec(run_dir, plain_spec(*data, epochs=20))
    executor, run = launch(run_dir, 2)
    wait_for(lambda: max(step_losses(events(run_dir)), default=0) >= steps, timeout=120)
    return run_dir, executor, run


def test_kill_reaches_every_process_of_the_run(tmp_path, data, monkeypatch):
    _, executor, run = long_run(tmp_path, data, monkeypatch, 1)
    tree = psutil.Process(run.pid).children(recursive=True)
    workers = [p for p in tree if "cvstudio_ext.engine.training.worker" in " ".join(p.cmdline())]
    assert len(workers) == 2 and all(p.pid != run.pid for p in workers)
    executor.kill(run, force=True)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    assert executor.status(run) == "exited"


def test_the_command_is_torchrun_only_for_several_processes(tmp_path):
    assert worker_command(tmp_path, 1)[1:] == ["-m", "cvstudio_ext.engine.training.worker", str(tmp_path)]
    many = worker_command(tmp_path, 3)
    assert many[1:3] == ["-m", "torch.distributed.run"] and "--nproc-per-node=3" in many and "--standalone" in many


def test_workers_stop_by_themselves_when_their_launcher_dies(tmp_path, data, monkeypatch):
    run_dir, _, run = long_run(tmp_path, data, monkeypatch, 1)
    workers = psutil.Process(run.pid).children(recursive=True)
    psutil.Process(run.pid).kill()  # torch.distributed.run alone; its workers sit in sessions of their own
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive
    assert statuses(events(run_dir))[-1] == "stopped"
    assert (run_dir / "checkpoints" / "last.pt").exists()


def test_a_dead_worker_fails_the_run_within_seconds(tmp_path, data, monkeypatch):
    run_dir, executor, run = long_run(tmp_path, data, monkeypatch, 2)
    workers = [p for p in psutil.Process(run.pid).children(recursive=True) if p.environ().get("RANK") == "1"]
    workers[0].kill()  # out of memory, say
    started = time.monotonic()
    finish(executor, run, timeout=30)
    assert time.monotonic() - started < 15
    evs = events(run_dir)
    assert statuses(evs) == ["running", "failed"]
    assert "remote worker" in evs[-1]["data"]["error"] or "closed" in evs[-1]["data"]["error"]
