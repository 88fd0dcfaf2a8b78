"""Uploads as streamed raw bodies: to a temp file under the data directory, never into memory."""

from __future__ import annotations

import os
import tempfile
from typing import Any, ClassVar

from pydantic import BaseModel
from tornado import web

from ..engine.storage import KEPT_FILE_MODE
from ..errors import StudioError, TooLarge, Unsupported
from .base import CVStudioHandler, studio_error_for

DRAIN_BYTES = 64 << 20


@web.stream_request_body
class StreamingUploadHandler(CVStudioHandler):
    """Authentication, authorization, the size limit, the media type and the query are
    all checked in `prepare`, before a single byte of the body is accepted.

    A refusal must reach the client: one that sent `Expect: 100-continue` gets it at once
    (Tornado then never sends the 100, so the body is never sent); one that sends the body
    regardless gets it once the body is read and dropped, up to `DRAIN_BYTES`, since most
    HTTP clients (urllib, requests) only read the answer after sending everything. Past
    that bound the answer goes out as the connection closes.

    Subclasses name their media types and query model, may check the query further in
    `check_query`, and read the finished file from `received_file()` in `post`.
    """

    media_types: ClassVar[tuple[str, ...]] = ("application/octet-stream",)
    query_model: ClassVar[type[BaseModel]]
    what: ClassVar[str] = "file"
    suffix: ClassVar[str] = ""
    _tmp = None
    _received = 0
    _too_large = False
    _refusal: BaseException | None = None

    @property
    def limit(self) -> int:
        return self.services.max_upload_size

    async def check_query(self, query: BaseModel) -> None:
        """Refuse a request before its body arrives (a name already taken, ...)."""

    async def prepare(self) -> None:
        await super().prepare()
        if self.request.method != "POST":
            return
        try:
            await self._admit()
        except (StudioError, web.HTTPError) as exc:
            if not self._can_drain():
                raise
            self._refusal = exc
            self.request.connection.set_max_body_size(DRAIN_BYTES)
            return
        self.request.connection.set_max_body_size(2 * self.limit + (1 << 20))
        try:
            fd, name = tempfile.mkstemp(prefix="upload-", suffix=self.suffix, dir=self.services.data_dir / "tmp")
            os.fchmod(fd, KEPT_FILE_MODE)  # an uploaded weight is kept as it is
        except OSError as exc:
            raise studio_error_for(exc) from None
        self._tmp = (os.fdopen(fd, "wb"), name)

    def _can_drain(self) -> bool:
        if self.request.headers.get("Expect", "").lower() == "100-continue":
            return False
        length = self.request.headers.get("Content-Length")
        return length is None or (length.isdigit() and int(length) <= DRAIN_BYTES)

    async def _admit(self) -> None:
        if not self.current_user:
            raise web.HTTPError(403)
        ok = self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        if hasattr(ok, "__await__"):
            ok = await ok
        if not ok:
            raise web.HTTPError(403, f"You are not allowed to upload a {self.what}.")
        length = self.request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            raise TooLarge(
                f"The upload is {int(length)} bytes; the limit is {self.limit} bytes.", code="upload_too_large"
            )
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype not in self.media_types:
            raise Unsupported(
                f"Send the {self.what} as the raw body with Content-Type {self.media_types[0]}, not {ctype or 'nothing'}."
            )
        self.query = self.parse_query(self.query_model)
        await self.check_query(self.query)

    def data_received(self, chunk: bytes) -> None:
        if self._tmp is None or self._too_large or self._refusal is not None:
            return  # refused: the rest of the body is read and dropped, then the answer goes out
        self._received += len(chunk)
        if self._received > self.limit:
            self._too_large = True
            self._discard()
            return
        try:
            self._tmp[0].write(chunk)
        except OSError as exc:
            self._discard()
            self._refusal = studio_error_for(exc)

    def received_file(self) -> str:
        """The temp file holding the whole body, or the refusal decided while it arrived."""
        if self._refusal is not None:
            raise self._refusal
        if self._too_large:
            raise TooLarge(f"The upload is larger than the limit of {self.limit} bytes.", code="upload_too_large")
        fh, name = self._tmp
        try:
            fh.close()
        except OSError as exc:
            self._discard()
            raise studio_error_for(exc) from None
        return name

    def _discard(self) -> None:
        if self._tmp is not None:
            fh, name = self._tmp
            try:
                fh.close()
            except OSError:
                pass  # a full disk refuses the last flush; the file goes all the same
            if os.path.exists(name):
                os.unlink(name)

    def finish(self, *args: Any, **kwargs: Any) -> Any:
        self._discard()  # before the answer leaves: a client that has it finds nothing left in tmp/
        return super().finish(*args, **kwargs)

    def on_finish(self) -> None:
        self._discard()

    def on_connection_close(self) -> None:
        self._discard()
        super().on_connection_close()
