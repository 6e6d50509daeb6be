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
