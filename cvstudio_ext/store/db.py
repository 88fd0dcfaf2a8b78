"""The database engine, its session factory and migrations at start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InsufficientStorage

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions; a test checks it against Alembic's own
# view so that a server whose database is current never has to import Alembic at start.
HEAD_REVISION = "0008"
MIGRATION_LOCK = 0x43565354  # "CVST": the advisory lock a PostgreSQL migration holds
WRITE_LOCK = 0x43565357  # "CVSW": the one a PostgreSQL write transaction holds


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk index inserts stay in memory
    cursor.close()


SQLITE_FULL = 13
PG_DISK_FULL = "53100"


def is_storage_full(exc: BaseException) -> bool:
    """The database could not grow: SQLite's SQLITE_FULL, PostgreSQL's disk_full; the
    driver's own exception or SQLAlchemy's wrapping of it."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlite_errorcode", None) == SQLITE_FULL or "database or disk is full" in str(orig):
        return True  # (the error code is there from Python 3.11 on, the message always)
    return PG_DISK_FULL in (getattr(orig, "pgcode", None), getattr(orig, "sqlstate", None))


def _full_is_507(context) -> None:
    """A full disk under the database is the caller's 507, not an internal error; the
    transaction is rolled back as for any error, so nothing of it is kept."""
    if is_storage_full(context.original_exception):
        raise InsufficientStorage(
            "The disk under CV Studio's database is full: the change was not saved; free space and try again.",
            code="disk_full",
            details=[{"reason": "database or disk is full"}],
        ) from context.original_exception


def _json_text(value: object) -> str:
    """JSON columns are written by orjson, as the API writes its answers: what it cannot
    write (an integer past 64 bits, a lone surrogate) fails the write and is never stored,
    so no stored row can make a later answer fail."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()  # int keys become strings, as json did


WRITE = "cvstudio_write"  # the execution option that marks a connection's transaction as a write
# A write of rows the studio built with their references (an index, a version's copy of
# a million boxes): SQLite's per-row foreign-key lookups are skipped, a fifth of the copy.
BULK = "cvstudio_bulk"


def _detach_on_checkin(dbapi_connection, record) -> None:
    """Databases a write attached (services/rows_file.py) are detached when its
    connection comes back to the pool, and a bulk write's foreign-key checks turned back
    on: SQLite changes neither inside a transaction."""
    for name in record.info.pop("attached", ()):
        if dbapi_connection is not None:
            dbapi_connection.execute(f"DETACH DATABASE {name}")
    if record.info.pop("foreign_keys_off", False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_manual_begin(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself


def _sqlite_begin(conn) -> None:
    """Writes take SQLite's write lock when they begin (BEGIN IMMEDIATE): concurrent writers
    then queue on the busy timeout, and each reads what the one before it committed.
    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer got in between, whatever the busy timeout."""
    options = conn.get_execution_options()
    if options.get(BULK):
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction; back on at checkin
        conn.connection.info["foreign_keys_off"] = True
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def _postgres_without_jit(_dialect, _record, _args, params: dict) -> None:
    """PostgreSQL JIT-compiles every query its planner costs high, such as a class filter's
    count over 100,000 images, and the compiling (6 to 20 ms here) costs more than it
    saves on the studio's short queries. Off for its connections; the URL's own
    `options` are kept."""
    params["options"] = f"{params.get('options', '')} -c jit=off".strip()


def make_engine(url: str) -> Engine:
    json_codec = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **json_codec)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_manual_begin)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _detach_on_checkin)
    else:
        engine = create_engine(url, pool_pre_ping=True, **json_codec)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "do_connect", _postgres_without_jit)
    event.listen(engine, "handle_error", _full_is_507)
    return engine


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Sessions(sessionmaker):
    """`sessions()` reads; `sessions.begin()` is a write transaction, committed on exit."""

    @contextmanager
    def begin(self, *, bulk: bool = False) -> Iterator[Session]:
        """`bulk`: the transaction writes only rows whose references it made itself (see BULK)."""
        with self() as session, session.begin():
            conn = session.connection(execution_options={WRITE: True, BULK: bulk})
            if conn.dialect.name == "postgresql":
                # one writer at a time, as SQLite's BEGIN IMMEDIATE gives: a write reads
                # what the one before it committed (the next version, a name now taken)
                # even when the writers are several users' servers on one database
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
            yield session


class Store:
    """Owns the engine and hands out sessions; upgrades the schema when it opens."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.session = Sessions(self.engine, expire_on_commit=False)

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        if self.current_revision() == HEAD_REVISION:
            return
        from alembic import command

        cfg = alembic_config(self.url)
        # SQLite alters a table by copying it and dropping the old one, and with foreign
        # keys on a drop first deletes its rows, cascading: upgrading to 0007 emptied every
        # dataset's index. Off for the migration (SQLite changes it only between transactions).
        with self.engine.connect().execution_options(**{BULK: True}) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                # a team's servers start together on one database: one migrates, the
                # others wait here, then find the schema at head and do nothing
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def new_session(self) -> Session:
        return self.session()

    def close(self) -> None:
        self.engine.dispose()
