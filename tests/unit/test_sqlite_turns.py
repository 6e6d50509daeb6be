"""SQLite writers of one process take turns on a lock (`service/db.py`, `_TakingTurns`)
instead of sleeping in SQLite's busy handler, and always give the turn back."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import db
from service.db import create_db_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    yield engine
    engine.dispose()


def _turn(engine: sa.Engine) -> threading.Lock:
    assert engine.url.database is not None
    return db._turn_of(engine.url.database)


def _write(connection: sa.Connection, text: str | None) -> None:
    connection.exec_driver_sql("INSERT INTO note (text) VALUES (?)", (text,))


def _notes(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT text FROM note ORDER BY id")]


def test_a_writer_waits_for_its_turn_not_in_sqlite_and_goes_when_the_one_before_commits(
    engine: sa.Engine,
) -> None:
    # The second writer's SQLite busy timeout is 0: had it reached SQLite while the first
    # held the database's write lock, it would have failed at once with "database is locked".
    outcome: list[BaseException | str] = []

    def second() -> None:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
                _write(connection, "second")
                connection.commit()
            outcome.append("written")
        except BaseException as error:  # (reported to the test's thread)
            outcome.append(error)

    with engine.connect() as first:
        _write(first, "first")
        assert _turn(engine).locked()
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive(), "the second writer did not wait for the first"
        first.commit()
    waiting.join(10)
    assert outcome == ["written"]
    assert _notes(engine) == ["first", "second"]
    assert not _turn(engine).locked()


def test_reads_never_wait_for_a_writer(engine: sa.Engine) -> None:
    with engine.connect() as writer:
        _write(writer, "unsettled")
        # (in this thread: a read that waited for the turn would never return)
        assert _notes(engine) == []
        writer.commit()
    assert _notes(engine) == ["unsettled"]


def _commit(connection: sa.Connection) -> None:
    connection.commit()


def _roll_back(connection: sa.Connection) -> None:
    connection.rollback()


def _close(connection: sa.Connection) -> None:
    connection.close()


def _invalidate(connection: sa.Connection) -> None:
    connection.invalidate()


@pytest.mark.parametrize("end", [_commit, _roll_back, _close, _invalidate])
def test_the_turn_is_given_back_however_the_transaction_ends(
    engine: sa.Engine, end: Callable[[sa.Connection], None]
) -> None:
    connection = engine.connect()
    _write(connection, "note")
    assert _turn(engine).locked()
    end(connection)
    assert not _turn(engine).locked()
    connection.close()
    with engine.begin() as other:  # the next writer goes
        _write(other, "next")
    assert not _turn(engine).locked()


def test_a_failed_write_holds_the_turn_until_its_transaction_is_rolled_back(
    engine: sa.Engine,
) -> None:
    with engine.connect() as connection:
        _write(connection, "kept until the rollback")
        with pytest.raises(sa.exc.IntegrityError):
            _write(connection, None)
        assert _turn(engine).locked()  # the transaction is still open
        connection.rollback()
        assert not _turn(engine).locked()
    assert _notes(engine) == []


def test_a_statement_that_leaves_no_transaction_open_holds_no_turn(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE INDEX note_text ON note (text)")
        assert not connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
        assert not _turn(engine).locked()
        connection.commit()


def test_a_writer_that_waits_longer_than_the_busy_timeout_is_told_the_database_is_locked(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_SQLITE_BUSY_TIMEOUT_S", 0.05)
    with engine.connect() as first:
        _write(first, "first")
        with engine.connect() as second:
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                _write(second, "second")
        first.commit()
    assert _notes(engine) == ["first"]
    assert not _turn(engine).locked()


def test_an_in_memory_database_has_no_turns() -> None:
    before = dict(db._TURNS)
    engine = create_db_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (text TEXT)")
        connection.exec_driver_sql("INSERT INTO note VALUES ('kept')")
    assert db._TURNS == before
    engine.dispose()
