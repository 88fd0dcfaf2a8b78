"""`{datasets|models|weights}/{id}/share`: parse, authorize, call SharingService."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from jupyter_server.auth.decorator import authorized
from pydantic import AfterValidator, Field, model_validator
from tornado import web

from ..services.sharing import EVERYONE
from .base import CVStudioHandler, Op, Strict, check_name, path_id

MAX_USERS = 1000


def check_username(value: str) -> str:
    value = check_name(value)
    if value == EVERYONE:
        raise ValueError('"*" is no username; give "everyone": true to share with every user')
    return value


Username = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(check_username)]


class ShareBody(Strict):
    users: list[Username] | None = Field(
        None,
        max_length=MAX_USERS,
        description="Every user it is shared with from now on, replacing the named users so far "
        "([] unshares them all); the owner among them is left out.",
    )
    everyone: bool | None = Field(None, description="Share with every user of the database (true) or stop (false).")

    @model_validator(mode="after")
    def _something(self) -> ShareBody:
        if self.users is None and self.everyone is None:
            raise ValueError("give users, everyone or both")
        return self


class ShareHandler(CVStudioHandler):
    """Subclasses name the kind of item; its path id is `<kind>_id`."""

    kind: ClassVar[str] = ""

    @classmethod
    def share_doc(cls, kind: str, tag: str) -> dict[str, Op]:
        return {
            "get": Op(
                f"Whom a {kind} is shared with, read-only: the named users and everyone (its owner only)",
                tags=[tag],
                errors=(403, 404),
            ),
            "post": Op(
                f"Share a {kind} read-only: the fields given replace the named users or the share with "
                "everyone; only its owner may",
                body=ShareBody,
                tags=[tag],
                errors=(400, 403, 404, 422),
            ),
        }

    def item_id(self, path: dict[str, Any]) -> int:
        return path_id(path[f"{self.kind}_id"], self.kind)

    @web.authenticated
    @authorized
    async def get(self, **path: str) -> None:
        self.reply(await self.call(self.services.sharing.get, self.kind, self.owner, self.item_id(path)))

    @web.authenticated
    @authorized
    async def post(self, **path: str) -> None:
        body = self.parse_body(ShareBody)
        self.reply(
            await self.call(
                self.services.sharing.share,
                self.kind,
                self.owner,
                self.item_id(path),
                users=body.users,
                everyone=body.everyone,
            )
        )
