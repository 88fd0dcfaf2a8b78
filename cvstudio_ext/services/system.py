"""Facts about the machine: versions, accelerators."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
    def __init__(
        self,
        data_dir: Path,
        run_counts: Callable[[], dict[str, int]],
        max_upload_size: int = 0,
        cluster: Callable[[], dict[str, Any]] | None = None,
    ):
        self.data_dir = data_dir
        self.run_counts = run_counts
        self.max_upload_size = max_upload_size
        self.cluster = cluster  # the executor's cluster and its nodes (ray_nodes.RayNodes); None: local processes

    def snapshot(self) -> dict[str, Any]:
        """CPU, memory, the data directory's disk, GPUs, how many runs run or wait, and
        the cluster's nodes when runs go to one (`cluster` is None for local processes)."""
        from ..engine.system import snapshot

        snap = snapshot(runs=self.run_counts(), disk_path=str(self.data_dir))
        snap["cluster"] = self.cluster() if self.cluster is not None else None
        return snap

    def health(self) -> dict[str, Any]:
        gpus = gpu_count()
        return {
            "status": "ok",
            "version": __version__,
            "torch": _package_version("torch"),
            "cuda": gpus > 0,
            "gpus": gpus,
            "max_upload_size": self.max_upload_size,  # clients refuse a larger file before sending it
        }
