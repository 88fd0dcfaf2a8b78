"""System snapshots: the API's exact shape, and GPUs through NVML that may not be there."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from cvstudio_ext.engine import system

GPU_KEYS = {"index", "name", "uuid", "utilization", "memory_used", "memory_total", "temperature"}


@pytest.fixture(autouse=True)
def fresh_nvml():
    system.close()
    yield
    system.close()


def test_snapshot_shape(tmp_path: Path) -> None:
    runs = {"running": 1, "queued": 2}
    snap = system.snapshot(runs, disk_path=tmp_path)
    assert set(snap) == {"cpu", "memory", "disk", "gpus", "runs"}
    assert set(snap["cpu"]) == {"percent", "count"}
    assert set(snap["memory"]) == {"total", "used", "percent"}
    assert set(snap["disk"]) == {"total", "used", "percent"}
    assert snap["runs"] == runs
    assert snap["cpu"]["count"] >= 1 and 0 <= snap["cpu"]["percent"] <= 100
    assert 0 < snap["memory"]["used"] <= snap["memory"]["total"]
    assert 0 < snap["disk"]["used"] <= snap["disk"]["total"]
    assert isinstance(snap["gpus"], list)
    for gpu in snap["gpus"]:
        assert set(gpu) == GPU_KEYS


def test_no_gpu_on_this_machine() -> None:
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        pass
    else:
        pynvml.nvmlShutdown()
        pytest.skip("this machine has an NVIDIA driver")
    assert system.snapshot({})["gpus"] == []


def test_missing_disk_path_uses_nearest_parent(tmp_path: Path) -> None:
    assert system.snapshot({}, disk_path=tmp_path / "not" / "yet")["disk"]["total"] > 0


class FakeNvml(types.ModuleType):
    """Just enough of pynvml for one GPU; `broken` names calls that fail."""

    NVML_TEMPERATURE_GPU = 0

    class NVMLError(Exception):
        pass

    def __init__(self, broken: tuple[str, ...] = ()):
        super().__init__("pynvml")
        self.broken = broken
        self.inits = 0
        self.shutdowns = 0

    def _check(self, name: str) -> None:
        if name in self.broken:
            raise self.NVMLError(name)

    def nvmlInit(self):
        self._check("init")
        self.inits += 1

    def nvmlShutdown(self):
        self.shutdowns += 1

    def nvmlDeviceGetCount(self):
        self._check("count")
        return 1

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetName(self, h):
        return b"Fake GPU"

    def nvmlDeviceGetUUID(self, h):
        return b"GPU-0000"

    def nvmlDeviceGetUtilizationRates(self, h):
        self._check("util")
        return types.SimpleNamespace(gpu=37, memory=5)

    def nvmlDeviceGetMemoryInfo(self, h):
        return types.SimpleNamespace(used=1024, total=4096, free=3072)

    def nvmlDeviceGetTemperature(self, h, sensor):
        return 61


def test_fake_gpu_and_nvml_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeNvml()
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    for _ in range(3):
        gpus = system.snapshot({})["gpus"]
    assert gpus == [
        {"index": 0, "name": "Fake GPU", "uuid": "GPU-0000", "utilization": 37.0, "memory_used": 1024,
         "memory_total": 4096, "temperature": 61.0}
    ]  # fmt: skip
    assert fake.inits == 1
    assert system.gpu_uuids() == ["GPU-0000"]  # what runs are handed in CUDA_VISIBLE_DEVICES
    system.close()
    assert fake.shutdowns == 1
    system.snapshot({})
    assert fake.inits == 2


def test_nvml_failures_never_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(broken=("init",)))
    assert system.snapshot({})["gpus"] == []
    system.close()
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(broken=("count",)))
    assert system.snapshot({})["gpus"] == []
    system.close()
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(broken=("util",)))
    [gpu] = system.snapshot({})["gpus"]
    assert gpu["utilization"] is None and gpu["memory_total"] == 4096
    system.close()
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed
    assert system.snapshot({})["gpus"] == []
