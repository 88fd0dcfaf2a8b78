"""Data-parallel training under `torch.distributed.run`, and the one-process case.

Every process builds the same model from the same seed and sees every batch of the
epoch; process r trains on `batch[r::world]` and DDP averages the gradients, so a step
of a DDP run is a step of the one-process run with the same global `batch_size`
(exactly so when the shares are equal and the model has no BatchNorm).

Rank 0 alone writes events and checkpoints, polls `control.json` and validates; the
others learn what it decided through a broadcast at every step boundary, so that all of
them pause, stop or go on at the same step.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

ACTIONS = (None, "checkpoint", "pause", "stop")
# Rank 0 validates alone while the others wait at a barrier: give it hours, not the default 30 minutes.
TIMEOUT = timedelta(hours=6)


class Group:
    """This process's place in the run: rank, world size and the few collectives the loop needs."""

    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.main = self.rank == 0
        self.active = False
        self.comm = torch.device("cpu")  # where collectives' tensors live (NCCL: the GPU)

    def start(self, device: torch.device) -> None:
        if self.world > 1 and not dist.is_initialized():
            if device.type == "cuda":
                torch.cuda.set_device(device)
                self.comm = device
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=TIMEOUT)
            self.active = True

    def device(self, requested: torch.device) -> torch.device:
        """On CUDA each process takes the GPU of its local rank."""
        if requested.type == "cuda" and self.world > 1:
            return torch.device("cuda", self.local_rank)
        return requested

    def share(self, batch: list[Any]) -> list[Any]:
        return batch[self.rank :: self.world] if self.world > 1 else batch

    def agree(self, action: str | None) -> str | None:
        """Rank 0's decision, known to every rank."""
        if not self.active:
            return action
        code = torch.tensor([ACTIONS.index(action) if self.main else 0], device=self.comm)
        dist.broadcast(code, src=0)
        return ACTIONS[int(code)]

    def mean(self, value: float) -> float:
        """The mean over processes (the global batch's loss when the shares are equal)."""
        if not self.active:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.comm)
        dist.all_reduce(t)
        return float(t) / self.world

    def close(self) -> None:
        if self.active and dist.is_initialized():
            dist.destroy_process_group()
            self.active = False
