"""The synchronous client."""

import time
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


class ReferralClient(ClientBase):
    """A client of referral-service.

    `url` and `api_key` default to the environment variables `REFERRAL_URL` and
    `REFERRAL_API_KEY`; `timeout`, `retry` and `language` are described in `Options`
    (`language="fr"` asks for reasons and caveats in French). Failures are
    `referral_client.errors` exceptions: a `ProblemError` subclass for each kind of problem
    answer, `Unreachable` when no answer came. Use it as a context manager, or `close()` it.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[Options],
    ) -> None:
        super().__init__(url, api_key, **options)
        self._http = httpx.Client(
            base_url=self.connection.url,
            headers=self.connection.headers(),
            timeout=self.connection.timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        try:
            while True:
                step = flow.send(outcome)
                outcome = self._perform(step)
        except StopIteration as done:
            result: T = done.value
            return result

    def _perform(self, step: Call | Sleep) -> Outcome:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        try:
            return self._http.request(
                step.method, step.path, params=step.params, json=step.json, headers=step.headers
            )
        except httpx.TransportError as error:
            return error

    def match(self, profile: NeedProfile, *, language: str | None = None) -> MatchResponse:
        """For each need of the profile, the eligible services ranked, with reasons and caveats.
        The profile is sent to `/v1/match` only, and kept nowhere."""
        return self._run(self._operations.match(profile, language=language))

    def places(self, query: str, *, limit: int = 10) -> PlaceList:
        """Places whose name starts with `query`, most populous first (autocomplete)."""
        return self._run(self._operations.places(query, limit=limit))

    def whoami(self) -> CallerPublic:
        """This client's key (role, name, last use; never the secret) and, for a provider
        key, its organization."""
        return self._run(self._operations.whoami())

    def taxonomy(self) -> Taxonomy:
        """Needs, categories and enums with English and French labels."""
        return self._run(self._operations.taxonomy())

    def list_services(self, **filters: Unpack[ServiceFilters]) -> ServicePage:
        """One page of the listings this key may see: `organization_id`, `category`, `province`,
        `modified_after`, `stale` (not verified for the server's stale age), `beds_stale`
        (a listing with beds whose count is old or was never given), `page` (from 1)
        and `per_page` narrow it down. To keep a copy, pass each page's `next_cursor` as
        `cursor` instead of `page`, and keep the last one for the next sync."""
        return self._run(self._operations.list_services(filters))

    def removed_services(
        self,
        since: datetime | None = None,
        *,
        cursor: str | None = None,
        page: int = 1,
        per_page: int | None = None,
    ) -> RemovedPage:
        """The listings a copy of the registry should drop since `since` (deleted, or their
        organization suspended), or after a page's `next_cursor` (keep the last page's for
        the next sync); follow `next_cursor` while `has_more`."""
        return self._run(
            self._operations.removed_services(since, cursor=cursor, page=page, per_page=per_page)
        )

    def unmet_needs(self, **filters: Unpack[ReportFilters]) -> NeedCountPage:
        """Analysts: one page of the unmet-need report, newest month first: `month_from`,
        `month_to` (`"2026-10"`), `province`, `area_type`, `need`, `urgent` (only urgent
        housing's cells, or only the others), `page`, `per_page`."""
        return self._run(self._operations.unmet_needs(filters))

    def get_service(self, service_id: ServiceId) -> ServicePublic:
        """One listing as this key's role may see it."""
        return self._run(self._operations.get_service(service_id))[0]

    def get_service_with_etag(self, service_id: ServiceId) -> tuple[ServicePublic, str]:
        """One listing and its `ETag`, to pass to a later `replace_service`/`update_service`."""
        return self._run(self._operations.get_service(service_id))

    def create_service(self, listing: ServiceCreate) -> ServicePublic:
        """List a new service. Never retried once the request may have reached the server."""
        return self._run(self._operations.create_service(listing))

    def replace_service(
        self, service_id: ServiceId, listing: ServiceCreate, *, etag: str
    ) -> ServicePublic:
        """Replace the whole listing, as last read: `etag` from `get_service_with_etag`. A
        change made since (tonight's bed count, say) raises `PreconditionFailed` and nothing
        is replaced: a whole listing built from an older read would undo it. To change a few
        fields whatever else changed, use `update_service`."""
        return self._run(self._operations.replace_service(service_id, listing, etag=etag))

    def update_service(
        self, service_id: ServiceId, changes: ServiceUpdate, *, etag: str | None = None
    ) -> ServicePublic:
        """Change only the fields set in `changes` (PATCH). Without `etag` the current one is
        read for you (and read again, up to three times, while the listing changes meanwhile:
        a bed count sent by a script, say): the fields set
        are applied to the newest version. With it, a change made since raises
        `PreconditionFailed` and nothing changes."""
        return self._run(self._operations.update_service(service_id, changes, etag=etag))

    def delete_service(self, service_id: ServiceId, *, etag: str | None = None) -> None:
        """Remove the listing; its history stays. A 404 to a retry, after a try whose outcome
        is unknown (a timeout, a gateway's 502 or 504), means that try removed it: no error.
        `etag`: from `get_service_with_etag`, so that a listing changed since is not removed
        unseen (`PreconditionFailed`, and it stays)."""
        self._run(self._operations.delete_service(service_id, etag=etag))

    def set_availability(
        self,
        service_id: ServiceId,
        *,
        beds_available: int | None = None,
        accepting_referrals: bool | None = None,
    ) -> ServicePublic:
        """The nightly fast path: free beds and/or whether referrals are taken."""
        return self._run(
            self._operations.set_availability(
                service_id, beds_available=beds_available, accepting_referrals=accepting_referrals
            )
        )

    def verify_service(self, service_id: ServiceId) -> ServicePublic:
        """Confirm the listing is accurate today."""
        return self._run(self._operations.verify_service(service_id))

    def service_history(
        self, service_id: ServiceId, *, since: datetime | None = None
    ) -> ServiceHistory:
        """Who changed what and when (administrators and the owning provider), oldest first:
        the whole history, read page by page, or from `since`."""
        return self._run(self._operations.service_history(service_id, since=since))

    # Administrators

    def list_organizations(self, **filters: Unpack[OrganizationFilters]) -> OrganizationPage:
        """One page of organizations, by name: `status` (`pending` for the ones waiting
        to be vetted), `name` (contained in it, ignoring case and accents), `page`,
        `per_page`."""
        return self._run(self._operations.list_organizations(filters))

    def get_organization(self, organization_id: UUID | str) -> OrganizationPublic:
        return self._run(self._operations.get_organization(organization_id))[0]

    def get_organization_with_etag(
        self, organization_id: UUID | str
    ) -> tuple[OrganizationPublic, str]:
        """The organization and its `ETag`, to pass to a later `update_organization`,
        `approve_organization`, `suspend_organization` or `delete_organization`: a decision
        made on what was read, refused (`PreconditionFailed`) once anything of it changed."""
        return self._run(self._operations.get_organization(organization_id))

    def create_organization(self, organization: OrganizationCreate) -> OrganizationPublic:
        """Register an organization; it stays `pending` until approved."""
        return self._run(self._operations.create_organization(organization))

    def approve_organization(
        self,
        organization_id: UUID | str,
        *,
        note: str | None = None,
        expected_status: OrganizationStatus | str | None = None,
        etag: str | None = None,
    ) -> OrganizationPublic:
        """After vetting: its services match (its provider keys work unless it is suspended).
        `note`: what the approval rests on, kept in its history; required to reinstate a
        suspended organization. `expected_status`: the status the decision was made on; when
        it is another by now, `Conflict` (409) and nothing changes. `etag`: from
        `get_organization_with_etag`; when anything of it changed since (its details too),
        `PreconditionFailed` (412) and nothing changes."""
        return self._run(
            self._operations.change_status(
                organization_id, "approve", note, expected_status, etag=etag
            )
        )

    def suspend_organization(
        self,
        organization_id: UUID | str,
        *,
        note: str | None = None,
        expected_status: OrganizationStatus | str | None = None,
        etag: str | None = None,
    ) -> OrganizationPublic:
        """Its services stop matching at once and its provider keys are refused (by every
        worker of the service within a couple of seconds). `note`: why.
        `expected_status`, `etag`: as for `approve_organization`."""
        return self._run(
            self._operations.change_status(
                organization_id, "suspend", note, expected_status, etag=etag
            )
        )

    def update_organization(
        self,
        organization_id: UUID | str,
        changes: OrganizationUpdate,
        *,
        etag: str | None = None,
    ) -> OrganizationPublic:
        """Change the fields set in `changes` (`None` clears an optional one), an entry in
        its history. `etag`: the `ETag` it was read with, so that another administrator's
        change since is not overwritten unseen (`PreconditionFailed`)."""
        return self._run(self._operations.update_organization(organization_id, changes, etag=etag))

    def delete_organization(self, organization_id: UUID | str, *, etag: str | None = None) -> None:
        """Remove an organization without listings (`Conflict` while it has any): its keys
        are revoked, its history stays readable. A 404 to a retry, after a try whose outcome
        is unknown, means that try removed it: no error. `etag`: as for
        `approve_organization`."""
        self._run(self._operations.delete_organization(organization_id, etag=etag))

    def organization_history(
        self, organization_id: UUID | str, *, since: datetime | None = None
    ) -> OrganizationHistory:
        """The vetting record, oldest first: the whole of it, read page by page, or from
        `since`."""
        return self._run(self._operations.organization_history(organization_id, since=since))

    def issue_key(
        self,
        role: Role | str,
        name: str,
        *,
        organization_id: UUID | str | None = None,
        rate_limit_per_minute: int | None = None,
    ) -> KeyCreated:
        """A new key; its secret (`key`) is in this answer only. A provider key is bound to
        `organization_id`. `rate_limit_per_minute`: its own limit (0: none) instead of the
        service's."""
        return self._run(
            self._operations.issue_key(role, name, organization_id, rate_limit_per_minute)
        )

    def update_key(self, key_id: UUID | str, **changes: Unpack[KeyChanges]) -> KeyPublic:
        """Rename a key (`name`) or set its own requests per minute (`rate_limit_per_minute`;
        0: none; None: back to the service's). Only the arguments given change."""
        return self._run(self._operations.update_key(key_id, dict(changes)))

    def list_keys(
        self,
        *,
        organization_id: UUID | str | None = None,
        role: str | None = None,
        revoked: bool | None = None,
    ) -> KeyList:
        """Every key (or one organization's, one role's; `revoked=False`: only those that
        work) with its role and last use, never the secret."""
        return self._run(self._operations.list_keys(organization_id, role, revoked))

    def revoke_key(self, key_id: UUID | str) -> None:
        """The key is refused from its next request on (by every worker of the service within
        a couple of seconds)."""
        self._run(self._operations.revoke_key(key_id))
