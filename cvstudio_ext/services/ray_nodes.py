"""The Ray cluster's nodes for the system snapshot: CPUs, GPUs and memory, total and free.

The system socket samples every second, so this asks Ray at most once a second (the
answer is kept that long) and never waits long for it: the query runs in a thread of
its own and a caller waits at most `timeout_s`; a query that outlives that wait is
neither waited for again nor doubled (until it ends, each second says the cluster did
not answer). A cluster that cannot be read gives no nodes and the reason.

`ray.nodes()` gives each node with its totals, `ray._private.state.
available_resources_per_node()` (Ray's developer API, checked with Ray 2.60) what is
free on the live ones. Ray lists a node that died for a long time without saying when
it died, so a dead node is shown only while this server saw it alive less than
`dead_kept_s` ago.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

HEAD_RESOURCE = "node:__internal_head__"
MIN_INTERVAL_S = 1.0  # at most one query to Ray per second
TIMEOUT_S = 1.0  # how long a snapshot waits for Ray
DEAD_KEPT_S = 600.0  # how long a node that died is still shown


def _number(value: Any) -> int | float:
    """Ray counts resources in floats: 2.0 CPUs reads 2, half a GPU 0.5."""
    value = float(value or 0)
    return int(value) if value.is_integer() else value


def _pair(total: dict[str, Any], available: dict[str, Any] | None, key: str) -> dict[str, Any]:
    # Ray leaves a resource with nothing free out of the node's available ones
    return {"total": _number(total.get(key)), "available": None if available is None else _number(available.get(key))}


class RayNodes:
    """`nodes()` is the snapshot's `cluster` object; thread-safe, never raises."""

    def __init__(
        self,
        ray: Any,
        address: str,
        *,
        min_interval_s: float = MIN_INTERVAL_S,
        timeout_s: float = TIMEOUT_S,
        dead_kept_s: float = DEAD_KEPT_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ray = ray
        self.address = address
        self.min_interval_s = min_interval_s
        self.timeout_s = timeout_s
        self.dead_kept_s = dead_kept_s
        self.clock = clock
        self._lock = threading.Lock()
        self._cached: dict[str, Any] | None = None
        self._asked_at = float("-inf")
        self._query: _Query | None = None  # the one query to Ray in flight
        self._seen_alive: dict[str, tuple[float, dict[str, Any]]] = {}  # node id -> (when, its node entry)
        self.queries = 0  # how many times Ray was asked (tests check the rate)

    def __call__(self) -> dict[str, Any]:
        return self.nodes()

    def nodes(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            if self._cached is not None and now - self._asked_at < self.min_interval_s:
                return self._cached
            query = self._query
            if query is not None and query.late and query.done.is_set():
                query = self._query = None  # it answered at last, but long ago: ask again
            if query is None:
                query = self._query = _Query(self._ask)
                self._asked_at = now
                self.queries += 1
            elif query.late:  # still no answer, and that was said already: no second wait
                self._asked_at = now
                return self._cached
        finished = query.done.wait(self.timeout_s)
        with self._lock:
            if not finished:
                query.late = True
                self._asked_at = self.clock()
                self._cached = self._error(
                    f"The Ray cluster at {self.address} did not answer within {self.timeout_s:g} s."
                )
            elif self._query is query:  # the first caller to see it done turns it into the kept answer
                self._query = None
                if query.error is not None:
                    self._cached = self._error(f"Could not read the Ray cluster at {self.address}: {query.error}")
                else:
                    self._cached = self._answer(*query.result, now=self.clock())
            return self._cached

    def _ask(self) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]] | None]:
        ray = self.ray
        nodes = ray.nodes()
        try:
            available = ray._private.state.available_resources_per_node()
        except Exception:  # noqa: BLE001 - per-node state unreadable (a Ray Client ray:// driver, maybe): totals only
            available = None
        return nodes, available

    def _answer(
        self, nodes: list[dict[str, Any]], available: dict[str, dict[str, Any]] | None, *, now: float
    ) -> dict[str, Any]:
        alive, dead = [], []
        for entry in nodes:
            node_id = entry.get("NodeID", "")
            if entry.get("Alive"):
                self._seen_alive[node_id] = (now, entry)
                free = None if available is None else available.get(node_id)
                alive.append(self._node(entry, entry.get("Resources") or {}, free, alive=True))
            elif node_id in self._seen_alive and now - self._seen_alive[node_id][0] < self.dead_kept_s:
                # a dead node's totals are those it had when last seen alive; nothing on it is free
                totals = entry.get("Resources") or self._seen_alive[node_id][1].get("Resources") or {}
                dead.append(self._node(entry, totals, {}, alive=False))
        for node_id, (seen, _) in list(self._seen_alive.items()):
            if now - seen >= self.dead_kept_s:
                del self._seen_alive[node_id]
        order = lambda n: (n["ip"], n["node_id"])  # noqa: E731
        return {"executor": "ray", "address": self.address, "nodes": sorted(alive, key=order) + sorted(dead, key=order)}

    @staticmethod
    def _node(entry: dict[str, Any], total: dict[str, Any], available: dict[str, Any] | None, *, alive: bool):
        return {
            "node_id": entry.get("NodeID", ""),
            "host": entry.get("NodeManagerHostname", ""),
            "ip": entry.get("NodeManagerAddress", ""),
            "alive": alive,
            "head": HEAD_RESOURCE in total,
            "cpus": _pair(total, available, "CPU"),
            "gpus": _pair(total, available, "GPU"),
            "memory": _pair(total, available, "memory"),  # bytes Ray schedules tasks and actors against
        }

    def _error(self, sentence: str) -> dict[str, Any]:
        return {"executor": "ray", "address": self.address, "nodes": [], "error": sentence}


class _Query:
    """One call in a daemon thread: one that hangs on a lost cluster does not hold the server's exit."""

    def __init__(self, fn: Callable[[], Any]):
        self.done = threading.Event()
        self.result: Any = None
        self.error: str | None = None
        self.late = False  # a caller gave up waiting for it
        threading.Thread(target=self._run, args=(fn,), name="cvstudio-ray-nodes", daemon=True).start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except Exception as exc:  # noqa: BLE001 - any failure is reported in the snapshot, never raised
            self.error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        finally:
            self.done.set()
