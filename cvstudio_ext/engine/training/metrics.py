"""Validation metrics: classification confusion matrix and per-class scores, detection mAP."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def confusion(preds: list[int], labels: list[int], n: int) -> np.ndarray:
    m = np.zeros((n, n), dtype=np.int64)
    for p, t in zip(preds, labels):
        m[t, p] += 1
    return m  # rows: true class, columns: predicted


def per_class_scores(matrix: np.ndarray, classes: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, name in enumerate(classes):
        tp = float(matrix[i, i])
        fp = float(matrix[:, i].sum() - tp)
        fn = float(matrix[i, :].sum() - tp)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append(
            {"class_name": name, "precision": precision, "recall": recall, "f1": f1, "support": int(matrix[i, :].sum())}
        )
    return out


def detection_map(
    preds: list[dict[str, torch.Tensor]], targets: list[dict[str, torch.Tensor]], classes: list[str]
) -> dict[str, Any]:
    """COCO mAP with pycocotools: {"map", "map50", "per_class": [...], "pr_curves": {...}}.

    Labels in preds/targets are 1..n (torchvision's background-reserving ids)."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, anns, dets = [], [], []
    for img_id, (p, t) in enumerate(zip(preds, targets), start=1):
        images.append({"id": img_id, "width": 1, "height": 1})
        for box, lab in zip(t["boxes"].tolist(), t["labels"].tolist()):
            x0, y0, x1, y1 = box
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": img_id,
                    "category_id": int(lab),
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "area": (x1 - x0) * (y1 - y0),
                    "iscrowd": 0,
                }
            )
        for box, lab, score in zip(p["boxes"].tolist(), p["labels"].tolist(), p["scores"].tolist()):
            x0, y0, x1, y1 = box
            dets.append(
                {"image_id": img_id, "category_id": int(lab), "bbox": [x0, y0, x1 - x0, y1 - y0], "score": float(score)}
            )
    empty = {
        "map": 0.0,
        "map50": 0.0,
        "per_class": [{"class_name": c, "ap50": 0.0, "ap": 0.0} for c in classes],
        "pr_curves": {},
    }
    if not anns or not dets:
        return empty
    gt = COCO()
    gt.dataset = {
        "images": images,
        "annotations": anns,
        "categories": [{"id": i + 1, "name": c} for i, c in enumerate(classes)],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    precision = ev.eval["precision"]  # [T iou, R recall, K class, A area, M maxdets]
    per_class, curves = [], {}
    recall_points = [round(float(r), 2) for r in ev.params.recThrs]
    gt_cats = {a["category_id"] for a in anns}
    for k, name in enumerate(classes):
        p_all = precision[:, :, k, 0, -1]
        p50 = precision[0, :, k, 0, -1]
        has = (k + 1) in gt_cats
        ap = float(p_all[p_all > -1].mean()) if has and (p_all > -1).any() else 0.0
        ap50 = float(p50[p50 > -1].mean()) if has and (p50 > -1).any() else 0.0
        per_class.append({"class_name": name, "ap50": ap50, "ap": ap})
        curves[name] = {"recall": recall_points, "precision": [max(0.0, float(v)) for v in p50]}
    return {
        "map": max(0.0, float(ev.stats[0])),
        "map50": max(0.0, float(ev.stats[1])),
        "per_class": per_class,
        "pr_curves": curves,
    }
