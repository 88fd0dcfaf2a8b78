"""System snapshot over HTTP, and the system socket fed by one shared sampler."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from jupyter_server.auth.decorator import authorized, ws_authenticated
from pydantic import BaseModel, ConfigDict, Field
from tornado import web
from tornado.websocket import WebSocketClosedError

from .base import API, CVStudioHandler, Op
from .sockets import CVStudioSocket

MIN_INTERVAL_S = 0.25


class SystemSampler:
    """One sampling loop for every socket: it runs only while someone listens, at the
    shortest interval any listener asked for, and keeps the latest snapshot."""

    def __init__(self, sample: Callable[[], dict[str, Any]]):
        self._sample = sample
        self._intervals: dict[int, float] = {}
        self._tokens = itertools.count()
        self._task: asyncio.Task | None = None
        self._fresh = asyncio.Condition()
        self.latest: dict[str, Any] | None = None
        self.samples = 0

    def subscribe(self, interval: float) -> int:
        token = next(self._tokens)
        self._intervals[token] = interval
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return token

    def unsubscribe(self, token: int) -> None:
        self._intervals.pop(token, None)
        if not self._intervals and self._task is not None:
            self._task.cancel()
            self._task = None

    async def wait_newer(self, seen: int) -> tuple[int, dict[str, Any]]:
        async with self._fresh:
            await self._fresh.wait_for(lambda: self.samples > seen)
            return self.samples, self.latest

    async def _run(self) -> None:
        while self._intervals:
            snapshot = await asyncio.to_thread(self._sample)
            async with self._fresh:
                self.latest, self.samples = snapshot, self.samples + 1
                self._fresh.notify_all()
            await asyncio.sleep(min(self._intervals.values(), default=1.0))


class SystemHandler(CVStudioHandler):
    doc = {"get": Op("CPU, memory, disk, GPUs and run counts", tags=["system"])}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.system.snapshot))


class SocketQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    interval: float = Field(1.0, ge=MIN_INTERVAL_S, le=3600)


class SystemSocket(CVStudioSocket):
    """`{"type": "system", "data": snapshot}` every `interval` seconds."""

    doc = {
        "get": Op(
            "WebSocket: {type: system, data: <the system snapshot>} every `interval` seconds (upgrade required)",
            query=SocketQuery,
            status=101,
            tags=["system"],
            errors=(400, 422),
        )
    }
    query_model = SocketQuery
    refusal = "You are not allowed to watch the system monitor."
    _token: int | None = None

    def sampler(self) -> SystemSampler:
        """The server's one sampler, made on the first socket."""
        sampler = self.settings.get("cvstudio_sampler")
        if sampler is None:
            sampler = self.settings["cvstudio_sampler"] = SystemSampler(self.services.system.snapshot)
        return sampler

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await self.admit()
        await super().get(*args, **kwargs)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        sampler = self.sampler()
        self._token = sampler.subscribe(self.query.interval)
        self._loop_task = asyncio.get_running_loop().create_task(self._send_loop(sampler))

    async def _send_loop(self, sampler: SystemSampler) -> None:
        seen = 0
        try:
            while True:
                seen, snapshot = await sampler.wait_newer(seen)
                await self.write_message(json.dumps({"type": "system", "data": snapshot}))
                await asyncio.sleep(self.query.interval)
        except (WebSocketClosedError, asyncio.CancelledError):
            return

    def on_close(self) -> None:
        if self._token is not None:
            self.sampler().unsubscribe(self._token)
            self._loop_task.cancel()


ROUTES = [
    (rf"/{API}/system", SystemHandler),
    (rf"/{API}/ws/system", SystemSocket),
]
