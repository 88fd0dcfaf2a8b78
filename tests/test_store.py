"""The schema comes from Alembic migrations, and SQLite runs with WAL and a busy timeout."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from cvstudio_ext.store import Store
from cvstudio_ext.store.db import HEAD_REVISION, alembic_config
from cvstudio_ext.store.models import Base


def test_empty_database_upgrades_to_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    store = Store(url)
    assert store.current_revision() is None
    store.migrate()
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head == HEAD_REVISION == store.current_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    store.migrate()  # idempotent
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(tmp_path):
    """Autogenerate against a migrated database finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(f"sqlite:///{tmp_path / 'y.db'}")
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
