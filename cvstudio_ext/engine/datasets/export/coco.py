"""COCO instances: ``annotations/instances_<split>.json`` and ``images/<split>/``.

Categories get ids 1..n in class order (the reader orders classes by id). Boxes are
written as the shortest float text that reads back to the same number, so they come back
exactly; polygons and RLE masks are kept as they are. COCO has no ``difficult``: counted
as dropped.

The JSON is written in one pass with bounded memory: each image and annotation is
serialized once (orjson) into a part file per split, and the parts are joined into the
final JSON at the end.
"""

from __future__ import annotations

import shutil

import orjson

from . import Context, inner_name

_FLUSH = 8192  # serialized objects buffered before a part file write


def _dumps(obj) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY)


class _Part:
    __slots__ = ("images", "anns", "img_buf", "ann_buf", "n_img", "n_ann")

    def __init__(self, images, anns):
        self.images, self.anns = images, anns
        self.img_buf: list[bytes] = []
        self.ann_buf: list[bytes] = []
        self.n_img = 0
        self.n_ann = 0


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.nc = len(ctx.classes)
        self.parts: dict[str, _Part] = {}
        self.image_id = 0
        self.ann_id = 0
        self.tmp = ".coco-parts"
        ctx.makedirs(self.tmp)

    def name_for(self, rec, split: str) -> str:
        return inner_name(rec.file)

    def key(self, split: str, name: str, rec) -> str:
        return f"{split}/{name}".casefold()

    def image_path(self, split: str, name: str, rec) -> str:
        return f"images/{split}/{name}"

    def _part(self, split: str) -> _Part:
        part = self.parts.get(split)
        if part is None:
            n = len(self.parts)
            base = self.ctx.path(f"{self.tmp}/{n}")
            part = _Part(open(base + ".images", "wb"), open(base + ".annotations", "wb"))  # noqa: SIM115
            self.parts[split] = part
        return part

    def write(self, rec, split: str, name: str, image_path: str) -> None:
        ctx = self.ctx
        part = self._part(split)
        self.image_id += 1
        iid = self.image_id
        im = {"id": iid, "file_name": name}
        if rec.width and rec.height:
            im["width"] = rec.width
            im["height"] = rec.height
        dumps = _dumps
        part.img_buf.append(dumps(im))
        if rec.label is not None:
            ctx.drop("label (detection has none)")
        anns = rec.annotations
        if anns:
            nc = self.nc
            buf = part.ann_buf
            drop = ctx.drop
            aid = self.ann_id
            boxes = 0
            for a in anns:
                cid = a.class_id
                if cid is None or not 0 <= cid < nc:
                    drop("unknown class")
                    continue
                box = a.bbox
                seg = a.segmentation
                if box is None and not seg:
                    drop("box (none)")
                    continue
                if a.difficult:
                    drop("difficult")
                aid += 1
                area = a.area
                if area is None:
                    area = box[2] * box[3] if box is not None else 0.0
                d = {
                    "id": aid,
                    "image_id": iid,
                    "category_id": cid + 1,
                    "segmentation": seg if seg else [],
                    "area": area,
                }
                if box is not None:
                    d["bbox"] = box
                    boxes += 1
                d["iscrowd"] = 1 if a.iscrowd else 0
                buf.append(dumps(d))
            self.ann_id = aid
            ctx.boxes += boxes
            if len(buf) >= _FLUSH:
                self._flush_anns(part)
        if len(part.img_buf) >= _FLUSH:
            self._flush_images(part)

    @staticmethod
    def _flush_images(part: _Part) -> None:
        if part.img_buf:
            lead = b"," if part.n_img else b""
            part.images.write(lead + b",".join(part.img_buf))
            part.n_img += len(part.img_buf)
            part.img_buf.clear()

    @staticmethod
    def _flush_anns(part: _Part) -> None:
        if part.ann_buf:
            lead = b"," if part.n_ann else b""
            part.anns.write(lead + b",".join(part.ann_buf))
            part.n_ann += len(part.ann_buf)
            part.ann_buf.clear()

    def close(self) -> None:
        for part in self.parts.values():
            part.images.close()
            part.anns.close()

    def finish(self) -> None:
        ctx = self.ctx
        cats = _dumps([{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(ctx.classes)])
        # images first: format detection looks for "images" in a file's first bytes, and
        # a long category list must not push it out of them
        head = b'{"info":{"description":"exported by CV Studio"},"licenses":[],"images":['
        tail = b'],"categories":' + cats + b"}"
        ctx.makedirs("annotations")
        parts = self.parts or {"train": None}  # no image at all: still keep the classes
        try:
            for n, (split, part) in enumerate(parts.items()):
                out = ctx.path(f"annotations/instances_{split}.json")
                with open(out, "wb") as fh:
                    fh.write(head)
                    if part is not None:
                        self._flush_images(part)
                        self._flush_anns(part)
                        part.images.close()
                        part.anns.close()
                        base = ctx.path(f"{self.tmp}/{n}")
                        with open(base + ".images", "rb") as src:
                            shutil.copyfileobj(src, fh, 1 << 20)
                        fh.write(b'],"annotations":[')
                        with open(base + ".annotations", "rb") as src:
                            shutil.copyfileobj(src, fh, 1 << 20)
                    else:
                        fh.write(b'],"annotations":[')
                    fh.write(tail)
        finally:
            self.close()
        shutil.rmtree(ctx.path(self.tmp), ignore_errors=True)
        if ctx.task == "segmentation":
            ctx.notes.append(
                "COCO instances keep the polygons with their boxes; registered again, it is a detection set."
            )
