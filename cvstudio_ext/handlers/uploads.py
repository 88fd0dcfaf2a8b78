"""Uploads as streamed raw bodies: to a temp file under the data directory, never into memory."""

from __future__ import annotations

import os
import tempfile
from typing import ClassVar

from pydantic import BaseModel
from tornado import web

from ..errors import TooLarge, Unsupported
from .base import CVStudioHandler


@web.stream_request_body
class StreamingUploadHandler(CVStudioHandler):
    """Authentication, authorization, the size limit, the media type and the query are
    all checked in `prepare`, before a single byte of the body is accepted; past the
    limit the rest of the body is dropped and the answer is 413.

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

    @property
    def limit(self) -> int:
        return self.services.max_upload_size

    async def check_query(self, query: BaseModel) -> None:
        """Refuse a request before its body arrives (a name already taken, ...)."""

    async def prepare(self) -> None:
        await super().prepare()
        if self.request.method != "POST":
            return
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
        self.request.connection.set_max_body_size(2 * self.limit + (1 << 20))
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=self.suffix, dir=self.services.data_dir / "tmp")
        self._tmp = (os.fdopen(fd, "wb"), name)

    def data_received(self, chunk: bytes) -> None:
        if self._tmp is None or self._too_large:
            return
        self._received += len(chunk)
        if self._received > self.limit:
            self._too_large = True
            self._discard()
            return
        self._tmp[0].write(chunk)

    def received_file(self) -> str:
        if self._too_large:
            raise TooLarge(f"The upload is larger than the limit of {self.limit} bytes.", code="upload_too_large")
        fh, name = self._tmp
        fh.close()
        return name

    def _discard(self) -> None:
        if self._tmp is not None:
            fh, name = self._tmp
            fh.close()
            if os.path.exists(name):
                os.unlink(name)

    def on_finish(self) -> None:
        self._discard()

    def on_connection_close(self) -> None:
        self._discard()
        super().on_connection_close()
