"""Export round trips on the shared conformance corpus: every sample of the four formats is
registered the way the server does it (recognize, read, probe every image, index), exported
to every format its task allows, registered again the same way, and compared: the same
images (by content, per split), classes (names and order), splits, labels and boxes (to
1e-3 px for YOLO and COCO, each VOC corner within one pixel), with whatever the target
cannot hold counted in the report.

Samples left out: yolo-cvatdatumaro-obb, yolo-cvatdatumaro-pose and yolo-cvatdatumaro-pose2,
because the project refuses them (YOLO OBB and pose are look-alikes: `read_dataset` raises
Unsupported), so there is nothing to export. The segmentation sample (YOLO polygons) is
kept and exported to the formats a segmentation dataset allows (YOLO, COCO).

Also: images copied, hard-linked (same inode) or left out; a target that exists is refused
with nothing changed; a failure midway leaves neither the target nor the temporary folder;
the source folder is byte-identical after every export.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cvstudio_ext.engine.datasets import export as export_mod
from cvstudio_ext.engine.datasets.export import ExportReport, export, targets
from cvstudio_ext.engine.datasets.index import build_index
from cvstudio_ext.engine.datasets.probe import probe_images
from cvstudio_ext.engine.datasets.recognize import read_dataset, recognize
from cvstudio_ext.engine.datasets.records import FORMATS, ImageRecord
from cvstudio_ext.engine.datasets.walk import is_image_name
from cvstudio_ext.errors import Unsupported

from ..corpus import CORPUS, SAMPLES

TASKS = ("detection", "segmentation", "classification")
REFUSED = ("obb", "pose")
ROUND_TRIP = [s for s in SAMPLES if s["format"] in FORMATS and s["task"] in TASKS]
TOL = {"yolo": 1e-3, "coco": 1e-3}


# --------------------------------------------------------------------------- registering
@dataclass
class Registered:
    format: str
    task: str
    classes: list[str]
    records: list[ImageRecord]  # with the true sizes, as the index stores them
    present: list[bool]
    digests: list[str | None]  # sha256 of the file's bytes (None when absent)


def register(root: Path, fmt: str | None = None) -> Registered:
    """What registration does (services/datasets.py: register then index): recognize, read
    with the recognized format and listing, probe every image, build the index; the index's
    image sizes replace what the annotations claimed, as the database stores them."""
    rec = recognize(root)
    assert rec.supported, rec.summary
    if fmt is not None:
        assert rec.format == fmt, (rec.format, rec.candidates)
    parsed = read_dataset(root, rec.format, rec.listing)
    probes = probe_images([os.path.join(root, r.file) for r in parsed.images], n_jobs=1)
    index = build_index(parsed, probes)
    records = [replace(r, width=im.width, height=im.height) for r, im in zip(index.records, index.images)]
    digests = [_digest(root / r.file) if im.present else None for r, im in zip(records, index.images)]
    return Registered(
        index.format, index.task, list(index.classes), records, [im.present for im in index.images], digests
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file (and link) under root, by content."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            out[os.path.relpath(p, root)] = _digest(p) if p.is_file() else "link:" + os.readlink(p)
    return out


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".export-" in p.name]


# --------------------------------------------------------------------------- expectations
def expected_drops(src: Registered, fmt: str, only_present: bool) -> dict[str, int]:
    """What the target format cannot hold of `src`, counted as the report must count it."""
    drops: dict[str, int] = {}

    def add(k: str, n: int = 1) -> None:
        drops[k] = drops.get(k, 0) + n

    nc = len(src.classes)
    for rec, present in zip(src.records, src.present):
        if only_present and not present:
            add("missing image file")
            continue
        if src.task == "classification":
            if rec.label is not None and not 0 <= rec.label < nc:
                add("label (unknown class)")
            continue
        for a in rec.annotations:
            if a.class_id is None:
                add("unknown class")
                continue
            seg_poly = src.task == "segmentation" and fmt == "yolo" and a.segmentation
            if a.bbox is None and not (fmt == "coco" and a.segmentation) and not seg_poly:
                add("box (none)")
                continue
            if fmt == "yolo" and not (rec.width and rec.height):
                add("box (image size unknown)")
                continue
            if a.iscrowd and fmt != "coco":
                add("iscrowd")
            if a.difficult and fmt != "voc":
                add("difficult")
            if a.segmentation and (fmt == "voc" or (fmt == "yolo" and src.task == "detection")):
                add("segmentation")
    return drops


def boxes_of(reg: Registered, rec: ImageRecord, with_box_only: bool = True) -> list:
    out = []
    for a in rec.annotations:
        if a.class_id is None or (with_box_only and a.bbox is None):
            continue
        out.append((reg.classes[a.class_id], a))
    return out


def close(a, b, tol: float) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b)) and len(a) == len(b)


def corners(b):
    x, y, w, h = b
    return (x, y, x + w, y + h)


def assert_same_boxes(src: Registered, dst: Registered, s: ImageRecord, t: ImageRecord, fmt: str, where: str):
    sb, tb = boxes_of(src, s), boxes_of(dst, t)
    if fmt == "yolo" and not (s.width and s.height):
        sb = []
    assert [n for n, _ in sb] == [n for n, _ in tb], where
    for (name, a), (_, b) in zip(sb, tb):
        if fmt == "voc":
            assert close(corners(a.bbox), corners(b.bbox), 1.0), (where, name, a.bbox, b.bbox)
            assert a.difficult == b.difficult, where
        else:
            assert close(a.bbox, b.bbox, TOL[fmt]), (where, name, a.bbox, b.bbox)
        if fmt == "coco":
            assert a.iscrowd == b.iscrowd, where
            assert (a.segmentation or None) == (b.segmentation or None), where
        if src.task == "segmentation" and isinstance(a.segmentation, list) and a.segmentation:
            assert b.segmentation and len(b.segmentation) == 1, where
            assert close(a.segmentation[0], b.segmentation[0], TOL[fmt]), (where, a.segmentation, b.segmentation)


def loose_name(file: str) -> str:
    return re.sub(r"(_\d+)+(?=\.[^.]*$|$)", "", os.path.basename(file))


def renamed_count(report: ExportReport) -> int:
    for note in report.notes:
        m = re.match(r"(\d+) images? renamed", note)
        if m:
            return int(m.group(1))
    return 0


def assert_round_trip(src: Registered, dst: Registered, fmt: str, report: ExportReport, only_present: bool):
    want_task = "detection" if (src.task == "segmentation" and fmt == "coco") else src.task
    assert (dst.format, dst.task) == (fmt, want_task)
    assert dst.classes == src.classes
    keep = [i for i, p in enumerate(src.present) if p or not only_present]
    assert report.images == len(keep) == len(dst.records)
    assert report.boxes == sum(len(boxes_of(dst, r)) for r in dst.records)

    # pair images per split: by content when the files are there, else by name (less any
    # _1, _2 suffix a rename gave); among equals, the one whose name, label and boxes match
    def key(reg: Registered, i: int) -> tuple:
        rec = reg.records[i]
        return (rec.split, reg.digests[i] if only_present else loose_name(rec.file))

    sg: dict[tuple, list[int]] = {}
    tg: dict[tuple, list[int]] = {}
    for i in keep:
        sg.setdefault(key(src, i), []).append(i)
    for j in range(len(dst.records)):
        tg.setdefault(key(dst, j), []).append(j)
    assert {k: len(v) for k, v in sg.items()} == {k: len(v) for k, v in tg.items()}
    assert {src.records[i].split for i in keep} == {r.split for r in dst.records}

    def check(s: ImageRecord, t: ImageRecord) -> None:
        where = f"{fmt}: {s.file} ({s.split}) -> {t.file}"
        if src.task == "classification":
            lab = None if s.label is None else src.classes[s.label]
            assert lab == (None if t.label is None else dst.classes[t.label]), where
        else:
            assert_same_boxes(src, dst, s, t, fmt, where)

    for k, s_idx in sg.items():
        left = list(tg[k])
        for i in s_idx:
            s = src.records[i]
            base = os.path.basename(s.file)
            left.sort(key=lambda j: os.path.basename(dst.records[j].file) != base)
            for j in left:
                try:
                    check(s, dst.records[j])
                except AssertionError:
                    continue
                left.remove(j)
                break
            else:
                check(s, dst.records[left[0]])  # fails, saying why

    # names are kept, or the report says how many were renamed
    src_names = sorted((src.records[i].split, os.path.basename(src.records[i].file)) for i in keep)
    dst_names = sorted((r.split, os.path.basename(r.file)) for r in dst.records)
    changed = len(set(dst_names) - set(src_names))
    assert changed == renamed_count(report), (src_names, dst_names, report.notes)

    # what the target cannot hold is counted, and explained
    want = expected_drops(src, fmt, only_present)
    assert report.dropped == want, (report.dropped, want)
    assert len(report.notes) >= len(want)


# --------------------------------------------------------------------------- round trips
@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory) -> Path:
    """Two samples on the tests' own file system, so that hard links to them are possible."""
    dest = tmp_path_factory.mktemp("corpus")
    for name in ("coco-sahi-terrain", "voc-raccoon-labelimg"):
        shutil.copytree(CORPUS / name, dest / name, symlinks=True)
    return dest


def test_targets():
    assert targets("detection") == ("yolo", "coco", "voc")
    assert targets("classification") == ("imagefolder",)
    assert targets("segmentation") == ("yolo", "coco")
    assert targets("keypoints") == ()
    refused = [s["folder"] for s in SAMPLES if s["format"] == "yolo" and s["task"] in REFUSED]
    assert sorted(refused) == ["yolo-cvatdatumaro-obb", "yolo-cvatdatumaro-pose", "yolo-cvatdatumaro-pose2"]
    for name in refused:
        with pytest.raises(Unsupported):
            read_dataset(CORPUS / name)


@pytest.mark.parametrize("sample", ROUND_TRIP, ids=[s["folder"] for s in ROUND_TRIP])
def test_round_trip(sample, tmp_path):
    root = CORPUS / sample["folder"]
    before = tree_hashes(root)
    src = register(root, sample["format"])
    assert src.task == sample["task"]
    out = tmp_path / "out"
    out.mkdir()
    for fmt in targets(src.task):
        for mode in ("copy", "none"):
            if fmt == "imagefolder" and mode == "none":
                continue
            if mode == "none" and (fmt == "yolo" or all(src.present)):
                # Annotations only are registered again where they are all there is of a
                # sample (images listed, files absent). Elsewhere they are checked against the
                # copy (test_annotations_only_equals_copy_without_images): YOLO names images
                # only by their files, and with no files the COCO reader puts every split's
                # images in one folder, so that train/1.jpg and val/1.jpg become one.
                continue
            target = out / f"{fmt}-{mode}"
            calls: list[float] = []
            report = export(
                fmt,
                src.task,
                src.classes,
                iter(src.records),
                source_root=root,
                target=target,
                images_mode=mode,
                progress=calls.append,
                total=len(src.records),
            )
            assert calls == sorted(calls) and calls[-1] == 1.0 and len(calls) <= 102
            assert leftovers(out) == []
            if mode == "copy" and not any(src.present):
                # nothing to write but the class list (voc-datumaro-annotationsonly has no image files)
                assert report.images == 0 and report.dropped["missing image file"] == len(src.records)
                continue
            dst = register(target, fmt)
            assert_round_trip(src, dst, fmt, report, only_present=mode == "copy")
    assert tree_hashes(root) == before


@pytest.mark.parametrize("fmt", ["yolo", "coco", "voc"])
def test_annotations_only_equals_copy_without_images(corpus_copy, tmp_path, fmt):
    root = corpus_copy / "coco-sahi-terrain"
    src = register(root)
    assert all(src.present)
    reports = {}
    for mode in ("copy", "none", "link"):
        reports[mode] = export(
            fmt, src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / mode, images_mode=mode
        )
    assert reports["copy"] == reports["none"] == reports["link"]
    copied, bare, linked = (tree_hashes(tmp_path / m) for m in ("copy", "none", "link"))
    images = {k for k in copied if is_image_name(k)}
    assert len(images) == len(src.records)
    assert bare == {k: v for k, v in copied.items() if k not in images}
    assert linked == copied
    by_digest = {d: (root / r.file) for r, d in zip(src.records, src.digests)}
    for k in images:
        # copies are new files, links the very same
        source = by_digest[copied[k]]
        assert not os.path.samefile(tmp_path / "copy" / k, source)
        assert os.path.samefile(tmp_path / "link" / k, source)


def test_link_across_devices_copies_and_says_so(corpus_copy, tmp_path, monkeypatch):
    root = corpus_copy / "voc-raccoon-labelimg"
    src = register(root)

    def no_link(a, b, **kw):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    report = export("yolo", src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / "t",
                    images_mode="link")  # fmt: skip
    assert report.images == len(src.records)
    assert sum("could not be hard-linked" in n for n in report.notes) == 1
    dst = register(tmp_path / "t", "yolo")
    assert_round_trip(src, dst, "yolo", report, only_present=True)


def test_existing_target_is_refused(tmp_path):
    root = CORPUS / "coco-datumaro-instances"
    src = register(root)
    target = tmp_path / "exists"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    before = tree_hashes(tmp_path)
    for fmt in targets(src.task):
        with pytest.raises(FileExistsError):
            export(fmt, src.task, src.classes, iter(src.records), source_root=root, target=target)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        export("coco", src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / "file")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        export("coco", src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / "link")
    (tmp_path / "file").unlink()
    (tmp_path / "link").unlink()
    assert tree_hashes(tmp_path) == before
    assert leftovers(tmp_path) == []


def test_refused_parameters_write_nothing(tmp_path):
    root = CORPUS / "imagefolder-datumaro-splits"
    src = register(root)
    for fmt, mode in (("voc", "copy"), ("coco", "copy"), ("imagefolder", "none"), ("imagefolder", "move")):
        with pytest.raises(ValueError):
            export(fmt, src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / "t",
                   images_mode=mode)  # fmt: skip
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["yolo", "coco", "voc", "imagefolder"])
@pytest.mark.parametrize("where", ["records", "progress", "finish"])
def test_failure_midway_leaves_nothing(tmp_path, monkeypatch, fmt, where):
    sample = "imagefolder-datumaro-splits" if fmt == "imagefolder" else "yolo-labelstudio-buses"
    root = CORPUS / sample
    src = register(root)
    assert len(src.records) >= 4
    before = tree_hashes(root)

    class Boom(RuntimeError):
        pass

    def records():
        for i, r in enumerate(src.records):
            if where == "records" and i == 3:
                raise Boom("the database went away")
            yield r

    def progress(x: float) -> None:
        if where == "progress" and x > 0.5:
            raise Boom("stop")

    if where == "finish":
        writer = export_mod._writer_for(fmt)

        def finish(self):
            raise Boom("disk full")

        monkeypatch.setattr(writer, "finish", finish)
    target = tmp_path / "deep" / "er" / "out"
    with pytest.raises(Boom):
        export(fmt, src.task, src.classes, records(), source_root=root, target=target, progress=progress,
               total=len(src.records))  # fmt: skip
    assert list(tmp_path.iterdir()) == []  # not even the parent folders it made
    assert tree_hashes(root) == before


def test_collisions_are_renamed_and_said(tmp_path):
    """Two images of one split whose names meet in the target: VOC keeps one tree of image
    ids for every split, so the same file name in train and val must be renamed."""
    root = CORPUS / "imagefolder-datumaro-splits"
    src = register(root)
    # the same records, read as a detection set without boxes: 12 images, 4 names per split
    recs = [replace(r, label=None) for r in src.records]
    report = export("voc", "detection", src.classes, iter(recs), source_root=root, target=tmp_path / "voc")
    names = {os.path.basename(r.file) for r in recs}
    assert renamed_count(report) == len(recs) - len({n.rsplit(".", 1)[0] for n in names})
    dst = register(tmp_path / "voc", "voc")
    assert len(dst.records) == len(recs)
    assert sorted(r.split for r in dst.records) == sorted(r.split for r in recs)
    assert len({r.file for r in dst.records}) == len(recs)


def test_flags_unknown_classes_and_missing_files(tmp_path):
    """A real VOC sample given what the corpus lacks: a 'difficult' object, an object of a
    class labelmap.txt does not declare, and an image file gone."""
    root = tmp_path / "src"
    shutil.copytree(CORPUS / "voc-raccoon-labelimg", root)
    xml = root / "annotations" / "raccoon-130.xml"
    text = xml.read_text()
    assert text.count("<difficult>0</difficult>") == 2
    xml.write_text(text.replace("<difficult>0</difficult>", "<difficult>1</difficult>", 1))
    xml = root / "annotations" / "raccoon-119.xml"
    text = xml.read_text()
    assert text.count("<name>raccoon</name>") == 3
    xml.write_text(text.replace("<name>raccoon</name>", "<name>fox</name>"))
    (root / "labelmap.txt").write_text("raccoon\n")
    (root / "images" / "raccoon-39.jpg").unlink()
    src = register(root, "voc")
    assert src.classes == ["raccoon"]
    flat = [a for r in src.records for a in r.annotations]
    assert sum(a.difficult for a in flat) == 1 and sum(a.class_id is None for a in flat) == 3
    assert src.present.count(False) == 1
    for fmt in targets(src.task):
        report = export(fmt, src.task, src.classes, iter(src.records), source_root=root, target=tmp_path / fmt)
        assert report.dropped["unknown class"] == 3 and report.dropped["missing image file"] == 1
        assert report.dropped.get("difficult", 0) == (0 if fmt == "voc" else 1)
        assert_round_trip(src, register(tmp_path / fmt, fmt), fmt, report, only_present=True)


def test_split_names_a_format_cannot_say(tmp_path):
    """Splits the lead's split operation may name (any of [A-Za-z0-9_.-]): what comes back."""
    det_root = CORPUS / "yolo-labelstudio-buses"
    det = register(det_root)
    recs = [replace(r, split=("holdout" if i % 2 else "my_split")) for i, r in enumerate(det.records)]
    back = {}
    for fmt in targets("detection"):
        report = export(fmt, "detection", det.classes, iter(recs), source_root=det_root, target=tmp_path / fmt)
        back[fmt] = sorted({r.split for r in register(tmp_path / fmt, fmt).records})
        if fmt == "voc":
            assert sum("ImageSets/Main/my-split.txt" in n for n in report.notes) == 1
        if fmt == "yolo":
            assert any("Ultralytics trains on train, val and test only" in n for n in report.notes)
    assert back == {"yolo": ["holdout", "my_split"], "coco": ["holdout", "my_split"], "voc": ["holdout", "my-split"]}

    cls_root = CORPUS / "imagefolder-datumaro-splits"
    cls = register(cls_root)
    recs = [replace(r, split="holdout") if r.split == "test" else r for r in cls.records]
    report = export("imagefolder", cls.task, cls.classes, iter(recs), source_root=cls_root, target=tmp_path / "if")
    assert report.dropped == {"split (not readable back)": 4}
    assert any("holdout" in n for n in report.notes)
    assert sorted({r.split for r in register(tmp_path / "if", "imagefolder").records}) == ["train", "val"]


def test_yolo_rows_keep_large_images_to_a_thousandth_of_a_pixel():
    """The corpus's images are small; the arithmetic on a 100,000 x 80,000 px image, through
    the YOLO row format and the indexer's own conversion back to pixels."""
    from cvstudio_ext.engine.datasets.export.yolo import _ROW
    from cvstudio_ext.engine.datasets.index import _complete_annotations
    from cvstudio_ext.engine.datasets.records import AnnotationRecord

    W, H = 100_000, 80_000
    worst = 0.0
    for k in range(2000):
        x, y = (k * 48.7231) % W, (k * 39.1097) % H
        w, h = 1 + (k * 7.3331) % 5000, 1 + (k * 3.7777) % 4000
        row = _ROW % (0, (x + w / 2) / W, (y + h / 2) / H, w / W, h / H)
        cx, cy, nw, nh = (float(v) for v in row.split()[1:])
        ann = AnnotationRecord(class_id=0, norm_bbox=(cx, cy, nw, nh))
        _complete_annotations([ann], W, H)
        worst = max(worst, *(abs(a - b) for a, b in zip(ann.bbox, (x, y, w, h))))
    assert worst < 1e-3 / 10
