"""The training worker as a real subprocess: a run, pause/resume exactness, stop, checkpoint-now,
SIGTERM and failure. Tiny colored-squares data and a tiny graph model keep it fast."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

COLORS = [(220, 30, 30), (30, 200, 40), (40, 60, 220)]
CLASSES = ["red", "green", "blue"]
SIZE = 16


def make_images(root: Path, per_class: int = 8, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    records = []
    for label, color in enumerate(COLORS):
        for i in range(per_class):
            img = rng.integers(0, 60, size=(SIZE + 4, SIZE + 4, 3), dtype=np.uint8)
            x, y = rng.integers(0, 8, size=2)
            img[y : y + 10, x : x + 10] = color
            name = f"{CLASSES[label]}/{i}.png"
            (root / CLASSES[label]).mkdir(parents=True, exist_ok=True)
            Image.fromarray(img).save(root / name)
            records.append({"file": name, "label": label})
    return records


def tiny_graph(num_classes: int = 3) -> dict[str, Any]:
    def node(i: str, t: str, **p: Any) -> dict[str, Any]:
        return {"id": i, "type": t, "params": p}

    nodes = [
        node("in", "Input", shape=[3, SIZE, SIZE]),
        node("c1", "Conv2d", out_channels=8, kernel_size=3, padding=1),
        node("bn", "BatchNorm2d"),
        node("r1", "ReLU"),
        node("p1", "MaxPool2d", kernel_size=2),
        node("fl", "Flatten"),
        node("dr", "Dropout", p=0.3),
        node("fc", "Linear", out_features=num_classes),
        node("out", "Output"),
    ]
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]}


def make_spec(data_root: Path, records: list[dict[str, Any]], **hp: Any) -> dict[str, Any]:
    hyper = {
        "epochs": 3,
        "batch_size": 4,
        "lr": 0.01,
        "optimizer": "adam",
        "seed": 7,
        "val_fraction": 0.25,
        "log_interval": 1,
        "scheduler": "cosine",
        "warmup_epochs": 0.5,
    }
    hyper.update(hp)
    return {
        "run_id": "run-1",
        "task": "classification",
        "architecture": "graph:1",
        "graph": tiny_graph(),
        "classes": CLASSES,
        "input_size": [SIZE, SIZE],
        "pretrained_weights": None,
        "hyperparameters": hyper,
        "augmentation": [{"type": "HorizontalFlip", "p": 0.5}, {"type": "RandomBrightnessContrast", "p": 0.5}],
        "resources": {"device": "cpu", "num_workers": 0},
        "data": {"root": str(data_root), "train": records, "val": []},
    }


def write_spec(run_dir: Path, spec: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "spec.json").write_text(json.dumps(spec))


def env(delay: float = 0.0) -> dict[str, str]:
    e = dict(os.environ)
    e["NO_ALBUMENTATIONS_UPDATE"] = "1"
    e["CVSTUDIO_TRAINING_STEP_DELAY"] = str(delay)
    e.setdefault("OMP_NUM_THREADS", "1")
    return e


def start(run_dir: Path, delay: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cvstudio_ext.engine.training.worker", str(run_dir)],
        env=env(delay),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run(run_dir: Path, timeout: float = 60) -> int:
    proc = start(run_dir)
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, 1):
        raise AssertionError(out.decode(errors="replace"))
    return proc.returncode


def events(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def step_losses(evs: list[dict[str, Any]]) -> dict[int, float]:
    return {
        e["data"]["step"]: e["data"]["train_loss"] for e in evs if e["type"] == "metric" and "train_loss" in e["data"]
    }


def statuses(evs: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["status"] for e in evs if e["type"] == "status"]


def wait_for(predicate, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.stdout.read().decode(errors='replace')}")
        time.sleep(0.02)
    raise AssertionError("timed out")


def control(run_dir: Path, action: str, nonce: str) -> None:
    tmp = run_dir / ".control.tmp"
    tmp.write_text(json.dumps({"action": action, "nonce": nonce}))
    os.replace(tmp, run_dir / "control.json")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("squares")
    return root, make_images(root)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data) -> Path:
    """One uninterrupted run, shared by the tests that compare against it."""
    run_dir = tmp_path_factory.mktemp("reference")
    write_spec(run_dir, make_spec(*data))
    assert run(run_dir) == 0
    return run_dir


# ---------------------------------------------------------------- tests


def test_run_completes_with_events_and_checkpoints(reference):
    evs = events(reference)
    assert statuses(evs) == ["running", "completed"]
    assert all(set(e) == {"type", "time", "data"} for e in evs)
    pid = json.loads((reference / "pid.json").read_text())
    assert pid["pid"] > 0 and pid["create_time"] > 0 and pid["host"]
    losses = step_losses(evs)
    assert sorted(losses) == list(range(1, 16))  # 18 train images, batch 4 -> 5 steps x 3 epochs
    steps = [e["data"] for e in evs if e["type"] == "metric" and "train_loss" in e["data"]]
    assert all(d["lr"] > 0 for d in steps)
    epochs = [e["data"] for e in evs if e["type"] == "metric" and "val_accuracy" in e["data"]]
    assert [d["epoch"] for d in epochs] == [1, 2, 3]
    assert all("val_loss" in d and "val_top5" not in d for d in epochs)
    assert epochs[-1]["val_accuracy"] >= 0.5
    kinds = [(e["data"]["name"], e["data"]["kind"]) for e in evs if e["type"] == "checkpoint"]
    assert kinds.count(("last.pt", "last")) == 3 and ("best.pt", "best") in kinds
    for name in ("last.pt", "best.pt"):
        ckpt = torch.load(reference / "checkpoints" / name, weights_only=True)
        assert ckpt["meta"]["classes"] == CLASSES and "optimizer" in ckpt and "rng" in ckpt
    # the weight library can read a checkpoint as plain weights
    from cvstudio_ext.engine.weights import load_state_dict

    assert "fc.weight" in load_state_dict(reference / "checkpoints" / "best.pt") or load_state_dict(
        reference / "checkpoints" / "best.pt"
    )
    assert not list((reference / "checkpoints").glob(".*tmp"))
    evaluation = json.loads((reference / "evaluation.json").read_text())
    assert len(evaluation["confusion_matrix"]) == 3
    # the test set has no val split: a quarter of train is held out, and the evaluation says so
    assert evaluation["split"] == "25% of train, held out"
    assert evaluation["images"] == sum(map(sum, evaluation["confusion_matrix"]))
    assert [c["class_name"] for c in evaluation["per_class"]] == CLASSES
    assert {"precision", "recall", "f1"} <= set(evaluation["per_class"][0])
    assert "Epoch 3/3" in (reference / "train.log").read_text()


def test_pause_then_resume_matches_an_uninterrupted_run(tmp_path, data, reference):
    run_dir = tmp_path / "run"
    write_spec(run_dir, make_spec(*data))
    proc = start(run_dir, delay=0.1)
    try:
        wait_for(lambda: max(step_losses(events(run_dir)), default=0) >= 3, proc=proc)
        control(run_dir, "checkpoint", "c1")
        wait_for(
            lambda: any(e["type"] == "checkpoint" and e["data"]["kind"] == "manual" for e in events(run_dir)), proc=proc
        )
        control(run_dir, "pause", "p1")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    evs = events(run_dir)
    assert statuses(evs) == ["running", "paused"]
    paused_at = max(step_losses(evs))
    assert 3 <= paused_at < 15, "the pause should land mid-run"
    manual = [e["data"] for e in evs if e["type"] == "checkpoint" and e["data"]["kind"] == "manual"]
    assert (run_dir / manual[0]["path"]).exists() and manual[0]["name"] == f"manual-{manual[0]['step']}.pt"

    spec = make_spec(*data)
    spec["resume_from"] = str(run_dir / "checkpoints" / "last.pt")
    write_spec(run_dir, spec)  # control.json still says pause p1: it must not pause again
    assert run(run_dir) == 0
    evs = events(run_dir)
    assert statuses(evs) == ["running", "paused", "running", "completed"]
    resumed = step_losses(evs)
    expected = step_losses(events(reference))
    assert sorted(resumed) == sorted(expected)
    for step, loss in expected.items():
        assert abs(resumed[step] - loss) <= 1e-6, (step, resumed[step], loss)

    def val(es):
        return [e["data"]["val_loss"] for e in es if e["type"] == "metric" and "val_loss" in e["data"]]

    assert np.allclose(val(evs), val(events(reference)), atol=1e-6)

    # every metric record, the paused epoch's train_loss_epoch included, is the reference's
    def records(es):
        return [e["data"] for e in es if e["type"] == "metric"]

    got, want = records(evs), records(events(reference))
    assert [sorted(r) for r in got] == [sorted(r) for r in want]
    for a, b in zip(got, want):
        assert all(abs(a[k] - b[k]) <= 1e-6 for k in b), (a, b)
    # and the paused epoch's time counts its steps before the pause (each at least 0.1 s)
    epoch = (paused_at - 1) // 5 + 1
    before = paused_at - 5 * (epoch - 1)
    line = next(x for x in (run_dir / "train.log").read_text().splitlines() if f"Epoch {epoch}/3 (" in x)
    assert float(line.split(f"Epoch {epoch}/3 (")[1].split("s)")[0]) >= 0.1 * before, line


def test_stop_writes_a_checkpoint_and_exits(tmp_path, data):
    run_dir = tmp_path / "run"
    write_spec(run_dir, make_spec(*data))
    control(run_dir, "stop", "s1")  # already there at start: stops at the first boundary
    assert run(run_dir) == 0
    evs = events(run_dir)
    assert statuses(evs) == ["running", "stopped"]
    assert (run_dir / "checkpoints" / "last.pt").exists()
    assert not (run_dir / "evaluation.json").exists()


def test_sigterm_stops_at_the_next_step(tmp_path, data):
    run_dir = tmp_path / "run"
    write_spec(run_dir, make_spec(*data))
    proc = start(run_dir, delay=0.1)
    try:
        wait_for(lambda: max(step_losses(events(run_dir)), default=0) >= 2, proc=proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    evs = events(run_dir)
    assert statuses(evs)[-1] == "stopped"
    ckpt = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=True)
    assert ckpt["step"] == max(step_losses(evs))


def test_a_broken_spec_fails_with_the_error(tmp_path, data):
    run_dir = tmp_path / "run"
    spec = make_spec(*data)
    spec["data"]["root"] = str(tmp_path / "no-such-folder")
    write_spec(run_dir, spec)
    assert run(run_dir) == 1
    evs = events(run_dir)
    assert statuses(evs) == ["running", "failed"] or statuses(evs) == ["failed"]
    failed = [e["data"] for e in evs if e["type"] == "status"][-1]
    assert "missing" in failed["error"]
    assert "Traceback" in (run_dir / "train.log").read_text()


def test_resuming_with_more_epochs_rebuilds_the_schedule(tmp_path, data):
    from cvstudio_ext.engine.training.loop import lr_at
    from cvstudio_ext.engine.training.spec import normalize_hyperparameters

    run_dir = tmp_path / "run"
    write_spec(run_dir, make_spec(*data))
    proc = start(run_dir, delay=0.1)
    try:
        wait_for(lambda: max(step_losses(events(run_dir)), default=0) >= 4, proc=proc)
        control(run_dir, "pause", "p1")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    paused_at = max(step_losses(events(run_dir)))
    spec = make_spec(*data, epochs=5)
    spec["resume_from"] = str(run_dir / "checkpoints" / "last.pt")
    write_spec(run_dir, spec)
    assert run(run_dir) == 0
    evs = events(run_dir)
    assert statuses(evs) == ["running", "paused", "running", "completed"]
    lrs = {e["data"]["step"]: e["data"]["lr"] for e in evs if e["type"] == "metric" and "lr" in e["data"]}
    steps_per_epoch = 5  # 18 training images in batches of 4; the trailing 2 make a fifth
    assert sorted(lrs) == list(range(1, 5 * steps_per_epoch + 1))
    short = normalize_hyperparameters(make_spec(*data)["hyperparameters"], [SIZE, SIZE])
    long = normalize_hyperparameters(spec["hyperparameters"], [SIZE, SIZE])
    for step, lr in lrs.items():
        hp = short if step <= paused_at else long
        assert lr == pytest.approx(lr_at(hp, step - 1, steps_per_epoch), rel=1e-12), step
    assert lrs[5 * steps_per_epoch] < 0.01 * long["lr"]  # the cosine ends at the new length
    ckpt = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=True)
    assert ckpt["scheduler"]["epochs"] == 5 and ckpt["epoch"] == 5
