"""A stand-in for NVIDIA's `pynvml`, put first on the hub's user servers' PYTHONPATH:
the machine has one GPU, the same one for every user, so that handing it out across
users' servers can be tested on a machine without any. Only the calls
`cvstudio_ext.engine.system` makes are here."""

from __future__ import annotations

from types import SimpleNamespace

UUID = "GPU-00000000-hub-fake-0000"
NVML_TEMPERATURE_GPU = 0


class NVMLError(Exception):
    pass


def nvmlInit() -> None:
    pass


def nvmlShutdown() -> None:
    pass


def nvmlDeviceGetCount() -> int:
    return 1


def nvmlDeviceGetHandleByIndex(index: int) -> int:
    if index != 0:
        raise NVMLError(f"no GPU at index {index}")
    return index


def nvmlDeviceGetName(handle: int) -> str:
    return "Fake Hub GPU"


def nvmlDeviceGetUUID(handle: int) -> str:
    return UUID


def nvmlDeviceGetUtilizationRates(handle: int) -> SimpleNamespace:
    return SimpleNamespace(gpu=0, memory=0)


def nvmlDeviceGetMemoryInfo(handle: int) -> SimpleNamespace:
    return SimpleNamespace(used=0, total=16 * 2**30, free=16 * 2**30)


def nvmlDeviceGetTemperature(handle: int, sensor: int) -> int:
    return 40
