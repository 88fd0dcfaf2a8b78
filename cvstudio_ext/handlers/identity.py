"""Who is asking, their settings, and whether the service is up."""

from __future__ import annotations

import inspect

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..user_settings import UserSettings
from .base import API, CVStudioHandler, Op

ACTIONS = ("read", "write", "execute")


class MeHandler(CVStudioHandler):
    doc = {"get": Op("The current Jupyter user and what they may do in CV Studio", tags=["identity"])}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        user = self.current_user
        allowed = []
        for action in ACTIONS:
            ok = self.authorizer.is_authorized(self, user, action, self.auth_resource)
            if inspect.isawaitable(ok):
                ok = await ok
            if ok:
                allowed.append(action)
        self.reply(
            {
                "username": user.username,
                "name": user.name,
                "display_name": user.display_name,
                "permissions": {self.auth_resource: allowed},
                "owner": self.owner,
            }
        )


class ConfigHandler(CVStudioHandler):
    doc = {
        "get": Op("The user's settings", tags=["identity"]),
        "put": Op(
            "Replace the user's settings (unknown keys are 422; omitted keys take defaults)",
            body=UserSettings,
            tags=["identity"],
            errors=(400, 422),
        ),
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.config.get, self.owner))

    @web.authenticated
    @authorized
    async def put(self) -> None:
        settings = self.parse_body(UserSettings)
        self.reply(await self.call(self.services.config.put, self.owner, settings))


class HealthHandler(CVStudioHandler):
    doc = {"get": Op("Service status, versions and accelerators", tags=["identity"])}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.call(self.services.system.health))


ROUTES = [
    (rf"/{API}/me", MeHandler),
    (rf"/{API}/config", ConfigHandler),
    (rf"/{API}/health", HealthHandler),
]
