"""Uploads stream to disk, unpack safely under the data directory, and leave nothing on failure."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from ..datagen import class_folders, zip_folder


@pytest.fixture
def cv_config():
    return {"max_upload_size": 200_000}


def leftovers(data_dir):
    return sorted(p.name for p in (data_dir / "datasets").iterdir()) + sorted(
        p.name for p in (data_dir / "tmp").iterdir()
    )


async def upload(api, body: bytes, name: str = "up", ctype: str = "application/zip", **params):
    return await api.post("datasets/upload", raw=body, params={"name": name, **params}, headers={"Content-Type": ctype})


async def test_upload_unpacks_indexes_and_delete_removes_files(api, tmp_path, cv_data_dir):
    class_folders(tmp_path / "src", classes=("cat", "dog"), per_class=2)
    r = await upload(api, zip_folder(tmp_path / "src", arcroot="pets"), name="pets")
    assert r.code == 202, r
    ds = await api.wait_dataset(r.json["id"])
    assert ds["status"] == "ready" and ds["managed"] is True
    assert ds["classes"] == ["cat", "dog"] and ds["num_images"] == 4
    unpacked = list((cv_data_dir / "datasets").iterdir())
    assert len(unpacked) == 1 and ds["path"].startswith(str(unpacked[0]))
    assert list((cv_data_dir / "tmp").iterdir()) == []
    assert (await upload(api, zip_folder(tmp_path / "src"), name="pets")).code == 409
    assert (await api.delete(f"datasets/{ds['id']}", params={"delete_files": "true"})).code == 204
    assert leftovers(cv_data_dir) == []


def hostile(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if kind == "traversal":
            zf.writestr("../../evil.txt", "x")
        elif kind == "absolute":
            zf.writestr("/tmp/evil.txt", "x")
        elif kind == "symlink":
            info = zipfile.ZipInfo("link")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
        elif kind == "bomb":
            zf.writestr("a/zeros.txt", b"\0" * 3_000_000)
    return buf.getvalue()


@pytest.mark.parametrize("kind,status", [("traversal", 400), ("absolute", 400), ("symlink", 400), ("bomb", 422)])
async def test_hostile_archives_are_refused_and_leave_nothing(api, cv_data_dir, tmp_path, kind, status):
    r = await upload(api, hostile(kind))
    assert r.code == status, r
    assert r.json["error"]["message"]
    assert leftovers(cv_data_dir) == []
    assert not (tmp_path / "evil.txt").exists()
    assert (await api.get("datasets")).json["total"] == 0


async def test_oversize_upload_is_413_and_removes_the_temp_file(api, cv_data_dir):
    r = await upload(api, b"\0" * 300_000)
    assert r.code == 413 and r.json["error"]["code"] == "upload_too_large"
    assert leftovers(cv_data_dir) == []


async def test_oversize_chunked_upload_is_413(api, cv_data_dir):
    def producer(write):
        for _ in range(30):
            write(b"\0" * 10_000)

    r = await api.request(
        "POST",
        "datasets/upload",
        params={"name": "big"},
        headers={"Content-Type": "application/zip"},
        body_producer=producer,
    )
    assert r.code == 413
    assert leftovers(cv_data_dir) == []


async def test_upload_bad_input(api, cv_data_dir, tmp_path):
    assert (await upload(api, b"not a zip at all")).code == 415
    assert (await upload(api, b"PK", ctype="text/plain")).code == 415
    r = await api.post("datasets/upload", raw=b"x", headers={"Content-Type": "application/zip"})
    assert r.code == 422  # no name
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "readme.md").write_text("no images")
    r = await upload(api, zip_folder(tmp_path / "junk"))
    assert r.code == 415
    assert leftovers(cv_data_dir) == []
