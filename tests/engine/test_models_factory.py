"""The model factory: names, tasks, building without downloads, and state dict checks."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cvstudio_ext.engine import models_factory as mf
from cvstudio_ext.errors import Invalid

from .graph_helpers import chain, graph, node


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the factory tried to download weights")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", refuse)


def tiny_graph(out_features: int = 4) -> dict:
    return graph(
        [
            node("in", "Input", shape=[3, 8, 8]),
            node("conv", "Conv2d", out_channels=4, kernel_size=3),
            node("pool", "AdaptiveAvgPool2d", output_size=1),
            node("flat", "Flatten"),
            node("fc", "Linear", out_features=out_features),
            node("out", "Output"),
        ],
        chain("in", "conv", "pool", "flat", "fc", "out"),
    )


def test_name_sets() -> None:
    assert {"resnet18", "mobilenet_v3_small", "vit_b_16", "efficientnet_b0"} <= mf.CLASSIFICATION
    assert len(mf.DETECTION) == 9
    assert not mf.CLASSIFICATION & mf.DETECTION
    assert "maskrcnn_resnet50_fpn" not in mf.CLASSIFICATION | mf.DETECTION


def test_task_of() -> None:
    assert mf.task_of("resnet18") == "classification"
    assert mf.task_of("graph:12") == "classification"
    assert mf.task_of("retinanet_resnet50_fpn") == "detection"
    with pytest.raises(Invalid) as err:
        mf.task_of("resnet_18")
    assert err.value.code == "unknown_architecture"
    assert "resnet18" in err.value.details
    assert "resnet18" in err.value.message


def test_build_classifier() -> None:
    model = mf.build_model("resnet18", 7)
    assert model.fc.out_features == 7
    with torch.no_grad():
        assert model.eval()(torch.zeros(1, 3, 64, 64)).shape == (1, 7)


def test_build_detector_counts_background() -> None:
    model = mf.build_model("fasterrcnn_mobilenet_v3_large_320_fpn", 2)
    assert model.roi_heads.box_predictor.cls_score.out_features == 3


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3", 10**9])
def test_bad_num_classes(bad) -> None:
    with pytest.raises(Invalid) as err:
        mf.build_model("resnet18", bad)
    assert err.value.code == "invalid_num_classes"


def test_unknown_architecture_builds_nothing() -> None:
    with pytest.raises(Invalid) as err:
        mf.build_model("fasterrcnn_resnet50", 3)
    assert err.value.code == "unknown_architecture"
    assert "fasterrcnn_resnet50_fpn" in err.value.details


def test_graph_model() -> None:
    model = mf.build_model("graph:5", 4, graph=tiny_graph(4))
    with torch.no_grad():
        assert model.eval()(torch.zeros(2, 3, 8, 8)).shape == (2, 4)


def test_graph_output_must_match_classes() -> None:
    with pytest.raises(Invalid) as err:
        mf.build_model("graph:5", 3, graph=tiny_graph(4))
    assert err.value.code == "graph_output_mismatch"
    assert "[1, 4]" in err.value.message and "out_features=3" in err.value.message


def test_graph_required_and_invalid_graph() -> None:
    with pytest.raises(Invalid) as err:
        mf.build_model("graph:5", 3)
    assert err.value.code == "graph_required"
    with pytest.raises(Invalid) as err:
        mf.build_model("graph:5", 3, graph={"nodes": "nope"})
    assert err.value.code == "invalid_graph"


def test_check_state_dict_accepts_its_own_and_ddp() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    mf.check_state_dict(model, state)
    ddp = {f"module.{k}": v for k, v in state.items()}
    mf.check_state_dict(model, ddp)
    cleaned = mf.normalize_keys(ddp)
    assert list(cleaned) == list(state)
    model.load_state_dict(cleaned)
    # A prefix on only some keys is not DDP: left alone.
    partial = {"module.0.weight": state["0.weight"], "0.bias": state["0.bias"]}
    assert mf.normalize_keys(partial) == partial


def test_check_state_dict_names_what_differs() -> None:
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    state = torchvision.models.resnet18(weights=None).state_dict()  # 1000 classes
    for k in ("layer1.0.bn1.bias", "layer1.0.bn1.weight", "layer4.1.conv2.weight"):
        del state[k]
    state["head.weight"] = torch.zeros(2)
    state["head.bias"] = torch.zeros(2)
    with pytest.raises(Invalid) as err:
        mf.check_state_dict(model, state)
    e = err.value
    assert e.code == "weights_mismatch"
    assert "3 keys missing" in e.message and "2 unexpected" in e.message
    assert "2 with another shape" in e.message
    assert "fc.weight: expected [10, 512], got [1000, 512]" in e.message
    assert "layer1.0.bn1.bias" in e.message and "head.weight" in e.message
    assert "check the architecture and classes" in e.message
    by_key = {d["key"]: d for d in e.details}
    assert by_key["layer4.1.conv2.weight"] == {
        "key": "layer4.1.conv2.weight",
        "problem": "missing",
        "expected": [512, 512, 3, 3],
    }
    assert by_key["head.bias"]["problem"] == "unexpected"
    assert by_key["fc.bias"] == {"key": "fc.bias", "problem": "shape", "expected": [10], "given": [1000]}


def test_mismatch_details_are_capped() -> None:
    model = nn.Linear(2, 2)
    state = {**model.state_dict(), **{f"extra.{i}": torch.zeros(1) for i in range(120)}}
    with pytest.raises(Invalid) as err:
        mf.check_state_dict(model, state)
    assert "120 unexpected" in err.value.message and "and 117 more" in err.value.message
    assert len(err.value.details) == 50
