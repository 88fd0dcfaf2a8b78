"""Running a loaded model on images: decoding, preprocessing, predictions, overlays, COCO output.

Preprocessing here is the contract with training: a classifier sees the image resized
to its weight's `input_size` and normalized with the ImageNet mean/std; a torchvision
detector sees the raw [0, 1] image (it resizes and normalizes inside itself).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont, ImageOps
from torch import nn

from ..errors import Invalid, StudioError, TooLarge

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
DEFAULT_INPUT_SIZE = 224
MAX_INPUT_SIDE = 8192

# ---- images ----------------------------------------------------------------------------


def decode_image(data: bytes, max_pixels: int = 50_000_000) -> Image.Image:
    """An RGB image, turned upright by its EXIF orientation; 422 for what is not an image.

    The pixel count is checked from the header before any pixel is decoded, so a
    decompression bomb is refused without allocating it.
    """
    if not data:
        raise Invalid("The upload is empty; send an image file.", code="bad_image")
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise TooLarge(
                f"The image is {width}x{height} ({width * height:,} pixels); the limit is "
                f"{max_pixels:,} pixels, so scale it down first.",
                code="image_too_large",
            )
        image.load()
        return _to_rgb(_upright(image))
    except StudioError:
        raise
    except (Image.DecompressionBombError, MemoryError):
        raise TooLarge(
            f"The image has too many pixels to decode safely (the limit is {max_pixels:,}); scale it down first.",
            code="image_too_large",
        ) from None
    except Image.UnidentifiedImageError:
        raise Invalid(
            "The upload is not an image PIL can read: its format is not recognized (send JPEG, PNG, BMP, "
            "GIF, TIFF or WebP).",
            code="bad_image",
        ) from None
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds (OSError, SyntaxError, ...) on bad data
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise Invalid(f"The upload is not an image PIL can read: {reason}.", code="bad_image") from None


def _upright(image: Image.Image) -> Image.Image:
    """Rotated/flipped as its EXIF orientation says; a broken EXIF block is ignored, not fatal."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # noqa: BLE001 - EXIF parsing fails in many ways
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB without clipping 16-bit/float greyscale to white (plain `convert` would)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        image = Image.fromarray(arr.astype(np.uint8))
    elif image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    return image if image.mode == "RGB" else image.convert("RGB")


def _size(input_size: int | Sequence[int] | None) -> tuple[int, int]:
    """(H, W) from an int (square) or [H, W]; None means the ImageNet default."""
    if input_size is None:
        return DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE
    if isinstance(input_size, int) and not isinstance(input_size, bool):
        hw = (input_size, input_size)
    elif isinstance(input_size, Sequence) and not isinstance(input_size, str) and len(input_size) in (1, 2):
        hw = (input_size[0], input_size[-1])
    else:
        hw = None
    if hw is None or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_INPUT_SIDE for v in hw):
        raise Invalid(
            f"input_size must be a side length or [height, width] from 1 to {MAX_INPUT_SIDE}, "
            f"not {str(input_size)[:40]}.",
            code="invalid_input_size",
        )
    return hw


def _to_tensor(image: Image.Image) -> torch.Tensor:
    """[3, H, W] float in [0, 1]."""
    arr = np.asarray(image.convert("RGB") if image.mode != "RGB" else image, dtype=np.uint8)
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).float().div_(255.0)


def preprocess(image: Image.Image, input_size: int | Sequence[int] | None) -> torch.Tensor:
    """[1, 3, H, W]: resized (bilinear, antialiased) to the input size and ImageNet-normalized."""
    height, width = _size(input_size)
    resized = image.resize((width, height), Image.Resampling.BILINEAR)
    x = _to_tensor(resized)
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


def detection_tensor(image: Image.Image) -> torch.Tensor:
    """[3, H, W] in [0, 1] at the original size: torchvision detectors resize and normalize inside."""
    return _to_tensor(image)


# ---- predictions -----------------------------------------------------------------------


def _device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _name(classes: Sequence[str], class_id: int) -> str:
    return str(classes[class_id]) if 0 <= class_id < len(classes) else str(class_id)


def classify(model: nn.Module, batch: torch.Tensor, classes: list[str], top_k: int) -> list[list[dict[str, Any]]]:
    """Per image, the top_k classes by softmax score, best first."""
    model.eval()
    with torch.inference_mode():
        out = model(batch.to(_device(model)))
        if isinstance(out, (tuple, list)):  # e.g. a model with auxiliary heads: the first is the logits
            out = out[0]
        if out.ndim != 2:
            raise Invalid(
                f"The model gives outputs of shape {list(out.shape)}, not one score per class; "
                "check the weight's architecture.",
                code="bad_model_output",
            )
        n = out.shape[1]
        if classes and n != len(classes):
            raise Invalid(
                f"The model gives {n} scores but the weight lists {len(classes)} classes; fix the weight's classes.",
                code="classes_mismatch",
            )
        k = max(1, min(int(top_k), n))
        scores, ids = torch.softmax(out.float(), dim=1).topk(k, dim=1)
    return [
        [
            {"class_id": int(c), "class_name": _name(classes, int(c)), "score": float(s)}
            for s, c in zip(row_scores.tolist(), row_ids.tolist())
        ]
        for row_scores, row_ids in zip(scores, ids)
    ]


def detect(
    model: nn.Module, images: list[torch.Tensor], classes: list[str], score_threshold: float
) -> list[list[dict[str, Any]]]:
    """Per image, detections with absolute [x, y, w, h] boxes in the image's own pixels, best first.

    Torchvision label l (1..n; 0 is background) is class id l - 1.
    """
    if not images:
        return []
    model.eval()
    device = _device(model)
    results = []
    with torch.inference_mode():
        outputs = model([im.to(device) for im in images])
        for image, out in zip(images, outputs):
            results.append(_detections(out, image.shape[-2:], classes, score_threshold))
    return results


def _detections(
    out: dict[str, torch.Tensor], size: Sequence[int], classes: Sequence[str], score_threshold: float
) -> list[dict[str, Any]]:
    """One image's torchvision output as API detections, boxes clipped to the image."""
    height, width = int(size[0]), int(size[1])
    boxes = out["boxes"].float().cpu().clone()
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
    dets = []
    for (x1, y1, x2, y2), score, label in zip(boxes.tolist(), out["scores"].tolist(), out["labels"].tolist()):
        class_id = int(label) - 1
        if score < score_threshold or class_id < 0 or (classes and class_id >= len(classes)):
            continue
        dets.append(
            {
                "class_id": class_id,
                "class_name": _name(classes, class_id),
                "score": float(score),
                "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
            }
        )
    dets.sort(key=lambda d: d["score"], reverse=True)
    return dets


# ---- output ---------------------------------------------------------------------------

PALETTE = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
]  # fmt: skip


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow < 10.1 or no FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _label(
    draw: ImageDraw.ImageDraw, image_width: int, xy: tuple[float, float], text: str, font: Any, color: tuple
) -> None:
    """Text on a filled box in the given color, above the point when it fits, kept inside the image."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    w, h = right - left + 4, bottom - top + 4
    x = min(max(xy[0], 0), max(image_width - w, 0))
    y = xy[1] - h if xy[1] - h >= 0 else xy[1]
    text_color = (0, 0, 0) if sum(color) > 382 else (255, 255, 255)
    draw.rectangle([x, y, x + w, y + h], fill=color)
    draw.text((x + 2 - left, y + 2 - top), text, font=font, fill=text_color)


OVERLAY_MIN_SIDE = 96


def draw_overlay(image: Image.Image, result: dict[str, Any]) -> bytes:
    """A PNG of the image with detections boxed and labelled, or the top 3 classes in a banner.

    An image smaller than OVERLAY_MIN_SIDE is first enlarged (by a whole factor, pixels kept
    sharp), so that its labels cover a corner of it rather than all of it."""
    canvas = image.convert("RGB") if image.mode != "RGB" else image.copy()
    scale = 1
    if min(canvas.size) < OVERLAY_MIN_SIDE:
        scale = math.ceil(2 * OVERLAY_MIN_SIDE / max(1, min(canvas.size)))
        canvas = canvas.resize((canvas.width * scale, canvas.height * scale), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    side = min(canvas.size)
    font = _font(max(10, side // 30))
    if "detections" in result or result.get("task") == "detection":
        width = max(1, side // 200)
        for det in result.get("detections", []):
            x, y, w, h = (v * scale for v in det["bbox"])
            color = PALETTE[int(det["class_id"]) % len(PALETTE)]
            draw.rectangle([x, y, x + w, y + h], outline=color, width=width)
            _label(draw, canvas.width, (x, y), f"{det['class_name']} {det['score']:.2f}", font, color)
    else:
        lines = [f"{p['class_name']} {p['score'] * 100:.1f}%" for p in result.get("predictions", [])[:3]]
        if lines:
            boxes = [draw.textbbox((0, 0), line, font=font) for line in lines]
            line_h = max(b[3] - b[1] for b in boxes) + 4
            banner_w = max(b[2] - b[0] for b in boxes) + 8
            # Darken only the banner's corner (blending the whole image would copy it twice).
            region = (0, 0, min(banner_w, canvas.width), min(line_h * len(lines) + 4, canvas.height))
            shade = Image.new("RGB", (region[2], region[3]), (0, 0, 0))
            canvas.paste(Image.blend(canvas.crop(region), shade, 0.6), region[:2])
            for i, (line, box) in enumerate(zip(lines, boxes)):
                draw.text((4 - box[0], 4 + i * line_h - box[1]), line, font=font, fill=(255, 255, 255))
    buf = io.BytesIO()
    canvas.save(buf, format="PNG")
    return buf.getvalue()


def coco_results(
    detections_per_image: list[tuple[int, list[dict[str, Any]]]], category_ids: list[int] | None
) -> list[dict[str, Any]]:
    """COCO's results format; class ids become the dataset's source category ids when known."""
    out = []
    for image_id, detections in detections_per_image:
        for det in detections:
            class_id = int(det["class_id"])
            category = category_ids[class_id] if category_ids and 0 <= class_id < len(category_ids) else class_id
            out.append(
                {
                    "image_id": image_id,
                    "category_id": int(category),
                    "bbox": [float(v) for v in det["bbox"]],
                    "score": float(det["score"]),
                }
            )
    return out
