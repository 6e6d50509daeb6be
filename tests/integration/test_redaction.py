"""Confidential locations: only administrators and the owning provider learn where they are;
operators also get the intake contact; everyone else is sent to a hotline operator."""

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import Response

from tests.factories import (
    CONFIDENTIAL_ADDRESS,
    CONFIDENTIAL_LATITUDE,
    CONFIDENTIAL_LONGITUDE,
    Api,
    confidential_location,
    listing,
    without_random_parts,
)

CONFIDENTIAL_POSTAL_CODE = confidential_location()["postal_code"]
CONFIDENTIAL_NAME = confidential_location()["name"]
OPEN_LOCATION = listing("unused")["locations"][0]
INTAKE = listing("unused")["intake"]
OPEN_INTAKE = {
    **INTAKE,
    "phone": "+1-519-555-0199",
    "email": "office@open.example.org",
    "url": "https://open.example.org",
}

READERS = ("admin", "owning provider", "operator", "partner", "other provider")
FULL_VIEW = {"admin", "owning provider"}
SEES_INTAKE = {"admin", "owning provider", "operator"}


@dataclass(frozen=True)
class Registry:
    confidential_id: str
    open_id: str
    keys: dict[str, dict[str, str]]


@pytest.fixture
def registry(api: Api) -> Registry:
    owner = api.organization("Safe Homes")
    other = api.organization("Other Org")
    service = api.service(
        owner,
        name="Shelter program",
        locations=[confidential_location(), OPEN_LOCATION],
    )
    open_service = api.service(owner, name="Open office", intake=OPEN_INTAKE)
    keys = {
        "admin": api.admin,
        "owning provider": api.key("provider", owner),
        "operator": api.key("operator"),
        "partner": api.key("partner"),
        "other provider": api.key("provider", other),
    }
    return Registry(service["id"], open_service["id"], keys)


def _read(api: Api, registry: Registry, reader: str, how: str) -> tuple[Response, dict[str, Any]]:
    headers = registry.keys[reader]
    if how == "by id":
        response = api.get(f"/v1/services/{registry.confidential_id}", headers)
        assert response.status_code == 200, response.text
        return response, response.json()
    response = api.get("/v1/services", headers)
    assert response.status_code == 200, response.text
    items = {item["id"]: item for item in response.json()["items"]}
    return response, items[registry.confidential_id]


def _exact_location_text() -> list[str]:
    return [
        CONFIDENTIAL_ADDRESS,
        CONFIDENTIAL_POSTAL_CODE,
        str(CONFIDENTIAL_LATITUDE),
        str(CONFIDENTIAL_LONGITUDE),
        str(CONFIDENTIAL_LATITUDE)[:5],
        CONFIDENTIAL_NAME,
    ]


@pytest.mark.parametrize("how", ["by id", "in the list"])
@pytest.mark.parametrize("reader", READERS)
def test_confidential_location_is_exact_only_for_admin_and_owner_and_contact_also_for_operator(
    api: Api, registry: Registry, reader: str, how: str
) -> None:
    response, service = _read(api, registry, reader, how)
    confidential, open_location = service["locations"]
    assert open_location == OPEN_LOCATION
    if reader in FULL_VIEW:
        assert confidential == confidential_location()
        for text in _exact_location_text():
            assert text in response.text
    else:
        assert confidential == {
            "municipality": "Cambridge",
            "province": "ON",
            "confidential": True,
            "wheelchair_accessible": None,
        }
        for text in _exact_location_text():
            assert text not in without_random_parts(response.text), text

    if reader in SEES_INTAKE:
        assert service["intake"] == INTAKE
    else:
        assert service["intake"]["contact_through"] == "hotline_operator"
        assert service["intake"]["hours"] == INTAKE["hours"]
        assert "phone" not in service["intake"]
        assert "email" not in service["intake"]
        for text in (INTAKE["phone"], INTAKE["email"], INTAKE["url"]):
            assert text not in response.text, text


@pytest.mark.parametrize("reader", READERS)
def test_non_confidential_service_is_fully_visible_to_every_reader(
    api: Api, registry: Registry, reader: str
) -> None:
    response = api.get(f"/v1/services/{registry.open_id}", registry.keys[reader])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["locations"] == [OPEN_LOCATION]
    assert body["intake"] == OPEN_INTAKE


def test_redacted_reader_cannot_recover_the_location_through_filters(
    api: Api, registry: Registry
) -> None:
    partner = registry.keys["partner"]
    for params in ({"province": "ON"}, {"category": "housing.emergency_shelter"}, {}):
        response = api.get("/v1/services", partner, **params)
        assert response.status_code == 200
        for text in _exact_location_text():
            assert text not in without_random_parts(response.text)


@pytest.mark.parametrize("how", ["by id", "in the list"])
def test_a_redacted_intake_speaks_the_language_asked_as_in_a_match(
    api: Api, registry: Registry, how: str
) -> None:
    """A French app's detail screen read "Confidential service: contact through a hotline
    operator." under its French list of matches (a partner developer's review)."""
    partner = registry.keys["partner"]
    for language, start in (("fr", "Service confidentiel"), ("en", "Confidential service")):
        headers = {**partner, "Accept-Language": language}
        if how == "by id":
            body = api.get(f"/v1/services/{registry.confidential_id}", headers).json()
        else:
            items = api.get("/v1/services", headers).json()["items"]
            body = next(item for item in items if item["id"] == registry.confidential_id)
        assert body["intake"]["message"].startswith(start), language


def _moved(location: dict[str, Any], **said: Any) -> dict[str, Any]:
    """The safe house at a corrected address, as a provider fixing it sends it."""
    moved = {k: v for k, v in location.items() if k != "confidential"}
    return {**moved, "address": "77 Cumberland St N", **said}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_change_of_a_confidential_listing_says_of_each_location_whether_it_is(
    api: Api, method: str
) -> None:
    """The lists of a change replace the stored ones, and a location sent without
    `confidential` is public by default: a provider correcting a safe house's address
    published it (a provider's review). Unsaid, it is a 422 that changes nothing; said,
    either way, it is as said."""
    organization_id = api.organization()
    owner = api.key("provider", organization_id)
    partner = api.key("partner")
    created = api.service(organization_id, locations=[confidential_location()])
    path = f"/v1/services/{created['id']}"

    def send(locations: list[dict[str, Any]], language: str = "en") -> Response:
        read = api.client.get(path, headers=owner)
        headers = {**owner, "If-Match": read.headers["ETag"], "Accept-Language": language}
        sent: Response
        if method == "PATCH":
            sent = api.client.patch(path, json={"locations": locations}, headers=headers)
        else:
            whole = {**listing(organization_id), "locations": locations}
            sent = api.client.put(path, json=whole, headers=headers)
        return sent

    before = api.client.get(path, headers=api.admin).json()
    refused = send([_moved(confidential_location())])
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"] == [
        {
            "loc": ["body", "locations", 0, "confidential"],
            "msg": "required while the listing has a confidential location",
        }
    ]
    assert "confidential" in problem["detail"]
    assert "public" in problem["detail"]
    assert "77 Cumberland" not in refused.text
    french = send([_moved(confidential_location())], language="fr-CA")
    assert french.status_code == 422
    assert french.json()["detail"].startswith("Cette fiche a un lieu confidentiel")
    assert api.client.get(path, headers=api.admin).json() == before
    assert CONFIDENTIAL_ADDRESS not in api.client.get(path, headers=partner).text

    kept = send([_moved(confidential_location(), confidential=True)])
    assert kept.status_code == 200, kept.text
    assert kept.json()["locations"][0]["confidential"] is True
    assert "77 Cumberland" not in api.client.get(path, headers=partner).text

    made_public = send([_moved(confidential_location(), confidential=False)])
    assert made_public.status_code == 200, made_public.text
    assert "77 Cumberland" in api.client.get(path, headers=partner).text
    # No confidential location left: a location sent without it is public, as on creation.
    assert send([_moved(confidential_location(), address="1 Elm St")]).status_code == 200
