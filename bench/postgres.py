"""PostgreSQL against SQLite (issue 13): the 100,000-image COCO registration and pages of
images, on both databases in the same run, through HTTP on two real servers.

The rounds alternate between the two servers, and each page sample asks both in turn,
so the machine's drift falls on both alike. Pages are read from the last dataset
registered, with the two before it in the same tables, as in a database several
datasets share. PostgreSQL is the throwaway cluster the tests start (tests/pg.py): on
this machine, fsync off.
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.pg import Postgres, pg_bin

from .cocogen import make_coco
from .server import Client, Server

DBS = ("sqlite", "postgresql")
PAGE = 50


def _register(c: Client, name: str, path: str) -> tuple[float, dict]:
    """Seconds from the POST to `ready`, polled as the datasets group does."""
    t0 = time.perf_counter()
    status, ds = c.json("POST", "/cvstudio/api/datasets", {"name": name, "path": path})
    assert status == 202, ds
    while ds["status"] == "indexing":
        time.sleep(0.05)
        _, ds = c.json("GET", f"/cvstudio/api/datasets/{ds['id']}")
    assert ds["status"] == "ready", ds
    return time.perf_counter() - t0, ds


def _ms(samples: list[float], q: int) -> float:
    """The q-th percentile in ms (q=50: the median)."""
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


def bench_postgres(work: Path, images: int, boxes: int, rounds: int = 3, repeats: int = 200) -> list[dict]:
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql: install Debian's postgresql (see .ci/run)")
    root = work / "root"
    coco_root = root / f"coco-{images}-{boxes}"
    make_coco(coco_root, images, boxes)
    pg = Postgres(bin_dir)
    pg.start()
    stamp, db_url = time.time_ns(), pg.new_database()
    servers = {
        "sqlite": Server(root, work / f"pg-bench-sqlite-{stamp}"),
        "postgresql": Server(root, work / f"pg-bench-pg-{stamp}", args=[f"--CVStudio.db_url={db_url}"]),
    }
    try:
        for server in servers.values():
            server.start("/cvstudio/api/datasets")
        clients = {db: servers[db].connection() for db in DBS}
        results = []
        runs: dict[str, list[float]] = {db: [] for db in DBS}
        datasets: dict[str, dict] = {}
        for round_ in range(rounds):
            for db in DBS if round_ % 2 == 0 else reversed(DBS):
                seconds, ds = _register(clients[db], f"big-{round_}", coco_root.name)
                assert ds["num_images"] == images and ds["num_annotations"] == boxes, ds
                runs[db].append(seconds)
                datasets[db] = ds
                print(f"  register on {db}, round {round_ + 1}: {seconds:.2f} s", flush=True)
        sqlite_s, pg_s = (statistics.median(runs[db]) for db in DBS)
        results.append(
            {
                "name": f"register COCO on PostgreSQL, {images:,} images / {boxes:,} boxes",
                "value": pg_s,
                "unit": f"s (median of {rounds})",
                "baseline": sqlite_s,
                "baseline_name": "the same on SQLite",
                "ratio": pg_s / sqlite_s,
                "target": "ratio <= 2",
                "ok": pg_s / sqlite_s <= 2,
                "extra": {"rounds": runs},
            }
        )
        print(f"  register: PostgreSQL {pg_s:.2f} s vs SQLite {sqlite_s:.2f} s", flush=True)

        # what autovacuum does by itself within a minute of a bulk load, done now so that
        # it does not run under the pages
        t = time.perf_counter()
        with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) images, annotations, dataset_issues")
        vacuum_s = time.perf_counter() - t
        print(f"  VACUUM (ANALYZE) on PostgreSQL: {vacuum_s:.1f} s", flush=True)
        results[-1]["extra"]["vacuum_analyze_s"] = vacuum_s

        classes = len(datasets["sqlite"]["classes"])
        in_class = images // classes  # cocogen gives image i boxes of class i % classes only
        deep = images * 9 // 10
        rng = random.Random(0)
        # each case draws (offset, class_id or None) for a sample
        cases: list[tuple[str, Callable[[], tuple[int, int | None]]]] = [
            ("a page of 50 at a random offset", lambda: (rng.randrange(images - PAGE), None)),
            (f"a page of 50 at offset {deep:,}", lambda: (deep, None)),
            (
                f"a page of 50 of one class ({in_class:,} images), random offset",
                lambda: (rng.randrange(in_class - PAGE), rng.randrange(classes)),
            ),
            (f"... of one class, the last page (offset {in_class - PAGE:,})", lambda: (in_class - PAGE, 7)),
        ]
        for name, draw in cases:
            samples: dict[str, list[float]] = {db: [] for db in DBS}
            for i in range(repeats + 5):
                offset, class_id = draw()
                q = f"offset={offset}&limit={PAGE}" + ("" if class_id is None else f"&class_id={class_id}")
                for db in DBS:
                    t = time.perf_counter()
                    status, page = clients[db].json("GET", f"/cvstudio/api/datasets/{datasets[db]['id']}/images?{q}")
                    elapsed = time.perf_counter() - t
                    assert status == 200 and len(page["items"]) == PAGE, (db, q, status)
                    assert page["total"] == (images if class_id is None else in_class), (db, q, page["total"])
                    for item in page["items"]:
                        assert len(item["annotations"]) == boxes // images, (db, q)
                        assert class_id is None or item["annotations"][0]["class_id"] == class_id, (db, q)
                    if i >= 5:  # the first few warm the connection pools and caches
                        samples[db].append(elapsed)
            p50 = {db: _ms(samples[db], 50) for db in DBS}
            p95 = {db: _ms(samples[db], 95) for db in DBS}
            results.append(
                {
                    "name": f"PostgreSQL: {name}, with its boxes",
                    "value": p95["postgresql"],
                    "unit": "ms p95",
                    "baseline": p95["sqlite"],
                    "baseline_name": "SQLite",
                    "ratio": p95["postgresql"] / p95["sqlite"],
                    "target": "p95 < 50 ms on both",
                    "ok": max(p95.values()) < 50,
                    "extra": {"p50_ms": p50, "p95_ms": p95, "repeats": repeats},
                }
            )
            print(
                f"  {name}: PostgreSQL p50 {p50['postgresql']:.1f} / p95 {p95['postgresql']:.1f} ms, "
                f"SQLite p50 {p50['sqlite']:.1f} / p95 {p95['sqlite']:.1f} ms",
                flush=True,
            )
        for c in clients.values():
            c.close()
    finally:
        for server in servers.values():
            server.stop()
            shutil.rmtree(server.data_dir, ignore_errors=True)  # three million boxes; the logs stay
        pg.stop()
    return results
