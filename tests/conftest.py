"""Fixtures: a real app on a real database, SQLite by default or PostgreSQL when
`REFERRAL_TEST_DATABASE_URL` names a server (a database of our own is created and dropped)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from service.config import Settings
from service.main import create_app
from service.usecases.keys import hash_key
from tests.factories import ADMIN_KEY, Api, app_settings


def _postgres_database(server_url: str) -> Iterator[str]:
    name = f"referral_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on the backend under test, removed afterwards."""
    server = os.environ.get("REFERRAL_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'referral.db'}"


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, on the backend under test."""
    yield from new_database_url(tmp_path)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from new_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return app_settings(database_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Coverage is not traced through the property tests (hypothesis): their hundreds of
    generated examples cost two to three times as much traced (the suite's coverage run took
    43% longer than one without it, much of it there). They still run, and still fail the
    suite; but a line only they reach counts as not covered (the total fell from 95% to
    94%)."""
    for item in items:
        if hasattr(getattr(item, "function", None), "hypothesis"):
            item.add_marker(pytest.mark.no_cover)


@pytest.fixture
def engine(client: TestClient) -> sa.Engine:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each integration test starts from an empty registry with only the bootstrap admin. The
    change log stays, as it does in use: the deletions are changes the match index reads."""
    yield
    if "client" not in request.fixturenames:
        return
    engine: sa.Engine = request.getfixturevalue("client").app.state.engine
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name == "registry_change":
                continue
            if table.name == "api_key":
                # The bootstrap key of ADMIN_KEY alone: a test that starts the service again
                # with other secrets leaves bootstrap keys of its own (which later tests that
                # count keys saw, when the test workers' stealing ran them after it).
                bootstrap = table.c.key_hash == hash_key(ADMIN_KEY)
                connection.execute(
                    table.update()
                    .where(bootstrap)
                    .values(revoked_at=None, revoked_by=None, revoked_by_key_id=None)
                )
                connection.execute(table.delete().where(sa.not_(bootstrap)))
            else:
                connection.execute(table.delete())


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
