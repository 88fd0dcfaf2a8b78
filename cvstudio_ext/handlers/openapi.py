"""The OpenAPI 3.1 document, generated from the route table and the pydantic models."""

from __future__ import annotations

import re
from typing import Any

from jupyter_server.auth.decorator import authorized
from pydantic import BaseModel
from tornado import web

from .. import __version__
from .base import API, CVStudioHandler, Op

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array"},
            },
        }
    },
}
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def openapi_path(pattern: str) -> str:
    return _GROUP.sub(lambda m: "{" + m.group(1) + "}", pattern)


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _media_schema(media: str) -> dict[str, Any]:
    if media == "multipart/form-data":
        return {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    return {"type": "string", "format": "binary"}


def error_codes(op: Op, params: list[str]) -> set[int]:
    """Every status an operation can answer besides success: those its parts imply
    (auth, a path id, a query, a body, an upload, a socket) and those it names itself."""
    codes = {403, 503, *op.errors}
    if params:
        codes.add(404)
    if op.query is not None:
        codes.add(422)
    if op.body is not None or op.request_media:
        codes |= {400, 413, 415, 422}
    if op.status == 101:
        codes.add(426)
    return codes


def _operation(op: Op, params: list[str], components: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "tags": op.tags}
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}} for p in params
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.body, components)}},
        }
    elif op.request_media:
        out["requestBody"] = {
            "required": True,
            "content": {media: {"schema": _media_schema(media)} for media in op.request_media},
        }
    ok: dict[str, Any] = {"description": op.returns}
    if op.status != 204:
        ok["content"] = {
            op.response_media: {
                "schema": {} if op.response_media == "application/json" else {"type": "string", "format": "binary"}
            }
        }
    if op.location:
        ok["headers"] = {
            "Location": {"description": "The URL of what was created.", "schema": {"type": "string"}},
        }
    responses: dict[str, Any] = {str(op.status): ok}
    for code in sorted(error_codes(op, params)):
        if code == 304:
            responses["304"] = {"description": "Not modified: the ETag sent in If-None-Match still holds"}
            continue
        responses[str(code)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    out["responses"] = responses
    return out


def build_document(routes: list[tuple[str, type]]) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for pattern, handler in routes:
        doc: dict[str, Op] = getattr(handler, "doc", {})
        if not doc:
            continue
        params = _GROUP.findall(pattern)
        item = paths.setdefault(openapi_path(pattern), {})
        for method, op in doc.items():
            item[method] = _operation(op, params, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CV Studio",
            "version": __version__,
            "description": "Every route needs Jupyter authentication (Authorization: token <t>) and "
            "authorization on the resource 'cvstudio'. Paths are relative to the server's base_url.",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"jupyterToken": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"jupyterToken": []}],
        "paths": paths,
    }


class OpenAPIHandler(CVStudioHandler):
    doc = {"get": Op("This document", tags=["meta"])}
    _document: dict[str, Any] | None = None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        if OpenAPIHandler._document is None:
            from . import routes

            OpenAPIHandler._document = build_document(routes())
        self.reply(OpenAPIHandler._document)


ROUTES = [(rf"/{API}/openapi.json", OpenAPIHandler)]
