"""Files for the load scenario, made once and kept: YOLO detection sets of real JPEGs
with their boxes drawn in (one read page by page, a larger one indexed over and over),
a small class-folder set a run trains on, and the graph it trains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ("red", "green", "blue")
COLOURS = ((220, 40, 40), (40, 200, 60), (40, 60, 220))
DONE = ".complete"  # hidden entries are never images, so the marker does not change the set


def yolo_set(folder: Path, images: int, seed: int = 0) -> Path:
    """`images` JPEGs (every fifth in val), each with 1 to 5 boxes drawn as filled rectangles."""
    if (folder / DONE).exists():
        return folder
    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        (folder / "labels" / split).mkdir(parents=True, exist_ok=True)
    (folder / "data.yaml").write_text(f"names: [{', '.join(CLASSES)}]\ntrain: images/train\nval: images/val\n")
    for i in range(images):
        split = "val" if i % 5 == 0 else "train"
        width, height = int(rng.integers(80, 160)), int(rng.integers(60, 120))
        ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None] * rng.uniform(0.5, 1, 3)
        img = Image.fromarray(np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        lines = []
        for _ in range(int(rng.integers(1, 6))):
            cls = int(rng.integers(0, len(CLASSES)))
            w, h = int(rng.integers(6, width // 2)), int(rng.integers(6, height // 2))
            x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=COLOURS[cls])
            lines.append(f"{cls} {(x + w / 2) / width:.6f} {(y + h / 2) / height:.6f} {w / width:.6f} {h / height:.6f}")
        img.save(folder / "images" / split / f"{i:05d}.jpg", quality=85)
        (folder / "labels" / split / f"{i:05d}.txt").write_text("\n".join(lines) + "\n")
    (folder / DONE).touch()
    return folder


def colour_squares(folder: Path, per_class: int = 32, seed: int = 0) -> Path:
    """Two classes anyone can tell apart (reddish and bluish 16 px squares), in train/val folders."""
    if (folder / DONE).exists():
        return folder
    rng = np.random.default_rng(seed)
    for split, n in (("train", per_class), ("val", per_class // 4)):
        for name, base in (("red", COLOURS[0]), ("blue", COLOURS[2])):
            (folder / split / name).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                noise = rng.integers(-30, 30, (16, 16, 3))
                Image.fromarray(np.clip(np.array(base) + noise, 0, 255).astype(np.uint8)).save(
                    folder / split / name / f"{i}.png"
                )
    (folder / DONE).touch()
    return folder


def conv_graph(size: int = 32, classes: int = 2) -> dict[str, Any]:
    """Four Conv/BN/ReLU blocks, pooled, and a linear head: the graph the run trains and
    the clients' infer-shapes sends."""
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "Input", "params": {"shape": [3, size, size]}}]
    for i, channels in enumerate((8, 16, 16, 32)):
        nodes += [
            {"id": f"conv{i}", "type": "Conv2d", "params": {"out_channels": channels, "kernel_size": 3, "padding": 1}},
            {"id": f"bn{i}", "type": "BatchNorm2d", "params": {}},
            {"id": f"act{i}", "type": "ReLU", "params": {}},
        ]
    nodes += [
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": classes}},
        {"id": "out", "type": "Output", "params": {}},
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"nodes": nodes, "edges": edges}
