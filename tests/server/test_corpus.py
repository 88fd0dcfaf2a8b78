"""Every corpus sample through HTTP: recognized as MANIFEST.json says; ours import to
`ready` with the manifest's counts, look-alikes are refused with 415."""

from __future__ import annotations

import shutil

from ..corpus import CORPUS, SAMPLES

OURS = {"yolo", "coco", "voc", "imagefolder"}
TASKS = {"classification", "detection", "segmentation"}


async def test_every_corpus_sample(api, jp_root_dir):
    shutil.copytree(CORPUS, jp_root_dir / "corpus")
    checked = 0
    for sample in SAMPLES:
        folder = f"corpus/{sample['folder']}"
        rec = await api.post("datasets/recognize", {"path": folder})
        assert rec.code == 200, (folder, rec)
        assert (rec.json["format"], rec.json["task"]) == (sample["format"], sample["task"]), (folder, rec.json)
        supported = sample["format"] in OURS and sample["task"] in TASKS
        assert rec.json["supported"] is supported, folder
        r = await api.post("datasets", {"name": sample["folder"], "path": folder})
        if not supported:
            assert r.code == 415, (folder, r)
            assert r.json["error"]["code"] == "unsupported_format"
            continue
        assert r.code == 202, (folder, r)
        ds = await api.wait_dataset(r.json["id"])
        assert ds["status"] == "ready", (folder, ds)
        assert ds["format"] == sample["format"] and ds["task"] == sample["task"], folder
        assert ds["num_images"] == sample["num_images"], (folder, ds["num_images"])
        assert ds["num_annotations"] == sample["num_annotations"], (folder, ds["num_annotations"])
        if sample["class_names"]:
            assert ds["classes"] == sample["class_names"], (folder, ds["classes"])
        stats = (await api.get(f"datasets/{ds['id']}/stats")).json
        assert stats["num_images"] == ds["num_images"]
        page = (await api.get(f"datasets/{ds['id']}/images", params={"limit": 500})).json
        boxes = [a for item in page["items"] for a in item["annotations"]]
        if sample["task"] != "classification":
            assert len(boxes) == sample["num_annotations"], folder
            assert all(a["bbox"] is None or len(a["bbox"]) == 4 for a in boxes)
        checked += 1
    assert checked >= 25
    # the user's files were only read
    assert not list((jp_root_dir / "corpus").rglob("*.cvstudio*"))
