"""Every sample of the shared conformance corpus: recognized as the manifest says, and read
into the manifest's classes, image count and annotation count.

Counting follows MANIFEST.json's counting_rules: images are image files present on disk;
annotations are boxes (coco: with a bbox; voc: <object>; yolo: non-empty label lines) and,
for class folders, images inside a class folder.
"""

from __future__ import annotations

import pytest

from cvstudio_ext.engine.datasets.recognize import read_dataset, recognize
from cvstudio_ext.engine.datasets.records import FORMATS, TASKS
from cvstudio_ext.errors import Unsupported

from ..corpus import CORPUS, SAMPLES


def _supported(sample: dict) -> bool:
    return sample["format"] in FORMATS and sample["task"] in TASKS


def test_manifest_has_samples():
    assert len(SAMPLES) >= 30
    assert all((CORPUS / s["folder"]).is_dir() for s in SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["folder"] for s in SAMPLES])
def test_recognized_as_manifest_says(sample):
    root = CORPUS / sample["folder"]
    rec = recognize(root)
    assert (rec.format, rec.task) == (sample["format"], sample["task"]), rec.candidates
    assert rec.supported == _supported(sample)
    assert 0 < rec.confidence <= 1
    assert rec.confidence == rec.candidates[0].score
    assert [c.score for c in rec.candidates] == sorted((c.score for c in rec.candidates), reverse=True)
    assert rec.summary and "\n" not in rec.summary
    if not _supported(sample):
        with pytest.raises(Unsupported):
            read_dataset(root)


@pytest.mark.parametrize(
    "sample",
    [s for s in SAMPLES if _supported(s)],
    ids=[s["folder"] for s in SAMPLES if _supported(s)],
)
def test_read_matches_manifest(sample):
    root = CORPUS / sample["folder"]
    ds = read_dataset(root)
    assert ds.format == sample["format"]
    assert ds.task == sample["task"]

    files = [im.file for im in ds.images]
    assert len(files) == len(set(files)), "an image appears more than once"
    for f in files:
        assert not f.startswith("/") and "\\" not in f and ".." not in f.split("/")
    on_disk = [f for f in files if (root / f).is_file()]
    assert len(on_disk) == sample["num_images"]

    if sample["format"] == "imagefolder":
        n_ann = sum(1 for im in ds.images if im.label is not None)
    elif sample["format"] == "coco":
        n_ann = sum(1 for im in ds.images for a in im.annotations if a.bbox is not None)
    else:
        n_ann = sum(len(im.annotations) for im in ds.images)
    assert n_ann == sample["num_annotations"]

    if sample["class_names"]:
        assert ds.classes == sample["class_names"]
    else:
        # yolo-datumaro-kaggle: the manifest lists no names because the sample has no
        # class-name file ("classes known only by id"). The reader names classes after
        # the ids seen, "0".."max id", so every label keeps its numeric class.
        used = [int(k) for k in sample["details"]["class_ids_used"]]
        assert ds.classes == [str(i) for i in range(max(used) + 1)]
        assert ds.meta["classes_synthesized"] is True

    # every annotation points at a declared class or is reported as unknown
    unknown = {(i.file, i.annotation_index) for i in ds.issues if i.kind == "unknown_class"}
    for im in ds.images:
        if im.label is not None:
            assert 0 <= im.label < len(ds.classes)
        for k, a in enumerate(im.annotations):
            if a.class_id is None:
                assert (im.file, k) in unknown
            else:
                assert 0 <= a.class_id < len(ds.classes)
    assert not [i for i in ds.issues if i.kind == "malformed_annotation"], ds.issues


@pytest.mark.parametrize(
    "sample",
    [s for s in SAMPLES if _supported(s)],
    ids=[s["folder"] for s in SAMPLES if _supported(s)],
)
def test_read_with_named_format(sample):
    ds = read_dataset(CORPUS / sample["folder"], sample["format"])
    assert ds.format == sample["format"]


def test_specific_corpus_details():
    # COCO: 1-based gappy ids mapped to 0..n-1, only instances files read
    ds = read_dataset(CORPUS / "coco-datumaro-alltasks")
    assert ds.meta["class_map"] == {"1": 0, "2": 1, "4": 2}
    assert ds.meta["annotation_files"] == [
        "annotations/instances_train.json",
        "annotations/instances_val.json",
    ]
    assert {im.file: im.split for im in ds.images} == {
        "images/train/a.jpg": "train",
        "images/val/b.jpg": "val",
    }
    crowd = [a for im in ds.images for a in im.annotations if a.iscrowd]
    assert len(crowd) == 1 and isinstance(crowd[0].segmentation, dict)

    # VOC: 1-based inclusive boxes
    ds = read_dataset(CORPUS / "voc-datumaro-full")
    im = next(i for i in ds.images if i.file == "JPEGImages/2007_000001.jpg")
    assert im.annotations[0].bbox == (0.0, 1.0, 3.0, 3.0)
    assert (im.width, im.height, im.split) == (20, 10, "train")
    assert next(i for i in ds.images if i.file == "JPEGImages/2007_000002.jpg").split == "test"

    # YOLO: README.txt is no label file, same name in two splits
    ds = read_dataset(CORPUS / "yolo-datumaro-loose")
    assert {(im.file, im.split) for im in ds.images} == {
        ("images/train/1.jpg", "train"),
        ("images/val/1.jpg", "val"),
    }
    a = ds.images[0].annotations[0]
    assert a.norm_bbox == pytest.approx((0.133333, 0.3, 0.266667, 0.2)) and a.class_id == 2

    # YOLO roboflow: data.yaml paths are wrong; folders are discovered instead
    ds = read_dataset(CORPUS / "yolo-datumaro-roboflow")
    assert sorted({im.split for im in ds.images}) == ["train", "val"]

    # YOLO segmentation polygons
    ds = read_dataset(CORPUS / "yolo-cvatdatumaro-seg")
    tri = ds.images[0].annotations[0]
    assert tri.norm_segmentation == [[0.1, 0.1, 0.4, 0.1, 0.4, 0.5]]
    assert tri.norm_bbox == pytest.approx((0.25, 0.3, 0.3, 0.4))

    # class folders: nested sub-folder images keep their class, root images are unlabeled
    ds = read_dataset(CORPUS / "imagefolder-mmpretrain-dataset")
    labels = {im.file: im.label for im in ds.images}
    assert labels == {"3.jpeg": None, "a/1.JPG": 0, "b/2.jpeg": 1, "b/subb/3.jpg": 1}
