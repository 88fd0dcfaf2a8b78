"""Inference helpers: decoding, preprocessing, classification, detection, overlays, COCO output."""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from cvstudio_ext.engine.inference import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    classify,
    coco_results,
    decode_image,
    detect,
    detection_tensor,
    draw_overlay,
    preprocess,
)
from cvstudio_ext.errors import Invalid, TooLarge


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def gradient(width: int = 160, height: int = 120) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, None].repeat(width, 1)
    return Image.fromarray(np.stack([x, y, 255 - x], axis=-1), "RGB")


# ---- decode_image ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1", "CMYK"])
def test_decode_gives_rgb(mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = decode_image(encode(gradient(40, 30).convert(mode), fmt))
    assert image.mode == "RGB" and image.size == (40, 30)


def test_decode_16_bit_is_not_clipped_white() -> None:
    arr = np.linspace(0, 65535, 40 * 30).reshape(30, 40).astype(np.uint16)
    image = decode_image(encode(Image.fromarray(arr)))
    px = np.asarray(image)
    assert image.mode == "RGB" and px.min() == 0 and px.max() == 255


def test_decode_applies_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image = decode_image(encode(gradient(40, 20), "JPEG", exif=exif.tobytes()))
    assert image.size == (20, 40)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", bytes(range(256)) * 8, encode(gradient())[:200], b"GIF89a" + bytes(20)],
    ids=["empty", "text", "binary", "truncated-png", "bad-gif"],
)
def test_decode_garbage(data: bytes) -> None:
    with pytest.raises(Invalid) as err:
        decode_image(data)
    assert err.value.code == "bad_image"


def test_decode_truncated_jpeg() -> None:
    data = encode(gradient(), "JPEG")
    with pytest.raises(Invalid) as err:
        decode_image(data[: len(data) // 2])
    assert err.value.code == "bad_image"
    assert "not an image PIL can read" in err.value.message


def test_decode_too_many_pixels() -> None:
    with pytest.raises(TooLarge):
        decode_image(encode(gradient(100, 100)), max_pixels=5000)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's signature."""
    data = bytearray(encode(Image.new("RGB", (1, 1))))
    ihdr = 8  # after the PNG signature: length(4), b"IHDR"(4), data(13), crc(4)
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 21]))
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize("side", [9000, 100_000])
def test_decode_bomb(side: int) -> None:
    with pytest.raises(TooLarge):
        decode_image(png_claiming(side, side))


# ---- preprocess ----------------------------------------------------------------------


def test_preprocess_sizes_and_normalization() -> None:
    mean_color = tuple(round(m * 255) for m in IMAGENET_MEAN)
    image = Image.new("RGB", (50, 40), mean_color)
    x = preprocess(image, 32)
    assert x.shape == (1, 3, 32, 32) and x.dtype == torch.float32
    assert x.abs().max() < 0.02
    assert preprocess(image, [24, 48]).shape == (1, 3, 24, 48)
    white = preprocess(Image.new("RGB", (8, 8), (255, 255, 255)), 8)
    for c in range(3):
        assert white[0, c, 0, 0].item() == pytest.approx((1 - IMAGENET_MEAN[c]) / IMAGENET_STD[c], abs=1e-5)


@pytest.mark.parametrize("bad", [0, -3, [1, 2, 3], "224", [224.0, 224], True])
def test_preprocess_bad_size(bad) -> None:
    with pytest.raises(Invalid):
        preprocess(Image.new("RGB", (8, 8)), bad)


def test_detection_tensor() -> None:
    t = detection_tensor(gradient(160, 120))
    assert t.shape == (3, 120, 160) and 0 <= t.min() and t.max() <= 1
    assert t[0, 0, -1].item() == pytest.approx(1.0)


# ---- classify ------------------------------------------------------------------------


def test_classify_matches_hand_softmax() -> None:
    linear = nn.Linear(2, 3)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        linear.bias.copy_(torch.tensor([0.0, 0.5, -1.0]))
    model = nn.Sequential(nn.Flatten(), linear, nn.Dropout(0.9))
    model.train()
    batch = torch.tensor([[2.0, 0.5], [0.0, 3.0]])
    out = classify(model, batch, ["cat", "dog", "bird"], top_k=10)
    assert not model.training
    for row, (a, b) in zip(out, batch.tolist()):
        logits = [a, b + 0.5, a + b - 1.0]
        exp = [math.exp(v) for v in logits]
        expected = sorted(((e / sum(exp), i) for i, e in enumerate(exp)), reverse=True)
        assert len(row) == 3  # clipped to the number of classes
        assert [p["class_id"] for p in row] == [i for _, i in expected]
        assert [p["class_name"] for p in row] == [["cat", "dog", "bird"][i] for _, i in expected]
        for p, (score, _) in zip(row, expected):
            assert p["score"] == pytest.approx(score, abs=1e-6)
            assert set(p) == {"class_id", "class_name", "score"}
    assert len(classify(model, batch, ["cat", "dog", "bird"], top_k=1)[0]) == 1


def test_classify_classes_mismatch() -> None:
    with pytest.raises(Invalid) as err:
        classify(nn.Linear(2, 3), torch.zeros(1, 2), ["a", "b"], top_k=5)
    assert err.value.code == "classes_mismatch"


# ---- detect --------------------------------------------------------------------------


class FixedDetector(nn.Module):
    """Returns the given torchvision-style outputs, whatever the input."""

    def __init__(self, outputs: list[dict[str, torch.Tensor]]):
        super().__init__()
        self.outputs = outputs

    def forward(self, images):
        assert not self.training
        return self.outputs[: len(images)]


def test_detect_converts_boxes_labels_and_threshold() -> None:
    out = {
        "boxes": torch.tensor([[10.0, 20.0, 50.0, 60.0], [-5.0, 0.0, 170.0, 130.0], [1.0, 1.0, 2.0, 2.0]]),
        "scores": torch.tensor([0.6, 0.9, 0.1]),
        "labels": torch.tensor([1, 2, 1]),
    }
    model = FixedDetector([out])
    model.train()
    [dets] = detect(model, [torch.zeros(3, 120, 160)], ["cat", "dog"], score_threshold=0.5)
    assert dets == [
        {"class_id": 1, "class_name": "dog", "score": pytest.approx(0.9), "bbox": [0.0, 0.0, 160.0, 120.0]},
        {"class_id": 0, "class_name": "cat", "score": pytest.approx(0.6), "bbox": [10.0, 20.0, 40.0, 40.0]},
    ]


def test_detect_real_model_is_well_formed() -> None:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=3
    )
    images = [detection_tensor(gradient(160, 120)), detection_tensor(gradient(100, 140))]
    results = detect(model, images, ["a", "b"], score_threshold=0.0)
    assert not model.training and len(results) == 2
    assert all(results)  # seed 0 gives a random model low but non-zero scores
    for image, dets in zip(images, results):
        height, width = image.shape[-2:]
        scores = [d["score"] for d in dets]
        assert scores == sorted(scores, reverse=True)
        for d in dets:
            assert set(d) == {"class_id", "class_name", "score", "bbox"}
            assert d["class_id"] in (0, 1) and d["class_name"] == "ab"[d["class_id"]]
            x, y, w, h = d["bbox"]
            assert 0 <= x and 0 <= y and w >= 0 and h >= 0
            assert x + w <= width + 0.01 and y + h <= height + 0.01
    high = detect(model, images, ["a", "b"], score_threshold=0.3)
    assert all(d["score"] >= 0.3 for dets in high for d in dets)
    assert detect(model, [], ["a", "b"], 0.5) == []


# ---- overlay and COCO ----------------------------------------------------------------


def test_overlay_detection() -> None:
    image = Image.new("RGB", (160, 120), (255, 255, 255))
    result = {
        "task": "detection",
        "detections": [
            {"class_id": 0, "class_name": "cat", "score": 0.91, "bbox": [10.0, 30.0, 60.0, 50.0]},
            {"class_id": 1, "class_name": "dog", "score": 0.5, "bbox": [150.0, 0.0, 10.0, 120.0]},
        ],
    }
    png = draw_overlay(image, result)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    out = Image.open(io.BytesIO(png))
    assert out.size == image.size
    assert out.getpixel((10, 60)) != (255, 255, 255)  # the box's left edge
    assert out.getpixel((40, 60)) == (255, 255, 255)  # inside the box is untouched
    assert image.getpixel((10, 60)) == (255, 255, 255)  # the input is not drawn on
    assert Image.open(io.BytesIO(draw_overlay(image, {"task": "detection", "detections": []}))).size == (160, 120)


def test_overlay_classification() -> None:
    image = gradient(160, 120)
    preds = [{"class_id": i, "class_name": f"class {i}", "score": s} for i, s in enumerate([0.7, 0.2, 0.05, 0.05])]
    out = Image.open(io.BytesIO(draw_overlay(image, {"task": "classification", "predictions": preds})))
    assert out.size == (160, 120) and out.mode == "RGB"
    assert np.asarray(out)[:10, :40].mean() != np.asarray(image)[:10, :40].mean()
    assert np.array_equal(np.asarray(out)[-10:, -10:], np.asarray(image)[-10:, -10:])


def test_overlay_of_a_small_image_is_enlarged_so_its_labels_cover_a_corner() -> None:
    image = gradient(16, 16)
    preds = [{"class_id": i, "class_name": f"class {i}", "score": s} for i, s in enumerate([0.7, 0.2, 0.1])]
    out = np.asarray(Image.open(io.BytesIO(draw_overlay(image, {"task": "classification", "predictions": preds}))))
    assert out.shape[:2] == (192, 192)  # 12 times, pixels kept sharp
    untouched = np.all(out == np.kron(np.asarray(image), np.ones((12, 12, 1), dtype=np.uint8)), axis=-1)
    assert untouched.mean() > 0.5, "the banner covers most of the image"
    det = {"task": "detection", "detections": [{"class_id": 0, "class_name": "a", "score": 0.9, "bbox": [8, 8, 4, 4]}]}
    boxed = np.asarray(Image.open(io.BytesIO(draw_overlay(image, det))))
    assert not np.array_equal(boxed[96:144, 144], out[96:144, 144])  # the box, scaled with the image


def test_coco_results() -> None:
    pairs = [
        (7, [{"class_id": 1, "class_name": "dog", "score": 0.9, "bbox": [1.0, 2.0, 3.0, 4.0]}]),
        (8, []),
        (9, [{"class_id": 0, "class_name": "cat", "score": 0.4, "bbox": [0, 0, 5, 5]}]),
    ]
    assert coco_results(pairs, [3, 18]) == [
        {"image_id": 7, "category_id": 18, "bbox": [1.0, 2.0, 3.0, 4.0], "score": 0.9},
        {"image_id": 9, "category_id": 3, "bbox": [0.0, 0.0, 5.0, 5.0], "score": 0.4},
    ]
    assert [r["category_id"] for r in coco_results(pairs, None)] == [1, 0]
