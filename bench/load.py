"""The load scenario of the reliability issue: many concurrent clients for a while mixing
image pages, thumbnails, stats, infer-shapes and run metrics with writers (settings,
models, dataset renames) while a run trains and a dataset is indexed over and over, all
against a real server. It reports p50/p99 per route, every error (a 5xx, a connection
error or a status the scenario did not provoke on purpose) and the event loop's longest
stall, measured inside the server by bench/loopwatch.py.

`run_scenario` is shared by `python -m bench --only load` and tests/test_load.py.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import sysconfig
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loaddata import colour_squares, conv_graph, yolo_set
from .loopwatch import ENV as LOOPWATCH_ENV
from .loopwatch import RECORD_S, WRITE_EVERY_S
from .server import Client, Server

API = "/cvstudio/api"
REPO = Path(__file__).resolve().parent.parent
HEALTH = "GET health"
# a thread whose innermost frame is here waits for work: left out of the printed stacks
_IDLE = tuple(
    f"{sysconfig.get_paths()['stdlib']}/{m}" for m in ("threading.py", "queue.py", "selectors.py", "concurrent/")
)
STALL_TARGET_MS = 100.0
_EXCEPTION = re.compile(r"^(\w+\.)*\w*(Error|Exception): ")
Request = tuple[str, str, Any, tuple[int, ...]]  # method, path, JSON body, expected statuses


@dataclass
class Sizes:
    page_images: int = 1000  # the dataset read page by page and as thumbnails
    index_images: int = 5000  # the dataset indexed again and again during the window


@dataclass
class Seeded:
    pages: int  # dataset ids
    train: int
    model: int
    run: int
    image_ids: list[int]
    index_path: str
    graph: dict[str, Any]


@dataclass
class Op:
    route: str
    weight: int
    request: Callable[[random.Random], Request]


@dataclass
class Tally:
    """One thread's counts, merged at the end so the clients share no lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, route: str, seconds: float, status: int, expected: tuple[int, ...], body: bytes) -> None:
        self.latencies[route].append(seconds)
        self.statuses[route][status] += 1
        if status not in expected:
            self.error(route, str(status), body.decode(errors="replace")[:300])

    def error(self, route: str, what: str, sample: str = "") -> None:
        key = f"{route}: {what}"
        self.errors[key] += 1
        self.samples.setdefault(key, sample)

    def merge(self, other: Tally) -> None:
        for route, values in other.latencies.items():
            self.latencies[route] += values
        for route, counts in other.statuses.items():
            self.statuses[route].update(counts)
        self.errors.update(other.errors)
        for key, sample in other.samples.items():
            self.samples.setdefault(key, sample)


@dataclass
class Report:
    clients: int
    seconds: float
    tally: Tally
    stall_ms: float  # the longest time one callback or one garbage collection held the loop, in the window
    late_ms: float  # its heartbeat's worst lateness (the queue of ready callbacks counts)
    idle_stall_ms: float  # both during a quiet moment before the window (the run already training)
    idle_late_ms: float
    stalls: list[dict[str, Any]]  # those over 50 ms, with the threads' stacks when seen
    indexed: int  # indexes finished during the window
    log_problems: Counter  # the exceptions that ended tracebacks in the server log

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.tally.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.tally.errors.values())

    def p(self, route: str, q: float) -> float:
        """The q-th percentile of a route's latency, in ms."""
        values = sorted(self.tally.latencies[route])
        return values[min(len(values) - 1, int(q / 100 * len(values)))] * 1000


def _json(c: Client, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
    status, data = c.json(method, API + path, body)
    if status != expect:
        raise RuntimeError(f"{method} {path}: {status} {data}")
    return data


def _wait_ready(c: Client, dataset_id: int, timeout: float = 300) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while (ds := _json(c, "GET", f"/datasets/{dataset_id}"))["status"] == "indexing":
        if time.monotonic() > end:
            raise RuntimeError(f"dataset {dataset_id} still indexing after {timeout} s")
        time.sleep(0.1)
    if ds["status"] != "ready":
        raise RuntimeError(f"dataset {dataset_id}: {ds['status']} {ds['error']}")
    return ds


def seed(server: Server, root: Path, sizes: Sizes) -> Seeded:
    """Two ready datasets, a saved graph, a run that trains through the whole window, and
    the folder of the dataset to index during it."""
    pages_dir = yolo_set(root / f"load-pages-{sizes.page_images}", sizes.page_images, seed=1)
    index_dir = yolo_set(root / f"load-index-{sizes.index_images}", sizes.index_images, seed=2)
    train_dir = colour_squares(root / "load-train")
    graph = conv_graph()
    with server.connection() as c:
        pages = _json(c, "POST", "/datasets", {"name": "load-pages", "path": pages_dir.name}, 202)["id"]
        train = _json(c, "POST", "/datasets", {"name": "load-train", "path": train_dir.name}, 202)["id"]
        _wait_ready(c, pages)
        _wait_ready(c, train)
        image_ids = [
            item["id"]
            for offset in range(0, sizes.page_images, 500)
            for item in _json(c, "GET", f"/datasets/{pages}/images?offset={offset}&limit=500")["items"]
        ]
        model = _json(c, "POST", "/models", {"name": "load-net", "graph": graph}, 201)["id"]
        run = {
            "name": "load-run",
            "dataset_id": train,
            "model": {"source": "graph", "model_id": model},
            "hyperparameters": {"epochs": 10_000, "batch_size": 16, "lr": 0.05, "image_size": 32, "log_interval": 5},
            "resources": {"device": "cpu", "num_workers": 0},
        }
        run_id = _json(c, "POST", "/training", run, 201)["id"]
        try:
            end = time.monotonic() + 120
            while not _json(c, "GET", f"/training/{run_id}/metrics")["records"]:
                status = _json(c, "GET", f"/training/{run_id}")["status"]
                if status not in ("queued", "starting", "running") or time.monotonic() > end:
                    raise RuntimeError(f"the run did not start training: {status}")
                time.sleep(0.2)
        except BaseException:
            _json(c, "DELETE", f"/training/{run_id}", expect=204)  # a worker outlives its server
            raise
    return Seeded(pages, train, model, run_id, image_ids, index_dir.name, graph)


def operations(s: Seeded) -> list[Op]:
    """The mix: readers of a dataset grid, a graph editor and training curves, and the
    writers that make SQLite take concurrent writes. The 409s are provoked on purpose:
    model names come from a small pool, and two datasets are renamed within three names."""
    n = len(s.image_ids)
    ok = (200,)
    return [
        Op(
            "GET images (page of 50)",
            20,
            lambda r: ("GET", f"/datasets/{s.pages}/images?offset={r.randrange(max(1, n - 50))}&limit=50", None, ok),
        ),
        Op(
            "GET image (thumb)",
            20,
            lambda r: ("GET", f"/datasets/{s.pages}/images/{r.choice(s.image_ids)}?size=thumb", None, ok),
        ),
        Op("GET stats", 10, lambda r: ("GET", f"/datasets/{s.pages}/stats", None, ok)),
        Op(
            "POST infer-shapes",
            10,
            lambda r: ("POST", "/models/infer-shapes", {"graph": s.graph, "batch_size": r.randint(1, 64)}, ok),
        ),
        Op("GET run metrics", 10, lambda r: ("GET", f"/training/{s.run}/metrics", None, ok)),
        Op(HEALTH, 10, lambda r: ("GET", "/health", None, ok)),
        Op(
            "PUT config",
            6,
            lambda r: (
                "PUT",
                "/config",
                {"page_size": r.choice((25, 50, 100)), "thumbnail_columns": r.randint(2, 12)},
                ok,
            ),
        ),
        Op(
            "POST models",
            4,
            lambda r: ("POST", "/models", {"name": f"load-{r.randrange(100)}", "graph": s.graph}, (201, 409)),
        ),
        Op(
            "PUT models/{id}",
            4,
            lambda r: ("PUT", f"/models/{s.model}", {"description": f"edit {r.random()}", "graph": s.graph}, ok),
        ),
        Op(
            "PATCH datasets/{id}",
            4,
            lambda r: (
                "PATCH",
                f"/datasets/{r.choice((s.pages, s.train))}",
                {"name": r.choice(("load-a", "load-b", "load-c"))},
                (200, 409),
            ),
        ),
    ]


def _send(c: Client, tally: Tally, route: str, method: str, path: str, body: Any, expected: tuple[int, ...]) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    t = time.perf_counter()
    status, raw = c.raw(method, API + path, data, {"Content-Type": "application/json"} if data else None)
    tally.add(route, time.perf_counter() - t, status, expected, raw)
    if route == "GET image (thumb)" and status == 200 and not (raw[:2] == b"\xff\xd8" and raw[-2:] == b"\xff\xd9"):
        tally.error(route, "not a whole JPEG", repr(raw[:40]))
    return raw


def _client(server: Server, ops: list[Op], deadline: float, seed: int, tally: Tally) -> None:
    """One user with a persistent connection, asking as fast as the server answers."""
    rng = random.Random(seed)
    weights = [op.weight for op in ops]
    c = server.connection()
    try:
        while time.perf_counter() < deadline:
            op = rng.choices(ops, weights)[0]
            method, path, body, expected = op.request(rng)
            try:
                _send(c, tally, op.route, method, path, body, expected)
            except (OSError, http.client.HTTPException) as exc:
                tally.error(op.route, f"connection error {type(exc).__name__}", str(exc))
                c.close()
                c = server.connection()
    finally:
        c.close()


def _indexer(server: Server, s: Seeded, stop: threading.Event, tally: Tally, done: list[float]) -> None:
    """Register the larger dataset, wait for it, forget it; again until stopped. Appends
    the seconds from POST to ready of each index."""
    c = server.connection()
    k = 0
    try:
        while not stop.is_set():
            k += 1
            t = time.perf_counter()
            body = {"name": f"load-index-{k}", "path": s.index_path}
            dataset = json.loads(_send(c, tally, "POST datasets", "POST", "/datasets", body, (202,))).get("id")
            if dataset is None:
                return  # counted as an error already
            state = "indexing"
            while state == "indexing":
                time.sleep(0.1)
                state = json.loads(_send(c, tally, "GET datasets/{id}", "GET", f"/datasets/{dataset}", None, (200,)))
                state = state.get("status")
            if state != "ready":
                tally.error("index", f"ended {state}")
            done.append(time.perf_counter() - t)
            _send(c, tally, "DELETE datasets/{id}", "DELETE", f"/datasets/{dataset}", None, (204,))
    except (OSError, http.client.HTTPException) as exc:
        tally.error("index", f"connection error {type(exc).__name__}", str(exc))
    finally:
        c.close()


def _loop_record(path: Path, start: float, end: float) -> tuple[list[dict[str, Any]], float]:
    """What held the loop between two wall times: its long callbacks and the garbage
    collections (they hold the GIL, so the loop waits whichever thread ran them); and the
    heartbeat's worst lateness."""
    data = json.loads(path.read_text())
    late = max((x["ms"] for x in data["late"] if start <= x["t"] <= end), default=0.0)
    for x in data["gc"]:
        x["what"] = f"garbage collection of generation {x['generation']} ({x['collected']} freed)"
    return [x for x in data["callbacks"] + data["gc"] if start <= x["t"] <= end], late


def _log_problems(log: Path) -> Counter:
    """Every exception that ended a traceback in the server log (a chained cause is left
    out), so a 5xx or a failing background thread is named."""
    found: Counter = Counter()
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    for i, line in enumerate(lines):
        if _EXCEPTION.match(line):
            after = next((x for x in lines[i + 1 :] if x), "")
            if not after.startswith(("The above exception", "During handling")):
                found[re.sub(r" ?\[SQL: .*", "", line)[:200]] += 1
    return found


def run_scenario(work: Path, clients: int, seconds: float, sizes: Sizes, quiet_s: float = 3.0) -> Report:
    """Seed a fresh server, watch its loop for `quiet_s` with only the run training, then
    let `clients` loose for `seconds` while the indexer cycles; then clean up."""
    root = work / "root"
    root.mkdir(parents=True, exist_ok=True)
    data_dir = work / f"load-data-{time.time_ns()}"
    data_dir.mkdir(parents=True)
    watch = data_dir / "loopwatch.json"
    server = Server(
        root,
        data_dir,
        args=["--ServerApp.jpserver_extensions=bench.loopwatch=True"],
        env={
            LOOPWATCH_ENV: str(watch),
            "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH")))),
        },
    )
    with server:
        s = seed(server, root, sizes)
        tallies = [Tally() for _ in range(clients + 1)]
        try:
            quiet_start = time.time()
            time.sleep(quiet_s)
            quiet_end = time.time()
            stop, indexed = threading.Event(), []
            indexer = threading.Thread(target=_indexer, args=(server, s, stop, tallies[-1], indexed))
            ops = operations(s)
            start = time.time()
            deadline = time.perf_counter() + seconds
            threads = [
                threading.Thread(target=_client, args=(server, ops, deadline, i, tallies[i]), daemon=True)
                for i in range(clients)
            ]
            indexer.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            end = time.time()
            stop.set()
            indexed_in_window = len(indexed)
            indexer.join(timeout=300)
            with server.connection() as c:
                if _json(c, "GET", f"/training/{s.run}")["status"] != "running":
                    tallies[-1].error("the run", "stopped training during the window")
        finally:
            with server.connection() as c:
                _json(c, "DELETE", f"/training/{s.run}", expect=204)  # a worker outlives its server
        time.sleep(2 * WRITE_EVERY_S + 0.2)  # the watcher's last write covers the window
        window, late = _loop_record(watch, start, end)
        quiet, quiet_late = _loop_record(watch, quiet_start, quiet_end)
    tally = tallies[0]
    for other in tallies[1:]:
        tally.merge(other)
    return Report(
        clients=clients,
        seconds=end - start,
        tally=tally,
        stall_ms=max((x["ms"] for x in window), default=0.0),
        late_ms=late,
        idle_stall_ms=max((x["ms"] for x in quiet), default=0.0),
        idle_late_ms=quiet_late,
        stalls=sorted((x for x in window if x["ms"] > 50), key=lambda x: -x["ms"]),
        indexed=indexed_in_window,
        log_problems=_log_problems(server.log_path),
    )


def print_report(r: Report) -> None:
    print(f"  {r.requests:,} requests from {r.clients} clients in {r.seconds:.0f} s; {r.indexed} indexes finished")
    print(f"  {'route':<26} {'n':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for route in sorted(r.tally.latencies):
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.tally.statuses[route].items()))
        n = len(r.tally.latencies[route])
        print(f"  {route:<26} {n:>7} {r.p(route, 50):>8.1f} {r.p(route, 99):>8.1f}  {statuses}")
    print(f"  errors: {r.error_count}")
    for key, count in r.tally.errors.most_common(10):
        print(f"    {count} x {key}  {r.tally.samples[key][:200]}")
    print(
        f"  loop: longest stall {r.stall_ms:.1f} ms ({len(r.stalls)} over 50 ms), heartbeat late by up to "
        f"{r.late_ms:.0f} ms; before the load {r.idle_stall_ms:.1f} ms and {r.idle_late_ms:.0f} ms"
    )
    for st in r.stalls[:5]:
        print(f"    {st['ms']:.0f} ms in {st['what']}")
        for thread, frames in st.get("stacks", {}).items():
            if thread == "loop" or not frames[-1].startswith(_IDLE):
                print(f"      {thread}:" + "".join(f"\n        {f}" for f in frames[-6 if thread == "loop" else -2 :]))
    for line, count in r.log_problems.most_common(10):
        print(f"  server log: {count} x {line}")


def bench_load(work: Path, clients: int = 100, seconds: float = 60) -> list[dict]:
    r = run_scenario(work, clients, seconds, Sizes(), quiet_s=5.0)
    print_report(r)
    health = r.p(HEALTH, 50)
    quiet = "the same server before the load, the run training"
    quiet_stall = max(r.idle_stall_ms, RECORD_S * 1000)  # shorter ones are not recorded
    results = [
        {
            "name": f"load, {clients} clients: {route}",
            "value": r.p(route, 50),
            "unit": "ms p50",
            "p99_ms": r.p(route, 99),
            "requests": len(r.tally.latencies[route]),
            "baseline": health,
            "baseline_name": "GET health p50 in the same run (the request floor under this load)",
            "ratio": r.p(route, 50) / health,
            "target": "(reported)",
            "ok": True,
        }
        for route in sorted(r.tally.latencies)
    ]
    results += [
        {
            "name": f"load, {clients} clients for {seconds:.0f} s: errors (5xx, connection, unprovoked status)",
            "value": r.error_count,
            "unit": "errors",
            "baseline": r.requests,
            "baseline_name": "requests answered",
            "ratio": r.error_count / r.requests,
            "target": "0",
            "ok": r.error_count == 0,
        },
        {
            "name": f"load, {clients} clients: the event loop's longest stall (one callback or garbage collection)",
            "value": r.stall_ms,
            "unit": "ms",
            "baseline": quiet_stall,
            "baseline_name": f"{quiet} (at most)",
            "ratio": r.stall_ms / quiet_stall,
            "target": f"under {STALL_TARGET_MS:.0f} ms",
            "ok": r.stall_ms < STALL_TARGET_MS,
        },
        {
            "name": f"load, {clients} clients: the loop's 5 ms heartbeat, worst lateness (queueing included)",
            "value": r.late_ms,
            "unit": "ms",
            "baseline": max(r.idle_late_ms, RECORD_S * 1000),
            "baseline_name": quiet,
            "ratio": r.late_ms / max(r.idle_late_ms, RECORD_S * 1000),
            "target": "(reported)",
            "ok": True,
        },
    ]
    return results
