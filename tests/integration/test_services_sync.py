"""Keeping a copy of the registry: `next_cursor` reads every listing once however listings
change while it reads, and `GET /v1/removed-services` says what to drop."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from service.models import Service
from tests.factories import Api, assert_problem


def _sync(
    api: Api, headers: dict[str, str], cursor: str | None, **params: Any
) -> tuple[list[str], str]:
    """Every page from `cursor` (or from the start), following `next_cursor`: the ids read in
    order, and the last page's cursor."""
    seen: list[str] = []
    while True:
        query = {"per_page": 2, **params, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/services", headers, **query)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        assert cursor
        assert body["has_more"] == (len(body["items"]) < body["total"])
        if not body["has_more"]:
            return seen, cursor


def _set_changed(engine: sa.Engine, service_id: str, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.update(Service).where(col(Service.id) == uuid.UUID(service_id)).values(updated_at=at)
        )


def _age_every_listing(engine: sa.Engine) -> None:
    """As if every listing had last changed two hours ago: only what changes now is new."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(Service).values(updated_at=datetime.now(UTC) - timedelta(hours=2))
        )


def test_following_next_cursor_reads_every_listing_though_listings_change_meanwhile(
    api: Api,
) -> None:
    organization_id = api.organization()
    created = [api.service(organization_id, name=f"Service {i}")["id"] for i in range(5)]
    first = api.get("/v1/services", api.admin, per_page=2).json()
    assert [item["id"] for item in first["items"]] == created[:2]
    # A listing already read changes: by pages, every later listing would move up one and
    # the third would never be read.
    assert api.client.post(f"/v1/services/{created[0]}/verify", headers=api.admin).is_success
    by_page = api.get("/v1/services", api.admin, per_page=2, page=2).json()
    assert created[2] not in [item["id"] for item in by_page["items"]]
    rest, _ = _sync(api, api.admin, first["next_cursor"])
    assert rest == [*created[2:], created[0]]


def test_listings_changed_at_the_same_instant_are_not_split_by_a_page(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization()
    created = [api.service(organization_id)["id"] for _ in range(3)]
    instant = datetime.now(UTC) - timedelta(hours=1)
    for service_id in created:
        _set_changed(engine, service_id, instant)
    seen, _ = _sync(api, api.admin, None, per_page=1)
    assert sorted(seen) == sorted(created)
    # `modified_after` the first one's change would miss the other two.
    assert (
        api.get("/v1/services", api.admin, modified_after=instant.isoformat()).json()["total"] == 0
    )


def test_the_last_pages_cursor_stands_back_so_a_change_committed_late_is_not_missed(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization()
    early = api.service(organization_id)["id"]
    seen, cursor = _sync(api, api.admin, None)
    assert seen == [early]
    # A change stamped before the sync's read but committed after it (its transaction began
    # first): a cursor at the last listing read would pass it for good.
    late = api.service(organization_id)["id"]
    _set_changed(engine, late, datetime.now(UTC) - timedelta(seconds=20))
    again, _ = _sync(api, api.admin, cursor)
    assert late in again
    # Nothing changed for longer than the overlap: the next sync reads nothing old again.
    for service_id in (early, late):
        _set_changed(engine, service_id, datetime.now(UTC) - timedelta(hours=2))
    quiet, _ = _sync(api, api.admin, cursor)
    assert quiet == []


def test_a_sync_of_an_empty_selection_still_gets_a_cursor_to_go_on_from(api: Api) -> None:
    organization_id = api.organization()
    empty = api.get("/v1/services", api.admin, organization_id=organization_id).json()
    assert (empty["items"], empty["total"]) == ([], 0)
    created = api.service(organization_id)["id"]
    seen, _ = _sync(api, api.admin, empty["next_cursor"], organization_id=organization_id)
    assert seen == [created]


def test_a_cursor_not_given_by_the_service_or_mixed_with_pages_gets_422(api: Api) -> None:
    api.service(api.organization())
    cursor = api.get("/v1/services", api.admin).json()["next_cursor"]
    for params, field in (
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
        ({"cursor": "%%%"}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
        ({"cursor": cursor, "page": 2}, "page"),
        ({"cursor": cursor, "modified_after": "2020-01-01"}, "cursor"),
    ):
        problem = assert_problem(api.get("/v1/services", api.admin, **params), 422)
        assert problem["errors"][0]["loc"] == ["query", field], params
        assert "bm90IGEgY3Vyc29y" not in json.dumps(problem)


def _forged(position: str) -> str:
    text = f"{position}|{uuid.UUID(int=0)}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/v1/services", "modified_after", "9999-12-31T23:59:59-01:00"),
        ("/v1/services", "modified_after", "0001-01-01T00:00:00+01:00"),
        ("/hsds/services", "modified_after", "0001-01-01T00:30:00+01:00"),
        ("/v1/removed-services", "since", "9999-12-31T23:00:00-05:00"),
        ("/v1/services", "cursor", _forged("9999-12-31T23:59:59-14:00")),
        ("/v1/removed-services", "cursor", _forged("0001-01-01T00:00:00+01:00")),
    ],
)
def test_an_instant_outside_the_years_1_to_9999_in_utc_gets_422(
    api: Api, path: str, field: str, value: str
) -> None:
    """(It was a 500: the database's driver could not take it.)"""
    problem = assert_problem(api.get(path, api.key("partner"), **{field: value}), 422)
    assert problem["errors"][0]["loc"] == ["query", field]


def test_an_instant_without_a_zone_is_utc(api: Api) -> None:
    api.service(api.organization())
    partner = api.key("partner")
    for since in ("2020-01-01T00:00:00", "2020-01-01", "2020-01-01T00:00:00Z"):
        response = api.get("/v1/services", partner, modified_after=since)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 1


def test_a_suspended_organizations_listings_are_withdrawn_and_come_back_when_approved(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization("Shelter Network")
    listed = {api.service(organization_id)["id"] for _ in range(2)}
    other = api.service(api.organization("Other"))["id"]
    _age_every_listing(engine)
    partner = api.key("partner")
    seen, cursor = _sync(api, partner, None)
    assert set(seen) == listed | {other}
    since = datetime.now(UTC).isoformat()

    suspended = api.client.post(f"/v1/organizations/{organization_id}/suspend", headers=api.admin)
    assert suspended.is_success
    removed = api.get("/v1/removed-services", partner, since=since).json()
    assert {item["id"] for item in removed["items"]} == listed
    assert {item["reason"] for item in removed["items"]} == {"withdrawn"}
    assert removed["total"] == 2
    # An administrator still reads them: nothing to drop from an administrator's copy.
    assert api.get("/v1/removed-services", api.admin, since=since).json()["items"] == []
    hidden, cursor = _sync(api, partner, cursor)
    assert hidden == []

    approved = api.client.post(
        f"/v1/organizations/{organization_id}/approve",
        json={"note": "complaint unfounded"},
        headers=api.admin,
    )
    assert approved.is_success
    assert api.get("/v1/removed-services", partner, since=since).json()["items"] == []
    back, _ = _sync(api, partner, cursor)
    assert set(back) == listed


def test_a_renamed_organizations_listings_are_read_again_with_the_new_name(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization("Old Name")
    created = api.service(organization_id)["id"]
    api.service(api.organization("Other"))
    _age_every_listing(engine)
    partner = api.key("partner")
    _, cursor = _sync(api, partner, None)
    renamed = api.client.patch(
        f"/v1/organizations/{organization_id}", json={"name": "New Name"}, headers=api.admin
    )
    assert renamed.is_success
    page = api.get("/v1/services", partner, cursor=cursor).json()
    read = [(item["id"], item["organization"]["name"]) for item in page["items"]]
    assert read == [(created, "New Name")]


def test_a_deleted_listing_is_listed_as_removed_since_before_its_deletion(api: Api) -> None:
    organization_id = api.organization()
    kept, deleted = (api.service(organization_id)["id"] for _ in range(2))
    before = datetime.now(UTC)
    assert api.client.delete(f"/v1/services/{deleted}", headers=api.admin).status_code == 204
    for headers in (api.key("partner"), api.key("operator"), api.admin):
        removed = api.get("/v1/removed-services", headers, since=before.isoformat()).json()
        assert [(item["id"], item["reason"]) for item in removed["items"]] == [(deleted, "deleted")]
        assert datetime.fromisoformat(removed["items"][0]["removed_at"]) >= before
    after = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    assert api.get("/v1/removed-services", api.admin, since=after).json()["total"] == 0
    assert kept


def test_removed_needs_a_reader_and_an_instant(api: Api) -> None:
    assert api.get("/v1/removed-services", {}, since="2020-01-01").status_code == 401
    analyst = api.key("analyst")
    assert_problem(api.get("/v1/removed-services", analyst, since="2020-01-01"), 403)
    problem = assert_problem(api.get("/v1/removed-services", api.admin), 422)
    assert problem["errors"][0]["loc"] == ["query", "since"]
    problem = assert_problem(api.get("/v1/removed-services", api.admin, since="31415"), 422)
    assert problem["errors"][0]["loc"] == ["query", "since"]


def test_a_pending_organizations_listings_were_never_shown_so_none_is_withdrawn(
    api: Api,
) -> None:
    """Nor is its deletion of one told: its id and time said that an unvetted organization
    is at work (a review). An administrator, who saw it, is told."""
    since = datetime.now(UTC).isoformat()
    pending = api.organization("Not yet vetted", approved=False)
    api.service(pending)
    deleted = api.service(pending, name="Made and dropped")["id"]
    assert api.client.delete(f"/v1/services/{deleted}", headers=api.admin).status_code == 204
    for role in ("partner", "operator", "provider"):
        reader = api.key(role, api.organization(f"Vetted {role}") if role == "provider" else None)
        assert api.get("/v1/removed-services", reader, since=since).json()["items"] == [], role
    told = api.get("/v1/removed-services", api.admin, since=since).json()["items"]
    assert [(item["id"], item["reason"]) for item in told] == [(deleted, "deleted")]


@pytest.mark.parametrize("ending", ["suspended", "deleted"])
def test_an_applicant_turned_down_before_approval_leaves_nothing_to_drop(
    api: Api, ending: str
) -> None:
    """An unvetted applicant is turned down by suspending or deleting it: its listings,
    never shown, were told to every partner as deleted or withdrawn, and so was the
    applicant (a review). One approved once is told, as its listings were shown."""
    since = datetime.now(UTC).isoformat()
    applicant = api.organization("Turned down", approved=False)
    kept = api.service(applicant, name="Kept listing")["id"]
    dropped = api.service(applicant, name="Dropped listing")["id"]
    assert api.client.delete(f"/v1/services/{dropped}", headers=api.admin).status_code == 204
    path = f"/v1/organizations/{applicant}"
    if ending == "suspended":
        decided = api.client.post(
            f"{path}/suspend", json={"note": "Not a shelter."}, headers=api.admin
        )
        assert decided.status_code == 200, decided.text
    else:
        assert api.client.delete(f"/v1/services/{kept}", headers=api.admin).status_code == 204
        assert api.client.delete(path, headers=api.admin).status_code == 204
    partner = api.key("partner")
    assert api.get("/v1/removed-services", partner, since=since).json()["items"] == []
    told = {
        item["id"]
        for item in api.get("/v1/removed-services", api.admin, since=since).json()["items"]
    }
    assert dropped in told
    # Approved once, then suspended: its listings were shown, so they are withdrawn.
    vetted = api.organization("Vetted then suspended")
    shown = api.service(vetted, name="Shown listing")["id"]
    api.client.post(
        f"/v1/organizations/{vetted}/suspend", json={"note": "Reported."}, headers=api.admin
    )
    items = api.get("/v1/removed-services", partner, since=since).json()["items"]
    assert [(item["id"], item["reason"]) for item in items] == [(shown, "withdrawn")]


def test_a_filtered_list_gives_no_cursor_and_takes_none(api: Api) -> None:
    """A listing can leave a filter (its location moved to another province), which a sync
    following the filtered list would never see: it kept the listing for good."""
    api.service(api.organization())
    cursor = api.get("/v1/services", api.admin).json()["next_cursor"]
    for params in (
        {"province": "ON"},
        {"category": "housing.emergency_shelter"},
        {"stale": "true"},
    ):
        page = api.get("/v1/services", api.admin, **params).json()
        assert page["next_cursor"] is None, params
        refused = api.get("/v1/services", api.admin, cursor=cursor, **params)
        assert assert_problem(refused, 422)["errors"][0]["loc"] == ["query", "cursor"], params
    mine = api.get("/v1/services", api.admin, organization_id=str(uuid.uuid4())).json()
    assert mine["next_cursor"]  # listings never move to another organization


def _removed(api: Api, headers: dict[str, str], **params: Any) -> tuple[list[str], str]:
    """Every page of removals, following `next_cursor` while `has_more`."""
    seen: list[str] = []
    while True:
        page = api.get("/v1/removed-services", headers, per_page=2, **params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [item["id"] for item in body["items"]]
        params = {"cursor": body["next_cursor"]}
        if not body["has_more"]:
            return seen, body["next_cursor"]


def test_removals_are_paged_by_cursor_so_one_that_goes_never_makes_another_skipped(
    api: Api,
) -> None:
    since = datetime.now(UTC).isoformat()
    suspended = api.organization("Suspended")
    withdrawn = [api.service(suspended)["id"] for _ in range(3)]
    other = api.organization("Other")
    deleted = [api.service(other)["id"] for _ in range(2)]
    partner = api.key("partner")
    assert api.client.post(
        f"/v1/organizations/{suspended}/suspend", json={"note": "review"}, headers=api.admin
    ).is_success
    for service_id in deleted:
        assert api.client.delete(f"/v1/services/{service_id}", headers=api.admin).status_code == 204
    first = api.get("/v1/removed-services", partner, since=since, per_page=2).json()
    assert (len(first["items"]), first["total"], first["has_more"]) == (2, 5, True)
    # The suspension is lifted while the partner reads: by pages, the deletions moved up
    # past the page it reads next.
    assert api.client.post(
        f"/v1/organizations/{suspended}/approve", json={"note": "cleared"}, headers=api.admin
    ).is_success
    rest, cursor = _removed(api, partner, cursor=first["next_cursor"])
    assert set(deleted) <= set(rest)
    assert not set(rest) - set(deleted) - set(withdrawn)
    # The last page's cursor goes on from a minute back: the deletions may come again.
    again, _ = _removed(api, partner, cursor=cursor)
    assert set(again) <= set(deleted)
    for params, field in (
        ({}, "since"),
        ({"since": since, "cursor": cursor}, "cursor"),
        ({"cursor": cursor, "page": 2}, "page"),
        ({"cursor": "bm90"}, "cursor"),
    ):
        refused = api.get("/v1/removed-services", partner, **params)
        assert assert_problem(refused, 422)["errors"][0]["loc"] == ["query", field], params
