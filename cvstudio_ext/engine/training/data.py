"""Datasets over the spec's exported index, and the deterministic epoch sampler.

A sample is addressed by (index, epoch): its augmentation is seeded from
(seed, epoch, index), so the same sample in the same epoch looks the same whether or not
the run was paused in between, and whichever data-loader worker loads it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps

from ..inference import IMAGENET_MEAN, IMAGENET_STD


class DataError(RuntimeError):
    """An image or its annotation cannot be used."""


def sample_seed(seed: int, epoch: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])


def split_train_val(
    train: list[dict[str, Any]], val: list[dict[str, Any]], val_fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The spec's splits, or a seeded `val_fraction` of train held out when val is empty."""
    if val or val_fraction <= 0 or len(train) < 2:
        return list(train), list(val)
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = min(len(train) - 1, max(1, round(len(train) * val_fraction)))
    held = set(order[:n_val])
    return [r for i, r in enumerate(train) if i not in held], [r for i, r in enumerate(train) if i in held]


def load_rgb(root: Path, file: str) -> np.ndarray:
    path = (root / file) if not Path(file).is_absolute() else Path(file)
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            return np.asarray(im.convert("RGB"))
    except FileNotFoundError:
        raise DataError(f"Image {file!r} is missing under {root}") from None
    except OSError as exc:
        raise DataError(f"Image {file!r} cannot be read: {exc}") from None


def _compose(pipeline: list[dict[str, Any]], detection: bool):
    if not pipeline:
        return None
    from ..datasets.augment import build_compose, validate_pipeline

    steps = validate_pipeline(pipeline)
    if detection:
        return build_compose(steps)
    import albumentations as A

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return A.Compose([s.build() for s in steps])


def normalize(image: np.ndarray, size: list[int]) -> torch.Tensor:
    """[3, H, W] float: resized like inference.preprocess (PIL bilinear), ImageNet-normalized."""
    height, width = size
    pil = Image.fromarray(image)
    if pil.size != (width, height):
        pil = pil.resize((width, height), Image.Resampling.BILINEAR)
    x = torch.from_numpy(np.asarray(pil, dtype=np.float32) / 255.0).permute(2, 0, 1)
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return (x - mean) / std


class _RecordData(torch.utils.data.Dataset):
    """Records of the spec's data, checked once: every label a class id."""

    detection = False

    def __init__(
        self,
        root: str,
        records: list[dict[str, Any]],
        num_classes: int,
        size: list[int],
        pipeline: list[dict[str, Any]] | None,
        seed: int,
    ) -> None:
        self.root = Path(root)
        self.records = records
        self.size = size
        self.seed = seed
        self.compose = _compose(pipeline or [], detection=self.detection)
        for i, r in enumerate(records):
            for label in self._labels(i, r):
                if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < num_classes:
                    raise DataError(
                        f"Record {i} ({r.get('file')!r}) has label {label!r}; expected 0..{num_classes - 1}"
                    )

    def _labels(self, i: int, record: dict[str, Any]) -> list[Any]:
        return [record.get("label")]

    def __len__(self) -> int:
        return len(self.records)


class ClassificationData(_RecordData):
    def __getitem__(self, key: tuple[int, int] | int) -> tuple[torch.Tensor, int]:
        index, epoch = key if isinstance(key, tuple) else (key, -1)
        record = self.records[index]
        image = load_rgb(self.root, record["file"])
        if self.compose is not None and epoch >= 0:
            self.compose.set_random_seed(sample_seed(self.seed, epoch, index))
            image = self.compose(image=image)["image"]
        return normalize(image, self.size), int(record["label"])


class DetectionData(_RecordData):
    """[3, H, W] in [0, 1] at the (augmented) image size; targets with xyxy boxes and labels 1..n."""

    detection = True

    def _labels(self, i: int, record: dict[str, Any]) -> list[Any]:
        boxes, labels = record.get("boxes") or [], record.get("labels") or []
        if len(boxes) != len(labels):
            raise DataError(f"Record {i} ({record.get('file')!r}) has {len(boxes)} boxes but {len(labels)} labels")
        return labels

    def __getitem__(self, key: tuple[int, int] | int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        index, epoch = key if isinstance(key, tuple) else (key, -1)
        record = self.records[index]
        image = load_rgb(self.root, record["file"])
        h, w = image.shape[:2]
        boxes, labels = [], []
        for (x, y, bw, bh), lab in zip(record.get("boxes") or [], record.get("labels") or []):
            x0, y0 = max(0.0, float(x)), max(0.0, float(y))
            x1, y1 = min(float(w), float(x) + float(bw)), min(float(h), float(y) + float(bh))
            if x1 - x0 >= 1 and y1 - y0 >= 1:
                boxes.append([x0, y0, x1 - x0, y1 - y0])
                labels.append(int(lab))
        if self.compose is not None and epoch >= 0:
            self.compose.set_random_seed(sample_seed(self.seed, epoch, index))
            out = self.compose(image=image, bboxes=np.asarray(boxes, dtype=np.float32).reshape(-1, 4), class_ids=labels)
            image, boxes, labels = out["image"], [list(b) for b in out["bboxes"]], [int(c) for c in out["class_ids"]]
        x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
        xyxy = torch.tensor([[b[0], b[1], b[0] + b[2], b[1] + b[3]] for b in boxes], dtype=torch.float32).reshape(-1, 4)
        target = {"boxes": xyxy, "labels": torch.tensor([c + 1 for c in labels], dtype=torch.int64)}
        return x, target


def collate_detection(batch: list[Any]) -> tuple[list[torch.Tensor], list[dict[str, torch.Tensor]]]:
    return [b[0] for b in batch], [b[1] for b in batch]


def epoch_permutation(n: int, seed: int, epoch: int) -> list[int]:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch)).tolist()


def epoch_batches(
    permutation: list[int], batch_size: int, epoch: int, min_last: int = 2
) -> list[list[tuple[int, int]]]:
    """The epoch's batches of (index, epoch); a trailing batch smaller than `min_last` is
    dropped when there are others (BatchNorm cannot train on a single sample, and each
    process of a data-parallel run needs two)."""
    batches = [permutation[i : i + batch_size] for i in range(0, len(permutation), batch_size)]
    if len(batches) > 1 and len(batches[-1]) < min_last:
        batches.pop()
    return [[(i, epoch) for i in b] for b in batches]


class ListBatchSampler(torch.utils.data.Sampler):
    def __init__(self, batches: list[list[tuple[int, int]]]) -> None:
        self.batches = batches

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def eval_batches(n: int, batch_size: int) -> list[list[int]]:
    return [list(range(i, min(n, i + batch_size))) for i in range(0, n, batch_size)]
