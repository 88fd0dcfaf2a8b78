"""Per-user settings: one validated document per owner."""

from __future__ import annotations

from typing import Any

from ..store.models import UserConfig
from ..user_settings import UserSettings


class ConfigService:
    def __init__(self, store):
        self.store = store

    def get(self, owner: str) -> dict[str, Any]:
        with self.store.session() as s:
            row = s.get(UserConfig, owner)
            return UserSettings(**(row.data if row else {})).model_dump()

    def put(self, owner: str, settings: UserSettings) -> dict[str, Any]:
        data = settings.model_dump()
        with self.store.session.begin() as s:
            row = s.get(UserConfig, owner)
            if row is None:
                s.add(UserConfig(owner=owner, data=data))
            else:
                row.data = data
        return data
