"""Throwaway databases for a benchmark: a SQLite file in a directory, or a PostgreSQL
database of our own on the test server, created and dropped as tests/conftest.py does."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from service.db import create_db_engine, migrate

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def database(backend: str, directory: Path) -> Iterator[sa.Engine]:
    """A migrated, empty database: `sqlite`, or anything else for PostgreSQL."""
    if backend == "sqlite":
        engine = create_db_engine(f"sqlite:///{directory / f'bench-{uuid.uuid4().hex}.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    name = f"referral_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(
        sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    )
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def url_of(engine: sa.Engine) -> str:
    """The engine's URL with its password, for a server process to connect with."""
    return engine.url.render_as_string(hide_password=False)
