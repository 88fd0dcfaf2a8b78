"""The load scenario of bench/load.py, short: a real server under concurrent readers and
writers while a run trains and a dataset is indexed over and over. Nothing may fail (no
5xx, no connection error, no status the scenario did not provoke, no traceback in the
server log, "database is locked" included), every route must answer, and neither a
callback nor a garbage collection may hold the event loop long. The watch that measures
the loop is itself tested on a planted blocking call, so a quiet figure means a quiet loop."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bench.load import Seeded, Sizes, operations, print_report, run_scenario
from bench.loopwatch import LoopWatch

CLIENTS, SECONDS = 20, 8
# A loaded 2-core CI machine (a run training, an index writing) sees callbacks of a few
# tens of ms while threads take turns at the GIL; a blocking call of this length is a bug.
STALL_BOUND_MS = 500
INDEXER_ROUTES = {"POST datasets", "GET datasets/{id}", "DELETE datasets/{id}"}


def test_the_loop_watch_names_a_blocking_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio.events.Handle, "_run", asyncio.events.Handle._run)  # put back even on failure

    def blocking_call() -> None:
        time.sleep(0.3)

    async def main() -> LoopWatch:
        watch = LoopWatch(tmp_path / "loopwatch.json")
        heartbeat = asyncio.create_task(watch.heartbeat())
        await asyncio.sleep(0.05)
        asyncio.get_running_loop().call_soon(blocking_call)
        await asyncio.sleep(0.1)
        watch.stop()
        await heartbeat
        return watch

    watch = asyncio.run(main())
    worst = max(watch.callbacks, key=lambda c: c["ms"])
    assert worst["ms"] >= 300 and worst["what"].endswith("blocking_call"), worst
    assert any("blocking_call: time.sleep(0.3)" in frame for frame in worst["stacks"]["loop"]), worst
    assert max(late["ms"] for late in watch.late) >= 250, watch.late


def test_under_load_nothing_fails_and_the_loop_keeps_turning(tmp_path: Path) -> None:
    r = run_scenario(tmp_path, CLIENTS, SECONDS, Sizes(page_images=200, index_images=1000), quiet_s=1)
    print_report(r)  # pytest shows it when an assertion fails
    errors = {key: (count, r.tally.samples[key][:200]) for key, count in r.tally.errors.items()}
    assert not errors, errors
    assert not r.log_problems, r.log_problems  # no traceback at all: a background thread failing counts too
    routes = {op.route for op in operations(Seeded(0, 0, 0, 0, [0], "", {}))} | INDEXER_ROUTES
    answered = {route for route, counts in r.tally.statuses.items() if any(200 <= s < 300 for s in counts)}
    assert routes <= answered, routes - answered
    assert r.indexed >= 1
    assert r.stall_ms < STALL_BOUND_MS, r.stalls[:3]
