"""From raw JSON to a typed graph, collecting every structural error on the way.

Parsing never raises: each problem becomes an error dict naming its node or edge, and
what is well formed is kept so shapes can still be inferred for it (the editor shows
shapes while a graph is half built).
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from .catalogue import NodeSpec, specs
from .names import node_names
from .params import check_params
from .problems import describe, problem, quote

MAX_NODES = 2000
MAX_EDGES = 10000
MAX_ID = 128
MAX_ERRORS = 200
MAX_BACKBONES = 4  # each takes tens of ms to build even on meta


@dataclass
class Node:
    """A node whose id and type are known; `ok` when its params and incoming edges are valid."""

    id: str
    spec: NodeSpec
    label: str  # what its identifier is made from: its `name` when given, else its id
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # source ids in port order
    ok: bool = True
    name: str = ""


@dataclass
class ParsedGraph:
    nodes: dict[str, Node] = field(default_factory=dict)  # in request order
    order: list[str] = field(default_factory=list)  # topological, nodes on or after a cycle left out
    outputs: list[str] = field(default_factory=list)  # Output node ids in request order
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def parse_graph(raw: Any) -> ParsedGraph:
    g = ParsedGraph()
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list):
        g.errors.append(problem("not_a_graph", 'a graph is an object {"nodes": [...], "edges": [...]}'))
        return g
    edges = raw.get("edges", [])
    if not isinstance(edges, list):
        g.errors.append(problem("not_a_graph", '"edges" must be a list of {"source", "target", "target_port"?}'))
        return g
    if len(raw["nodes"]) > MAX_NODES or len(edges) > MAX_EDGES:
        g.errors.append(
            problem(
                "too_large",
                f"a graph may have at most {MAX_NODES} nodes and {MAX_EDGES} edges; "
                f"this one has {len(raw['nodes'])} and {len(edges)}",
            )
        )
        return g
    known = _parse_nodes(raw["nodes"], g)
    incoming = _parse_edges(edges, known, g)
    for node in g.nodes.values():
        _attach_inputs(node, incoming[node.id], g)
    _check_ends(g)
    _order(g, incoming)
    names = node_names([n.label for n in g.nodes.values()], [n.spec.type for n in g.nodes.values()])
    for node, name in zip(g.nodes.values(), names):
        node.name = name
    if len(g.errors) > MAX_ERRORS:
        hidden = len(g.errors) - MAX_ERRORS
        g.errors[MAX_ERRORS:] = [problem("too_many_errors", f"{hidden} more errors are not listed; fix these first")]
    return g


def _parse_nodes(items: list[Any], g: ParsedGraph) -> set[str]:
    """Fill g.nodes with the nodes of known type; return every usable id (for edges)."""
    known: set[str] = set()
    catalogue = specs()
    for i, item in enumerate(items):
        where = f"nodes[{i}]"
        if not isinstance(item, dict):
            g.errors.append(problem("bad_node", f'{where} must be an object {{"id", "type", "params"}}'))
            continue
        node_id = item.get("id")
        if not isinstance(node_id, str) or not node_id or len(node_id) > MAX_ID:
            g.errors.append(
                problem(
                    "bad_node",
                    f"{where} needs an id: a non-empty string of at most {MAX_ID} characters, not {describe(node_id)}",
                )
            )
            continue
        if node_id in known:
            g.errors.append(
                problem(
                    "duplicate_id",
                    f"{where}: another node already has id {quote(node_id)}; give each node its own id",
                    node=node_id,
                )
            )
            continue
        known.add(node_id)
        node_type = item.get("type")
        spec = catalogue.get(node_type) if isinstance(node_type, str) else None
        if spec is None:
            typo = isinstance(node_type, str) and len(node_type) <= MAX_ID
            close = difflib.get_close_matches(node_type, catalogue, n=1) if typo else []
            hint = f"; did you mean {close[0]}?" if close else "; see the layer catalogue for the types"
            g.errors.append(problem("unknown_type", f"unknown node type {describe(node_type)}{hint}", node=node_id))
            continue
        label = item.get("name")
        node = Node(id=node_id, spec=spec, label=label if isinstance(label, str) and label else node_id)
        g.nodes[node_id] = node
        raw_params = item.get("params", {})
        if raw_params is None:
            raw_params = {}
        if not isinstance(raw_params, dict):
            g.errors.append(problem("bad_params", f"params of {quote(node_id)} must be an object", node=node_id))
            node.ok = False
            continue
        node.params, errors, warnings = check_params(spec, raw_params)
        for code, message in errors:
            g.errors.append(problem(code, f"{spec.type} {quote(node_id)}: {message}", node=node_id))
            node.ok = False
        for message in warnings:
            g.warnings.append(problem("inferred_param", f"{spec.type} {quote(node_id)}: {message}", node=node_id))
    return known


def _parse_edges(items: list[Any], known: set[str], g: ParsedGraph) -> dict[str, list[tuple[int, str, int | None]]]:
    """Incoming edges per target as (edge index, source, port); bad edges become errors."""
    incoming: dict[str, list[tuple[int, str, int | None]]] = defaultdict(list)
    for i, edge in enumerate(items):
        if not isinstance(edge, dict):
            g.errors.append(problem("bad_edge", f'edge {i} must be an object {{"source", "target"}}', edge=i))
            continue
        source, target, port = edge.get("source"), edge.get("target"), edge.get("target_port")
        bad = [
            f"{key} {describe(value)} is not a node id"
            for key, value in (("source", source), ("target", target))
            if not isinstance(value, str) or value not in known
        ]
        if bad:
            g.errors.append(problem("unknown_node", f"edge {i}: {'; '.join(bad)}; point it at existing nodes", edge=i))
            continue
        if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < MAX_EDGES):
            g.errors.append(
                problem(
                    "bad_port", f"edge {i}: target_port must be a whole number from 0, not {describe(port)}", edge=i
                )
            )
            continue
        if source == target:
            g.errors.append(problem("self_loop", f"edge {i} connects {quote(source)} to itself; remove it", edge=i))
            continue
        if target in g.nodes and g.nodes[target].spec.kind == "input":
            g.errors.append(
                problem(
                    "input_has_incoming",
                    f"edge {i}: Input {quote(target)} cannot receive edges; remove the edge",
                    edge=i,
                )
            )
        elif source in g.nodes and g.nodes[source].spec.kind == "output":
            g.errors.append(
                problem(
                    "output_has_outgoing",
                    f"edge {i}: Output {quote(source)} cannot feed other nodes; connect the node before it instead",
                    edge=i,
                )
            )
        else:
            incoming[target].append((i, source, port))
    return incoming


def _attach_inputs(node: Node, edges: list[tuple[int, str, int | None]], g: ParsedGraph) -> None:
    """Order a node's inputs by port, or report why they cannot be ordered."""
    spec, name = node.spec, f"{node.spec.type} {quote(node.id)}"
    errors_before = len(g.errors)
    if spec.kind == "input":
        node.ok = node.ok and not edges
        return
    if len(edges) < spec.min_inputs:
        need = "an input" if spec.min_inputs == 1 else f"at least {spec.min_inputs} inputs"
        g.errors.append(
            problem(
                "missing_input",
                f"{name} needs {need} but has {len(edges)}; connect "
                f"{'a node' if spec.min_inputs == 1 else 'more nodes'} to it",
                node=node.id,
            )
        )
    elif spec.max_inputs is not None and len(edges) > spec.max_inputs:
        listed = ", ".join(str(e[0]) for e in edges[:10])
        g.errors.append(
            problem(
                "too_many_inputs",
                f"{name} takes one input but has {len(edges)} (edges {listed}); "
                "remove all but one, or join them first with Add or Concat",
                node=node.id,
            )
        )
    ports = [e[2] for e in edges]
    if spec.max_inputs == 1:
        for index, _, port in edges:
            if port not in (None, 0):
                g.errors.append(
                    problem(
                        "bad_port",
                        f"edge {index}: {name} has one input, port 0; set target_port to 0, not {port}",
                        edge=index,
                    )
                )
    elif all(p is None for p in ports):
        pass
    elif any(p is None for p in ports):
        g.errors.append(
            problem("bad_port", f"{name}: give target_port on every incoming edge or on none", node=node.id)
        )
    else:
        by_port: dict[int, int] = {}
        for index, _, port in edges:
            if port in by_port:
                g.errors.append(
                    problem(
                        "bad_port",
                        f"edge {index}: port {port} of {name} is already filled by edge "
                        f"{by_port[port]}; use the next free port",
                        edge=index,
                    )
                )
            by_port.setdefault(port, index)
        gaps = [p for p in range(len(edges)) if p not in by_port]
        if gaps and len(by_port) == len(edges):
            g.errors.append(
                problem(
                    "bad_port",
                    f"{name}: ports must be filled in order 0..{len(edges) - 1}; port "
                    f"{gaps[0]} is empty, renumber target_port",
                    node=node.id,
                )
            )
    if len(g.errors) > errors_before:
        node.ok = False
        return
    ordered = sorted(edges, key=lambda e: e[2]) if ports and ports[0] is not None else edges
    node.inputs = [source for _, source, _ in ordered]


def _check_ends(g: ParsedGraph) -> None:
    """One Input, at least one Output, a few backbones at most."""
    inputs = [n.id for n in g.nodes.values() if n.spec.kind == "input"]
    g.outputs = [n.id for n in g.nodes.values() if n.spec.kind == "output"]
    if not inputs:
        g.errors.append(problem("no_input", "the graph has no Input node; add one with the input shape"))
    for extra in inputs[1:]:
        g.errors.append(
            problem(
                "extra_input",
                f"the graph already has Input {quote(inputs[0])}; remove Input {quote(extra)} (a model has one input)",
                node=extra,
            )
        )
        g.nodes[extra].ok = False
    if not g.outputs:
        g.errors.append(problem("no_output", "the graph has no Output node; add one after the last layer"))
    backbones = [n for n in g.nodes.values() if n.spec.kind == "backbone"]
    for extra in backbones[MAX_BACKBONES:]:
        g.errors.append(
            problem(
                "too_many_backbones",
                f"a graph may hold at most {MAX_BACKBONES} backbones; remove {extra.spec.type} {quote(extra.id)}",
                node=extra.id,
            )
        )
        extra.ok = False


def _order(g: ParsedGraph, incoming: dict[str, list[tuple[int, str, int | None]]]) -> None:
    """Topological order (Kahn, stable in request order); cycles become errors."""
    succ: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = {}
    for target, edges in incoming.items():
        indegree[target] = len(edges)
        for _, source, _ in edges:
            succ[source].append(target)
    # Ids of nodes with an unknown type still carry edges, so they take part too.
    ids = dict.fromkeys([*g.nodes, *succ, *incoming])
    ready = deque(nid for nid in ids if not indegree.get(nid))
    while ready:
        nid = ready.popleft()
        if nid in g.nodes:
            g.order.append(nid)
        for nxt in succ[nid]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    stuck = {nid for nid, d in indegree.items() if d > 0}
    _report_cycles(stuck, incoming, g)
    for nid in g.order:
        node = g.nodes[nid]
        if node.spec.kind != "output" and not succ[nid]:
            g.warnings.append(
                problem(
                    "unused",
                    f"the output of {node.spec.type} {quote(nid)} is not used; connect "
                    "it towards an Output or delete it",
                    node=nid,
                )
            )


def _report_cycles(stuck: set[str], incoming: dict[str, list[tuple[int, str, int | None]]], g: ParsedGraph) -> None:
    """One error per cycle among the nodes Kahn could not order, naming the cycle's nodes."""
    done: set[str] = set()
    for start in sorted(stuck):
        if start in done:
            continue
        path, at = [], start
        while at not in path and at not in done:
            path.append(at)
            at = next(src for _, src, _ in incoming[at] if src in stuck)
        closed = at in path
        done.update(path)
        if not closed:
            continue
        cycle = [at, *path[path.index(at) + 1 :][::-1]][:8]  # walked against the edges; shown along them
        shown = " → ".join(quote(n, 30) for n in [*cycle, cycle[0]])
        g.errors.append(
            problem(
                "cycle",
                f"nodes {shown} form a cycle; a model graph must be acyclic, remove one of these edges",
                node=at,
            )
        )
