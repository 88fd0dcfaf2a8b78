"""A COCO dataset of N images and M boxes whose images are hard links to one small JPEG."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from PIL import Image


def make_coco(root: Path, images: int = 100_000, boxes: int = 1_000_000, seed: int = 0) -> Path:
    ann_file = root / "annotations" / "instances_train.json"
    if ann_file.exists():
        return ann_file
    rng = random.Random(seed)
    img_dir = root / "images" / "train"
    img_dir.mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    protos = root.parent / f"{root.name}-protos"  # outside the dataset, which it would join
    protos.mkdir(parents=True, exist_ok=True)
    proto = protos / "proto.jpg"
    Image.new("RGB", (64, 48), (120, 30, 200)).save(proto, quality=80)
    for i in range(images):
        # ext4 allows 65,000 links to one inode: start a fresh copy every 50,000
        source = protos / f"proto{i // 50_000}.jpg"
        if not source.exists():
            source.write_bytes(proto.read_bytes())
        target = img_dir / f"{i:07d}.jpg"
        if not target.exists():
            os.link(source, target)
    cats = [{"id": c * 2 + 1, "name": f"class{c}", "supercategory": "x"} for c in range(80)]
    imgs = [{"id": i + 1, "file_name": f"{i:07d}.jpg", "width": 64, "height": 48} for i in range(images)]
    anns = []
    for a in range(boxes):
        x, y = rng.uniform(0, 40), rng.uniform(0, 30)
        w, h = rng.uniform(1, 24), rng.uniform(1, 18)
        anns.append(
            {
                "id": a + 1,
                "image_id": a % images + 1,
                "category_id": cats[a % 80]["id"],
                "bbox": [x, y, w, h],
                "area": w * h,
                "iscrowd": 0,
            }
        )
    tmp = ann_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"images": imgs, "annotations": anns, "categories": cats}))
    os.replace(tmp, ann_file)
    return ann_file
