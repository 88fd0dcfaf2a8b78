"""Thumbnail rendering and cache naming."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvstudio_ext.engine.datasets import thumbnails
from cvstudio_ext.engine.datasets.thumbnails import make_thumbnail, thumbnail_path
from cvstudio_ext.errors import Invalid


def _save(path: Path, w: int, h: int, mode: str = "RGB", **kw) -> Path:
    arr = np.random.default_rng(0).integers(0, 255, (h, w, len(mode)), dtype=np.uint8)
    Image.fromarray(arr if len(mode) > 1 else arr[:, :, 0], mode).save(path, **kw)
    return path


def test_thumbnail_keeps_aspect_and_is_jpeg(tmp_path):
    src = _save(tmp_path / "wide.png", 1000, 500)
    dst = tmp_path / "cache" / "sub" / "t.jpg"
    make_thumbnail(src, dst, max_side=256)
    with Image.open(dst) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.size == (256, 128)
    assert [p.name for p in dst.parent.iterdir()] == ["t.jpg"]  # no temp file left


def test_small_image_not_upscaled(tmp_path):
    src = _save(tmp_path / "small.jpg", 50, 80)
    dst = tmp_path / "t.jpg"
    make_thumbnail(src, dst)
    with Image.open(dst) as img:
        assert img.size == (50, 80)


def test_rgba_grey_and_exif_rotation(tmp_path):
    make_thumbnail(_save(tmp_path / "a.png", 300, 100, "RGBA"), tmp_path / "a.jpg", 100)
    make_thumbnail(_save(tmp_path / "g.png", 100, 300, "L"), tmp_path / "g.jpg", 100)
    with Image.open(tmp_path / "a.jpg") as a, Image.open(tmp_path / "g.jpg") as g:
        assert a.size == (100, 33) and a.mode == "RGB"
        assert g.size == (33, 100) and g.mode == "RGB"
    # EXIF orientation 6 = rotate 90 degrees: the 200x100 stored picture shows as 100x200
    img = Image.new("RGB", (200, 100), "red")
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(tmp_path / "rot.jpg", exif=exif)
    make_thumbnail(tmp_path / "rot.jpg", tmp_path / "rot_t.jpg", 50)
    with Image.open(tmp_path / "rot_t.jpg") as t:
        assert t.size == (25, 50)


@pytest.mark.parametrize("content", [b"", b"not an image at all", "truncated"])
def test_undecodable_source_raises_invalid(tmp_path, content):
    src = tmp_path / "bad.jpg"
    if content == "truncated":
        full = _save(tmp_path / "full.jpg", 400, 400, quality=95).read_bytes()
        content = full[: len(full) // 3]
    src.write_bytes(content)
    dst = tmp_path / "out" / "t.jpg"
    with pytest.raises(Invalid) as err:
        make_thumbnail(src, dst)
    assert err.value.status == 422 and "bad.jpg" in err.value.message
    assert not dst.exists()


def test_atomic_replace_leaves_old_file_on_failure(tmp_path, monkeypatch):
    src = _save(tmp_path / "s.png", 64, 64)
    dst = tmp_path / "t.jpg"
    dst.write_bytes(b"old thumbnail")

    def boom(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(thumbnails.os, "fsync", boom)
    with pytest.raises(OSError):
        make_thumbnail(src, dst)
    assert dst.read_bytes() == b"old thumbnail"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.png", "t.jpg"]


def test_atomic_write_uses_replace(tmp_path, monkeypatch):
    calls = []
    real_replace = os.replace
    monkeypatch.setattr(
        thumbnails.os,
        "replace",
        lambda a, b: (calls.append((a, b)), real_replace(a, b)),
    )
    dst = tmp_path / "t.jpg"
    make_thumbnail(_save(tmp_path / "s.png", 64, 64), dst)
    assert len(calls) == 1
    tmp, final = calls[0]
    assert Path(tmp).parent == dst.parent and Path(final) == dst


def test_thumbnail_path_changes_with_what_makes_it_stale(tmp_path):
    base = thumbnail_path(tmp_path, 1, 42, 1000, 5000)
    assert base.is_relative_to(tmp_path) and base.suffix == ".jpg"
    assert base == thumbnail_path(tmp_path, 1, 42, 1000, 5000)
    others = {
        thumbnail_path(tmp_path, 2, 42, 1000, 5000),
        thumbnail_path(tmp_path, 1, 43, 1000, 5000),
        thumbnail_path(tmp_path, 1, 42, 1001, 5000),
        thumbnail_path(tmp_path, 1, 42, 1000, 5001),
        thumbnail_path(tmp_path, 1, 42, 1000, 5000, max_side=512),
    }
    assert base not in others and len(others) == 5
