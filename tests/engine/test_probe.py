"""Image header probing: sizes, defects and checksums without decoding pixels."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cvstudio_ext.engine.datasets.probe import ImageProbe, probe_image, probe_images


def _image(path: Path, w: int = 40, h: int = 30, fmt: str = "JPEG", seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path, format=fmt)
    return path


def test_valid_jpeg_and_png(tmp_path):
    jpg = probe_image(_image(tmp_path / "a.jpg", 40, 30))
    png = probe_image(_image(tmp_path / "b.png", 17, 9, "PNG"))
    assert (jpg.present, jpg.ok, jpg.width, jpg.height, jpg.error) == (
        True,
        True,
        40,
        30,
        None,
    )
    assert (png.ok, png.width, png.height) == (True, 17, 9)
    assert jpg.size == (tmp_path / "a.jpg").stat().st_size
    assert len(jpg.checksum) == 32


def test_missing_file(tmp_path):
    p = probe_image(tmp_path / "nope.jpg")
    assert p.present is False and p.ok is False and p.error


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    p = probe_image(tmp_path / "empty.jpg")
    assert p.present and not p.ok and p.size == 0 and "empty" in p.error


def test_garbage_file(tmp_path):
    (tmp_path / "junk.jpg").write_bytes(os.urandom(500))
    p = probe_image(tmp_path / "junk.jpg")
    assert p.present and not p.ok and p.error and p.checksum


def test_truncated_jpeg_and_png(tmp_path):
    for name, fmt in (("t.jpg", "JPEG"), ("t.png", "PNG")):
        full = _image(tmp_path / f"full_{name}", 64, 64, fmt).read_bytes()
        (tmp_path / name).write_bytes(full[: len(full) // 2])
        p = probe_image(tmp_path / name)
        assert p.present and not p.ok, name
        assert "truncated" in p.error
        # the header is still readable, so the size is known even though the file is broken
        assert (p.width, p.height) == (64, 64)


def test_directory_and_special_files_are_not_ok(tmp_path):
    (tmp_path / "dir.jpg").mkdir()
    p = probe_image(tmp_path / "dir.jpg")
    assert p.present and not p.ok and "directory" in p.error
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    p = probe_image(fifo)  # must not block reading a FIFO
    assert p.present and not p.ok and "regular" in p.error


def test_duplicates_share_checksum(tmp_path):
    a = _image(tmp_path / "a.jpg", seed=1)
    b = tmp_path / "copy.jpg"
    b.write_bytes(a.read_bytes())
    c = _image(tmp_path / "c.jpg", seed=2)
    pa, pb, pc = (probe_image(x) for x in (a, b, c))
    assert pa.checksum == pb.checksum != pc.checksum


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_probe_images_order_and_progress(tmp_path, n_jobs):
    paths = []
    for i in range(30):
        if i % 10 == 3:
            p = tmp_path / f"{i}.jpg"
            p.write_bytes(b"")
        elif i % 10 == 7:
            p = tmp_path / f"missing{i}.jpg"
        else:
            p = _image(tmp_path / f"{i}.png", 10 + i, 5 + i, "PNG", seed=i)
        paths.append(p)
    calls: list[tuple[int, int]] = []
    results = probe_images(paths, n_jobs=n_jobs, progress=lambda d, t: calls.append((d, t)))
    assert len(results) == len(paths)
    for i, r in enumerate(results):
        assert isinstance(r, ImageProbe)
        if i % 10 == 3:
            assert r.present and not r.ok
        elif i % 10 == 7:
            assert not r.present
        else:
            assert r.ok and (r.width, r.height) == (10 + i, 5 + i)
    assert calls and calls[-1] == (30, 30)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_probe_images_parallel_chunks(tmp_path):
    """The process pool path (above the serial threshold) keeps order too."""
    src = _image(tmp_path / "src.jpg")
    odd = _image(tmp_path / "odd.png", 7, 3, "PNG")
    paths = []
    for i in range(6000):
        p = tmp_path / f"l{i}.jpg"
        os.link(odd if i % 1000 == 0 else src, p)
        paths.append(p)
    calls = []
    results = probe_images(paths, n_jobs=2, progress=lambda d, t: calls.append(d))
    assert len(results) == 6000 and all(r.ok for r in results)
    assert [(r.width, r.height) for r in results[::1000]] == [(7, 3)] * 6
    assert results[1].width == 40
    assert len(calls) > 1 and calls[-1] == 6000


def test_probe_images_empty():
    seen = []
    assert probe_images([], progress=lambda d, t: seen.append((d, t))) == []
    assert seen == [(0, 0)]


def test_data_after_end_marker_is_not_corrupt(tmp_path):
    """Motion photos append a video after the JPEG end marker; they are valid images."""
    jpg = _image(tmp_path / "a.jpg").read_bytes()
    (tmp_path / "motion.jpg").write_bytes(jpg + os.urandom(5000))
    p = probe_image(tmp_path / "motion.jpg")
    assert p.ok and (p.width, p.height) == (40, 30)


def test_hard_links_are_read_once(tmp_path, monkeypatch):
    """Names of one file (hard links) are read once, and each gets the file's verdict; a
    file changed meanwhile (a new change time) is read again."""
    from cvstudio_ext.engine.datasets import probe as probe_module

    src = _image(tmp_path / "src.jpg", 40, 30)
    other = _image(tmp_path / "other.png", 7, 3, "PNG")
    links = [tmp_path / f"l{i}.jpg" for i in range(5)]
    for link in links:
        os.link(src, link)
    read: list[str] = []
    real = probe_module._probe_file
    monkeypatch.setattr(probe_module, "_probe_file", lambda p, st: read.append(os.fspath(p)) or real(p, st))
    results = probe_images([src, *links, other])
    assert len(read) == 2  # the linked file once, the other file once
    assert [(r.ok, r.width, r.height) for r in results] == [(True, 40, 30)] * 6 + [(True, 7, 3)]
    assert len({r.checksum for r in results[:6]}) == 1 and len({id(r) for r in results}) == 7
    # a linked file written in place between two probes is read again
    with open(links[0], "r+b") as fh:
        fh.truncate(100)
    again = probe_images(links)
    assert all(not r.ok and r.error for r in again)
