"""The asynchronous client: the same operations as `ReferralClient`, awaited."""

import asyncio
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar, Unpack
from uuid import UUID

import httpx

from referral_client._base import ClientBase, Options
from referral_client._operations import (
    KeyChanges,
    OrganizationFilters,
    ReportFilters,
    ServiceFilters,
    ServiceId,
)
from referral_client._protocol import Call, Flow, Outcome, Sleep
from schemas.enums import OrganizationStatus, Role
from schemas.keys import CallerPublic, KeyCreated, KeyList, KeyPublic
from schemas.match import MatchResponse, NeedProfile, PlaceList
from schemas.organizations import (
    OrganizationCreate,
    OrganizationHistory,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
)
from schemas.reports import NeedCountPage
from schemas.services import (
    RemovedPage,
    ServiceCreate,
    ServiceHistory,
    ServicePage,
    ServicePublic,
    ServiceUpdate,
)
from schemas.taxonomy import Taxonomy

T = TypeVar("T")


class AsyncReferralClient(ClientBase):
    """`ReferralClient` for asyncio: every method is a coroutine, and the client is an async
    context manager (or `await client.aclose()`). Each method does what its namesake in
    `ReferralClient` does."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Unpack[Options],
    ) -> None:
        super().__init__(url, api_key, **options)
        self._http = httpx.AsyncClient(
            base_url=self.connection.url,
            headers=self.connection.headers(),
            timeout=self.connection.timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        try:
            while True:
                step = flow.send(outcome)
                outcome = await self._perform(step)
        except StopIteration as done:
            result: T = done.value
            return result

    async def _perform(self, step: Call | Sleep) -> Outcome:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        try:
            return await self._http.request(
                step.method, step.path, params=step.params, json=step.json, headers=step.headers
            )
        except httpx.TransportError as error:
            return error

    async def match(self, profile: NeedProfile, *, language: str | None = None) -> MatchResponse:
        return await self._run(self._operations.match(profile, language=language))

    async def places(self, query: str, *, limit: int = 10) -> PlaceList:
        return await self._run(self._operations.places(query, limit=limit))

    async def whoami(self) -> CallerPublic:
        return await self._run(self._operations.whoami())

    async def taxonomy(self) -> Taxonomy:
        return await self._run(self._operations.taxonomy())

    async def list_services(self, **filters: Unpack[ServiceFilters]) -> ServicePage:
        return await self._run(self._operations.list_services(filters))

    async def removed_services(
        self,
        since: datetime | None = None,
        *,
        cursor: str | None = None,
        page: int = 1,
        per_page: int | None = None,
    ) -> RemovedPage:
        return await self._run(
            self._operations.removed_services(since, cursor=cursor, page=page, per_page=per_page)
        )

    async def unmet_needs(self, **filters: Unpack[ReportFilters]) -> NeedCountPage:
        return await self._run(self._operations.unmet_needs(filters))

    async def get_service(self, service_id: ServiceId) -> ServicePublic:
        return (await self._run(self._operations.get_service(service_id)))[0]

    async def get_service_with_etag(self, service_id: ServiceId) -> tuple[ServicePublic, str]:
        return await self._run(self._operations.get_service(service_id))

    async def create_service(self, listing: ServiceCreate) -> ServicePublic:
        return await self._run(self._operations.create_service(listing))

    async def replace_service(
        self, service_id: ServiceId, listing: ServiceCreate, *, etag: str
    ) -> ServicePublic:
        return await self._run(self._operations.replace_service(service_id, listing, etag=etag))

    async def update_service(
        self, service_id: ServiceId, changes: ServiceUpdate, *, etag: str | None = None
    ) -> ServicePublic:
        return await self._run(self._operations.update_service(service_id, changes, etag=etag))

    async def delete_service(self, service_id: ServiceId, *, etag: str | None = None) -> None:
        await self._run(self._operations.delete_service(service_id, etag=etag))

    async def set_availability(
        self,
        service_id: ServiceId,
        *,
        beds_available: int | None = None,
        accepting_referrals: bool | None = None,
    ) -> ServicePublic:
        return await self._run(
            self._operations.set_availability(
                service_id, beds_available=beds_available, accepting_referrals=accepting_referrals
            )
        )

    async def verify_service(self, service_id: ServiceId) -> ServicePublic:
        return await self._run(self._operations.verify_service(service_id))

    async def service_history(
        self, service_id: ServiceId, *, since: datetime | None = None
    ) -> ServiceHistory:
        return await self._run(self._operations.service_history(service_id, since=since))

    async def list_organizations(self, **filters: Unpack[OrganizationFilters]) -> OrganizationPage:
        return await self._run(self._operations.list_organizations(filters))

    async def get_organization(self, organization_id: UUID | str) -> OrganizationPublic:
        return (await self._run(self._operations.get_organization(organization_id)))[0]

    async def get_organization_with_etag(
        self, organization_id: UUID | str
    ) -> tuple[OrganizationPublic, str]:
        return await self._run(self._operations.get_organization(organization_id))

    async def create_organization(self, organization: OrganizationCreate) -> OrganizationPublic:
        return await self._run(self._operations.create_organization(organization))

    async def approve_organization(
        self,
        organization_id: UUID | str,
        *,
        note: str | None = None,
        expected_status: OrganizationStatus | str | None = None,
        etag: str | None = None,
    ) -> OrganizationPublic:
        return await self._run(
            self._operations.change_status(
                organization_id, "approve", note, expected_status, etag=etag
            )
        )

    async def suspend_organization(
        self,
        organization_id: UUID | str,
        *,
        note: str | None = None,
        expected_status: OrganizationStatus | str | None = None,
        etag: str | None = None,
    ) -> OrganizationPublic:
        return await self._run(
            self._operations.change_status(
                organization_id, "suspend", note, expected_status, etag=etag
            )
        )

    async def update_organization(
        self,
        organization_id: UUID | str,
        changes: OrganizationUpdate,
        *,
        etag: str | None = None,
    ) -> OrganizationPublic:
        """Change the fields set in `changes` (`None` clears an optional one), an entry in
        its history. `etag`: the `ETag` it was read with, so that another administrator's
        change since is not overwritten unseen (`PreconditionFailed`)."""
        return await self._run(
            self._operations.update_organization(organization_id, changes, etag=etag)
        )

    async def delete_organization(
        self, organization_id: UUID | str, *, etag: str | None = None
    ) -> None:
        await self._run(self._operations.delete_organization(organization_id, etag=etag))

    async def organization_history(
        self, organization_id: UUID | str, *, since: datetime | None = None
    ) -> OrganizationHistory:
        return await self._run(self._operations.organization_history(organization_id, since=since))

    async def issue_key(
        self,
        role: Role | str,
        name: str,
        *,
        organization_id: UUID | str | None = None,
        rate_limit_per_minute: int | None = None,
    ) -> KeyCreated:
        return await self._run(
            self._operations.issue_key(role, name, organization_id, rate_limit_per_minute)
        )

    async def update_key(self, key_id: UUID | str, **changes: Unpack[KeyChanges]) -> KeyPublic:
        return await self._run(self._operations.update_key(key_id, dict(changes)))

    async def list_keys(
        self,
        *,
        organization_id: UUID | str | None = None,
        role: str | None = None,
        revoked: bool | None = None,
    ) -> KeyList:
        return await self._run(self._operations.list_keys(organization_id, role, revoked))

    async def revoke_key(self, key_id: UUID | str) -> None:
        await self._run(self._operations.revoke_key(key_id))
