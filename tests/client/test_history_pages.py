"""A history longer than a page (a listing's nightly bed counts make about 400 entries a year):
the client follows `next_after` while `has_more`, sync and async, and returns every entry,
oldest first, against scripted pages (httpx.MockTransport)."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from referral_client import AsyncReferralClient, ReferralClient, UnexpectedResponse

SERVICE = uuid.uuid4()
ORGANIZATION = uuid.uuid4()


def _entry(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": number,
        "at": f"2026-11-{number:02d}T03:00:00Z",
        "action": "availability",
        "actor_key_id": None,
        "actor_name": "nightly bed script",
        "actor_role": "provider",
        "changes": [],
        **extra,
    }


def _pages(seen: list[httpx.URL]) -> httpx.MockTransport:
    """Entries 1 to 5 in pages of 2, after the `after` a request sends."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        after = int(request.url.params.get("after", "0"))
        service = "/v1/services/" in request.url.path
        extra: dict[str, Any] = (
            {"service_id": str(SERVICE), "version": 1}
            if service
            else {"organization_id": str(ORGANIZATION), "note": None}
        )
        if not service:
            extra["action"] = "update"
        numbers = [n for n in range(1, 6) if n > after][:2]
        more = numbers[-1] < 5
        return httpx.Response(
            200,
            json={
                "items": [_entry(n, **extra) for n in numbers],
                "has_more": more,
                "next_after": numbers[-1] if more else None,
            },
        )

    return httpx.MockTransport(answer)


def test_the_client_reads_a_listings_whole_history_page_by_page() -> None:
    seen: list[httpx.URL] = []
    with ReferralClient("http://referral.test", "rk", transport=_pages(seen)) as client:
        history = client.service_history(SERVICE)
    assert [entry.id for entry in history.items] == [1, 2, 3, 4, 5]
    assert not history.has_more
    assert [url.params.get("after") for url in seen] == [None, "2", "4"]


def test_since_is_sent_with_every_page_of_an_organizations_history() -> None:
    seen: list[httpx.URL] = []
    since = datetime(2026, 11, 1, tzinfo=UTC)
    with ReferralClient("http://referral.test", "rk", transport=_pages(seen)) as client:
        history = client.organization_history(ORGANIZATION, since=since)
    assert [entry.id for entry in history.items] == [1, 2, 3, 4, 5]
    assert {url.params.get("since") for url in seen} == {since.isoformat()}
    assert len(seen) == 3


def test_the_async_client_reads_every_page_too() -> None:
    seen: list[httpx.URL] = []

    async def read() -> list[int]:
        transport = _pages(seen)
        async with AsyncReferralClient("http://referral.test", "rk", transport=transport) as client:
            history = await client.service_history(SERVICE)
        return [entry.id for entry in history.items]

    assert asyncio.run(read()) == [1, 2, 3, 4, 5]


def test_pages_that_do_not_go_on_raise_instead_of_looping_for_ever() -> None:
    """A proxy that drops the query string answers the first page again and again."""
    asked: list[httpx.URL] = []

    def same_page(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        entry = _entry(1, service_id=str(SERVICE), version=1)
        return httpx.Response(200, json={"items": [entry], "has_more": True, "next_after": 1})

    transport = httpx.MockTransport(same_page)
    with (
        ReferralClient("http://referral.test", "rk", transport=transport) as client,
        pytest.raises(UnexpectedResponse, match="does not go on"),
    ):
        client.service_history(SERVICE)
    assert len(asked) == 2


def test_a_since_without_a_time_zone_is_refused_before_sending() -> None:
    """The server reads a time without a zone as UTC: 9:00 in Toronto would be 4:00."""
    seen: list[httpx.URL] = []
    with (
        ReferralClient("http://referral.test", "rk", transport=_pages(seen)) as client,
        pytest.raises(ValueError, match="time zone"),
    ):
        client.service_history(SERVICE, since=datetime(2026, 11, 1, 9))
    assert seen == []
