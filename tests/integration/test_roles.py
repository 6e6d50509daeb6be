"""Who may call what: the role table of API.md, endpoint by endpoint, over HTTP."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import (
    Api,
    assert_problem,
    bearer,
    count_services,
    listing,
    read_as_admin,
    snapshot,
    with_if_match,
)

ROLES = ("admin", "provider", "operator", "partner", "analyst")
ANONYMOUS = {
    "no key": {},
    "unknown key": bearer("rk_this-key-was-never-issued-0000000000"),
    "basic scheme": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
    "bearer without key": {"Authorization": "Bearer "},
    "key without scheme": {"Authorization": "rk_this-key-was-never-issued-0000000000"},
}


@dataclass(frozen=True)
class World:
    """An approved organization with one listing, and a spare key to revoke."""

    organization_id: str
    service_id: str
    etag: str
    spare_key_id: str


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Callable[[World], dict[str, Any]] | None
    success: int
    allowed: frozenset[str]
    needs_if_match: bool = False


ADMIN = frozenset({"admin"})
WRITERS = frozenset({"admin", "provider"})
READERS = frozenset({"admin", "provider", "operator", "partner"})
EVERYONE = frozenset(ROLES)

CALLS: dict[str, Call] = {
    "organizations create": Call(
        "POST", "/v1/organizations", lambda w: {"name": "Another Organization"}, 201, ADMIN
    ),
    "organizations list": Call("GET", "/v1/organizations", None, 200, ADMIN),
    "organizations get": Call("GET", "/v1/organizations/{organization}", None, 200, ADMIN),
    "organizations patch": Call(
        "PATCH", "/v1/organizations/{organization}", lambda w: {"description": "x"}, 200, ADMIN
    ),
    "organizations approve": Call(
        "POST", "/v1/organizations/{organization}/approve", None, 200, ADMIN
    ),
    "organizations suspend": Call(
        "POST", "/v1/organizations/{organization}/suspend", None, 200, ADMIN
    ),
    "organizations history": Call(
        "GET", "/v1/organizations/{organization}/history", None, 200, ADMIN
    ),
    "keys create": Call(
        "POST", "/v1/keys", lambda w: {"role": "partner", "name": "app"}, 201, ADMIN
    ),
    "keys list": Call("GET", "/v1/keys", None, 200, ADMIN),
    "keys delete": Call("DELETE", "/v1/keys/{spare_key}", None, 204, ADMIN),
    "keys whoami": Call("GET", "/v1/me", None, 200, EVERYONE),
    "services create": Call(
        "POST", "/v1/services", lambda w: listing(w.organization_id, name="New"), 201, WRITERS
    ),
    "services list": Call("GET", "/v1/services", None, 200, READERS),
    "services get": Call("GET", "/v1/services/{service}", None, 200, READERS),
    "services put": Call(
        "PUT",
        "/v1/services/{service}",
        lambda w: listing(w.organization_id, name="Replaced"),
        200,
        WRITERS,
        needs_if_match=True,
    ),
    "services patch": Call(
        "PATCH",
        "/v1/services/{service}",
        lambda w: {"name": "Patched"},
        200,
        WRITERS,
        needs_if_match=True,
    ),
    "services delete": Call("DELETE", "/v1/services/{service}", None, 204, WRITERS),
    "services availability": Call(
        "PUT",
        "/v1/services/{service}/availability",
        lambda w: {"beds_available": 1},
        200,
        WRITERS,
    ),
    "services verify": Call("POST", "/v1/services/{service}/verify", None, 200, WRITERS),
    "services history": Call("GET", "/v1/services/{service}/history", None, 200, WRITERS),
    "taxonomy": Call("GET", "/v1/taxonomy", None, 200, EVERYONE),
    "reports unmet needs": Call(
        "GET", "/v1/reports/unmet-needs", None, 200, frozenset({"admin", "analyst"})
    ),
}


def _world(api: Api, call: Call | None = None) -> World:
    """Only what `call` needs: the spare key and the ETag cost requests of their own."""
    organization_id = api.organization()
    service_id = api.service(organization_id)["id"]
    spare_key_id = etag = ""
    if call is None or "{spare_key}" in call.path:
        spare = api.client.post(
            "/v1/keys", json={"role": "partner", "name": "spare"}, headers=api.admin
        )
        assert spare.status_code == 201, spare.text
        spare_key_id = spare.json()["id"]
    if call is None or call.needs_if_match:
        etag = read_as_admin(api, service_id).headers["ETag"]
    return World(organization_id, service_id, etag, spare_key_id)


def _send(api: Api, call: Call, world: World, headers: dict[str, str]) -> Any:
    path = call.path.format(
        organization=world.organization_id, service=world.service_id, spare_key=world.spare_key_id
    )
    if call.needs_if_match:
        headers = with_if_match(headers, world.etag)
    body = call.body(world) if call.body else None
    return api.client.request(call.method, path, json=body, headers=headers)


def _key_for(api: Api, role: str, world: World) -> dict[str, str]:
    if role == "admin":
        return api.admin
    return api.key(role, world.organization_id if role == "provider" else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", CALLS)
def test_each_role_gets_success_or_403_per_the_role_table(
    api: Api, endpoint: str, role: str
) -> None:
    call = CALLS[endpoint]
    world = _world(api, call)
    response = _send(api, call, world, _key_for(api, role, world))
    if role in call.allowed:
        assert response.status_code == call.success, response.text
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize("caller", ANONYMOUS)
@pytest.mark.parametrize("endpoint", CALLS)
def test_missing_unknown_or_malformed_credentials_get_401(
    api: Api, endpoint: str, caller: str
) -> None:
    # Authentication comes first, so the ids need not exist: nothing to set up.
    world = World(str(uuid.uuid4()), str(uuid.uuid4()), '"stale"', str(uuid.uuid4()))
    response = _send(api, CALLS[endpoint], world, ANONYMOUS[caller])
    assert_problem(response, 401)


def test_refused_writes_change_nothing(api: Api) -> None:
    world = _world(api)
    before = snapshot(api, world.service_id)
    for role in ("operator", "partner", "analyst"):
        headers = _key_for(api, role, world)
        for endpoint in (
            "services put",
            "services patch",
            "services availability",
            "services verify",
            "services delete",
        ):
            assert _send(api, CALLS[endpoint], world, headers).status_code == 403
    assert snapshot(api, world.service_id) == before


# A provider and another organization's listing.

FOREIGN_WRITES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "PUT": ("PUT", "", None),
    "PATCH": ("PATCH", "", {"name": "Hijacked"}),
    "DELETE": ("DELETE", "", None),
    "availability": ("PUT", "/availability", {"beds_available": 0}),
    "verify": ("POST", "/verify", None),
    "history": ("GET", "/history", None),
}


@pytest.mark.parametrize("action", FOREIGN_WRITES)
def test_provider_touching_another_organizations_service_gets_404_and_nothing_changes(
    api: Api, action: str
) -> None:
    victim = api.organization("Victim")
    service_id = api.service(victim)["id"]
    intruder = api.key("provider", api.organization("Intruder"))
    before = snapshot(api, service_id)
    method, suffix, body = FOREIGN_WRITES[action]
    if action == "PUT":
        body = listing(victim, name="Hijacked")
    response = api.client.request(
        method,
        f"/v1/services/{service_id}{suffix}",
        json=body,
        headers=with_if_match(intruder, before["etag"]),
    )
    assert_problem(response, 404)
    assert snapshot(api, service_id) == before


def test_provider_reads_another_approved_organizations_service(api: Api) -> None:
    other = api.organization("Other")
    service_id = api.service(other)["id"]
    reader = api.key("provider", api.organization("Reader"))
    assert api.get(f"/v1/services/{service_id}", reader).status_code == 200


def test_provider_creating_a_service_for_another_organization_gets_403_and_nothing_is_created(
    api: Api,
) -> None:
    own = api.organization("Own")
    other = api.organization("Other")
    provider = api.key("provider", own)
    before = count_services(api)
    response = api.client.post("/v1/services", json=listing(other), headers=provider)
    problem = assert_problem(response, 403)  # a known key without the right (API.md)
    assert "its own organization" in problem["detail"]
    assert count_services(api) == before


def test_suspended_organizations_provider_key_gets_403_until_approved_again(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service_id = api.service(organization_id)["id"]
    assert api.get("/v1/services", provider).status_code == 200

    suspended = api.client.post(f"/v1/organizations/{organization_id}/suspend", headers=api.admin)
    assert suspended.json()["status"] == "suspended"
    assert_problem(api.get("/v1/services", provider), 403)
    assert_problem(api.get("/v1/taxonomy", provider), 403)
    refused = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 0}, headers=provider
    )
    assert_problem(refused, 403)
    assert read_as_admin(api, service_id).json()["capacity"]["beds_available"] == 3

    api.client.post(
        f"/v1/organizations/{organization_id}/approve",
        json={"note": "review closed"},
        headers=api.admin,
    )
    assert api.get("/v1/services", provider).status_code == 200
    restored = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 0}, headers=provider
    )
    assert restored.status_code == 200, restored.text


def _organization_in(api: Api, status: str) -> str:
    organization_id = api.organization(f"{status} organization", approved=False)
    if status == "suspended":
        response = api.client.post(
            f"/v1/organizations/{organization_id}/suspend", headers=api.admin
        )
        assert response.status_code == 200
    return organization_id


@pytest.mark.parametrize("reader", ["operator", "partner", "other provider"])
@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_services_of_unapproved_organizations_are_invisible_to_readers(
    api: Api, status: str, reader: str
) -> None:
    organization_id = _organization_in(api, status)
    hidden = api.service(organization_id)["id"]
    visible = api.service(api.organization("Approved"))["id"]
    headers = (
        api.key("provider", api.organization("Other"))
        if reader == "other provider"
        else api.key(reader)
    )
    listed = api.get("/v1/services", headers).json()
    assert [item["id"] for item in listed["items"]] == [visible]
    assert listed["total"] == 1
    assert_problem(api.get(f"/v1/services/{hidden}", headers), 404)
    filtered = api.get("/v1/services", headers, organization_id=organization_id).json()
    assert filtered["items"] == []


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_services_of_unapproved_organizations_are_visible_to_admin(api: Api, status: str) -> None:
    organization_id = _organization_in(api, status)
    hidden = api.service(organization_id)["id"]
    assert read_as_admin(api, hidden).status_code == 200
    listed = api.get("/v1/services", api.admin, organization_id=organization_id).json()
    assert [item["id"] for item in listed["items"]] == [hidden]


def test_services_of_a_pending_organization_are_visible_to_its_own_provider(api: Api) -> None:
    organization_id = api.organization("Pending", approved=False)
    provider = api.key("provider", organization_id)
    created = api.client.post("/v1/services", json=listing(organization_id), headers=provider)
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    assert api.get(f"/v1/services/{service_id}", provider).status_code == 200
    listed = api.get("/v1/services", provider).json()
    assert [item["id"] for item in listed["items"]] == [service_id]


def test_a_pending_organizations_provider_reads_only_its_own_listings_until_approved(
    api: Api,
) -> None:
    """A trafficker posing as a shelter gets a provider key on registering; until vetted it
    prepares its own listings and reads nothing else of the registry: not the shelters'
    areas, beds or hours, nor through the HSDS read API or the removals."""
    vetted = api.organization("Vetted shelter")
    shelter = api.service(vetted, name="Safe house")["id"]
    pending = api.organization("Unvetted", approved=False)
    provider = api.key("provider", pending)
    created = api.client.post("/v1/services", json=listing(pending), headers=provider)
    assert created.status_code == 201, created.text
    own = created.json()["id"]

    listed = api.get("/v1/services", provider).json()
    assert [item["id"] for item in listed["items"]] == [own]
    assert api.get(f"/v1/services/{own}", provider).status_code == 200
    assert_problem(api.get(f"/v1/services/{shelter}", provider), 404)
    own_only = api.get("/v1/services", provider, organization_id=pending).json()
    assert [item["id"] for item in own_only["items"]] == [own]
    assert_problem(api.get("/v1/services", provider, organization_id=vetted), 403)
    for path in (
        "/v1/removed-services?since=2020-01-01",
        "/hsds/services",
        f"/hsds/services/{shelter}",
        "/hsds/organizations",
        "/hsds/taxonomy_terms",
    ):
        assert "pending vetting" in assert_problem(api.get(path, provider), 403)["detail"], path

    approved = api.client.post(f"/v1/organizations/{pending}/approve", headers=api.admin)
    assert approved.status_code == 200, approved.text
    assert api.get(f"/v1/services/{shelter}", provider).status_code == 200
    assert api.get("/hsds/services", provider).status_code == 200
    listed = api.get("/v1/services", provider).json()
    assert {item["id"] for item in listed["items"]} == {own, shelter}
