"""In-process pieces of the training worker: spec defaults, schedule, sampler, metrics."""

from __future__ import annotations

import pytest
import torch

from cvstudio_ext.engine.training.data import epoch_batches, epoch_permutation, split_train_val
from cvstudio_ext.engine.training.loop import lr_at
from cvstudio_ext.engine.training.metrics import confusion, detection_map, per_class_scores
from cvstudio_ext.engine.training.spec import RunSpec, SpecError


def _spec(**kw):
    raw = {
        "run_id": "r",
        "task": "classification",
        "architecture": "resnet18",
        "classes": ["a", "b"],
        "data": {"root": "/x", "train": [{"file": "a.png", "label": 0}]},
    }
    raw.update(kw)
    return RunSpec.from_dict(raw)


def test_spec_defaults_and_round_trip(tmp_path):
    spec = _spec()
    hp = spec.hyperparameters
    assert hp["epochs"] == 10 and hp["optimizer"] == "sgd" and hp["lr"] == 0.01 and hp["image_size"] == [224, 224]
    assert spec.resources == {"device": "auto", "num_workers": 0}
    spec.to_file(tmp_path / "spec.json")
    assert RunSpec.from_file(tmp_path / "spec.json") == spec
    assert _spec(hyperparameters={"optimizer": "adamw"}).hyperparameters["weight_decay"] == 0.01
    with pytest.raises(SpecError):
        _spec(hyperparameters={"optimizer": "lion"})
    with pytest.raises(SpecError):
        _spec(task="segmentation")


def test_schedule():
    hp = {"lr": 1.0, "epochs": 4, "warmup_epochs": 1, "scheduler": "cosine"}
    lrs = [lr_at(hp, s, 10) for s in range(40)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[10] == pytest.approx(1.0) and lrs[-1] < 0.01
    assert lr_at({**hp, "scheduler": "step", "warmup_epochs": 0}, 39, 10) == pytest.approx(
        0.001
    )  # every epoch: round(4 / 3)
    assert lr_at({**hp, "scheduler": "none", "warmup_epochs": 0}, 39, 10) == 1.0


def test_sampler_is_seeded_per_epoch():
    assert epoch_permutation(10, 1, 0) == epoch_permutation(10, 1, 0) != epoch_permutation(10, 1, 1)
    batches = epoch_batches(list(range(9)), 4, 2)
    assert [len(b) for b in batches] == [4, 4]  # the trailing single sample is dropped
    assert batches[0][0] == (0, 2)
    train, val = split_train_val([{"i": i} for i in range(10)], [], 0.2, 3)
    assert len(train) == 8 and len(val) == 2
    assert split_train_val([{"i": i} for i in range(10)], [], 0.2, 3) == (train, val)


def test_classification_scores():
    m = confusion([0, 1, 1, 0], [0, 1, 0, 0], 2)
    assert m.tolist() == [[2, 1], [0, 1]]
    scores = per_class_scores(m, ["a", "b"])
    assert scores[0]["precision"] == 1.0 and scores[0]["recall"] == pytest.approx(2 / 3)


def test_detection_map_perfect_and_empty():
    t = [{"boxes": torch.tensor([[10.0, 10, 50, 50]]), "labels": torch.tensor([1])}]
    p = [{"boxes": torch.tensor([[10.0, 10, 50, 50]]), "labels": torch.tensor([1]), "scores": torch.tensor([0.9])}]
    result = detection_map(p, t, ["sq"])
    assert result["map50"] == pytest.approx(1.0) and result["per_class"][0]["ap"] == pytest.approx(1.0)
    none = [{"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64), "scores": torch.zeros(0)}]
    assert detection_map(none, t, ["sq"])["map"] == 0.0
