"""Augmentation previews of a dataset's images, and the catalogue of transforms a
pipeline may name (with the input that edits each param)."""

from __future__ import annotations

import ast
import functools
import re
from typing import Any

from sqlalchemy import select

from ..errors import Invalid
from ..store import Store
from ..store.models import Annotation
from .dataset_images import DatasetImages, class_name
from .index_rows import boxes_of


class DatasetAugment:
    def __init__(self, store: Store, images: DatasetImages):
        self.store = store
        self.images = images

    def augment(
        self,
        user: str,
        dataset_id: int,
        image_id: int,
        pipeline: list[dict[str, Any]],
        seed: int | None,
        count: int,
    ) -> dict[str, Any]:
        import numpy as np
        from PIL import Image as PILImage
        from PIL import ImageOps

        from ..engine.datasets.augment import augment, validate_pipeline

        validate_pipeline(pipeline)
        ds, img, path = self.images.image_source(user, dataset_id, image_id)
        with self.store.session() as s:
            _, shift = boxes_of(ds)
            anns = list(
                s.scalars(select(Annotation).where(Annotation.image_id == image_id - shift).order_by(Annotation.id))
            )
        try:
            with PILImage.open(path) as pil:
                array = np.asarray(ImageOps.exif_transpose(pil).convert("RGB"))
        except (OSError, ValueError) as exc:
            raise Invalid(
                f"Image {image_id} ({img.file}) cannot be decoded: {exc}",
                code="corrupt_image",
            ) from None
        boxed = [
            a for a in anns if a.w is not None and a.w > 0 and a.h is not None and a.h > 0 and a.class_id is not None
        ]
        samples = augment(
            array,
            [[a.x, a.y, a.w, a.h] for a in boxed],
            [a.class_id for a in boxed],
            pipeline,
            seed,
            count,
        )
        for sample in samples:
            for a in sample["annotations"]:
                a["class_name"] = class_name(ds.classes, a["class_id"])
        return {"samples": samples}

    def augmentations(self) -> dict[str, Any]:
        """The transforms a pipeline may name, with the input that edits each param."""
        return {"transforms": transform_catalogue()}


@functools.cache
def transform_catalogue() -> list[dict[str, Any]]:
    """describe_transforms() with an `input` on every param; read from albumentations once
    per process (the allowlist and the library cannot change while it runs)."""
    from ..engine.datasets.augment import describe_transforms

    catalogue = describe_transforms()
    for transform in catalogue:
        for param in transform["params"]:
            param["input"] = param_input(param["type"], param["default"])
    return catalogue


_FIXED_TUPLE = re.compile(r"tuple\[[\w |]+(?:, [\w |]+)+\]")  # tuple[float, float], tuple[int | None, int | None]


def _alternatives(type_text: str) -> list[str]:
    """The top-level members of `A | B` or `Union[A, B]`."""
    sep = "|"
    if type_text.startswith("Union[") and type_text.endswith("]"):
        type_text, sep = type_text[6:-1], ","
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(type_text):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == sep and depth == 0:
            parts.append(type_text[start:i].strip())
            start = i + 1
    return [*parts, type_text[start:].strip()]


def _integer(type_text: str) -> bool:
    return "int" in type_text and "float" not in type_text


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def param_input(type_text: str, default: Any) -> dict[str, Any]:
    """How an editor asks for a param of this annotation and default: `bool`, `choice`
    (with `choices`), `number`, or `tuple` (with `length`), each maybe `integer` and
    `nullable` (an empty field is null); `json` for the rest (dicts, nested unions)."""
    alternatives = _alternatives(type_text)
    nullable = "None" in alternatives
    if alternatives == ["bool"]:
        return {"kind": "bool"}
    literal = alternatives[0]
    if len(alternatives) == 1 and literal.startswith("Literal[") and "[" not in literal[8:]:
        try:
            choices = ast.literal_eval(f"[{literal[8:-1]}]")
            return {"kind": "choice", "choices": choices, "nullable": None in choices}
        except (ValueError, SyntaxError):
            return {"kind": "json", "nullable": nullable}
    tuples = [a for a in alternatives if _FIXED_TUPLE.fullmatch(a)]
    scalars = [a for a in alternatives if a in ("int", "float")]
    if isinstance(default, list) and default and all(v is None or _number(v) for v in default):
        items = tuples[0] if tuples else type_text
        return {"kind": "tuple", "length": len(default), "integer": _integer(items), "nullable": nullable}
    if default is None and tuples:  # a range reads better as two fields than as one number
        items = tuples[0]
        return {"kind": "tuple", "length": items.count(",") + 1, "integer": _integer(items), "nullable": nullable}
    if _number(default) or (default is None and scalars):
        integer = scalars == ["int"] if scalars else _integer(type_text)
        return {"kind": "number", "integer": integer, "nullable": nullable}
    return {"kind": "json", "nullable": nullable}
