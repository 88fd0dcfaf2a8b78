"""Decoding a COCO JSON into the few fields the reader uses.

A COCO file of a million boxes is mostly objects of six keys. Decoding each into a dict
(orjson: 4.7 s for 190 MB here) costs twice as much as decoding it into a struct of the
fields read (msgspec: 2.0 s), which skips the rest of each entry unread and makes each
box the tuple of floats the record keeps. A file whose
shape the structs do not fit (an entry that is not an object, `images` that is not a
list, a number past a double) is decoded whole instead and its entries converted one by
one, so the reader still reports every bad entry and keeps the good ones.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

MISSING: Any = msgspec.UNSET  # a key the entry does not have


class Image(msgspec.Struct, gc=False):
    id: Any = None
    file_name: Any = None
    width: Any = None
    height: Any = None


class Annotation(msgspec.Struct, gc=False):
    image_id: Any = MISSING
    id: Any = MISSING
    category_id: Any = None
    # decoded straight into the record's box: four numbers as floats (or the file
    # takes the slow path, where the reader reports the bad box)
    bbox: tuple[float, float, float, float] | None | msgspec.UnsetType = MISSING
    area: Any = None
    iscrowd: Any = None
    segmentation: Any = MISSING
    # only to tell other COCO kinds from instances
    keypoints: Any = MISSING
    segments_info: Any = MISSING
    caption: Any = MISSING


class File(msgspec.Struct, gc=False):
    images: list[Image] | None = None
    annotations: list[Annotation] | None = None
    categories: list[Any] | None = None


_DECODER = msgspec.json.Decoder(File)
_IMAGE_KEYS = tuple(Image.__struct_fields__)
_ANNOTATION_KEYS = tuple(Annotation.__struct_fields__)


def decode(raw: bytes) -> File | Any:
    """The file as a `File`, or, when it is JSON but not a COCO-shaped object, what it
    decodes to (the caller says why it is not COCO). Raises ValueError or RecursionError
    for a file that is not JSON."""
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError:
        pass
    data = orjson.loads(raw)
    if not isinstance(data, dict):
        return data
    return File(
        images=_entries(data.get("images"), Image, _IMAGE_KEYS),
        annotations=_entries(data.get("annotations"), Annotation, _ANNOTATION_KEYS),
        categories=data.get("categories") if isinstance(data.get("categories"), list) else None,
    )


def _entries(items: Any, struct: type, keys: tuple[str, ...]) -> list | Any:
    """Objects as structs; anything else (a list's entry, or the list itself) as it is,
    for the reader to report."""
    if not isinstance(items, list):
        return items
    return [struct(**{k: item[k] for k in keys if k in item}) if isinstance(item, dict) else item for item in items]


def text(entry: Any) -> str:
    """An entry as the file wrote it (its known keys), for messages."""
    if isinstance(entry, msgspec.Struct):
        return str({k: v for k, v in msgspec.structs.asdict(entry).items() if v is not MISSING and v is not None})
    return str(entry)


def kind(f: File | Any) -> str | None:
    """The kind of a decoded file ("instances", "keypoints", "captions", ...; what
    `coco.kind_from_head` guesses from the first bytes, checked on the whole), or None
    when it is not COCO."""
    if not isinstance(f, File) or not isinstance(f.images, list):
        return None
    anns = f.annotations if isinstance(f.annotations, list) else None
    cats = f.categories if isinstance(f.categories, list) else None
    if anns is None and cats is None:
        return None
    anns, cats = anns or [], cats or []
    if any(isinstance(c, dict) and "keypoints" in c for c in cats):
        return "keypoints"
    sample = [a for a in anns[:200] if isinstance(a, Annotation)]
    if any(a.keypoints is not MISSING for a in sample):
        return "keypoints"
    if any(a.segments_info is not MISSING for a in sample):
        return "panoptic"
    if any(a.caption is not MISSING for a in sample):
        return "captions"
    if sample and all(a.bbox is MISSING and a.segmentation is MISSING for a in sample):
        return "labels"
    if not anns and not cats:
        return "image_info"
    return "instances"
