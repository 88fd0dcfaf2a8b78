"""The training data pipeline (decode + augment + resize + normalize) against a bare
albumentations loop doing the same work on the same files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

N = 256
SIZE = 224
PIPELINE = [
    {"type": "HorizontalFlip", "p": 0.5},
    {"type": "RandomBrightnessContrast", "p": 0.5},
    {"type": "Rotate", "limit": 15, "p": 0.5},
]


def _files(root: Path) -> list[str]:
    folder = root / "bench-pipeline"
    rng = np.random.default_rng(0)
    names = []
    for i in range(N):
        target = folder / f"{i:04d}.jpg"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 255, (256, 320, 3), dtype=np.uint8)).save(buf, "JPEG", quality=90)
            target.write_bytes(buf.getvalue())
        names.append(target.name)
    return names


def _ours(folder: Path, names: list[str], workers: int) -> float:
    from cvstudio_ext.engine.training.data import ClassificationData, ListBatchSampler, epoch_batches

    data = ClassificationData(str(folder), [{"file": n, "label": 0} for n in names], 1, [SIZE, SIZE], PIPELINE, seed=0)
    batches = ListBatchSampler(epoch_batches(list(range(len(names))), 32, 0))
    loader = torch.utils.data.DataLoader(data, batch_sampler=batches, num_workers=workers)
    t = time.perf_counter()
    for _ in loader:
        pass
    return len(names) / (time.perf_counter() - t)


def _bare(folder: Path, names: list[str]) -> float:
    """The same work written inline: PIL decode, the albumentations transforms, resize,
    normalize, stack into batches of 32."""
    import albumentations as A

    compose = A.Compose([A.HorizontalFlip(p=0.5), A.RandomBrightnessContrast(p=0.5), A.Rotate(limit=15, p=0.5)], seed=0)
    mean = torch.tensor((0.485, 0.456, 0.406)).view(3, 1, 1)
    std = torch.tensor((0.229, 0.224, 0.225)).view(3, 1, 1)
    t = time.perf_counter()
    batch = []
    for name in names:
        with Image.open(folder / name) as im:
            array = np.asarray(im.convert("RGB"))
        array = compose(image=array)["image"]
        pil = Image.fromarray(array).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        x = torch.from_numpy(np.asarray(pil, dtype=np.float32) / 255.0).permute(2, 0, 1)
        batch.append((x - mean) / std)
        if len(batch) == 32:
            torch.stack(batch)
            batch = []
    return len(names) / (time.perf_counter() - t)


def bench_pipeline(work: Path) -> list[dict]:
    folder = work / "root" / "bench-pipeline"
    names = _files(work / "root")
    _bare(folder, names[:32])  # warm the imports and the file cache
    bare = _bare(folder, names)
    results = []
    for workers in (0, 2):
        ours = _ours(folder, names, workers)
        results.append(
            {
                "name": f"training data pipeline (decode, 3 augmentations, resize, normalize), {workers} workers",
                "value": ours,
                "unit": "img/s",
                "baseline": bare,
                "baseline_name": "a bare albumentations loop in one process",
                "ratio": ours / bare,
                "target": "ratio >= 0.9" if workers == 0 else "(reported)",
                "ok": ours / bare >= 0.9 if workers == 0 else True,
            }
        )
        print(f"  pipeline, {workers} workers: {ours:.0f} img/s vs bare loop {bare:.0f} img/s", flush=True)
    return results
