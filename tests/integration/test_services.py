"""The registry over HTTP: create, read, list with filters and pages, replace, merge, delete,
the availability fast path, verification and history."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from httpx import Response
from sqlmodel import col

from service.models import Service, ServiceChange
from tests.factories import (
    ADMIN_KEY,
    Api,
    assert_problem,
    history,
    listing,
    read_as_admin,
    snapshot,
    with_if_match,
)

MONTREAL = {
    "name": "Bureau",
    "address": "5 Rue Test",
    "municipality": "Montréal",
    "province": "QC",
    "postal_code": "H2X 1Y4",
    "latitude": 45.5088,
    "longitude": -73.5617,
    "confidential": False,
    "wheelchair_accessible": False,
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["items"]}


def test_created_service_reads_back_as_sent_with_metadata_and_etag(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    sent = listing(organization_id)
    created = api.client.post("/v1/services", json=sent, headers=provider)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/v1/services/{body['id']}"
    assert created.headers["ETag"] == f'"{body["id"]}.1"'
    read = api.get(f"/v1/services/{body['id']}", provider)
    assert read.json() == body
    assert read.headers["ETag"] == created.headers["ETag"]
    assert {k: body[k] for k in sent} == sent
    assert body["version"] == 1
    assert body["organization"] == {
        "id": organization_id,
        "name": "Test Organization",
        "status": "approved",
    }
    for stamp in ("created_at", "updated_at", "last_verified_at", "availability_updated_at"):
        assert datetime.fromisoformat(body[stamp]).tzinfo is not None


def test_language_codes_are_stored_in_one_form_so_a_listing_meets_who_asks(api: Api) -> None:
    """`eng` and `spa` are stored as `en` and `es`: a person who asks for Spanish finds it."""
    organization_id = api.organization()
    service = api.service(organization_id, name="Written in ISO 639-3", languages=["eng", "SPA"])
    assert service["languages"] == ["en", "es"]
    asked = {
        "needs": ["housing.emergency_shelter"],
        "location": {"place": "Kitchener, ON"},
        "languages": ["spa"],
        "limit": 50,
    }
    response = api.client.post("/v1/match", json=asked, headers=api.admin)
    assert response.status_code == 200, response.text
    [found] = [
        match
        for match in response.json()["results"][0]["matches"]
        if match["service_id"] == service["id"]
    ]
    assert "speaks Spanish" in found["reasons"]


@pytest.mark.parametrize(
    ("listed", "asked", "reason"),
    [
        ("zh", "yue", "speaks Chinese"),  # the listing's word for it, for the operator to see
        ("yue", "zh", "speaks Cantonese"),
        ("prs", "fa", "speaks Dari"),
        ("cmn", "yue", None),  # Mandarin is not Cantonese
    ],
)
def test_a_variety_and_its_macrolanguage_meet(
    api: Api, listed: str, asked: str, reason: str | None
) -> None:
    service = api.service(api.organization(), languages=[listed])
    body = {
        "needs": ["housing.emergency_shelter"],
        "location": {"place": "Kitchener, ON"},
        "languages": [asked],
        "limit": 50,
    }
    answer = api.client.post("/v1/match", json=body, headers=api.admin).json()
    [found] = [m for m in answer["results"][0]["matches"] if m["service_id"] == service["id"]]
    if reason is None:
        assert not [r for r in found["reasons"] if r.startswith("speaks")]
        assert any(c.startswith("does not list") for c in found["caveats"])
    else:
        assert reason in found["reasons"]


@pytest.mark.parametrize("languages", [["xx"], ["English"], ["en", "eng"]])
def test_a_listing_with_an_unknown_or_repeated_language_is_refused(
    api: Api, languages: list[str]
) -> None:
    organization_id = api.organization()
    response = api.client.post(
        "/v1/services", json=listing(organization_id, languages=languages), headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", "languages"]
    assert api.get("/v1/services", api.admin, organization_id=organization_id).json()["total"] == 0


def _without_coordinates(**fields: Any) -> dict[str, Any]:
    location = {k: v for k, v in listing("x")["locations"][0].items() if "itude" not in k}
    return {**location, **fields}


@pytest.mark.parametrize(
    ("location", "point"),
    [
        # The centre of N2G's postal codes (service/data/gazetteer/fsa.csv).
        (_without_coordinates(), (43.4471, -80.489)),
        # No postal code: the municipality's centre (places.csv).
        (_without_coordinates(postal_code=None, municipality="Elmira"), (43.6001, -80.5497)),
        # Nor a rural one: X0A is all of Baffin Island, its point 594 km from its codes.
        (
            _without_coordinates(municipality="Iqaluit", province="NU", postal_code="X0A 0H0"),
            (63.747, -68.5173),
        ),
    ],
    ids=["postal code", "municipality", "rural postal code"],
)
def test_a_location_sent_without_coordinates_is_placed_by_the_gazetteer(
    api: Api, location: dict[str, Any], point: tuple[float, float]
) -> None:
    """A provider need not geocode a safe house's address, nor send it anywhere to do so."""
    organization_id = api.organization()
    service = api.service(organization_id, locations=[location])
    [stored] = service["locations"]
    assert (stored["latitude"], stored["longitude"]) == point
    assert {k: stored[k] for k in location} == location
    assert api.get(f"/v1/services/{service['id']}", api.admin).json() == service
    # Matched where it was placed: a person there finds it a few metres away.
    asked = {
        "needs": ["housing.emergency_shelter"],
        "location": {"latitude": point[0], "longitude": point[1]},
        "limit": 50,
        "max_distance_km": 5,
    }
    answer = api.client.post("/v1/match", json=asked, headers=api.admin).json()
    found = {m["service_id"]: m for m in answer["results"][0]["matches"]}
    assert found[service["id"]]["distance_km"] < 1


@pytest.mark.parametrize(
    ("location", "field"),
    [
        # A Montréal postal code on a shelter in Kitchener: a typing error in one of them.
        (_without_coordinates(postal_code="H2X 1Y4"), "postal_code"),
        ({**listing("x")["locations"][0], "postal_code": "V5K 0A1"}, "postal_code"),
        # Vancouver's coordinates on a shelter in Kitchener, ON: matched from Vancouver.
        ({**listing("x")["locations"][0], "latitude": 49.28, "longitude": -123.12}, "latitude"),
    ],
    ids=["postal code of another province", "with coordinates", "coordinates elsewhere"],
)
def test_a_location_that_says_two_provinces_gets_422_and_nothing_is_stored(
    api: Api, location: dict[str, Any], field: str
) -> None:
    organization_id = api.organization()
    response = api.client.post(
        "/v1/services", json=listing(organization_id, locations=[location]), headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", "locations", 0, field]]
    assert api.get("/v1/services", api.admin, organization_id=organization_id).json()["total"] == 0


def test_a_postal_area_of_two_provinces_is_of_either(api: Api) -> None:
    """K1A, the federal government's, has postal codes in Gatineau, QC too."""
    location = _without_coordinates(
        municipality="Gatineau", province="QC", postal_code="K1A 0J9", address="1 rue Laurier"
    )
    created = api.service(api.organization(), locations=[location])
    assert created["locations"][0]["province"] == "QC"


def test_a_location_a_few_metres_across_a_border_from_its_town_is_accepted(api: Api) -> None:
    """Lloydminster lies in Alberta and Saskatchewan: a shelter on the Alberta side may give
    the town's Saskatchewan address and be placed a few metres across."""
    location = {
        **listing("x")["locations"][0],
        "municipality": "Lloydminster",
        "province": "SK",
        "postal_code": "S9V 0A1",
        "latitude": 53.2790,
        "longitude": -110.0060,
    }
    assert api.service(api.organization(), locations=[location])["locations"][0]["province"] == "SK"


def test_a_patch_that_moves_a_location_without_coordinates_places_it(api: Api) -> None:
    service = api.service(api.organization())
    moved = _without_coordinates(municipality="Elmira", postal_code=None, address="2 Arthur St")
    response = api.client.patch(
        f"/v1/services/{service['id']}",
        json={"locations": [moved]},
        headers=with_if_match(api.admin, snapshot(api, service["id"])["etag"]),
    )
    assert response.status_code == 200, response.text
    [stored] = response.json()["locations"]
    assert (stored["municipality"], stored["latitude"], stored["longitude"]) == (
        "Elmira",
        43.6001,
        -80.5497,
    )


@pytest.mark.parametrize(
    ("location", "loc"),
    [
        (
            _without_coordinates(postal_code=None, municipality="Nowhereville"),
            ["body", "locations", 0, "latitude"],
        ),
        (
            _without_coordinates(postal_code="X0X 0X0", municipality="Nowhereville"),
            ["body", "locations", 0, "latitude"],
        ),
        ({**listing("x")["locations"][0], "longitude": None}, ["body", "locations", 0]),
        # Kitchener's address with a downtown Toronto postal code: one of them is wrong.
        (_without_coordinates(postal_code="M5V 2T6"), ["body", "locations", 0, "postal_code"]),
    ],
    ids=["unknown municipality", "unknown postal code too", "one coordinate", "disagreeing"],
)
def test_a_location_that_cannot_be_placed_is_refused_and_nothing_is_listed(
    api: Api, location: dict[str, Any], loc: list[str | int]
) -> None:
    organization_id = api.organization()
    response = api.client.post(
        "/v1/services", json=listing(organization_id, locations=[location]), headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert [error["loc"] for error in problem["errors"]] == [loc]
    assert "Nowhereville" not in response.text
    assert api.get("/v1/services", api.admin, organization_id=organization_id).json()["total"] == 0


def test_unknown_service_id_gets_404(api: Api) -> None:
    response = api.get("/v1/services/00000000-0000-4000-8000-000000000000", api.admin)
    assert_problem(response, 404)


def test_list_filters_by_organization_and_category(api: Api) -> None:
    first = api.organization("First")
    second = api.organization("Second")
    shelter = api.service(first)["id"]
    legal = api.service(first, categories=["legal.immigration"], capacity={})["id"]
    elsewhere = api.service(second)["id"]

    by_organization = api.get("/v1/services", api.admin, organization_id=first).json()
    assert _ids(by_organization) == {shelter, legal}
    assert by_organization["total"] == 2
    by_category = api.get("/v1/services", api.admin, category="legal.immigration").json()
    assert _ids(by_category) == {legal}
    both = api.get(
        "/v1/services", api.admin, organization_id=second, category="housing.emergency_shelter"
    ).json()
    assert _ids(both) == {elsewhere}


@pytest.mark.parametrize(
    ("province", "expected"),
    [
        ("ON", {"ontario", "serves manitoba", "nationwide"}),
        ("QC", {"quebec", "nationwide"}),
        ("MB", {"serves manitoba", "nationwide"}),
        ("BC", {"nationwide"}),
    ],
)
def test_list_by_province_finds_located_service_area_and_nationwide_services(
    api: Api, province: str, expected: set[str]
) -> None:
    organization_id = api.organization()
    services = {
        "ontario": api.service(organization_id),
        "quebec": api.service(organization_id, locations=[MONTREAL]),
        "serves manitoba": api.service(
            organization_id, service_area={"radius_km": 10, "provinces": ["MB"]}
        ),
        "nationwide": api.service(
            organization_id,
            delivery=["phone"],
            locations=[],
            service_area={"nationwide": True},
        ),
    }
    names = {service["id"]: name for name, service in services.items()}
    page = api.get("/v1/services", api.admin, province=province).json()
    assert {names[i] for i in _ids(page)} == expected
    assert page["total"] == len(expected)


def test_list_modified_after_returns_only_services_changed_since(api: Api) -> None:
    organization_id = api.organization()
    old = api.service(organization_id)
    mark = old["updated_at"]
    new = api.service(organization_id)
    assert _ids(api.get("/v1/services", api.admin, modified_after=mark).json()) == {new["id"]}

    verified = api.client.post(f"/v1/services/{old['id']}/verify", headers=api.admin)
    assert verified.status_code == 200
    since = api.get("/v1/services", api.admin, modified_after=mark).json()
    assert [item["id"] for item in since["items"]] == [new["id"], old["id"]]
    later = api.get("/v1/services", api.admin, modified_after=verified.json()["updated_at"])
    assert later.json()["items"] == []


def test_list_modified_after_without_time_zone_is_read_as_utc(api: Api) -> None:
    api.service(api.organization())
    before = api.get("/v1/services", api.admin, modified_after="2020-01-01T00:00:00")
    after = api.get("/v1/services", api.admin, modified_after="2999-01-01T00:00:00")
    assert (before.status_code, before.json()["total"]) == (200, 1)
    assert (after.status_code, after.json()["total"]) == (200, 0)


@pytest.mark.parametrize("path", ["/v1/services", "/hsds/services"])
def test_list_modified_after_takes_a_date_or_an_iso_8601_instant(api: Api, path: str) -> None:
    api.service(api.organization())
    for since, found in (("2020-01-01", 1), ("2020-01-01T00:00:00Z", 1), ("2999-01-01", 0)):
        response = api.get(path, api.admin, modified_after=since)
        assert response.status_code == 200, since
        page = response.json()
        assert page.get("total", page.get("total_items")) == found, since
    problem = assert_problem(api.get(path, api.admin, modified_after="31415"), 422)
    assert problem["errors"][0]["loc"] == ["query", "modified_after"]
    assert "31415" not in json.dumps(problem)


def test_list_pages_cover_every_service_once_with_total(api: Api) -> None:
    organization_id = api.organization()
    created = {api.service(organization_id, name=f"Service {i}")["id"] for i in range(5)}
    seen: list[str] = []
    for page_number in (1, 2, 3):
        page = api.get("/v1/services", api.admin, page=page_number, per_page=2).json()
        assert page["total"] == 5
        assert (page["page"], page["per_page"]) == (page_number, 2)
        assert len(page["items"]) == (1 if page_number == 3 else 2)
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(created)
    beyond = api.get("/v1/services", api.admin, page=4, per_page=2).json()
    assert (beyond["items"], beyond["total"]) == ([], 5)


def test_list_stale_finds_the_listings_to_verify_and_verifying_clears_them(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    old, never, fresh = (api.service(organization_id) for _ in range(3))
    with engine.begin() as connection:
        for service, verified in (
            (old, datetime.now(UTC) - timedelta(days=200)),  # matches say it is stale
            (never, None),  # an imported listing that gave no date of verification
        ):
            connection.execute(
                sa.update(Service)
                .where(col(Service.id) == uuid.UUID(service["id"]))
                .values(last_verified_at=verified)
            )
    mine = {"organization_id": organization_id}
    stale = {old["id"], never["id"]}
    assert _ids(api.get("/v1/services", provider, stale="true", **mine).json()) == stale
    assert _ids(api.get("/v1/services", provider, stale="false", **mine).json()) == {fresh["id"]}
    assert len(_ids(api.get("/v1/services", provider, **mine).json())) == 3
    for service in (old, never):
        verified = api.client.post(f"/v1/services/{service['id']}/verify", headers=provider)
        assert verified.is_success
    assert api.get("/v1/services", provider, stale="true", **mine).json()["total"] == 0


def test_list_defaults_and_clamps_per_page(api: Api) -> None:
    api.service(api.organization())
    default = api.get("/v1/services", api.admin).json()
    assert (default["page"], default["per_page"], default["total"]) == (1, 50, 1)
    clamped = api.get("/v1/services", api.admin, per_page=100_000).json()
    assert clamped["per_page"] == 200
    assert len(clamped["items"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"per_page": 0},
        {"page": "first"},
        {"category": "housing"},
        {"province": "ZZ"},
        {"organization_id": "not-a-uuid"},
        {"modified_after": "yesterday"},
        # A number is not read as seconds since 1970 (2026 would be 00:33:46 that day).
        {"modified_after": "2026"},
        {"modified_after": "1764489600"},
        {"modified_after": "0.5"},
        {"modified_after": "-1e3"},
    ],
)
def test_list_with_invalid_query_gets_422(api: Api, params: dict[str, Any]) -> None:
    problem = assert_problem(api.get("/v1/services", api.admin, **params), 422)
    assert problem["errors"][0]["loc"] == ["query", next(iter(params))]


def test_put_replaces_the_whole_listing_and_resets_omitted_fields(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service = api.service(organization_id)
    replacement = listing(organization_id, name="Replaced", languages=["fr"], locations=[MONTREAL])
    for omitted in ("description", "eligibility", "trafficking_focus", "fees"):
        del replacement[omitted]
    response = api.client.put(
        f"/v1/services/{service['id']}",
        json=replacement,
        headers=with_if_match(provider, f'"{service["id"]}.1"'),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2
    assert (body["name"], body["languages"]) == ("Replaced", ["fr"])
    assert body["locations"] == [MONTREAL]
    assert body["description"] == ""
    assert body["trafficking_focus"] == []
    assert body["fees"] == "free"
    assert body["eligibility"] == {
        "genders": [],
        "min_age": None,
        "max_age": None,
        "statuses": [],
        "trafficking_types": [],
        "accepts_dependents": None,
    }
    assert read_as_admin(api, service["id"]).json() == body


def test_put_moving_a_service_to_another_organization_gets_409_and_changes_nothing(
    api: Api,
) -> None:
    organization_id = api.organization("Home")
    other = api.organization("Elsewhere")
    service_id = api.service(organization_id)["id"]
    before = snapshot(api, service_id)
    response = api.client.put(
        f"/v1/services/{service_id}",
        json=listing(other),
        headers=with_if_match(api.admin, before["etag"]),
    )
    assert_problem(response, 409)
    assert snapshot(api, service_id) == before


def test_patch_merges_nested_objects_field_by_field_and_replaces_lists(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service = api.service(organization_id)
    response = api.client.patch(
        f"/v1/services/{service['id']}",
        json={
            "eligibility": {"max_age": 30},
            "intake": {"hours": "Mon-Fri 9-17"},
            "capacity": {"beds_available": 0},
            "languages": ["fr"],
            "locations": [MONTREAL],
        },
        headers=with_if_match(provider, f'"{service["id"]}.1"'),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["eligibility"] == {**service["eligibility"], "max_age": 30}
    assert body["intake"] == {**service["intake"], "hours": "Mon-Fri 9-17"}
    assert body["capacity"] == {"beds_total": 12, "beds_available": 0}
    assert body["languages"] == ["fr"]
    assert body["locations"] == [MONTREAL]
    untouched = set(listing(organization_id)) - {
        "eligibility",
        "intake",
        "capacity",
        "languages",
        "locations",
    }
    assert {k: body[k] for k in untouched} == {k: service[k] for k in untouched}


def test_patch_null_clears_a_nested_field(api: Api) -> None:
    organization_id = api.organization()
    service = api.service(organization_id)
    response = api.client.patch(
        f"/v1/services/{service['id']}",
        json={"eligibility": {"min_age": None}, "intake": {"url": None}},
        headers=with_if_match(api.admin, snapshot(api, service["id"])["etag"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["eligibility"]["min_age"] is None
    assert response.json()["intake"]["url"] is None
    assert response.json()["intake"]["phone"] == service["intake"]["phone"]


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"capacity": {"beds_available": 13}}, ["body", "capacity"]),
        ({"capacity": {"beds_total": 2}}, ["body", "capacity"]),
        ({"eligibility": {"max_age": 10}}, ["body", "eligibility"]),
        ({"locations": []}, ["body"]),
        ({"categories": []}, ["body", "categories"]),
        ({"name": ""}, ["body", "name"]),
    ],
)
def test_patch_that_would_make_the_listing_invalid_gets_422_and_changes_nothing(
    api: Api, patch: dict[str, Any], loc: list[str]
) -> None:
    service_id = api.service(api.organization())["id"]
    before = snapshot(api, service_id)
    response = api.client.patch(
        f"/v1/services/{service_id}", json=patch, headers=with_if_match(api.admin, before["etag"])
    )
    problem = assert_problem(response, 422)
    assert [error["loc"] for error in problem["errors"]] == [loc]
    assert snapshot(api, service_id) == before


def test_delete_gives_204_then_404_and_history_stays_readable(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service_id = api.service(organization_id)["id"]
    deleted = api.client.delete(f"/v1/services/{service_id}", headers=provider)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(read_as_admin(api, service_id), 404)
    assert service_id not in _ids(api.get("/v1/services", api.admin).json())
    assert_problem(api.client.delete(f"/v1/services/{service_id}", headers=provider), 404)

    entries = history(api, service_id)
    assert [entry["action"] for entry in entries] == ["create", "delete"]
    assert entries[-1]["actor_role"] == "provider"
    assert {"field": "name", "old": "Test Shelter", "new": None} in entries[-1]["changes"]
    owner_view = api.get(f"/v1/services/{service_id}/history", provider)
    assert owner_view.status_code == 200
    assert owner_view.json()["items"] == entries


def test_a_deleted_listing_is_404_that_says_so_to_its_organization_only(api: Api) -> None:
    """A nightly script still sending a deleted listing's bed count learns it was deleted,
    not that its id is wrong; another organization learns nothing of it."""
    organization_id = api.organization("Deleting")
    provider = api.key("provider", organization_id)
    stranger = api.key("provider", api.organization("Stranger"))
    service_id = api.service(organization_id)["id"]
    assert api.client.delete(f"/v1/services/{service_id}", headers=provider).status_code == 204
    path = f"/v1/services/{service_id}"
    for who in (provider, api.admin):
        for response in (
            api.client.put(f"{path}/availability", json={"beds_available": 1}, headers=who),
            api.client.get(path, headers=who),
            api.client.post(f"{path}/verify", headers=who),
            api.client.delete(path, headers=who),
        ):
            detail = assert_problem(response, 404)["detail"]
            assert detail.startswith("This listing was deleted on "), detail
            assert f"{path}/history" in detail
    for who in (stranger, api.key("partner")):
        for response in (
            api.client.put(f"{path}/availability", json={"beds_available": 1}, headers=who),
            api.client.get(path, headers=who),
        ):
            if response.status_code == 403:  # (a partner may not write)
                continue
            assert assert_problem(response, 404)["detail"] == "No such service."
    never = f"/v1/services/{uuid.uuid4()}/availability"
    typo = api.client.put(never, json={"beds_available": 1}, headers=provider)
    assert assert_problem(typo, 404)["detail"] == "No such service."


def test_availability_updates_beds_and_referrals_without_if_match(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service = api.service(organization_id)
    response = api.client.put(
        f"/v1/services/{service['id']}/availability",
        json={"beds_available": 12, "accepting_referrals": False},
        headers=provider,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["capacity"] == {"beds_total": 12, "beds_available": 12}
    assert body["accepting_referrals"] is False
    assert body["version"] == 2
    assert _at(body["availability_updated_at"]) > _at(service["availability_updated_at"])
    assert response.headers["ETag"] == f'"{service["id"]}.2"'

    only_referrals = api.client.put(
        f"/v1/services/{service['id']}/availability",
        json={"accepting_referrals": True},
        headers=provider,
    )
    assert only_referrals.status_code == 200
    assert only_referrals.json()["capacity"]["beds_available"] == 12
    # Taking referrals again says nothing of tonight's beds: the count keeps its age.
    counted_at = body["availability_updated_at"]
    assert only_referrals.json()["availability_updated_at"] == counted_at
    # Sent again, it changes nothing: no new version to make an editor's ETag stale (an SRE's
    # review found a nightly script resending its flags moving the version every night).
    entries = len(history(api, service["id"]))
    again = api.client.put(
        f"/v1/services/{service['id']}/availability",
        json={"accepting_referrals": True},
        headers=provider,
    )
    assert again.status_code == 200, again.text
    assert again.headers["ETag"] == only_referrals.headers["ETag"]
    assert again.json() == only_referrals.json()
    assert len(history(api, service["id"])) == entries
    # Nor does a new total; the same count sent again confirms it.
    etag = only_referrals.headers["ETag"]
    total = api.client.patch(
        f"/v1/services/{service['id']}",
        json={"capacity": {"beds_total": 20}},
        headers=with_if_match(provider, etag),
    )
    assert total.status_code == 200, total.text
    assert total.json()["availability_updated_at"] == counted_at
    confirmed = api.client.put(
        f"/v1/services/{service['id']}/availability",
        json={"beds_available": 12},
        headers=provider,
    )
    assert _at(confirmed.json()["availability_updated_at"]) > _at(counted_at)


@pytest.mark.parametrize("writer", ["provider", "admin"])
def test_availability_and_verify_answer_the_listing_as_a_read_right_after_shows_it(
    api: Api, writer: str
) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    headers = provider if writer == "provider" else api.admin
    hidden = {**MONTREAL, "name": "Safe house", "confidential": True}
    service_id = api.service(organization_id, locations=[MONTREAL, hidden])["id"]
    writes = [
        ("PUT", "/availability", {"beds_available": 5, "accepting_referrals": False}),
        ("POST", "/verify", None),
    ]
    for method, suffix, body in writes:
        answer = api.client.request(
            method, f"/v1/services/{service_id}{suffix}", json=body, headers=headers
        )
        assert answer.status_code == 200, answer.text
        read = api.get(f"/v1/services/{service_id}", headers)
        assert answer.json() == read.json()
        assert answer.headers["ETag"] == read.headers["ETag"]
    assert [location["name"] for location in read.json()["locations"]] == [
        "Bureau",
        "Safe house",
    ]


@pytest.mark.parametrize(
    ("overrides", "body"),
    [
        ({}, {"beds_available": 13}),
        ({"capacity": {}}, {"beds_available": 1}),
        ({}, {}),
        ({}, {"beds_available": -1}),
        ({}, {"beds_available": None, "accepting_referrals": None}),
        ({}, {"beds_available": 1, "beds_total": 20}),
        ({}, {"accepting_referrals": 0}),
        ({}, {"accepting_referrals": "no"}),
        ({}, {"beds_available": 2.5}),
        ({}, {"beds_available": "2"}),
    ],
    ids=[
        "above beds_total",
        "listing without beds_total",
        "empty body",
        "negative",
        "only nulls",
        "unknown field",
        "accepting_referrals as a number",
        "accepting_referrals as a word",
        "a fraction of a bed",
        "beds as text",
    ],
)
def test_invalid_availability_gets_422_and_changes_nothing(
    api: Api, overrides: dict[str, Any], body: dict[str, Any]
) -> None:
    service_id = api.service(api.organization(), **overrides)["id"]
    before = snapshot(api, service_id)
    response = api.client.put(
        f"/v1/services/{service_id}/availability", json=body, headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert problem["errors"]
    assert snapshot(api, service_id) == before


def test_a_whole_number_of_beds_sent_as_a_float_is_taken(api: Api) -> None:
    """A script that computes in floating point sends 2.0: JSON's number 2, not a 422."""
    service_id = api.service(api.organization(), capacity={"beds_total": 12, "beds_available": 3})[
        "id"
    ]
    response = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 2.0}, headers=api.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"]["beds_available"] == 2


def test_more_free_beds_than_the_listing_has_names_its_total(api: Api) -> None:
    service_id = api.service(api.organization(), capacity={"beds_total": 12, "beds_available": 3})[
        "id"
    ]
    response = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 13}, headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert "beds_total, 12;" in problem["detail"]
    assert problem["errors"] == [
        {"loc": ["body", "beds_available"], "msg": "exceeds beds_total (12)"}
    ]


def test_verify_moves_last_verified_at_forward(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service = api.service(organization_id)
    response = api.client.post(f"/v1/services/{service['id']}/verify", headers=provider)
    assert response.status_code == 200, response.text
    body = response.json()
    assert _at(body["last_verified_at"]) > _at(service["last_verified_at"])
    assert body["version"] == service["version"] + 1
    assert read_as_admin(api, service["id"]).json()["last_verified_at"] == body["last_verified_at"]


def test_history_lists_who_changed_which_field_from_what_to_what_in_order(api: Api) -> None:
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    created = api.client.post("/v1/services", json=listing(organization_id), headers=provider)
    service_id = created.json()["id"]
    patched = api.client.patch(
        f"/v1/services/{service_id}",
        json={"name": "Renamed", "eligibility": {"min_age": 16}},
        headers=with_if_match(provider, created.headers["ETag"]),
    )
    assert patched.status_code == 200
    available = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 0}, headers=api.admin
    )
    assert available.status_code == 200
    verified = api.client.post(f"/v1/services/{service_id}/verify", headers=provider)

    entries = history(api, service_id)
    assert [(e["action"], e["version"]) for e in entries] == [
        ("create", 1),
        ("patch", 2),
        ("availability", 3),
        ("verify", 4),
    ]
    assert [(e["actor_name"], e["actor_role"]) for e in entries] == [
        ("test provider", "provider"),
        ("test provider", "provider"),
        (entries[2]["actor_name"], "admin"),
        ("test provider", "provider"),
    ]
    assert entries[2]["actor_name"].startswith("bootstrap admin")
    assert ADMIN_KEY not in str(entries)
    assert {"field": "name", "old": None, "new": "Test Shelter"} in entries[0]["changes"]
    assert entries[1]["changes"] == [
        {"field": "eligibility.min_age", "old": 18, "new": 16},
        {"field": "name", "old": "Test Shelter", "new": "Renamed"},
    ]
    counted, dated = entries[2]["changes"]
    assert counted == {"field": "capacity.beds_available", "old": 3, "new": 0}
    assert dated["field"] == "availability_updated_at"
    assert _at(dated["new"]) > _at(dated["old"])
    # The same count sent again confirms it: on the record too, as a verification is.
    again = api.client.put(
        f"/v1/services/{service_id}/availability", json={"beds_available": 0}, headers=api.admin
    )
    assert again.status_code == 200
    assert [c["field"] for c in history(api, service_id)[-1]["changes"]] == [
        "availability_updated_at"
    ]
    assert entries[3]["changes"] == [
        {
            "field": "last_verified_at",
            "old": entries[3]["changes"][0]["old"],
            "new": entries[3]["changes"][0]["new"],
        }
    ]
    assert _at(entries[3]["changes"][0]["new"]) > _at(entries[3]["changes"][0]["old"])
    assert verified.json()["version"] == 4
    assert [_at(e["at"]) for e in entries] == sorted(_at(e["at"]) for e in entries)


def test_a_listing_with_no_history_yet_has_an_empty_one_not_a_404(
    api: Api, engine: sa.Engine
) -> None:
    """The demo registry is loaded without history: its listings' history read 404."""
    organization_id = api.organization()
    service_id = api.service(organization_id)["id"]
    with engine.begin() as connection:
        connection.execute(
            sa.delete(ServiceChange).where(col(ServiceChange.service_id) == uuid.UUID(service_id))
        )
    for headers in (api.admin, api.key("provider", organization_id)):
        response = api.get(f"/v1/services/{service_id}/history", headers)
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []
    stranger = api.key("provider", api.organization("Other"))
    assert_problem(api.get(f"/v1/services/{service_id}/history", stranger), 404)
    assert_problem(api.get(f"/v1/services/{uuid.uuid4()}/history", api.admin), 404)


def test_a_write_that_changes_nothing_makes_no_new_version(api: Api) -> None:
    """`PATCH {}` or the same listing again: no new version, so no other editor's ETag goes
    stale, no sync reads the listing again, and history records nothing."""
    organization_id = api.organization()
    created = api.service(organization_id)
    path = f"/v1/services/{created['id']}"
    before = snapshot(api, created["id"])
    entries = len(history(api, created["id"]))
    writes: list[Callable[[str], Response]] = [
        lambda etag: api.client.patch(path, json={}, headers=with_if_match(api.admin, etag)),
        lambda etag: api.client.patch(
            path, json={"name": created["name"]}, headers=with_if_match(api.admin, etag)
        ),
        lambda etag: api.client.put(
            path, json=listing(organization_id), headers=with_if_match(api.admin, etag)
        ),
    ]
    for send in writes:
        response = send(before["etag"])
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == before["etag"]
        assert snapshot(api, created["id"]) == before
    assert len(history(api, created["id"])) == entries
    stale = api.client.patch(path, json={}, headers=with_if_match(api.admin, '"other.1"'))
    assert_problem(stale, 412)  # still guarded: it names no version of this listing


def test_list_beds_stale_finds_the_counts_a_nightly_update_missed(
    api: Api, engine: sa.Engine
) -> None:
    organization_id = api.organization()
    mine = {"organization_id": organization_id}
    old, never, fresh = (api.service(organization_id) for _ in range(3))
    no_beds = api.service(organization_id, capacity={"beds_total": None, "beds_available": None})
    with engine.begin() as connection:
        for service, counted in (
            (old, datetime.now(UTC) - timedelta(hours=72)),  # matches do not take it as tonight's
            (never, None),
        ):
            connection.execute(
                sa.update(Service)
                .where(col(Service.id) == uuid.UUID(service["id"]))
                .values(availability_updated_at=counted)
            )
    stale = _ids(api.get("/v1/services", api.admin, beds_stale="true", **mine).json())
    assert stale == {old["id"], never["id"]}
    current = _ids(api.get("/v1/services", api.admin, beds_stale="false", **mine).json())
    assert current == {fresh["id"]}
    assert no_beds["id"] not in stale | current
    provider = api.key("provider", organization_id)
    counted = api.client.put(
        f"/v1/services/{old['id']}/availability", json={"beds_available": 1}, headers=provider
    )
    assert counted.status_code == 200, counted.text
    stale = _ids(api.get("/v1/services", provider, beds_stale="true", **mine).json())
    assert stale == {never["id"]}


def test_a_count_of_beds_changed_in_the_listing_is_dated_and_one_taken_away_is_stale(
    api: Api,
) -> None:
    """A PATCH or PUT that changes the count dates it, as the availability call does, on the
    record; one that takes the count away leaves the listing with no count, of no age:
    `beds_stale` lists it (it had been dated now, and listed as current)."""
    organization_id = api.organization()
    mine = {"organization_id": organization_id}
    service = api.service(organization_id, capacity={"beds_total": 9, "beds_available": 3})
    path = f"/v1/services/{service['id']}"

    def patch(capacity: dict[str, Any]) -> dict[str, Any]:
        etag = api.get(path, api.admin).headers["ETag"]
        answer = api.client.patch(
            path, json={"capacity": capacity}, headers=with_if_match(api.admin, etag)
        )
        assert answer.status_code == 200, answer.text
        return history(api, service["id"])[-1]

    counted = patch({"beds_available": 5})
    assert [c["field"] for c in counted["changes"]] == [
        "capacity.beds_available",
        "availability_updated_at",
    ]
    dated = counted["changes"][1]
    assert dated["new"] is not None
    assert _at(dated["new"]) > _at(dated["old"])
    assert _ids(api.get("/v1/services", api.admin, beds_stale="false", **mine).json()) == {
        service["id"]
    }

    cleared = patch({"beds_available": None})
    assert cleared["changes"][1] == {
        "field": "availability_updated_at",
        "old": dated["new"],
        "new": None,
    }
    assert api.get(path, api.admin).json()["capacity"]["beds_available"] is None
    assert _ids(api.get("/v1/services", api.admin, beds_stale="true", **mine).json()) == {
        service["id"]
    }
    assert not _ids(api.get("/v1/services", api.admin, beds_stale="false", **mine).json())
    # A new total alone is no news of tonight's beds: not dated.
    total = patch({"beds_total": 12})
    assert [c["field"] for c in total["changes"]] == ["capacity.beds_total"]


def test_a_listing_stored_with_direction_controls_is_mended_by_its_next_write(
    api: Api, engine: sa.Engine
) -> None:
    """Names are kept without the controls that turn text around; one stored with them
    (before, or by hand) is not refused on its next PATCH of another field, and loses them."""
    organization_id = api.organization()
    service = api.service(organization_id)
    with engine.begin() as connection:
        connection.execute(
            sa.update(Service)
            .where(col(Service.id) == uuid.UUID(service["id"]))
            .values(name="Shelter \u202eevil")
        )
    path = f"/v1/services/{service['id']}"
    etag = api.get(path, api.admin).headers["ETag"]
    patched = api.client.patch(
        path, json={"languages": ["en"]}, headers=with_if_match(api.admin, etag)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Shelter evil"
    assert {"field": "name", "old": "Shelter \u202eevil", "new": "Shelter evil"} in history(
        api, service["id"]
    )[-1]["changes"]


def test_the_body_read_can_be_put_back_changed(api: Api) -> None:
    """Integrators PUT back what they GET, changed: the read-only fields come with it."""
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    created = api.service(organization_id)
    path = f"/v1/services/{created['id']}"
    read = api.get(path, provider)
    body = {**read.json(), "name": "Renamed", "version": 99}
    put = api.client.put(path, json=body, headers=with_if_match(provider, read.headers["ETag"]))
    assert put.status_code == 200, put.text
    assert (put.json()["name"], put.json()["version"]) == ("Renamed", 2)
    elsewhere = {**put.json(), "id": str(uuid.uuid4())}
    refused = api.client.put(
        path, json=elsewhere, headers=with_if_match(provider, put.headers["ETag"])
    )
    problem = assert_problem(refused, 422)
    assert problem["errors"] == [{"loc": ["body", "id"], "msg": "not this listing's id"}]
    assert api.get(path, provider).json()["name"] == "Renamed"
    unknown = {**put.json(), "colour": "blue"}
    assert_problem(
        api.client.put(path, json=unknown, headers=with_if_match(provider, put.headers["ETag"])),
        422,
    )


def test_a_long_history_comes_in_pages_oldest_first_and_from_an_instant(api: Api) -> None:
    """A listing's history grows by one entry for every nightly count of beds: it is answered
    in pages (`limit`, at most 1,000), each saying whether more follow and where they start."""
    organization_id = api.organization()
    provider = api.key("provider", organization_id)
    service_id = api.service(organization_id, capacity={"beds_total": 9, "beds_available": 3})["id"]
    for beds in (1, 2, 3, 4):
        api.client.put(
            f"/v1/services/{service_id}/availability",
            json={"beds_available": beds},
            headers=provider,
        ).raise_for_status()
    whole = api.get(f"/v1/services/{service_id}/history", provider).json()
    assert (len(whole["items"]), whole["has_more"], whole["next_after"]) == (5, False, None)

    read: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        answer = api.get(f"/v1/services/{service_id}/history", provider, **params)
        page = answer.json()
        pages += 1
        read.extend(page["items"])
        if not page["has_more"]:
            assert page["next_after"] is None
            assert "Link" not in answer.headers
            break
        assert page["next_after"] == page["items"][-1]["id"]
        params["after"] = page["next_after"]
    assert pages == 3
    assert read == whole["items"]
    # The same pages by following the Link header's rel="next", which keeps the other
    # parameters (a since given in a zone) and sets after.
    followed: list[dict[str, Any]] = []
    since = whole["items"][0]["at"].replace("Z", "+00:00")
    path: str | None = f"/v1/services/{service_id}/history?limit=2&since={quote(since)}"
    while path is not None:
        answer = api.client.get(path, headers=provider)
        assert answer.status_code == 200, answer.text
        followed.extend(answer.json()["items"])
        link = answer.headers.get("Link")
        path = link.removeprefix("<").removesuffix('>; rel="next"') if link else None
        assert path is None or path.startswith(f"/v1/services/{service_id}/history?")
    assert followed == whole["items"]

    since = whole["items"][3]["at"]
    recent = api.get(f"/v1/services/{service_id}/history", provider, since=since).json()
    assert [e["id"] for e in recent["items"]] == [e["id"] for e in whole["items"][3:]]
    # Past the last entry: an empty page, not a 404; a limit beyond 1,000 reads 1,000.
    last = whole["items"][-1]["id"]
    assert api.get(f"/v1/services/{service_id}/history", provider, after=last).json() == {
        "items": [],
        "has_more": False,
        "next_after": None,
    }
    assert (
        len(api.get(f"/v1/services/{service_id}/history", provider, limit=5000).json()["items"])
        == 5
    )
    # Deleted, and read from past its end: still the owner's, still not a 404.
    assert api.client.delete(f"/v1/services/{service_id}", headers=provider).status_code == 204
    gone = api.get(f"/v1/services/{service_id}/history", provider, after=last + 1)
    assert gone.status_code == 200, gone.text
    # Another organization's provider learns nothing, whatever page it asks for.
    stranger = api.key("provider", api.organization("Other"))
    assert_problem(api.get(f"/v1/services/{service_id}/history", stranger, after=last), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"after": -1},
        {"after": "last"},
        # (past the ids a PostgreSQL integer holds: it was a 500 there)
        {"after": 2**31},
        {"after": 2**63 - 1},
        {"since": "yesterday"},
        {"since": "2026"},
    ],
)
def test_a_bad_history_page_is_a_422(api: Api, params: dict[str, Any]) -> None:
    service_id = api.service(api.organization())["id"]
    problem = assert_problem(
        api.get(f"/v1/services/{service_id}/history", api.admin, **params), 422
    )
    assert problem["errors"][0]["loc"] == ["query", next(iter(params))]


def test_a_listing_says_whether_its_organization_is_vetted_to_whoever_may_read_it(
    api: Api,
) -> None:
    """An administrator reading a suspended organization's listing could not tell that no
    partner sees it (a review of an administrator's first week)."""
    organization_id = api.organization("Under Review")
    service_id = api.service(organization_id)["id"]
    provider = api.key("provider", organization_id)
    api.client.post(
        f"/v1/organizations/{organization_id}/suspend",
        json={"note": "Reported by a partner."},
        headers=api.admin,
    )
    read = api.get(f"/v1/services/{service_id}", api.admin).json()
    assert read["organization"]["status"] == "suspended"
    listed = api.get("/v1/services", api.admin, organization_id=organization_id).json()
    assert [item["organization"]["status"] for item in listed["items"]] == ["suspended"]
    assert api.get(f"/v1/services/{service_id}", provider).status_code == 403
    assert api.get(f"/v1/services/{service_id}", api.key("partner")).status_code == 404
