"""Persistence: SQLAlchemy 2.0 models, the engine with its SQLite pragmas, Alembic migrations."""

from .db import Store

__all__ = ["Store"]
