"""A real full disk (a small tmpfs) at each write site of the engine and the store: the
error says the disk is full, and nothing truncated is left where a whole file belongs."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from cvstudio_ext.engine.datasets.archive import safe_extract
from cvstudio_ext.engine.datasets.thumbnails import make_thumbnail
from cvstudio_ext.engine.storage import DISK_FULL_CODE
from cvstudio_ext.engine.training import checkpoints
from cvstudio_ext.engine.training.worker import failure_text
from cvstudio_ext.errors import InsufficientStorage
from cvstudio_ext.store import Store
from cvstudio_ext.store.models import Model

from ..tmpfs import fill, tmpfs

FULL_DISK = "data directory is full"


@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "fs", "4m") as mount:
        yield mount


def test_checkpoint_on_a_full_disk_keeps_the_previous_one_whole(disk):
    path = disk / "checkpoints" / "last.pt"
    checkpoints.save(path, {"format": checkpoints.FORMAT, "step": 1})
    filler = fill(disk, leave=64 << 10)
    with pytest.raises(InsufficientStorage) as err:
        checkpoints.save(path, {"format": checkpoints.FORMAT, "step": 2, "model": {"w": torch.zeros(1 << 18)}})
    assert FULL_DISK in err.value.message and "last.pt" in err.value.message
    assert failure_text(err.value) == err.value.message  # what the failed run shows
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.pt"]  # no temp file
    assert checkpoints.load(path)["step"] == 1
    filler.unlink()
    checkpoints.save(path, {"format": checkpoints.FORMAT, "step": 3})
    assert checkpoints.load(path)["step"] == 3


def test_thumbnail_on_a_full_disk_is_not_cached(disk, tmp_path):
    src = tmp_path / "src.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(src)
    dst, tmp = disk / "thumbnails" / "1" / "t.jpg", disk / "tmp"
    tmp.mkdir()
    filler = fill(disk)
    with pytest.raises(InsufficientStorage) as err:
        make_thumbnail(src, dst, tmp_dir=tmp)
    assert FULL_DISK in err.value.message and "thumbnail" in err.value.message
    assert not dst.exists() and os.listdir(tmp) == []
    filler.unlink()
    make_thumbnail(src, dst, tmp_dir=tmp)
    with Image.open(dst) as img:
        img.load()
        assert img.size == (256, 192)
    assert os.listdir(tmp) == []


def test_unpacking_onto_a_full_disk_is_507_and_leaves_nothing(disk, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pics/blob.bin", os.urandom(1 << 20))
    archive = tmp_path / "a.zip"
    archive.write_bytes(buf.getvalue())
    fill(disk, leave=256 << 10)
    with pytest.raises(InsufficientStorage) as err:  # within its size limit: not a 413
        safe_extract(archive, disk / "datasets" / "x", max_total_size=1 << 30)
    assert err.value.status == 507 and FULL_DISK in err.value.message
    assert not (disk / "datasets" / "x").exists()


def test_a_full_database_disk_is_507_and_the_change_is_rolled_back(disk):
    store = Store(f"sqlite:///{disk / 'db.sqlite'}")
    store.migrate()
    filler = fill(disk)
    with pytest.raises(InsufficientStorage) as err, store.session.begin() as s:
        s.add(Model(owner="me", name="m", description="x" * 100_000, graph={}, version=1))
    assert err.value.status == 507 and "database is full" in err.value.message and err.value.code == DISK_FULL_CODE
    filler.unlink()
    with store.session() as s:
        assert s.query(Model).count() == 0
    store.close()
