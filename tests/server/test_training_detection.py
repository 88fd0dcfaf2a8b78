"""A detection run on generated shapes: torchvision's small Faster R-CNN trains through
the API and reports COCO-style mAP."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image, ImageDraw

from .test_training import wait_for


def shapes_dataset(root, n: int = 12) -> None:
    """COCO layout: squares (class 1) and discs (class 2) on noise, with their boxes."""
    rng = np.random.default_rng(0)
    images, annotations = [], []
    for split in ("train", "val"):
        folder = root / "images" / split
        folder.mkdir(parents=True)
        entries, anns = [], []
        for i in range(n if split == "train" else n // 3):
            canvas = Image.fromarray(rng.integers(0, 80, (96, 96, 3), dtype=np.uint8))
            draw = ImageDraw.Draw(canvas)
            x, y, s = (int(v) for v in rng.integers(5, 50, 3))
            s = max(s, 20)
            category = 1 + i % 2
            if category == 1:
                draw.rectangle([x, y, x + s, y + s], fill=(230, 60, 60))
            else:
                draw.ellipse([x, y, x + s, y + s], fill=(60, 200, 230))
            canvas.save(folder / f"{i}.png")
            image_id = len(images) + len(entries) + 1
            entries.append({"id": image_id, "file_name": f"{i}.png", "width": 96, "height": 96})
            anns.append({"id": len(annotations) + len(anns) + 1, "image_id": image_id, "category_id": category,
                         "bbox": [x, y, s + 1, s + 1], "area": (s + 1) ** 2, "iscrowd": 0})  # fmt: skip
        (root / "annotations").mkdir(exist_ok=True)
        coco = {
            "images": entries,
            "annotations": anns,
            "categories": [{"id": 1, "name": "square"}, {"id": 2, "name": "disc"}],
        }
        (root / "annotations" / f"instances_{split}.json").write_text(json.dumps(coco))
        images += entries
        annotations += anns


async def test_detection_run_reports_map(api, jp_root_dir):
    shapes_dataset(jp_root_dir / "shapes")
    ds = await api.register("shapes", "shapes")
    assert ds["task"] == "detection" and ds["splits"] == {"train": 12, "val": 4}
    r = await api.post(
        "training",
        {
            "name": "shapes-det",
            "dataset_id": ds["id"],
            "model": {"source": "torchvision", "name": "fasterrcnn_mobilenet_v3_large_320_fpn"},
            "hyperparameters": {"epochs": 1, "batch_size": 4, "lr": 0.01, "seed": 0},
            "resources": {"device": "cpu"},
        },
    )
    assert r.code == 201, r
    run = await wait_for(api, r.json["id"], ("completed", "failed"), timeout=240)
    assert run["status"] == "completed", run
    records = (await api.get(f"training/{run['id']}/metrics")).json["records"]
    epoch = [rec for rec in records if "val_map" in rec]
    assert (
        len(epoch) == 1 and 0 <= epoch[0]["val_map50"] <= 1 and 0 <= epoch[0]["val_map"] <= epoch[0]["val_map50"] + 1e-9
    )
    evaluation = (await api.get(f"training/{run['id']}/evaluation")).json
    assert [c["class_name"] for c in evaluation["per_class"]] == ["square", "disc"]
    weight = (await api.get(f"weights/{run['weight_id']}")).json
    assert weight["task"] == "detection" and weight["classes"] == ["square", "disc"]
