"""Static plots for what a notebook shows once: a dataset's stats and a run's
evaluation (matplotlib, drawn off-screen to PNG)."""

from __future__ import annotations

import io
from typing import Any


def _figure(rows: int, cols: int, size: tuple[float, float]):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False)


def _hist(ax, hist: dict[str, Any], title: str) -> None:
    ax.set_title(title, fontsize=9)
    edges, counts = hist["edges"], hist["counts"]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:])]
    ax.bar(edges[:-1], counts, width=widths, align="edge", color="#2a7ae2")
    ax.set_ylabel("count", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(labelsize=7)


def _has_data(hist: dict[str, Any] | None) -> bool:
    return bool(hist and hist.get("counts") and any(hist["counts"]))


def _constant(hist: dict[str, Any] | None) -> float | None:
    """The one value of a histogram whose values are all equal (its edges collapse)."""
    if not _has_data(hist):
        return None
    edges = hist["edges"]  # type: ignore[index]
    return edges[0] if edges[0] == edges[-1] else None


def _note(ax, title: str, text: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, wrap=True, transform=ax.transAxes)
    ax.set_axis_off()


def stats_panels(stats: dict[str, Any]) -> list[tuple[str, Any]]:
    """(title, draw(ax)) of each panel the data has: no box panels without boxes, a
    sentence instead of a one-bar histogram when every image has the same size."""
    panels: list[tuple[str, Any]] = []
    classes = stats.get("classes") or []
    if classes:
        names = [c["name"] for c in classes][:40]
        boxes = _has_data(stats.get("box_area"))  # a classification set's labels are no boxes
        counts = [(c.get("annotations") if boxes else c.get("images")) or 0 for c in classes][:40]
        title = "boxes per class" if boxes else "images per class"

        def per_class(ax, title: str = title) -> None:
            ax.barh(names[::-1], counts[::-1], color="#3cb44b")
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)

        panels.append((title, per_class))
    width, height = _constant(stats.get("image_width")), _constant(stats.get("image_height"))
    if width is not None and height is not None:
        text = f"All images are {width:g}×{height:g} px."
        panels.append((text, lambda ax: _note(ax, "image size", text)))
    else:
        for key, title in (("image_width", "image width (px)"), ("image_height", "image height (px)")):
            if _has_data(stats.get(key)):
                panels.append((title, lambda ax, key=key, title=title: _hist(ax, stats[key], title)))
    for key, title in (
        ("box_area", "box area (px²)"),
        ("box_aspect", "box aspect (w/h)"),
        ("objects_per_image", "objects per image"),
    ):
        if _has_data(stats.get(key)):
            panels.append((title, lambda ax, key=key, title=title: _hist(ax, stats[key], title)))
    issues = {k: v for k, v in (stats.get("issue_counts") or {}).items() if v}
    if issues:

        def defects(ax) -> None:
            ax.barh(list(issues), list(issues.values()), color="#e6194b")
            ax.set_title("defects", fontsize=9)
            ax.tick_params(labelsize=7)

        panels.append(("defects", defects))
    return panels or [("No images yet.", lambda ax: _note(ax, "", "No images yet."))]


def stats_figure(stats: dict[str, Any], name: str = ""):
    panels = stats_panels(stats)
    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    fig, ax = _figure(rows, cols, (4 * cols, 3 * rows))
    for i, (_, draw) in enumerate(panels):
        draw(ax[i // cols][i % cols])
    for i in range(len(panels), rows * cols):
        ax[i // cols][i % cols].set_axis_off()
    fig.suptitle(f"{name}: {stats.get('num_images', 0)} images, {stats.get('num_annotations', 0)} annotations")
    return fig


def _evaluated_on(evaluation: dict[str, Any]) -> str:
    if not evaluation.get("split"):
        return ""
    images = f", {evaluation['images']} images" if evaluation.get("images") else ""
    return f" on {evaluation['split']}{images}, {evaluation.get('checkpoint', 'best.pt')}"


def evaluation_figure(evaluation: dict[str, Any], name: str = ""):
    per_class = evaluation.get("per_class") or []
    if evaluation.get("task") == "detection":
        fig, ax = _figure(1, 2, (11, 4.5))
        ax[0][0].barh([c["class_name"] for c in per_class][::-1], [c.get("ap50") or 0 for c in per_class][::-1])
        ax[0][0].set_title("AP@0.5 per class", fontsize=9)
        curves = evaluation.get("pr_curves") or {}
        items = curves.items() if isinstance(curves, dict) else [(c.get("class_name"), c) for c in curves]
        for label, curve in items:
            ax[0][1].plot(curve.get("recall") or [], curve.get("precision") or [], label=str(label))
        ax[0][1].set_xlabel("recall")
        ax[0][1].set_ylabel("precision")
        ax[0][1].set_title("PR curves (IoU 0.5)", fontsize=9)
        if curves:
            ax[0][1].legend(fontsize=7)
        fig.suptitle(
            f"{name}: mAP@0.5 {evaluation.get('map50', 0):.3f}, mAP {evaluation.get('map', 0):.3f}"
            + _evaluated_on(evaluation)
        )
        return fig
    fig, ax = _figure(1, 2, (11, 4.5))
    matrix = evaluation.get("confusion_matrix") or [[0]]
    classes = evaluation.get("classes") or [c["class_name"] for c in per_class]
    image = ax[0][0].imshow(matrix, cmap="Blues")
    ax[0][0].set_xlabel("predicted")
    ax[0][0].set_ylabel("true")
    if len(classes) <= 20:
        ax[0][0].set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
        ax[0][0].set_yticks(range(len(classes)), classes, fontsize=7)
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                if v:
                    ax[0][0].text(j, i, str(v), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax[0][0])
    ax[0][0].set_title("confusion matrix", fontsize=9)
    x = range(len(per_class))
    for k, metric in enumerate(("precision", "recall", "f1")):
        ax[0][1].bar([i + 0.27 * (k - 1) for i in x], [c.get(metric) or 0 for c in per_class], width=0.27, label=metric)
    ax[0][1].set_xticks(list(x), [c["class_name"] for c in per_class], rotation=90, fontsize=7)
    # scores end at 1: the legend sits in the band above them, never over a bar
    ax[0][1].set_ylim(0, 1.22)
    ax[0][1].set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax[0][1].legend(fontsize=7, ncol=3, loc="upper center", frameon=False)
    ax[0][1].set_title("per class", fontsize=9)
    fig.suptitle(f"{name}: accuracy {evaluation.get('accuracy', 0):.3f}{_evaluated_on(evaluation)}")
    return fig


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()
