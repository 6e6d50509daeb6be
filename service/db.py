"""The database: one engine per process, SQLite or PostgreSQL, migrated by Alembic."""

import fcntl
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
# How long a request waits for the database before it gives up and is answered 503, to be
# tried again, having changed nothing: a SQLite writer for another's transaction to end, a
# PostgreSQL statement for a lock (a row another transaction holds, say one left open by
# hand), a PostgreSQL request for a pooled connection. Below the Python client's 10 s timeout,
# so that the server answers before its client gives up and cannot tell what happened.
DATABASE_WAIT_S = 5.0


def create_db_engine(database_url: str, *, pool_size: int = 10) -> sa.Engine:
    """An engine with the settings each database needs to be safe under concurrent writes."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": DATABASE_WAIT_S},
            pool_timeout=DATABASE_WAIT_S,
            hide_parameters=True,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "handle_error", _close_after_failed_commit)
        return engine
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=DATABASE_WAIT_S,
        connect_args={
            "connect_timeout": 3,
            "options": f"-c lock_timeout={int(DATABASE_WAIT_S * 1000)}",
        },
        hide_parameters=True,
    )
    sa.event.listen(engine, "handle_error", _close_after_failed_commit)
    return engine


def _close_after_failed_commit(context: sa.engine.ExceptionContext) -> None:
    """A commit (or rollback) that failed in the driver, a full disk say: its connection is
    closed, not pooled. Pooled, it stayed inside the transaction the commit left open, with its
    writes and locks (the whole database's on SQLite): the next request on it read the write
    its client was told had failed, and might have committed it; the others waited for its
    lock until they gave up (a test found both)."""
    if context.statement is None and context.connection is not None:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False  # (this connection only)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; synchronous=FULL makes an acknowledged
    # commit survive a power cut, not only a process crash.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(DATABASE_WAIT_S * 1000)}")
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
            # Another instance may migrate for longer than a request may wait: no limit here.
            connection.exec_driver_sql("SET lock_timeout = 0")
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                connection.exec_driver_sql("RESET lock_timeout")
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
                if not sqlite:  # a migration waits for its locks as long as it takes
                    connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
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


_COMMITTING = "committing began"


@sa.event.listens_for(Session, "before_commit")
def _note_commit(session: Session) -> None:
    session.info[_COMMITTING] = True


def committing_began(session: Session) -> bool:
    """Whether `session` ever began a commit: from then on what the database holds may have
    changed, even if the commit failed (a connection lost mid-commit)."""
    return bool(session.info.get(_COMMITTING))


def commit_bookkeeping(session: Session) -> None:
    """Commit what the service keeps for itself only (a key's last use), not counted as a
    commit begun (`committing_began`): nothing of the caller's is in doubt after it, so a
    row lock timing out in the use case that follows is still a 503 to try again, not a
    500 (an SRE's review found the first write of a key idle for a minute answered 500)."""
    began = committing_began(session)
    try:
        session.commit()
    finally:
        if not began:
            session.info.pop(_COMMITTING, None)


def database_answers(engine: sa.Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1 FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        return False
    return True
