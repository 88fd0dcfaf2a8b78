"""The one place that turns an architecture name into a freshly initialized module.

Inference and training both build models here, so a weight trained by one is always
loadable by the other. Nothing is ever downloaded: every torchvision builder gets
`weights=None` (and detectors `weights_backbone=None`); pretrained starting points come
from the weight library as state dicts instead.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any

import torch
import torchvision
from torch import nn

from ..errors import Invalid

CLASSIFICATION: frozenset[str] = frozenset(torchvision.models.list_models(module=torchvision.models))
DETECTION: frozenset[str] = frozenset(
    {
        "fasterrcnn_resnet50_fpn",
        "fasterrcnn_resnet50_fpn_v2",
        "fasterrcnn_mobilenet_v3_large_fpn",
        "fasterrcnn_mobilenet_v3_large_320_fpn",
        "retinanet_resnet50_fpn",
        "retinanet_resnet50_fpn_v2",
        "fcos_resnet50_fpn",
        "ssdlite320_mobilenet_v3_large",
        "ssd300_vgg16",
    }
)
GRAPH_PREFIX = "graph:"
MAX_CLASSES = 100_000
MAX_LISTED = 50  # keys listed per kind in a mismatch's details


def _unknown(architecture: Any) -> Invalid:
    name = architecture if isinstance(architecture, str) else ""
    close = difflib.get_close_matches(name.lower(), sorted(CLASSIFICATION | DETECTION), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; use a torchvision model name or graph:<model id>"
    return Invalid(
        f"Unknown architecture {str(architecture)[:100]!r}{hint}", code="unknown_architecture", details=close
    )


def task_of(architecture: str) -> str:
    """The task an architecture does ("classification" or "detection"); graph models are classifiers."""
    if isinstance(architecture, str):
        if architecture.startswith(GRAPH_PREFIX) or architecture in CLASSIFICATION:
            return "classification"
        if architecture in DETECTION:
            return "detection"
    raise _unknown(architecture)


def build_model(architecture: str, num_classes: int, graph: dict[str, Any] | None = None) -> nn.Module:
    """A randomly initialized model with `num_classes` outputs.

    `num_classes` is always the number of the dataset's classes. Torchvision detectors
    reserve label 0 for background, so they are built with `num_classes + 1` and
    predict labels 1..n for class ids 0..n-1 (see `inference.detect`).
    A `graph:<id>` architecture is built from `graph`, which the caller looks up.
    """
    task = task_of(architecture)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or not 1 <= num_classes <= MAX_CLASSES:
        raise Invalid(
            f"num_classes must be a whole number from 1 to {MAX_CLASSES}, not {str(num_classes)[:30]}.",
            code="invalid_num_classes",
        )
    if architecture.startswith(GRAPH_PREFIX):
        return _graph_model(architecture, num_classes, graph)
    with warnings.catch_warnings():
        # Some builders warn about their future default init; that is not the user's concern.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        if task == "detection":
            return torchvision.models.get_model(
                architecture, weights=None, weights_backbone=None, num_classes=num_classes + 1
            )
        return torchvision.models.get_model(architecture, weights=None, num_classes=num_classes)


def _graph_model(architecture: str, num_classes: int, graph: dict[str, Any] | None) -> nn.Module:
    from .graphs import build_module
    from .graphs.shapes import checked_trace

    if graph is None:
        raise Invalid(
            f"{architecture!r} is built from a model graph, but no graph was given; check that the model still exists.",
            code="graph_required",
        )
    trace = checked_trace(graph)  # raises GraphInvalid (422) for a graph that cannot be built
    shapes = [list(trace.steps[o].shape) for o in trace.graph.outputs]
    if len(shapes) != 1 or len(shapes[0]) != 2 or shapes[0][1] != num_classes:
        gives = " and ".join(str(s) for s in shapes)
        raise Invalid(
            f"The graph's output must be [batch, {num_classes}] (one score per class), but it gives "
            f"{gives}; end the graph in a Linear layer with out_features={num_classes}.",
            code="graph_output_mismatch",
            details=shapes,
        )
    return build_module(graph)


def normalize_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state dict with a DDP/DataParallel "module." prefix stripped when every key has it."""
    prefix = "module."
    if state and all(k.startswith(prefix) for k in state):
        return {k[len(prefix) :]: v for k, v in state.items()}
    return dict(state)


def _shape(t: torch.Tensor) -> list[int]:
    return list(t.shape)


def _names(keys: list[str], shown: int = 3) -> str:
    return ", ".join(keys[:shown]) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Refuse a state dict that would not load strictly, naming what differs.

    `load_state_dict` would also refuse it, but with a wall of text; this says how many
    keys differ and lists them, so the user can tell a wrong architecture (most keys
    missing) from a wrong class count (only the head's shapes differ).
    """
    state = normalize_keys(state)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    reshaped = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if not (missing or unexpected or reshaped):
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} key{'s' if len(missing) != 1 else ''} missing ({_names(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected ({_names(unexpected)})")
    if reshaped:
        k = reshaped[0]
        more = f", and {len(reshaped) - 1} more" if len(reshaped) > 1 else ""
        parts.append(
            f"{len(reshaped)} with another shape ({k}: expected {_shape(expected[k])}, got {_shape(state[k])}{more})"
        )
    details: list[dict[str, Any]] = (
        [{"key": k, "problem": "missing", "expected": _shape(expected[k])} for k in missing[:MAX_LISTED]]
        + [{"key": k, "problem": "unexpected", "given": _shape(state[k])} for k in unexpected[:MAX_LISTED]]
        + [
            {"key": k, "problem": "shape", "expected": _shape(expected[k]), "given": _shape(state[k])}
            for k in reshaped[:MAX_LISTED]
        ]
    )
    raise Invalid(
        f"The weights do not fit the model: {', '.join(parts)}; check the architecture and classes.",
        code="weights_mismatch",
        details=details,
    )
