"""Reading uploaded weight files into a plain state dict, without ever running their code.

Weights come from users, so a `.pt` file is only ever opened with
`torch.load(weights_only=True)`: a pickle that would import and call anything other
than tensors and plain containers is refused before any of it runs. The file kind is
decided by its first bytes, not by its name, so a renamed file is still read right
and garbage is reported as garbage rather than as "unsafe".
"""

from __future__ import annotations

import pickle
import re
import struct
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import Invalid, Unsupported

# Where training checkpoints of common libraries keep the model's state dict, in the
# order they are tried (Lightning/timm "state_dict", torchvision references "model", ...).
CHECKPOINT_KEYS = ("model", "state_dict", "model_state_dict", "ema", "weights")

ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default (zip) format
PICKLE_PROTO = 0x80  # torch.save's legacy format and plain pickles start with PROTO
SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024  # the safetensors library's own limit


def sniff(path: Path) -> str:
    """Which reader fits, from the file's first bytes: "torch", "safetensors" or "unknown"."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(9)
    # safetensors first: its header length may start with 0x80 too, but no pickle has a
    # plausible length followed by "{".
    if len(head) == 9:
        (n,) = struct.unpack("<Q", head[:8])
        if 2 <= n <= min(SAFETENSORS_MAX_HEADER, size - 8) and head[8:9] == b"{":
            return "safetensors"
    if head.startswith(ZIP_MAGIC) or (head and head[0] == PICKLE_PROTO):
        return "torch"
    return "unknown"


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a `.pt`/`.pth` state dict or checkpoint, or of a `.safetensors` file, on the CPU."""
    path = Path(path)
    kind = sniff(path)
    if kind == "torch":
        return extract_state_dict(_torch_load(path))
    if kind == "safetensors":
        return _safetensors_load(path)
    raise Invalid(
        f"{path.name!r} is not a weights file: expected a PyTorch file saved with torch.save "
        "(.pt/.pth) or a .safetensors file.",
        code="not_weights",
    )


def _torch_load(path: Path) -> Any:
    try:
        with warnings.catch_warnings():
            # Plain pickles of newer protocols make torch warn; the refusal below says enough.
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" not in str(exc).lower():
            raise _corrupt(path, exc) from None
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        what = f" (it refers to {found.group(1)})" if found else ""
        raise Invalid(
            f"{path.name!r} is not a plain weights file: loading it would run code or build "
            f"objects other than tensors{what}. Save `model.state_dict()` with torch.save "
            "and upload that.",
            code="unsafe_weights",
            details=[{"global": found.group(1)}] if found else [],
        ) from None
    except RuntimeError as exc:
        if "weights_only" in str(exc) or "weights only" in str(exc).lower():
            raise Invalid(
                f"{path.name!r} is not a plain weights file; save `model.state_dict()` with "
                "torch.save and upload that.",
                code="unsafe_weights",
            ) from None
        raise _corrupt(path, exc) from None
    except MemoryError:
        raise Invalid(f"{path.name!r} is too large to load into memory.", code="not_weights") from None
    except Exception as exc:  # noqa: BLE001 - EOFError, struct errors, ... from a truncated or corrupt file
        raise _corrupt(path, exc) from None


def _corrupt(path: Path, exc: BaseException) -> Invalid:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return Invalid(
        f"{path.name!r} looks like a PyTorch file but cannot be read (truncated or corrupt: "
        f"{reason}); upload it again or re-save it with torch.save.",
        code="not_weights",
    )


def _safetensors_load(path: Path) -> dict[str, torch.Tensor]:
    try:
        from safetensors.torch import load_file
    except ImportError:
        raise Unsupported(
            "This server cannot read .safetensors files (the safetensors package is not "
            "installed); upload a .pt state dict instead.",
            code="safetensors_unavailable",
        ) from None
    try:
        state = load_file(str(path), device="cpu")
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - SafetensorError, JSON errors: a corrupt header or data
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise Invalid(
            f"{path.name!r} is not a valid .safetensors file ({reason}); export it again.",
            code="not_weights",
        ) from None
    if not state:
        raise Invalid(f"{path.name!r} holds no tensors.", code="not_weights")
    return dict(state)


def _tensor_items(value: Any) -> dict[str, torch.Tensor]:
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}


def _all_tensors(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())
    )


def extract_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """The state dict in what torch.load gave: the object itself when every value is a
    tensor, else the first checkpoint entry (see CHECKPOINT_KEYS) that holds tensors.

    A checkpoint's entry may carry extras (a step counter, a config string): those are
    dropped. A top-level dict is taken only whole, so a dict of mixed values without a
    checkpoint entry is refused rather than guessed at.
    """
    if not isinstance(obj, Mapping):
        raise Invalid(
            f"The file holds a {type(obj).__name__}, not a state dict; save "
            "`model.state_dict()` (a dict of tensors) with torch.save.",
            code="not_weights",
        )
    if _all_tensors(obj):
        return dict(obj)
    entries = [(k, obj[k]) for k in CHECKPOINT_KEYS if isinstance(obj.get(k), Mapping)]
    for _, value in entries:
        if _all_tensors(value):
            return dict(value)
    for _, value in entries:
        tensors = _tensor_items(value)
        if tensors:
            return tensors
    tensors = _tensor_items(obj)
    keys = [str(k) for k in list(obj)[:20]]
    if tensors:
        others = [str(k) for k, v in obj.items() if k not in tensors][:50]
        raise Invalid(
            f"The file mixes tensors with {len(others)} other value(s) (e.g. {others[0]!r}) and has "
            f"no checkpoint entry ({', '.join(CHECKPOINT_KEYS)}) holding the state dict; save "
            "`model.state_dict()` alone.",
            code="not_weights",
            details=others,
        )
    raise Invalid(
        "The file holds no tensors"
        + (f" (its keys: {', '.join(keys)})" if keys else "")
        + f"; expected a state dict, or a checkpoint with one under one of: {', '.join(CHECKPOINT_KEYS)}.",
        code="not_weights",
        details=keys,
    )
