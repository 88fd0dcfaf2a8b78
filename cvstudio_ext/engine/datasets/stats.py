"""Dataset statistics, computed once from the index so that reading them is instant."""

from __future__ import annotations

from typing import Any

import numpy as np

from .index import ISSUE_KINDS, DatasetIndex

# The stats document lists at most this many issues; `issue_counts` always counts all of
# them and the images endpoint (`has_issues=true`) pages through every one.
MAX_LISTED_ISSUES = 1000


def histogram(values: np.ndarray, bins: int = 20) -> dict[str, list[float]]:
    values = values[np.isfinite(values)] if values.size else values
    if values.size == 0:
        return {"edges": [], "counts": []}
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= abs(hi) * 1e-9 + 1e-12:  # one value, up to float noise: one bin
        return {"edges": [lo, hi], "counts": [int(values.size)]}
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def compute_stats(index: DatasetIndex, image_ids: list[int], annotation_ids: list[int]) -> dict[str, Any]:
    """`image_ids`/`annotation_ids` are the stored ids, in index order, for the issue list."""
    n = len(index.classes)
    present = [i for i, im in enumerate(index.images) if im.present]
    widths = np.array([index.images[i].width or np.nan for i in present], dtype=np.float64)
    heights = np.array([index.images[i].height or np.nan for i in present], dtype=np.float64)
    anns_per_class = [0] * n
    images_per_class = [0] * n
    if index.task == "classification":
        for im in index.images:
            if im.label is not None and 0 <= im.label < n:
                images_per_class[im.label] += 1
        anns_per_class = list(images_per_class)
        boxes = np.zeros((0, 4))
        objects = np.array([], dtype=np.float64)
    else:
        cls, owner = index.box_class, index.box_image
        known = (cls >= 0) & (cls < n)
        anns_per_class = np.bincount(cls[known], minlength=n).tolist()
        # an image counts once for each class it has a box of
        pairs = np.unique(owner[known] * max(n, 1) + cls[known])
        images_per_class = np.bincount(pairs % max(n, 1), minlength=n).tolist() if n else []
        boxes = index.boxes[~np.isnan(index.boxes[:, 0])] if len(index.boxes) else np.zeros((0, 4))
        per_image = np.bincount(owner, minlength=len(index.images)).astype(np.float64)
        objects = per_image[np.asarray(present, dtype=np.int64)]
    w, h = boxes[:, 2], boxes[:, 3]
    positive = (w > 0) & (h > 0)

    counts = {kind: 0 for kind in ISSUE_KINDS}
    for issue in index.issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    listed = [
        {
            "kind": issue.kind,
            "image": index.images[issue.image].file if issue.image is not None else None,
            "image_id": image_ids[issue.image] if issue.image is not None else None,
            **({"annotation_id": annotation_ids[issue.annotation]} if issue.annotation is not None else {}),
            "detail": issue.detail,
        }
        for issue in index.issues[:MAX_LISTED_ISSUES]
    ]
    return {
        "num_images": index.num_images,
        "num_annotations": index.num_annotations,
        "classes": [
            {
                "id": i,
                "name": name,
                "images": images_per_class[i],
                "annotations": anns_per_class[i],
            }
            for i, name in enumerate(index.classes)
        ],
        "splits": index.splits(),
        "image_width": histogram(widths),
        "image_height": histogram(heights),
        "box_area": histogram((w * h)[positive]),
        "box_aspect": histogram(w[positive] / h[positive]),
        "objects_per_image": histogram(objects),
        "issue_counts": counts,
        "issues": listed,
        "issues_truncated": len(index.issues) > MAX_LISTED_ISSUES,
    }
