"""Requests per key per minute: in one worker's memory, or shared through a real Redis."""

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.ratelimit import WINDOW_SECONDS, MemoryLimiter, Quota
from tests.factories import ADMIN_KEY, app_settings, assert_problem, bearer, scraper

REDIS_URL = "redis://127.0.0.1:6379/0"


def _apps(database_url: str, count: int, **settings: object) -> Iterator[list[TestClient]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TestClient(
                    create_app(app_settings(database_url, **settings)),
                    raise_server_exceptions=False,
                )
            )
            for _ in range(count)
        ]


def _time_to_spare(seconds: float = 10.0) -> None:
    """Wait for the next minute when this one ends within `seconds`: the limits count per
    clock minute, and a test whose requests straddle two would see its counts start over."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < seconds:
        time.sleep(left + 0.05)


def _partner_key(client: TestClient) -> dict[str, str]:
    created = client.post(
        "/v1/keys", json={"role": "partner", "name": "app"}, headers=bearer(ADMIN_KEY)
    )
    assert created.status_code == 201, created.text
    return bearer(created.json()["key"])


def test_a_key_over_its_limit_gets_429_with_retry_after_and_other_keys_do_not(
    fresh_database_url: str,
) -> None:
    _time_to_spare()
    for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=3):
        partner, other = _partner_key(client), _partner_key(client)
        for _ in range(3):
            assert client.get("/v1/taxonomy", headers=partner).status_code == 200
        refused = client.get("/v1/taxonomy", headers=partner)
        problem = assert_problem(refused, 429)
        assert problem["title"] == "Too many requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert client.get("/v1/taxonomy", headers=other).status_code == 200
        # An unknown key is a 401, whatever the count.
        assert client.get("/v1/taxonomy", headers=bearer("rk_unknown")).status_code == 401


def test_instances_sharing_a_redis_share_the_limit(fresh_database_url: str) -> None:
    _time_to_spare()
    for first, second in _apps(fresh_database_url, 2, rate_limit_per_minute=4, redis_url=REDIS_URL):
        partner = _partner_key(first)
        statuses = [
            (first if turn % 2 else second).get("/v1/taxonomy", headers=partner).status_code
            for turn in range(6)
        ]
        assert statuses == [200, 200, 200, 200, 429, 429]


def test_without_its_redis_the_service_goes_on_unlimited_and_says_so(
    fresh_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed = "redis://127.0.0.1:1/0"
    logger = logging.getLogger("referral.ratelimit")
    logger.addHandler(caplog.handler)
    try:
        for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=1, redis_url=closed):
            partner = _partner_key(client)
            for _ in range(3):
                assert client.get("/v1/taxonomy", headers=partner).status_code == 200
            # Each request let through counts, for an alert: the admin's that issued the
            # partner key, and the partner's three.
            scrape = client.get("/metrics", headers=scraper()).text
            assert "\nreferral_rate_limit_unavailable_total 4.0\n" in scrape, scrape[-600:]
    finally:
        logger.removeHandler(caplog.handler)
    assert "rate limiter unavailable; request allowed" in caplog.text


def test_the_memory_limiter_counts_each_minute_afresh() -> None:
    now = [120.0]
    limiter = MemoryLimiter(2, clock=lambda: now[0])
    key = uuid.uuid4()
    counted = [limiter.count(key) for _ in range(3)]
    assert [(q.count, q.remaining, q.exceeded) for q in counted if q] == [
        (1, 1, False),
        (2, 0, False),
        (3, 0, True),
    ]
    assert counted[2] is not None
    assert counted[2].wait_seconds == 60
    now[0] = 150.5
    again = limiter.count(key)
    assert again is not None
    assert again.exceeded
    assert again.wait_seconds == 30
    now[0] = 180.0  # the next minute
    assert limiter.count(key) == Quota(limit=2, count=1, reset_seconds=60.0)
    assert limiter.count(key, 0) is None  # a key without a limit is not counted


def _policy(response: httpx.Response) -> tuple[str | None, str | None]:
    return response.headers.get("RateLimit-Policy"), response.headers.get("RateLimit")


def test_every_answer_to_a_limited_key_says_where_it_stands(fresh_database_url: str) -> None:
    """The draft's fields on each answer, the 429's too, so that a script paces itself;
    none on answers to a key without a limit, or to no key."""
    _time_to_spare()
    for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=3):
        partner = _partner_key(client)
        answers = [client.get("/v1/taxonomy", headers=partner) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        policies = {_policy(a)[0] for a in answers}
        assert policies == {'"key";q=3;w=60'}
        states = [_policy(a)[1] for a in answers]
        left = [state.split(";")[1] for state in states if state]
        assert left == ["r=2", "r=1", "r=0", "r=0"]
        resets = [int(state.rsplit("t=", 1)[1]) for state in states if state]
        assert all(1 <= t <= 60 for t in resets)
        assert resets[3] == int(answers[3].headers["Retry-After"])
        # A 404 is counted and told as well.
        unknown = client.get(f"/v1/services/{uuid.uuid4()}", headers=bearer(ADMIN_KEY))
        assert unknown.status_code == 404
        assert _policy(unknown)[0] == '"key";q=3;w=60'
        # No key, or a key without a limit: nothing counted, nothing told.
        assert _policy(client.get("/healthz")) == (None, None)
        assert _policy(client.get("/v1/taxonomy")) == (None, None)
        _, free = _key(client, rate_limit_per_minute=0)
        assert _policy(client.get("/v1/taxonomy", headers=free)) == (None, None)


def test_instances_sharing_a_redis_tell_the_shared_count(fresh_database_url: str) -> None:
    _time_to_spare()
    for first, second in _apps(fresh_database_url, 2, rate_limit_per_minute=5, redis_url=REDIS_URL):
        partner = _partner_key(first)
        told = [
            _policy((first if turn % 2 else second).get("/v1/taxonomy", headers=partner))[1]
            for turn in range(3)
        ]
        assert [state.split(";")[1] for state in told if state] == ["r=4", "r=3", "r=2"]


def _key(client: TestClient, **fields: object) -> tuple[str, dict[str, str]]:
    created = client.post(
        "/v1/keys",
        json={"role": "partner", "name": "app", **fields},
        headers=bearer(ADMIN_KEY),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], bearer(created.json()["key"])


def _statuses(client: TestClient, headers: dict[str, str], count: int) -> list[int]:
    return [client.get("/v1/taxonomy", headers=headers).status_code for _ in range(count)]


@pytest.mark.parametrize("default", [100, 0])
def test_a_key_of_its_own_limit_is_held_to_it_whatever_the_services(
    fresh_database_url: str, default: int
) -> None:
    _time_to_spare()
    for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=default):
        _, tight = _key(client, rate_limit_per_minute=2)
        _, usual = _key(client)
        assert _statuses(client, tight, 2) == [200, 200]
        refused = assert_problem(client.get("/v1/taxonomy", headers=tight), 429)
        assert "its own limit of 2 a minute" in refused["detail"]
        assert _statuses(client, usual, 3) == [200, 200, 200]


def _limit(client: TestClient, key_id: str, value: object) -> object:
    response = client.patch(
        f"/v1/keys/{key_id}", json={"rate_limit_per_minute": value}, headers=bearer(ADMIN_KEY)
    )
    assert response.status_code == 200, response.text
    return response.json()["rate_limit_per_minute"]


def test_a_limit_changed_applies_from_the_keys_next_request(fresh_database_url: str) -> None:
    _time_to_spare()
    for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=5):
        key_id, partner = _key(client, rate_limit_per_minute=1)
        assert _statuses(client, partner, 2) == [200, 429]
        assert _limit(client, key_id, None) is None  # the service's 5 again
        assert _statuses(client, partner, 4) == [200, 200, 200, 429]  # 2 made already
        assert _limit(client, key_id, 0) == 0  # none
        assert _statuses(client, partner, 10) == [200] * 10


def test_instances_sharing_a_redis_share_a_keys_own_limit(fresh_database_url: str) -> None:
    _time_to_spare()
    for first, second in _apps(
        fresh_database_url, 2, rate_limit_per_minute=100, redis_url=REDIS_URL
    ):
        _, partner = _key(first, rate_limit_per_minute=3)
        statuses = [
            (first if turn % 2 else second).get("/v1/taxonomy", headers=partner).status_code
            for turn in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]


def test_a_browser_app_may_read_where_its_key_stands(fresh_database_url: str) -> None:
    """With CORS on, the fields are exposed to the page's script, as ETag is."""
    origin = "https://app.example"
    for [client] in _apps(fresh_database_url, 1, rate_limit_per_minute=100, cors_origins=[origin]):
        partner = _partner_key(client)
        answer = client.get("/v1/taxonomy", headers={**partner, "Origin": origin})
        exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"RateLimit", "RateLimit-Policy", "Retry-After", "ETag"} <= exposed
        assert answer.headers["RateLimit-Policy"] == '"key";q=100;w=60'
