"""Facts about the machine: versions, accelerators."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
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
    def health(self) -> dict[str, Any]:
        gpus = gpu_count()
        return {
            "status": "ok",
            "version": __version__,
            "torch": _package_version("torch"),
            "cuda": gpus > 0,
            "gpus": gpus,
        }
