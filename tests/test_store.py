"""The schema comes from Alembic migrations, on SQLite (WAL, a busy timeout) and on a
shared PostgreSQL, where servers starting at once migrate one at a time."""

from __future__ import annotations

import threading

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from cvstudio_ext.store import Store
from cvstudio_ext.store.db import HEAD_REVISION, alembic_config
from cvstudio_ext.store.models import Base


def test_empty_database_upgrades_to_head(db_url):
    store = Store(db_url)
    assert store.current_revision() is None
    store.migrate()
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert head == HEAD_REVISION == store.current_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    store.migrate()  # idempotent
    if db_url.startswith("sqlite"):
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_migrations_match_the_models(db_url):
    """Autogenerate against a migrated database finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(db_url)
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    store.close()


def test_servers_starting_at_once_migrate_one_at_a_time(postgres):
    """Eight stores migrate one new PostgreSQL database together: each ends at head,
    none fails on a table another one created."""
    url = postgres.new_database()
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def one() -> None:
        store = Store(url)
        start.wait()
        try:
            store.migrate()
            assert store.current_revision() == HEAD_REVISION
        except BaseException as exc:  # noqa: BLE001 - collected, asserted below
            failures.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "migrations blocked one another"
    assert failures == []
