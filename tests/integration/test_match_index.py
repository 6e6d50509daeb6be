"""The match index (`REFERRAL_MATCH_SEARCH=memory`, the default) against the database: every
change, however it is made, reaches the next match; it answers as the database search does;
on the backend under test."""

import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col

from bench.registry import load_registry
from schemas.enums import Role
from schemas.match import NeedProfile
from service.config import Settings
from service.db import create_db_engine, migrate
from service.gazetteer import default_gazetteer
from service.main import create_app
from service.matching import scoring
from service.models import (
    Location,
    Organization,
    RegistryChange,
    RegistryQuiet,
    Service,
    utcnow,
)
from service.repository import match as match_repo
from service.repository import registry_feed as feed
from service.usecases import match_index
from service.usecases.keys import Caller
from service.usecases.match import match_needs
from service.usecases.match_index import MatchIndex
from tests.conftest import new_database_url
from tests.factories import Api, listing, scraper, with_if_match, without_random_parts

KITCHENER = {"place": "Kitchener, ON"}
OPERATOR = Caller(key_id=uuid.uuid4(), name="test", role=Role.operator, organization_id=None)


def _matched(api: Api, body: dict[str, Any] | None = None) -> set[str]:
    body = body or {"location": KITCHENER, "needs": ["housing"]}
    response = api.client.post("/v1/match", json=body, headers=api.key("operator"))
    assert response.status_code == 200, response.text
    return {m["service_id"] for result in response.json()["results"] for m in result["matches"]}


def test_every_kind_of_change_is_logged_with_a_growing_stamp(
    api: Api, engine: sa.Engine, request: pytest.FixtureRequest
) -> None:
    """Each change stamps its subject anew and no other (one after another, as here, higher
    than before); a reader gets each change once, as it is settled, however many other
    transactions the server runs (a parallel test worker's, in another database)."""
    if engine.dialect.name == "postgresql":  # a transaction that runs on throughout
        long_running = engine.connect()
        long_running.begin()
        long_running.execute(sa.text("SELECT pg_current_xact_id()"))
        request.addfinalizer(long_running.close)
    organization = api.organization("Logged")
    with Session(engine) as session:
        seen = feed.horizon(session)

    def stamps() -> dict[uuid.UUID, int]:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(col(RegistryChange.subject), col(RegistryChange.stamp))
            )
            return dict(rows.all())

    def restamped(before: dict[uuid.UUID, int]) -> set[uuid.UUID]:
        after = stamps()
        assert all(after[subject] >= stamp for subject, stamp in before.items())
        return {subject for subject, stamp in after.items() if stamp != before.get(subject)}

    def read() -> tuple[set[uuid.UUID], set[uuid.UUID]]:
        nonlocal seen
        with Session(engine) as session:
            changes = feed.changes_after(session, seen)
        assert not changes.seen.replaces(seen)
        seen = changes.seen
        return set(changes.services), set(changes.organizations)

    before = stamps()
    service = uuid.UUID(api.service(organization)["id"])
    assert restamped(before) == {service}
    assert read() == ({service}, set())

    before = stamps()
    with engine.begin() as connection:  # a location moved by hand
        connection.execute(
            sa.update(Location).where(col(Location.service_id) == service).values(latitude=43.46)
        )
    assert restamped(before) == {service}
    assert read() == ({service}, set())

    before = stamps()
    suspended = api.client.post(f"/v1/organizations/{organization}/suspend", headers=api.admin)
    assert suspended.status_code == 200, suspended.text
    # (its listings too: their `updated_at` moves, so that a sync reads them again)
    assert restamped(before) == {uuid.UUID(organization), service}
    assert read() == ({service}, {uuid.UUID(organization)})

    before = stamps()
    deleted = api.client.delete(f"/v1/services/{service}", headers=api.admin)
    assert deleted.status_code == 204, deleted.text
    assert restamped(before) == {service}
    assert read() == ({service}, set())

    assert read() == (set(), set())  # nothing new: nothing read


def test_the_next_match_sees_every_change_however_it_was_made(api: Api, engine: sa.Engine) -> None:
    organization = api.organization("Followed")
    first = api.service(organization, name="First")["id"]
    assert _matched(api) == {first}  # the index is read here

    second = api.service(organization, name="Second")["id"]
    assert _matched(api) == {first, second}

    with engine.begin() as connection:  # moved to Vancouver by hand, with no service area
        connection.execute(
            sa.update(Location)
            .where(col(Location.service_id) == uuid.UUID(second))
            .values(latitude=49.28, longitude=-123.12, province="BC")
        )
        connection.execute(
            sa.update(Service)
            .where(col(Service.id) == uuid.UUID(second))
            .values(service_radius_km=None)
        )
    assert _matched(api) == {first}

    suspended = api.client.post(f"/v1/organizations/{organization}/suspend", headers=api.admin)
    assert suspended.status_code == 200, suspended.text
    assert _matched(api) == set()
    approved = api.client.post(
        f"/v1/organizations/{organization}/approve", json={"note": "cleared"}, headers=api.admin
    )
    assert approved.status_code == 200, approved.text
    assert _matched(api) == {first}

    deleted = api.client.delete(f"/v1/services/{first}", headers=api.admin)
    assert deleted.status_code == 204, deleted.text
    assert _matched(api) == set()


def test_the_answer_shows_a_listing_as_it_is_now(api: Api, engine: sa.Engine) -> None:
    """The index keeps the listings it shows; a change by hand reaches the answer too."""
    organization = api.organization("Renamed")
    service = api.service(organization, name="Old name")["id"]
    body = {"location": KITCHENER, "needs": ["housing"]}
    operator = api.key("operator")

    def shown() -> tuple[str, str]:
        response = api.client.post("/v1/match", json=body, headers=operator)
        (match,) = response.json()["results"][0]["matches"]
        return match["name"], match["organization"]["name"]

    assert shown() == ("Old name", "Renamed")
    with engine.begin() as connection:
        connection.execute(
            sa.update(Service).where(col(Service.id) == uuid.UUID(service)).values(name="New")
        )
        connection.execute(
            sa.update(Organization)
            .where(col(Organization.id) == uuid.UUID(organization))
            .values(name="Renamed again")
        )
    assert shown() == ("New", "Renamed again")


def _beds(live: MatchIndex, session: Session, service: str) -> int | None:
    with live.current(session) as current:
        assert current is not None
        candidate = current.registry.get(service)
        assert candidate is not None
        return candidate.beds_available


def _set_beds(connection: sa.Connection, service: str, beds: int) -> None:
    connection.execute(
        sa.update(Service).where(col(Service.id) == uuid.UUID(service)).values(beds_available=beds)
    )


def test_a_change_committed_late_is_not_missed(api: Api, engine: sa.Engine) -> None:
    """A change whose transaction began before the index last looked and committed after it
    reaches the index all the same (on PostgreSQL its stamp is below changes seen since)."""
    organization = api.organization("Late")
    slow, quick = (api.service(organization, name=name)["id"] for name in ("Slow", "Quick"))
    live = MatchIndex()
    with Session(engine) as session:
        assert _beds(live, session, slow) == 3
    with engine.connect() as late:
        transaction = late.begin()
        _set_beds(late, slow, 1)  # written, not committed
        if engine.dialect.name != "sqlite":  # SQLite has one writer at a time
            with engine.begin() as other:
                _set_beds(other, quick, 2)
        with Session(engine) as session:
            assert _beds(live, session, slow) == 3
            if engine.dialect.name != "sqlite":
                assert _beds(live, session, quick) == 2
        transaction.commit()
    with Session(engine) as session:
        assert _beds(live, session, slow) == 1


def test_many_changes_at_once_make_the_index_read_everything(
    api: Api, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = api.organization("Reread")
    services = [api.service(organization, name=f"S{n}")["id"] for n in range(3)]
    live = MatchIndex()
    with Session(engine) as session:
        assert _beds(live, session, services[0]) == 3
    monkeypatch.setattr(match_index, "_PAGE", 2)  # an import: more than a page changed
    with engine.begin() as connection:
        for service in services:
            _set_beds(connection, service, 5)
    with Session(engine) as session:
        assert [_beds(live, session, service) for service in services] == [5, 5, 5]
    assert live.whole_reads == 2


def test_a_whole_read_is_not_repeated_while_another_transaction_runs(
    api: Api, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, a transaction that runs on (in any database of the server) holds back
    the stamp up to which changes are settled. Many changes committed since (an import) make
    the index read everything once; the changes that read held are not then taken for new
    ones, which would read everything again on every match until that transaction ends."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: every change is settled")
    monkeypatch.setattr(match_index, "_PAGE", 2)  # an import: more than a page changed
    live = MatchIndex()
    with engine.connect() as long_running:
        transaction = long_running.begin()
        long_running.execute(sa.text("SELECT pg_current_xact_id()"))  # a writer's id
        organization = api.organization("Imported")
        services = [api.service(organization, name=f"S{n}")["id"] for n in range(3)]
        for _ in range(3):
            with Session(engine) as session:
                assert [_beds(live, session, service) for service in services] == [3, 3, 3]
        assert live.whole_reads == 1
        with engine.begin() as connection:
            _set_beds(connection, services[0], 1)
        with Session(engine) as session:
            assert _beds(live, session, services[0]) == 1
        assert live.whole_reads == 1
        transaction.rollback()


def test_a_failover_is_a_new_log(engine: sa.Engine) -> None:
    """On PostgreSQL a standby promoted in a failover may give again transaction ids that the
    reader counts as settled (it was behind): its new timeline makes the log a new one, which
    the index reads whole again (as the restored log below)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's timelines")
    with Session(engine) as session:
        seen = feed.horizon(session)
        read = feed.changes_after(session, seen)
        wal_file = session.execute(sa.text("SELECT pg_walfile_name(pg_current_wal_lsn())"))
        timeline = wal_file.scalar_one()[:8]
    assert seen.log == read.seen.log
    assert seen.log.endswith(f"/{timeline}")
    promoted = replace(seen, log=seen.log.removesuffix(timeline) + f"{int(timeline, 16) + 1:08X}")
    assert promoted.replaces(seen)


def test_a_restored_log_makes_the_index_read_everything(generated: sa.Engine) -> None:
    """A database restored from a backup has an older log (SQLite: its stamps went back) or a
    new one (PostgreSQL: a new table); either way the index reads everything again. (On the
    module's own database: the shared one's workers would miss what the restore drops.)"""
    live = MatchIndex()
    with Session(generated) as session, live.current(session):
        pass
    with generated.begin() as connection:
        (service,) = connection.execute(sa.select(col(Service.id)).limit(1)).scalars()
        _set_beds(connection, str(service), 1)
    with Session(generated) as session, live.current(session):
        pass
    assert live.whole_reads == 1
    with generated.begin() as connection:
        if generated.dialect.name == "sqlite":  # the log as it was before the last change
            newest = connection.execute(sa.select(sa.func.max(col(RegistryChange.stamp))))
            connection.execute(
                sa.delete(RegistryChange).where(col(RegistryChange.stamp) == newest.scalar())
            )
        else:  # pg_restore --clean recreates the table; TRUNCATE gives it new storage too
            connection.execute(sa.text("TRUNCATE registry_change"))
    with Session(generated) as session, live.current(session):
        pass
    assert live.whole_reads == 2


def test_a_change_is_applied_once_while_a_long_transaction_runs(
    api: Api, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, the change of a transaction that was running when the index last
    looked is read once it commits, and every other change once: the index rebuilds each
    listing once per change, however long that transaction runs."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: no change waits on another")
    organization = api.organization("Long")
    held, changed = (api.service(organization, name=name)["id"] for name in ("Held", "Changed"))
    live = MatchIndex()
    with Session(engine) as session:
        assert _beds(live, session, changed) == 3
    rebuilt: list[uuid.UUID] = []
    rows_of = match_repo.raw_candidate_rows

    def counted(session: Session, ids: Any) -> Any:
        rebuilt.extend(ids)
        return rows_of(session, ids)

    monkeypatch.setattr(match_repo, "raw_candidate_rows", counted)
    with engine.connect() as long_running:
        transaction = long_running.begin()
        _set_beds(long_running, held, 2)  # keeps the snapshot's xmin back
        with engine.begin() as connection:
            _set_beds(connection, changed, 1)
        for _ in range(3):
            with Session(engine) as session:
                assert _beds(live, session, changed) == 1
        assert rebuilt == [uuid.UUID(changed)]
        transaction.commit()
    with Session(engine) as session:
        assert _beds(live, session, held) == 2
    assert rebuilt == [uuid.UUID(changed), uuid.UUID(held)]


def test_deleting_a_listing_while_its_beds_are_written_does_not_deadlock(
    api: Api, engine: sa.Engine
) -> None:
    """Deleting a listing deletes its locations first; their trigger locks the service's row
    before the log's, as an availability write does, so the two queue instead of deadlocking."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time")
    organization = api.organization("Deleted")
    service = uuid.UUID(api.service(organization)["id"])
    outcome: list[object] = []
    with engine.connect() as deleting:
        transaction = deleting.begin()
        deleting.execute(sa.delete(Location).where(col(Location.service_id) == service))

        def write_beds() -> None:
            try:
                with engine.begin() as connection:
                    connection.execute(
                        sa.update(Service)
                        .where(col(Service.id) == service)
                        .values(beds_available=1)
                    )
                outcome.append("written")
            except sa.exc.DBAPIError as error:
                outcome.append(error)

        writer = threading.Thread(target=write_beds)
        writer.start()
        writer.join(timeout=0.5)
        assert writer.is_alive()  # queued behind the delete's lock on the service
        deleting.execute(sa.delete(Service).where(col(Service.id) == service))
        transaction.commit()
        writer.join(timeout=60)
    assert outcome == ["written"]  # (it found nothing left to update)


def test_the_triggers_that_write_the_log_exist_after_every_migration(engine: sa.Engine) -> None:
    """A migration that rebuilds a watched table on SQLite drops its triggers; this fails then."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
            expected = {
                f"registry_change_{table}_{event}"
                for table in ("service", "location", "organization")
                for event in ("insert", "update", "delete")
            }
        else:
            names = connection.exec_driver_sql(
                "SELECT DISTINCT trigger_name FROM information_schema.triggers"
            ).scalars()
            expected = {f"registry_change_{t}" for t in ("service", "location", "organization")}
        assert expected <= set(names)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    for url in new_database_url(Path(tmp_path_factory.mktemp("index"))):
        engine = create_db_engine(url)
        migrate(engine)
        load_registry(engine, 1500, seed=7)
        yield engine
        engine.dispose()


PROFILES = [
    {"needs": ["housing", "legal", "specialized"], "location": {"postal_prefix": "M5V"}},
    {
        "gender": "woman",
        "age": 24,
        "trafficking_type": "labour",
        "languages": ["es"],
        "needs": ["housing", "legal.immigration", "specialized.counselling"],
        "location": {"postal_prefix": "L5B"},
    },
    {
        "gender": "man",
        "trafficking_type": "sex",
        "urgent": True,
        "no_identification": True,
        "needs": ["housing.emergency_shelter", "specialized.medical"],
        "location": {"postal_prefix": "N0B"},
    },
    {"age": 16, "needs": ["housing", "legal"], "location": {"place": "Thunder Bay, ON"}},
    {
        "with_dependents": True,
        "needs": ["specialized.financial", "housing"],
        "location": {"place": "Montréal"},
    },
    {"wheelchair": True, "needs": ["specialized"], "location": {"postal_prefix": "R3C"}},
]


@pytest.mark.parametrize("profile", PROFILES)
def test_memory_and_database_search_answer_alike_when_no_cap_binds(
    generated: sa.Engine, profile: dict[str, Any]
) -> None:
    """With a cap larger than any search holds, both searches hold every candidate that may
    rank, so the answers are the same, word for word."""
    settings = Settings(match_candidate_cap=2000, _env_file=None)
    request = NeedProfile.model_validate({"limit": 8, **profile})
    gazetteer = default_gazetteer()
    now = utcnow()
    with Session(generated) as session:
        answers = [
            match_needs(
                session,
                profile=request,
                gazetteer=gazetteer,
                caller=OPERATOR,
                settings=settings,
                now=now,
                index=index,
            ).model_dump()
            for index in (MatchIndex(), None)
        ]
    assert answers[0] == answers[1]
    assert any(result["matches"] for result in answers[0]["results"])


def test_a_worker_set_to_search_the_database_holds_no_index_and_answers_alike(
    api: Api, settings: Settings
) -> None:
    organization = api.organization("Either way")
    for name in ("One", "Two", "Three"):
        api.service(organization, name=name)
    body = {"location": KITCHENER, "needs": ["housing", "legal"], "gender": "woman"}
    operator = api.key("operator")
    database_only = create_app(settings.model_copy(update={"match_search": "database"}))
    with TestClient(database_only, raise_server_exceptions=False) as other:
        assert other.app.state.match_index is None  # type: ignore[attr-defined]
        from_database = other.post("/v1/match", json=body, headers=operator)
    from_memory = api.client.post("/v1/match", json=body, headers=operator)
    assert from_database.status_code == from_memory.status_code == 200
    assert [[m["name"] for m in r["matches"]] for r in from_memory.json()["results"]] == [
        [m["name"] for m in r["matches"]] for r in from_database.json()["results"]
    ]
    assert without_random_parts(from_database.text) == without_random_parts(from_memory.text)
    assert len(from_memory.json()["results"][0]["matches"]) == 3


def test_metrics_say_how_many_services_the_index_holds_and_how_often_it_was_read(
    api: Api,
) -> None:
    organization = api.organization("Counted")
    for name in ("A", "B"):
        api.service(organization, name=name)
    api.service(api.organization("Unvetted", approved=False), name="C")
    assert len(_matched(api)) == 2
    text = api.client.get("/metrics", headers=scraper()).text
    assert "referral_match_index_services 2.0" in text
    (reads,) = (
        line for line in text.splitlines() if line.startswith("referral_match_index_whole_reads ")
    )
    assert float(reads.split()[1]) >= 1


def test_while_the_registry_is_read_whole_matches_search_the_database(
    api: Api, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker reads the whole registry in the background (at start, after an import or a
    restore); meanwhile matches are answered from the database, never from a stale index."""
    organization = api.organization("Background")
    service = api.service(organization, name="Found either way")["id"]
    gate = threading.Event()
    read = match_index._Whole.read

    def held_read(cls: type, session: Session) -> Any:
        # (held until the test lets it go, however slow a loaded CI machine is meanwhile: it
        # waited 10 s once, and gave up while the gazetteer was still loading)
        assert gate.wait(300)
        return read(session)

    monkeypatch.setattr(match_index._Whole, "read", classmethod(held_read))
    gazetteer = default_gazetteer()
    told: list[int] = []  # (what the worker's gauges are written with, once it is read)
    live = MatchIndex(background=True, on_read=lambda: told.append(live.size))
    request = NeedProfile.model_validate({"needs": ["housing"], "location": KITCHENER})
    try:
        with Session(engine) as session:
            with live.current(session) as current:
                assert current is None  # the read is under way
            answer = match_needs(
                session,
                profile=request,
                gazetteer=gazetteer,
                caller=OPERATOR,
                settings=Settings(_env_file=None),
                index=live,
            )
        assert [str(m.service_id) for m in answer.results[0].matches] == [service]
    finally:
        gate.set()
    live.close(timeout=60)
    with Session(engine) as session, live.current(session) as current:
        assert current is not None
        assert current.registry.get(service) is not None
    assert live.whole_reads == 1
    assert told == [live.size]
    assert live.size > 0


def test_an_import_is_logged_in_one_statement_and_reaches_the_next_match(
    api: Api, engine: sa.Engine
) -> None:
    """The HSDS import silences the triggers in its transaction and logs what it wrote at the
    end: the next match sees every listing it created or changed, and the triggers are heard
    again afterwards (nothing of the silence is ever committed)."""
    organization = api.organization("Imported")
    original = api.service(organization, name="Original")["id"]
    body = {"location": KITCHENER, "needs": ["housing"]}
    operator = api.key("operator")

    def names() -> set[str]:
        response = api.client.post("/v1/match", json=body, headers=operator)
        return {m["name"] for m in response.json()["results"][0]["matches"]}

    assert names() == {"Original"}
    record = api.get(f"/hsds/services/{original}", api.admin).json()
    copy = {**record, "id": str(uuid.uuid4()), "name": "Imported copy"}
    done = api.client.post("/v1/import/hsds", json=[copy], headers=api.admin)
    assert done.status_code == 200, done.text
    assert names() == {"Original", "Imported copy"}
    renamed = api.client.post(
        "/v1/import/hsds", json=[{**copy, "name": "Renamed by import"}], headers=api.admin
    )
    assert renamed.json()["services_updated"] == 1
    assert names() == {"Original", "Renamed by import"}
    refused = api.client.post(
        "/v1/import/hsds", json=[{**copy, "minimum_age": "old"}], headers=api.admin
    )
    assert refused.status_code == 422
    with engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(RegistryQuiet)).scalar() == 0
        )
    with engine.begin() as connection:  # a write after the imports is logged by its trigger
        _set_beds(connection, original, 0)
    response = api.client.post("/v1/match", json=body, headers=operator)
    (shown,) = [m for m in response.json()["results"][0]["matches"] if m["name"] == "Original"]
    assert shown["availability"]["beds_available"] == 0


def test_the_database_reads_intake_hours_at_any_hour_as_matching_does(
    api: Api, engine: sa.Engine
) -> None:
    """The database's search (`repository.match._intake_24_7`, the stored `intake_24_7`) and
    the matching core (`scoring.around_the_clock`) agree on every way of writing the hours,
    and through every way of writing a listing: POST, PUT and PATCH."""
    organization = api.organization("Hours")
    written = [
        "24 h/24, 7 j/7",
        "24 Hours",
        "24/7",
        "24 hours a day, 7 days a week",
        "24/7 (call first)",
        "24/7 (winter only)",
        "Mon-Fri 9:00-17:00",
        "by appointment",
    ]
    ids = {
        api.service(organization, name=hours, intake={**listing("x")["intake"], "hours": hours})[
            "id"
        ]: hours
        for hours in written
    }
    # Hours changed by PATCH and by PUT are decided again as they are written.
    changed = {"24/7 (winter only)": "24 h/24, 7 j/7", "by appointment": "24/7 - call ahead"}
    for service_id, hours in list(ids.items()):
        if hours not in changed:
            continue
        current = api.client.get(f"/v1/services/{service_id}", headers=api.admin)
        etag = current.headers["ETag"]
        body = {**listing("x")["intake"], "hours": changed[hours]}
        if hours == "by appointment":
            response = api.client.patch(
                f"/v1/services/{service_id}",
                json={"intake": body},
                headers=with_if_match(api.admin, etag),
            )
        else:
            whole = {
                k: v
                for k, v in current.json().items()
                if k
                not in {
                    "id",
                    "version",
                    "created_at",
                    "updated_at",
                    "last_verified_at",
                    "availability_updated_at",
                }
            }
            response = api.client.put(
                f"/v1/services/{service_id}",
                json={**whole, "intake": body},
                headers=with_if_match(api.admin, etag),
            )
        assert response.status_code == 200, response.text
        ids[service_id] = changed[hours]
    with Session(engine) as session:
        found = session.execute(
            sa.select(col(Service.id)).where(match_repo._intake_24_7())
        ).scalars()
        at_any_hour = {ids[str(service_id)] for service_id in found}
    assert at_any_hour == {hours for hours in ids.values() if scoring.around_the_clock(hours)}
    assert at_any_hour == {
        "24 h/24, 7 j/7",
        "24 Hours",
        "24/7",
        "24 hours a day, 7 days a week",
        "24/7 (call first)",
        "24/7 - call ahead",
    }
