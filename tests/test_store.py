"""The schema comes from Alembic migrations, on SQLite (WAL, a busy timeout) and on a
shared PostgreSQL, where servers starting at once migrate one at a time."""

from __future__ import annotations

import json
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


def test_upgrading_a_database_in_use_keeps_every_row(db_url):
    """Migrations that rebuild a table (SQLite's batch mode copies it and drops the old
    one) leave every row that points at it: a drop with foreign keys on cascades."""
    from alembic import command

    store = Store(db_url)
    with store.engine.begin() as conn:
        cfg = alembic_config(db_url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    with store.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO datasets (id, owner, name, format, task, path, managed, status, progress, classes, "
            "num_images, num_annotations, splits, meta, created_at, updated_at) VALUES (1, 'u', 'd', 'yolo', "
            "'detection', '/d', false, 'ready', 1, '[]', 1, 1, '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO images (id, dataset_id, file, split, present, has_issues) VALUES (1, 1, 'a.jpg', 'train', true, false)"
        ))  # fmt: skip
        conn.execute(text("INSERT INTO annotations (id, image_id, class_id) VALUES (1, 1, 0)"))
        conn.execute(text("INSERT INTO dataset_stats (dataset_id, data) VALUES (1, '{}')"))
    store.migrate()
    assert store.current_revision() == HEAD_REVISION
    with store.engine.connect() as conn:
        counts = [
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("images", "annotations", "dataset_stats")
        ]
        assert counts == [1, 1, 1]
        if db_url.startswith("sqlite"):
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on for the server's writes
    store.close()


def test_going_back_before_shared_boxes_copies_them_to_each_sharer(db_url):
    """Downgrading past 0008 gives every split version that read its parent's box rows
    copies of its own, and its defects and stats point at the copies."""
    from alembic import command

    store = Store(db_url)
    store.migrate()
    with store.engine.begin() as conn:
        for i in (1, 2):
            conn.execute(text(
                "INSERT INTO datasets (id, owner, name, version, format, task, path, managed, status, progress, "
                "classes, num_images, num_annotations, splits, meta, boxes_from, boxes_shift, created_at, updated_at) "
                "VALUES (:i, 'u', 'd', :i, 'yolo', 'detection', '/d', false, 'ready', 1, '[]', 2, 3, '{}', '{}', :f, :s, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ), {"i": i, "f": None if i == 1 else 1, "s": 0 if i == 1 else 10})  # fmt: skip
        for image_id, dataset_id in ((1, 1), (2, 1), (11, 2), (12, 2)):
            conn.execute(text(
                "INSERT INTO images (id, dataset_id, file, split, present, has_issues) VALUES (:i, :d, :f, 'train', true, false)"
            ), {"i": image_id, "d": dataset_id, "f": f"{image_id % 10}.jpg"})  # fmt: skip
        for box_id, image_id, x in ((1, 1, 5.0), (2, 2, 6.0), (3, 2, 7.0)):
            conn.execute(
                text("INSERT INTO annotations (id, image_id, class_id, x, y, w, h) VALUES (:b, :i, 0, :x, 1, 2, 3)"),
                {"b": box_id, "i": image_id, "x": x},
            )
        conn.execute(text(
            "INSERT INTO dataset_issues (dataset_id, image_id, annotation_id, kind, detail) VALUES (2, 12, 3, 'zero_area', '')"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO dataset_stats (dataset_id, data) VALUES (2, :data)"
        ), {"data": '{"issues": [{"image_id": 12, "annotation_id": 3, "kind": "zero_area"}]}'})  # fmt: skip
    command.downgrade(alembic_config(db_url), "0007")  # as `alembic downgrade` runs it
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, image_id, x FROM annotations ORDER BY id")).all()
        issue = conn.execute(text("SELECT annotation_id FROM dataset_issues WHERE dataset_id = 2")).scalar()
        stats = conn.execute(text("SELECT data FROM dataset_stats WHERE dataset_id = 2")).scalar()
        columns = {c["name"] for c in inspect(conn).get_columns("datasets")}
    assert [tuple(r) for r in rows] == [(1, 1, 5.0), (2, 2, 6.0), (3, 2, 7.0), (4, 11, 5.0), (5, 12, 6.0), (6, 12, 7.0)]
    assert issue == 6
    assert (json.loads(stats) if isinstance(stats, str) else stats)["issues"][0]["annotation_id"] == 6
    assert not columns & {"boxes_from", "boxes_shift"}
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
