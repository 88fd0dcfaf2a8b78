"""Training routes and the run's event socket."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import orjson
from jupyter_server.auth.decorator import authorized, ws_authenticated
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tornado import web
from tornado.websocket import WebSocketClosedError

from ..errors import Invalid, NotFound
from .base import API, MAX_ID, MAX_OFFSET, CVStudioHandler, Op, Page, Strict, check_name, path_id
from .sockets import CVStudioSocket


class TorchvisionModel(Strict):
    source: Literal["torchvision"]
    name: str = Field(min_length=1, max_length=128)


class GraphModelRef(Strict):
    source: Literal["graph"]
    model_id: int = Field(ge=0, le=MAX_ID)


class Hyperparameters(Strict):
    epochs: int = Field(10, ge=1, le=10_000)
    batch_size: int = Field(16, ge=1, le=4096)
    lr: float | None = Field(None, gt=0, le=10)
    optimizer: Literal["sgd", "adam", "adamw"] = "sgd"
    momentum: float = Field(0.9, ge=0, le=1)
    weight_decay: float | None = Field(None, ge=0, le=10)
    scheduler: Literal["cosine", "step", "none"] = "cosine"
    warmup_epochs: float = Field(0, ge=0, le=10_000)
    image_size: int | None = Field(None, ge=8, le=4096)
    amp: bool | None = Field(None, description="Mixed precision; default on for CUDA (bf16), never on the CPU.")
    early_stopping_patience: int = Field(0, ge=0, le=10_000)
    seed: int = Field(42, ge=0, lt=2**31)
    val_fraction: float = Field(0.2, ge=0, le=0.9)
    log_interval: int = Field(10, ge=1, le=100_000, description="A train_loss record every N steps.")


class Resources(Strict):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    gpus: int = Field(0, ge=0, le=64)
    processes: int | None = Field(
        None, ge=1, le=64, description="Data-parallel (DDP) processes; default one per GPU, else 1."
    )
    num_workers: int = Field(0, ge=0, le=32)
    cpus: int | None = Field(
        None, ge=1, le=256, description="CPUs each process reserves, default 1 + num_workers (Ray executor)."
    )
    memory_gb: float = Field(
        0, ge=0, le=65536, description="Memory the run reserves, in GiB, shared by its processes (Ray executor)."
    )


class RunBody(Strict):
    name: str = Field(min_length=1, max_length=255)
    task: Literal["classification", "detection"] | None = Field(
        None, description="Optional; when given it must be the dataset's task (422 otherwise)."
    )
    dataset_id: int = Field(ge=0, le=MAX_ID)
    model: Annotated[TorchvisionModel | GraphModelRef, Field(discriminator="source")]
    hyperparameters: Hyperparameters = Hyperparameters()
    augmentation: list[dict[str, Any]] = Field(default_factory=list, max_length=32)
    resources: Resources = Resources()
    pretrained_weight_id: int | None = Field(None, ge=0, le=MAX_ID)

    _name = field_validator("name")(check_name)


class RunListQuery(Page):
    status: str | None = Field(None, max_length=16)


class ControlBody(Strict):
    action: Literal["pause", "resume", "stop"]
    epochs: int | None = Field(None, ge=1, le=10_000, description="resume only: the new total number of epochs")


class MetricsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    since_step: int | None = Field(None, ge=0, le=MAX_OFFSET)


class LogsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(200, ge=1, le=5000)


class RunsHandler(CVStudioHandler):
    doc = {
        "get": Op("List your runs", query=RunListQuery, tags=["training"], errors=(422,)),
        "post": Op(
            "Queue a training run",
            body=RunBody,
            status=201,
            tags=["training"],
            errors=(400, 404, 409, 422),
            location=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        q = self.parse_query(RunListQuery)
        self.reply(
            await self.call(self.services.training.list, self.owner, offset=q.offset, limit=q.limit, status=q.status)
        )

    @web.authenticated
    @authorized(action="execute")
    async def post(self) -> None:
        b = self.parse_body(RunBody)
        run = await self.call(
            self.services.training.create,
            self.owner,
            name=b.name,
            task=b.task,
            dataset_id=b.dataset_id,
            model=b.model.model_dump(),
            hyperparameters=b.hyperparameters.model_dump(exclude_none=True),
            augmentation=b.augmentation,
            resources=b.resources.model_dump(),
            pretrained_weight_id=b.pretrained_weight_id,
        )
        self.created(run, f"training/{run['id']}")


class RunHandler(CVStudioHandler):
    doc = {
        "get": Op("One run", tags=["training"], errors=(404,)),
        "delete": Op(
            "Delete a run (a live one is stopped first) and its files", status=204, tags=["training"], errors=(404,)
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.services.training.get, self.owner, path_id(run_id, "run")))

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        await self.call(self.services.training.delete, self.owner, path_id(run_id, "run"))
        self.set_status(204)
        self.finish()


class ControlHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Pause, resume (maybe with more epochs) or stop a run",
            body=ControlBody,
            tags=["training"],
            errors=(400, 404, 409, 422),
        )
    }

    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        b = self.parse_body(ControlBody)
        if b.epochs is not None and b.action != "resume":
            raise Invalid("epochs goes only with resume.", code="epochs_without_resume")
        self.reply(
            await self.call(self.services.training.control, self.owner, path_id(run_id, "run"), b.action, b.epochs)
        )


class MetricsHandler(CVStudioHandler):
    doc = {"get": Op("The run's metric records by step", query=MetricsQuery, tags=["training"], errors=(404, 422))}

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        q = self.parse_query(MetricsQuery)
        self.reply(await self.call(self.services.training.metrics, self.owner, path_id(run_id, "run"), q.since_step))


class LogsHandler(CVStudioHandler):
    doc = {"get": Op("Lines of the run's log", query=LogsQuery, tags=["training"], errors=(404, 422))}

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        q = self.parse_query(LogsQuery)
        self.reply(await self.call(self.services.training.logs, self.owner, path_id(run_id, "run"), q.offset, q.limit))


class CheckpointNowHandler(CVStudioHandler):
    doc = {"post": Op("Write a checkpoint at the next step boundary", status=202, tags=["training"], errors=(404, 409))}

    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        await self.call(self.services.training.request_checkpoint, self.owner, path_id(run_id, "run"))
        self.reply({"requested": True}, 202)


class CheckpointsHandler(CVStudioHandler):
    doc = {"get": Op("The run's checkpoints", tags=["training"], errors=(404,))}

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.services.training.checkpoints, self.owner, path_id(run_id, "run")))


class EvaluationHandler(CVStudioHandler):
    doc = {"get": Op("The final evaluation on the val split", tags=["training"], errors=(404, 409))}

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.reply(await self.call(self.services.training.evaluation, self.owner, path_id(run_id, "run")))


def event_text(event: dict[str, Any]) -> str:
    """An event as a text frame a browser can JSON.parse: a diverged loss (NaN) is null."""
    return orjson.dumps(event).decode()


class SinceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    since: int = Field(0, ge=0, le=MAX_OFFSET)


class RunSocket(CVStudioSocket):
    """Every event of a run in order: first those after `since` from the file, then live
    ones; a client reconnecting with its last `seq` loses nothing and sees nothing twice."""

    doc = {
        "get": Op(
            "WebSocket: the run's events {seq, type, time, data}, replayed after `since`, then live (upgrade required)",
            query=SinceQuery,
            status=101,
            tags=["training"],
            errors=(404, 422),
        )
    }
    query_model = SinceQuery
    refusal = "You are not allowed to follow training runs."
    _callback = None

    @ws_authenticated
    async def get(self, run_id: str) -> None:
        await self.admit()
        self.since = self.query.since
        self.run_id = path_id(run_id, "run")
        await asyncio.to_thread(self.services.training.get, self.owner, self.run_id)  # 404 before the upgrade
        await super().get(run_id)

    async def open(self, run_id: str) -> None:
        loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self._callback = lambda event: loop.call_soon_threadsafe(self.queue.put_nowait, event)
        supervisor = self.services.training.supervisor
        supervisor.subscribe(self.run_id, self._callback)  # before the replay: nothing falls in between
        self._task = loop.create_task(self._pump())

    async def _pump(self) -> None:
        last = self.since
        try:
            for event in await asyncio.to_thread(self.services.training.events, self.owner, self.run_id):
                if event["seq"] > last:
                    await self.write_message(event_text(event))
                    last = event["seq"]
            while True:
                event = await self.queue.get()
                if event["seq"] > last:
                    await self.write_message(event_text(event))
                    last = event["seq"]
        except (WebSocketClosedError, asyncio.CancelledError):
            return

    def on_close(self) -> None:
        if self._callback is not None:
            self.services.training.supervisor.unsubscribe(self.run_id, self._callback)
            self._task.cancel()


class NoQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")


RUNS_COALESCE_S = 0.25


class RunsSocket(CVStudioSocket):
    """The user's runs, live, for lists: first `{type: runs, data: {items, total}}` (every
    run, newest first), then `{type: run, data: run}` when one is created or changes and
    `{type: deleted, data: {id}}`, each run at most once per quarter second."""

    doc = {
        "get": Op(
            "WebSocket: the user's runs, a snapshot {type: runs, data: {items, total}} then "
            "{type: run, data: run} on every change and {type: deleted, data: {id}} (upgrade required)",
            query=NoQuery,
            status=101,
            tags=["training"],
            errors=(),
        )
    }
    query_model = NoQuery
    refusal = "You are not allowed to follow training runs."
    _callback = None

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await self.admit()
        await super().get(*args, **kwargs)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        loop = asyncio.get_running_loop()
        self.changed: set[int] = set()
        self.wake = asyncio.Event()

        def note(run_id: int) -> None:
            self.changed.add(run_id)
            self.wake.set()

        self._callback = lambda run_id: loop.call_soon_threadsafe(note, run_id)
        self.services.training.supervisor.watch(self._callback)  # before the snapshot: nothing falls in between
        self._task = loop.create_task(self._pump())

    async def _pump(self) -> None:
        training = self.services.training
        try:
            snapshot = await asyncio.to_thread(training.all, self.owner)
            known = {run["id"] for run in snapshot["items"]}
            await self.write_message(orjson.dumps({"type": "runs", "data": snapshot}).decode())
            while True:
                await self.wake.wait()
                await asyncio.sleep(RUNS_COALESCE_S)
                self.wake.clear()
                ids, self.changed = sorted(self.changed), set()
                for run_id in ids:
                    try:
                        run = await asyncio.to_thread(training.get, self.owner, run_id)
                    except NotFound:  # deleted, or another user's run
                        if run_id in known:
                            known.discard(run_id)
                            await self.write_message(orjson.dumps({"type": "deleted", "data": {"id": run_id}}).decode())
                        continue
                    known.add(run_id)
                    await self.write_message(orjson.dumps({"type": "run", "data": run}).decode())
        except (WebSocketClosedError, asyncio.CancelledError):
            return

    def on_close(self) -> None:
        if self._callback is not None:
            self.services.training.supervisor.unwatch(self._callback)
            self._task.cancel()


ROUTES = [
    (rf"/{API}/training", RunsHandler),
    (rf"/{API}/training/(?P<run_id>\d+)", RunHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/control", ControlHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/metrics", MetricsHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/logs", LogsHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/checkpoint", CheckpointNowHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/checkpoints", CheckpointsHandler),
    (rf"/{API}/training/(?P<run_id>\d+)/evaluation", EvaluationHandler),
    (rf"/{API}/ws/training", RunsSocket),
    (rf"/{API}/ws/training/(?P<run_id>\d+)", RunSocket),
]
