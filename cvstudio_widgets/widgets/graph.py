"""GraphEditor: a node editor for model graphs. The layer catalogue is the palette;
every change is checked by the server (infer-shapes), which gives each node its output
shape and each error its node; an edge, or a layer inserted on an edge, whose shapes do
not fit is refused with the server's message. `graph`, `shapes` and `errors` are
traitlets Python reads and sets; `positions` holds only the nodes the user dragged (the
others are laid out in layers by the browser)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from .snapshot import Snapshot, table

if TYPE_CHECKING:
    from ..studio import Studio

STATIC = Path(__file__).parent / "static"
# errors of a graph still being drawn, which a new edge does not cause
UNFINISHED = {"missing_input", "missing_param", "no_output", "no_input"}


def empty_graph() -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "input", "type": "Input", "params": {"shape": [3, 32, 32]}},
            {"id": "output", "type": "Output", "params": {}},
        ],
        "edges": [],
    }


class GraphEditor(Snapshot, anywidget.AnyWidget):
    _esm = STATIC / "graph.js"
    _css = STATIC / "widgets.css"

    graph = t.Dict().tag(sync=True)
    shapes = t.Dict().tag(sync=True)  # node id -> output shape, batch first
    errors = t.List(t.Dict()).tag(sync=True)  # {"node"?, "edge"?, "code", "message"}
    warnings = t.List(t.Dict()).tag(sync=True)  # the same shape: a graph that builds but has dead ends
    valid = t.Bool(False).tag(sync=True)
    catalogue = t.List(t.Dict()).tag(sync=True)
    positions = t.Dict().tag(sync=True)  # node id -> [x, y] of a dragged node's top-left corner
    message = t.Unicode("").tag(sync=True)
    # the saved output's snapshot follows the graph as it is edited
    snapshot_follows = ("graph", "shapes", "errors", "warnings", "valid")

    def __init__(self, studio: Studio, graph: dict[str, Any] | None = None) -> None:
        self.studio = studio
        catalogue = studio.client.get("models/layers")  # {"layers": [...]}
        super().__init__(catalogue=catalogue["layers"])
        self.observe(self._check, names=["graph"])
        self.on_msg(self._on_request)
        self.graph = graph or empty_graph()

    def __repr__(self) -> str:
        nodes = len(self.graph.get("nodes", []))
        state = "valid" if self.valid else f"{len(self.errors)} problem(s)"
        return f"GraphEditor({nodes} nodes, {state}, {len(self.warnings)} warning(s))"

    def snapshot_html(self) -> str:
        """Each node with its type and output shape, then the problems, as when it was shown."""
        rows = [
            (n["id"], f"{n['type']} → {list(self.shapes[n['id']]) if n['id'] in self.shapes else '?'}")
            for n in self.graph.get("nodes", [])
        ]
        rows += [("error", e["message"]) for e in self.errors] + [("warning", w["message"]) for w in self.warnings]
        return table(repr(self), rows)

    def _infer(self, graph: dict[str, Any]) -> dict[str, Any]:
        return self.studio.client.post("models/infer-shapes", {"graph": graph})

    def _check(self, change: dict[str, Any]) -> None:
        try:
            result = self._infer(change["new"])
        except Exception as exc:  # noqa: BLE001 - a malformed graph: shown, not raised
            with self.hold_sync():
                self.valid, self.shapes, self.warnings = False, {}, []
                self.errors = [{"code": "invalid", "message": str(exc)}]
            return
        with self.hold_sync():
            self.valid = bool(result.get("valid"))
            self.shapes = result.get("shapes") or {}
            self.errors = result.get("errors") or []
            self.warnings = result.get("warnings") or []

    def _new_error(self, candidate: dict[str, Any]) -> dict[str, Any] | None:
        """The first error the candidate graph has and the current one has not, leaving
        out those of a graph still being drawn (inputs or params missing)."""
        before = {(e.get("node"), e.get("edge"), e.get("code")) for e in self.errors}
        result = self._infer(candidate)
        return next(
            (
                e
                for e in result.get("errors") or []
                if (e.get("node"), e.get("edge"), e.get("code")) not in before and e.get("code") not in UNFINISHED
            ),
            None,
        )

    def connect(self, source: str, target: str, target_port: int | None = None) -> bool:
        """Add the edge unless it brings a new error (shapes that do not fit, a second
        input where one is taken, a cycle...); an unfinished graph (inputs or params
        still missing) is fine. A refused edge leaves the graph as it is and says why."""
        edge: dict[str, Any] = {"source": source, "target": target}
        if target_port is not None:
            edge["target_port"] = target_port
        return self._take({**self.graph, "edges": [*self.graph["edges"], edge]}, f"{source} → {target}")

    def _take(self, candidate: dict[str, Any], what: str) -> bool:
        """The candidate becomes the graph unless it brings a new error; `message` says which."""
        error = self._new_error(candidate)
        if error:
            self.message = f"{what} does not fit: {error['message']}"
            return False
        self.message = ""
        self.graph = candidate
        return True

    def insert(self, source: str, target: str, layer: str, params: dict[str, Any] | None = None) -> str | None:
        """Put a new `layer` on the edge source → target, which becomes source → new →
        target, unless that brings a new error (as `connect`); its params left out take
        the catalogue's defaults, and one still missing is fine. Returns the new node's
        id, or None when refused (the graph is left as it is and `message` says why)."""
        index = next(
            (i for i, e in enumerate(self.graph["edges"]) if e["source"] == source and e["target"] == target), None
        )
        if index is None:
            raise ValueError(f"there is no edge {source} → {target}")
        return self._insert(index, layer, params)

    def _free_id(self, layer: str) -> str:
        """The id the palette gives a new node: the type in lower case and a number."""
        taken = {n["id"] for n in self.graph["nodes"]}
        i = 1
        while f"{layer.lower()}{i}" in taken:
            i += 1
        return f"{layer.lower()}{i}"

    def _insert(
        self, index: int, layer: str, params: dict[str, Any] | None = None, node_id: str | None = None
    ) -> str | None:
        old = self.graph["edges"][index]
        taken = {n["id"] for n in self.graph["nodes"]}
        node_id = node_id if node_id and node_id not in taken else self._free_id(layer)
        spec = next((c for c in self.catalogue if c["type"] == layer), {})
        defaults = {
            p["name"]: p["default"]
            for p in spec.get("params") or []
            if p.get("required") and p.get("default") is not None
        }
        node = {"id": node_id, "type": layer, "params": {**defaults, **(params or {})}}
        into = {k: v for k, v in old.items() if k != "source"} | {"source": node_id}
        edges = [*self.graph["edges"]]
        edges[index] = {"source": old["source"], "target": node_id}  # other edges keep their index
        candidate = {**self.graph, "nodes": [*self.graph["nodes"], node], "edges": [*edges, into]}
        return node_id if self._take(candidate, f"{layer} on {old['source']} → {old['target']}") else None

    def _on_request(self, widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        if content.get("type") == "connect":
            self.connect(content["source"], content["target"], content.get("target_port"))
        elif content.get("type") == "insert":
            # the edge by index, unless the graph changed under the click: then by its ends
            edges = self.graph["edges"]
            index = content.get("edge")
            ends = (content.get("source"), content.get("target"))
            if not (
                isinstance(index, int)
                and 0 <= index < len(edges)
                and (edges[index]["source"], edges[index]["target"]) == ends
            ):
                index = next((i for i, e in enumerate(edges) if (e["source"], e["target"]) == ends), None)
            if index is not None:
                self._insert(index, content["layer"], None, content.get("id"))
