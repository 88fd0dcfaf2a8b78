"""Inference through HTTP: exact arithmetic on a hand-set graph model, a torchvision
detector, uploads, batch jobs, the model cache, and bad input."""

from __future__ import annotations

import asyncio
import base64
import io
import math
import uuid

import numpy as np
import torch
import torchvision
from PIL import Image

from ..datagen import class_folders

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
POOL = {
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [3, 8, 8]}},
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
        {"id": "out", "type": "Output", "params": {}},
    ],
    "edges": [
        {"source": "in", "target": "pool"},
        {"source": "pool", "target": "flat"},
        {"source": "flat", "target": "fc"},
        {"source": "fc", "target": "out"},
    ],
}


def png(color=(200, 40, 90), size=(20, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


async def add_weight(api, state: dict, **params) -> dict:
    buf = io.BytesIO()
    torch.save(state, buf)
    params.setdefault("name", f"w-{uuid.uuid4().hex[:6]}")
    r = await api.post(
        "weights/upload", raw=buf.getvalue(), params=params, headers={"Content-Type": "application/octet-stream"}
    )
    assert r.code == 201, r
    return r.json


def services(jp_serverapp):
    return jp_serverapp.web_app.settings["cvstudio_services"].begin().result()


async def test_hand_set_graph_model_gives_the_arithmetic(api, jp_serverapp):
    m = (await api.post("models", {"name": "pool", "graph": POOL})).json
    state = {
        "fc.weight": torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, -1.0]]),
        "fc.bias": torch.tensor([0.5, -0.25]),
    }
    from cvstudio_ext.engine.graphs import build_module

    assert set(build_module(POOL).state_dict()) == set(state)
    w = await add_weight(api, state, architecture=f"graph:{m['id']}", classes="red,other", input_size="8")
    color = (200, 40, 90)
    r = await api.post("inference/predict", {"weight_id": w["id"], "image": base64.b64encode(png(color)).decode()})
    assert r.code == 200, r
    v = [(c / 255 - MEAN[i]) / STD[i] for i, c in enumerate(color)]
    logits = [v[0] + 0.5, 2 * v[1] - v[2] - 0.25]
    e = [math.exp(x - max(logits)) for x in logits]
    expected = [x / sum(e) for x in e]
    preds = {p["class_name"]: p["score"] for p in r.json["predictions"]}
    assert r.json["task"] == "classification" and r.json["time_ms"] >= 0
    assert abs(preds["red"] - expected[0]) < 1e-5 and abs(preds["other"] - expected[1]) < 1e-5
    assert [p["class_id"] for p in r.json["predictions"]] == sorted([0, 1], key=lambda i: -expected[i])

    cache = services(jp_serverapp).inference.cache
    loads = cache.loads
    r = await api.post(
        "inference/predict", {"weight_id": w["id"], "image": base64.b64encode(png()).decode(), "top_k": 1}
    )
    assert r.code == 200 and len(r.json["predictions"]) == 1
    assert cache.loads == loads  # served from the cache

    files = {"file": png()}
    boundary = "----cvstudio"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + files["file"]
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = await api.post(
        "inference/predict-image",
        raw=body,
        params={"weight_id": w["id"], "overlay": "1"},
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.code == 200, r
    overlay = Image.open(io.BytesIO(base64.b64decode(r.json["overlay"])))
    # a 20x12 image is enlarged 16 times (pixels kept sharp) so that the labels leave it visible
    assert overlay.format == "PNG" and overlay.size == (320, 192)


async def test_detector_returns_well_formed_boxes(api, jp_root_dir):
    torch.manual_seed(0)
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=3
    )
    w = await add_weight(
        api, model.state_dict(), architecture="fasterrcnn_mobilenet_v3_large_320_fpn", classes="a,b", input_size="320"
    )
    assert w["task"] == "detection"
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(buf, "PNG")
    r = await api.post(
        "inference/predict",
        {"weight_id": w["id"], "image": base64.b64encode(buf.getvalue()).decode(), "score_threshold": 0.0},
    )
    assert r.code == 200, r
    for d in r.json["detections"]:
        x, y, bw, bh = d["bbox"]
        assert d["class_name"] in ("a", "b") and 0 <= d["score"] <= 1
        assert -1e-3 <= x and -1e-3 <= y and bw >= 0 and bh >= 0 and x + bw <= 160.01 and y + bh <= 120.01

    # a batch over a COCO dataset, exported as COCO results with the dataset's own category ids
    root = jp_root_dir / "dets"
    (root / "images").mkdir(parents=True)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(root / "images" / f"{i}.png")
    coco = {
        "images": [{"id": i + 1, "file_name": f"{i}.png", "width": 160, "height": 120} for i in range(2)],
        "categories": [{"id": 7, "name": "a"}, {"id": 9, "name": "b"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 9, "bbox": [5, 5, 30, 20], "area": 600, "iscrowd": 0}],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_val.json").write_text(__import__("json").dumps(coco))
    ds = await api.register("dets", "dets")
    r = await api.post("inference/batch", {"weight_id": w["id"], "dataset_id": ds["id"]})
    job_id = r.json["job_id"]
    for _ in range(400):
        job = (await api.get(f"inference/jobs/{job_id}")).json
        if job["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "completed", job
    assert [len(x["detections"]) >= 0 for x in job["results"]] == [True, True]
    exported = (await api.get(f"inference/jobs/{job_id}", params={"format": "coco"})).json["results"]
    assert sum(len(x["detections"]) for x in job["results"]) == len(exported)
    for det in exported:
        assert det["category_id"] in (7, 9) and len(det["bbox"]) == 4 and "score" in det and "image_id" in det


async def test_batch_job_over_a_dataset(api, jp_root_dir):
    class_folders(jp_root_dir / "cls", classes=("red", "other"), per_class=3)
    ds = await api.register("cls", "cls")
    m = (await api.post("models", {"name": "pool2", "graph": POOL})).json
    state = {"fc.weight": torch.eye(2, 3), "fc.bias": torch.zeros(2)}
    w = await add_weight(api, state, architecture=f"graph:{m['id']}", classes="red,other", input_size="8")
    r = await api.post("inference/batch", {"weight_id": w["id"], "dataset_id": ds["id"]})
    assert r.code == 202, r
    job_id = r.json["job_id"]
    for _ in range(200):
        job = (await api.get(f"inference/jobs/{job_id}", params={"limit": 4})).json
        if job["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "completed", job
    assert job["total"] == job["done"] == 6 and job["progress"] == 1.0 and len(job["results"]) == 4
    rest = (await api.get(f"inference/jobs/{job_id}", params={"offset": 4})).json["results"]
    assert len(rest) == 2 and all(len(x["predictions"]) == 2 for x in rest)
    r = await api.post("inference/batch", {"weight_id": w["id"], "paths": ["cls/red/red0.png", "cls/other/other1.png"]})
    assert r.code == 202
    assert (await api.post("inference/batch", {"weight_id": w["id"], "paths": ["/etc/passwd"]})).code == 403
    assert (await api.post("inference/batch", {"weight_id": w["id"]})).code == 422
    assert (await api.get("inference/jobs/999999")).code == 404


async def test_bad_inference_input(api):
    m = (await api.post("models", {"name": "pool3", "graph": POOL})).json
    w = await add_weight(
        api, {"fc.weight": torch.eye(2, 3), "fc.bias": torch.zeros(2)}, architecture=f"graph:{m['id']}", classes="a,b"
    )
    garbage = base64.b64encode(b"this is not an image").decode()
    r = await api.post("inference/predict", {"weight_id": w["id"], "image": garbage})
    assert r.code == 422 and r.json["error"]["code"] == "bad_image"
    r = await api.post("inference/predict", {"weight_id": w["id"], "image": "%%%not base64%%%"})
    assert r.code == 422
    r = await api.post("inference/predict", {"weight_id": 999999, "image": base64.b64encode(png()).decode()})
    assert r.code == 404
    r = await api.post("inference/predict", {"image": base64.b64encode(png()).decode()})
    assert r.code == 422
    r = await api.post(
        "inference/predict", {"weight_id": w["id"], "dataset_image": {"dataset_id": 9999, "image_id": 1}}
    )
    assert r.code == 404
    r = await api.post(
        "inference/predict-image",
        raw=b"",
        params={"weight_id": w["id"]},
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.code == 400  # not a multipart body at all
    form = b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nhello\r\n--x--\r\n'
    r = await api.post(
        "inference/predict-image",
        raw=form,
        params={"weight_id": w["id"]},
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.code == 422 and r.json["error"]["code"] == "no_file"
