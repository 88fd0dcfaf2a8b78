"""Sharing: the owner of a dataset, model or weight lets named users, or everyone, read
it, train on it and predict with it; only the owner edits, deletes or shares it.

Every service finds such rows through `readable` (reads and uses) or `owned` (edits),
and lists them through `visible`, so the rule lives here once. A user who may not see a
row gets the same 404 as for a row that does not exist: its existence is not told.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound
from ..store import Store
from ..store.models import MAX_ID, Dataset, Model, Share, Weight

EVERYONE = "*"  # the grantee of a share with every user of the database
KINDS: dict[str, type[Dataset] | type[Model] | type[Weight]] = {"dataset": Dataset, "model": Model, "weight": Weight}
_FIND = {"dataset": "list your datasets", "model": "list your models", "weight": "list the library"}


def not_found(kind: str, item_id: int) -> NotFound:
    return NotFound(f"There is no {kind} {item_id}; {_FIND[kind]} to find its id.", code=f"{kind}_not_found")


def visible(kind: str, user: str) -> ColumnElement[bool]:
    """The rows of `kind` that `user` owns or that are shared with them or with everyone."""
    table = KINDS[kind]
    shared = exists().where(Share.kind == kind, Share.item_id == table.id, Share.grantee.in_((user, EVERYONE)))
    return or_(table.owner == user, shared)


def readable(s: Session, kind: str, item_id: int, user: str) -> Any:
    """The row, for reading it or using it (train on, predict with); 404 when `user`
    neither owns it nor has it shared."""
    row = s.get(KINDS[kind], item_id) if 0 <= item_id <= MAX_ID else None
    if row is None:
        raise not_found(kind, item_id)
    if row.owner != user:
        granted = s.scalar(
            select(Share.id)
            .where(Share.kind == kind, Share.item_id == item_id, Share.grantee.in_((user, EVERYONE)))
            .limit(1)
        )
        if granted is None:
            raise not_found(kind, item_id)
    return row


def owned(s: Session, kind: str, item_id: int, user: str) -> Any:
    """The row, for changing it: 403 `read_only` when it is only shared with `user`."""
    row = readable(s, kind, item_id, user)
    if row.owner != user:
        raise Forbidden(
            f"{kind.capitalize()} {item_id} belongs to {row.owner}, who shared it with you read-only; "
            f"make a copy of your own or ask {row.owner} to change it.",
            code="read_only",
        )
    return row


def forget(s: Session, kind: str, item_id: int) -> None:
    """Drop every share of an item; called in the transaction that deletes it."""
    s.execute(delete(Share).where(Share.kind == kind, Share.item_id == item_id))


def _grantees(s: Session, kind: str, item_id: int) -> list[str]:
    return list(
        s.scalars(select(Share.grantee).where(Share.kind == kind, Share.item_id == item_id).order_by(Share.grantee))
    )


def sharing_dict(grantees: list[str]) -> dict[str, Any]:
    return {"users": sorted(g for g in grantees if g != EVERYONE), "everyone": EVERYONE in grantees}


class SharingService:
    """Who an item is shared with, read and changed by its owner only."""

    def __init__(self, store: Store):
        self.store = store

    def get(self, kind: str, user: str, item_id: int) -> dict[str, Any]:
        with self.store.session() as s:
            owned(s, kind, item_id, user)
            return sharing_dict(_grantees(s, kind, item_id))

    def share(
        self, kind: str, user: str, item_id: int, *, users: list[str] | None, everyone: bool | None
    ) -> dict[str, Any]:
        """Replace the parts given: `users` the named users (the owner among them is
        left out: they have it already), `everyone` the share with every user."""
        with self.store.session.begin() as s:
            row = owned(s, kind, item_id, user)
            current = set(_grantees(s, kind, item_id))
            wanted = set(current)
            if users is not None:
                wanted = (wanted & {EVERYONE}) | {u for u in users if u != row.owner}
            if everyone is not None:
                wanted = (wanted - {EVERYONE}) | ({EVERYONE} if everyone else set())
            gone = current - wanted
            if gone:
                s.execute(
                    delete(Share).where(Share.kind == kind, Share.item_id == item_id, Share.grantee.in_(sorted(gone)))
                )
            s.add_all(Share(kind=kind, item_id=item_id, owner=row.owner, grantee=g) for g in sorted(wanted - current))
            s.flush()
            return sharing_dict(sorted(wanted))
