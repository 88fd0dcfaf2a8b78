"""Model graph routes: parse, authorize, call ModelService, serialize."""

from __future__ import annotations

from typing import Any

import orjson
from jupyter_server.auth.decorator import authorized
from pydantic import Field, field_validator, model_validator
from tornado import web

from .base import API, CVStudioHandler, Op, Page, Strict, check_name, path_id
from .sharing import ShareHandler

GRAPH_DOC = 'A graph: {"nodes": [{"id", "type", "params"}], "edges": [{"source", "target", "target_port"?}]}.'


MAX_GRAPH_BYTES = 4 << 20  # 2,000 nodes and 10,000 edges take well under 1 MiB


def check_graph_size(graph: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored graph is served with every model list: it may not be arbitrarily large."""
    if graph is not None and len(orjson.dumps(graph)) > MAX_GRAPH_BYTES:
        raise ValueError(f"the graph is larger than {MAX_GRAPH_BYTES} bytes of JSON")
    return graph


class GraphBody(Strict):
    graph: dict[str, Any] = Field(description=GRAPH_DOC)

    _graph = field_validator("graph")(check_graph_size)


class ShapesBody(GraphBody):
    batch_size: int = Field(1, ge=1, le=4096)


class GenerateBody(GraphBody):
    class_name: str = Field("GeneratedModel", min_length=1, max_length=64, description="A Python identifier.")


class CreateBody(Strict):
    name: str = Field(min_length=1, max_length=255)
    description: str = Field("", max_length=10_000)
    graph: dict[str, Any] = Field(description=GRAPH_DOC)

    _name = field_validator("name")(check_name)
    _graph = field_validator("graph")(check_graph_size)


class UpdateBody(Strict):
    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=10_000)
    graph: dict[str, Any] | None = Field(None, description=GRAPH_DOC)

    _name = field_validator("name")(lambda v: None if v is None else check_name(v))
    _graph = field_validator("graph")(check_graph_size)

    @model_validator(mode="after")
    def _something(self) -> UpdateBody:
        if self.name is None and self.description is None and self.graph is None:
            raise ValueError("give at least one of name, description, graph")
        return self


class ModelListQuery(Page):
    q: str | None = Field(None, max_length=255, description="Part of the name or description.")


class LayersHandler(CVStudioHandler):
    doc = {
        "get": Op("The layer catalogue: each type with its params, their types, defaults and ranges", tags=["models"])
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.models.catalogue))


class ValidateHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Check a graph; always 200 with valid and the errors", body=GraphBody, tags=["models"], errors=(400, 422)
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(GraphBody)
        self.reply(await self.call(self.services.models.validate, body.graph))


class ShapesHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Every node's output shape, computed on the meta device, with the graph's errors and warnings",
            body=ShapesBody,
            tags=["models"],
            errors=(400, 422),
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(ShapesBody)
        self.reply(await self.call(self.services.models.infer_shapes, body.graph, body.batch_size))


class AnalyzeHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "Parameters, FLOPs and a per-layer table; an invalid graph is 422",
            body=GraphBody,
            tags=["models"],
            errors=(400, 422),
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(GraphBody)
        self.reply(await self.call(self.services.models.analyze, body.graph))


class GenerateHandler(CVStudioHandler):
    doc = {
        "post": Op(
            "A standalone PyTorch module file for the graph", body=GenerateBody, tags=["models"], errors=(400, 422)
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(GenerateBody)
        self.reply(await self.call(self.services.models.generate, body.graph, body.class_name))


class ModelsHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "List your models and those shared with you (each with owner and shared)",
            query=ModelListQuery,
            tags=["models"],
            errors=(422,),
        ),
        "post": Op(
            "Save a model (drafts with an invalid graph are kept, with valid false)",
            body=CreateBody,
            status=201,
            tags=["models"],
            errors=(400, 409, 422),
            location=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        q = self.parse_query(ModelListQuery)
        self.reply(await self.call(self.services.models.list, self.owner, q=q.q, offset=q.offset, limit=q.limit))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.parse_body(CreateBody)
        model = await self.call(
            self.services.models.create,
            self.owner,
            body.name,
            body.description,
            body.graph,
        )
        self.created(model, f"models/{model['id']}")


class ModelHandler(CVStudioHandler):
    doc = {
        "get": Op("One model", tags=["models"], errors=(404,)),
        "put": Op(
            "Change a model; every PUT raises its version",
            body=UpdateBody,
            tags=["models"],
            errors=(400, 404, 409, 422),
        ),
        "delete": Op("Delete a model and its versions", status=204, tags=["models"], errors=(404,)),
    }

    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        self.reply(await self.call(self.services.models.get, self.owner, path_id(model_id, "model")))

    @web.authenticated
    @authorized
    async def put(self, model_id: str) -> None:
        body = self.parse_body(UpdateBody)
        self.reply(
            await self.call(
                self.services.models.update,
                self.owner,
                path_id(model_id, "model"),
                name=body.name,
                description=body.description,
                graph=body.graph,
            )
        )

    @web.authenticated
    @authorized
    async def delete(self, model_id: str) -> None:
        await self.call(self.services.models.delete, self.owner, path_id(model_id, "model"))
        self.set_status(204)
        self.finish()


class VersionsHandler(CVStudioHandler):
    doc = {"get": Op("The versions of a model", tags=["models"], errors=(404,))}

    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        self.reply(await self.call(self.services.models.versions, self.owner, path_id(model_id, "model")))


class VersionHandler(CVStudioHandler):
    doc = {
        "get": Op(
            "One version of a model with its graph and the code generated from it", tags=["models"], errors=(404,)
        )
    }

    @web.authenticated
    @authorized
    async def get(self, model_id: str, version: str) -> None:
        self.reply(
            await self.call(
                self.services.models.version, self.owner, path_id(model_id, "model"), path_id(version, "version")
            )
        )


class ModelShareHandler(ShareHandler):
    kind = "model"
    doc = ShareHandler.share_doc("model", "models")


ROUTES = [
    (rf"/{API}/models/layers", LayersHandler),
    (rf"/{API}/models/validate", ValidateHandler),
    (rf"/{API}/models/infer-shapes", ShapesHandler),
    (rf"/{API}/models/analyze", AnalyzeHandler),
    (rf"/{API}/models/generate", GenerateHandler),
    (rf"/{API}/models", ModelsHandler),
    (rf"/{API}/models/(?P<model_id>\d+)", ModelHandler),
    (rf"/{API}/models/(?P<model_id>\d+)/versions", VersionsHandler),
    (rf"/{API}/models/(?P<model_id>\d+)/versions/(?P<version>\d+)", VersionHandler),
    (rf"/{API}/models/(?P<model_id>\d+)/share", ModelShareHandler),
]
