"""YOLO (Ultralytics layout): ``data.yaml`` with the class names in order, ``images/<split>/``
and ``labels/<split>/`` with one label file per image (empty for an image without objects).

Rows are ``class cx cy w h`` normalized to the image size, written with 10 significant
digits so that boxes come back to well under 1e-3 px on images up to 100,000 px wide;
segmentation datasets get ``class x1 y1 x2 y2 ...`` polygon rows. YOLO has no crowd flag,
no ``difficult`` and (for detection) no masks: those are counted as dropped.
"""

from __future__ import annotations

import yaml

from ..yolo import YAML_SPLIT_KEYS
from . import Context, inner_name, stem

# splits data.yaml can name (the reader's keys); Ultralytics itself uses train, val, test
# class cx cy w h: 10 significant digits keep a box to 1e-3 px on images up to ~10^7 px
_ROW = "%d %.10g %.10g %.10g %.10g\n"
_YAML_SPLITS = tuple(k for k in YAML_SPLIT_KEYS if k not in ("valid", "validation"))


def _poly_area(p: list[float]) -> float:
    xs, ys = p[0::2], p[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.seg = ctx.task == "segmentation"
        self.nc = len(ctx.classes)
        self.splits: dict[str, int] = {}

    def name_for(self, rec, split: str) -> str:
        return inner_name(rec.file)

    def key(self, split: str, name: str, rec) -> str:
        # one label file per image: images that differ only in extension would share it
        return f"{split}/{stem(name)}".casefold()

    def image_path(self, split: str, name: str, rec) -> str:
        return f"images/{split}/{name}"

    def write(self, rec, split: str, name: str, image_path: str) -> None:
        ctx = self.ctx
        self.splits[split] = self.splits.get(split, 0) + 1
        if rec.label is not None:
            ctx.drop("label (detection has none)")
        rows: list[str] = []
        anns = rec.annotations
        if anns:
            W, H = rec.width, rec.height
            nc = self.nc
            sized = bool(W and H)
            add = rows.append
            written = 0
            for a in anns:
                cid = a.class_id
                box = a.bbox
                # the common case first: a box of a known class and nothing YOLO cannot hold
                if (
                    sized
                    and box is not None
                    and cid is not None
                    and 0 <= cid < nc
                    and not (a.iscrowd or a.difficult or a.segmentation)
                ):
                    x, y, w, h = box
                    add(_ROW % (cid, (x + w / 2) / W, (y + h / 2) / H, w / W, h / H))
                    written += 1
                    continue
                row = self._row(a, W, H)
                if row is not None:
                    add(row)
                    written += 1
            ctx.boxes += written
        ctx.write_text(f"labels/{split}/{stem(name)}.txt", "".join(rows))

    def _row(self, a, W, H) -> str | None:
        """The row of an annotation off the common path, counting what YOLO cannot hold."""
        drop = self.ctx.drop
        cid = a.class_id
        if cid is None or not 0 <= cid < self.nc:
            drop("unknown class")
            return None
        box = a.bbox
        s = a.segmentation
        if box is None and not (self.seg and s):
            drop("box (none)")
            return None
        if not (W and H):
            drop("box (image size unknown)")
            return None
        if a.iscrowd:
            drop("iscrowd")
        if a.difficult:
            drop("difficult")
        if self.seg and s:
            poly = self._polygon(s)
            if poly is not None:
                coords = " ".join([format(v / (H if k % 2 else W), ".10g") for k, v in enumerate(poly)])
                return f"{cid} {coords}\n"
            if box is None:
                drop("box (none)")
                return None
        elif s:
            drop("segmentation")
        x, y, w, h = box
        return _ROW % (cid, (x + w / 2) / W, (y + h / 2) / H, w / W, h / H)

    def _polygon(self, s) -> list[float] | None:
        """The polygon a YOLO row can hold, or None (an RLE mask, no usable polygon)."""
        if isinstance(s, dict):
            self.ctx.drop("segmentation (RLE mask)")
            return None
        polys = [p for p in s if isinstance(p, (list, tuple)) and len(p) >= 6 and len(p) % 2 == 0]
        if not polys:
            self.ctx.drop("segmentation (not a polygon)")
            return None
        if len(polys) > 1:
            self.ctx.drop("segmentation (extra polygons)", len(polys) - 1)
            return max(polys, key=_poly_area)
        return polys[0]

    def finish(self) -> None:
        ctx = self.ctx
        data: dict = {}
        listed = [s for s in _YAML_SPLITS if s in self.splits]
        for s in listed:
            data[s] = f"images/{s}"
        data["nc"] = len(ctx.classes)
        data["names"] = {i: n for i, n in enumerate(ctx.classes)}
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
        ctx.write_text("data.yaml", text)
        others = sorted(s for s in self.splits if s not in ("train", "val", "test"))
        if others:
            ctx.notes.append(
                f"Split{'s' if len(others) > 1 else ''} {', '.join(others)} "
                f"{'are' if len(others) > 1 else 'is'} written to images/ and labels/ "
                "(and read back), but Ultralytics trains on train, val and test only."
            )
        if self.splits and "val" not in self.splits:
            ctx.notes.append("There is no val split: Ultralytics needs one to train (add it to data.yaml).")
