"""HTTP routes, one module per resource; patterns are relative to the server's base_url."""

from __future__ import annotations

from . import dataset_versions, datasets, identity, inference, models, openapi, system, training, weights
from .base import API, NotFoundHandler


def routes() -> list[tuple[str, type]]:
    return [
        *identity.ROUTES,
        *dataset_versions.ROUTES,
        *datasets.ROUTES,
        *models.ROUTES,
        *weights.ROUTES,
        *inference.ROUTES,
        *system.ROUTES,
        *training.ROUTES,
        *openapi.ROUTES,
        (rf"/{API}/.*", NotFoundHandler),
    ]
