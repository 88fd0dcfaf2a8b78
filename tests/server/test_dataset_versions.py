"""Dataset versions through a real server: split, filter, fix and merge make new versions
with their own index and lineage, the user's folder untouched; bad parameters are 4xx
with nothing written."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from pathlib import Path

from ..datagen import class_folders, yolo_with_every_defect


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


async def run_job(api, path: str, body: dict) -> dict:
    r = await api.post(path, body)
    assert r.code == 202, r
    assert r.headers["Location"].endswith(f"datasets/jobs/{r.json['job_id']}")
    for _ in range(600):
        job = (await api.get(f"datasets/jobs/{r.json['job_id']}")).json
        if job["status"] != "running":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(job)


async def all_images(api, dataset_id: int) -> list[dict]:
    return (await api.get(f"datasets/{dataset_id}/images", params={"limit": "500"})).json["items"]


async def test_split_makes_a_seeded_stratified_version_and_leaves_the_folder_alone(api, jp_root_dir):
    class_folders(jp_root_dir / "pets", classes=("cat", "dog"), per_class=10)
    before = tree_digest(jp_root_dir / "pets")
    ds = await api.register(jp_root_dir / "pets", "pets")
    assert (ds["version"], ds["parent_id"], ds["lineage"]) == (1, None, [])

    body = {"fractions": {"train": 0.6, "val": 0.2, "test": 0.2}, "seed": 7}
    job = await run_job(api, f"datasets/{ds['id']}/split", body)
    assert job["status"] == "completed", job
    v2 = (await api.get(f"datasets/{job['result']['dataset_id']}")).json
    assert (v2["name"], v2["version"], v2["parent_id"], v2["status"]) == ("pets", 2, ds["id"], "ready")
    assert v2["lineage"] == [
        {"op": "split", "params": {**body, "keep": [], "stratify": True}, "parent_id": ds["id"], "parent_version": 1}
    ]
    assert v2["splits"] == {"train": 12, "val": 4, "test": 4} and v2["num_images"] == 20
    images = await all_images(api, v2["id"])
    per = Counter((im["split"], im["label"]) for im in images)
    assert all(per[(split, label)] == n // 2 for split, n in v2["splits"].items() for label in (0, 1)), per
    assert {im["file"] for im in images} == {im["file"] for im in await all_images(api, ds["id"])}
    assert (await api.get(f"datasets/{ds['id']}")).json["splits"] == {"train": 20}  # the parent is as it was

    # the same seed deals the same way; versions count up and list oldest first
    again = await run_job(api, f"datasets/{ds['id']}/split", body)
    assert again["result"]["version"] == 3
    same = {im["file"]: im["split"] for im in await all_images(api, again["result"]["dataset_id"])}
    assert same == {im["file"]: im["split"] for im in images}
    versions = (await api.get(f"datasets/{v2['id']}/versions")).json["items"]
    assert [v["version"] for v in versions] == [1, 2, 3]

    # keep: the test split stays; the rest is dealt out again
    kept = await run_job(api, f"datasets/{v2['id']}/split", {"fractions": {"train": 0.5, "val": 0.5}, "keep": ["test"]})
    moved = {im["file"]: im["split"] for im in await all_images(api, kept["result"]["dataset_id"])}
    assert {f for f, s in moved.items() if s == "test"} == {f for f, s in same.items() if s == "test"}
    assert Counter(moved.values()) == {"train": 8, "val": 8, "test": 4}

    # renaming one version renames them all
    assert (await api.patch(f"datasets/{v2['id']}", {"name": "animals"})).code == 200
    names = {v["name"] for v in (await api.get(f"datasets/{ds['id']}/versions")).json["items"]}
    assert names == {"animals"}
    assert tree_digest(jp_root_dir / "pets") == before


async def test_fix_removes_every_planted_defect(api, jp_root_dir):
    yolo_with_every_defect(jp_root_dir / "boxes")
    before = tree_digest(jp_root_dir / "boxes")
    ds = await api.register(jp_root_dir / "boxes", "boxes")
    counts = (await api.get(f"datasets/{ds['id']}/stats")).json["issue_counts"]
    found = {kind for kind, n in counts.items() if n}
    assert {"bbox_out_of_bounds", "zero_area", "unknown_class", "duplicate_image", "corrupt_image"} <= found
    steps = [
        {"op": "drop_images", "defects": ["corrupt_image", "missing_file", "unlabeled_image"]},
        {"op": "clip_boxes"},
        {"op": "drop_zero_area"},
        {"op": "dedupe"},
        {"op": "remap_classes", "mapping": {"7": "bird"}},
    ]
    job = await run_job(api, f"datasets/{ds['id']}/fix", {"steps": steps})
    assert job["status"] == "completed", job
    assert job["report"]["counts"]["boxes clipped"] == 1 and job["report"]["counts"]["duplicates dropped"] == 1
    fixed = job["result"]["dataset_id"]
    stats = (await api.get(f"datasets/{fixed}/stats")).json
    left = {kind for kind, n in stats["issue_counts"].items() if n} - {"empty_class"}
    assert left == {"unlabeled_image"}, stats["issue_counts"]  # zero.jpg lost its only box
    images = {im["file"]: im for im in await all_images(api, fixed)}
    assert not {"images/train/corrupt.jpg", "images/train/unlabeled.jpg"} & set(images)
    assert len({"images/train/dup.jpg", "images/train/good.jpg"} & set(images)) == 1  # the first of the two kept
    boxes = images["images/train/oob.jpg"]["annotations"]
    assert [round(b["bbox"][0] + b["bbox"][2], 6) for b in boxes] == [100.0]  # clipped at the right edge
    assert [b["class_name"] for b in images["images/train/unknown.jpg"]["annotations"]] == ["bird"]
    assert (await api.get(f"datasets/{ds['id']}/stats")).json["issue_counts"] == counts
    assert tree_digest(jp_root_dir / "boxes") == before


async def test_filter_and_merge(api, jp_root_dir):
    class_folders(jp_root_dir / "a", classes=("cat", "dog"), per_class=3, split="train")
    class_folders(jp_root_dir / "b", classes=("kitty", "fox"), per_class=2, split="val")
    a = await api.register(jp_root_dir / "a", "a")
    b = await api.register(jp_root_dir / "b", "b")

    job = await run_job(api, f"datasets/{a['id']}/filter", {"classes": ["dog"]})
    dogs = (await api.get(f"datasets/{job['result']['dataset_id']}")).json
    assert dogs["num_images"] == 3 and dogs["version"] == 2 and dogs["lineage"][0]["op"] == "filter"

    body = {"name": "pets", "datasets": [a["id"], b["id"]], "mapping": [{}, {"kitty": "cat", "fox": None}]}
    job = await run_job(api, "datasets/merge", body)
    assert job["status"] == "completed", job
    merged = (await api.get(f"datasets/{job['result']['dataset_id']}")).json
    assert (merged["name"], merged["version"], merged["classes"]) == ("pets", 1, ["cat", "dog"])
    assert merged["splits"] == {"train": 6, "val": 2} and merged["path"] == str(jp_root_dir)
    assert [p["id"] for p in merged["lineage"][0]["parents"]] == [a["id"], b["id"]]
    labels = Counter((im["split"], im["label"]) for im in await all_images(api, merged["id"]))
    assert labels == {("train", 0): 3, ("train", 1): 3, ("val", 0): 2}
    image = (await all_images(api, merged["id"]))[-1]
    assert (await api.get(f"datasets/{merged['id']}/images/{image['id']}", params={"size": "thumb"})).code == 200


async def test_bad_operations_are_4xx_and_write_nothing(api, jp_root_dir):
    yolo_with_every_defect(jp_root_dir / "boxes")
    ds = await api.register(jp_root_dir / "boxes", "boxes")
    bad = [
        (f"datasets/{ds['id']}/split", {"fractions": {"train": 0.5, "val": 0.2}}, "add up to 1"),
        (f"datasets/{ds['id']}/split", {"fractions": {"../x": 1.0}}, "not a split name"),
        (f"datasets/{ds['id']}/filter", {"classes": ["unicorn"]}, "no class 'unicorn'"),
        (f"datasets/{ds['id']}/filter", {}, "at least one"),
        (f"datasets/{ds['id']}/fix", {"steps": [{"op": "remap_classes", "mapping": {"7": "unicorn"}}]}, "not a class"),
        (f"datasets/{ds['id']}/fix", {"steps": [{"op": "rm -rf"}]}, None),
        ("datasets/merge", {"name": "m", "datasets": [ds["id"], ds["id"]]}, "merged once"),
        ("datasets/merge", {"name": "m", "datasets": [ds["id"], 999]}, None),
        ("datasets/merge", {"name": "boxes", "datasets": [ds["id"], ds["id"] + 1]}, None),
    ]
    for path, body, said in bad:
        r = await api.post(path, body)
        assert 400 <= r.code < 500, (path, body, r)
        assert said is None or said in r.json["error"]["message"], (path, r.json)
    listed = (await api.get("datasets")).json
    assert listed["total"] == 1
    assert (await api.get("datasets/jobs/" + "0" * 32)).code == 404
    assert (await api.get("datasets/999/versions")).code == 404


async def test_a_run_on_a_version_records_it_in_its_weight(api, jp_root_dir):
    from .test_training import body, setup, wait_for

    ds, model = await setup(api, jp_root_dir)
    job = await run_job(api, f"datasets/{ds['id']}/split", {"fractions": {"train": 0.75, "val": 0.25}, "seed": 3})
    version = job["result"]["dataset_id"]
    run = (
        await api.post("training", {**body({"id": version}, model), "hyperparameters": {"epochs": 1, "batch_size": 8}})
    ).json
    done = await wait_for(api, run["id"], ("completed", "failed"))
    assert done["status"] == "completed" and done["dataset_id"] == version, done
    weight = (await api.get(f"weights/{done['weight_id']}")).json
    assert weight["trained_on"]["run"] == {"id": run["id"], "name": run["name"]}
    trained = weight["trained_on"]["dataset"]
    assert (trained["id"], trained["name"], trained["version"]) == (version, ds["name"], 2)
    assert [step["op"] for step in trained["lineage"]] == ["split"]


async def test_export_to_a_zip_and_to_a_folder_registers_back_the_same(api, jp_root_dir):
    import io
    import zipfile

    yolo_with_every_defect(jp_root_dir / "boxes")
    before = tree_digest(jp_root_dir / "boxes")
    ds = await api.register(jp_root_dir / "boxes", "boxes")
    clean = (await run_job(api, f"datasets/{ds['id']}/fix", {"steps": [{"op": "drop_images", "defects": ["corrupt_image", "missing_file"]}, {"op": "drop_unknown"}]}))["result"]["dataset_id"]  # fmt: skip
    want = {im["file"].rsplit("/", 1)[-1]: sorted(tuple(round(v, 3) for v in b["bbox"]) for b in im["annotations"])
            for im in await all_images(api, clean)}  # fmt: skip

    job = await run_job(api, f"datasets/{clean}/export", {"format": "coco"})
    assert job["status"] == "completed" and job["report"]["images"] == len(want), job
    r = await api.get(job["result"]["download"])
    assert r.code == 200 and r.headers["Content-Type"] == "application/zip", r
    with zipfile.ZipFile(io.BytesIO(r.body)) as z:
        z.extractall(jp_root_dir / "unzipped")
    [folder] = list((jp_root_dir / "unzipped").iterdir())
    back = await api.register(folder, "from-zip")
    assert (back["format"], back["classes"]) == ("coco", ["cat", "dog", "bird"])
    got = {im["file"].rsplit("/", 1)[-1]: sorted(tuple(round(v, 3) for v in b["bbox"]) for b in im["annotations"])
           for im in await all_images(api, back["id"])}  # fmt: skip
    assert got == want

    job = await run_job(api, f"datasets/{clean}/export", {"format": "voc", "images": "link", "to": "as-voc"})
    assert job["status"] == "completed" and job["result"]["path"] == str(jp_root_dir / "as-voc"), job
    voc = await api.register(jp_root_dir / "as-voc", "as-voc")
    assert voc["format"] == "voc" and voc["num_images"] == len(want)
    linked = next((jp_root_dir / "as-voc").rglob("good.jpg"))
    assert linked.stat().st_ino == (jp_root_dir / "boxes" / "images" / "train" / "good.jpg").stat().st_ino

    bad = [
        ({"format": "imagefolder"}, 422),  # detection does not go to class folders
        ({"format": "coco", "images": "bogus"}, 422),
        ({"format": "yolo", "to": "as-voc"}, 409),  # never over an existing folder
        ({"format": "yolo", "to": "/etc/cvstudio-out"}, 403),
        ({"format": "yolo", "images": "link"}, 422),  # a zip holds no links
        ({"format": "yolo", "splits": ["nope"]}, 422),
    ]
    for body, code in bad:
        r = await api.post(f"datasets/{clean}/export", body)
        assert r.code == code, (body, r)
    assert not Path("/etc/cvstudio-out").exists() and tree_digest(jp_root_dir / "boxes") == before


async def test_class_folders_export_needs_the_images(api, jp_root_dir):
    class_folders(jp_root_dir / "pets", classes=("cat", "dog"), per_class=2, split="train")
    ds = await api.register(jp_root_dir / "pets", "pets")
    r = await api.post(f"datasets/{ds['id']}/export", {"format": "imagefolder", "images": "none"})
    assert r.code == 422 and r.json["error"]["code"] == "images_needed", r
    job = await run_job(api, f"datasets/{ds['id']}/export", {"format": "imagefolder", "to": "pets-copy"})
    assert job["status"] == "completed", job
    back = await api.register(jp_root_dir / "pets-copy", "pets-copy")
    assert (back["classes"], back["splits"]) == (["cat", "dog"], {"train": 4})


async def test_a_split_copies_boxes_and_defects_to_the_new_version(api, jp_root_dir):
    yolo_with_every_defect(jp_root_dir / "boxes")
    ds = await api.register(jp_root_dir / "boxes", "boxes")
    job = await run_job(api, f"datasets/{ds['id']}/split", {"fractions": {"train": 0.5, "val": 0.5}, "seed": 1})
    assert job["status"] == "completed", job
    v2 = job["result"]["dataset_id"]
    before, after = (await api.get(f"datasets/{ds['id']}/stats")).json, (await api.get(f"datasets/{v2}/stats")).json
    assert after["issue_counts"] == before["issue_counts"] and set(after["splits"]) == {"train", "val"}
    assert sum(after["splits"].values()) == sum(before["splits"].values())  # images present on disk
    ids = {im["id"] for im in await all_images(api, v2)}
    assert {it["image_id"] for it in after["issues"] if it["image_id"] is not None} <= ids
    flagged = (await api.get(f"datasets/{v2}/images", params={"has_issues": "true", "limit": "100"})).json
    assert (
        flagged["total"] == (await api.get(f"datasets/{ds['id']}/images", params={"has_issues": "true"})).json["total"]
    )

    def boxes(images):
        return {im["file"]: [(b["class_name"], b["bbox"]) for b in im["annotations"]] for im in images}

    assert boxes(await all_images(api, v2)) == boxes(await all_images(api, ds["id"]))
    assert {it["annotation_id"] for it in after["issues"] if it.get("annotation_id")} <= {
        b["id"] for im in await all_images(api, v2) for b in im["annotations"]
    }


async def test_a_split_shares_its_parents_boxes_and_keeps_them_when_the_parent_goes(api, jp_root_dir, cv_data_dir):
    """A split reads its parent's box rows (no copy); every reader agrees with the parent,
    and deleting the versions that hold the rows hands them on instead of losing them."""
    yolo_with_every_defect(jp_root_dir / "boxes")
    ds = await api.register(jp_root_dir / "boxes", "boxes")
    v2 = await run_job(api, f"datasets/{ds['id']}/split", {"fractions": {"train": 0.5, "val": 0.5}, "seed": 1})
    yolo_with_every_defect(jp_root_dir / "later")  # rows in between: ids of the two no longer line up
    await api.register(jp_root_dir / "later", "later")
    v3 = await run_job(api, f"datasets/{v2['result']['dataset_id']}/split", {"fractions": {"train": 1.0}})
    v2, v3 = v2["result"]["dataset_id"], v3["result"]["dataset_id"]

    def boxes(images):
        return {
            im["file"]: sorted((b["class_name"], tuple(b["bbox"] or ())) for b in im["annotations"]) for im in images
        }

    async def of_class(dataset_id: int, class_id: int) -> set[str]:
        page = await api.get(f"datasets/{dataset_id}/images", params={"class_id": str(class_id), "limit": "100"})
        return {im["file"] for im in page.json["items"]}

    async def trained_on(dataset_id: int) -> dict[str, list]:
        r = await api.post("training", {"name": f"on-{dataset_id}", "dataset_id": dataset_id, "resources": {"device": "cpu"},
                                        "model": {"source": "torchvision", "name": "fasterrcnn_mobilenet_v3_large_320_fpn"},
                                        "hyperparameters": {"epochs": 1}})  # fmt: skip
        assert r.code == 201, r
        spec = json.loads((cv_data_dir / "runs" / str(r.json["id"]) / "spec.json").read_text())
        assert (await api.delete(f"training/{r.json['id']}")).code in (200, 204)
        return {
            it["file"]: sorted(zip(it["labels"], it["boxes"])) for it in spec["data"]["train"] + spec["data"]["val"]
        }

    async def agrees(dataset_id: int) -> None:
        images = await all_images(api, dataset_id)
        assert boxes(images) == want
        for class_id in (0, 1):
            assert await of_class(dataset_id, class_id) == classes[class_id]
        good = next(im for im in images if im["file"] == "images/train/good.jpg")
        r = await api.post(f"datasets/{dataset_id}/augment", {"image_id": good["id"], "pipeline": [], "seed": 1})
        assert sorted(a["class_name"] for a in r.json["samples"][0]["annotations"]) == ["cat", "dog"], r
        assert await trained_on(dataset_id) == spec
        job = await run_job(api, f"datasets/{dataset_id}/filter", {"classes": ["cat", "dog"]})
        filtered = await all_images(api, job["result"]["dataset_id"])
        assert boxes(filtered) == {f: b for f, b in want.items() if f in classes[0] | classes[1]}

    want = boxes(await all_images(api, ds["id"]))
    assert sum(len(b) for b in want.values()) == 7
    classes = {c: await of_class(ds["id"], c) for c in (0, 1)}
    assert classes[0] and classes[1]
    spec = await trained_on(ds["id"])
    for version in (v2, v3):
        await agrees(version)
    assert (await api.delete(f"datasets/{ds['id']}")).code == 204  # the holder goes: v2 holds them now
    for version in (v2, v3):
        await agrees(version)
    assert (await api.delete(f"datasets/{v2}")).code == 204
    await agrees(v3)
