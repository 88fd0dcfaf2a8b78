"""Facts about the machine: versions, accelerators."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .. import __version__


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@functools.cache
def gpu_count() -> int:
    """GPUs NVML sees; no driver or no GPU is a normal case and gives 0."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return 0
    try:
        return int(pynvml.nvmlDeviceGetCount())
    finally:
        pynvml.nvmlShutdown()


class SystemService:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def snapshot(self) -> dict[str, Any]:
        """CPU, memory, the data directory's disk, GPUs, and the run counts (no training
        runs exist before the training feature, so both counts are 0 until then)."""
        from ..engine.system import snapshot

        return snapshot(runs={"running": 0, "queued": 0}, disk_path=str(self.data_dir))

    def health(self) -> dict[str, Any]:
        gpus = gpu_count()
        return {
            "status": "ok",
            "version": __version__,
            "torch": _package_version("torch"),
            "cuda": gpus > 0,
            "gpus": gpus,
        }
