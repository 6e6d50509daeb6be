"""The demo registry: deterministic, large and varied enough, and valid against API.md."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from service import demo
from service.demo import DemoOrganization, demo_registry

PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
CATEGORIES = (
    "housing.emergency_shelter",
    "housing.transitional",
    "housing.long_term",
    "legal.immigration",
    "legal.criminal_court_support",
    "legal.employment_rights",
    "legal.family",
    "legal.general",
    "specialized.counselling",
    "specialized.medical",
    "specialized.case_management",
    "specialized.interpretation",
    "specialized.settlement",
    "specialized.employment",
    "specialized.financial",
    "specialized.substance_use",
    "specialized.peer_support",
)
LISTING_KEYS = {
    "name",
    "description",
    "categories",
    "eligibility",
    "trafficking_focus",
    "languages",
    "delivery",
    "locations",
    "service_area",
    "intake",
    "capacity",
    "accepting_referrals",
    "fees",
    "id_required",
    "police_report_required",
}
ELIGIBILITY_KEYS = {
    "genders",
    "min_age",
    "max_age",
    "statuses",
    "trafficking_types",
    "accepts_dependents",
}
LOCATION_KEYS = {
    "name",
    "address",
    "municipality",
    "province",
    "postal_code",
    "latitude",
    "longitude",
    "confidential",
    "wheelchair_accessible",
}
AREA_KEYS = {"radius_km", "provinces", "nationwide"}
INTAKE_KEYS = {"phone", "email", "url", "hours", "referral_required"}
CAPACITY_KEYS = {"beds_total", "beds_available"}
GENDERS = {"woman", "man", "gender_diverse"}
STATUSES = {
    "canadian_citizen",
    "permanent_resident",
    "refugee_claimant",
    "protected_person",
    "temporary_resident",
    "trafficking_trp",
    "no_status",
}
TRAFFICKING_TYPES = {"labour", "sex"}
DELIVERY = {"in_person", "outreach", "phone", "virtual"}
FEES = {"free", "sliding_scale", "fee"}
PHONE = re.compile(r"^\+1-\d{3}-555-01\d\d$")
# First letter of a postal code by province or territory.
POSTAL_LETTERS = {
    "NL": "A",
    "NS": "B",
    "PE": "C",
    "NB": "E",
    "QC": "GHJ",
    "ON": "KLMNP",
    "MB": "R",
    "SK": "S",
    "AB": "T",
    "BC": "V",
    "NT": "X",
    "NU": "X",
    "YT": "Y",
}
POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$")

ORGANIZATIONS = demo_registry()
SERVICES = [service for org in ORGANIZATIONS for service in org.services]
LOCATIONS = [location for service in SERVICES for location in service["locations"]]
HOUSING = [s for s in SERVICES if any(c.startswith("housing.") for c in s["categories"])]


def _name(service: dict[str, Any]) -> str:
    return str(service["name"])


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_two_calls_give_the_same_registry() -> None:
    assert demo_registry() == demo_registry()


def test_each_call_returns_a_fresh_structure() -> None:
    first = demo_registry()
    first[0].services[0].pop("_verified_days_ago")
    assert "_verified_days_ago" in demo_registry()[0].services[0]


def test_counts() -> None:
    assert len(SERVICES) >= 300
    assert 100 <= len(ORGANIZATIONS) <= 150
    assert all(isinstance(org, DemoOrganization) and org.services for org in ORGANIZATIONS)
    assert len({(loc["municipality"], loc["province"]) for loc in LOCATIONS}) >= 40
    assert {loc["province"] for loc in LOCATIONS} == PROVINCES


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_is_offered_in_several_provinces(category: str) -> None:
    provinces = {
        loc["province"] for s in SERVICES if category in s["categories"] for loc in s["locations"]
    }
    assert len(provinces) >= 3


@pytest.mark.parametrize(
    "place",
    [
        "Kitchener",
        "Waterloo",
        "Cambridge",
        "Elmira",
        "Leamington",
        "Toronto",
        "Brooks",
        "Humboldt",
        "Iqaluit",
        "Whitehorse",
        "Yellowknife",
        "Montréal",
        "Winnipeg",
    ],
)
def test_named_places_have_services(place: str) -> None:
    assert any(loc["municipality"] == place for loc in LOCATIONS)


def test_names_are_unique_and_marked_as_demo() -> None:
    names = [_name(s) for s in SERVICES]
    assert len(set(names)) == len(names)
    assert len({org.name for org in ORGANIZATIONS}) == len(ORGANIZATIONS)
    assert all(n.endswith("(demo)") and len(n) <= 200 for n in names)
    assert all(org.name.endswith("(demo)") and len(org.name) <= 200 for org in ORGANIZATIONS)


def test_organization_contacts_are_fictional() -> None:
    for org in ORGANIZATIONS:
        assert org.website is not None
        assert re.fullmatch(r"https://[a-z0-9-]+\.example\.org", org.website)
        assert org.email is not None
        assert org.email.endswith(".example.org")
        assert org.phone is not None
        assert PHONE.match(org.phone)
        assert 0 < len(org.description) <= 2000


@pytest.mark.parametrize("service", SERVICES, ids=_name)
def test_listing_shape(service: dict[str, Any]) -> None:
    assert "organization_id" not in service
    assert {k for k in service if not k.startswith("_")} <= LISTING_KEYS
    assert set(service["eligibility"]) <= ELIGIBILITY_KEYS
    assert set(service["service_area"]) <= AREA_KEYS
    assert set(service["intake"]) <= INTAKE_KEYS
    assert set(service["capacity"]) <= CAPACITY_KEYS
    assert all(set(loc) <= LOCATION_KEYS for loc in service["locations"])
    extras = {k: v for k, v in service.items() if k.startswith("_")}
    assert set(extras) <= {"_verified_days_ago", "_availability_hours_ago"}
    assert all(isinstance(v, int) and v >= 0 for v in extras.values())


@pytest.mark.parametrize("service", SERVICES, ids=_name)
def test_listing_values_respect_the_contract(service: dict[str, Any]) -> None:
    assert len(service["description"]) <= 2000
    assert 1 <= len(service["categories"]) <= 10
    assert set(service["categories"]) <= set(CATEGORIES)
    assert len(set(service["categories"])) == len(service["categories"])
    elig = service["eligibility"]
    assert set(elig["genders"]) <= GENDERS
    assert set(elig["statuses"]) <= STATUSES
    assert set(elig["trafficking_types"]) <= TRAFFICKING_TYPES
    assert set(service["trafficking_focus"]) <= TRAFFICKING_TYPES
    low, high = elig["min_age"], elig["max_age"]
    assert all(a is None or 0 <= a <= 120 for a in (low, high))
    assert low is None or high is None or low <= high
    assert elig["accepts_dependents"] in (True, False, None)
    assert 1 <= len(service["languages"]) <= 30
    assert all(re.fullmatch(r"[a-z]{2,3}", code) for code in service["languages"])
    assert len(set(service["languages"])) == len(service["languages"])
    assert service["delivery"]
    assert set(service["delivery"]) <= DELIVERY
    assert service["fees"] in FEES
    assert len(service["locations"]) <= 20
    area = service["service_area"]
    if not service["locations"]:
        assert area["provinces"] or area["nationwide"]
        assert "in_person" not in service["delivery"]
    assert set(area["provinces"]) <= PROVINCES
    assert area["radius_km"] is None or 0 < area["radius_km"] <= 500
    intake = service["intake"]
    assert PHONE.match(intake["phone"])
    assert intake["email"].endswith(".example.org")
    assert intake["url"].startswith("https://example.org/")


@pytest.mark.parametrize("location", LOCATIONS, ids=lambda loc: str(loc["name"]))
def test_locations_are_in_canada_near_their_municipality(location: dict[str, Any]) -> None:
    assert 41.6 <= location["latitude"] <= 83.2
    assert -141.1 <= location["longitude"] <= -52.5
    assert location["province"] in PROVINCES
    assert POSTAL_CODE.match(location["postal_code"])
    assert location["postal_code"][0] in POSTAL_LETTERS[location["province"]]
    reference = demo._BY_NAME[location["municipality"]]
    assert location["postal_code"][:3] in reference.postal_prefixes
    assert reference.province == location["province"]
    distance = _distance_km(
        location["latitude"], location["longitude"], reference.latitude, reference.longitude
    )
    assert distance <= 3.1
    assert location["address"]


def test_capacity_only_for_housing_and_never_above_total() -> None:
    for service in SERVICES:
        beds = service["capacity"]
        if service in HOUSING:
            assert isinstance(beds["beds_total"], int)
            assert beds["beds_total"] > 0
            assert 0 <= beds["beds_available"] <= beds["beds_total"]
        else:
            assert beds.get("beds_total") is None
            assert beds.get("beds_available") is None
    assert any(s["capacity"]["beds_available"] == 0 for s in HOUSING)


def test_some_shelters_are_confidential() -> None:
    shelters = [s for s in HOUSING if "housing.emergency_shelter" in s["categories"]]
    confidential = [s for s in shelters if any(loc["confidential"] for loc in s["locations"])]
    assert 0.1 <= len(confidential) / len(shelters) <= 0.45


def test_every_phone_is_in_the_fictional_range() -> None:
    phones = [s["intake"]["phone"] for s in SERVICES] + [o.phone for o in ORGANIZATIONS]
    assert all(p is not None and PHONE.match(p) for p in phones)


def test_there_are_nationwide_and_province_wide_services() -> None:
    nationwide = [s for s in SERVICES if s["service_area"]["nationwide"]]
    assert nationwide
    assert all(len(s["locations"]) <= 1 for s in nationwide)
    assert any(s["service_area"]["provinces"] and not s["locations"] for s in SERVICES)


def test_there_are_youth_only_and_adult_only_services() -> None:
    assert any(
        s["eligibility"]["min_age"] == 16 and s["eligibility"]["max_age"] == 24 for s in HOUSING
    )
    assert any(
        s["eligibility"]["min_age"] == 18 and s["eligibility"]["max_age"] is None for s in SERVICES
    )


def test_there_are_rural_outreach_services_with_a_radius() -> None:
    outreach = [
        s
        for s in SERVICES
        if "outreach" in s["delivery"] and s["service_area"]["radius_km"] is not None
    ]
    assert outreach
    assert any(s["service_area"]["radius_km"] >= 60 for s in outreach)


def test_housing_covers_the_hard_to_place() -> None:
    men = [s for s in HOUSING if s["eligibility"]["genders"] == ["man"]]
    assert any("labour" in s["trafficking_focus"] for s in men)
    assert any(s["eligibility"]["genders"] == ["gender_diverse"] for s in HOUSING)
    assert any("refugee_claimant" in s["eligibility"]["statuses"] for s in HOUSING)
    assert any(
        s["eligibility"]["statuses"] == ["canadian_citizen", "permanent_resident"] for s in HOUSING
    )
    assert any(s["intake"]["hours"] == "24/7" for s in HOUSING)


def test_eligibility_and_requirements_vary() -> None:
    assert {s["eligibility"]["accepts_dependents"] for s in SERVICES} == {True, False, None}
    assert {s["fees"] for s in SERVICES} == FEES
    assert any(s["id_required"] for s in SERVICES)
    assert any(s["police_report_required"] for s in SERVICES)
    assert sum(s["id_required"] for s in SERVICES) < len(SERVICES) / 4
    assert sum(s["accepting_referrals"] for s in SERVICES) > 0.8 * len(SERVICES)
    assert {d for s in SERVICES for d in s["delivery"]} == DELIVERY
    languages = {code for s in SERVICES for code in s["languages"]}
    assert {"en", "fr", "es", "tl", "pa", "zh", "ar", "iu", "cr", "oj"} <= languages


def test_some_listings_are_stale() -> None:
    verified = [s["_verified_days_ago"] for s in SERVICES]
    stale = sum(days > demo.STALE_VERIFIED_DAYS for days in verified)
    assert 0.05 <= stale / len(SERVICES) <= 0.2
    assert any(s["_availability_hours_ago"] > demo.STALE_AVAILABILITY_HOURS for s in HOUSING)


def test_listings_validate_against_the_wire_schema() -> None:
    schemas = pytest.importorskip("schemas.services")
    for service in SERVICES:
        listing = {k: v for k, v in service.items() if not k.startswith("_")}
        schemas.ServiceFields.model_validate(listing)


def test_no_confidential_service_shares_its_intake_contact_with_a_public_sibling() -> None:
    """Partners may not read a confidential service's intake contact, but read its public
    siblings': every confidential demo listing shared its e-mail with one (a privacy review)."""
    checked = 0
    for organization in ORGANIZATIONS:
        listings = organization.services
        shown = {
            contact
            for service in listings
            if not any(location["confidential"] for location in service["locations"])
            for contact in (service["intake"]["email"], service["intake"]["phone"])
        }
        for service in listings:
            if any(location["confidential"] for location in service["locations"]):
                checked += 1
                intake = service["intake"]
                assert intake["email"] not in shown, service["name"]
                assert intake["phone"] not in shown, service["name"]
    assert checked >= 10
