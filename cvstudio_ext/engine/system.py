"""One snapshot of the machine's load: CPU, memory, a disk, GPUs, plus the caller's run counts.

The system WebSocket samples this every second, so it must be cheap and must never
raise: a machine without NVIDIA driver simply has no GPUs. NVML is initialized once
and kept (initializing costs tens of milliseconds) until `close()`.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import psutil


class _Nvml:
    """NVML, started on first use and kept; after a failed start it is not retried until `close()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._module: Any = None
        self._failed = False

    def _start(self) -> Any:
        if self._module is None and not self._failed:
            try:
                import pynvml

                pynvml.nvmlInit()
                self._module = pynvml
            except Exception:  # noqa: BLE001 - no package, no library, no driver: no GPUs
                self._failed = True
        return self._module

    def gpus(self) -> list[dict[str, Any]]:
        with self._lock:
            nvml = self._start()
            if nvml is None:
                return []
            try:
                count = nvml.nvmlDeviceGetCount()
                return [self._gpu(nvml, i) for i in range(count)]
            except Exception:  # noqa: BLE001 - NVMLError (driver gone, GPU lost, ...): none this time
                return []

    @staticmethod
    def _gpu(nvml: Any, index: int) -> dict[str, Any]:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)

        def read(fn: Any) -> Any:
            # A field a device does not support (MIG, some datacenter parts) is None, not an error.
            try:
                return fn()
            except nvml.NVMLError:
                return None

        name = read(lambda: nvml.nvmlDeviceGetName(handle))
        uuid = read(lambda: nvml.nvmlDeviceGetUUID(handle))
        util = read(lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
        memory = read(lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
        return {
            "index": index,
            "name": name.decode() if isinstance(name, bytes) else name,
            "uuid": uuid.decode() if isinstance(uuid, bytes) else uuid,
            "utilization": float(util.gpu) if util is not None else None,
            "memory_used": int(memory.used) if memory is not None else None,
            "memory_total": int(memory.total) if memory is not None else None,
            "temperature": read(lambda: float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))),
        }

    def close(self) -> None:
        with self._lock:
            if self._module is not None:
                with contextlib.suppress(Exception):  # shutting down a lost driver may fail; nothing to do
                    self._module.nvmlShutdown()
            self._module = None
            self._failed = False


_nvml = _Nvml()


def _existing(path: str | Path) -> Path:
    """The path, or its nearest existing parent (the data directory may not exist yet)."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def snapshot(runs: dict[str, Any], disk_path: str | Path = "/") -> dict[str, Any]:
    """The API's system object. Sizes are bytes, percentages 0-100, temperatures degrees C.

    CPU percent is since the previous call (psutil's interval=None), so the first call
    after start reads 0.0. Memory "used" is total - available, consistent with its percent.
    """
    mem = psutil.virtual_memory()
    try:
        disk = psutil.disk_usage(str(_existing(disk_path)))
        disk_info = {"total": int(disk.total), "used": int(disk.used), "percent": float(disk.percent)}
    except OSError:
        disk_info = {"total": 0, "used": 0, "percent": 0.0}
    return {
        "cpu": {"percent": float(psutil.cpu_percent(interval=None)), "count": psutil.cpu_count() or 1},
        "memory": {"total": int(mem.total), "used": int(mem.total - mem.available), "percent": float(mem.percent)},
        "disk": disk_info,
        "gpus": _nvml.gpus(),
        "runs": runs,
    }


def gpu_uuids() -> list[str]:
    """The GPUs NVML sees, by UUID (what CUDA_VISIBLE_DEVICES takes); [] without any."""
    return [g["uuid"] for g in _nvml.gpus() if g.get("uuid")]


def close() -> None:
    """Shut NVML down (at server stop); the next snapshot starts it again."""
    _nvml.close()
