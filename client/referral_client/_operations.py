"""Every operation of the API as a flow (see `_protocol`): what to send, what comes back."""

from datetime import datetime
from typing import Any, TypedDict, TypeVar
from uuid import UUID

import httpx

from referral_client._protocol import Call, Flow, Retry, check, parse, remove, send, tries
from referral_client.errors import UnexpectedResponse
from schemas.enums import AreaType, Category, OrganizationStatus, Province
from schemas.keys import CallerPublic, KeyCreate, KeyCreated, KeyList, KeyPublic, KeyUpdate
from schemas.match import MatchResponse, NeedProfile, PlaceList
from schemas.organizations import (
    OrganizationCreate,
    OrganizationHistory,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
    StatusChange,
)
from schemas.reports import NeedCountPage
from schemas.services import (
    AvailabilityUpdate,
    RemovedPage,
    ServiceCreate,
    ServiceHistory,
    ServicePage,
    ServicePublic,
    ServiceUpdate,
)
from schemas.taxonomy import Taxonomy

History = TypeVar("History", ServiceHistory, OrganizationHistory)

ServiceId = UUID | str


# Tries of a PUT or PATCH that reads the ETag itself, while others change the listing.
_WRITE_TRIES = 4


def service_path(service_id: ServiceId, suffix: str = "") -> str:
    """The listing's path; a malformed id is refused here, before anything is sent."""
    return f"/v1/services/{UUID(str(service_id))}{suffix}"


def organization_path(organization_id: UUID | str, suffix: str = "") -> str:
    return f"/v1/organizations/{UUID(str(organization_id))}{suffix}"


class ServiceFilters(TypedDict, total=False):
    """Which listings `list_services` reads: all of them, one page at a time, by default."""

    organization_id: UUID | str | None
    category: Category | str | None
    province: Province | str | None
    modified_after: datetime | None
    cursor: str | None
    stale: bool | None
    beds_stale: bool | None
    page: int
    per_page: int | None


class ReportFilters(TypedDict, total=False):
    """Which cells `unmet_needs` reads: every ended month's, one page at a time, by default."""

    month_from: str | None
    month_to: str | None
    province: Province | str | None
    area_type: AreaType | str | None
    need: str | None
    urgent: bool | None
    page: int
    per_page: int | None


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, datetime) else str(value)


class OrganizationFilters(TypedDict, total=False):
    """Which organizations `list_organizations` reads: all, one page at a time, by default."""

    status: OrganizationStatus | str | None
    name: str | None
    page: int
    per_page: int | None


class KeyChanges(TypedDict, total=False):
    """What `update_key` changes: only the fields given."""

    name: str
    rate_limit_per_minute: int | None


def _params(filters: ServiceFilters | ReportFilters | OrganizationFilters) -> dict[str, str]:
    return {name: _param(value) for name, value in filters.items() if value is not None}


def _language(language: str | None) -> dict[str, str]:
    return {"Accept-Language": language} if language else {}


class Operations:
    """The API's operations as flows, with the retry policy they share."""

    def __init__(self, retry: Retry) -> None:
        self.retry = retry

    def match(self, profile: NeedProfile, *, language: str | None) -> Flow[MatchResponse]:
        if not isinstance(profile, NeedProfile):
            # (not "'dict' object has no attribute 'model_dump'"; and never the values sent,
            # which a partner app's log would keep)
            raise TypeError(
                "match() takes a NeedProfile: NeedProfile.model_validate({...}) builds one "
                "from a dict, and says which field is wrong"
            )
        # Matching changes nothing on the server, so it is safe to retry like a GET.
        body = profile.model_dump(mode="json", exclude_none=True)
        call = Call("POST", "/v1/match", json=body, headers=_language(language))
        return parse((yield from send(call, self.retry)), MatchResponse)

    def places(self, query: str, *, limit: int) -> Flow[PlaceList]:
        call = Call("GET", "/v1/places", params={"q": query, "limit": str(limit)})
        return parse((yield from send(call, self.retry)), PlaceList)

    def whoami(self) -> Flow[CallerPublic]:
        return parse((yield from send(Call("GET", "/v1/me"), self.retry)), CallerPublic)

    def taxonomy(self) -> Flow[Taxonomy]:
        return parse((yield from send(Call("GET", "/v1/taxonomy"), self.retry)), Taxonomy)

    def list_services(self, filters: ServiceFilters) -> Flow[ServicePage]:
        call = Call("GET", "/v1/services", _params(filters))
        return parse((yield from send(call, self.retry)), ServicePage)

    def removed_services(
        self, since: datetime | None, *, cursor: str | None, page: int, per_page: int | None
    ) -> Flow[RemovedPage]:
        params = {"page": str(page)}
        if since is not None:
            params["since"] = since.isoformat()
        if cursor is not None:
            params["cursor"] = cursor
        if per_page is not None:
            params["per_page"] = str(per_page)
        call = Call("GET", "/v1/removed-services", params)
        return parse((yield from send(call, self.retry)), RemovedPage)

    def unmet_needs(self, filters: ReportFilters) -> Flow[NeedCountPage]:
        call = Call("GET", "/v1/reports/unmet-needs", _params(filters))
        return parse((yield from send(call, self.retry)), NeedCountPage)

    def get_service(self, service_id: ServiceId) -> Flow[tuple[ServicePublic, str]]:
        response = yield from send(Call("GET", service_path(service_id)), self.retry)
        return parse(response, ServicePublic), _etag(response, "the listing")

    def create_service(self, listing: ServiceCreate) -> Flow[ServicePublic]:
        body = listing.model_dump(mode="json")
        call = Call("POST", "/v1/services", json=body, idempotent=False)
        return parse((yield from send(call, self.retry)), ServicePublic)

    def write_service(
        self, method: str, service_id: ServiceId, body: object, *, etag: str | None
    ) -> Flow[ServicePublic]:
        """PUT or PATCH under `If-Match`. Without an `etag` from the caller, the current one is
        read first, and read again for another try, up to `_WRITE_TRIES` in all, while someone
        changes the listing in between (412): the caller's change is then applied to the newest
        version. (One more try was not enough beside a provider's script sending bed counts:
        46 of 100 edits failed.) With the caller's `etag`, a 412 is raised: the caller decides
        what to do with the other change.

        A 412 after a try whose outcome is unknown (a gateway's 502 or 504, a connection
        broken once the request may have arrived) may be that try's own doing: it moved the
        version on. The listing is then read, and when it holds every field as sent, it is
        the answer, as the lost 200 would have been."""
        path = service_path(service_id)
        for attempt in range(1, _WRITE_TRIES + 1):
            current = etag if etag is not None else (yield from self.get_service(service_id))[1]
            call = Call(method, path, json=body, headers={"If-Match": current})
            response, maybe_done = yield from tries(call, self.retry)
            if response.status_code == 412 and maybe_done:
                listing = (yield from self.get_service(service_id))[0]
                if _holds(listing, body):
                    return listing
            if response.status_code == 412 and etag is None and attempt < _WRITE_TRIES:
                continue
            return parse(response, ServicePublic)
        raise AssertionError("unreachable")  # pragma: no cover

    def replace_service(
        self, service_id: ServiceId, listing: ServiceCreate, *, etag: str
    ) -> Flow[ServicePublic]:
        # What the listing leaves unset stays unsent, as in a PATCH: the server then knows a
        # location's `confidential` unsaid from one said false (unsaid on a listing with a
        # confidential location, it refuses the write rather than publish the address).
        body = listing.model_dump(mode="json", exclude_unset=True)
        return (yield from self.write_service("PUT", service_id, body, etag=etag))

    def update_service(
        self, service_id: ServiceId, changes: ServiceUpdate, *, etag: str | None
    ) -> Flow[ServicePublic]:
        body = changes.model_dump(mode="json", exclude_unset=True)
        return (yield from self.write_service("PATCH", service_id, body, etag=etag))

    def delete_service(self, service_id: ServiceId, *, etag: str | None = None) -> Flow[None]:
        headers = {"If-Match": etag} if etag is not None else {}
        yield from remove(Call("DELETE", service_path(service_id), headers=headers), self.retry)

    def set_availability(
        self,
        service_id: ServiceId,
        *,
        beds_available: int | None,
        accepting_referrals: bool | None,
    ) -> Flow[ServicePublic]:
        update = AvailabilityUpdate(
            beds_available=beds_available, accepting_referrals=accepting_referrals
        )
        body = update.model_dump(mode="json", exclude_none=True)
        call = Call("PUT", service_path(service_id, "/availability"), json=body)
        return parse((yield from send(call, self.retry)), ServicePublic)

    def verify_service(self, service_id: ServiceId) -> Flow[ServicePublic]:
        # Verifying twice is the same as once.
        call = Call("POST", service_path(service_id, "/verify"))
        return parse((yield from send(call, self.retry)), ServicePublic)

    def service_history(
        self, service_id: ServiceId, *, since: datetime | None = None
    ) -> Flow[ServiceHistory]:
        return (
            yield from self._history(service_path(service_id, "/history"), since, ServiceHistory)
        )

    def _history(self, path: str, since: datetime | None, model: type[History]) -> Flow[History]:
        """Every page of a history (a listing's nightly counts make thousands of entries)."""
        items: list[Any] = []
        params = _since(since)
        while True:
            page = parse((yield from send(Call("GET", path, params), self.retry)), model)
            items.extend(page.items)
            if not page.has_more or page.next_after is None:
                return model(items=items)
            params = {**params, "after": _onwards(page.next_after, params)}

    # Administrators: vetting organizations, issuing and revoking keys.

    def list_organizations(self, filters: OrganizationFilters) -> Flow[OrganizationPage]:
        call = Call("GET", "/v1/organizations", _params(filters))
        return parse((yield from send(call, self.retry)), OrganizationPage)

    def get_organization(self, organization_id: UUID | str) -> Flow[tuple[OrganizationPublic, str]]:
        response = yield from send(Call("GET", organization_path(organization_id)), self.retry)
        return parse(response, OrganizationPublic), _etag(response, "the organization")

    def create_organization(self, organization: OrganizationCreate) -> Flow[OrganizationPublic]:
        body = organization.model_dump(mode="json")
        call = Call("POST", "/v1/organizations", json=body, idempotent=False)
        return parse((yield from send(call, self.retry)), OrganizationPublic)

    def change_status(
        self,
        organization_id: UUID | str,
        action: str,
        note: str | None,
        expected_status: OrganizationStatus | str | None = None,
        etag: str | None = None,
    ) -> Flow[OrganizationPublic]:
        """`approve` or `suspend`. Retried only when the server cannot have acted: each call
        with a note is an entry in the organization's history. With `expected_status`, the
        server answers 409 and changes nothing when the status is another by now; with
        `etag`, 412 when anything of it changed since it was read."""
        body = StatusChange.model_validate(
            {"note": note, "expected_status": expected_status}
        ).model_dump(mode="json", exclude_none=True)
        path = organization_path(organization_id, f"/{action}")
        headers = {"If-Match": etag} if etag is not None else {}
        call = Call("POST", path, json=body or None, headers=headers, idempotent=False)
        return parse((yield from send(call, self.retry)), OrganizationPublic)

    def update_organization(
        self, organization_id: UUID | str, changes: OrganizationUpdate, *, etag: str | None
    ) -> Flow[OrganizationPublic]:
        """PATCH the fields set in `changes` (`None` clears an optional one); with `etag`,
        only the organization as read (412 otherwise). Sent twice, the same change is made
        once (a PATCH that changes nothing records nothing), so it is retried; but not with
        an `etag` once it may have arrived: its own change would make the retry a 412."""
        body = changes.model_dump(mode="json", exclude_unset=True)
        headers = {"If-Match": etag} if etag is not None else {}
        call = Call(
            "PATCH",
            organization_path(organization_id),
            json=body,
            headers=headers,
            idempotent=etag is None,
        )
        return parse((yield from send(call, self.retry)), OrganizationPublic)

    def delete_organization(
        self, organization_id: UUID | str, *, etag: str | None = None
    ) -> Flow[None]:
        headers = {"If-Match": etag} if etag is not None else {}
        call = Call("DELETE", organization_path(organization_id), headers=headers)
        yield from remove(call, self.retry)

    def organization_history(
        self, organization_id: UUID | str, *, since: datetime | None = None
    ) -> Flow[OrganizationHistory]:
        path = organization_path(organization_id, "/history")
        return (yield from self._history(path, since, OrganizationHistory))

    def issue_key(
        self,
        role: str,
        name: str,
        organization_id: UUID | str | None,
        rate_limit_per_minute: int | None = None,
    ) -> Flow[KeyCreated]:
        key = KeyCreate.model_validate(
            {
                "role": role,
                "name": name,
                "organization_id": organization_id,
                "rate_limit_per_minute": rate_limit_per_minute,
            }
        )
        body = key.model_dump(mode="json")
        call = Call("POST", "/v1/keys", json=body, idempotent=False)
        return parse((yield from send(call, self.retry)), KeyCreated)

    def update_key(self, key_id: UUID | str, changes: dict[str, object]) -> Flow[KeyPublic]:
        # The same change sent twice leaves the same key.
        body = KeyUpdate.model_validate(changes).model_dump(mode="json", exclude_unset=True)
        call = Call("PATCH", f"/v1/keys/{UUID(str(key_id))}", json=body)
        return parse((yield from send(call, self.retry)), KeyPublic)

    def list_keys(
        self, organization_id: UUID | str | None, role: str | None, revoked: bool | None
    ) -> Flow[KeyList]:
        params = {"organization_id": str(UUID(str(organization_id)))} if organization_id else {}
        if role is not None:
            params["role"] = role
        if revoked is not None:
            params["revoked"] = "true" if revoked else "false"
        call = Call("GET", "/v1/keys", params or None)
        return parse((yield from send(call, self.retry)), KeyList)

    def revoke_key(self, key_id: UUID | str) -> Flow[None]:
        # Revoking twice is the same as once: the server answers a revoked key's DELETE with
        # 204 again, so a 404 means no such key even after a retry.
        call = Call("DELETE", f"/v1/keys/{UUID(str(key_id))}")
        check((yield from send(call, self.retry)))


def _since(since: datetime | None) -> dict[str, str]:
    if since is not None and since.utcoffset() is None:
        # The server would read it as UTC: a time in Toronto five hours off.
        raise ValueError("since: give a time zone (datetime.now(UTC), not datetime.now())")
    return {} if since is None else {"since": since.isoformat()}


def _onwards(next_after: int, params: dict[str, str]) -> str:
    """The next page's `after`, which must lie past this page's: a proxy that dropped the
    query would otherwise send the first page again and again, for ever."""
    if "after" in params and next_after <= int(params["after"]):
        raise UnexpectedResponse("the history's next page does not go on from this one")
    return str(next_after)


# A location's coordinates sent empty are the server's to fill (from its postal code).
_FILLED_BY_SERVER = frozenset({"latitude", "longitude"})


def _holds(listing: ServicePublic, body: object) -> bool:
    """Whether `listing` shows every field of a write's `body` as it was sent: lists of
    values in any order (the server keeps categories in its own), a location's coordinates
    sent empty as the server filled them."""
    if not isinstance(body, dict):
        return False
    shown = listing.model_dump(mode="json")
    shown["organization_id"] = shown["organization"]["id"]
    return all(name in shown and _same(value, shown[name]) for name, value in body.items())


def _same(sent: object, shown: object) -> bool:
    if isinstance(sent, dict) and isinstance(shown, dict):
        return all(
            (value is None and name in _FILLED_BY_SERVER) or _same(value, shown.get(name))
            for name, value in sent.items()
        )
    if isinstance(sent, list) and isinstance(shown, list):
        if all(not isinstance(value, dict | list) for value in [*sent, *shown]):
            return sorted(map(repr, set(sent))) == sorted(map(repr, set(shown)))
        return len(sent) == len(shown) and all(map(_same, sent, shown))
    return sent == shown


def _etag(response: httpx.Response, what: str) -> str:
    """The answer's `ETag`, which a read to be written back must carry."""
    etag: str | None = response.headers.get("ETag")
    if not etag:
        raise UnexpectedResponse(f"{what} came without an ETag")
    return etag
