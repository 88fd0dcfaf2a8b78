"""Datasets through HTTP against a real server: register, list, page, serve, lint, augment."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os

import pytest
from PIL import Image

from ..conftest import copy_sample
from ..datagen import class_folders, write_image, yolo_with_every_defect


async def test_register_class_folders_and_read_back(api, jp_root_dir):
    class_folders(jp_root_dir / "digits", per_class=3, split="train")
    class_folders(jp_root_dir / "digits", per_class=2, split="val")
    (jp_root_dir / "digits" / "train" / ".ipynb_checkpoints").mkdir()
    write_image(jp_root_dir / "digits" / "train" / ".ipynb_checkpoints" / "x.png")

    rec = (await api.post("datasets/recognize", {"path": "digits"})).json
    assert rec["format"] == "imagefolder" and rec["task"] == "classification" and rec["confidence"] > 0.5
    assert (await api.get("datasets")).json["total"] == 0  # recognize stores nothing

    ds = await api.register("digits", "digits")
    assert ds["status"] == "ready", ds
    assert ds["classes"] == ["a", "b"]
    assert ds["num_images"] == 10 and ds["num_annotations"] == 10
    assert ds["splits"] == {"train": 6, "val": 4}
    assert ds["owner"] and ds["created_at"].endswith("Z")

    page = (await api.get(f"datasets/{ds['id']}/images", params={"limit": 4, "split": "val"})).json
    assert page["total"] == 4 and len(page["items"]) == 4
    assert {i["label"] for i in page["items"]} == {0, 1}
    assert all(i["width"] == 32 and i["height"] == 32 for i in page["items"])
    only_b = (await api.get(f"datasets/{ds['id']}/images", params={"class_id": 1})).json
    assert only_b["total"] == 5 and all(i["label_name"] == "b" for i in only_b["items"])

    everything = (await api.get(f"datasets/{ds['id']}/images", params={"limit": 500})).json
    ids = [i["id"] for i in everything["items"]]
    assert everything["total"] == 10 and ids == list(range(ids[0], ids[0] + 10))  # one block, as paging assumes
    window = (await api.get(f"datasets/{ds['id']}/images", params={"offset": 3, "limit": 4})).json
    assert [i["id"] for i in window["items"]] == ids[3:7] and window["total"] == 10
    past = (await api.get(f"datasets/{ds['id']}/images", params={"offset": 50})).json
    assert past == {"items": [], "total": 10}

    listed = (await api.get("datasets", params={"q": "dig", "format": "imagefolder"})).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == ds["id"]
    assert (await api.get("datasets", params={"task": "detection"})).json["total"] == 0


async def test_every_defect_kind_is_found(api, jp_root_dir):
    planted = yolo_with_every_defect(jp_root_dir / "planted")
    ds = await api.register("planted", "planted")
    assert ds["status"] == "ready" and ds["format"] == "yolo"
    stats = (await api.get(f"datasets/{ds['id']}/stats")).json
    counts = stats["issue_counts"]
    for kind in (
        "bbox_out_of_bounds",
        "zero_area",
        "unknown_class",
        "duplicate_image",
        "unlabeled_image",
        "corrupt_image",
        "empty_class",
    ):
        assert counts[kind] >= 1, (kind, counts)
    assert counts["empty_class"] == 1
    by_kind: dict[str, set[str]] = {}
    for issue in stats["issues"]:
        by_kind.setdefault(issue["kind"], set()).add(issue["image"])
    for kind, files in planted.items():
        if kind == "duplicate_image":
            assert by_kind[kind] & set(files), (kind, by_kind.get(kind))
        else:
            assert set(files) <= by_kind[kind], (kind, by_kind.get(kind))
    assert [c["name"] for c in stats["classes"]] == ["cat", "dog", "bird"]
    assert stats["classes"][2]["annotations"] == 0
    assert stats["box_area"]["counts"] and sum(stats["objects_per_image"]["counts"]) == stats["num_images"]

    flagged = (await api.get(f"datasets/{ds['id']}/images", params={"has_issues": "true", "limit": 500})).json
    files = {i["file"] for i in flagged["items"]}
    assert "images/train/oob.jpg" in files and "images/train/corrupt.jpg" in files
    assert all(i["issues"] for i in flagged["items"])
    clean = (await api.get(f"datasets/{ds['id']}/images", params={"has_issues": "false"})).json
    assert all(not i["issues"] for i in clean["items"])
    oob_only = (await api.get(f"datasets/{ds['id']}/images", params={"issue": "bbox_out_of_bounds"})).json
    assert "images/train/oob.jpg" in {i["file"] for i in oob_only["items"]}
    assert all(any(x["kind"] == "bbox_out_of_bounds" for x in i["issues"]) for i in oob_only["items"])
    assert oob_only["total"] < flagged["total"]
    oob = next(i for i in flagged["items"] if i["file"] == "images/train/oob.jpg")
    x, y, w, h = oob["annotations"][0]["bbox"]
    assert x + w == pytest.approx(110.0) and w == pytest.approx(30.0) and y == pytest.approx(32.0)


async def test_missing_file_from_coco(api, jp_root_dir):
    root = jp_root_dir / "cocomiss"
    write_image(root / "images" / "a.jpg", 40, 30)
    coco = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 40, "height": 30},
            {"id": 2, "file_name": "gone.jpg", "width": 40, "height": 30},
        ],
        "categories": [{"id": 3, "name": "thing"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 2, 10, 5], "area": 50, "iscrowd": 0},
            {"id": 2, "image_id": 2, "category_id": 3, "bbox": [1, 2, 10, 5], "area": 50, "iscrowd": 0},
        ],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_train.json").write_text(json.dumps(coco))
    ds = await api.register("cocomiss", "cocomiss")
    assert ds["status"] == "ready" and ds["format"] == "coco"
    assert ds["num_images"] == 1 and ds["num_annotations"] == 2
    assert ds["meta"]["class_map"] == {"3": 0}
    stats = (await api.get(f"datasets/{ds['id']}/stats")).json
    assert stats["issue_counts"]["missing_file"] == 1
    page = (await api.get(f"datasets/{ds['id']}/images")).json
    a = next(i for i in page["items"] if i["file"].endswith("a.jpg"))
    assert a["annotations"][0]["bbox"] == [1.0, 2.0, 10.0, 5.0] and a["annotations"][0]["class_name"] == "thing"
    gone = next(i for i in page["items"] if i["file"].endswith("gone.jpg"))
    r = await api.get(f"datasets/{ds['id']}/images/{gone['id']}")
    assert r.code == 404 and r.json["error"]["code"] == "file_missing"


async def test_thumbnails_are_cached_and_served_with_etag(api, jp_root_dir, cv_data_dir):
    write_image(jp_root_dir / "big" / "a" / "x.jpg", 800, 400)
    write_image(jp_root_dir / "big" / "b" / "y.jpg", 300, 600)
    ds = await api.register("big", "big")
    image = (await api.get(f"datasets/{ds['id']}/images")).json["items"][0]
    url = f"datasets/{ds['id']}/images/{image['id']}"
    r = await api.get(url, params={"size": "thumb"})
    assert r.code == 200 and r.headers["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(r.body))
    assert max(thumb.size) == 256 and thumb.size[0] / thumb.size[1] == pytest.approx(2.0, rel=0.02)
    cached = list((cv_data_dir / "thumbnails").rglob("*.jpg"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    etag = r.headers["Etag"]
    again = await api.get(url, params={"size": "thumb"}, headers={"If-None-Match": etag})
    assert again.code == 304 and again.body == b""
    assert cached[0].stat().st_mtime_ns == mtime  # made once
    full = await api.get(url)
    assert full.code == 200 and full.body == (jp_root_dir / "big" / image["file"]).read_bytes()
    assert full.headers["Etag"] != etag
    assert (await api.get(url, params={"size": "huge"})).code == 422
    assert (await api.get(f"datasets/{ds['id']}/images/999999")).code == 404


async def test_augment_moves_boxes_with_the_image(api, jp_root_dir):
    planted = jp_root_dir / "aug"
    yolo_with_every_defect(planted)
    ds = await api.register("aug", "aug")
    page = (await api.get(f"datasets/{ds['id']}/images", params={"limit": 500})).json
    good = next(i for i in page["items"] if i["file"] == "images/train/good.jpg")
    r = await api.post(
        f"datasets/{ds['id']}/augment",
        {"image_id": good["id"], "pipeline": [{"type": "HorizontalFlip", "p": 1.0}], "seed": 3},
    )
    assert r.code == 200, r
    sample = r.json["samples"][0]
    img = Image.open(io.BytesIO(base64.b64decode(sample["image"])))
    assert img.size == (100, 80)
    before = sorted(tuple(a["bbox"]) for a in good["annotations"])
    after = sorted(tuple(a["bbox"]) for a in sample["annotations"])
    expected = sorted((100 - x - w, y, w, h) for x, y, w, h in before)
    assert len(after) == len(expected) == 2
    for got, want in zip(after, expected):
        assert got == pytest.approx(want, abs=1e-3)
    assert {a["class_name"] for a in sample["annotations"]} == {"cat", "dog"}

    bad = await api.post(f"datasets/{ds['id']}/augment", {"image_id": good["id"], "pipeline": [{"type": "os.system"}]})
    assert bad.code == 422 and "os.system" in bad.json["error"]["message"]
    bad = await api.post(
        f"datasets/{ds['id']}/augment", {"image_id": good["id"], "pipeline": [{"type": "Rotate", "limit": "lots"}]}
    )
    assert bad.code == 422 and "Rotate" in bad.json["error"]["message"]
    assert (
        await api.post(f"datasets/{ds['id']}/augment", {"image_id": good["id"], "pipeline": [], "count": 99})
    ).code == 422


async def test_bad_requests_get_clear_errors(api, jp_root_dir, tmp_path):
    class_folders(jp_root_dir / "ok")
    r = await api.post("datasets", raw=b"{oops", headers={"Content-Type": "application/json"})
    assert r.code == 400 and r.json["error"]["code"] == "invalid_json"
    r = await api.post("datasets", {"name": "x"})
    assert r.code == 422 and "path" in r.json["error"]["message"]
    r = await api.post("datasets", {"name": "x", "path": "ok", "colour": "red"})
    assert r.code == 422
    r = await api.post("datasets", {"name": "x", "path": "ok", "format": "tfrecord"})
    assert r.code == 422
    r = await api.post("datasets", {"name": "x", "path": "nope"})
    assert r.code == 422 and r.json["error"]["code"] == "path_not_found"
    outside = tmp_path / "outside"
    class_folders(outside)
    r = await api.post("datasets", {"name": "x", "path": str(outside)})
    assert r.code == 403 and r.json["error"]["code"] == "path_not_allowed"
    os.symlink(outside, jp_root_dir / "sneaky")
    r = await api.post("datasets", {"name": "x", "path": "sneaky"})
    assert r.code == 403
    r = await api.post("datasets", {"name": "x", "path": "../outside"})
    assert r.code == 403
    (jp_root_dir / "junk").mkdir()
    (jp_root_dir / "junk" / "notes.txt").write_text("hello")
    r = await api.post("datasets", {"name": "x", "path": "junk"})
    assert r.code == 415 and r.json["error"]["code"] == "unsupported_format"
    r = await api.post("datasets", {"name": "x", "path": "ok", "format": "coco"})
    assert r.code == 422 and r.json["error"]["code"] == "format_mismatch"
    assert (await api.get("datasets")).json["total"] == 0  # nothing half-written

    ds = await api.register("ok", "first")
    r = await api.post("datasets", {"name": "first", "path": "ok"})
    assert r.code == 409 and r.json["error"]["code"] == "name_taken"
    assert (await api.get("datasets/123456")).code == 404
    assert (await api.get("datasets/99999999999999999999999")).code == 404
    assert (await api.get("datasets/abc")).code == 404
    assert (await api.get("datasets", params={"limit": 501})).code == 422
    assert (await api.get("datasets", params={"offset": -1})).code == 422
    assert (await api.get(f"datasets/{ds['id']}/images", params={"class_id": "x"})).code == 422
    assert (await api.patch(f"datasets/{ds['id']}", {"name": ""})).code == 422
    assert (await api.patch(f"datasets/{ds['id']}", {"name": "a\nb"})).code == 422
    r = await api.post("datasets", raw=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.code == 415


async def test_rename_and_delete_leave_registered_files_alone(api, jp_root_dir):
    class_folders(jp_root_dir / "keep")
    ds = await api.register("keep", "keep")
    other = await api.register("keep", "other")
    assert (await api.patch(f"datasets/{ds['id']}", {"name": "other"})).code == 409
    r = await api.patch(f"datasets/{ds['id']}", {"name": "renamed"})
    assert r.code == 200 and r.json["name"] == "renamed"
    r = await api.delete(f"datasets/{ds['id']}", params={"delete_files": "true"})
    assert r.code == 204
    assert (jp_root_dir / "keep" / "a" / "a0.png").exists()
    assert (await api.get(f"datasets/{ds['id']}")).code == 404
    assert (await api.get(f"datasets/{ds['id']}/images")).code == 404
    assert (await api.get(f"datasets/{other['id']}/images")).json["total"] == 6


async def test_corpus_sample_through_http(api, jp_root_dir):
    copy_sample("coco-datumaro-instances", jp_root_dir)
    ds = await api.register("coco-datumaro-instances", "c")
    assert ds["status"] == "ready" and ds["classes"] == ["a", "b", "c"]
    assert ds["num_images"] == 2 and ds["num_annotations"] == 3
    crowd = [
        a
        for i in (await api.get(f"datasets/{ds['id']}/images")).json["items"]
        for a in i["annotations"]
        if a["iscrowd"]
    ]
    assert len(crowd) == 1 and "segmentation" in crowd[0]


async def test_the_class_filter_on_boxes_finds_each_image_of_the_class_once(api, jp_root_dir):
    """Detection datasets filter on boxes: each image with a box of the class, once,
    within its own dataset (a dataset registered before it has boxes of that class too)."""
    expected = {}
    for name, shift in (("before", 0), ("boxes", 1)):
        root = jp_root_dir / name
        (root / "labels" / "train").mkdir(parents=True)
        (root / "data.yaml").write_text("names: [cat, dog, bird]\ntrain: images/train\nval: images/train\n")
        for i in range(7):
            write_image(root / "images" / "train" / f"{i}.jpg", 40, 30, seed=i)
            classes = [(i + shift) % 2] * 2 if i % 3 else [0, 1, 1]  # two boxes of one class, or both
            (root / "labels" / "train" / f"{i}.txt").write_text("".join(f"{c} 0.5 0.5 0.2 0.2\n" for c in classes))
            for c in set(classes):
                expected.setdefault((name, c), set()).add(f"images/train/{i}.jpg")
        ds = await api.register(name, name)
        assert ds["status"] == "ready" and ds["task"] == "detection", ds
        for class_id in (0, 1, 2):
            page = (await api.get(f"datasets/{ds['id']}/images", params={"class_id": class_id, "limit": 500})).json
            files = [item["file"] for item in page["items"]]
            assert len(files) == len(set(files)) == page["total"], (name, class_id, page)
            assert set(files) == expected.get((name, class_id), set()), (name, class_id)


def _coco_with_defects(root) -> None:
    """A COCO set with what a second read must agree on: crowds, polygons, unknown and
    integer boxes, a missing file, a box out of bounds and one without area."""
    images, anns = [], []
    for i in range(12):
        if i != 11:  # the last one is listed but not on disk
            write_image(root / "images" / f"{i}.jpg", 40, 30, seed=i % 5)  # duplicates too
        images.append({"id": i + 1, "file_name": f"{i}.jpg", "width": 40, "height": 30})
        for k in range(i % 4):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": [7, 9, 42][k % 3],
                         "bbox": [1.5 * k, 2, 10, 5] if k != 2 else [0, 0, 60, 0], "area": 50, "iscrowd": k % 2,
                         "segmentation": [[1, 1, 9, 1, 9, 9]] if k == 1 else []})  # fmt: skip
    (root / "annotations").mkdir(parents=True)
    coco = {"images": images, "annotations": anns, "categories": [{"id": 7, "name": "a"}, {"id": 9, "name": "b"}]}
    (root / "annotations" / "instances_train.json").write_text(json.dumps(coco))


async def _everything(api, dataset_id: int) -> tuple:
    page = (await api.get(f"datasets/{dataset_id}/images", params={"limit": 500})).json
    items = [
        (i["file"], i["split"], i["width"], i["height"], sorted(x["kind"] for x in i["issues"]),
         [{k: v for k, v in a.items() if k != "id"} for a in i["annotations"]])
        for i in page["items"]
    ]  # fmt: skip
    stats = (await api.get(f"datasets/{dataset_id}/stats")).json
    for issue in stats["issues"]:
        issue.pop("image_id"), issue.pop("annotation_id", None)
    return items, stats


async def test_rows_from_the_worker_are_the_indexers_own(api, jp_root_dir, cv_data_dir, cv_db_url, monkeypatch):
    """A large dataset's box rows come from a second process on SQLite (rows_file.py):
    the index is the same as the one the indexer writes alone, for every format, and
    YOLO (boxes that need the image sizes) falls back to the indexer's rows."""
    from cvstudio_ext.services import datasets as service
    from cvstudio_ext.services import rows_file

    if cv_db_url:
        pytest.skip("PostgreSQL takes the rows by COPY; the worker is SQLite's")
    copied = []
    real_copy = rows_file.copy_rows
    monkeypatch.setattr(
        rows_file, "copy_rows", lambda conn, path, *ids: copied.append(path) or real_copy(conn, path, *ids)
    )
    _coco_with_defects(jp_root_dir / "coco")
    copy_sample("voc-datumaro-full", jp_root_dir)
    yolo_with_every_defect(jp_root_dir / "yolo")
    for folder in ("coco", "voc-datumaro-full", "yolo"):
        got = []
        for n, threshold in enumerate((10**9, 0)):
            monkeypatch.setattr(service, "ROWS_WORKER_MIN_IMAGES", threshold)
            ds = await api.register(folder, f"{folder}-{n}")
            assert ds["status"] == "ready", ds
            got.append(await _everything(api, ds["id"]))
        assert got[0] == got[1], folder
        assert len(copied) == (0 if folder == "yolo" else 1), folder  # the worker's rows, where it can make them
        copied.clear()
        items, stats = got[1]
        assert stats["num_annotations"] == sum(len(i[5]) for i in items) > 0
    # the rows' files go once the worker has ended (just after the dataset is ready)
    for _ in range(100):
        if not list(cv_data_dir.glob("tmp/rows-*")):
            break
        await asyncio.sleep(0.1)
    assert not list(cv_data_dir.glob("tmp/rows-*"))


def test_two_reads_agree_only_on_the_same_rows():
    from cvstudio_ext.engine.datasets.records import AnnotationRecord, ImageRecord
    from cvstudio_ext.services.rows_file import summarize

    def records(x: float, split: str = "train") -> list:
        return [ImageRecord("a.jpg", split, None, 40, 30, [AnnotationRecord(0, bbox=(x, 1.0, 2.0, 3.0))])]

    same = summarize(records(1.0), 0, 7.0)
    assert same.agrees(summarize(records(1.0), 0, 7.0 + 1e-12))
    assert not same.agrees(summarize(records(1.0, "val"), 0, 7.0))  # a split moved
    assert not same.agrees(summarize(records(1.0), 1, 7.0))  # a class changed
    assert not same.agrees(summarize(records(2.0), 0, 8.0))  # a box moved
    assert not same.agrees(None)  # the worker could not make them
