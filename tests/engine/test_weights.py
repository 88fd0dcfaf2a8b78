"""Weight files: state dicts, checkpoints, safetensors, and files that must be refused unrun."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch
from torch import nn

from cvstudio_ext.engine.weights import load_state_dict
from cvstudio_ext.errors import Invalid


def small_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).state_dict()


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], ordered: bool = True) -> None:
    assert (list(a) == list(b)) if ordered else (sorted(a) == sorted(b))
    for k, value in a.items():
        torch.testing.assert_close(value, b[k], rtol=0, atol=0)


def save(path: Path, obj, **kwargs) -> Path:
    torch.save(obj, path, **kwargs)
    return path


def test_state_dict(tmp_path: Path) -> None:
    sd = small_state()
    assert_same(load_state_dict(save(tmp_path / "w.pt", sd)), sd)


def test_legacy_format_and_any_suffix(tmp_path: Path) -> None:
    sd = small_state()
    path = save(tmp_path / "weights.bin", sd, _use_new_zipfile_serialization=False)
    assert_same(load_state_dict(path), sd)


@pytest.mark.parametrize("key", ["model", "state_dict", "model_state_dict", "ema", "weights"])
def test_checkpoint_dict(tmp_path: Path, key: str) -> None:
    sd = small_state()
    ckpt = {"epoch": 3, "optimizer": {"state": {}, "param_groups": [{"lr": 0.1}]}, key: sd}
    assert_same(load_state_dict(save(tmp_path / "ckpt.pth", ckpt)), sd)


def test_checkpoint_first_tensor_mapping_wins_and_extras_are_dropped(tmp_path: Path) -> None:
    sd = small_state()
    ckpt = {"model": {"name": "net", "version": 2}, "state_dict": {**sd, "note": "trained on cats"}}
    assert_same(load_state_dict(save(tmp_path / "ckpt.pt", ckpt)), sd)
    # An all-tensor entry is preferred to an earlier one with extras.
    other = {k: v + 1 for k, v in sd.items()}
    ckpt = {"model": {**other, "step": 5}, "state_dict": sd}
    assert_same(load_state_dict(save(tmp_path / "ckpt2.pt", ckpt)), sd)


def test_ddp_prefixed_dict_loads_as_is(tmp_path: Path) -> None:
    sd = {f"module.{k}": v for k, v in small_state().items()}
    assert list(load_state_dict(save(tmp_path / "ddp.pt", {"model": sd}))) == list(sd)


@pytest.mark.parametrize(
    "obj",
    [{"epoch": 1, "lr": 0.1}, {}, [torch.ones(2)], torch.ones(3), {"model": {"a": 1}}],
    ids=["no-tensors", "empty", "list", "tensor", "nested-no-tensors"],
)
def test_no_state_dict(tmp_path: Path, obj) -> None:
    with pytest.raises(Invalid) as err:
        load_state_dict(save(tmp_path / "x.pt", obj))
    assert err.value.code == "not_weights"


def test_top_level_mixed_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as err:
        load_state_dict(save(tmp_path / "x.pt", {**small_state(), "epoch": 4}))
    assert err.value.code == "not_weights"
    assert "epoch" in err.value.message


class Evil:
    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("how", ["torch-zip", "torch-legacy", "pickle-2", "pickle-5"])
def test_malicious_pickle_is_refused_and_never_run(tmp_path: Path, how: str) -> None:
    pwned = tmp_path / "pwned"
    payload = {"model": small_state(), "hook": Evil(pwned)}
    path = tmp_path / "evil.pt"
    if how == "torch-zip":
        torch.save(payload, path)
    elif how == "torch-legacy":
        torch.save(payload, path, _use_new_zipfile_serialization=False)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=int(how[-1])))
    assert not pwned.exists()
    with pytest.raises(Invalid) as err:
        load_state_dict(path)
    assert err.value.code == "unsafe_weights"
    assert "not a plain weights file" in err.value.message
    assert not pwned.exists()


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world, not weights", os.urandom(4096), b"\x89PNG\r\n\x1a\n" + bytes(100)],
    ids=["empty", "text", "random", "png"],
)
def test_garbage(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "w.pt"
    path.write_bytes(data)
    with pytest.raises(Invalid) as err:
        load_state_dict(path)
    assert err.value.code == "not_weights"


def test_truncated_torch_file(tmp_path: Path) -> None:
    full = save(tmp_path / "full.pt", small_state()).read_bytes()
    for cut in (len(full) // 2, 40):
        path = tmp_path / f"cut{cut}.pt"
        path.write_bytes(full[:cut])
        with pytest.raises(Invalid) as err:
            load_state_dict(path)
        assert err.value.code == "not_weights"


def test_safetensors_by_content(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.torch")
    sd = small_state()
    st.save_file(sd, str(tmp_path / "w.safetensors"))
    assert_same(load_state_dict(tmp_path / "w.safetensors"), sd, ordered=False)
    renamed = tmp_path / "w.pt"
    renamed.write_bytes((tmp_path / "w.safetensors").read_bytes())
    assert_same(load_state_dict(renamed), sd, ordered=False)


def test_safetensors_whose_header_length_starts_like_a_pickle(tmp_path: Path) -> None:
    pytest.importorskip("safetensors.torch")
    import json

    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    header = header.ljust(0x180)  # the length's first byte is 0x80, pickle's PROTO opcode
    path = tmp_path / "w.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + torch.arange(4.0).numpy().tobytes())
    assert path.read_bytes()[0] == 0x80
    torch.testing.assert_close(load_state_dict(path)["w"], torch.arange(4.0))


def test_corrupt_safetensors(tmp_path: Path) -> None:
    pytest.importorskip("safetensors.torch")
    header = b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}'  # unterminated JSON
    path = tmp_path / "bad.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    with pytest.raises(Invalid) as err:
        load_state_dict(path)
    assert err.value.code == "not_weights"
    path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")  # valid, but no tensors
    with pytest.raises(Invalid) as err:
        load_state_dict(path)
    assert err.value.code == "not_weights"


def test_non_torch_zip_and_odd_keys(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "w.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(Invalid) as err:
        load_state_dict(path)
    assert err.value.code == "not_weights"
    with pytest.raises(Invalid) as err:
        load_state_dict(save(tmp_path / "ints.pt", {0: torch.ones(1), "w": torch.ones(1)}))
    assert err.value.code == "not_weights"
