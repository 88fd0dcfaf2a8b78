"""Augmentation preview: allowlist, validation and box transforms."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from cvstudio_ext.engine.datasets.augment import (
    MAX_STEPS,
    TRANSFORMS,
    augment,
    describe_transforms,
    validate_pipeline,
)
from cvstudio_ext.errors import Invalid

W, H = 200, 100


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8)


def _decode(sample) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(sample["image"]))))


def test_allowlist():
    required = {
        "HorizontalFlip",
        "VerticalFlip",
        "RandomRotate90",
        "Rotate",
        "Affine",
        "ShiftScaleRotate",
        "RandomResizedCrop",
        "RandomCrop",
        "CenterCrop",
        "Resize",
        "LongestMaxSize",
        "PadIfNeeded",
        "RandomBrightnessContrast",
        "ColorJitter",
        "HueSaturationValue",
        "RGBShift",
        "GaussianBlur",
        "MotionBlur",
        "GaussNoise",
        "CLAHE",
        "ToGray",
        "Sharpen",
        "CoarseDropout",
        "Perspective",
    }
    assert required <= set(TRANSFORMS)
    assert not {"Normalize", "Lambda", "ToTensorV2", "Compose", "OneOf"} & set(TRANSFORMS)


def test_describe_transforms_reads_signature():
    catalogue = describe_transforms()
    json.dumps(catalogue)  # must be serializable as is
    by_name = {t["name"]: t for t in catalogue}
    assert set(by_name) == set(TRANSFORMS)
    rotate = {p["name"]: p for p in by_name["Rotate"]["params"]}
    assert rotate["limit"]["default"] == [-90, 90]
    assert rotate["p"]["default"] == 0.5 and rotate["p"]["constraints"] == {
        "ge": 0,
        "le": 1,
    }
    assert "float" in rotate["p"]["type"]
    resize = {p["name"]: p for p in by_name["Resize"]["params"]}
    assert resize["height"]["required"] and resize["width"]["required"]
    assert "strict" not in rotate and "self" not in rotate
    assert by_name["HorizontalFlip"]["supports_bboxes"] is True


def test_horizontal_flip_moves_boxes_exactly(image):
    boxes = [[10, 20, 30, 40], [0, 0, 200, 100], [12.5, 7.25, 50.5, 3.5]]
    out = augment(image, boxes, [0, 1, 2], [{"type": "HorizontalFlip", "p": 1.0}], seed=3, count=1)
    assert len(out) == 1
    got = out[0]["annotations"]
    assert [a["class_id"] for a in got] == [0, 1, 2]
    for (x, y, w, h), ann in zip(boxes, got):
        assert ann["bbox"] == pytest.approx([W - x - w, y, w, h], abs=1e-3)
    flipped = _decode(out[0])
    assert flipped.shape == (H, W, 3)
    np.testing.assert_array_equal(flipped, image[:, ::-1])


def test_boxes_partly_outside_are_clipped_not_crashing(image):
    out = augment(
        image,
        [[-10, -10, 30, 30], [190, 90, 50, 50], [300, 300, 5, 5]],
        [0, 1, 2],
        [{"type": "VerticalFlip", "p": 1}],
        seed=0,
        count=1,
    )
    got = out[0]["annotations"]
    assert [a["class_id"] for a in got] == [0, 1]  # the box fully outside is dropped
    assert got[0]["bbox"] == pytest.approx([0, H - 20, 20, 20], abs=1e-3)
    assert got[1]["bbox"] == pytest.approx([190, 0, 10, 10], abs=1e-3)


def test_crop_drops_boxes_that_leave_the_image(image):
    out = augment(
        image,
        [[0, 0, 10, 10], [95, 45, 10, 10]],
        [4, 5],
        [{"type": "CenterCrop", "height": 40, "width": 40}],
        seed=0,
        count=1,
    )
    assert _decode(out[0]).shape == (40, 40, 3)
    assert out[0]["annotations"] == [{"class_id": 5, "bbox": pytest.approx([15, 15, 10, 10], abs=1e-3)}]


def test_seed_determinism_and_distinct_samples(image):
    pipe = [
        {"type": "Rotate", "limit": 30, "p": 1.0},
        {"type": "RandomBrightnessContrast", "p": 1.0},
        {"type": "GaussNoise", "p": 1.0},
    ]
    a = augment(image, [[50, 20, 40, 40]], [0], pipe, seed=123, count=4)
    b = augment(image, [[50, 20, 40, 40]], [0], pipe, seed=123, count=4)
    c = augment(image, [[50, 20, 40, 40]], [0], pipe, seed=124, count=4)
    assert a == b
    assert a != c
    assert len({s["image"] for s in a}) == 4  # samples differ within a request


def test_every_allowed_transform_runs(image):
    needs = {
        "RandomResizedCrop": {"size": [64, 64]},
        "RandomSizedCrop": {"min_max_height": [40, 80], "size": [64, 64]},
        "RandomCrop": {"height": 50, "width": 50},
        "CenterCrop": {"height": 50, "width": 50},
        "RandomSizedBBoxSafeCrop": {"height": 50, "width": 50},
        "AtLeastOneBBoxRandomCrop": {"height": 50, "width": 50},
        "Resize": {"height": 64, "width": 64},
        "LongestMaxSize": {"max_size": 64},
        "SmallestMaxSize": {"max_size": 64},
        "PadIfNeeded": {"min_height": 128, "min_width": 256},
        "CropAndPad": {"px": 5},
    }
    for name in TRANSFORMS:
        step = {"type": name, "p": 1.0, **needs.get(name, {})}
        out = augment(image, [[50, 20, 40, 40]], [0], [step], seed=1, count=1)
        assert _decode(out[0]).ndim in (2, 3), name


def test_unknown_transform_is_422_naming_it():
    with pytest.raises(Invalid) as err:
        validate_pipeline([{"type": "HorizontalFlip"}, {"type": "Lambda"}])
    e = err.value
    assert e.status == 422 and "Lambda" in e.message
    assert e.details[0]["step"] == 1 and "HorizontalFlip" in e.details[0]["allowed"]


@pytest.mark.parametrize(
    "step, param",
    [
        ({"type": "Rotate", "foo": 1}, "foo"),
        ({"type": "Rotate", "limit": "abc"}, "limit"),
        ({"type": "Rotate", "p": 2}, "p"),
        ({"type": "GaussianBlur", "sigma_limit": [-5, 1]}, "sigma_limit"),
        ({"type": "Resize", "height": 10}, "width"),
        ({"type": "Resize", "height": 10**6, "width": 10}, "height"),
        ({"type": "Rotate", "limit": float("nan")}, "limit"),
        ({"type": "HorizontalFlip", "strict": False}, "strict"),
    ],
)
def test_bad_params_are_422_naming_transform_and_param(step, param):
    with pytest.raises(Invalid) as err:
        validate_pipeline([step])
    e = err.value
    assert e.status == 422
    assert step["type"] in e.message and param in e.message
    assert e.details[0]["param"] == param


def test_params_must_be_json_literals():
    for value in (print, object(), b"bytes", {1: 2}, lambda: 1):
        with pytest.raises(Invalid):
            validate_pipeline([{"type": "Rotate", "limit": value}])


@pytest.mark.parametrize(
    "pipeline",
    [
        None,
        {"type": "HorizontalFlip"},
        ["HorizontalFlip"],
        [{"p": 1}],
        [{"type": 3}],
        [{"type": "HorizontalFlip"}] * (MAX_STEPS + 1),
    ],
)
def test_malformed_pipelines(pipeline):
    with pytest.raises(Invalid):
        validate_pipeline(pipeline)


@pytest.mark.parametrize("count", [0, 17, -1, 1.5, "2", True])
def test_count_range(image, count):
    with pytest.raises(Invalid):
        augment(image, [], [], [{"type": "HorizontalFlip"}], seed=0, count=count)


def test_empty_pipeline_and_no_boxes(image):
    out = augment(image, [], [], [], seed=None, count=2)
    assert len(out) == 2 and out[0]["annotations"] == []
    np.testing.assert_array_equal(_decode(out[0]), image)


def test_mismatched_boxes_and_ids(image):
    with pytest.raises(Invalid):
        augment(image, [[0, 0, 1, 1]], [], [], seed=0, count=1)
