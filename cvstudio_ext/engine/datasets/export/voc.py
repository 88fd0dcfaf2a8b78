"""Pascal VOC: ``Annotations/<id>.xml``, ``JPEGImages/<id>.<ext>``,
``ImageSets/Main/<split>.txt`` and ``labelmap.txt`` (the class order, as CVAT and Datumaro
write it).

VOC corners are 1-based and inclusive integers: the reader turns ``xmin..xmax`` into
``x = xmin - 1, w = xmax - xmin + 1``, so a box is written as ``xmin = round(x) + 1``,
``xmax = round(x + w)``: each corner comes back within half a pixel. Image ids are file
stems, one tree for every split: names are flattened to their base name and kept unique
(whitespace, which list files cannot hold, becomes "_"). VOC has no crowd flag and no masks
here: counted as dropped.
"""

from __future__ import annotations

import posixpath
import re

from . import Context, plural, safe_component

_WS = re.compile(r"\s")
_SPLIT_FILE_OK = re.compile(r"^[^/_\s]+$")  # what the reader takes for ImageSets/Main/<split>.txt


_OBJECT = (
    "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>%d</difficult>\n"
    "    <bndbox>\n      <xmin>%d</xmin>\n      <ymin>%d</ymin>\n      <xmax>%d</xmax>\n      <ymax>%d</ymax>\n"
    "    </bndbox>\n  </object>\n"
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _stem(name: str) -> str:
    root, _ = posixpath.splitext(name)
    return root or name


class Writer:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.nc = len(ctx.classes)
        self.heads = [f"  <object>\n    <name>{_esc(str(c))}</name>\n" for c in ctx.classes]
        self.lists: dict[str, object] = {}
        self.list_names: dict[str, str] = {}
        ctx.makedirs("Annotations")

    def name_for(self, rec, split: str) -> str:
        base = posixpath.basename(rec.file)
        base = _WS.sub("_", base)
        if base.startswith("#"):
            base = "_" + base[1:]
        return safe_component(base)

    def key(self, split: str, name: str, rec) -> str:
        return _stem(name).casefold()

    def image_path(self, split: str, name: str, rec) -> str:
        return f"JPEGImages/{name}"

    def _list(self, split: str):
        fh = self.lists.get(split)
        if fh is None:
            lname = split if _SPLIT_FILE_OK.match(split) else (_WS.sub("-", split).replace("_", "-") or "train")
            self.list_names[split] = lname
            self.ctx.makedirs("ImageSets/Main")
            fh = open(self.ctx.path(f"ImageSets/Main/{lname}.txt"), "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            self.lists[split] = fh
        return fh

    def write(self, rec, split: str, name: str, image_path: str) -> None:
        ctx = self.ctx
        image_id = _stem(name)
        self._list(split).write(image_id + "\n")
        if rec.label is not None:
            ctx.drop("label (detection has none)")
        out = [
            "<annotation>\n  <folder>JPEGImages</folder>\n  <filename>",
            _esc(name),
            "</filename>\n  <source>\n    <database>CV Studio export</database>\n  </source>\n",
        ]
        if rec.width and rec.height:
            out.append(
                f"  <size>\n    <width>{rec.width}</width>\n    <height>{rec.height}</height>\n"
                "    <depth>3</depth>\n  </size>\n"
            )
        out.append("  <segmented>0</segmented>\n")
        nc, heads, drop = self.nc, self.heads, ctx.drop
        boxes = 0
        for a in rec.annotations:
            cid = a.class_id
            if cid is None or not 0 <= cid < nc:
                drop("unknown class")
                continue
            box = a.bbox
            if box is None:
                drop("box (none)")
                continue
            if a.iscrowd:
                drop("iscrowd")
            if a.segmentation:
                drop("segmentation")
            x, y, w, h = box
            out.append(
                heads[cid] + _OBJECT % (1 if a.difficult else 0, round(x) + 1, round(y) + 1, round(x + w), round(y + h))
            )
            boxes += 1
        out.append("</annotation>\n")
        ctx.boxes += boxes
        ctx.write_text(f"Annotations/{image_id}.xml", "".join(out))

    def close(self) -> None:
        for fh in self.lists.values():
            fh.close()

    def finish(self) -> None:
        ctx = self.ctx
        self.close()
        lines = ["# label:color_rgb:parts:actions\n"]
        lines.extend(f"{c}:::\n" for c in ctx.classes)
        ctx.write_text("labelmap.txt", "".join(lines))
        seen: set[str] = set()
        bad = []
        for c in ctx.classes:
            if _bad_class(c) or str(c) in seen:
                bad.append(c)
            seen.add(str(c))
        if bad:
            ctx.notes.append(
                f"{plural(len(bad), 'class name')} cannot be read back from VOC as written "
                f"({', '.join(repr(c) for c in bad[:5])}{', ...' if len(bad) > 5 else ''}): "
                "labelmap.txt and <name> cannot hold ':', surrounding spaces, a leading '#', an empty or a repeated name."
            )
        renamed = {s: n for s, n in self.list_names.items() if s != n}
        for s, n in renamed.items():
            ctx.notes.append(
                f"Split {s!r} is listed in ImageSets/Main/{n}.txt: VOC list names cannot hold '_' or spaces "
                f"(a name with '_' is a per-class list); it reads back as {n!r}."
            )


def _bad_class(c: str) -> bool:
    c = str(c)
    return ":" in c or c != c.strip() or not c or c.startswith("#")
