"""A Jupyter server extension for the load benchmark, never part of the product: how long
the event loop was stuck.

What it records, because under load these differ:
- every callback the loop runs is timed: a blocking call on the loop makes one long
  callback, and so does a loop thread waiting for the GIL inside one;
- every garbage collection over 5 ms: it holds the GIL, so the loop waits whichever
  thread ran it;
- a heartbeat every 5 ms records how late it ran, which also counts the queue of ready
  callbacks ahead of it: a saturated loop is late without any single long callback.

A watchdog thread records every thread's innermost frames while one callback has run for
over 50 ms, so the blocking call (or the thread keeping the GIL) can be named.

Loaded with `--ServerApp.jpserver_extensions=bench.loopwatch=True` and the repository
root on PYTHONPATH; it writes JSON to the file named by $CVSTUDIO_LOOPWATCH twice a
second: `{"callbacks": [...], "gc": [...], "late": [...]}`, each entry over 5 ms as
`{"t": wall time at its end, "ms", ...}`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from tornado.ioloop import IOLoop

ENV = "CVSTUDIO_LOOPWATCH"
INTERVAL_S = 0.005
RECORD_S = 0.005  # longer callbacks and later heartbeats are listed
STACK_S = 0.05  # a callback running longer than this gets the threads' stacks
WRITE_EVERY_S = 0.5


class LoopWatch:
    def __init__(self, path: Path):
        self.path = path
        self.callbacks: list[dict[str, Any]] = []
        self.late: list[dict[str, Any]] = []
        self.gc: list[dict[str, Any]] = []  # collections over 5 ms: they hold the GIL, every thread waits
        self._gc_start = 0.0
        self.loop_thread: int | None = None
        self.running: tuple[float, Any] | None = None  # (start, handle) of the callback running now
        self.stacks: tuple[Any, dict[str, list[str]]] | None = None  # (running, stacks) from the watchdog
        self.done = threading.Event()
        self._original_run = asyncio.events.Handle._run

    def install(self) -> None:
        """Time every callback of this thread's loop (asyncio runs them all through Handle._run)."""
        self.loop_thread = threading.get_ident()
        run, watch = self._original_run, self

        def timed_run(handle: asyncio.Handle) -> None:
            if threading.get_ident() != watch.loop_thread:
                return run(handle)
            callback, start = handle._callback, time.perf_counter()  # a handle may cancel itself as it runs
            watch.running = (start, handle)
            try:
                return run(handle)
            finally:
                watch.running = None
                seconds = time.perf_counter() - start
                if seconds > RECORD_S:
                    entry = watch._record(watch.callbacks, seconds, what=_describe(callback))
                    sampled = watch.stacks
                    if sampled is not None and sampled[0][1] is handle:
                        entry["stacks"] = sampled[1]

        asyncio.events.Handle._run = timed_run
        gc.callbacks.append(self._collected)
        threading.Thread(target=self._watchdog, name="loopwatch", daemon=True).start()

    def stop(self) -> None:
        self.done.set()
        asyncio.events.Handle._run = self._original_run
        gc.callbacks.remove(self._collected)

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif (seconds := time.perf_counter() - self._gc_start) > RECORD_S:
            self._record(self.gc, seconds, generation=info["generation"], collected=info["collected"])

    async def heartbeat(self) -> None:
        self.install()
        loop = asyncio.get_running_loop()
        while not self.done.is_set():
            due = loop.time() + INTERVAL_S
            await asyncio.sleep(INTERVAL_S)
            late = loop.time() - due
            if late > RECORD_S:
                self._record(self.late, late)

    def _record(self, into: list[dict[str, Any]], seconds: float, **extra: Any) -> dict[str, Any]:
        entry = {"t": time.time(), "ms": round(seconds * 1000, 2), **extra}
        into.append(entry)
        return entry

    def _watchdog(self) -> None:
        """Another thread, so it can look at the loop thread while that one is stuck (and
        writing the file is no callback of the loop)."""
        sampled, written = None, time.monotonic()
        while not self.done.wait(INTERVAL_S):
            if time.monotonic() - written > WRITE_EVERY_S:
                self._write()
                written = time.monotonic()
            running = self.running
            if running is not None and running is not sampled and time.perf_counter() - running[0] > STACK_S:
                self.stacks = (running, _stacks(self.loop_thread))
                sampled = running

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"callbacks": list(self.callbacks), "late": list(self.late), "gc": list(self.gc)}))
        os.replace(tmp, self.path)


def _describe(callback: Any) -> str:
    """What a callback was: a task's coroutine, or the function itself."""
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        return f"task {task.get_coro().__qualname__}"
    return getattr(callback, "__qualname__", repr(callback))[:200]


def _stacks(loop_thread: int | None) -> dict[str, list[str]]:
    """Every thread's innermost frames, the loop's first: the loop thread stuck in a call
    names a blocking call; stuck in select() or a socket call, it waits for the GIL, and
    the thread holding it is among the others."""
    names = {t.ident: t.name for t in threading.enumerate()}
    stacks = {}
    for ident, frame in sorted(sys._current_frames().items(), key=lambda item: item[0] != loop_thread):
        if ident == threading.get_ident():
            continue
        frames = traceback.extract_stack(frame)[-(12 if ident == loop_thread else 4) :]
        name = "loop" if ident == loop_thread else names.get(ident, str(ident))
        stacks[name] = [f"{f.filename}:{f.lineno} {f.name}: {f.line}" for f in frames]
    return stacks


def _load_jupyter_server_extension(serverapp) -> None:
    path = os.environ.get(ENV)
    if not path:
        serverapp.log.warning("bench.loopwatch: %s is not set; not watching the loop", ENV)
        return
    watch = LoopWatch(Path(path))
    IOLoop.current().add_callback(watch.heartbeat)
    serverapp.log.info("bench.loopwatch: timing the loop's callbacks, stalls to %s", path)
