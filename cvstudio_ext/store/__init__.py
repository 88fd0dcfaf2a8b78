"""Persistence: SQLAlchemy 2.0 models, the engine with its SQLite pragmas, Alembic migrations."""

from .db import Store, is_storage_full

__all__ = ["Store", "is_storage_full"]
