"""Augmentation preview: run a user-described albumentations pipeline on one image.

The pipeline comes from the browser as JSON, so it is treated as hostile: only transforms
on an allowlist can be named, every parameter must be a plain JSON literal and a
parameter of that transform's constructor, albumentations' own pydantic schema checks
types and ranges, and size-like parameters are capped so a preview cannot allocate
gigabytes. Nothing in the input is ever evaluated, imported or called.
"""

from __future__ import annotations

import base64
import enum
import inspect
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import albumentations as A
import cv2
import numpy as np

from ...errors import Invalid, TooLarge

MAX_STEPS = 32
MAX_COUNT = 16
# Largest side any size-like parameter may ask for; previews never need more.
MAX_SIDE = 4096
MAX_INPUT_PIXELS = 50_000_000
_MAX_DEPTH = 4
_MAX_LIST = 64
_MAX_STR = 64

_ALLOWED_NAMES = (
    # geometric, moving boxes with the image
    "HorizontalFlip",
    "VerticalFlip",
    "Transpose",
    "RandomRotate90",
    "D4",
    "SquareSymmetry",
    "Rotate",
    "SafeRotate",
    "Affine",
    "ShiftScaleRotate",
    "Perspective",
    "ElasticTransform",
    "GridDistortion",
    "OpticalDistortion",
    "RandomResizedCrop",
    "RandomSizedCrop",
    "RandomCrop",
    "CenterCrop",
    "RandomSizedBBoxSafeCrop",
    "BBoxSafeRandomCrop",
    "AtLeastOneBBoxRandomCrop",
    "CropAndPad",
    "Resize",
    "LongestMaxSize",
    "SmallestMaxSize",
    "RandomScale",
    "PadIfNeeded",
    # pixel-level
    "RandomBrightnessContrast",
    "ColorJitter",
    "HueSaturationValue",
    "RGBShift",
    "RandomGamma",
    "CLAHE",
    "ToGray",
    "ChannelShuffle",
    "InvertImg",
    "Posterize",
    "Solarize",
    "GaussianBlur",
    "MotionBlur",
    "Blur",
    "MedianBlur",
    "Sharpen",
    "Emboss",
    "GaussNoise",
    "ISONoise",
    "ImageCompression",
    "Downscale",
    "CoarseDropout",
    "RandomShadow",
    "RandomFog",
    "RandomRain",
    "RandomSunFlare",
)
# Normalize, ToTensorV2, Lambda, Equalize (takes a mask callable), the Compose family and
# anything taking callables or file paths are deliberately absent.

TRANSFORMS: dict[str, type] = {
    name: getattr(A, name) for name in _ALLOWED_NAMES if isinstance(getattr(A, name, None), type)
}

# Upper bounds on numeric values (anywhere inside the value) of parameters whose size
# drives memory or CPU time; pydantic already enforces albumentations' own ranges.
_PARAM_CAPS: dict[str, float] = {
    "height": MAX_SIDE,
    "width": MAX_SIDE,
    "size": MAX_SIDE,
    "max_size": MAX_SIDE,
    "max_size_hw": MAX_SIDE,
    "min_height": MAX_SIDE,
    "min_width": MAX_SIDE,
    "min_max_height": MAX_SIDE,
    "pad_height_divisor": MAX_SIDE,
    "pad_width_divisor": MAX_SIDE,
    "px": MAX_SIDE,
    "translate_px": MAX_SIDE,
    "src_radius": MAX_SIDE,
    "blur_limit": 99,
    "kernel_size": 99,
    "sigma_limit": 50,
    "sigma": 100,
    "tile_grid_size": 64,
    "num_holes_range": 1000,
    "num_steps": 100,
    "num_shadows_limit": 100,
    "num_flare_circles_range": 100,
    "shadow_dimension": 100,
    "drop_length": 1000,
    "drop_width": 100,
    "blur_value": 99,
    "alpha": 1000,
    "scale_limit": 4,
    "scale": 8,
    "clip_limit": 100,
}


@dataclass(frozen=True)
class PipelineStep:
    """One validated step: the transform class and the exact kwargs that built it once."""

    type: str
    cls: type
    params: dict[str, Any]

    def build(self) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.cls(**self.params)


# ---------------------------------------------------------------- describing


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty or annotation is None:
        return "any"
    if isinstance(annotation, type):
        return annotation.__name__
    text = str(annotation)
    text = re.sub(r"<class '([\w.]+)'>", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("typing.", "").replace("NoneType", "None")


def _json_safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _json_safe(value.value)
    if isinstance(value, (tuple, list)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def _constraints(field: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in getattr(field, "metadata", []) or []:
        for key in ("ge", "gt", "le", "lt"):
            bound = getattr(meta, key, None)
            if bound is not None:
                out[key] = _json_safe(bound)
    return out


def _param_names(cls: type) -> list[str]:
    sig = inspect.signature(cls.__init__)
    return [
        name
        for name, p in sig.parameters.items()
        if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def describe_transforms() -> list[dict[str, Any]]:
    """Catalogue of allowed transforms, read from albumentations itself so it cannot drift.

    Names, defaults and required-ness come from the constructor signature; types and
    numeric bounds from the transform's pydantic InitSchema when it declares them.
    """
    catalogue = []
    for name, cls in TRANSFORMS.items():
        sig = inspect.signature(cls.__init__)
        schema_fields = getattr(getattr(cls, "InitSchema", None), "model_fields", {}) or {}
        targets = [getattr(t, "value", str(t)) for t in getattr(cls, "_targets", ()) or ()]
        params = []
        for pname in _param_names(cls):
            p = sig.parameters[pname]
            field = schema_fields.get(pname)
            annotation = field.annotation if field is not None else p.annotation
            entry: dict[str, Any] = {
                "name": pname,
                "type": _type_name(annotation),
                "required": p.default is inspect.Parameter.empty,
                "default": None if p.default is inspect.Parameter.empty else _json_safe(p.default),
            }
            bounds = _constraints(field) if field is not None else {}
            if pname in _PARAM_CAPS:
                bounds.setdefault("max", _PARAM_CAPS[pname])
            if bounds:
                entry["constraints"] = bounds
            params.append(entry)
        doc = inspect.getdoc(cls) or ""
        catalogue.append(
            {
                "name": name,
                "description": doc.split("\n\n", 1)[0].replace("\n", " ").strip(),
                "targets": targets,
                "supports_bboxes": "BBoxes" in targets,
                "params": params,
            }
        )
    return catalogue


# ---------------------------------------------------------------- validating


def _check_literal(value: Any, where: str, depth: int = 0) -> Any:
    """Accept only JSON literals (no objects of other kinds); lists become tuples."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where} is nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError(f"{where} is out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number")
        return value
    if isinstance(value, str):
        if len(value) > _MAX_STR:
            raise ValueError(f"{where} is too long a string")
        return value
    if isinstance(value, (list, tuple)):
        if len(value) > _MAX_LIST:
            raise ValueError(f"{where} has too many items")
        return tuple(_check_literal(v, where, depth + 1) for v in value)
    if isinstance(value, dict):
        if len(value) > _MAX_LIST:
            raise ValueError(f"{where} has too many keys")
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{where} has a non-string key")  # noqa: TRY004 - becomes a 422
            out[k] = _check_literal(v, where, depth + 1)
        return out
    raise ValueError(f"{where} must be a JSON number, string, boolean, null, list or object")


def _numbers(value: Any):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)


def _error_from_validation(exc: BaseException) -> tuple[str | None, str]:
    """(param name, reason) from albumentations' wrapped pydantic ValidationError."""
    cause = exc.__cause__ or exc.__context__
    errors = getattr(cause, "errors", None) or getattr(exc, "errors", None)
    if callable(errors):
        try:
            items = errors()
        except (TypeError, ValueError, AttributeError):
            items = []
        for item in items:
            loc = [str(part) for part in item.get("loc", ())]
            param = loc[0] if loc else None
            return param, str(item.get("msg", "invalid value"))
    first = str(exc).strip().splitlines()
    return None, first[-1].strip() if first else type(exc).__name__


def validate_pipeline(pipeline: Any) -> list[PipelineStep]:
    """Check a JSON pipeline and return steps that build an A.Compose.

    Every step is instantiated once here, so albumentations' own validation runs now and
    its errors become 422s naming the step, the transform and the parameter.
    """
    if not isinstance(pipeline, list):
        raise Invalid('The pipeline must be a list of steps like {"type": "HorizontalFlip", "p": 0.5}.')
    if len(pipeline) > MAX_STEPS:
        raise Invalid(
            f"The pipeline has {len(pipeline)} steps; at most {MAX_STEPS} are allowed.",
            details=[{"steps": len(pipeline), "max": MAX_STEPS}],
        )
    steps: list[PipelineStep] = []
    for index, raw in enumerate(pipeline):
        if not isinstance(raw, dict):
            raise Invalid(
                f'Pipeline step {index} must be an object with a "type" field.',
                details=[{"step": index}],
            )
        name = raw.get("type")
        if not isinstance(name, str) or name not in TRANSFORMS:
            shown = name if isinstance(name, str) else repr(name)
            raise Invalid(
                f"Unknown transform {shown!r} in step {index}; choose one of the allowed transforms.",
                code="unknown_transform",
                details=[{"step": index, "type": shown, "allowed": sorted(TRANSFORMS)}],
            )
        cls = TRANSFORMS[name]
        allowed_params = _param_names(cls)
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "type":
                continue
            if key not in allowed_params:
                raise Invalid(
                    f"{name} has no parameter {key!r} (step {index}).",
                    code="invalid_param",
                    details=[
                        {
                            "step": index,
                            "type": name,
                            "param": key,
                            "allowed": allowed_params,
                        }
                    ],
                )
            try:
                params[key] = _check_literal(value, f"{name}.{key}")
            except ValueError as exc:
                raise Invalid(
                    f"Parameter {key!r} of {name} (step {index}) is invalid: {exc}.",
                    code="invalid_param",
                    details=[{"step": index, "type": name, "param": key, "reason": str(exc)}],
                ) from None
            cap = _PARAM_CAPS.get(key)
            if cap is not None and any(abs(v) > cap for v in _numbers(params[key])):
                raise Invalid(
                    f"Parameter {key!r} of {name} (step {index}) is too large for a preview; "
                    f"keep it at or below {cap}.",
                    code="invalid_param",
                    details=[{"step": index, "type": name, "param": key, "max": cap}],
                )
        step = PipelineStep(type=name, cls=cls, params=params)
        try:
            step.build()
        except (ValueError, TypeError, AssertionError) as exc:
            param, reason = _error_from_validation(exc)
            where = f"parameter {param!r} of {name}" if param else f"parameters for {name}"
            reason = re.sub(r"^(Value|Assertion) error, ", "", reason).rstrip(".")
            raise Invalid(
                f"Invalid {where} (step {index}): {reason}.",
                code="invalid_param",
                details=[{"step": index, "type": name, "param": param, "reason": reason}],
            ) from None
        steps.append(step)
    return steps


def build_compose(steps: list[PipelineStep], seed: int | None = None) -> A.Compose:
    """A.Compose for detection previews: boxes in COCO pixels follow the image."""
    bbox_params = A.BboxParams(
        format="coco",
        label_fields=["class_ids"],
        clip=True,
        filter_invalid_bboxes=True,
        min_visibility=0.01,
        min_area=1.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return A.Compose([s.build() for s in steps], bbox_params=bbox_params, seed=seed)


# ---------------------------------------------------------------- running


def _as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        raise Invalid("The image must be an HxWx3 RGB array.")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    elif image.shape[2] != 3:
        raise Invalid(
            "The image must have 1, 3 or 4 channels.",
            details=[{"shape": list(image.shape)}],
        )
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise Invalid("The image is empty.")
    if image.shape[0] * image.shape[1] > MAX_INPUT_PIXELS:
        raise TooLarge(
            "The image is too large to preview augmentations on.",
            details=[
                {
                    "width": image.shape[1],
                    "height": image.shape[0],
                    "max_pixels": MAX_INPUT_PIXELS,
                }
            ],
        )
    return np.ascontiguousarray(image)


def _clip_boxes(boxes: list, class_ids: list, width: int, height: int) -> tuple[list[list[float]], list[int]]:
    """Clip boxes to the image (albumentations rejects out-of-bounds COCO boxes) and drop empty ones."""
    if len(boxes) != len(class_ids):
        raise Invalid(
            "Boxes and class ids must have the same length.",
            details=[{"boxes": len(boxes), "class_ids": len(class_ids)}],
        )
    out_boxes, out_ids = [], []
    for box, cid in zip(boxes, class_ids):
        try:
            x, y, w, h = (float(v) for v in box)
        except (TypeError, ValueError):
            raise Invalid(
                "Each box must be [x, y, w, h] numbers.",
                details=[{"bbox": repr(box)[:100]}],
            ) from None
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            continue
        x1, y1 = max(0.0, min(x, width)), max(0.0, min(y, height))
        x2, y2 = max(0.0, min(x + w, width)), max(0.0, min(y + h, height))
        if x2 - x1 <= 0 or y2 - y1 <= 0:
            continue
        out_boxes.append([x1, y1, x2 - x1, y2 - y1])
        out_ids.append(int(cid))
    return out_boxes, out_ids


def _png_base64(image: np.ndarray) -> str:
    if image.dtype != np.uint8:
        scale = 255.0 if image.dtype.kind == "f" and float(image.max(initial=0)) <= 1.0 else 1.0
        image = np.clip(image * scale, 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    elif image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise Invalid("The augmented image could not be encoded as PNG.")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def augment(
    image: np.ndarray,
    boxes: list,
    class_ids: list[int],
    pipeline: list[dict],
    seed: int | None = None,
    count: int = 1,
) -> list[dict]:
    """Apply `pipeline` `count` times; return base64 PNGs with the boxes that survived.

    One Compose seeded with `seed` draws all samples in turn, so the same request gives
    the same pictures and the samples within it differ from each other.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise Invalid(
            f"count must be an integer from 1 to {MAX_COUNT}.",
            details=[{"count": count}],
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32):
        raise Invalid("seed must be an integer from 0 to 2**32 - 1.", details=[{"seed": seed}])
    steps = validate_pipeline(pipeline)
    image = _as_rgb_uint8(image)
    height, width = image.shape[:2]
    clipped, ids = _clip_boxes(list(boxes or []), list(class_ids or []), width, height)
    compose = build_compose(steps, seed)
    samples = []
    for _ in range(count):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = compose(
                    image=image,
                    bboxes=np.asarray(clipped, dtype=np.float32).reshape(-1, 4),
                    class_ids=ids,
                )
        except (ValueError, TypeError, cv2.error) as exc:
            raise Invalid(
                f"The pipeline cannot be applied to this image: {exc}",
                code="augmentation_failed",
                details=[{"reason": str(exc)[:300]}],
            ) from None
        annotations = [
            {"class_id": int(cid), "bbox": [round(float(v), 3) for v in box]}
            for box, cid in zip(np.asarray(out["bboxes"]).reshape(-1, 4).tolist(), out["class_ids"])
        ]
        samples.append({"image": _png_base64(out["image"]), "annotations": annotations})
    return samples
