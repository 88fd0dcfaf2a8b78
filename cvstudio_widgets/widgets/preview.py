"""DatasetPreview: a paged thumbnail grid with boxes and labels, filters by split, class
and defect kind, the full image on click, and an augmentation toggle."""

from __future__ import annotations

import base64
import html
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from .snapshot import Snapshot, image

if TYPE_CHECKING:
    from ..resources import Dataset

STATIC = Path(__file__).parent / "static"
DEFAULT_PIPELINE = [{"type": "HorizontalFlip", "p": 0.5}, {"type": "RandomBrightnessContrast", "p": 0.8}]


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


class DatasetPreview(Snapshot, anywidget.AnyWidget):
    _esm = STATIC / "preview.js"
    _css = STATIC / "widgets.css"

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
    augment = t.Bool(False).tag(sync=True)
    pipeline = t.List(t.Dict(), default_value=DEFAULT_PIPELINE).tag(sync=True)
    augmented = t.Bytes(b"").tag(sync=True)
    augmented_boxes = t.List().tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, dataset: Dataset, **filters: Any) -> None:
        info = dataset.refresh().info
        super().__init__(
            title=f"{info['name']}: {info.get('num_images', 0)} images",
            classes=list(info.get("classes") or []),
            splits=sorted((info.get("splits") or {}).keys()),
            **filters,
        )
        self.dataset = dataset
        stats = dataset.studio.client.get(f"datasets/{dataset.id}/stats")
        self.issue_kinds = sorted(k for k, n in (stats.get("issue_counts") or {}).items() if n)
        # two fetchers keep the server busy; more only contend (bench/widgets.py measures it)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cvstudio-thumbs")
        self.observe(self._reload, names=["page", "page_size", "split", "class_id", "issue"])
        self.observe(self._select, names=["selected"])
        self.observe(self._augment, names=["augment", "pipeline"])
        self.load()

    def __repr__(self) -> str:
        pages = max(1, -(-self.total // self.page_size))
        return f"DatasetPreview({self.title}; page {self.page + 1} of {pages})"

    def snapshot_html(self) -> str:
        """The page's thumbnails with their captions, as when it was shown."""
        cells = []
        for item, thumb in zip(self.items, self.thumbs):
            label = self.classes[item["label"]] + " · " if item.get("label") is not None else ""
            caption = html.escape(label + item["file"].split("/")[-1])
            cells.append(
                f"<figure style='margin:0;width:96px'>{image(thumb, 'image/jpeg', item['file'], 96)}"
                f"<figcaption style='font-size:10px;overflow:hidden;white-space:nowrap'>{caption}</figcaption></figure>"
            )
        head = html.escape(repr(self))
        return f"<div><b>{head}</b><div style='display:flex;flex-wrap:wrap;gap:4px'>{''.join(cells)}</div></div>"

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

    def _reload(self, change: dict[str, Any]) -> None:
        if change["name"] != "page":
            self.page = 0  # a new filter starts at its first page (and reloads through this observer)
            if change["name"] != "page_size" and self.page != 0:
                return
        self.load()

    def _select(self, change: dict[str, Any]) -> None:
        image_id = change["new"]
        if image_id < 0:
            self.full, self.full_item = b"", {}
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

    def _augment(self, change: dict[str, Any] | None) -> None:
        if self.augment and self.selected < 0 and self.items:
            self.selected = self.items[0]["id"]  # augmenting needs an image: the page's first (augments via _select)
            return
        if not self.augment or self.selected < 0:
            self.augmented, self.augmented_boxes = b"", []
            return
        try:
            out = self.dataset.studio.client.post(
                f"datasets/{self.dataset.id}/augment", {"image_id": self.selected, "pipeline": self.pipeline}
            )
        except Exception as exc:  # noqa: BLE001 - a bad pipeline is the user's to fix
            self.error = str(exc)
            self.augmented = b""
            return
        sample = out["samples"][0]
        self.error = ""
        names = self.classes
        self.augmented_boxes = [
            [*a["bbox"], a.get("class_name") or (names[a["class_id"]] if a.get("class_id") is not None else "")]
            for a in sample.get("annotations", [])
        ]
        self.augmented = base64.b64decode(sample["image"])  # the API's base64 becomes a binary buffer here
