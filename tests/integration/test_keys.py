"""API keys: shown once, stored as a hash, revocable, bound to an organization for providers."""

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from schemas.enums import Role
from service.errors import Conflict, Unauthorized
from service.models import ApiKey, Organization
from service.repository.keys import lock_working_admin_keys, touch_key_unless_busy
from service.usecases import keys as keys_usecases
from service.usecases.keys import (
    Caller,
    RecentCallers,
    ensure_bootstrap_admin,
    hash_key,
    revoke_key,
)
from tests.factories import ADMIN_KEY, Api, assert_problem, bearer


def _create(api: Api, body: dict[str, object]) -> dict[str, Any]:
    response = api.client.post("/v1/keys", json=body, headers=api.admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_key_is_shown_once_at_creation_and_never_listed(api: Api) -> None:
    created = _create(api, {"role": "partner", "name": "partner app"})
    secret = created["key"]
    assert set(created) >= {"id", "role", "name", "organization_id", "key"}
    assert (created["role"], created["name"], created["organization_id"]) == (
        "partner",
        "partner app",
        None,
    )
    assert len(secret) >= 22  # at least 128 bits, base64url
    assert created["prefix"] == secret[: len(created["prefix"])]

    listed = api.client.get("/v1/keys", headers=api.admin)
    assert listed.status_code == 200
    assert secret not in listed.text
    ours = [item for item in listed.json()["items"] if item["id"] == created["id"]]
    assert len(ours) == 1
    assert "key" not in ours[0]


def test_keys_are_random(api: Api) -> None:
    first = _create(api, {"role": "partner", "name": "same name"})["key"]
    second = _create(api, {"role": "partner", "name": "same name"})["key"]
    assert first != second


def test_key_is_stored_only_as_its_sha256(api: Api, engine: sa.Engine) -> None:
    created = _create(api, {"role": "operator", "name": "hotline"})
    secret = created["key"]
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM api_key")).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert secret not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored


def test_revoked_key_gets_401_from_then_on(api: Api) -> None:
    created = _create(api, {"role": "partner", "name": "to revoke"})
    headers = bearer(created["key"])
    assert api.get("/v1/taxonomy", headers).status_code == 200
    revoked = api.client.delete(f"/v1/keys/{created['id']}", headers=api.admin)
    assert revoked.status_code == 204
    assert_problem(api.get("/v1/taxonomy", headers), 401)
    assert_problem(api.get("/v1/services", headers), 401)
    listed = {
        item["id"]: item for item in api.client.get("/v1/keys", headers=api.admin).json()["items"]
    }
    assert listed[created["id"]]["revoked_at"] is not None
    again = api.client.delete(f"/v1/keys/{created['id']}", headers=api.admin)
    assert again.status_code == 204


def test_a_key_says_which_administrator_issued_it_and_which_revoked_it(api: Api) -> None:
    issuer = _create(api, {"role": "admin", "name": "Amira (coordinator)"})
    revoker = _create(api, {"role": "admin", "name": "Ben (on call)"})
    partner = api.client.post(
        "/v1/keys", json={"role": "partner", "name": "app"}, headers=bearer(issuer["key"])
    ).json()
    assert (partner["issued_by"], partner["issued_by_key_id"]) == (
        "Amira (coordinator)",
        issuer["id"],
    )
    assert (partner["revoked_by"], partner["revoked_by_key_id"]) == (None, None)
    assert issuer["issued_by"].startswith("bootstrap admin")
    revoked = api.client.delete(f"/v1/keys/{partner['id']}", headers=bearer(revoker["key"]))
    assert revoked.status_code == 204
    # Revoking again is harmless, and keeps who revoked it first.
    assert api.client.delete(f"/v1/keys/{partner['id']}", headers=api.admin).status_code == 204
    listed = {key["id"]: key for key in api.get("/v1/keys", api.admin).json()["items"]}
    entry = listed[partner["id"]]
    assert (entry["issued_by"], entry["revoked_by"], entry["revoked_by_key_id"]) == (
        "Amira (coordinator)",
        "Ben (on call)",
        revoker["id"],
    )
    assert entry["revoked_at"] is not None


def test_revoking_an_unknown_key_gets_404(api: Api) -> None:
    response = api.client.delete("/v1/keys/00000000-0000-4000-8000-000000000000", headers=api.admin)
    assert_problem(response, 404)


def test_last_used_at_is_set_once_the_key_is_used(api: Api) -> None:
    created = _create(api, {"role": "analyst", "name": "reports"})

    def last_used() -> str | None:
        keys = api.client.get("/v1/keys", headers=api.admin).json()["items"]
        value: str | None = next(k for k in keys if k["id"] == created["id"])["last_used_at"]
        return value

    assert last_used() is None
    assert api.get("/v1/taxonomy", bearer(created["key"])).status_code == 200
    used = last_used()
    assert used is not None
    assert datetime.fromisoformat(used) >= datetime.fromisoformat(created["created_at"])


def test_provider_key_is_bound_to_its_organization(api: Api) -> None:
    organization_id = api.organization()
    created = _create(
        api, {"role": "provider", "name": "nightly beds", "organization_id": organization_id}
    )
    assert created["organization_id"] == organization_id
    listed = api.client.get(
        "/v1/keys", headers=api.admin, params={"organization_id": organization_id}
    )
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]


def test_provider_key_without_organization_gets_422(api: Api) -> None:
    response = api.client.post(
        "/v1/keys", json={"role": "provider", "name": "nightly beds"}, headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][0] == "body"
    assert _key_count(api) == 1


@pytest.mark.parametrize("role", ["admin", "operator", "partner", "analyst"])
def test_other_roles_refuse_an_organization_with_422(api: Api, role: str) -> None:
    organization_id = api.organization()
    response = api.client.post(
        "/v1/keys",
        json={"role": role, "name": "x", "organization_id": organization_id},
        headers=api.admin,
    )
    assert_problem(response, 422)
    assert _key_count(api) == 1


def test_key_for_an_unknown_organization_gets_422_naming_the_field(api: Api) -> None:
    response = api.client.post(
        "/v1/keys",
        json={
            "role": "provider",
            "name": "x",
            "organization_id": "00000000-0000-4000-8000-000000000000",
        },
        headers=api.admin,
    )
    problem = assert_problem(response, 422)
    assert _key_count(api) == 1
    assert [error["loc"] for error in problem.get("errors", [])] == [["body", "organization_id"]]


@pytest.mark.parametrize(
    "body",
    [{"role": "superuser", "name": "x"}, {"role": "partner"}, {"role": "partner", "name": ""}],
    ids=["unknown role", "no name", "empty name"],
)
def test_invalid_key_request_gets_422(api: Api, body: dict[str, str]) -> None:
    assert_problem(api.client.post("/v1/keys", json=body, headers=api.admin), 422)
    assert _key_count(api) == 1


def _key_count(api: Api) -> int:
    """Every key, the bootstrap admin's included."""
    return len(api.client.get("/v1/keys", headers=api.admin).json()["items"])


@pytest.mark.parametrize("role", ["operator", "partner", "analyst", "admin"])
def test_a_key_reads_who_it_is_without_its_secret(api: Api, role: str) -> None:
    created = _create(api, {"role": role, "name": f"{role} app"})
    response = api.get("/v1/me", bearer(created["key"]))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["organization"] is None
    assert {k: me["key"][k] for k in ("id", "role", "name", "prefix", "revoked_at")} == {
        "id": created["id"],
        "role": role,
        "name": f"{role} app",
        "prefix": created["prefix"],
        "revoked_at": None,
    }
    assert me["key"]["last_used_at"] is not None  # this very request
    assert created["key"] not in response.text
    # When the service calls data stale: what a client marks as old, a script's deadline.
    assert me["stale_after"] == {"listing_days": 180, "beds_hours": 48}


def test_a_provider_key_reads_its_organization_and_finds_its_listings_by_it(api: Api) -> None:
    organization_id = api.organization()
    own = api.service(organization_id, name="Own shelter")
    api.service(api.organization(), name="Another organization's shelter")
    created = _create(
        api, {"role": "provider", "name": "nightly beds", "organization_id": organization_id}
    )
    headers = bearer(created["key"])
    me = api.get("/v1/me", headers).json()
    assert me["key"]["organization_id"] == organization_id
    assert (me["organization"]["id"], me["organization"]["status"]) == (
        organization_id,
        "approved",
    )
    listings = api.client.get(
        "/v1/services", params={"organization_id": me["organization"]["id"]}, headers=headers
    ).json()
    assert [item["id"] for item in listings["items"]] == [own["id"]]


def test_who_am_i_is_refused_to_a_revoked_key_and_a_suspended_organization(api: Api) -> None:
    organization_id = api.organization()
    provider = _create(
        api, {"role": "provider", "name": "beds", "organization_id": organization_id}
    )
    suspended = api.client.post(f"/v1/organizations/{organization_id}/suspend", headers=api.admin)
    assert suspended.status_code == 200, suspended.text
    assert_problem(api.get("/v1/me", bearer(provider["key"])), 403)

    partner = _create(api, {"role": "partner", "name": "to revoke"})
    assert api.client.delete(f"/v1/keys/{partner['id']}", headers=api.admin).status_code == 204
    assert_problem(api.get("/v1/me", bearer(partner["key"])), 401)
    assert_problem(api.get("/v1/me", {}), 401)


def test_an_administrator_renames_a_key_and_sets_its_own_limit_and_it_is_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    created = api.client.post(
        "/v1/keys", json={"role": "partner", "name": "app"}, headers=api.admin
    ).json()
    assert created["rate_limit_per_minute"] is None
    path = f"/v1/keys/{created['id']}"
    with caplog.at_level("INFO", logger="referral.keys"):
        changed = api.client.patch(
            path,
            json={"name": "big partner app", "rate_limit_per_minute": 12000},
            headers=api.admin,
        )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["rate_limit_per_minute"]) == (
        "big partner app",
        12000,
    )
    assert "key" not in changed.json()  # never the secret
    listed = {k["id"]: k for k in api.client.get("/v1/keys", headers=api.admin).json()["items"]}
    assert listed[created["id"]]["rate_limit_per_minute"] == 12000
    [record] = [r for r in caplog.records if r.getMessage() == "key changed"]
    assert record.__dict__["changes"] == {
        "name": ["app", "big partner app"],
        "rate_limit_per_minute": [None, 12000],
    }
    assert record.__dict__["key_id"] == created["id"]
    assert created["key"] not in caplog.text

    # Only what is sent changes; null takes the limit back to the service's.
    kept = api.client.patch(path, json={"rate_limit_per_minute": None}, headers=api.admin)
    assert (kept.json()["name"], kept.json()["rate_limit_per_minute"]) == (
        "big partner app",
        None,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"name": ""},
        {"rate_limit_per_minute": -1},
        {"rate_limit_per_minute": 1_000_001},
        {"rate_limit_per_minute": "fast"},
        {"rate_limit_per_minute": False},  # not "no limit": a JSON boolean is no number
        {"rate_limit_per_minute": "5"},
        {"rate_limit_per_minute": 1000.5},  # (1000.0 is the whole number 1000)
        {"role": "admin"},  # a key's role never changes
        {"key": "rk_chosen"},
    ],
)
def test_a_bad_key_change_is_a_422_and_changes_nothing(api: Api, body: dict[str, Any]) -> None:
    created = api.client.post(
        "/v1/keys",
        json={"role": "partner", "name": "app", "rate_limit_per_minute": 50},
        headers=api.admin,
    ).json()
    refused = api.client.patch(f"/v1/keys/{created['id']}", json=body, headers=api.admin)
    assert_problem(refused, 422)
    listed = {k["id"]: k for k in api.client.get("/v1/keys", headers=api.admin).json()["items"]}
    assert (listed[created["id"]]["name"], listed[created["id"]]["rate_limit_per_minute"]) == (
        "app",
        50,
    )
    assert listed[created["id"]]["role"] == "partner"


def test_only_an_administrator_changes_a_key_and_an_unknown_one_is_a_404(api: Api) -> None:
    created = api.client.post(
        "/v1/keys", json={"role": "operator", "name": "desk"}, headers=api.admin
    ).json()
    own = api.client.patch(
        f"/v1/keys/{created['id']}",
        json={"rate_limit_per_minute": 0},
        headers=bearer(created["key"]),
    )
    assert_problem(own, 403)
    unknown = api.client.patch(
        "/v1/keys/00000000-0000-4000-8000-000000000000",
        json={"rate_limit_per_minute": 5},
        headers=api.admin,
    )
    assert_problem(unknown, 404)


def test_the_bootstrap_key_keeps_its_name_and_no_other_key_takes_it(api: Api) -> None:
    """Start-up finds the bootstrap key by its name, to put a new secret in place: renamed,
    the next start-up failed, or the old secret stayed a working admin key."""
    me = api.client.get("/v1/me", headers=api.admin).json()["key"]
    renamed = api.client.patch(f"/v1/keys/{me['id']}", json={"name": "ops"}, headers=api.admin)
    assert_problem(renamed, 409)
    limited = api.client.patch(
        f"/v1/keys/{me['id']}", json={"rate_limit_per_minute": 10000}, headers=api.admin
    )
    assert limited.status_code == 200, limited.text  # its limit may change
    taken = api.client.post(
        "/v1/keys", json={"role": "admin", "name": me["name"]}, headers=api.admin
    )
    assert_problem(taken, 422)
    other = api.client.post(
        "/v1/keys", json={"role": "admin", "name": "deputy"}, headers=api.admin
    ).json()
    to_reserved = api.client.patch(
        f"/v1/keys/{other['id']}", json={"name": me["name"]}, headers=api.admin
    )
    assert_problem(to_reserved, 422)


def test_a_revoked_key_is_kept_as_it_was(api: Api) -> None:
    created = api.client.post(
        "/v1/keys", json={"role": "partner", "name": "old app"}, headers=api.admin
    ).json()
    assert api.client.delete(f"/v1/keys/{created['id']}", headers=api.admin).status_code == 204
    changed = api.client.patch(
        f"/v1/keys/{created['id']}", json={"name": "renamed"}, headers=api.admin
    )
    assert_problem(changed, 409)


def test_a_revoked_bootstrap_key_stays_revoked_when_the_service_starts_again(
    api: Api, engine: sa.Engine
) -> None:
    """Start-up puts REFERRAL_BOOTSTRAP_ADMIN_KEY in place: it used to clear a revocation made
    through the API, so a leaked bootstrap key an administrator had revoked came back."""
    me = api.client.get("/v1/me", headers=api.admin).json()["key"]
    deputy = api.client.post(
        "/v1/keys", json={"role": "admin", "name": "deputy"}, headers=api.admin
    ).json()
    revoked = api.client.delete(f"/v1/keys/{me['id']}", headers=bearer(deputy["key"]))
    assert revoked.status_code == 204, revoked.text

    def start_up(secret: str) -> None:
        with Session(engine) as session:
            ensure_bootstrap_admin(session, secret=secret)

    start_up(ADMIN_KEY)
    assert_problem(api.client.get("/v1/me", headers=api.admin), 401)
    keys = api.client.get("/v1/keys", headers=bearer(deputy["key"])).json()["items"]
    record = next(key for key in keys if key["id"] == me["id"])
    assert record["revoked_at"] is not None
    assert record["revoked_by"] == "deputy"

    # A new secret is a new bootstrap key, which the next start-up with another replaces.
    start_up("a-new-bootstrap-secret-0123456789abcdef")
    assert api.client.get(
        "/v1/me", headers=bearer("a-new-bootstrap-secret-0123456789abcdef")
    ).is_success
    start_up("a-third-bootstrap-secret-0123456789abcdef")
    assert_problem(
        api.client.get("/v1/me", headers=bearer("a-new-bootstrap-secret-0123456789abcdef")), 401
    )
    keys = api.client.get("/v1/keys", headers=bearer(deputy["key"])).json()["items"]
    bootstrap = [key for key in keys if key["name"] == me["name"]]
    assert [key["revoked_by"] for key in bootstrap] == [
        "deputy",
        "start-up: REFERRAL_BOOTSTRAP_ADMIN_KEY changed",
        None,
    ]


def test_the_last_working_administrator_key_cannot_be_revoked(api: Api) -> None:
    """Else no one could approve, suspend or issue keys until a new bootstrap key is set."""
    me = api.client.get("/v1/me", headers=api.admin).json()["key"]
    admins = [
        key
        for key in api.client.get("/v1/keys", headers=api.admin).json()["items"]
        if key["role"] == "admin" and key["revoked_at"] is None
    ]
    for other in admins:
        if other["id"] != me["id"]:
            revoked = api.client.delete(f"/v1/keys/{other['id']}", headers=api.admin)
            assert revoked.status_code == 204, revoked.text
    refused = api.client.delete(f"/v1/keys/{me['id']}", headers=api.admin)
    assert "last working administrator key" in assert_problem(refused, 409)["detail"]
    assert api.client.get("/v1/me", headers=api.admin).is_success
    deputy = api.client.post(
        "/v1/keys", json={"role": "admin", "name": "deputy"}, headers=api.admin
    ).json()
    assert api.client.delete(f"/v1/keys/{me['id']}", headers=api.admin).status_code == 204
    last = api.client.delete(f"/v1/keys/{deputy['id']}", headers=bearer(deputy["key"]))
    assert_problem(last, 409)


def test_two_revocations_at_once_never_revoke_the_last_two_administrator_keys(
    api: Api, engine: sa.Engine
) -> None:
    """Each counted two working keys and revoked one: both went, on PostgreSQL."""
    me = api.client.get("/v1/me", headers=api.admin).json()["key"]
    for key in api.client.get("/v1/keys", headers=api.admin).json()["items"]:
        if key["role"] == "admin" and key["revoked_at"] is None and key["id"] != me["id"]:
            assert api.client.delete(f"/v1/keys/{key['id']}", headers=api.admin).is_success
    deputy = api.client.post(
        "/v1/keys", json={"role": "admin", "name": "deputy"}, headers=api.admin
    ).json()
    caller = Caller(key_id=uuid.uuid4(), name="other admin", role=Role.admin, organization_id=None)
    outcome: dict[str, str] = {}

    def revoke_the_deputy() -> None:
        with Session(engine) as session:
            try:
                revoke_key(session, key_id=uuid.UUID(deputy["id"]), caller=caller)
                outcome["deputy"] = "revoked"
            except Conflict as conflict:
                outcome["deputy"] = str(conflict)

    with Session(engine) as first:
        lock_working_admin_keys(first)
        second = threading.Thread(target=revoke_the_deputy)
        second.start()
        time.sleep(0.5)  # time for the second to count, were it not made to wait
        revoke_key(first, key_id=uuid.UUID(me["id"]), caller=caller)
    second.join(timeout=30)
    assert "last working administrator key" in outcome["deputy"]
    assert api.client.get("/v1/me", headers=bearer(deputy["key"])).is_success


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("night\u202ethgin", "nightthgin"), ("a\u2066b\u2069", "ab"), (" x\u202d ", "x")],
)
def test_a_name_is_kept_without_what_turns_text_around(api: Api, sent: str, kept: str) -> None:
    """A key's name is shown in lists and histories ("revoked by"), an organization's
    everywhere: "a\u202eb" shows reversed, one name passing for another. The controls are
    left out; a mark of direction, which names mixing scripts need, is kept."""
    issued = api.client.post("/v1/keys", json={"role": "analyst", "name": sent}, headers=api.admin)
    assert issued.status_code == 201, issued.text
    assert issued.json()["name"] == kept
    registered = api.client.post("/v1/organizations", json={"name": sent}, headers=api.admin)
    assert registered.json()["name"] == kept
    marked = api.client.post(
        "/v1/organizations",
        json={"name": "\u0645\u0623\u0648\u0649 Haven\u200f"},
        headers=api.admin,
    )
    assert marked.status_code == 201, marked.text
    assert marked.json()["name"].endswith("\u200f")
    # Nothing but controls is no name.
    assert_problem(
        api.client.post("/v1/keys", json={"role": "analyst", "name": "\u202e"}, headers=api.admin),
        422,
    )


def test_keys_are_listed_by_role_and_by_whether_they_work(api: Api) -> None:
    """Revoked keys stay on the record, so the list grows with every script retired:
    `revoked=false` lists those that work, `role` those of one role."""
    organization_id = api.organization("Filtered")
    provider = api.client.post(
        "/v1/keys",
        json={"role": "provider", "name": "beds", "organization_id": organization_id},
        headers=api.admin,
    ).json()
    retired = api.client.post(
        "/v1/keys", json={"role": "partner", "name": "old app"}, headers=api.admin
    ).json()
    assert api.client.delete(f"/v1/keys/{retired['id']}", headers=api.admin).status_code == 204

    def ids(**params: Any) -> set[str]:
        response = api.get("/v1/keys", api.admin, **params)
        assert response.status_code == 200, response.text
        return {key["id"] for key in response.json()["items"]}

    everything = ids()
    assert {provider["id"], retired["id"]} <= everything
    working, revoked = ids(revoked="false"), ids(revoked="true")
    assert working | revoked == everything
    assert not working & revoked
    assert provider["id"] in working
    assert retired["id"] in revoked
    assert ids(role="partner", revoked="true") >= {retired["id"]}
    assert provider["id"] not in ids(role="partner")
    assert ids(role="provider", organization_id=organization_id) == {provider["id"]}
    assert_problem(api.get("/v1/keys", api.admin, role="superuser"), 422)


def test_a_suspended_organizations_keys_say_they_are_refused_though_not_revoked(
    api: Api,
) -> None:
    """A suspended organization's provider keys were listed among those not revoked with
    nothing to say they are refused (a review): each says its organization's status, and
    one issued to it meanwhile says so when issued."""
    organization_id = api.organization("Under Review")
    issued = api.client.post(
        "/v1/keys",
        json={"role": "provider", "name": "nightly beds", "organization_id": organization_id},
        headers=api.admin,
    ).json()
    assert issued["organization_status"] == "approved"
    suspended = api.client.post(
        f"/v1/organizations/{organization_id}/suspend",
        json={"note": "Reported by a partner."},
        headers=api.admin,
    )
    assert suspended.status_code == 200, suspended.text
    assert api.get("/v1/me", {"Authorization": f"Bearer {issued['key']}"}).status_code == 403
    listed = api.get("/v1/keys", api.admin, organization_id=organization_id, revoked="false")
    assert [
        (k["id"], k["organization_id"], k["organization_status"]) for k in listed.json()["items"]
    ] == [(issued["id"], organization_id, "suspended")]
    replacement = api.client.post(
        "/v1/keys",
        json={"role": "provider", "name": "replacement", "organization_id": organization_id},
        headers=api.admin,
    )
    assert replacement.status_code == 201
    assert replacement.json()["organization_status"] == "suspended"
    staff = api.get("/v1/keys", api.admin, role="operator").json()["items"]
    assert all(k["organization_status"] is None for k in staff)


def test_a_suspended_organizations_key_says_so_when_renamed_and_read_as_who_am_i(
    api: Api,
) -> None:
    """Only the list and the issuing answer said it, a review found: a key renamed read
    like a staff key's."""
    organization_id = api.organization("Renamed Under Review")
    issued = api.client.post(
        "/v1/keys",
        json={"role": "provider", "name": "beds", "organization_id": organization_id},
        headers=api.admin,
    ).json()
    me = api.get("/v1/me", {"Authorization": f"Bearer {issued['key']}"}).json()
    assert me["key"]["organization_status"] == "approved"
    api.client.post(
        f"/v1/organizations/{organization_id}/suspend",
        json={"note": "Reported."},
        headers=api.admin,
    )
    renamed = api.client.patch(
        f"/v1/keys/{issued['id']}", json={"name": "beds (old)"}, headers=api.admin
    )
    assert renamed.json()["organization_status"] == "suspended"


@contextmanager
def _held_for_an_hour(api: Api) -> Iterator[RecentCallers]:
    """The app's worker holds callers for an hour instead of 2 s: a change it makes must be
    seen because it forgets, not because the seconds ran out on a slow machine."""
    state = api.client.app.state  # type: ignore[attr-defined]
    worker_held = state.recent_callers
    state.recent_callers = held = RecentCallers(3600)
    try:
        yield held
    finally:
        state.recent_callers = worker_held


def test_a_key_in_use_is_refused_at_once_when_its_worker_revokes_it_or_suspends_its_organization(
    api: Api,
) -> None:
    with _held_for_an_hour(api):
        _changes_through_the_worker(api)


def _changes_through_the_worker(api: Api) -> None:
    # Each key is used first, so that the worker holds its caller (`RecentCallers`).
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    assert api.get("/v1/me", provider).status_code == 200
    suspended = api.client.post(f"/v1/organizations/{organization_id}/suspend", headers=api.admin)
    assert suspended.status_code == 200, suspended.text
    assert_problem(api.get("/v1/me", provider), 403)
    approved = api.client.post(
        f"/v1/organizations/{organization_id}/approve",
        json={"note": "the report was mistaken"},
        headers=api.admin,
    )
    assert approved.status_code == 200, approved.text
    assert api.get("/v1/me", provider).status_code == 200

    partner = _create(api, {"role": "partner", "name": "held, then revoked"})
    assert api.get("/v1/taxonomy", bearer(partner["key"])).status_code == 200
    assert api.client.delete(f"/v1/keys/{partner['id']}", headers=api.admin).status_code == 204
    assert_problem(api.get("/v1/taxonomy", bearer(partner["key"])), 401)

    limited = _create(api, {"role": "partner", "name": "held, then limited"})
    assert api.get("/v1/taxonomy", bearer(limited["key"])).status_code == 200
    changed = api.client.patch(
        f"/v1/keys/{limited['id']}", json={"rate_limit_per_minute": 1}, headers=api.admin
    )
    assert changed.status_code == 200, changed.text
    assert api.get("/v1/taxonomy", bearer(limited["key"])).status_code == 200
    assert_problem(api.get("/v1/taxonomy", bearer(limited["key"])), 429)

    deleted = api.organization("To be deleted")
    its_key = api.key("provider", deleted)
    assert api.get("/v1/me", its_key).status_code == 200
    assert api.client.delete(f"/v1/organizations/{deleted}", headers=api.admin).status_code == 204
    assert api.get("/v1/me", its_key).status_code in (401, 403)


def test_a_revocation_by_another_process_is_seen_once_the_held_seconds_are_over(
    api: Api, engine: sa.Engine
) -> None:
    now = [1000.0]
    state = api.client.app.state  # type: ignore[attr-defined]
    worker_held = state.recent_callers
    state.recent_callers = RecentCallers(2, clock=lambda: now[0])
    try:
        partner = _create(api, {"role": "partner", "name": "revoked elsewhere"})
        headers = bearer(partner["key"])
        assert api.get("/v1/taxonomy", headers).status_code == 200
        # As another worker or the command line would: not through this worker's sessions.
        with engine.begin() as connection:
            connection.execute(
                sa.update(ApiKey)
                .where(col(ApiKey.id) == uuid.UUID(partner["id"]))
                .values(revoked_at=datetime.now(UTC))
            )
        now[0] += 1.9
        assert api.get("/v1/taxonomy", headers).status_code == 200
        now[0] += 0.2
        assert_problem(api.get("/v1/taxonomy", headers), 401)
        now[0] += 10
        assert_problem(api.get("/v1/taxonomy", headers), 401)  # (a revoked key is never held)
    finally:
        state.recent_callers = worker_held


def test_a_key_read_while_a_change_of_keys_commits_is_not_held(
    api: Api, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = _create(api, {"role": "partner", "name": "read during a revocation"})
    key_hash = hash_key(partner["key"])
    held = RecentCallers(60)
    read = keys_usecases.authenticate

    def read_while_another_commits(session: Session, *, key_hash: str) -> tuple[Caller, bool]:
        caller = read(session, key_hash=key_hash)
        # Another request's revocation commits after this read and before it is kept.
        with Session(engine) as other:
            other.execute(sa.update(ApiKey).where(col(ApiKey.name) == "nobody").values(name="x"))
            other.commit()
        return caller

    monkeypatch.setattr(keys_usecases, "authenticate", read_while_another_commits)
    with Session(engine) as session:
        assert held.authenticate(session, key_hash).key_id == uuid.UUID(partner["id"])
    assert held.get(key_hash) is None
    monkeypatch.setattr(keys_usecases, "authenticate", read)
    with Session(engine) as session:
        held.authenticate(session, key_hash)
    assert held.get(key_hash) is not None


def test_a_worker_forgets_its_callers_on_a_statement_changing_organizations_or_a_rollback(
    engine: sa.Engine,
) -> None:
    bootstrap = hash_key(ADMIN_KEY)
    held = RecentCallers(3600)

    def held_again() -> None:
        with Session(engine) as session:
            held.authenticate(session, bootstrap)
        assert held.get(bootstrap) is not None

    held_again()
    with Session(engine) as session:
        session.execute(
            sa.update(Organization).where(col(Organization.name) == "nobody").values(name="x")
        )
        session.commit()
    assert held.get(bootstrap) is None
    held_again()
    # A change whose commit failed, or was rolled back, may have landed all the same (a
    # connection lost during its commit): forgotten too.
    with Session(engine) as session:
        session.execute(sa.update(ApiKey).where(col(ApiKey.name) == "nobody").values(name="x"))
        session.rollback()
    assert held.get(bootstrap) is None
    held_again()
    with Session(engine) as session:  # (the key's own last use changes no one's rights)
        touch_key_unless_busy(session, held.get(bootstrap).key_id, datetime.now(UTC))  # type: ignore[union-attr]
        session.commit()
    assert held.get(bootstrap) is not None


def test_a_worker_holds_no_caller_with_zero_seconds_nor_an_unknown_key(engine: sa.Engine) -> None:
    with Session(engine) as session:
        bootstrap = hash_key(ADMIN_KEY)
        none_held = RecentCallers(0)
        assert none_held.authenticate(session, bootstrap).role is Role.admin
        assert none_held.get(bootstrap) is None
        held = RecentCallers(60)
        unknown = hash_key("rk_" + "x" * 43)
        with pytest.raises(Unauthorized):
            held.authenticate(session, unknown)
        assert held.get(unknown) is None
        assert held.authenticate(session, bootstrap).role is Role.admin
        assert held.get(bootstrap) is not None
