"""The user's settings document: a plain pydantic model, light enough to import at server start."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
