"""Per-user settings: one validated document per owner."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..store.models import UserConfig


class UserSettings(BaseModel):
    """What a user may set; the defaults new runs and the panels start from."""

    model_config = ConfigDict(extra="forbid")

    default_device: Literal["auto", "cpu", "cuda"] = "auto"
    default_epochs: int = Field(10, ge=1, le=10_000)
    default_batch_size: int = Field(32, ge=1, le=4096)
    default_image_size: int = Field(224, ge=16, le=4096)
    page_size: int = Field(50, ge=1, le=500)
    show_annotations: bool = True
    thumbnail_columns: int = Field(6, ge=1, le=24)


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
