"""Format readers and recognition on small datasets generated in tmp_path."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PIL import Image

from cvstudio_ext.engine.datasets import coco, imagefolder, voc, yolo
from cvstudio_ext.engine.datasets.recognize import read_dataset, recognize
from cvstudio_ext.engine.datasets.walk import (
    IMAGE_EXTENSIONS,
    is_image_name,
    iter_files,
    normalize_split,
    rel_posix,
    resolve_inside,
)
from cvstudio_ext.errors import Invalid, Unsupported


def img(path: Path, size=(20, 10), color=(200, 10, 10)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def by_file(ds):
    return {im.file: im for im in ds.images}


# ------------------------------------------------------------------ walk helpers


def test_walk_helpers(tmp_path):
    assert {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"} == set(IMAGE_EXTENSIONS)
    assert is_image_name("A.JPG") and is_image_name("x.TiFf") and not is_image_name("x.txt")
    assert normalize_split("valid") == "val" and normalize_split("Validation") == "val"
    assert normalize_split("train2017") == "train" and normalize_split("custom") == "custom"
    img(tmp_path / "a" / "1.jpg")
    img(tmp_path / ".ipynb_checkpoints" / "1-checkpoint.jpg")
    img(tmp_path / "a" / ".hidden" / "2.jpg")
    write(tmp_path / "a" / ".DS_Store", b"\0")
    write(tmp_path / "__MACOSX" / "a" / "._1.jpg", b"\0")
    assert list(iter_files(tmp_path)) == ["a/1.jpg"]
    assert rel_posix(tmp_path / "a" / "1.jpg", tmp_path) == "a/1.jpg"
    assert resolve_inside(tmp_path, "../../etc/passwd") is None
    assert resolve_inside(tmp_path, "/etc/passwd") is None
    assert resolve_inside(tmp_path, "x/../a/1.jpg") == tmp_path / "a" / "1.jpg"
    assert resolve_inside(tmp_path, "1.jpg", base="a") == tmp_path / "a" / "1.jpg"


def test_symlink_out_of_root_is_not_listed(tmp_path):
    outside = img(tmp_path / "outside" / "secret.jpg")
    root = tmp_path / "ds"
    img(root / "cls" / "1.jpg")
    (root / "cls" / "link.jpg").symlink_to(outside)
    assert list(iter_files(root)) == ["cls/1.jpg"]
    assert resolve_inside(root, "cls/link.jpg") is None


# ------------------------------------------------------------------ YOLO


NAMES_DICT = "names:\n  0: cat\n  1: dog\n  2: bird\n"
NAMES_LIST = "names: [cat, dog, bird]\n"


@pytest.mark.parametrize("names", [NAMES_DICT, NAMES_LIST], ids=["dict", "list"])
def test_yolo_data_yaml_names(tmp_path, names):
    write(
        tmp_path / "data.yaml",
        "path: .\ntrain: images/train\nval: images/val\n" + names,
    )
    img(tmp_path / "images/train/a.jpg")
    img(tmp_path / "images/val/b.png")
    write(tmp_path / "labels/train/a.txt", "0 0.5 0.5 0.2 0.4\n2 0.1 0.1 0.1 0.1\n")
    write(tmp_path / "labels/val/b.txt", "1 0.5 0.5 1 1\n")
    rec = recognize(tmp_path)
    assert (rec.format, rec.task, rec.supported) == ("yolo", "detection", True)
    assert "3 classes" in rec.summary and "train/val" in rec.summary
    ds = read_dataset(tmp_path)
    assert ds.classes == ["cat", "dog", "bird"]
    assert ds.meta["class_map"] == {"0": 0, "1": 1, "2": 2}
    assert ds.meta["yaml"] == "data.yaml"
    f = by_file(ds)
    assert f["images/train/a.jpg"].split == "train" and f["images/val/b.png"].split == "val"
    a = f["images/train/a.jpg"].annotations[0]
    assert a.class_id == 0 and a.norm_bbox == (0.5, 0.5, 0.2, 0.4) and a.bbox is None
    assert ds.issues == []


def test_yolo_gappy_dict_names(tmp_path):
    write(tmp_path / "data.yaml", "train: images/train\nnames:\n  1: a\n  5: b\n")
    img(tmp_path / "images/train/x.jpg")
    write(tmp_path / "labels/train/x.txt", "5 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1 0.1\n")
    ds = read_dataset(tmp_path)
    assert ds.classes == ["a", "b"]
    assert ds.meta["class_map"] == {"1": 0, "5": 1}
    assert [a.class_id for a in ds.images[0].annotations] == [1, 0]


def test_yolo_txt_image_list_with_prefix(tmp_path):
    write(tmp_path / "data.yaml", "path: .\ntrain: train.txt\nval: val.txt\nnames: [a]\n")
    write(tmp_path / "train.txt", "data/images/x1.jpg\n./images/x2.jpg\n")
    write(tmp_path / "val.txt", "images/x3.jpg\nimages/absent.jpg\n")
    for n in ("x1", "x2", "x3"):
        img(tmp_path / f"images/{n}.jpg")
        write(tmp_path / f"labels/{n}.txt", "0 0.5 0.5 0.5 0.5")
    ds = read_dataset(tmp_path)
    splits = {im.file: im.split for im in ds.images}
    assert splits == {
        "images/x1.jpg": "train",
        "images/x2.jpg": "train",
        "images/x3.jpg": "val",
        "images/absent.jpg": "val",
    }
    assert not (tmp_path / "images/absent.jpg").exists()
    assert sum(len(im.annotations) for im in ds.images) == 3


def test_yolo_polygons_crlf_missing_and_empty_labels(tmp_path):
    write(tmp_path / "classes.txt", b"a\r\nb\r\n")
    img(tmp_path / "images/p.jpg")
    img(tmp_path / "images/bg.jpg")  # no label file: background
    img(tmp_path / "images/empty.jpg")
    write(tmp_path / "labels/empty.txt", "")
    write(tmp_path / "labels/p.txt", b"1 0.1 0.2 0.5 0.2 0.5 0.6\r\n0 0.5 0.5 0.2 0.2\r\n")
    ds = read_dataset(tmp_path)
    assert ds.task == "segmentation" and ds.classes == ["a", "b"]
    f = by_file(ds)
    poly, box = f["images/p.jpg"].annotations
    assert poly.class_id == 1
    assert poly.norm_segmentation == [[0.1, 0.2, 0.5, 0.2, 0.5, 0.6]]
    assert poly.norm_bbox == pytest.approx((0.3, 0.4, 0.4, 0.4))
    assert box.norm_segmentation is None and box.norm_bbox == (0.5, 0.5, 0.2, 0.2)
    assert f["images/bg.jpg"].annotations == [] and f["images/empty.jpg"].annotations == []
    assert ds.issues == []


def test_yolo_unknown_class_and_malformed_lines(tmp_path):
    write(tmp_path / "obj.names", "a\nb\n")
    img(tmp_path / "images/x.jpg")
    write(
        tmp_path / "labels/x.txt",
        "0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\nfoo 1 2 3 4\n1 0.5 0.5\n1 a b c d\n1 0.1 0.2 0.3 0.4 0.5 0.6 0.7\n1 0.5 0.5 0.2 0.2\n",
    )
    ds = read_dataset(tmp_path)
    anns = ds.images[0].annotations
    assert [a.class_id for a in anns] == [0, None, 1]
    assert anns[1].source_class == "7"
    unknown = [i for i in ds.issues if i.kind == "unknown_class"]
    assert len(unknown) == 1 and unknown[0].file == "images/x.jpg" and unknown[0].annotation_index == 1
    bad = [i for i in ds.issues if i.kind == "malformed_annotation"]
    assert [i.file for i in bad] == ["labels/x.txt"] * 4
    assert [i.detail.split(":")[0] for i in bad] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
    ]


def test_yolo_flat_without_names_synthesizes_classes(tmp_path):
    img(tmp_path / "1.jpg")
    write(tmp_path / "1.txt", "3 0.5 0.5 0.1 0.1\n")
    img(tmp_path / "2.jpg")
    write(tmp_path / "README.txt", "not a label file")
    ds = read_dataset(tmp_path)
    assert ds.format == "yolo" and ds.classes == ["0", "1", "2", "3"]
    assert by_file(ds)["1.jpg"].annotations[0].class_id == 3
    assert by_file(ds)["2.jpg"].annotations == []


def test_yolo_hidden_checkpoints_are_ignored(tmp_path):
    write(tmp_path / "data.yaml", "train: images/train\nnames: [a]\n")
    img(tmp_path / "images/train/x.jpg")
    write(tmp_path / "labels/train/x.txt", "0 0.5 0.5 0.1 0.1\n")
    img(tmp_path / "images/train/.ipynb_checkpoints/x-checkpoint.jpg")
    write(
        tmp_path / "labels/train/.ipynb_checkpoints/x-checkpoint.txt",
        "0 0.5 0.5 0.1 0.1\n",
    )
    ds = read_dataset(tmp_path)
    assert [im.file for im in ds.images] == ["images/train/x.jpg"]


def test_yolo_pose_and_obb_are_refused(tmp_path):
    pose = tmp_path / "pose"
    write(pose / "data.yaml", "train: images/train\nkpt_shape: [2, 2]\nnames: [p]\n")
    img(pose / "images/train/x.jpg")
    write(pose / "labels/train/x.txt", "0 0.5 0.5 0.2 0.2 0.4 0.4 0.6 0.6\n")  # 9 values, like a polygon
    r = recognize(pose)
    assert (r.format, r.task, r.supported) == ("yolo", "pose", False)
    with pytest.raises(Unsupported):
        read_dataset(pose)
    with pytest.raises(Unsupported):
        read_dataset(pose, "yolo")
    with pytest.raises(Unsupported):
        yolo.read(pose)

    obb = tmp_path / "obb"
    write(obb / "data.yaml", "train: images/train\nnames: [a]\n")
    img(obb / "images/train/x.jpg")
    write(obb / "labels/train/x.txt", "0 0.5 0.1 0.9 0.5 0.5 0.9 0.1 0.5\n")
    r = recognize(obb)
    assert (r.format, r.task, r.supported) == ("yolo", "obb", False)
    with pytest.raises(Unsupported):
        read_dataset(obb)

    # an axis-aligned 4-point polygon stays segmentation
    seg = tmp_path / "seg"
    write(seg / "data.yaml", "train: images/train\nnames: [a]\n")
    img(seg / "images/train/x.jpg")
    write(seg / "labels/train/x.txt", "0 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n")
    r = recognize(seg)
    assert (r.format, r.task, r.supported) == ("yolo", "segmentation", True)


def test_yolo_list_entry_outside_root(tmp_path):
    root = tmp_path / "ds"
    img(tmp_path / "secret.jpg")
    write(root / "data.yaml", "train: train.txt\nnames: [a]\n")
    write(root / "train.txt", "../secret.jpg\n/etc/passwd.jpg\nimages/x.jpg\n")
    img(root / "images/x.jpg")
    write(root / "labels/x.txt", "0 0.5 0.5 0.1 0.1\n")
    ds = read_dataset(root)
    assert [im.file for im in ds.images] == ["images/x.jpg"]
    outside = [i for i in ds.issues if i.kind == "missing_file" and "outside" in i.detail]
    assert len(outside) == 2


# ------------------------------------------------------------------ COCO


def coco_json(images, anns, cats):
    return json.dumps({"images": images, "annotations": anns, "categories": cats})


def test_coco_gappy_ids_split_folder_and_keypoints_beside(tmp_path):
    cats = [
        {"id": 7, "name": "seven"},
        {"id": 1, "name": "one"},
        {"id": 3, "name": "three"},
    ]
    ims = [
        {"id": 10, "file_name": "a.jpg", "width": 20, "height": 10},
        {"id": 11, "file_name": "gone.jpg", "width": 5, "height": 5},
    ]
    anns = [
        {
            "id": 1,
            "image_id": 10,
            "category_id": 7,
            "bbox": [1, 2, 3, 4],
            "area": 12,
            "iscrowd": 0,
            "segmentation": [[1, 2, 4, 2, 4, 6]],
        },
        {
            "id": 2,
            "image_id": 10,
            "category_id": 1,
            "bbox": [0, 0, 5, 5],
            "area": 25,
            "iscrowd": 1,
            "segmentation": {"counts": [0, 25], "size": [10, 20]},
        },
        {
            "id": 3,
            "image_id": 11,
            "category_id": 3,
            "bbox": [0, 0, 1, 1],
            "area": 1,
            "iscrowd": 0,
            "segmentation": [],
        },
        {
            "id": 4,
            "image_id": 10,
            "category_id": 99,
            "bbox": [0, 0, 1, 1],
            "area": 1,
            "iscrowd": 0,
        },
    ]
    write(tmp_path / "annotations/instances_val2017.json", coco_json(ims, anns, cats))
    kp_cats = [{"id": 1, "name": "person", "keypoints": ["nose"], "skeleton": []}]
    kp_anns = [
        {
            "id": 1,
            "image_id": 10,
            "category_id": 1,
            "bbox": [0, 0, 1, 1],
            "keypoints": [1, 1, 2],
            "num_keypoints": 1,
        }
    ]
    write(
        tmp_path / "annotations/person_keypoints_val2017.json",
        coco_json(ims, kp_anns, kp_cats),
    )
    img(tmp_path / "val2017/a.jpg")
    img(tmp_path / "val2017/extra.png")  # on disk, not in the JSON
    rec = recognize(tmp_path)
    assert (rec.format, rec.task, rec.supported) == ("coco", "detection", True)
    ds = read_dataset(tmp_path)
    assert ds.classes == ["one", "three", "seven"]
    assert ds.meta["class_map"] == {"1": 0, "3": 1, "7": 2}
    assert ds.meta["annotation_files"] == ["annotations/instances_val2017.json"]
    assert ds.meta["skipped_files"] == {"annotations/person_keypoints_val2017.json": "keypoints"}
    f = by_file(ds)
    assert set(f) == {"val2017/a.jpg", "val2017/gone.jpg", "val2017/extra.png"}
    assert all(im.split == "val" for im in ds.images)
    a = f["val2017/a.jpg"]
    assert (a.width, a.height) == (20, 10)
    assert [x.class_id for x in a.annotations] == [2, 0, None]
    assert a.annotations[0].bbox == (1.0, 2.0, 3.0, 4.0) and a.annotations[0].area == 12
    assert a.annotations[0].segmentation == [[1, 2, 4, 2, 4, 6]]
    assert a.annotations[1].iscrowd and a.annotations[1].segmentation == {
        "counts": [0, 25],
        "size": [10, 20],
    }
    assert a.annotations[2].source_class == "99"
    assert [(i.kind, i.file, i.annotation_index) for i in ds.issues] == [("unknown_class", "val2017/a.jpg", 2)]
    assert len(f["val2017/gone.jpg"].annotations) == 1  # missing on disk, annotations kept


def test_coco_keypoints_only_is_refused(tmp_path):
    kp_cats = [{"id": 1, "name": "person", "keypoints": ["nose"], "skeleton": []}]
    ims = [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}]
    kp_anns = [
        {
            "id": 1,
            "image_id": 1,
            "category_id": 1,
            "bbox": [0, 0, 1, 1],
            "keypoints": [1, 1, 2],
        }
    ]
    write(tmp_path / "annotations.json", coco_json(ims, kp_anns, kp_cats))  # generic name, content tells
    img(tmp_path / "a.jpg")
    rec = recognize(tmp_path)
    assert rec.format == "coco" and rec.task == "keypoints" and not rec.supported
    with pytest.raises(Unsupported):
        read_dataset(tmp_path)
    with pytest.raises(Unsupported):
        read_dataset(tmp_path, "coco")


def test_coco_roboflow_split_folders_and_images_dir(tmp_path):
    for split in ("train", "valid"):
        write(
            tmp_path / split / "_annotations.coco.json",
            coco_json(
                [{"id": 0, "file_name": f"{split}.jpg", "width": 20, "height": 10}],
                [{"id": 0, "image_id": 0, "category_id": 0, "bbox": [1, 1, 2, 2]}],
                [{"id": 0, "name": "thing"}],
            ),
        )
        img(tmp_path / split / f"{split}.jpg")
    ds = read_dataset(tmp_path)
    assert {im.file: im.split for im in ds.images} == {
        "train/train.jpg": "train",
        "valid/valid.jpg": "val",
    }
    assert ds.classes == ["thing"]

    other = tmp_path / "other"
    write(
        other / "annotations/instances_train.json",
        coco_json([{"id": 1, "file_name": "x.jpg"}], [], [{"id": 1, "name": "a"}]),
    )
    img(other / "images/train/x.jpg")
    ds = read_dataset(other)
    assert [im.file for im in ds.images] == ["images/train/x.jpg"]


def test_coco_path_outside_root_is_never_resolved(tmp_path):
    root = tmp_path / "ds"
    img(tmp_path / "secret.jpg")
    ims = [
        {"id": 1, "file_name": "../../etc/passwd"},
        {"id": 2, "file_name": "../secret.jpg"},
        {"id": 3, "file_name": "ok.jpg"},
    ]
    anns = [{"id": i, "image_id": i, "category_id": 1, "bbox": [0, 0, 1, 1]} for i in (1, 2, 3)]
    write(root / "instances_train.json", coco_json(ims, anns, [{"id": 1, "name": "a"}]))
    img(root / "ok.jpg")
    ds = read_dataset(root)
    assert [im.file for im in ds.images] == ["ok.jpg"]
    outside = [i for i in ds.issues if i.kind == "missing_file"]
    assert len(outside) == 2 and all("outside" in i.detail for i in outside)


def test_coco_wrong_types_do_not_crash(tmp_path):
    data = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": "wide", "height": None},
            "junk",
            {"id": [1], "file_name": 3},
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": "nope"},
            {"id": 2, "image_id": 1, "category_id": [1], "bbox": [0, 0, 1, 1]},
            {"id": 3, "image_id": 1, "category_id": 1, "bbox": ["a", 0, 1, 1]},
            {"id": 4, "image_id": 42, "category_id": 1, "bbox": [0, 0, 1, 1]},
            {
                "id": 5,
                "image_id": 1,
                "category_id": 1,
                "bbox": [0, 0, 2, 2],
                "area": "big",
                "iscrowd": "0",
            },
            7,
            None,
        ],
        "categories": [{"id": 1, "name": "a"}, {"name": "no id"}, "junk"],
    }
    write(tmp_path / "instances_train.json", json.dumps(data))
    img(tmp_path / "a.jpg")
    ds = read_dataset(tmp_path, "coco")
    a = by_file(ds)["a.jpg"]
    assert (a.width, a.height) == (None, None)
    assert ds.classes == ["a"]
    assert any(x.bbox == (0.0, 0.0, 2.0, 2.0) and x.area is None for x in a.annotations)
    assert any(i.kind == "malformed_annotation" for i in ds.issues)


def test_coco_broken_json_reports_issue(tmp_path):
    write(
        tmp_path / "instances_train.json",
        '{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [',
    )
    write(
        tmp_path / "instances_val.json",
        coco_json([{"id": 1, "file_name": "b.jpg"}], [], [{"id": 1, "name": "a"}]),
    )
    img(tmp_path / "a.jpg")
    img(tmp_path / "b.jpg")
    ds = read_dataset(tmp_path)
    assert ds.format == "coco"
    assert [i.kind for i in ds.issues] == ["malformed_annotation"]
    assert {im.file for im in ds.images} == {"a.jpg", "b.jpg"}


def test_coco_large_file_reads_fast(tmp_path):
    """100,000 images and 1,000,000 boxes: reading costs about what json.load costs."""
    n_img, per = 100_000, 10
    images = ",".join(f'{{"id":{i},"file_name":"{i}.jpg","width":640,"height":480}}' for i in range(n_img))
    anns = ",".join(
        f'{{"id":{i * per + k},"image_id":{i},"category_id":{1 + k % 5},"bbox":[1.0,2.0,30.0,40.0],'
        f'"area":1200.0,"iscrowd":0,"segmentation":[[1.0,2.0,31.0,2.0,31.0,42.0]]}}'
        for i in range(n_img)
        for k in range(per)
    )
    cats = ",".join(f'{{"id":{c},"name":"c{c}"}}' for c in range(1, 6))
    path = write(
        tmp_path / "annotations/instances_train.json",
        f'{{"images":[{images}],"annotations":[{anns}],"categories":[{cats}]}}',
    )
    del images, anns
    img(tmp_path / "images/train/0.jpg")
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        json.load(fh)
    t_json = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds = coco.read(tmp_path)
    elapsed = time.perf_counter() - t0
    assert len(ds.images) == n_img
    assert ds.images[0].file == "images/train/0.jpg" and ds.images[1].file == "images/train/1.jpg"
    assert sum(len(im.annotations) for im in ds.images) == n_img * per
    assert ds.classes == ["c1", "c2", "c3", "c4", "c5"]
    assert elapsed < 1.5 * t_json + 2, f"reading took {elapsed:.1f}s, json.load alone {t_json:.1f}s"


# ------------------------------------------------------------------ VOC


def voc_xml(filename, objects, size=(20, 10), order=("xmin", "ymin", "xmax", "ymax")):
    objs = []
    for name, box, difficult in objects:
        vals = dict(zip(("xmin", "ymin", "xmax", "ymax"), box))
        bnd = "".join(f"<{k}>{vals[k]}</{k}>" for k in order)
        diff = f"<difficult>{difficult}</difficult>" if difficult is not None else ""
        objs.append(f"<object><name>{name}</name>{diff}<bndbox>{bnd}</bndbox></object>")
    sz = f"<size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>" if size else ""
    return f"<annotation><folder>x</folder><filename>{filename}</filename>{sz}{''.join(objs)}</annotation>"


def test_voc_tree_with_imagesets(tmp_path):
    write(
        tmp_path / "Annotations/001.xml",
        voc_xml("001.jpg", [("dog", (1, 2, 3, 4), 0), ("cat", (10, 20, 30, 40), None)]),
    )
    write(
        tmp_path / "Annotations/002.xml",
        voc_xml("002.jpg", [("dog", (5, 5, 5, 5), 1)], size=(0, 0)),
    )
    write(tmp_path / "ImageSets/Main/train.txt", "\n# comment\n001\n")
    write(tmp_path / "ImageSets/Main/val.txt", "002\n")
    write(tmp_path / "ImageSets/Main/dog_train.txt", "001  1\n")
    img(tmp_path / "JPEGImages/001.jpg")
    img(tmp_path / "JPEGImages/002.jpg")
    img(tmp_path / "JPEGImages/003.jpg")  # no XML
    img(tmp_path / "SegmentationClass/001.png")  # a mask, not an image of the dataset
    rec = recognize(tmp_path)
    assert (rec.format, rec.task) == ("voc", "detection")
    ds = read_dataset(tmp_path)
    assert ds.classes == ["cat", "dog"]
    f = by_file(ds)
    assert set(f) == {"JPEGImages/001.jpg", "JPEGImages/002.jpg", "JPEGImages/003.jpg"}
    assert (
        f["JPEGImages/001.jpg"].split,
        f["JPEGImages/002.jpg"].split,
        f["JPEGImages/003.jpg"].split,
    ) == ("train", "val", "train")
    d, c = f["JPEGImages/001.jpg"].annotations
    assert d.bbox == (0.0, 1.0, 3.0, 3.0) and d.class_id == 1 and d.difficult is False
    assert c.bbox == (9.0, 19.0, 21.0, 21.0) and c.class_id == 0 and c.difficult is False
    b = f["JPEGImages/002.jpg"]
    assert b.annotations[0].bbox == (4.0, 4.0, 1.0, 1.0) and b.annotations[0].difficult is True
    assert (b.width, b.height) == (None, None)
    assert (f["JPEGImages/001.jpg"].width, f["JPEGImages/001.jpg"].height) == (20, 10)


def test_voc_flat_beside_images_any_child_order_and_labelmap(tmp_path):
    write(
        tmp_path / "a.xml",
        voc_xml("a.jpg", [("b", (2, 1, 5, 2), None)], order=("xmin", "xmax", "ymin", "ymax")),
    )
    write(tmp_path / "labelmap.txt", "# label:color\nbackground:0,0,0::\nb:1,1,1::\n")
    img(tmp_path / "a.jpg")
    img(tmp_path / "b.jpg")
    ds = read_dataset(tmp_path)
    assert ds.format == "voc" and ds.classes == ["background", "b"]
    f = by_file(ds)
    assert f["a.jpg"].annotations[0].bbox == (1.0, 0.0, 4.0, 2.0)
    assert f["a.jpg"].annotations[0].class_id == 1
    assert f["b.jpg"].annotations == []


def test_voc_broken_xml_and_outside_filename(tmp_path):
    write(tmp_path / "Annotations/good.xml", voc_xml("good.jpg", [("a", (1, 1, 2, 2), 0)]))
    write(tmp_path / "Annotations/broken.xml", "<annotation><object><name>a</name>")
    write(
        tmp_path / "Annotations/evil.xml",
        voc_xml("../../etc/passwd", [("a", (1, 1, 2, 2), 0)]),
    )
    write(
        tmp_path / "Annotations/bad_box.xml",
        voc_xml("bad.jpg", [("a", ("x", 1, 2, 2), 0)]),
    )
    write(
        tmp_path / "Annotations/entity.xml",
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><annotation><filename>&e;.jpg</filename></annotation>',
    )
    img(tmp_path / "JPEGImages/good.jpg")
    ds = read_dataset(tmp_path, "voc")
    files = {im.file for im in ds.images}
    assert "JPEGImages/good.jpg" in files
    assert not any("passwd" in f or f.startswith("..") for f in files)
    kinds = {(i.kind, i.file) for i in ds.issues}
    assert ("malformed_annotation", "Annotations/broken.xml") in kinds
    assert ("malformed_annotation", "Annotations/entity.xml") in kinds
    assert ("malformed_annotation", "Annotations/bad_box.xml") in kinds
    assert any(i.kind == "missing_file" and "outside" in i.detail for i in ds.issues)


# ------------------------------------------------------------------ class folders


def test_imagefolder_flat_with_checkpoints(tmp_path):
    img(tmp_path / "dog/1.jpg")
    img(tmp_path / "dog/2.PNG")
    img(tmp_path / "cat/1.jpeg")
    img(tmp_path / "cat/.ipynb_checkpoints/1-checkpoint.jpeg")
    img(tmp_path / ".ipynb_checkpoints/x.jpg")
    write(tmp_path / "cat/.DS_Store", b"\0")
    write(tmp_path / "cat/empty.jpg", b"")  # 0-byte: still an image record
    rec = recognize(tmp_path)
    assert (rec.format, rec.task, rec.supported) == (
        "imagefolder",
        "classification",
        True,
    )
    ds = read_dataset(tmp_path)
    assert ds.classes == ["cat", "dog"]
    assert {im.file: (im.label, im.split) for im in ds.images} == {
        "cat/1.jpeg": (0, "train"),
        "cat/empty.jpg": (0, "train"),
        "dog/1.jpg": (1, "train"),
        "dog/2.PNG": (1, "train"),
    }


def test_imagefolder_with_splits(tmp_path):
    img(tmp_path / "train/a/1.jpg")
    img(tmp_path / "train/b/2.jpg")
    img(tmp_path / "valid/a/3.jpg")
    img(tmp_path / "test/c/4.jpg")
    img(tmp_path / "train/loose.jpg")
    img(tmp_path / "train/.ipynb_checkpoints/5.jpg")
    ds = read_dataset(tmp_path)
    assert ds.format == "imagefolder" and ds.classes == ["a", "b", "c"]
    assert {im.file: (im.label, im.split) for im in ds.images} == {
        "train/a/1.jpg": (0, "train"),
        "train/b/2.jpg": (1, "train"),
        "valid/a/3.jpg": (0, "val"),
        "test/c/4.jpg": (2, "test"),
        "train/loose.jpg": (None, "train"),
    }


def test_imagenet_list_is_not_imagefolder(tmp_path):
    img(tmp_path / "images/1.jpg")
    img(tmp_path / "images/2.jpg")
    write(tmp_path / "train.txt", "1.jpg 0\n2.jpg 1\n")
    write(tmp_path / "synsets.txt", "a\nb\n")
    rec = recognize(tmp_path)
    assert (rec.format, rec.supported) == ("imagenet_txt", False)
    with pytest.raises(Unsupported):
        read_dataset(tmp_path)


# ------------------------------------------------------------------ recognition


def test_garbage_folder_is_unsupported(tmp_path):
    write(tmp_path / "notes.md", "hello")
    write(tmp_path / "data.csv", "a,b\n1,2\n")
    write(tmp_path / "sub/random.bin", b"\x00\x01")
    write(tmp_path / "sub/config.json", '{"a": 1}')
    write(tmp_path / "x.xml", "<root><child/></root>")
    rec = recognize(tmp_path)
    assert rec.format is None and not rec.supported and rec.confidence == 0 and rec.candidates == []
    assert "supported" in rec.summary
    with pytest.raises(Unsupported) as exc:
        read_dataset(tmp_path)
    assert "YOLO" in exc.value.message and "COCO" in exc.value.message


def test_named_format_errors(tmp_path):
    img(tmp_path / "cls/1.jpg")
    with pytest.raises(Invalid) as exc:
        read_dataset(tmp_path, "tfrecord")
    assert all(f in exc.value.message for f in ("yolo", "coco", "voc", "imagefolder"))
    with pytest.raises(Invalid):
        read_dataset(tmp_path, "coco")
    with pytest.raises(Invalid):
        read_dataset(tmp_path, "voc")
    with pytest.raises(Invalid):
        read_dataset(tmp_path, "yolo")
    assert read_dataset(tmp_path, "imagefolder").classes == ["cls"]


def test_cvat_and_labelme_json_are_refused(tmp_path):
    cv = tmp_path / "cvat"
    write(
        cv / "annotations.xml",
        "<annotations><version>1.1</version><meta/><image id='0' name='a.jpg'/></annotations>",
    )
    img(cv / "images/a.jpg")
    r = recognize(cv)
    assert (r.format, r.supported) == ("cvat", False)
    with pytest.raises(Unsupported):
        read_dataset(cv)

    lm = tmp_path / "labelme"
    img(lm / "a.jpg")
    write(
        lm / "a.json",
        json.dumps(
            {
                "version": "5.0",
                "shapes": [{"label": "x", "points": [[0, 0], [1, 1]]}],
                "imagePath": "a.jpg",
            }
        ),
    )
    r = recognize(lm)
    assert (r.format, r.supported) == ("labelme", False)
    with pytest.raises(Unsupported):
        read_dataset(lm)


def test_detect_functions_return_none_on_other_formats(tmp_path):
    img(tmp_path / "cls/1.jpg")
    assert yolo.detect(tmp_path) is None
    assert coco.detect(tmp_path) is None
    assert voc.detect(tmp_path) is None
    c = imagefolder.detect(tmp_path)
    assert c is not None and c.supported and 0 < c.score <= 1 and c.reason


def test_many_files_are_read_quickly(tmp_path):
    n = 3000
    write(tmp_path / "data.yaml", "train: images\nnames: [a]\n")
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    for i in range(n):
        (tmp_path / f"images/{i}.jpg").write_bytes(b"")
        (tmp_path / f"labels/{i}.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    t0 = time.perf_counter()
    rec = recognize(tmp_path)
    ds = read_dataset(tmp_path)
    assert rec.format == "yolo" and len(ds.images) == n
    assert time.perf_counter() - t0 < 10
