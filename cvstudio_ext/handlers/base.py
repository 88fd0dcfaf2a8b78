"""What every CV Studio handler shares: Jupyter auth, the API's error body, request
parsing with pydantic, and blocking work kept off the event loop."""

from __future__ import annotations

import asyncio
import functools
import gc
import getpass
import json
import re
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from http.client import responses
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import orjson
from jupyter_server.auth.decorator import authorized
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from tornado import web

from ..engine.storage import disk_full, is_disk_full
from ..errors import BadRequest, Conflict, Invalid, NotFound, StudioError, Unavailable, Unsupported
from ..store.models import MAX_ID
from . import json_gate

_ANONYMOUS_PROVIDERS = (IdentityProvider, PasswordIdentityProvider)
LOCAL_OWNER = getpass.getuser()

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

API = "cvstudio/api"
DOWNLOAD_CHUNK = 1 << 20  # bytes per write of a streamed download
MAX_OFFSET = 2**53  # offsets and sequence numbers: never compared with an id column
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    426: "upgrade_required",
    503: "unavailable",
    507: "insufficient_storage",
}


@dataclass
class Op:
    """OpenAPI facts about one method of a route; the document is built from these."""

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    returns: str = "JSON"
    request_media: tuple[str, ...] = ()
    response_media: str = "application/json"
    errors: tuple[int, ...] = ()
    tags: list[str] = field(default_factory=list)
    location: bool = False  # the answer's Location header names what was created


class Page(BaseModel):
    """Paging for every list."""

    model_config = ConfigDict(extra="ignore")

    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip (at most 2^53).")
    limit: int = Field(50, ge=1, le=500, description="How many items to return (at most 500).")


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or None, "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def validation_message(exc: ValidationError, what: str) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    loc = ".".join(str(p) for p in first["loc"])
    return f"Invalid {what}: {loc + ': ' if loc else ''}{first['msg']}."


def path_id(value: str, what: str) -> int:
    number = int(value)
    if number > MAX_ID:
        raise NotFound(f"There is no {what} {value}.", code=f"{what}_not_found")
    return number


def check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("the name must not be empty")
    if _CONTROL.search(value):
        raise ValueError("the name must not contain control characters")
    return value


_modules_at_freeze = 0


def freeze_heap_after_imports() -> None:
    """After a call has loaded a heavy library (torch, torchvision, albumentations, cv2:
    a hundred modules or more, half a million long-lived objects), take the heap out of
    the collector's sight. A full collection over it holds the GIL, and with it the
    event loop, for 100 to 700 ms on a busy server (measured by bench/load.py)."""
    global _modules_at_freeze
    if len(sys.modules) >= _modules_at_freeze + 100:
        _modules_at_freeze = len(sys.modules)
        gc.freeze()


def query_arguments(handler: web.RequestHandler) -> dict[str, str]:
    """The query as one value per name, exactly as sent (tornado's own accessors turn
    control characters into spaces and strip, so a value could pass a length check that
    the sent one fails). A name given twice is ambiguous, and a NUL fits no store: 422."""
    args: dict[str, str] = {}
    for name, values in handler.request.query_arguments.items():
        if len(values) > 1:
            raise Invalid(
                f"The query parameter {name[:64]} is given {len(values)} times; give it once.",
                code="invalid_parameter",
                details=[{"field": name[:64], "message": "given more than once", "type": "repeated"}],
            )
        value = handler.decode_argument(values[0], name=name)
        if "\x00" in value:
            raise Invalid(
                f"The query parameter {name[:64]} contains a NUL character; remove it.", code="invalid_string"
            )
        args[name] = value
    return args


def studio_error_for(e: BaseException) -> BaseException:
    """The API error a low-level failure stands for: a full disk is 507, a database that
    stayed locked past its busy timeout is 503, a unique key two writers raced for is 409;
    anything else is left as it is."""
    if is_disk_full(e):  # a full database is already 507 (store/db.py)
        return disk_full("the request's data")
    if isinstance(e, OperationalError):
        text = str(e.orig).lower()
        if "database is locked" in text or "database table is locked" in text:
            return Unavailable("The database is busy; try again in a moment.", code="database_busy")
    if isinstance(e, IntegrityError):  # a race the service's own checks could not see (PostgreSQL)
        return Conflict("Another request changed the same thing at the same moment; try again.", code="conflict")
    return e


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CVStudioHandler(ExtensionHandlerMixin, APIHandler):
    """Subclasses decorate each method with `@web.authenticated` and `@authorized`."""

    auth_resource = "cvstudio"
    doc: ClassVar[dict[str, Op]] = {}

    services = None  # set by prepare() once the services are up

    async def prepare(self) -> None:
        await super().prepare()
        if self.current_user is None:
            return  # the method's @web.authenticated answers 403
        try:
            self.services = await self.settings["cvstudio_services"].get()
        except Exception as exc:
            raise Unavailable(f"CV Studio could not start: {exc}; see the server log.") from exc

    @property
    def owner(self) -> str:
        """Whose rows a request sees.

        Jupyter's stock token and password providers give every token request (and every
        browser login) a fresh random anonymous user, yet such a server belongs to one
        person: there the owner is the account the server runs as. Any other identity
        provider (JupyterHub's, a custom one) names real users, and their username is
        the owner.
        """
        if type(self.identity_provider) in _ANONYMOUS_PROVIDERS:
            return LOCAL_OWNER
        return self.current_user.username

    def check_xsrf_cookie(self) -> None:
        # Jupyter's own check, but its failure must be our JSON 403, not an HTML page.
        try:
            super().check_xsrf_cookie()
        except web.HTTPError as exc:
            raise web.HTTPError(403, "XSRF cookie does not match; send the _xsrf token or use token auth.") from exc

    # ---- errors ------------------------------------------------------------------
    def _handle_request_exception(self, e: BaseException) -> None:
        e = studio_error_for(e)
        if isinstance(e, StudioError):
            if self._finished:
                return
            self.log.info("%s %s -> %s %s", self.request.method, self.request.path, e.status, e.message)
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        if isinstance(e, ValidationError):
            self.send_error(422, exc_info=sys.exc_info())
            return
        super()._handle_request_exception(e)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        code = STATUS_CODES.get(status_code, "error" if status_code < 500 else "internal_error")
        message = responses.get(status_code, "Error")
        details: list[Any] = []
        if isinstance(exc, StudioError):
            code, message, details = exc.code, exc.message, exc.details
        elif isinstance(exc, ValidationError):
            message, details = validation_message(exc, "value"), _validation_details(exc)
        elif isinstance(exc, web.HTTPError):
            if status_code == 403 and not self.current_user:
                code, message = (
                    "unauthenticated",
                    "Authentication required: send the Jupyter token (Authorization: token <t>) or log in.",
                )
            elif exc.log_message:
                message = exc.log_message % exc.args
            elif status_code == 405:
                message = f"{self.request.method} is not allowed on {self.request.path}."
        elif status_code >= 500:
            message = "Internal error in CV Studio; the server log has the details."
        body = getattr(self.request, "_body_future", None)  # set only for a streamed body
        if body is not None and not body.done():
            # refused before the upload's body was read (an XSRF or auth check in prepare):
            # Tornado drops the connection after this answer without saying so, and a proxy
            # that keeps connections alive (JupyterHub's) would send the next request down
            # the dead socket and answer it 503
            self.set_header("Connection", "close")
        self.clear_header("Content-Type")
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": code, "message": message, "details": details}}))

    # ---- requests ----------------------------------------------------------------
    def parse_body(self, model: type[M]) -> M:
        """The body through the JSON gate, then the model in strict mode: `0` is no `false`."""
        ctype = self.request.headers.get("Content-Type", "application/json").split(";")[0].strip().lower()
        if ctype not in ("application/json", "text/plain", ""):
            raise Unsupported(
                f"Send JSON with Content-Type: application/json, not {ctype}.", code="unsupported_media_type"
            )
        raw = json_gate.load(self.request.body or b"null")
        if not isinstance(raw, dict):
            raise BadRequest("The body must be a JSON object.", code="invalid_json")
        try:
            return model.model_validate(raw, strict=True)
        except ValidationError as exc:
            raise Invalid(
                validation_message(exc, "request"), code="validation_error", details=_validation_details(exc)
            ) from None

    def parse_query(self, model: type[M]) -> M:
        args = query_arguments(self)
        try:
            return model.model_validate(args)
        except ValidationError as exc:
            raise Invalid(
                validation_message(exc, "query parameter"), code="invalid_parameter", details=_validation_details(exc)
            ) from None

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking service call in a worker thread."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        finally:
            freeze_heap_after_imports()

    async def call_on(self, executor: Executor, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call on a given executor (inference keeps torch on one thread)."""
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args, **kwargs))
        finally:
            freeze_heap_after_imports()

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        try:
            body = orjson.dumps(data)
        except TypeError:  # a computed count past 64 bits (FLOPs of an absurd graph): send it as a float
            body = orjson.dumps(json_gate.fit_int64(data))
        self.finish(body)

    def created(self, data: Any, path: str, status: int = 201) -> None:
        """Reply with what was created and where it lives from now on (`path` under the API)."""
        self.set_header("Location", f"{self.base_url}{API}/{path}")
        self.reply(data, status)

    async def send_download(self, path: Path, filename: str, size: int, ctype: str) -> None:
        """A file as an attachment, streamed a chunk at a time (a weight, an export's zip:
        gigabytes, never whole in memory)."""
        self.set_header("Content-Type", ctype)
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.set_header("Content-Length", str(size))
        with open(path, "rb") as fh:
            while chunk := await self.call(fh.read, DOWNLOAD_CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish(set_content_type=ctype)


class NotFoundHandler(CVStudioHandler):
    """Any unknown path under the API answers JSON 404, never an HTML page."""

    @web.authenticated
    @authorized
    def get(self, *args: Any) -> None:
        raise NotFound(f"No such API route: {self.request.path}; see {API}/openapi.json for the routes.")

    post = put = patch = delete = get
