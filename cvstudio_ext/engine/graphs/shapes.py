"""Validation and shape inference: the two answers that never raise for a bad graph."""

from __future__ import annotations

from typing import Any

from ...errors import Invalid
from .parse import parse_graph
from .problems import GraphInvalid
from .trace import Trace, trace_graph

MAX_BATCH = 65536


def validate_graph(graph: Any) -> dict[str, Any]:
    """Structure, params and shapes: a graph is valid when it can be built and run."""
    trace = trace_graph(parse_graph(graph), 1)
    return {"valid": trace.valid, "errors": trace.all_errors(), "warnings": trace.graph.warnings}


def infer_shapes(graph: Any, batch_size: int = 1) -> dict[str, Any]:
    """Every node's output shape; on errors, the shapes of the nodes that still ran. The
    warnings (dead ends, ...) come too: an editor shows them with the shapes."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
        raise Invalid(f"batch_size must be a whole number from 1 to {MAX_BATCH}", code="invalid_batch_size")
    trace = trace_graph(parse_graph(graph), batch_size)
    return {
        "valid": trace.valid,
        "shapes": trace.shapes(),
        "errors": trace.all_errors(),
        "warnings": trace.graph.warnings,
    }


def checked_trace(graph: Any) -> Trace:
    """The trace of a graph that must be valid, for analysis, code and building."""
    trace = trace_graph(parse_graph(graph), 1)
    if not trace.valid:
        raise GraphInvalid(trace.all_errors())
    return trace
