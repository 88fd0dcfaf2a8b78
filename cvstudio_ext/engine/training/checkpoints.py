"""Checkpoint files: full training state, loadable with torch.load(weights_only=True).

A checkpoint is a dict::

    {"format": "cvstudio-checkpoint", "version": 1,
     "model": state dict (so engine.weights.load_state_dict reads it as weights),
     "meta": {"task", "architecture", "classes", "input_size", "run_id"},
     "optimizer": optimizer state dict, "scheduler": {"type", "epochs", "steps_per_epoch", ...},
     "scaler": GradScaler state dict ({} when unused),
     "rng": {"torch": ByteTensor, "cuda": [ByteTensor...], "numpy": {...}, "python": [...]},
     "epoch": 0-based epoch in progress, "batch": batches of it done, "step": optimizer steps done,
     "permutation": the epoch's sample order (list of ints), "best": {"metric", "value", "epoch"},
     "bad_epochs": epochs without improvement (early stopping), "history": per-step train losses count,
     "metrics": the last epoch's validation metrics, "kind": last|best|epoch|manual,
     "epoch_losses": the epoch in progress's batch losses, "epoch_seconds": its time so far}

Written to a temp file in the same folder, flushed, fsynced, then os.replace'd.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..storage import disk_full_is_507

FORMAT = "cvstudio-checkpoint"


def capture_rng() -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, state, gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": {"version": version, "state": list(state), "gauss": gauss},
    }


def restore_rng(rng: dict[str, Any]) -> None:
    torch.set_rng_state(rng["torch"])
    if rng.get("cuda") and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(rng["cuda"])
        except (RuntimeError, IndexError):
            pass
    n = rng["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    p = rng["python"]
    random.setstate((p["version"], tuple(p["state"]), p["gauss"]))


class _KeepWriteError:
    """torch.save reports a failed write as a RuntimeError about stream positions; this
    keeps the OSError behind it, so that a full disk is told as one."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.error: OSError | None = None

    def write(self, data) -> int:
        try:
            return self.fh.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        self.fh.flush()


def save(path: Path, state: dict[str, Any]) -> int:
    """Atomically write `state` to `path`; its size in bytes. On a full disk raises
    InsufficientStorage and leaves neither `path` changed nor a temp file behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with disk_full_is_507(f"checkpoint {path.name}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                out = _KeepWriteError(f)
                try:
                    torch.save(state, out)
                except RuntimeError:
                    if out.error is None:
                        raise
                    raise out.error from None
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return path.stat().st_size


def load(path: Path) -> dict[str, Any]:
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a CV Studio training checkpoint; use pretrained_weights for plain weights")
    return state
