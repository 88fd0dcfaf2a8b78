"""DatasetPreview: a paged thumbnail grid with boxes and labels (each can be hidden),
filters by split, class and defect kind, the full image on click, and an augmentation
pipeline editor whose pipeline the server runs on the selected image or on the whole page."""

from __future__ import annotations

import base64
import html
import random
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from ..client import StudioAPIError
from ..resources import versioned
from .snapshot import Snapshot, image

if TYPE_CHECKING:
    from ..resources import Dataset

STATIC = Path(__file__).parent / "static"
DEFAULT_PIPELINE = [{"type": "HorizontalFlip", "p": 0.5}, {"type": "RandomBrightnessContrast", "p": 0.8}]
# the server's thumbnail side: a whole page is augmented at full size, then sent at this one
THUMB_SIDE = 256
SEEDS = 2**32
MAX_STEPS = 32  # the server's limit on a pipeline
# theme.ts's PALETTE: a class has the same colour in the snapshot as on the page
PALETTE = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080", "#f032e6", "#808000"]


def item_of(image: dict[str, Any]) -> dict[str, Any]:
    """What the grid draws for one image: size, label, boxes with class names, defects."""
    return {
        "id": image["id"],
        "file": image["file"],
        "split": image.get("split"),
        "width": image.get("width") or 0,
        "height": image.get("height") or 0,
        "label": image.get("label"),
        "boxes": [[*a["bbox"], a.get("class_name") or str(a.get("class_id"))] for a in image.get("annotations", [])],
        "issues": sorted({i["kind"] for i in image.get("issues", [])}),
    }


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    return struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)


class DatasetPreview(Snapshot, anywidget.AnyWidget):
    _esm = STATIC / "preview.js"
    _css = STATIC / "widgets.css"
    # the saved snapshot shows the page as toggled and augmented
    snapshot_follows = (
        "items",
        "show_boxes",
        "show_labels",
        "augment",
        "apply_to",
        "pipeline",
        "seed",
        "augmented_thumbs",
    )

    title = t.Unicode("").tag(sync=True)
    classes = t.List(t.Unicode()).tag(sync=True)
    splits = t.List(t.Unicode()).tag(sync=True)
    issue_kinds = t.List(t.Unicode()).tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(24).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    split = t.Unicode("").tag(sync=True)
    class_id = t.Int(-1).tag(sync=True)
    issue = t.Unicode("").tag(sync=True)
    items = t.List(t.Dict()).tag(sync=True)
    thumbs = t.List(t.Bytes()).tag(sync=True)
    selected = t.Int(-1).tag(sync=True)
    full = t.Bytes(b"").tag(sync=True)
    full_item = t.Dict().tag(sync=True)
    show_boxes = t.Bool(True).tag(sync=True)
    show_labels = t.Bool(True).tag(sync=True)
    augment = t.Bool(False).tag(sync=True)
    pipeline = t.List(t.Dict(), default_value=DEFAULT_PIPELINE).tag(sync=True)
    seed = t.Int(0, min=0, max=SEEDS - 1).tag(sync=True)
    apply_to = t.Enum(("image", "page"), "image").tag(sync=True)
    catalogue = t.List(t.Dict()).tag(sync=True)
    augmented = t.Bytes(b"").tag(sync=True)
    augmented_boxes = t.List().tag(sync=True)
    augmented_thumbs = t.List(t.Bytes()).tag(sync=True)
    augmented_thumb_boxes = t.List(t.List()).tag(sync=True)
    step_errors = t.List(t.Dict()).tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, dataset: Dataset, **filters: Any) -> None:
        info = dataset.refresh().info
        super().__init__(
            title=f"{versioned(info)}: {info.get('num_images', 0)} images",
            classes=list(info.get("classes") or []),
            splits=sorted((info.get("splits") or {}).keys()),
            seed=filters.pop("seed", random.randrange(100_000)),
            **filters,
        )
        self.dataset = dataset
        stats = dataset.studio.client.get(f"datasets/{dataset.id}/stats")
        self.issue_kinds = sorted(k for k, n in (stats.get("issue_counts") or {}).items() if n)
        # two fetchers keep the server busy; more only contend (bench/widgets.py measures it)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cvstudio-thumbs")
        self.observe(self._reload, names=["page", "page_size", "split", "class_id", "issue"])
        self.observe(self._select, names=["selected"])
        self.observe(self._augment, names=["augment", "pipeline", "seed", "apply_to"])
        self.load()
        if self.augment:
            self._augment(None)

    def __repr__(self) -> str:
        pages = max(1, -(-self.total // self.page_size))
        return f"DatasetPreview({self.title}; page {self.page + 1} of {pages})"

    def snapshot_html(self) -> str:
        """The page's thumbnails as shown: boxes and names as toggled, augmented in page mode."""
        page_mode = self.augment and self.apply_to == "page" and len(self.augmented_thumbs) == len(self.items)
        cells = []
        for n, (item, thumb) in enumerate(zip(self.items, self.thumbs)):
            if page_mode and self.augmented_thumbs[n]:
                picture, mime, boxes = self.augmented_thumbs[n], "image/png", self.augmented_thumb_boxes[n]
                width, height = png_size(picture)
            else:
                picture, mime, boxes, width, height = thumb, "image/jpeg", item["boxes"], item["width"], item["height"]
            label = self.classes[item["label"]] + " · " if self.show_labels and item.get("label") is not None else ""
            caption = html.escape(label + item["file"].split("/")[-1])
            overlay = self._svg_boxes(boxes, width, height) if self.show_boxes else ""
            cells.append(
                f"<figure style='margin:0;width:96px'><div style='position:relative;line-height:0'>"
                f"{image(picture, mime, item['file'], 96)}{overlay}</div>"
                f"<figcaption style='font-size:10px;overflow:hidden;white-space:nowrap'>{caption}</figcaption></figure>"
            )
        head = html.escape(repr(self))
        if self.augment:
            steps = " → ".join(s.get("type", "?") for s in self.pipeline) or "no steps"
            head += html.escape(f"; augmented ({self.apply_to}, seed {self.seed}): {steps}")
        return f"<div><b>{head}</b><div style='display:flex;flex-wrap:wrap;gap:4px'>{''.join(cells)}</div></div>"

    def _svg_boxes(self, boxes: list, width: int, height: int) -> str:
        """Boxes over a 96 px thumbnail in the image's own pixels (the viewBox scales them)."""
        if not boxes or not width or not height:
            return ""
        scale = width / 96
        shapes = []
        for x, y, w, h, name in boxes:
            colour = PALETTE[(self.classes.index(name) if name in self.classes else 0) % len(PALETTE)]
            shapes.append(
                f"<rect x='{x}' y='{y}' width='{w}' height='{h}' fill='none' stroke='{colour}' "
                f"stroke-width='{1.5 * scale:.2f}'/>"
            )
            if self.show_labels:
                shapes.append(
                    f"<text x='{x + scale}' y='{max(y - scale, 9 * scale):.2f}' font-size='{9 * scale:.2f}' "
                    f"fill='#fff' stroke='#000' stroke-width='{0.4 * scale:.2f}' paint-order='stroke'>"
                    f"{html.escape(str(name))}</text>"
                )
        return (
            f"<svg viewBox='0 0 {width} {height}' preserveAspectRatio='none' "
            f"style='position:absolute;left:0;top:0;width:100%;height:100%'>{''.join(shapes)}</svg>"
        )

    def load(self) -> None:
        filters: dict[str, Any] = {"offset": self.page * self.page_size, "limit": self.page_size}
        if self.split:
            filters["split"] = self.split
        if self.class_id >= 0:
            filters["class_id"] = self.class_id
        if self.issue:
            filters["issue"] = self.issue
        try:
            page = self.dataset.images(**filters)
            items = [item_of(i) for i in page["items"]]
            thumbs = list(self._pool.map(lambda i: self.dataset.image(i["id"], size="thumb"), items))
        except Exception as exc:  # noqa: BLE001 - shown in the widget, the kernel goes on
            self.error = str(exc)
            return
        self.error = ""
        with self.hold_sync():
            self.total, self.items, self.thumbs = page["total"], items, thumbs
            self.augmented_thumbs, self.augmented_thumb_boxes = [], []

    def _reload(self, change: dict[str, Any]) -> None:
        if change["name"] != "page":
            self.page = 0  # a new filter starts at its first page (and reloads through this observer)
            if change["name"] != "page_size" and self.page != 0:
                return
        self.load()
        if self.augment and self.apply_to == "page":
            self._augment(None)

    def _select(self, change: dict[str, Any]) -> None:
        image_id = change["new"]
        if image_id < 0:
            self.full, self.full_item = b"", {}
            self.augmented, self.augmented_boxes = b"", []
            return
        item = next((i for i in self.items if i["id"] == image_id), None)
        try:
            full = self.dataset.image(image_id, size="full")
        except Exception as exc:  # noqa: BLE001
            self.error = str(exc)
            return
        # one message: the page draws the image with its own item, never the previous one's
        with self.hold_sync():
            self.full_item = item or {"id": image_id, "boxes": []}
            self.full = full
        self._augment(None)

    def image_seed(self, image_id: int) -> int:
        """The seed an image is augmented with: `seed + image_id`, so a page shows a
        different draw on each image and an image looks the same in both modes."""
        return (self.seed + image_id) % SEEDS

    def _augment(self, change: dict[str, Any] | None) -> None:
        if not self.augment:
            with self.hold_sync():
                self.augmented, self.augmented_boxes = b"", []
                self.augmented_thumbs, self.augmented_thumb_boxes = [], []
                self.step_errors = []
            return
        if self.apply_to == "image" and self.selected < 0 and self.items:
            self.selected = self.items[0]["id"]  # augmenting needs an image: the page's first (augments via _select)
            return
        if not self.catalogue:
            try:
                self.catalogue = self.dataset.studio.client.get("datasets/augmentations")["transforms"]
            except Exception as exc:  # noqa: BLE001 - the editor can wait; the pipeline still runs
                self.error = str(exc)
        self.busy = True
        try:
            self._run_pipeline()
        finally:
            self.busy = False

    def _run_pipeline(self) -> None:
        """The selected image at full size, and in page mode every thumbnail, on the pool;
        a step the server refuses is reported next to that step, once."""
        jobs: list[tuple[int, int]] = []  # (image id, longest side to send back; 0 for as is)
        if self.selected >= 0:
            jobs.append((self.selected, 0))
        page_mode = self.apply_to == "page"
        if page_mode:
            jobs += [(i["id"], THUMB_SIDE if max(i["width"], i["height"]) > THUMB_SIDE else 0) for i in self.items]
        results = list(self._pool.map(lambda job: self._sample(*job), jobs))
        refused = next((r for r in results if isinstance(r, StudioAPIError) and self._step_of(r) is not None), None)
        failed = next((r for r in results if isinstance(r, Exception)), None)
        with self.hold_sync():
            if refused is not None:
                step = self._step_of(refused)
                param = refused.details[0].get("param") if refused.details else None
                self.step_errors = [{"step": step, "param": param, "message": refused.message}]
                self.error = refused.message
            else:
                self.step_errors = []
                self.error = "" if failed is None else getattr(failed, "message", str(failed))
            if self.selected >= 0:
                first = results.pop(0)
                self.augmented, self.augmented_boxes = first if isinstance(first, tuple) else (b"", [])
            else:
                self.augmented, self.augmented_boxes = b"", []
            ok = [r if isinstance(r, tuple) else (b"", []) for r in results] if page_mode and refused is None else []
            self.augmented_thumbs = [png for png, _ in ok]
            self.augmented_thumb_boxes = [boxes for _, boxes in ok]

    @staticmethod
    def _step_of(exc: StudioAPIError) -> int | None:
        detail = exc.details[0] if exc.details and isinstance(exc.details[0], dict) else {}
        return detail.get("step") if exc.status == 422 else None

    def _sample(self, image_id: int, side: int) -> tuple[bytes, list] | Exception:
        """One augmented sample (PNG bytes, boxes with class names), or the error."""
        pipeline = list(self.pipeline)
        if side and len(pipeline) < MAX_STEPS:  # a thumbnail: shrink after the user's steps, which run as in training
            pipeline.append({"type": "LongestMaxSize", "max_size": side, "p": 1})
        try:
            out = self.dataset.studio.client.post(
                f"datasets/{self.dataset.id}/augment",
                {"image_id": image_id, "pipeline": pipeline, "seed": self.image_seed(image_id)},
            )
        except Exception as exc:  # noqa: BLE001 - a bad pipeline is the user's to fix
            return exc
        sample = out["samples"][0]
        names = self.classes
        boxes = [
            [*a["bbox"], a.get("class_name") or (names[a["class_id"]] if a.get("class_id") is not None else "")]
            for a in sample.get("annotations", [])
        ]
        return base64.b64decode(sample["image"]), boxes  # the API's base64 becomes a binary buffer here
