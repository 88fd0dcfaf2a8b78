"""The training loop: one run from its spec, with pause/stop/checkpoint at step boundaries.

Exact resume: the sample order of epoch e is a permutation from a generator seeded with
(seed, e), augmentation is seeded per (seed, epoch, index), the data loader draws its
base seed from its own generator (never from the global RNG), the learning rate is a pure
function of the step (so the schedule is rebuilt for any new length), and a checkpoint
holds model, optimizer, grad scaler, RNG states, epoch, batches done and step. A
resumed run on the CPU therefore computes the same losses as one left alone.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import models_factory
from ..storage import write_json_atomic
from . import checkpoints
from .control import Control
from .data import (
    ClassificationData,
    DetectionData,
    ListBatchSampler,
    collate_detection,
    epoch_batches,
    epoch_permutation,
    eval_batches,
    split_train_val,
)
from .distributed import Group
from .events import EventWriter
from .metrics import confusion, detection_map, per_class_scores
from .spec import RunSpec

STEP_GAMMA = 0.1
# Seconds to sleep after each step; for tests and demos that need a slow run (not a hyperparameter).
STEP_DELAY_ENV = "CVSTUDIO_TRAINING_STEP_DELAY"


def lr_at(hp: dict[str, Any], step: int, steps_per_epoch: int) -> float:
    """The learning rate for optimizer step `step` (0-based) of a run of hp["epochs"] epochs."""
    base = hp["lr"]
    total = max(1, hp["epochs"] * steps_per_epoch)
    warmup = round(hp["warmup_epochs"] * steps_per_epoch)
    if step < warmup:
        return base * (step + 1) / warmup
    if hp["scheduler"] == "cosine":
        span = max(1, total - warmup)
        progress = min(1.0, (step - warmup) / span)
        return base * 0.5 * (1.0 + math.cos(math.pi * progress))
    if hp["scheduler"] == "step":
        every = max(1, round(hp["epochs"] / 3))
        return base * STEP_GAMMA ** ((step // max(1, steps_per_epoch)) // every)
    return base


def pick_device(requested: str) -> torch.device:
    if requested == "cpu":
        return torch.device("cpu")
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError("resources.device asks for CUDA, but no CUDA device is available")
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Finished(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Trainer:
    def __init__(
        self, spec: RunSpec, run_dir: Path, events: EventWriter, control: Control, group: Group | None = None
    ) -> None:
        self.spec = spec
        self.group = group or Group()
        self.run_dir = Path(run_dir)
        self.ckpt_dir = self.run_dir / "checkpoints"
        self.ckpt_dir.mkdir(exist_ok=True)
        self.events = events
        self.control = control
        self.hp = spec.hyperparameters
        self.detection = spec.task == "detection"

    # ------------------------------------------------------------------ setup

    def setup(self) -> None:
        spec, hp = self.spec, self.hp
        self.device = self.group.device(pick_device(spec.resources["device"]))
        self.group.start(self.device)
        resume = checkpoints.load(Path(spec.resume_from)) if spec.resume_from else None
        if resume is None:
            torch.manual_seed(hp["seed"])
            np.random.seed(hp["seed"])
            random.seed(hp["seed"])
        if models_factory.task_of(spec.architecture) != spec.task:
            raise ValueError(
                f"{spec.architecture} is a {models_factory.task_of(spec.architecture)} model, "
                f"but the run's task is {spec.task}"
            )
        # net: the bare model (checkpoints, validation); model: what trains (net, or DDP around it)
        self.net: nn.Module = models_factory.build_model(spec.architecture, spec.num_classes, spec.graph)
        if spec.pretrained_weights and resume is None:
            self._load_pretrained(Path(spec.pretrained_weights))
        self.net.to(self.device)
        self.channels_last = self.device.type == "cuda" and not self.detection
        if self.channels_last:
            self.net.to(memory_format=torch.channels_last)

        if not Path(spec.data["root"]).is_dir():
            raise FileNotFoundError(f"The dataset folder {spec.data['root']} is missing")
        train, val = split_train_val(spec.data["train"], spec.data["val"], hp["val_fraction"], hp["seed"])
        # what the validation figures are measured on, said next to them
        self.val_source = "val" if spec.data["val"] else f"{hp['val_fraction']:.0%} of train, held out"
        cls = DetectionData if self.detection else ClassificationData
        size = hp["image_size"]
        self.train_data = cls(spec.data["root"], train, spec.num_classes, size, spec.augmentation, hp["seed"])
        self.val_data = cls(spec.data["root"], val, spec.num_classes, size, None, hp["seed"])
        self.min_last = 2 * self.group.world
        self.steps_per_epoch = len(epoch_batches(list(range(len(train))), hp["batch_size"], 0, self.min_last))

        params = [p for p in self.net.parameters() if p.requires_grad]
        if hp["optimizer"] == "sgd":
            self.optimizer = torch.optim.SGD(
                params, lr=hp["lr"], momentum=hp["momentum"], weight_decay=hp["weight_decay"]
            )
        elif hp["optimizer"] == "adam":
            self.optimizer = torch.optim.Adam(params, lr=hp["lr"], weight_decay=hp["weight_decay"])
        else:
            self.optimizer = torch.optim.AdamW(params, lr=hp["lr"], weight_decay=hp["weight_decay"])
        self.use_amp = hp["amp"] is not False and self.device.type == "cuda"
        self.amp_dtype = torch.bfloat16 if self.use_amp and torch.cuda.is_bf16_supported() else torch.float16
        # bf16 keeps fp32's range: only fp16 needs its gradients scaled
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)

        self.epoch, self.batch, self.step = 0, 0, 0
        self.best: dict[str, Any] = {"metric": None, "value": None, "epoch": None}
        self.bad_epochs = 0
        self.last_metrics: dict[str, Any] = {}
        # the epoch in progress: its batch losses and the seconds spent on it so far, kept in
        # checkpoints so that a paused epoch reports the same figures as one left alone
        self.epoch_losses: list[float] = []
        self.epoch_seconds = 0.0
        self.epoch_started = time.monotonic()
        if resume is not None:
            self.net.load_state_dict(resume["model"])
            self.optimizer.load_state_dict(resume["optimizer"])
            if self.scaler.is_enabled() and resume.get("scaler"):
                self.scaler.load_state_dict(resume["scaler"])
            self.epoch, self.batch, self.step = int(resume["epoch"]), int(resume["batch"]), int(resume["step"])
            self.best = dict(resume.get("best") or self.best)
            self.bad_epochs = int(resume.get("bad_epochs", 0))
            self.last_metrics = dict(resume.get("metrics") or {})
            self.epoch_losses = [float(v) for v in resume.get("epoch_losses", [])]
            self.epoch_seconds = float(resume.get("epoch_seconds", 0.0))
            checkpoints.restore_rng(resume["rng"])  # last: building the model above drew from the RNG
            self.events.log(
                f"Resumed from {spec.resume_from} at epoch {self.epoch + 1}, batch {self.batch}, step {self.step}"
            )
        self.model: nn.Module = self.net
        if self.group.active:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = nn.parallel.DistributedDataParallel(self.net, device_ids=ids)
        self.events.log(
            f"{spec.task} run {spec.run_id}: {spec.architecture}, {spec.num_classes} classes, "
            f"{len(train)} train / {len(val)} val images, {self.steps_per_epoch} steps per epoch, "
            f"device {self.device}"
            + (f", {self.group.world} data-parallel processes" if self.group.world > 1 else "")
            + (f", {str(self.amp_dtype).removeprefix('torch.')} autocast" if self.use_amp else "")
        )

    def _load_pretrained(self, path: Path) -> None:
        from ..weights import load_state_dict

        state = models_factory.normalize_keys(load_state_dict(path))
        own = self.net.state_dict()
        usable = {k: v for k, v in state.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
        if not usable:
            raise ValueError(f"None of the pretrained weights in {path.name} fit {self.spec.architecture}")
        skipped = [k for k in own if k not in usable]
        self.net.load_state_dict(usable, strict=False)
        self.events.log(
            f"Loaded {len(usable)} tensors from {path.name}"
            + (f"; {len(skipped)} left at random init ({', '.join(skipped[:3])}...)" if skipped else "")
        )

    # ------------------------------------------------------------------ checkpoints

    def _state(self, kind: str, permutation: list[int]) -> dict[str, Any]:
        spec = self.spec
        return {
            "format": checkpoints.FORMAT,
            "version": 1,
            "kind": kind,
            "model": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "meta": {
                "task": spec.task,
                "architecture": spec.architecture,
                "classes": spec.classes,
                "input_size": list(self.hp["image_size"]),
                "run_id": spec.run_id,
            },
            "optimizer": self.optimizer.state_dict(),
            "scheduler": {
                "type": self.hp["scheduler"],
                "epochs": self.hp["epochs"],
                "steps_per_epoch": self.steps_per_epoch,
                "warmup_epochs": self.hp["warmup_epochs"],
                "lr": self.hp["lr"],
            },
            "scaler": self.scaler.state_dict() if self.scaler.is_enabled() else {},
            "rng": checkpoints.capture_rng(),
            "epoch": self.epoch,
            "batch": self.batch,
            "step": self.step,
            "permutation": list(permutation),
            "best": dict(self.best),
            "bad_epochs": self.bad_epochs,
            "metrics": dict(self.last_metrics),
            "epoch_losses": list(self.epoch_losses),
            "epoch_seconds": self.epoch_seconds + (time.monotonic() - self.epoch_started),
            "hyperparameters": {k: v for k, v in self.hp.items()},
        }

    def save(self, name: str, kind: str, permutation: list[int]) -> None:
        if not self.group.main:
            return
        path = self.ckpt_dir / name
        size = checkpoints.save(path, self._state(kind, permutation))
        epoch_shown = self.epoch if self.batch == 0 else self.epoch + 1
        self.events.checkpoint(
            {
                "name": name,
                "kind": kind,
                "epoch": epoch_shown,
                "step": self.step,
                "path": str(path.relative_to(self.run_dir)),
                "metrics": dict(self.last_metrics),
                "size": size,
            }
        )
        self.events.log(f"Checkpoint {name} ({kind}) at step {self.step}", event=False)

    def boundary(self, permutation: list[int]) -> None:
        """A step boundary: act on control requests (rank 0's, in a data-parallel run)."""
        action = self.group.agree(self.control.poll() if self.group.main else None)
        if action is None:
            return
        if action == "checkpoint":
            self.save(f"manual-{self.step}.pt", "manual", permutation)
            return
        self.save("last.pt", "last", permutation)
        status = "paused" if action == "pause" and not self.control.signalled else "stopped"
        self.events.log(f"{'Paused' if status == 'paused' else 'Stopped'} at epoch {self.epoch + 1}, step {self.step}")
        raise Finished(status)

    # ------------------------------------------------------------------ training

    def _loader(self, batches: list[list[Any]], collate: Any = None) -> torch.utils.data.DataLoader:
        workers = self.spec.resources["num_workers"]
        return torch.utils.data.DataLoader(
            self.train_data,
            batch_sampler=ListBatchSampler([self.group.share(b) for b in batches]),
            num_workers=workers,
            collate_fn=collate,
            pin_memory=self.device.type == "cuda",
            generator=torch.Generator().manual_seed(self.hp["seed"] + self.epoch),
            persistent_workers=False,
        )

    def train_step(self, batch: Any) -> tuple[float, float]:
        lr = lr_at(self.hp, self.step, self.steps_per_epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=self.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
            if self.detection:
                images, targets = batch
                images = [i.to(self.device, non_blocking=True) for i in images]
                targets = [{k: v.to(self.device) for k, v in t.items()} for t in targets]
                losses = self.model(images, targets)
                loss = sum(losses.values())
            else:
                x, y = batch
                fmt = torch.channels_last if self.channels_last else torch.contiguous_format
                x = x.to(self.device, non_blocking=True, memory_format=fmt)
                loss = nn.functional.cross_entropy(self.model(x), y.to(self.device, non_blocking=True))
        value = self.group.mean(float(loss.detach()))  # every process decides alike below
        if not math.isfinite(value):
            raise FloatingPointError(f"The loss became {value} at step {self.step + 1}; try a lower learning rate")
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.step += 1
        return value, lr

    def run(self) -> str:
        self.setup()
        hp = self.hp
        self.events.status("running", self.epoch + 1, self.step, epochs=hp["epochs"])
        try:
            while self.epoch < hp["epochs"]:
                permutation = epoch_permutation(len(self.train_data), hp["seed"], self.epoch)
                batches = epoch_batches(permutation, hp["batch_size"], self.epoch, self.min_last)
                self.epoch_started = time.monotonic()
                self.boundary(permutation)
                loader = self._loader(batches[self.batch :], collate_detection if self.detection else None)
                delay = float(os.environ.get(STEP_DELAY_ENV) or 0)
                for batch in loader:
                    if delay:
                        time.sleep(delay)
                    loss, lr = self.train_step(batch)
                    self.batch += 1
                    self.epoch_losses.append(loss)
                    if self.step % hp["log_interval"] == 0 or self.batch == len(batches):
                        self.events.metric({"epoch": self.epoch + 1, "step": self.step, "train_loss": loss, "lr": lr})
                    self.boundary(permutation)
                self.end_epoch(self.epoch_losses, self.epoch_seconds + time.monotonic() - self.epoch_started)
                patience = hp["early_stopping_patience"]
                if self.group.agree("stop" if patience and self.bad_epochs >= patience else None):
                    self.events.log(f"Early stopping: no better {self.best['metric']} for {self.bad_epochs} epochs")
                    break

        except Finished as done:
            self.events.status(done.status, self.epoch + 1, self.step, epochs=hp["epochs"])
            self.group.close()
            return done.status
        self.group.close()
        self.evaluate_final()
        self.events.status("completed", self.epoch, self.step, epochs=hp["epochs"])
        return "completed"

    def end_epoch(self, losses: list[float], seconds: float) -> None:
        hp = self.hp
        metrics: dict[str, Any] = {"epoch": self.epoch + 1, "step": self.step}
        if losses:
            metrics["train_loss_epoch"] = float(np.mean(losses))
        if len(self.val_data) and self.group.main:
            result = self.validate(self.net)
            metrics.update({k: v for k, v in result.items() if k.startswith("val_")})
            name = "val_map" if self.detection else "val_accuracy"
            value, higher = metrics[name], True
        else:
            name, value, higher = "train_loss_epoch", metrics.get("train_loss_epoch"), False
        self.events.metric(metrics)
        self.last_metrics = {k: v for k, v in metrics.items() if k not in ("epoch", "step")}
        shown = ", ".join(f"{k} {v:.4f}" for k, v in self.last_metrics.items() if isinstance(v, float))
        self.events.log(f"Epoch {self.epoch + 1}/{hp['epochs']} ({seconds:.1f}s): {shown}")
        improved = value is not None and (
            self.best["value"] is None or (value > self.best["value"] if higher else value < self.best["value"])
        )
        if improved:
            self.best = {"metric": name, "value": value, "epoch": self.epoch + 1}
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.epoch += 1
        self.batch = 0
        self.epoch_losses, self.epoch_seconds, self.epoch_started = [], 0.0, time.monotonic()
        next_perm = epoch_permutation(len(self.train_data), hp["seed"], self.epoch) if self.epoch < hp["epochs"] else []
        self.save("last.pt", "last", next_perm)
        if improved:
            self.save("best.pt", "best", next_perm)
        if hp["save_every_epochs"] and self.epoch % hp["save_every_epochs"] == 0:
            self.save(f"epoch-{self.epoch}.pt", "epoch", next_perm)

    # ------------------------------------------------------------------ evaluation

    @torch.no_grad()
    def validate(self, model: nn.Module, keep: bool = False) -> dict[str, Any]:
        model.eval()
        bs = self.hp["batch_size"]
        data = self.val_data
        if self.detection:
            preds, targets = [], []
            for idx in eval_batches(len(data), bs):
                items = [data[i] for i in idx]
                out = model([x.to(self.device) for x, _ in items])
                preds += [{k: v.detach().cpu() for k, v in o.items()} for o in out]
                targets += [t for _, t in items]
            result = detection_map(preds, targets, self.spec.classes)
            return {"val_map50": result["map50"], "val_map": result["map"], "_detail": result}
        total_loss, correct, top5, count = 0.0, 0, 0, 0
        all_preds, all_labels = [], []
        n = self.spec.num_classes
        for idx in eval_batches(len(data), bs):
            items = [data[i] for i in idx]
            x = torch.stack([it[0] for it in items]).to(self.device)
            y = torch.tensor([it[1] for it in items], device=self.device)
            logits = model(x).float()
            total_loss += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
            pred = logits.argmax(1)
            correct += int((pred == y).sum())
            if n > 5:
                top5 += int((logits.topk(5, 1).indices == y[:, None]).any(1).sum())
            count += len(idx)
            all_preds += pred.cpu().tolist()
            all_labels += y.cpu().tolist()
        result: dict[str, Any] = {"val_loss": total_loss / count, "val_accuracy": correct / count}
        if n > 5:
            result["val_top5"] = top5 / count
        if keep:
            result["_preds"], result["_labels"] = all_preds, all_labels
        return result

    def evaluate_final(self) -> None:
        """evaluation.json on the val split with the best checkpoint's weights."""
        if not self.group.main:
            return
        if not len(self.val_data):
            self.events.log("No validation images: evaluation.json is not written", level="warning")
            return
        best = self.ckpt_dir / "best.pt"
        if best.exists():
            self.net.load_state_dict(checkpoints.load(best)["model"])
        result = self.validate(self.net, keep=True)
        if self.detection:
            detail = result["_detail"]
            evaluation = {
                "task": "detection",
                "map": detail["map"],
                "map50": detail["map50"],
                "per_class": detail["per_class"],
                "pr_curves": detail["pr_curves"],
            }
        else:
            matrix = confusion(result["_preds"], result["_labels"], self.spec.num_classes)
            evaluation = {
                "task": "classification",
                "classes": self.spec.classes,
                "accuracy": result["val_accuracy"],
                "confusion_matrix": matrix.tolist(),
                "per_class": per_class_scores(matrix, self.spec.classes),
            }
        evaluation["checkpoint"] = "best.pt" if best.exists() else "last"
        evaluation["split"], evaluation["images"] = self.val_source, len(self.val_data)
        write_json_atomic(self.run_dir / "evaluation.json", json.loads(json.dumps(evaluation)))
        self.events.log("Wrote evaluation.json")
