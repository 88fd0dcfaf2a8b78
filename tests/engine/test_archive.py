"""Safe unpacking of uploaded zips: hostile archives never write outside, never linger."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from cvstudio_ext.engine.datasets.archive import safe_extract
from cvstudio_ext.errors import BadRequest, Conflict, Invalid, TooLarge, Unsupported

LIMIT = 50 * 1024 * 1024


def _zip(path: Path, entries, compression=zipfile.ZIP_DEFLATED) -> Path:
    """entries: (name or ZipInfo, bytes) pairs."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_extracts_single_root_folder(tmp_path):
    z = _zip(
        tmp_path / "a.zip",
        [
            ("shapes/", b""),
            ("shapes/images/a.jpg", b"jpegdata"),
            ("shapes/labels/a.txt", b"0 0.5 0.5 0.1 0.1\n"),
            ("__MACOSX/shapes/._a.jpg", b"junk"),
        ],
    )
    dest = tmp_path / "out"
    res = safe_extract(z, dest, max_total_size=LIMIT)
    assert res.files == 2 and res.total_size == len(b"jpegdata") + 18
    assert res.root == dest / "shapes"
    assert (dest / "shapes/images/a.jpg").read_bytes() == b"jpegdata"
    assert not (dest / "__MACOSX").exists()
    assert stat.S_IMODE((dest / "shapes/images/a.jpg").stat().st_mode) == 0o644


def test_multiple_top_level_entries_root_is_dest(tmp_path):
    z = _zip(tmp_path / "a.zip", [("images/a.jpg", b"x"), ("data.yaml", b"names: [a]\n")])
    dest = tmp_path / "out"
    assert safe_extract(z, dest, max_total_size=LIMIT).root == dest
    z2 = _zip(tmp_path / "b.zip", [("only.txt", b"x")])
    assert safe_extract(z2, tmp_path / "out2", max_total_size=LIMIT).root == tmp_path / "out2"


def test_dest_must_not_exist(tmp_path):
    z = _zip(tmp_path / "a.zip", [("a.txt", b"x")])
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep").write_text("mine")
    with pytest.raises(Conflict):
        safe_extract(z, dest, max_total_size=LIMIT)
    assert (dest / "keep").read_text() == "mine"


@pytest.mark.parametrize(
    "entries",
    [
        [("ok.txt", b"x"), ("/etc/evil", b"x")],
        [("ok.txt", b"x"), ("../evil", b"x")],
        [("a/../../evil", b"x")],
        [("a/b/../../../evil", b"x")],
        [("C:/evil", b"x")],
        [("c:evil", b"x")],
        [("..\\evil", b"x")],
        [("a\\..\\..\\evil", b"x")],
        [("ok.txt", b"x"), (_info("link", stat.S_IFLNK | 0o777), b"/etc/passwd")],
        [(_info("dev", stat.S_IFCHR | 0o644), b"")],
        [(_info("fifo", stat.S_IFIFO | 0o644), b"")],
        [("a/b.txt", b"x"), ("a/./b.txt", b"y")],
        [("a", b"file"), ("a/b.txt", b"x")],
        [("a/b.txt", b"x"), ("a//b.txt", b"y")],
        [("bad\x01name", b"x")],
    ],
    ids=[
        "absolute",
        "dotdot",
        "nested-dotdot",
        "deep-dotdot",
        "drive",
        "drive-relative",
        "backslash-dotdot",
        "backslash-nested",
        "symlink",
        "chardev",
        "fifo",
        "dot-collision",
        "file-dir-collision",
        "double-slash-collision",
        "control-char",
    ],
)
def test_unsafe_entries_rejected_before_writing(tmp_path, entries):
    z = _zip(tmp_path / "evil.zip", entries)
    dest = tmp_path / "sub" / "out"
    with pytest.raises(BadRequest) as err:
        safe_extract(z, dest, max_total_size=LIMIT)
    assert err.value.status == 400 and err.value.code == "unsafe_archive"
    assert err.value.details and "entry" in err.value.details[0]
    assert repr(err.value.details[0]["entry"]) in err.value.message
    assert not dest.exists()
    assert not (tmp_path / "evil").exists() and not (tmp_path / "sub" / "evil").exists()


def test_duplicate_names_rejected(tmp_path):
    with pytest.warns(UserWarning):
        z = _zip(tmp_path / "dup.zip", [("a.txt", b"1"), ("a.txt", b"2")])
    with pytest.raises(BadRequest):
        safe_extract(z, tmp_path / "out", max_total_size=LIMIT)
    assert not (tmp_path / "out").exists()


def test_zip_bomb_by_ratio(tmp_path):
    z = _zip(tmp_path / "bomb.zip", [("zeros.bin", b"\0" * (8 * 1024 * 1024))])
    with pytest.raises(Invalid) as err:
        safe_extract(z, tmp_path / "out", max_total_size=LIMIT)
    assert err.value.status == 422 and err.value.code == "archive_bomb"
    assert not (tmp_path / "out").exists()


def test_small_compressible_files_are_not_a_bomb(tmp_path):
    z = _zip(
        tmp_path / "labels.zip",
        [(f"l{i}.txt", b"0 0.5 0.5 0.1 0.1\n" * 50) for i in range(20)],
    )
    assert safe_extract(z, tmp_path / "out", max_total_size=LIMIT).files == 20


def test_too_large(tmp_path):
    z = _zip(tmp_path / "big.zip", [("a.bin", os.urandom(4096)), ("b.bin", os.urandom(4096))])
    with pytest.raises(TooLarge) as err:
        safe_extract(z, tmp_path / "out", max_total_size=5000)
    assert err.value.status == 413 and err.value.code == "archive_too_large"
    assert not (tmp_path / "out").exists()


def test_too_many_files(tmp_path):
    z = _zip(tmp_path / "many.zip", [(f"{i}.txt", b"x") for i in range(11)])
    with pytest.raises(TooLarge):
        safe_extract(z, tmp_path / "out", max_total_size=LIMIT, max_files=10)
    assert not (tmp_path / "out").exists()


def _lie_about_size(data: bytes, name: bytes, new_size: int) -> bytes:
    """Rewrite the declared uncompressed size of `name` in both headers."""
    buf = bytearray(data)
    start = 0
    while (i := buf.find(b"PK\x03\x04", start)) >= 0:
        n = struct.unpack_from("<H", buf, i + 26)[0]
        if bytes(buf[i + 30 : i + 30 + n]) == name:
            struct.pack_into("<I", buf, i + 22, new_size)
        start = i + 4
    start = 0
    while (i := buf.find(b"PK\x01\x02", start)) >= 0:
        n = struct.unpack_from("<H", buf, i + 28)[0]
        if bytes(buf[i + 46 : i + 46 + n]) == name:
            struct.pack_into("<I", buf, i + 24, new_size)
        start = i + 4
    return bytes(buf)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_lying_header(tmp_path, compression):
    payload = os.urandom(200_000)
    z = _zip(
        tmp_path / "ok.zip",
        [("first.txt", b"hello"), ("liar.bin", payload)],
        compression,
    )
    liar = tmp_path / "liar.zip"
    liar.write_bytes(_lie_about_size(z.read_bytes(), b"liar.bin", 1000))
    with pytest.raises(Invalid) as err:
        safe_extract(liar, tmp_path / "out", max_total_size=LIMIT)
    assert err.value.status == 422 and err.value.code in (
        "archive_bomb",
        "corrupt_archive",
    )
    assert "liar.bin" in err.value.message
    assert not (tmp_path / "out").exists()


def test_corrupt_data_removes_partial_output(tmp_path):
    z = _zip(tmp_path / "ok.zip", [("a.txt", b"a" * 1000), ("b.bin", os.urandom(5000))])
    data = bytearray(z.read_bytes())
    i = data.find(b"PK\x03\x04", 10)  # second local header: corrupt its data
    data[i + 30 + len("b.bin") + 100] ^= 0xFF
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(Invalid):
        safe_extract(bad, tmp_path / "out", max_total_size=LIMIT)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage" * 10])
def test_not_a_zip(tmp_path, content):
    f = tmp_path / "x.zip"
    f.write_bytes(content)
    with pytest.raises(Unsupported) as err:
        safe_extract(f, tmp_path / "out", max_total_size=LIMIT)
    assert err.value.status == 415 and "not a zip" in err.value.message
    assert not (tmp_path / "out").exists()


def test_encrypted_entry_unsupported(tmp_path):
    z = _zip(tmp_path / "plain.zip", [("secret.txt", b"x")])
    buf = bytearray(z.read_bytes())
    buf[6] |= 0x1  # local header flag: encrypted
    i = buf.find(b"PK\x01\x02")
    buf[i + 8] |= 0x1  # central directory flag
    enc = tmp_path / "enc.zip"
    enc.write_bytes(bytes(buf))
    with pytest.raises(Unsupported) as err:
        safe_extract(enc, tmp_path / "out", max_total_size=LIMIT)
    assert err.value.code == "encrypted_archive"
    assert not (tmp_path / "out").exists()


def test_zip_in_memory_name_with_unicode(tmp_path):
    z = _zip(tmp_path / "u.zip", [("données/été.jpg", b"x")])
    res = safe_extract(z, tmp_path / "out", max_total_size=LIMIT)
    assert (res.root / "été.jpg").read_bytes() == b"x"
