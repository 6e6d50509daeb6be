"""The asynchronous client against a live server."""

import asyncio
import uuid

import pytest

from referral_client import (
    AsyncReferralClient,
    AuthenticationError,
    NotFound,
    PreconditionFailed,
    Retry,
    Unreachable,
    ValidationFailed,
)
from schemas.services import ServiceUpdate
from tests.e2e.conftest import LiveServer, closed_port_url
from tests.e2e.scenarios import NEEDS, need_profile, new_listing


def test_matches_concurrently_with_places_and_taxonomy(live: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncReferralClient(live.url, live.operator_key) as operator:
            answer, places, taxonomy = await asyncio.gather(
                operator.match(need_profile()),
                operator.places("elm", limit=2),
                operator.taxonomy(),
            )
            me = await operator.whoami()
            page = await operator.list_services(per_page=1, page=2)
            first = page.items[0]
            service = await operator.get_service(first.id)
            _, etag = await operator.get_service_with_etag(first.id)
        assert [result.need for result in answer.results] == NEEDS
        assert places.items[0].label == "Elmira, ON"
        assert len(taxonomy.categories) == 17
        assert me.key.role.value == "operator"
        assert page.page == 2
        assert service.id == first.id
        assert etag.startswith(f'"{first.id}.')

    asyncio.run(scenario())


def test_a_provider_writes_through_the_async_client(live: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncReferralClient(live.url, live.provider_key, language="fr") as provider:
            created = await provider.create_service(new_listing(live.provider_organization_id))
            _, etag = await provider.get_service_with_etag(created.id)
            patched = await provider.update_service(created.id, ServiceUpdate(fees="fee"))
            with pytest.raises(PreconditionFailed):
                await provider.update_service(created.id, ServiceUpdate(fees="free"), etag=etag)
            _, etag = await provider.get_service_with_etag(created.id)
            replaced = await provider.replace_service(
                created.id,
                new_listing(live.provider_organization_id, name="Async Shelter"),
                etag=etag,
            )
            beds = await provider.set_availability(created.id, beds_available=0)
            verified = await provider.verify_service(created.id)
            history = await provider.service_history(created.id)
            with pytest.raises(PreconditionFailed):
                await provider.delete_service(created.id, etag=etag)
            _, etag = await provider.get_service_with_etag(created.id)
            await provider.delete_service(created.id, etag=etag)
            with pytest.raises(NotFound):
                await provider.get_service(created.id)
        assert patched.fees.value == "fee"
        assert replaced.name == "Async Shelter"
        assert beds.capacity.beds_available == 0
        assert verified.last_verified_at is not None
        assert len(history.items) == 5

    asyncio.run(scenario())


def test_async_errors_are_typed(live: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncReferralClient(live.url, live.operator_key) as operator:
            with pytest.raises(ValidationFailed):
                await operator.match(need_profile(location={"place": "No Such Place, ON"}))
            with pytest.raises(NotFound):
                await operator.get_service(uuid.uuid4())
        async with AsyncReferralClient(live.url, "rk_wrong") as stranger:
            with pytest.raises(AuthenticationError):
                await stranger.places("elm")
        retry = Retry(attempts=2, backoff_seconds=0.01)
        async with AsyncReferralClient(closed_port_url(), "rk_any", retry=retry) as nowhere:
            with pytest.raises(Unreachable):
                await nowhere.taxonomy()

    asyncio.run(scenario())
