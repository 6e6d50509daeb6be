"""Availability updates (`usecases/availability_writer.py`), written in batches on SQLite and
one by one on PostgreSQL: each update is answered on its own, a refused one undoes only
itself, and a write that fails fails as the database failed it."""

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from schemas.enums import Role
from schemas.services import AvailabilityUpdate
from service import db
from service.db import create_db_engine
from service.errors import NotFound, PreconditionFailed, Unprocessable
from service.main import create_app
from service.models import Service
from service.usecases.availability_writer import (
    AvailabilityWriter,
    WriteInDoubt,
    WriterStopped,
)
from service.usecases.keys import Caller
from tests.factories import Api, app_settings

_TABLES = SQLModel.metadata.tables


@pytest.fixture
def writer_engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """An engine of the writer's own on the suite's database, which waits 0.3 s for a lock."""
    monkeypatch.setattr(db, "DATABASE_WAIT_S", 0.3)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def _provider(organization: str) -> Caller:
    return Caller(
        key_id=uuid.uuid4(),
        name="nightly script",
        role=Role.provider,
        organization_id=uuid.UUID(organization),
    )


def _update(caller: Caller, service: str, *, if_match: str | None = None, **data: Any) -> Any:
    return {
        "service_id": uuid.UUID(service),
        "data": AvailabilityUpdate(**data),
        "caller": caller,
        "if_match": if_match,
    }


def _together(writer: AvailabilityWriter, updates: list[dict[str, Any]]) -> list[Any]:
    """Send every update before the writer starts: they are one batch. (Without batches, one
    after the other: concurrent transactions would take them in any order.)"""

    async def send() -> list[Any]:
        if not writer.batching:
            return [await _outcome(writer, update) for update in updates]
        sent = [asyncio.create_task(writer.write(**update)) for update in updates]
        await asyncio.sleep(0)  # (each is queued)
        writer.start()
        return await asyncio.gather(*sent, return_exceptions=True)

    return asyncio.run(send())


async def _outcome(writer: AvailabilityWriter, update: dict[str, Any]) -> Any:
    try:
        return await writer.write(**update)
    except Exception as error:
        return error


def _stored(engine: sa.Engine, service: str) -> tuple[int, int | None, int]:
    """(version, beds_available, availability history entries) of a listing, read through
    another engine than the writer's (whose pool could hold a transaction left open)."""
    listing, change = _TABLES["service"], _TABLES["service_change"]
    with engine.connect() as connection:
        version, beds = connection.execute(
            sa.select(listing.c.version, listing.c.beds_available).where(
                listing.c.id == uuid.UUID(service)
            )
        ).one()
        entries = connection.execute(
            sa.select(sa.func.count())
            .select_from(change)
            .where(change.c.service_id == uuid.UUID(service), change.c.action == "availability")
        ).scalar_one()
    return version, beds, entries


def test_updates_sent_together_are_one_transaction_each_answered_on_its_own(
    api: Api, writer_engine: sa.Engine, engine: sa.Engine
) -> None:
    mine, theirs = api.organization("Mine"), api.organization("Theirs")
    first = api.service(mine, capacity={"beds_total": 12, "beds_available": 3})["id"]
    second = api.service(mine)["id"]
    other = api.service(theirs)["id"]
    caller = _provider(mine)
    writer = AvailabilityWriter(writer_engine, start=False)
    try:
        answers = _together(
            writer,
            [
                _update(caller, first, beds_available=5),
                _update(caller, first, beds_available=13),  # above beds_total: 422
                _update(caller, second, beds_available=1, if_match=f'"{second}.9"'),  # 412
                _update(caller, other, beds_available=1),  # another organization's: 404
                _update(caller, str(uuid.uuid4()), beds_available=1),  # no such listing: 404
                _update(caller, second, accepting_referrals=True),  # as it was: nothing written
                _update(caller, first, beds_available=6),
            ],
        )
    finally:
        writer.close()
    assert writer.batches == (1 if writer.batching else 0)
    written, above, stale, theirs_, unknown, unchanged, again = answers
    assert isinstance(written, Service)
    assert (written.version, written.beds_available) == (2, 5)
    assert isinstance(above, Unprocessable)
    assert isinstance(stale, PreconditionFailed)
    assert isinstance(theirs_, NotFound)
    assert isinstance(unknown, NotFound)
    assert isinstance(unchanged, Service)
    assert unchanged.version == 1
    assert isinstance(again, Service)
    assert (again.version, again.beds_available) == (3, 6)
    # What was refused or unchanged was undone alone; the rest was committed.
    assert _stored(engine, first) == (3, 6, 2)
    assert _stored(engine, second) == (1, 3, 0)
    assert _stored(engine, other) == (1, 3, 0)


def test_a_batch_whose_commit_fails_is_in_doubt_and_the_next_one_is_written(
    api: Api, writer_engine: sa.Engine, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = api.organization("Doubt")
    listing, other = (api.service(organization, name=n)["id"] for n in ("One", "Two"))
    caller = _provider(organization)
    dialect = writer_engine.dialect
    commit = dialect.do_commit
    failing = threading.Event()
    failing.set()

    def fail(dbapi_connection: Any) -> None:
        if failing.is_set():
            failing.clear()
            raise dialect.loaded_dbapi.OperationalError("disk I/O error")
        commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", fail)
    writer = AvailabilityWriter(writer_engine, start=False)
    try:
        doubted, refused = _together(
            writer,
            [
                _update(caller, listing, beds_available=1),
                _update(caller, other, beds_available=99),
            ],
        )
        assert isinstance(doubted, WriteInDoubt)
        assert isinstance(refused, Unprocessable)  # (refused whatever became of the batch)
        assert _stored(engine, listing) == (1, 3, 0)

        async def once_more() -> Service:
            return await writer.write(**_update(caller, listing, beds_available=2))

        assert asyncio.run(once_more()).version == 2
    finally:
        writer.close()
    assert _stored(engine, listing) == (2, 2, 1)


def test_a_batch_that_waits_too_long_for_the_database_fails_as_it_failed_and_writes_nothing(
    api: Api, writer_engine: sa.Engine, engine: sa.Engine, database_url: str
) -> None:
    """Another writer holds the lock (SQLite's, or the listing's row on PostgreSQL): every
    update of the batch gets the database's error (a 503 to try again, over HTTP)."""
    organization = api.organization("Busy")
    listing = api.service(organization)["id"]
    caller = _provider(organization)
    holder = sa.create_engine(database_url)
    writer = AvailabilityWriter(writer_engine, start=False)
    try:
        with holder.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(
                    sa.text("SELECT 1 FROM service WHERE id = :id FOR UPDATE"), {"id": listing}
                )
            busy = _together(
                writer,
                [
                    _update(caller, listing, beds_available=1),
                    _update(caller, listing, beds_available=2),
                ],
            )
            connection.rollback()
        assert [type(error) for error in busy] == [sa.exc.OperationalError] * 2
        assert _stored(engine, listing) == (1, 3, 0)
    finally:
        writer.close()
        holder.dispose()


def test_closing_writes_what_was_sent_before(
    api: Api, writer_engine: sa.Engine, engine: sa.Engine
) -> None:
    organization = api.organization("Closing")
    listing = api.service(organization)["id"]
    caller = _provider(organization)
    writer = AvailabilityWriter(writer_engine, start=False)

    async def send_then_close() -> Any:
        sent = asyncio.create_task(writer.write(**_update(caller, listing, beds_available=0)))
        await asyncio.sleep(0)
        writer.start()
        await asyncio.to_thread(writer.close)
        return await sent

    assert asyncio.run(send_then_close()).beds_available == 0
    assert _stored(engine, listing) == (2, 0, 1)


def test_the_api_answers_updates_sent_at_once_each_with_its_own_outcome(api: Api) -> None:
    """Over HTTP, from threads at once: each client reads its own answer."""
    organization = api.organization("At once")
    listings = [api.service(organization, name=f"Shelter {n}")["id"] for n in range(4)]
    provider = api.key("provider", organization)
    answers: dict[int, Any] = {}

    def send(number: int) -> None:
        beds = 13 if number == 3 else number  # the last is above beds_total
        answers[number] = api.client.put(
            f"/v1/services/{listings[number]}/availability",
            json={"beds_available": beds},
            headers=provider,
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for number in range(3):
        assert answers[number].status_code == 200, answers[number].text
        assert answers[number].json()["capacity"]["beds_available"] == number
        assert answers[number].json()["id"] == listings[number]
    assert answers[3].status_code == 422
    with Session(api.client.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = {
            str(service.id): service.beds_available
            for service in (session.get(Service, uuid.UUID(i)) for i in listings)
            if service is not None
        }
    assert stored == {listings[0]: 0, listings[1]: 1, listings[2]: 2, listings[3]: 3}


_BATCHES = pytest.mark.skipif(
    bool(os.environ.get("REFERRAL_TEST_DATABASE_URL")), reason="batches on SQLite only"
)


@_BATCHES
def test_a_refusal_that_a_write_of_a_failed_batch_decided_is_not_kept(
    api: Api, writer_engine: sa.Engine, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's first update wrote the listing; the second, sent with the ETag it had,
    was refused against a version whose commit then failed: it is not told 412."""
    organization = api.organization("Decided")
    listing, other = (api.service(organization, name=n)["id"] for n in ("One", "Two"))
    caller = _provider(organization)
    dialect = writer_engine.dialect

    def fail(_dbapi_connection: Any) -> None:
        raise dialect.loaded_dbapi.OperationalError("disk I/O error")

    monkeypatch.setattr(dialect, "do_commit", fail)
    writer = AvailabilityWriter(writer_engine, start=False)
    try:
        wrote, decided, alone = _together(
            writer,
            [
                _update(caller, listing, beds_available=1),
                _update(caller, listing, beds_available=2, if_match=f'"{listing}.1"'),
                _update(caller, other, beds_available=2, if_match=f'"{other}.9"'),
            ],
        )
    finally:
        writer.close()
    assert isinstance(wrote, WriteInDoubt)
    assert isinstance(decided, WriteInDoubt)
    assert isinstance(alone, PreconditionFailed)
    assert _stored(engine, listing) == (1, 3, 0)


@_BATCHES
def test_an_update_sent_after_the_writer_stopped_is_refused_not_left_waiting(
    api: Api, writer_engine: sa.Engine
) -> None:
    organization = api.organization("Stopped")
    listing = api.service(organization)["id"]
    writer = AvailabilityWriter(writer_engine)
    writer.close()

    async def send() -> Any:
        return await asyncio.wait_for(
            writer.write(**_update(_provider(organization), listing, beds_available=1)), 10
        )

    with pytest.raises(WriterStopped):
        asyncio.run(send())


@pytest.mark.skipif(
    not os.environ.get("REFERRAL_TEST_DATABASE_URL"), reason="PostgreSQL's row locks"
)
def test_a_listing_held_by_another_transaction_holds_up_no_other_update(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = api.organization("Row held")
    held, free = (api.service(organization, name=n)["id"] for n in ("Held", "Free"))
    caller = _provider(organization)
    holder = sa.create_engine(database_url)
    # (3 s for the lock: the free update is written well before, however loaded the machine)
    monkeypatch.setattr(db, "DATABASE_WAIT_S", 3.0)
    writer_engine = create_db_engine(database_url)
    writer = AvailabilityWriter(writer_engine)
    try:
        with holder.connect() as connection:
            connection.execute(
                sa.text("SELECT 1 FROM service WHERE id = :id FOR UPDATE"), {"id": held}
            )

            async def both() -> list[Any]:
                waiting = asyncio.create_task(
                    writer.write(**_update(caller, held, beds_available=1))
                )
                written = await writer.write(**_update(caller, free, beds_available=1))
                assert not waiting.done()  # (the held one still waits for its lock)
                return [written, *await asyncio.gather(waiting, return_exceptions=True)]

            written, timed_out = asyncio.run(both())
            connection.rollback()
    finally:
        writer.close()
        holder.dispose()
        writer_engine.dispose()
    assert isinstance(written, Service)
    assert written.version == 2
    assert isinstance(timed_out, sa.exc.OperationalError)


def test_more_updates_at_once_than_the_pool_has_connections_are_all_written(
    fresh_database_url: str,
) -> None:
    """Each request's key is read from the database (none held): its connection goes back to
    the pool before the update is written, or 40 updates at once held every connection while
    the writer waited for one (30 s, then 503: a review)."""
    settings = app_settings(fresh_database_url, key_cache_seconds=0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client)
        organization = api.organization("Burst")
        listings = [api.service(organization, name=f"Shelter {n}")["id"] for n in range(40)]
        provider = api.key("provider", organization)
        first = client.put(
            f"/v1/services/{listings[0]}/availability",
            json={"beds_available": 1},
            headers=provider,
        )
        assert first.status_code == 200  # (its use recorded: the reads below commit nothing)
        statuses: dict[int, int] = {}

        def send(number: int) -> None:
            statuses[number] = client.put(
                f"/v1/services/{listings[number]}/availability",
                json={"beds_available": 2},
                headers=provider,
            ).status_code

        threads = [threading.Thread(target=send, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(statuses.values()) == [200] * 40
