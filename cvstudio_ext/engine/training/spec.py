"""`spec.json`: everything a training worker needs, written by the server before start.

Schema (JSON object)::

    {
      "run_id": str,
      "task": "classification" | "detection",
      "architecture": torchvision model name | "graph:<model id>",
      "graph": the model graph JSON when architecture is "graph:...", else null,
      "classes": [class name, ...],              # class id = index in this list
      "input_size": [H, W],                      # classification input; default [224, 224]
      "pretrained_weights": path | null,         # loaded with engine.weights.load_state_dict;
                                                 # keys whose shape differs (the head) are skipped
      "resume_from": checkpoint path | null,     # a checkpoint this worker wrote (last.pt, ...)
      "hyperparameters": {see DEFAULTS below},
      "augmentation": [{"type": "HorizontalFlip", "p": 0.5}, ...],   # engine.datasets.augment
      "resources": {"device": "auto" | "cpu" | "cuda", "num_workers": int, "gpus"?, "processes"?, "cpus"?, "memory_gb"?},
                                                 # processes > 1: the server starts this worker
                                                 # under torch.distributed.run (distributed.py)
      "data": {
        "root": dataset folder (files are relative to it),
        "train": [{"file", "label"}]                          # classification, label = class id
               | [{"file", "boxes": [[x, y, w, h], ...], "labels": [class id, ...]}],  # detection, COCO pixels
        "val": [...] (same form; empty -> a seeded `val_fraction` of train is held out)
      }
    }

Hyperparameter defaults (`DEFAULTS`): epochs 10, batch_size 16, lr 0.01 for sgd else 0.001
(`lr` null = by optimizer), optimizer "sgd" (classification) / "sgd" (detection),
momentum 0.9, weight_decay 1e-4 (sgd/adam) / 0.01 (adamw), scheduler "cosine",
warmup_epochs 0, image_size null (= input_size; an int N means [N, N]), amp null (= on
for CUDA: bf16 autocast where the GPU has it, else fp16 with a grad scaler; never on the
CPU), early_stopping_patience 0 (off; N = stop after N epochs without a
better main metric), seed 42, val_fraction 0.2, log_interval 10 (a train_loss metric
event every N optimizer steps, and on an epoch's last step), save_every_epochs 0 (0 = no
`epoch-<n>.pt` checkpoints).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..storage import write_json_atomic

DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "batch_size": 16,
    "lr": None,
    "optimizer": "sgd",
    "momentum": 0.9,
    "weight_decay": None,
    "scheduler": "cosine",
    "warmup_epochs": 0,
    "image_size": None,
    "amp": None,
    "early_stopping_patience": 0,
    "seed": 42,
    "val_fraction": 0.2,
    "log_interval": 10,
    "save_every_epochs": 0,
}
RESOURCE_DEFAULTS: dict[str, Any] = {"device": "auto", "num_workers": 0}
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULERS = ("cosine", "step", "none")
TASKS = ("classification", "detection")


class SpecError(ValueError):
    """spec.json is missing, unreadable or inconsistent."""


def _int(value: Any, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise SpecError(f"{name} must be a whole number, not {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise SpecError(
            f"{name} must be from {low} to {high}, not {value}" if high else f"{name} must be at least {low}"
        )
    return value


def _float(value: Any, name: str, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if value < low or (high is not None and value > high):
        raise SpecError(f"{name} is out of range: {value}")
    return value


def normalize_hyperparameters(raw: dict[str, Any] | None, input_size: list[int]) -> dict[str, Any]:
    """Defaults filled in and every value checked; unknown keys are kept as they are."""
    hp = dict(DEFAULTS)
    hp.update({k: v for k, v in (raw or {}).items() if v is not None})
    hp["epochs"] = _int(hp["epochs"], "epochs", 1, 100_000)
    hp["batch_size"] = _int(hp["batch_size"], "batch_size", 1, 65_536)
    hp["optimizer"] = str(hp["optimizer"]).lower()
    if hp["optimizer"] not in OPTIMIZERS:
        raise SpecError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {hp['optimizer']!r}")
    hp["scheduler"] = str(hp["scheduler"]).lower()
    if hp["scheduler"] not in SCHEDULERS:
        raise SpecError(f"scheduler must be one of {', '.join(SCHEDULERS)}, not {hp['scheduler']!r}")
    if hp["lr"] is None:
        hp["lr"] = 0.01 if hp["optimizer"] == "sgd" else 0.001
    hp["lr"] = _float(hp["lr"], "lr", 0.0, 100.0)
    if hp["weight_decay"] is None:
        hp["weight_decay"] = 0.01 if hp["optimizer"] == "adamw" else 1e-4
    hp["weight_decay"] = _float(hp["weight_decay"], "weight_decay", 0.0, 10.0)
    hp["momentum"] = _float(hp["momentum"], "momentum", 0.0, 1.0)
    hp["warmup_epochs"] = _float(hp["warmup_epochs"], "warmup_epochs", 0.0, float(hp["epochs"]))
    hp["amp"] = None if hp["amp"] is None else bool(hp["amp"])
    hp["early_stopping_patience"] = _int(hp["early_stopping_patience"], "early_stopping_patience", 0)
    hp["seed"] = _int(hp["seed"], "seed", 0, 2**31 - 1)
    hp["val_fraction"] = _float(hp["val_fraction"], "val_fraction", 0.0, 0.9)
    hp["log_interval"] = _int(hp["log_interval"], "log_interval", 1)
    hp["save_every_epochs"] = _int(hp["save_every_epochs"], "save_every_epochs", 0)
    if hp["image_size"] is not None:
        size = hp["image_size"]
        size = [size, size] if isinstance(size, (int, float)) and not isinstance(size, bool) else list(size)
        hp["image_size"] = [_int(s, "image_size", 8, 8192) for s in size[:2]]
    else:
        hp["image_size"] = list(input_size)
    return hp


@dataclass
class RunSpec:
    run_id: str
    task: str
    architecture: str
    classes: list[str]
    data: dict[str, Any]
    graph: dict[str, Any] | None = None
    input_size: list[int] = field(default_factory=lambda: [224, 224])
    pretrained_weights: str | None = None
    resume_from: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    augmentation: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise SpecError(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if not isinstance(self.architecture, str) or not self.architecture:
            raise SpecError("architecture is required")
        if not isinstance(self.classes, list) or not self.classes:
            raise SpecError("classes must be a non-empty list of names")
        self.classes = [str(c) for c in self.classes]
        size = self.input_size
        if isinstance(size, (int, float)) and not isinstance(size, bool):
            size = [size, size]
        if not isinstance(size, (list, tuple)) or len(size) != 2:
            raise SpecError("input_size must be [H, W]")
        self.input_size = [_int(s, "input_size", 8, 8192) for s in size]
        self.hyperparameters = normalize_hyperparameters(self.hyperparameters, self.input_size)
        res = dict(RESOURCE_DEFAULTS)
        res.update({k: v for k, v in (self.resources or {}).items() if v is not None})
        res["device"] = str(res["device"]).lower()
        if res["device"] not in ("auto", "cpu", "cuda") and not res["device"].startswith("cuda:"):
            raise SpecError(f"resources.device must be auto, cpu or cuda, not {res['device']!r}")
        res["num_workers"] = _int(res["num_workers"], "resources.num_workers", 0, 64)
        self.resources = res
        if not isinstance(self.augmentation, list):
            raise SpecError("augmentation must be a list of steps")
        if not isinstance(self.data, dict) or "root" not in self.data:
            raise SpecError("data must be an object with root, train and val")
        self.data = {
            "root": str(self.data["root"]),
            "train": list(self.data.get("train") or []),
            "val": list(self.data.get("val") or []),
        }
        if not self.data["train"]:
            raise SpecError("data.train is empty: there is nothing to train on")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunSpec:
        if not isinstance(raw, dict):
            raise SpecError("spec.json must hold a JSON object")
        known = {f for f in cls.__dataclass_fields__}
        missing = [k for k in ("run_id", "task", "architecture", "classes", "data") if k not in raw]
        if missing:
            raise SpecError(f"spec.json lacks {', '.join(missing)}")
        return cls(**{k: v for k, v in raw.items() if k in known})

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> RunSpec:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SpecError(f"{path} does not exist") from None
        except (OSError, ValueError) as exc:
            raise SpecError(f"{path} cannot be read: {exc}") from None
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_file(self, path: str | os.PathLike[str]) -> None:
        """Atomically (temp file, fsync, os.replace)."""
        write_json_atomic(Path(path), self.to_dict())
