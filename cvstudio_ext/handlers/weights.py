"""Weight library routes: parse, authorize, call WeightService, serialize."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from jupyter_server.auth.decorator import authorized
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tornado import web

from .base import API, CVStudioHandler, Op, Page, Strict, check_name, path_id
from .sharing import ShareHandler
from .uploads import StreamingUploadHandler

Task = Literal["classification", "detection"]


class WeightListQuery(Page):
    q: str | None = Field(None, max_length=255, description="Part of the name or architecture.")
    task: Task | None = None
    name: str | None = Field(None, max_length=255)


class WeightUploadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=255)
    task: Task | None = Field(None, description="Optional; it must agree with the architecture.")
    architecture: str = Field(
        min_length=1, max_length=255, description="A torchvision model name, or graph:<model id> for a saved graph."
    )
    classes: str = Field(
        min_length=1,
        # Tornado drops a request whose head passes 64 KiB without answering: even percent-encoded
        # 4-byte characters (12 bytes each) must leave room for the rest of the query.
        max_length=4096,
        description="Class names, comma-separated, in output order (at most 4,096 characters).",
    )
    input_size: str = Field("224", max_length=32, description='"224" (square) or "480,640" (height, width).')

    _name = field_validator("name")(check_name)

    @field_validator("input_size")
    @classmethod
    def _size(cls, value: str) -> str:
        if not re.fullmatch(r"\d{1,5}(,\d{1,5})?", value.replace(" ", "")):
            raise ValueError('give one size like "224" or height,width like "480,640"')
        if not all(1 <= int(v) <= 8192 for v in value.replace(" ", "").split(",")):
            raise ValueError("sizes must be between 1 and 8192 pixels")
        return value.replace(" ", "")

    def class_list(self) -> list[str]:
        return [c.strip() for c in self.classes.split(",")]

    def size(self) -> list[int]:
        values = [int(v) for v in self.input_size.split(",")]
        return values * 2 if len(values) == 1 else values


class TagsBody(Strict):
    tags: list[str] = Field(max_length=32, description="At most 32 tags of at most 64 characters.")

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        cleaned = [check_name(t) for t in value]
        if any(len(t) > 64 for t in cleaned):
            raise ValueError("a tag has at most 64 characters")
        return cleaned


class WeightsHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "List the weight library: your weights and those shared with you (each with owner and shared)",
            query=WeightListQuery,
            tags=["weights"],
            errors=(422,),
        )
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        q = self.parse_query(WeightListQuery)
        self.reply(
            await self.call(
                self.services.weights.list, self.owner, q=q.q, task=q.task, name=q.name, offset=q.offset, limit=q.limit
            )
        )


class TreeHandler(CVStudioHandler):
    doc = {"get": Op("The library as a tree: task, architecture, name (with its owner), versions", tags=["weights"])}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.weights.tree, self.owner))


class WeightUploadHandler(StreamingUploadHandler):
    doc = {
        "post": Op(
            "Add a .pt/.pth state dict or checkpoint, or a .safetensors file, as the next version of a name; "
            "it is opened without running code and checked against the architecture and classes",
            query=WeightUploadQuery,
            status=201,
            request_media=("application/octet-stream",),
            location=True,
            tags=["weights"],
            errors=(400, 403, 413, 415, 422, 507),
        )
    }
    query_model = WeightUploadQuery
    what = "weights file"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        path = self.received_file()
        q: WeightUploadQuery = self.query
        row = await self.call(
            self.services.weights.add,
            self.owner,
            name=q.name,
            task=q.task,
            architecture=q.architecture,
            classes=q.class_list(),
            input_size=q.size(),
            source=Path(path),
        )
        self.created(row, f"weights/{row['id']}")


class WeightHandler(CVStudioHandler):
    doc = {
        "get": Op("One weight", tags=["weights"], errors=(404,)),
        "patch": Op("Set a weight's tags", body=TagsBody, tags=["weights"], errors=(400, 404, 422)),
        "delete": Op("Delete a weight and its file", status=204, tags=["weights"], errors=(404,)),
    }

    @web.authenticated
    @authorized
    async def get(self, weight_id: str) -> None:
        self.reply(await self.call(self.services.weights.get, self.owner, path_id(weight_id, "weight")))

    @web.authenticated
    @authorized
    async def patch(self, weight_id: str) -> None:
        body = self.parse_body(TagsBody)
        self.reply(await self.call(self.services.weights.set_tags, self.owner, path_id(weight_id, "weight"), body.tags))

    @web.authenticated
    @authorized
    async def delete(self, weight_id: str) -> None:
        await self.call(self.services.weights.delete, self.owner, path_id(weight_id, "weight"))
        self.set_status(204)
        self.finish()


class DownloadHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "The weights file, streamed, with Content-Disposition",
            response_media="application/octet-stream",
            tags=["weights"],
            errors=(404,),
        )
    }

    @web.authenticated
    @authorized
    async def get(self, weight_id: str) -> None:
        path, filename, size = await self.call(self.services.weights.download, self.owner, path_id(weight_id, "weight"))
        await self.send_download(path, filename, size, "application/octet-stream")


class WeightShareHandler(ShareHandler):
    kind = "weight"
    doc = ShareHandler.share_doc("weight", "weights")


ROUTES = [
    (rf"/{API}/weights", WeightsHandler),
    (rf"/{API}/weights/tree", TreeHandler),
    (rf"/{API}/weights/upload", WeightUploadHandler),
    (rf"/{API}/weights/(?P<weight_id>\d+)", WeightHandler),
    (rf"/{API}/weights/(?P<weight_id>\d+)/download", DownloadHandler),
    (rf"/{API}/weights/(?P<weight_id>\d+)/share", WeightShareHandler),
]
