"""Real learning: sklearn's bundled handwritten digits, upscaled to 32 px and written as
class folders, trained through the API to at least 97% validation accuracy on the CPU."""

from __future__ import annotations

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

from .test_training import wait_for


def conv_block(i: int, channels: int) -> list[dict]:
    return [
        {"id": f"conv{i}", "type": "Conv2d", "params": {"out_channels": channels, "kernel_size": 3, "padding": 1}},
        {"id": f"bn{i}", "type": "BatchNorm2d", "params": {}},
        {"id": f"relu{i}", "type": "ReLU", "params": {}},
        {"id": f"pool{i}", "type": "MaxPool2d", "params": {"kernel_size": 2}},
    ]


def digits_cnn() -> dict:
    nodes = [
        {"id": "in", "type": "Input", "params": {"shape": [3, 32, 32]}},
        *conv_block(1, 32),
        *conv_block(2, 64),
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
        {"id": "out", "type": "Output", "params": {}},
    ]
    return {"nodes": nodes, "edges": [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]}


def write_digits(root) -> None:
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.images))
    for k, i in enumerate(order):
        split = "val" if k % 5 == 0 else "train"
        folder = root / split / str(digits.target[i])
        folder.mkdir(parents=True, exist_ok=True)
        pixels = (digits.images[i] / 16 * 255).astype(np.uint8)
        Image.fromarray(pixels).resize((32, 32), Image.BILINEAR).convert("RGB").save(folder / f"{i}.png")


async def test_digits_reach_97_percent(api, jp_root_dir):
    write_digits(jp_root_dir / "digits")
    ds = await api.register("digits", "digits")
    assert ds["num_images"] == 1797 and ds["classes"] == [str(i) for i in range(10)]
    model = (await api.post("models", {"name": "digits-cnn", "graph": digits_cnn()})).json
    r = await api.post(
        "training",
        {
            "name": "digits",
            "dataset_id": ds["id"],
            "model": {"source": "graph", "model_id": model["id"]},
            "hyperparameters": {"epochs": 4, "batch_size": 32, "optimizer": "adam", "lr": 0.001, "seed": 0},
            "resources": {"device": "cpu"},
        },
    )
    assert r.code == 201, r
    run = await wait_for(api, r.json["id"], ("completed", "failed"), timeout=240)
    assert run["status"] == "completed", run
    assert run["best"]["metric"] == "val_accuracy" and run["best"]["value"] >= 0.97, run["best"]
    evaluation = (await api.get(f"training/{run['id']}/evaluation")).json
    matrix = np.array(evaluation["confusion_matrix"])
    assert matrix.shape == (10, 10) and np.trace(matrix) / matrix.sum() >= 0.97
