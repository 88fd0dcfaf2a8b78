"""Errors about a graph, as the API reports them: each names its node or edge."""

from __future__ import annotations

import json
from typing import Any

from ...errors import Invalid


class GraphInvalid(Invalid):
    """A graph that cannot be built; `details` holds every error dict."""

    code = "invalid_graph"

    def __init__(self, errors: list[dict[str, Any]]):
        first = errors[0]["message"] if errors else "the graph is invalid"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"invalid graph: {first}{more}", details=errors)


def problem(code: str, message: str, *, node: str | None = None, edge: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message}
    if node is not None:
        out["node"] = node
    if edge is not None:
        out["edge"] = edge
    return out


def quote(text: str, limit: int = 60) -> str:
    """A short, quoted rendering of request text for messages."""
    return json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)


def describe(value: Any) -> str:
    """A value from the request as a message shows it; containers only by kind, never nested text."""
    if isinstance(value, str):
        return quote(value)
    if value is None or isinstance(value, (bool, float)) or (isinstance(value, int) and abs(value) < 10**18):
        return json.dumps(value)
    if isinstance(value, int):
        return "a very large number"
    if isinstance(value, (list, tuple)):
        if len(value) <= 8 and all(not isinstance(v, (list, tuple, dict)) for v in value):
            return "[" + ", ".join(describe(v) for v in value) + "]"
        return f"a list of {len(value)}"
    return "an object" if isinstance(value, dict) else type(value).__name__
