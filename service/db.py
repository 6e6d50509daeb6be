"""The database: one engine per process, SQLite or PostgreSQL, migrated by Alembic."""

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent
MIGRATIONS = ROOT / "migrations"
# A fixed key for pg_advisory_lock: every instance that starts takes the same one.
_MIGRATION_LOCK_ID = 7_220_131_004


def create_db_engine(database_url: str, *, pool_size: int = 10) -> sa.Engine:
    """An engine with the settings each database needs to be safe under concurrent writes."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": _SQLITE_BUSY_TIMEOUT_S,
                "factory": _TakingTurns,
            },
            hide_parameters=True,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": 3},
        hide_parameters=True,
    )


# How long a SQLite writer waits for its turn, in the process and in the database.
_SQLITE_BUSY_TIMEOUT_S = 30.0
# Statements that never write: they need no turn.
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


# Each SQLite database file's writers' turns in this process (`_TakingTurns`), by real path.
_TURNS: dict[str, threading.Lock] = {}
_TURNS_LOCK = threading.Lock()


def _turn_of(database: str) -> threading.Lock:
    with _TURNS_LOCK:
        return _TURNS.setdefault(os.path.realpath(database), threading.Lock())


class _TakingTurnsCursor(sqlite3.Cursor):
    """Takes its connection's turn before a statement that may write (`_TakingTurns`)."""

    def execute(self, sql: str, parameters: Any = (), /) -> "_TakingTurnsCursor":
        return self._in_turn(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> "_TakingTurnsCursor":
        return self._in_turn(super().executemany, sql, parameters)

    def _in_turn(
        self, run: Callable[[str, Any], object], sql: str, parameters: Any
    ) -> "_TakingTurnsCursor":
        connection = self.connection
        assert isinstance(connection, _TakingTurns)
        connection.before(sql)
        try:
            run(sql, parameters)
        finally:
            connection.after()
        return self


class _TakingTurns(sqlite3.Connection):
    """A SQLite connection whose write transactions take turns with the other connections of
    this process to the same file: before its first statement that may write, it waits for
    the file's lock (`_turn_of`), and gives it back when the transaction ends.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
    growing steps (1, 2, 5, 10 ... 100 ms) and so wakes long after the database is free. On a
    lock, the next writer starts as soon as the last commits: at 4 concurrent writers the p99
    of an availability update fell from 154-174 ms to 50 ms, at the same throughput
    (bench/RESULTS.md). Other processes (more workers, the CLI) still meet SQLite's own wait.
    Reads never wait: in WAL mode they run beside the writer."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        # (an in-memory database, or one named by URI, is its own connection's alone)
        self._turn = (
            None if name in ("", ":memory:") or name.startswith("file:") else _turn_of(name)
        )
        self._holding = False

    def cursor(self, factory: Any = _TakingTurnsCursor) -> Any:
        return super().cursor(factory)

    def before(self, sql: str) -> None:
        if self._turn is None or self._holding or sql.lstrip()[:7].upper().startswith(_READS):
            return
        if not self._turn.acquire(timeout=_SQLITE_BUSY_TIMEOUT_S):
            raise sqlite3.OperationalError("database is locked")
        self._holding = True

    def after(self) -> None:
        """After a statement, or the end of a transaction: a statement that left no
        transaction open (DDL, or a write that failed before it began) holds no turn."""
        if self._holding and not self.in_transaction:
            self._give_back()

    def _give_back(self) -> None:
        if self._holding:
            self._holding = False
            assert self._turn is not None
            self._turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; synchronous=FULL makes an acknowledged
    # commit survive a power cut, not only a process crash.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@contextmanager
def startup_lock(engine: sa.Engine) -> Iterator[None]:
    """Serialise start-up work across instances: an advisory lock on PostgreSQL,
    a file lock beside the database file on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: sa.Engine, *, revision: str = "head") -> None:
    """Bring the schema up to a migration, the newest by default. Call it under
    `startup_lock`."""
    _run_alembic(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: sa.Engine, *, revision: str) -> None:
    """Take the schema back down to a migration (for operators rolling a release back)."""
    _run_alembic(engine, lambda config: command.downgrade(config, revision))


def _run_alembic(engine: sa.Engine, step: Callable[[Config], None]) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by rebuilding it (copy, drop, rename); with foreign keys
            # enforced, dropping the old table would cascade-delete every row referring to it.
            # The pragma cannot change inside a transaction, so it is set before one begins.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows referring to missing rows")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def open_session(engine: sa.Engine) -> Session:
    """A request's session. It connects on first use; its objects stay readable after the
    use case's commit."""
    return Session(engine, expire_on_commit=False)


def database_answers(engine: sa.Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1 FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        return False
    return True
