"""Running the service: health and readiness, metrics, access logs, request ids, migrations
from empty, and the command line's answer to a bad setting."""

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import anyio
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from schemas.enums import Role
from service import db, startup
from service.config import Settings
from service.db import alembic_config, create_db_engine, downgrade, migrate, startup_lock
from service.deps import get_session
from service.errors import DatabaseUnavailable
from service.main import create_app
from service.matching import scoring
from service.observability import JsonFormatter
from service.startup import prepare_database
from service.usecases.demo import load_demo_registry
from service.usecases.keys import issue_key
from tests.conftest import _postgres_database, new_database_url
from tests.factories import (
    ADMIN_KEY,
    CANARY,
    Api,
    app_settings,
    assert_problem,
    bearer,
    listing,
    scraper,
    with_if_match,
)

TABLES = {"organization", "api_key", "service", "location", "service_change", "alembic_version"}
POSTGRES_SERVER = os.environ.get(
    "REFERRAL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# Health, metrics, logs, request ids.


def test_healthz_answers_200(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_while_the_database_answers(api: Api) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_the_probes_answer_while_every_thread_of_the_pool_waits(api: Api) -> None:
    """Requests held by a lock can keep every thread of the shared pool waiting: liveness
    and readiness still answer at once (an SRE's review saw /healthz take 9 s)."""
    portal = api.client.portal
    assert portal is not None
    pool = portal.call(anyio.to_thread.current_default_thread_limiter)
    holders = [object() for _ in range(int(pool.total_tokens))]

    async def take() -> None:
        for holder in holders:
            await pool.acquire_on_behalf_of(holder)

    async def give_back() -> None:
        for holder in holders:
            pool.release_on_behalf_of(holder)

    portal.call(take)
    try:
        assert pool.available_tokens == 0
        assert api.client.get("/healthz").status_code == 200
        assert api.client.get("/readyz").status_code == 200
    finally:
        portal.call(give_back)


def test_metrics_count_requests_by_route_template_never_by_concrete_value(api: Api) -> None:
    organization_id = api.organization()
    service_id = api.service(organization_id)["id"]
    assert api.get(f"/v1/services/{service_id}", api.admin).status_code == 200
    assert api.get("/v1/services", api.admin, organization_id=organization_id).status_code == 200
    assert api.get("/v1/services", api.admin, modified_after=CANARY).status_code == 422
    assert api.client.get(f"/v1/{CANARY}").status_code == 404

    metrics = api.client.get("/metrics", headers=scraper())
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert "referral_http_requests_total{" in text
    assert 'route="/v1/services/{service_id}",status="200"' in text
    assert 'route="/v1/organizations/{organization_id}/approve"' in text
    assert "referral_http_request_duration_seconds_bucket{" in text
    for concrete in (service_id, organization_id, CANARY):
        assert concrete not in text


@pytest.mark.parametrize("sent", [None, "Bearer wrong-token-0123456789", "Basic abc"])
def test_metrics_without_the_metrics_token_are_refused(api: Api, sent: str | None) -> None:
    """The request counters, read every few seconds, would say that a match was just made
    (a security review found `/metrics` open to anyone)."""
    headers = {"Authorization": sent} if sent else {}
    refused = api.client.get("/metrics", headers=headers)
    problem = assert_problem(refused, 401)
    assert "REFERRAL_METRICS_TOKEN" in problem["detail"]
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert "referral_http_requests_total" not in refused.text
    assert api.client.get("/metrics", headers=api.admin).status_code == 401  # nor an API key


@pytest.mark.parametrize(
    ("host", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("::1", {}, 200),
        ("::ffff:127.0.0.1", {}, 200),  # a dual-stack socket's loopback (`--host ::`)
        ("127.0.0.2", {}, 200),
        ("10.0.0.7", {}, 403),
        ("::ffff:10.0.0.7", {}, 403),
        # A proxy on this host that passes its client's headers on, or forwards for one.
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, 403),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, 403),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}, 403),
    ],
)
def test_without_a_metrics_token_metrics_answer_this_host_alone(
    database_url: str, host: str, headers: dict[str, str], status: int
) -> None:
    settings = app_settings(database_url, metrics_token=None)
    with TestClient(create_app(settings), raise_server_exceptions=False, client=(host, 5000)) as c:
        response = c.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 403:
        assert "REFERRAL_METRICS_TOKEN" in assert_problem(response, 403)["detail"]


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The service's loggers do not propagate; hand caplog's handler to the access logger."""
    logger = logging.getLogger("referral.access")
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def _access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    unique = {id(record): record for record in caplog.records if record.name == "referral.access"}
    return list(unique.values())


def test_one_json_access_line_per_request_with_route_status_and_duration(
    api: Api, access_log: pytest.LogCaptureFixture
) -> None:
    service_id = api.service(api.organization())["id"]
    access_log.clear()
    response = api.client.get(
        f"/v1/services/{service_id}",
        headers={**api.admin, "X-Request-ID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
    )
    assert response.status_code == 200
    records = _access_records(access_log)
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["logger"] == "referral.access"
    assert entry["method"] == "GET"
    assert entry["route"] == "/v1/services/{service_id}"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float | int)
    assert entry["duration_ms"] >= 0
    assert entry["request_id"] == "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def test_access_log_never_holds_body_query_values_path_ids_or_keys(
    api: Api, access_log: pytest.LogCaptureFixture
) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    secret = provider["Authorization"].removeprefix("Bearer ")
    service_id = api.service(organization_id)["id"]
    access_log.clear()

    api.client.post(
        "/v1/services", json=listing(organization_id, name=f"{CANARY} body"), headers=provider
    )
    api.client.post(
        "/v1/services", json=listing(organization_id, fees=f"{CANARY} bad"), headers=provider
    )
    api.client.get("/v1/services", headers=provider, params={"category": f"{CANARY} query"})
    api.client.get(
        f"/v1/services/{service_id}", headers=provider, params={"note": f"{CANARY} extra"}
    )
    api.client.get(f"/v1/services/{CANARY}", headers=provider)
    api.client.get("/v1/taxonomy", headers={"Authorization": f"Bearer {CANARY}-key"})

    records = _access_records(access_log)
    assert len([r for r in records if r.getMessage() == "request"]) == 6
    for record in records:
        text = JsonFormatter().format(record) + repr(vars(record))
        for forbidden in (CANARY, secret, service_id, organization_id):
            assert forbidden not in text, record


def test_no_request_is_sent_to_opentelemetry_whatever_the_environment_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """FastAPI's native telemetry turns itself on when a global provider is configured or
    FASTAPI_OTEL_AUTO_CONFIGURE is set; ours never does, so no span, metric or log of a
    request (its path, its errors) leaves through it."""
    from opentelemetry import _logs, metrics, trace

    asked: list[str] = []

    class Configured:  # what an SDK or a vendor's agent would install
        def __getattr__(self, name: str) -> Any:
            asked.append(name)
            raise AssertionError(f"telemetry used: {name}")

    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    monkeypatch.setattr(trace, "get_tracer_provider", Configured)
    monkeypatch.setattr(metrics, "get_meter_provider", Configured)
    monkeypatch.setattr(_logs, "get_logger_provider", Configured)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'telemetry.db'}",
        bootstrap_admin_key=ADMIN_KEY,
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/taxonomy").status_code == 401
        body = {"needs": ["housing"], "location": {"postal_prefix": "N2L"}}
        answer = client.post(
            "/v1/match", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert answer.status_code == 200, answer.text
    assert asked == []


@pytest.mark.parametrize(
    ("offered", "echoed"),
    [
        ("0123456789abcdef", True),
        ("1b4e28ba-2fa1-11d2-883f-0016d3cca427", True),
        ("4BF92F3577B34DA6A3CE929D0E0E4736", True),
        ("a" * 64, True),
        ("short", False),
        ("0123456789abcde", False),
        ("a" * 65, False),
        # Words are no id: a case's details put there would be logged.
        ("woman.age67.tlh.N2L3G1", False),
        ("req-1234567890", False),
        (f"{CANARY} with spaces", False),
        ("x" * 65, False),
        # Nor digits and dashes alone: a telephone number, a date of birth, a health number.
        ("613-555-0100", False),
        ("1-613-555-0100-22", False),
        ("1999-04-12", False),
        ("16135550100123456", False),
        ("12345678-1234-1234-1234-123456789012", False),
        # Dashes only where a UUID has them.
        ("0001-abcd-0002-ef", False),
        ("1b4e28ba2fa1-11d2-883f-0016d3cca427", False),
    ],
)
def test_request_id_is_echoed_when_it_looks_like_an_id(
    api: Api, offered: str, echoed: bool
) -> None:
    response = api.client.get("/v1/services", headers={"X-Request-ID": offered})
    problem = assert_problem(response, 401)
    returned = response.headers["X-Request-ID"]
    assert problem["request_id"] == returned
    assert (returned == offered) is echoed
    if not echoed:
        assert len(returned) == 32
        assert CANARY not in response.text


def test_request_id_is_made_up_when_none_is_sent(api: Api) -> None:
    first = api.client.get("/healthz").headers["X-Request-ID"]
    second = api.client.get("/healthz").headers["X-Request-ID"]
    assert first != second


# Readiness while the database goes away and comes back.


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that can be cut (listener and live connections closed)
    and restored on the same port, to take the database away from a running app."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._pumps: list[threading.Thread] = []

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._accepting is not None:
            self._accepting.join(timeout=10)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
            pumps, self._pumps = self._pumps, []
        for sock in sockets:
            _shutdown(sock)
        for pump in pumps:
            pump.join(timeout=10)
        for sock in sockets:
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            pumps = [
                threading.Thread(target=_pump, args=(client, upstream), daemon=True),
                threading.Thread(target=_pump, args=(upstream, client), daemon=True),
            ]
            with self._lock:
                self._sockets += [client, upstream]
                self._pumps += pumps
            for pump in pumps:
                pump.start()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65_536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _shutdown(source)
        _shutdown(sink)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, whichever backend the suite tests."""
    probe = sa.create_engine(POSTGRES_SERVER, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except sa.exc.OperationalError:
        pytest.skip("no PostgreSQL server at REFERRAL_TEST_DATABASE_URL or 127.0.0.1:5432")
    finally:
        probe.dispose()
    yield from _postgres_database(POSTGRES_SERVER)


@pytest.mark.postgres
def test_readyz_is_503_while_the_database_is_away_and_200_again_without_restart(
    postgres_url: str,
) -> None:
    url = sa.engine.make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    try:
        through_proxy = url.set(host="127.0.0.1", port=proxy.port)
        settings = app_settings(through_proxy.render_as_string(hide_password=False))
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200

            proxy.stop()
            down = client.get("/readyz")
            problem = assert_problem(down, 503)
            assert "Traceback" not in down.text
            assert problem["detail"]
            assert client.get("/healthz").status_code == 200
            # Every other request that needs the database: 503 to try again, not 500.
            admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
            for away in (
                client.get("/v1/taxonomy", headers=admin),
                client.post("/v1/match", json=_A_PROFILE, headers=admin),
                client.post("/v1/organizations", json={"name": "Unsaved"}, headers=admin),
            ):
                _assert_try_again(away)

            proxy.start()
            assert client.get("/readyz").status_code == 200
            taxonomy = client.get("/v1/taxonomy", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
            assert taxonomy.status_code == 200
    finally:
        proxy.stop()


# The database out of reach or busy: 503 with Retry-After, nothing changed.

_A_PROFILE = {
    "gender": "woman",
    "age": 30,
    "newcomer_status": "canadian_citizen",
    "trafficking_type": "labour",
    "needs": ["housing"],
    "location": {"postal_prefix": "N2G"},
}


def _assert_try_again(response: Any) -> None:
    problem = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1"
    assert problem["type"].endswith("/unavailable")
    assert "nothing was changed" in problem["detail"]
    assert "Traceback" not in response.text
    assert "SELECT" not in response.text
    assert "UPDATE" not in response.text


_SQLITE_ONLY = pytest.mark.skipif(
    bool(os.environ.get("REFERRAL_TEST_DATABASE_URL")), reason="SQLite's write lock"
)


@pytest.fixture
def impatient_app(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Api, str]]:
    """An app on a database of its own whose requests wait 0.2 s for a lock."""
    monkeypatch.setattr(db, "DATABASE_WAIT_S", 0.2)
    settings = app_settings(fresh_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client), fresh_database_url


@contextmanager
def _write_lock_held(database_url: str) -> Iterator[None]:
    """Another process's hold on SQLite's write lock (a long import, a hand edit in SQL)."""
    holder = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with holder.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.exec_driver_sql("ROLLBACK")
    holder.dispose()


@_SQLITE_ONLY
def test_a_write_that_waits_too_long_for_sqlite_is_503_to_try_again_and_changes_nothing(
    impatient_app: tuple[Api, str], caplog: pytest.LogCaptureFixture
) -> None:
    api, database_url = impatient_app
    client = api.client
    service = api.service(api.organization())
    availability = f"/v1/services/{service['id']}/availability"
    before = client.get(f"/v1/services/{service['id']}", headers=api.admin).json()
    errors = logging.getLogger("referral.errors")  # (it does not propagate)
    errors.addHandler(caplog.handler)
    try:
        with _write_lock_held(database_url):
            busy = client.put(availability, json={"beds_available": 1}, headers=api.admin)
    finally:
        errors.removeHandler(caplog.handler)
    _assert_try_again(busy)
    # (once however many of caplog's handlers it reached, as `_access_records`)
    logged = list({id(r): r for r in caplog.records if r.name == "referral.errors"}.values())
    assert [(r.getMessage(), r.levelname) for r in logged] == [("database unavailable", "WARNING")]
    assert logged[0].__dict__["error_type"] == "OperationalError"
    after = client.get(f"/v1/services/{service['id']}", headers=api.admin).json()
    assert after == before
    retried = client.put(availability, json={"beds_available": 1}, headers=api.admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["capacity"]["beds_available"] == 1


@_SQLITE_ONLY
def test_a_match_never_waits_for_another_writer_to_record_its_keys_use(
    impatient_app: tuple[Api, str],
) -> None:
    """A key's first use in a minute is recorded (`last_used_at`), a write: while another
    writer holds SQLite, it is left for a later request instead of holding up the match."""
    api, database_url = impatient_app
    operator = api.key("operator")

    def last_used() -> str | None:
        keys = api.client.get("/v1/keys", headers=api.admin).json()["items"]
        used: str | None = next(k for k in keys if k["name"] == "test operator")["last_used_at"]
        return used

    with _write_lock_held(database_url):
        matched = api.client.post("/v1/match", json=_A_PROFILE, headers=operator)
        assert matched.status_code == 200, matched.text
    assert last_used() is None
    assert api.client.post("/v1/match", json=_A_PROFILE, headers=operator).status_code == 200
    assert last_used() is not None


_POSTGRESQL_ONLY = pytest.mark.skipif(
    not os.environ.get("REFERRAL_TEST_DATABASE_URL"), reason="PostgreSQL's locks"
)


@_POSTGRESQL_ONLY
@pytest.mark.parametrize("first_use", [False, True])
def test_a_write_that_waits_too_long_for_a_row_lock_is_503_and_changes_nothing(
    impatient_app: tuple[Api, str], first_use: bool
) -> None:
    """A transaction left open by hand on a listing's row: a provider's update waits for it
    no longer than the client waits for an answer, and is told to try again. Also when the
    key's use is recorded first (its first request in a minute): that commit is the
    service's own, and the write after it is still in no doubt (an SRE's review found 500)."""
    api, url = impatient_app
    organization = api.organization()
    service = api.service(organization)
    availability = f"/v1/services/{service['id']}/availability"
    writer = api.key("provider", organization) if first_use else api.admin
    before = api.client.get(f"/v1/services/{service['id']}", headers=api.admin).json()
    holder = sa.create_engine(url)
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:  # for 30 s at most: without a limit the update waits that long, then 200
        with holder.connect() as connection:
            connection.execute(
                sa.text("SELECT 1 FROM service WHERE id = :id FOR UPDATE"), {"id": service["id"]}
            )
            locked.set()
            done.wait(30)  # (let go as soon as the update is answered)
            connection.rollback()

    holding = threading.Thread(target=hold, daemon=True)
    holding.start()
    try:
        assert locked.wait(60)
        busy = api.client.put(availability, json={"beds_available": 1}, headers=writer)
    finally:
        done.set()
        holding.join(10)
        holder.dispose()
    _assert_try_again(busy)
    after = api.client.get(f"/v1/services/{service['id']}", headers=api.admin).json()
    assert after == before
    retried = api.client.put(availability, json={"beds_available": 1}, headers=api.admin)
    assert retried.status_code == 200, retried.text


@_POSTGRESQL_ONLY
def test_starting_waits_for_another_instance_however_long_it_migrates(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Instances that start together take turns at the migrations: the wait for the turn is
    not a request's, and does not end at `DATABASE_WAIT_S`."""
    monkeypatch.setattr(db, "DATABASE_WAIT_S", 0.2)
    settings = app_settings(fresh_database_url)
    started: list[int] = []
    other = create_db_engine(fresh_database_url)
    try:
        with startup_lock(other):  # another instance, migrating for a second
            starting = threading.Thread(target=_start, args=(settings, started), daemon=True)
            starting.start()
            starting.join(1.0)
            assert starting.is_alive()  # waiting for its turn
        starting.join(30)
        assert started == [200]
    finally:
        other.dispose()


def _start(settings: Settings, started: list[int]) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        started.append(client.get("/readyz").status_code)


def _request_on(engine: sa.Engine) -> Any:
    """What `get_session` reads of a request."""
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(engine=engine)))


def _lost_connection() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))


def test_a_database_error_is_503_only_while_no_commit_began(engine: sa.Engine) -> None:
    """After a commit began, what the database holds may have changed (a connection lost
    mid-commit, or a failure after the commit): a client must not send the request again, so
    the error stays a 500."""

    async def ending(*, commit_first: bool) -> BaseException:
        sessions = cast(AsyncGenerator[Session, None], get_session(_request_on(engine)))
        session = await anext(sessions)
        if commit_first:
            session.commit()
        with pytest.raises((DatabaseUnavailable, sa.exc.OperationalError)) as raised:
            await sessions.athrow(_lost_connection())
        return raised.value

    untouched = asyncio.run(ending(commit_first=False))
    assert isinstance(untouched, DatabaseUnavailable)
    assert isinstance(untouched.__cause__, sa.exc.OperationalError)
    assert isinstance(asyncio.run(ending(commit_first=True)), sa.exc.OperationalError)


def test_a_connection_lost_under_the_closing_rollback_is_a_warning_not_an_error(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The request was answered; its connection died before the session's rollback: the
    database rolled back with it. An SRE's review found such requests logged as "unhandled
    error", paging someone for nothing."""

    async def closing() -> None:
        sessions = cast(AsyncGenerator[Session, None], get_session(_request_on(engine)))
        session = await anext(sessions)
        session.execute(sa.text("SELECT 1"))  # holds a connection: the close rolls back

        def lost() -> None:
            raise _lost_connection()

        monkeypatch.setattr(session, "close", lost)
        with pytest.raises(StopAsyncIteration):
            await anext(sessions)

    with caplog.at_level(logging.WARNING, logger="referral.errors"):
        asyncio.run(closing())
    [record] = [r for r in caplog.records if r.name == "referral.errors"]
    assert (record.levelno, record.getMessage()) == (
        logging.WARNING,
        "database connection lost while closing a session",
    )


# Migrations from empty.


def _migrate(url: str) -> None:
    engine = create_db_engine(url)
    try:
        with startup_lock(engine):
            migrate(engine)
    finally:
        engine.dispose()


def _schema(url: str) -> tuple[set[str], list[str]]:
    engine = create_db_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        versions: list[str] = []
        if "alembic_version" in tables:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                versions = [row[0] for row in rows]
        return tables, versions
    finally:
        engine.dispose()


def _head(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def test_migrating_an_empty_database_creates_every_table_at_head(fresh_database_url: str) -> None:
    assert _schema(fresh_database_url) == (set(), [])
    _migrate(fresh_database_url)
    tables, versions = _schema(fresh_database_url)
    assert tables >= TABLES
    assert versions == [_head(fresh_database_url)]


def test_migrations_match_the_models_exactly(fresh_database_url: str) -> None:
    """What `alembic revision --autogenerate` would find: nothing, on either database."""
    _migrate(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_migrating_twice_is_a_no_op(fresh_database_url: str) -> None:
    _migrate(fresh_database_url)
    first = _schema(fresh_database_url)
    _migrate(fresh_database_url)
    assert _schema(fresh_database_url) == first


def test_two_instances_migrating_one_empty_database_at_once_both_succeed(
    fresh_database_url: str,
) -> None:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def start_instance() -> None:
        try:
            barrier.wait(timeout=30)
            _migrate(fresh_database_url)
        except BaseException as error:
            failures.append(error)

    instances = [threading.Thread(target=start_instance) for _ in range(2)]
    for instance in instances:
        instance.start()
    for instance in instances:
        instance.join(timeout=120)
    assert failures == []
    tables, versions = _schema(fresh_database_url)
    assert tables >= TABLES
    assert versions == [_head(fresh_database_url)]


def test_app_started_on_an_empty_database_serves_at_once(fresh_database_url: str) -> None:
    settings = Settings(
        database_url=fresh_database_url, bootstrap_admin_key=ADMIN_KEY, _env_file=None
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/readyz").status_code == 200
        listed = client.get("/v1/services", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert listed.json()["total"] == 0


# The command line.


def _referral(
    directory: Path, settings: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """`referral ARGS` in `directory` with these settings and no other REFERRAL_ one."""
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", *args],
        cwd=directory,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        ("serve", "REFERRAL_DATABASE_URL", "mysql://x"),
        ("serve", "REFERRAL_BOOTSTRAP_ADMIN_KEY", "short"),
        ("serve", "REFERRAL_LOG_LEVEL", "chatty"),
        ("migrate", "REFERRAL_DATABASE_URL", "mysql://x"),
        # Not JSON: a traceback of a hundred lines (a review of the README).
        ("serve", "REFERRAL_CORS_ORIGINS", "https://a.ca"),
        # Against another setting: "REFERRAL_: Value error, ...".
        ("serve", "REFERRAL_DEFAULT_PER_PAGE", "300"),
        # In memory: the start migrated a database of its own, and every request met another,
        # empty one, 503 for ever (an SRE's review).
        ("serve", "REFERRAL_DATABASE_URL", "sqlite://"),
        ("serve", "REFERRAL_DATABASE_URL", "sqlite:///:memory:"),
        ("serve", "REFERRAL_DATABASE_URL", "sqlite:///file::memory:?uri=true"),
        ("serve", "REFERRAL_DATABASE_URL", "sqlite:///file:db?mode=memory&uri=true"),
    ],
)
def test_cli_with_an_invalid_setting_exits_nonzero_with_one_clear_line(
    tmp_path: Path, command: str, variable: str, value: str
) -> None:
    result = _referral(tmp_path, {variable: value}, command)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    if "KEY" in variable:
        assert value not in result.stderr


def test_a_bootstrap_key_that_is_another_keys_secret_stops_the_start_saying_so(
    tmp_path: Path,
) -> None:
    """An issued key's secret copied into REFERRAL_BOOTSTRAP_ADMIN_KEY stopped the start with
    "IntegrityError: UNIQUE constraint failed: api_key.key_hash", and made no key an admin."""
    settings = {"REFERRAL_DATABASE_URL": f"sqlite:///{tmp_path}/referral.db"}
    assert _referral(tmp_path, settings, "migrate").returncode == 0
    engine = sa.create_engine(settings["REFERRAL_DATABASE_URL"])
    with Session(engine) as session:
        secret = issue_key(session, role=Role.analyst, name="night analyst")
        session.commit()
    engine.dispose()
    result = _referral(
        tmp_path, {**settings, "REFERRAL_BOOTSTRAP_ADMIN_KEY": secret}, "serve", "--port", "1"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "referral: invalid setting REFERRAL_BOOTSTRAP_ADMIN_KEY: it is the secret of another "
        'key, "night analyst" (analyst): set a new secret of 16 characters or more'
    ]
    assert secret not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://postgres:s3cr3t-pw@127.0.0.1:1/test", "Connection refused"),
        ("sqlite:///{tmp}/no/such/directory/referral.db", "No such file or directory"),
        ("sqlite:///{tmp}/read-only.db", "readonly database"),
    ],
)
def test_a_start_that_cannot_prepare_the_database_says_why_in_one_line(
    tmp_path: Path, url: str, said: str
) -> None:
    """Refused, missing, read-only: each said as the driver says it, with where, never the
    password (an SRE's review found every one answered "OperationalError" alone, and a
    read-only SQLite file started, ready, refusing every request)."""
    settings = {"REFERRAL_DATABASE_URL": url.format(tmp=tmp_path)}
    path = tmp_path / "read-only.db"
    if "read-only" in url:  # migrated, then made read-only (root writes whatever the mode)
        assert _referral(tmp_path, settings, "migrate").returncode == 0
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if made.returncode != 0:
            os.chmod(path, 0o444)
            if os.access(path, os.W_OK):
                pytest.skip("no way to make a file read-only for this user on this disk")
    try:
        result = _referral(tmp_path, settings, "serve", "--port", "1")
    finally:
        if path.exists():
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("referral: cannot prepare the database: ")
    assert said in lines[0]
    assert "s3cr3t-pw" not in result.stderr


def test_downgrading_and_upgrading_again_keeps_every_listing_indexed(
    fresh_database_url: str,
) -> None:
    """The migrations' backfills, on real listings: the demo registry (province-wide and
    nationwide services, radii, several locations) down to the first revision with reach
    cells and up again comes back with the same derived index rows."""
    _migrate(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    queries = {
        "covers": "SELECT area, category_bit, service_id FROM area_cover",
        "location categories": "SELECT id, categories_mask FROM location",
        "reach cells": "SELECT cell, location_id FROM reach_cell",
    }

    def derived() -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as connection:
            return {
                name: sorted(tuple(row) for row in connection.execute(sa.text(query)))
                for name, query in queries.items()
            }

    try:
        with Session(engine) as session:
            assert load_demo_registry(session) is not None
        before = derived()
        assert all(before.values())
        downgrade(engine, revision="1e2384d7dc41")
        _migrate(fresh_database_url)
        assert derived() == before
    finally:
        engine.dispose()


def test_upgrading_writes_every_listings_language_codes_in_one_form(
    fresh_database_url: str,
) -> None:
    """A listing stored with `eng` before codes had one form meets a person who asks `en`."""
    _migrate(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    written = {"eng": "en", "FRE": "fr", "spa": "es", "mic": "mic"}
    try:
        with Session(engine) as session:
            assert load_demo_registry(session) is not None
        with engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM service"))]
            old, unknown, untouched = ids[0], ids[1], ids[2]
            rows = {old: [*written, "en"], unknown: ["qqq", "spa"]}
            for service_id, languages in rows.items():
                connection.execute(
                    sa.text("UPDATE service SET languages = :languages WHERE id = :id"),
                    {"languages": json.dumps(languages), "id": service_id},
                )
            before = connection.execute(
                sa.text("SELECT languages FROM service WHERE id = :id"), {"id": untouched}
            ).scalar_one()
            stamps = {
                row[0]: tuple(row[1:])
                for row in connection.execute(
                    sa.text("SELECT id, version, updated_at FROM service")
                )
            }
        downgrade(engine, revision="6c0e5a1f9b84")
        _migrate(fresh_database_url)
        with engine.connect() as connection:

            def stored(service_id: object) -> object:
                value = connection.execute(
                    sa.text("SELECT languages FROM service WHERE id = :id"), {"id": service_id}
                ).scalar_one()
                return json.loads(value) if isinstance(value, str) else value

            after = {
                row[0]: tuple(row[1:])
                for row in connection.execute(
                    sa.text("SELECT id, version, updated_at FROM service")
                )
            }
            # Rewritten listings get a new ETag and show in a modified_after sync; no other does.
            for service_id in (old, unknown):
                assert after[service_id][0] == stamps[service_id][0] + 1
                assert after[service_id][1] != stamps[service_id][1]
            assert after[untouched] == stamps[untouched]
            assert stored(old) == ["en", "fr", "es", "mic"]
            assert stored(unknown) == ["qqq", "es"]  # kept, for its provider to correct
            assert stored(untouched) == (json.loads(before) if isinstance(before, str) else before)
    finally:
        engine.dispose()


def test_upgrading_decides_every_listings_intake_at_any_hour_as_ranking_does(
    fresh_database_url: str,
) -> None:
    """Listings stored before `intake_24_7` are decided by the start after the upgrade
    (`scoring.around_the_clock`): the same answer for every way of writing the hours."""
    written = [
        "24 h/24 7 j/7",
        "24 hours a day, 7 days a week",
        "24/7 (call first)",
        "24\u00a0h/24, 7\u00a0j/7",
        "Ouvert 24 h/24",
        "24/7",
        "Mon-Fri 9-17",
        "24/7 phone line, beds by referral",
        None,
    ]
    _migrate(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            assert load_demo_registry(session) is not None
        downgrade(engine, revision="8b1e4d6f0a93")
        with engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM service"))]
            assert len(ids) >= len(written)
            hours_of = dict(zip(ids, written, strict=False))
            for service_id, hours in hours_of.items():
                connection.execute(
                    sa.text("UPDATE service SET intake_hours = :hours WHERE id = :id"),
                    {"hours": hours, "id": service_id},
                )
        prepare_database(engine, app_settings(fresh_database_url))
        with engine.connect() as connection:
            stored = {
                row[0]: row[1]
                for row in connection.execute(sa.text("SELECT id, intake_24_7 FROM service"))
            }
        assert {service_id: bool(stored[service_id]) for service_id in hours_of} == {
            service_id: scoring.around_the_clock(hours) for service_id, hours in hours_of.items()
        }
        assert sum(bool(stored[service_id]) for service_id in hours_of) == 6
    finally:
        engine.dispose()


def test_a_start_decides_again_intake_hours_changed_outside_the_api(
    fresh_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Hours edited by hand in SQL, or a data-only restore of a dump from before
    `intake_24_7`, leave the stored answer wrong: the next start decides it again."""
    engine = create_db_engine(fresh_database_url)
    try:
        prepare_database(engine, app_settings(fresh_database_url, demo_data=True))
        with engine.begin() as connection:
            first, second = [
                row[0] for row in connection.execute(sa.text("SELECT id FROM service LIMIT 2"))
            ]
            connection.execute(
                sa.text(
                    "UPDATE service SET intake_hours = '24 hours a day, 7 days a week', "
                    "intake_24_7 = FALSE WHERE id = :id"
                ),
                {"id": first},
            )
            connection.execute(
                sa.text(
                    "UPDATE service SET intake_hours = '24/7 (winter only)', intake_24_7 = TRUE "
                    "WHERE id = :id"
                ),
                {"id": second},
            )
        with caplog.at_level(logging.WARNING, logger="referral.startup"):
            prepare_database(engine, app_settings(fresh_database_url))
        with engine.connect() as connection:
            stored: dict[Any, Any] = {
                row[0]: row[1]
                for row in connection.execute(sa.text("SELECT id, intake_24_7 FROM service"))
            }
        assert (bool(stored[first]), bool(stored[second])) == (True, False)
        [warning] = [r for r in caplog.records if "intake hours" in r.getMessage()]
        assert getattr(warning, "listings", None) == 2
        # Every other listing agreed already: a start after this one finds none.
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="referral.startup"):
            prepare_database(engine, app_settings(fresh_database_url))
        assert [r for r in caplog.records if "intake hours" in r.getMessage()] == []
    finally:
        engine.dispose()


def test_need_counts_keep_their_numbers_when_urgency_is_counted_and_uncounted_again(
    fresh_database_url: str,
) -> None:
    """Counts from before urgency was counted stay, in cells that are not urgent. Going back
    never changes a month already reported (its urgent cells are dropped: added to the
    others, they would show the counts withheld from them); in a later month each urgent cell
    is added to its twin, or becomes the cell when it has none."""
    engine = create_db_engine(fresh_database_url)
    before_urgency = "d903c32e69f0"
    reported, running = "2025-10", datetime.now(UTC).strftime("%Y-%m")
    try:
        with startup_lock(engine):
            migrate(engine, revision=before_urgency)
        with engine.begin() as connection:
            for month in (reported, running):
                connection.execute(
                    sa.text(
                        "INSERT INTO need_count (month, province, area_type, need, asked, "
                        "none_near, unmet) VALUES (:month, 'ON', 'urban', 'housing', 9, 3, 1)"
                    ),
                    {"month": month},
                )
        _migrate(fresh_database_url)

        def counts() -> list[tuple[object, ...]]:
            with engine.connect() as connection:
                return [
                    tuple(row)
                    for row in connection.execute(
                        sa.text(
                            "SELECT month, need, asked, none_near, unmet FROM need_count "
                            "ORDER BY month, need"
                        )
                    )
                ]

        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT urgent, no_bed_tonight FROM need_count"))
            assert [(bool(urgent), no_bed) for urgent, no_bed in rows] == [(False, 0)] * 2
        urgent_cells = [(month, "housing", 6, 2, 1, 4) for month in (reported, running)]
        urgent_cells.append((running, "housing.transitional", 5, 0, 0, 5))
        with engine.begin() as connection:
            for month, need, asked, none_near, unmet, no_bed in urgent_cells:
                connection.execute(
                    sa.text(
                        "INSERT INTO need_count (month, province, area_type, need, urgent, "
                        "asked, none_near, unmet, no_bed_tonight) VALUES (:month, 'ON', "
                        "'urban', :need, true, :asked, :none_near, :unmet, :no_bed)"
                    ),
                    {
                        "month": month,
                        "need": need,
                        "asked": asked,
                        "none_near": none_near,
                        "unmet": unmet,
                        "no_bed": no_bed,
                    },
                )
        downgrade(engine, revision=before_urgency)
        after = [
            (reported, "housing", 9, 3, 1),  # as analysts read it
            (running, "housing", 15, 5, 2),
            (running, "housing.transitional", 5, 0, 0),
        ]
        assert counts() == after
        _migrate(fresh_database_url)
        assert counts() == after
    finally:
        engine.dispose()


def test_organizations_stored_before_the_name_key_are_found_by_name_after_upgrading(
    fresh_database_url: str,
) -> None:
    """Keys computed for names stored before them, refolded by the later revision, and
    computed again on the way down; the column goes with the first revision."""
    engine = create_db_engine(fresh_database_url)
    before_name_key, first_fold = "5b1e7c0a9d42", "7c2d4e9b1a60"
    names = ["Maison Étoile-Filante", "St. Mary's House", "Łódź Aid™", "مُحَمَّد", "Hope·House"]

    def keys() -> list[str]:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT name_key FROM organization"))
            return sorted(key for (key,) in rows)

    try:
        with startup_lock(engine):
            migrate(engine, revision=before_name_key)
        with engine.begin() as connection:
            for name in names:
                connection.execute(
                    sa.text(
                        "INSERT INTO organization (id, name, description, status, created_at, "
                        "updated_at) VALUES (:id, :name, '', 'pending', :now, :now)"
                    ),
                    {"id": uuid.uuid4().hex, "name": name, "now": datetime.now(UTC)},
                )
        _migrate(fresh_database_url)
        head = ["hope house", "lodz aidtm", "maison etoile filante", "st marys house", "محمد"]
        assert keys() == head
        downgrade(engine, revision="4a7c1e9f2b56")  # the third fold dropped every middle dot
        assert keys() == ["hopehouse", *head[1:]]
        downgrade(engine, revision="9f4b6d2e8c31")  # the second kept the pointing
        assert keys() == [*head[:4], "مُحَمَّد"]
        downgrade(engine, revision=first_fold)
        assert keys() == [
            "hope house",
            "maison etoile filante",
            "st marys house",
            "łodz aidTM",
            "محمد",
        ]
        downgrade(engine, revision=before_name_key)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("organization")}
        assert "name_key" not in columns
        _migrate(fresh_database_url)
        assert keys() == head
    finally:
        engine.dispose()


def test_the_demo_keys_are_announced_with_the_address_served_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The start-up hint said :8000 whatever `--port` was given."""
    for url in new_database_url(tmp_path):
        engine = create_db_engine(url)
        try:
            settings = Settings(_env_file=None, database_url=url, demo_data=True)
            prepare_database(engine, settings, url="http://127.0.0.1:8177")
        finally:
            engine.dispose()
    said = capsys.readouterr().err
    assert "Demo registry loaded" in said
    assert "http://127.0.0.1:8177/v1/services" in said
    assert ":8000" not in said


def test_what_the_command_line_writes_only_its_user_reads(tmp_path: Path) -> None:
    """The SQLite database and its WAL hold every confidential address and the key hashes, an
    export the intake contacts: on a shared host, no other user reads them (a security review
    found them all `-rw-r--r--`)."""
    settings = {
        "REFERRAL_DATABASE_URL": f"sqlite:///{tmp_path}/referral.db",
        "REFERRAL_DEMO_DATA": "true",
    }
    old = os.umask(0o022)  # as a login shell's
    try:
        assert _referral(tmp_path, settings, "migrate").returncode == 0
        out = tmp_path / "export"
        exported = _referral(tmp_path, settings, "hsds", "export", "--out", str(out))
        assert exported.returncode == 0, exported.stderr
    finally:
        os.umask(old)
    written = [path for path in tmp_path.rglob("*") if path.name != "__pycache__"]
    assert any(path.name == "referral.db" for path in written)
    assert any(path.suffix == ".csv" for path in written)
    for path in written:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o600, False)])
def test_a_start_warns_when_other_users_may_read_the_sqlite_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool
) -> None:
    """A database made before `referral` kept what it writes to its user: the start says so
    (and leaves the mode, which is the administrator's to change)."""
    path = tmp_path / "referral.db"
    path.touch()
    path.chmod(mode)
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with caplog.at_level(logging.WARNING, logger="referral.startup"):
            prepare_database(engine, app_settings(f"sqlite:///{path}"))
    finally:
        engine.dispose()
    said = [r for r in caplog.records if "read by other users" in r.getMessage()]
    assert bool(said) is warned
    assert path.stat().st_mode & 0o777 == mode


def test_a_worker_started_while_the_database_is_away_serves_503s_until_it_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`referral serve` prepares the database once, then tells its workers: a worker started
    again later (one died) does not need the database to start. Before, one dying while
    the database restarted failed to start again, and uvicorn stopped the instance."""
    away = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    with pytest.raises(Exception, match=r"(?i)connect|refused"):
        with TestClient(create_app(app_settings(away))):
            pass
    monkeypatch.delenv(startup.PREPARED, raising=False)  # (as it was, after the test)
    startup.mark_prepared(away)
    with TestClient(create_app(app_settings(away)), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        assert_problem(client.get("/readyz"), 503)
        _assert_try_again(client.get("/v1/taxonomy", headers=bearer(ADMIN_KEY)))
    # Prepared for another database is not prepared for this one.
    assert not startup.prepared_by_supervisor("postgresql+psycopg://postgres@127.0.0.1:2/test")


def test_a_commit_that_fails_in_the_driver_leaves_nothing_held_for_the_next_write(
    impatient_app: tuple[Api, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit the driver refused (a full disk) is a 500, in doubt; the connection it failed
    on is closed rather than pooled inside its transaction, which held the listing's lock (the
    whole database's on SQLite): the next write went on to wait for it, and fail, for ever."""
    api, _url = impatient_app
    created = api.service(api.organization("Full disk"))
    engine: sa.Engine = api.client.app.state.engine  # type: ignore[attr-defined]
    dialect = engine.dialect
    commit = dialect.do_commit
    failing = [True]

    def full_disk(dbapi_connection: Any) -> None:
        if failing.pop() if failing else False:
            raise dialect.loaded_dbapi.OperationalError("database or disk is full")
        commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", full_disk)
    path = f"/v1/services/{created['id']}"
    headers = with_if_match(api.admin, f'"{created["id"]}.1"')
    failed = api.client.patch(path, json={"name": "Renamed"}, headers=headers)
    assert_problem(failed, 500)
    again = api.client.patch(path, json={"name": "Renamed"}, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["name"] == "Renamed"
