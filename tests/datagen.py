"""Datasets the tests make themselves: real JPEG/PNG files with known content and defects."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def write_image(path: Path, width: int = 64, height: int = 48, seed: int = 0, fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    array = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    Image.fromarray(array).save(path, format=fmt)
    return path


def yolo_with_every_defect(root: Path) -> dict[str, list[str]]:
    """A YOLO detection set with one planted case of each defect kind.

    Returns which files carry which defect, for the assertions.
    """
    (root / "images" / "train").mkdir(parents=True)
    (root / "labels" / "train").mkdir(parents=True)
    (root / "data.yaml").write_text("names: [cat, dog, bird]\ntrain: images/train\nval: images/train\n")
    img = root / "images" / "train"
    lab = root / "labels" / "train"
    write_image(img / "good.jpg", 100, 80, seed=1)
    (lab / "good.txt").write_text("0 0.5 0.5 0.2 0.25\n1 0.25 0.25 0.1 0.1\n")
    write_image(img / "oob.jpg", 100, 80, seed=2)
    (lab / "oob.txt").write_text("0 0.95 0.5 0.3 0.2\n")  # right edge at 1.1 of the width
    write_image(img / "zero.jpg", 100, 80, seed=3)
    (lab / "zero.txt").write_text("1 0.5 0.5 0 0.2\n")
    write_image(img / "unknown.jpg", 100, 80, seed=4)
    (lab / "unknown.txt").write_text("7 0.5 0.5 0.2 0.2\n")
    (img / "dup.jpg").write_bytes((img / "good.jpg").read_bytes())
    (lab / "dup.txt").write_text("0 0.5 0.5 0.2 0.25\n")
    write_image(img / "unlabeled.jpg", 100, 80, seed=5)
    (img / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (lab / "corrupt.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (lab / "missing.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    # class 2 ("bird") is never used: empty_class
    return {
        "bbox_out_of_bounds": ["images/train/oob.jpg"],
        "zero_area": ["images/train/zero.jpg"],
        "unknown_class": ["images/train/unknown.jpg"],
        "duplicate_image": ["images/train/dup.jpg", "images/train/good.jpg"],
        "unlabeled_image": ["images/train/unlabeled.jpg"],
        "corrupt_image": ["images/train/corrupt.jpg"],
    }


def class_folders(root: Path, classes=("a", "b"), per_class: int = 3, split: str | None = None) -> Path:
    base = root / split if split else root
    for ci, name in enumerate(classes):
        for i in range(per_class):
            write_image(base / name / f"{name}{i}.png", 32, 32, seed=ci * 100 + i)
    return root


def zip_folder(folder: Path, arcroot: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            zf.write(p, f"{arcroot}/{rel}" if arcroot else rel)
    return buf.getvalue()
