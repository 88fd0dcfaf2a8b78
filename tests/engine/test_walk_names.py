"""A file or folder whose name is not UTF-8 is passed over; the rest of the set indexes."""

from __future__ import annotations

import os

from cvstudio_ext.engine.datasets.walk import iter_files

from ..datagen import class_folders, write_image


def test_names_that_are_not_utf8_are_passed_over(tmp_path):
    root = class_folders(tmp_path / "ds", classes=("cat", "dog"), per_class=2)
    write_image(tmp_path / "ds" / "cat" / "ok-é.png")
    latin = os.path.join(os.fsencode(root / "cat"), b"caf\xe9.png")
    with open(latin, "wb") as fh:
        fh.write((root / "cat" / "cat0.png").read_bytes())
    os.makedirs(os.path.join(os.fsencode(root), b"d\xe9g"))
    with open(os.path.join(os.fsencode(root), b"d\xe9g", b"x.png"), "wb") as fh:
        fh.write((root / "cat" / "cat0.png").read_bytes())
    files = list(iter_files(root))
    assert sorted(files) == ["cat/cat0.png", "cat/cat1.png", "cat/ok-é.png", "dog/dog0.png", "dog/dog1.png"]
    assert all(f.encode("utf-8") for f in files)
