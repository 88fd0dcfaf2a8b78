"""What CV Studio's WebSockets share: Jupyter auth with the `execute` action, the query
checked by pydantic, JSON errors before the upgrade, and the services at hand."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from pydantic import BaseModel, ValidationError
from tornado import web
from tornado.websocket import WebSocketHandler

from ..errors import StudioError
from .base import CVStudioHandler, query_arguments, studio_error_for, validation_message


class UpgradeRequired(StudioError):
    status = 426
    code = "upgrade_required"


class CVStudioSocket(WebSocketMixin, WebSocketHandler, JupyterHandler):
    """Subclasses decorate `get` with `@ws_authenticated` and call `await self.admit()`
    first; `self.query` and `self.services` are then set."""

    auth_resource = "cvstudio"
    query_model: ClassVar[type[BaseModel]]
    refusal: ClassVar[str] = "You are not allowed to open this socket."
    write_error = CVStudioHandler.write_error  # JSON errors before the upgrade, as everywhere
    owner = CVStudioHandler.owner

    async def admit(self) -> None:
        allowed = self.authorizer.is_authorized(self, self.current_user, "execute", self.auth_resource)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if not allowed:
            raise web.HTTPError(403, self.refusal)
        try:
            self.query: Any = self.query_model.model_validate(query_arguments(self))
        except ValidationError as exc:
            raise web.HTTPError(422, validation_message(exc, "query parameter")) from None
        if self.request.headers.get("Upgrade", "").lower() != "websocket":
            raise UpgradeRequired(f"{self.request.path} is a WebSocket; open it with Upgrade: websocket.")
        self.services = await self.settings["cvstudio_services"].get()

    def _handle_request_exception(self, e: BaseException) -> None:
        e = studio_error_for(e)
        if isinstance(e, StudioError):  # before the upgrade: the API's JSON error, not a 500
            if not self._finished:
                self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)

    def on_message(self, message: str | bytes) -> None:
        """These sockets only speak; anything sent to them is ignored."""
