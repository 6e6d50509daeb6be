"""The pure HSDS converters: our listings to HSDS records and back, third-party records, and
the checks of one row."""

import copy
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.services import ServiceCreate
from service.gazetteer import Placement, Unplaceable, default_gazetteer
from service.hsds import tables
from service.hsds.listing import Problem, to_listing, to_organization
from service.hsds.records import (
    CONTACT_THROUGH_OPERATOR,
    OrganizationData,
    ServiceData,
    flatten,
    organization_record,
    service_list_record,
    service_record,
    term_records,
)
from service.hsds.vocabulary import (
    ELIGIBILITY_STATED,
    TERMS,
    TERMS_BY_CODE,
    category_for,
    term_id,
)
from tests.factories import (
    CANARY,
    CONFIDENTIAL_ADDRESS,
    CONFIDENTIAL_LATITUDE,
    CONFIDENTIAL_LONGITUDE,
    confidential_location,
    listing,
)
from tests.hsds_validation import check_jsonschema

ORGANIZATION_ID = uuid.UUID("0f6a2b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b")
SERVICE_ID = uuid.UUID("1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d")
NOW = datetime(2026, 11, 29, 12, 30, 15, 123456, tzinfo=UTC)
ORGANIZATION = OrganizationData(
    id=ORGANIZATION_ID,
    name="Test Organization",
    description="",
    website="https://org.example.org",
    email="info@org.example.org",
    phone="+1-519-555-0101",
)


def _centre(municipality: str, province: str, postal_code: str | None) -> Placement:
    """A gazetteer that knows two municipalities and no postal code."""
    known = {("Cambridge", "ON"): (43.36, -80.31), ("Kitchener", "ON"): (43.45, -80.49)}
    point = known.get((municipality, province))
    if point is None:
        raise Unplaceable("latitude", "no coordinates, and the gazetteer knows no such place")
    return Placement(*point, by="municipality")


def _data(
    intake_contact: bool = True, eligibility_stated: bool = True, **overrides: Any
) -> ServiceData:
    return ServiceData(
        id=SERVICE_ID,
        organization=ORGANIZATION,
        listing=ServiceCreate.model_validate(listing(str(ORGANIZATION_ID), **overrides)),
        last_modified=NOW,
        last_verified_at=datetime(2026, 11, 1, tzinfo=UTC),
        availability_updated_at=NOW,
        intake_contact=intake_contact,
        eligibility_stated=eligibility_stated,
    )


VARIANTS: dict[str, dict[str, Any]] = {
    "shelter": {},
    "confidential and open locations": {
        "locations": [confidential_location(), listing("x")["locations"][0]]
    },
    "every rule and flag": {
        "categories": ["legal.immigration", "specialized.counselling"],
        "eligibility": {
            "genders": ["man"],
            "min_age": 16,
            "max_age": 24,
            "statuses": ["refugee_claimant", "no_status"],
            "trafficking_types": ["labour"],
            "accepts_dependents": False,
        },
        "trafficking_focus": ["labour", "sex"],
        "delivery": ["in_person", "outreach", "phone", "virtual"],
        "intake": {
            "phone": "519-555-0100 ext 12",
            "hours": "Mon-Fri 9-17",
            "referral_required": True,
        },
        "capacity": {"beds_total": 8, "beds_available": None},
        "accepting_referrals": False,
        "fees": "sliding_scale",
        "id_required": True,
        "police_report_required": True,
        "service_area": {"radius_km": 12.5, "provinces": ["ON", "QC"], "nationwide": False},
    },
    "nationwide without locations": {
        "locations": [],
        "delivery": ["phone", "virtual"],
        "service_area": {"radius_km": None, "provinces": [], "nationwide": True},
        "capacity": {"beds_total": None, "beds_available": None},
        "intake": {"phone": "1-800-555-0199"},
        "languages": [],
        "description": "",
    },
    "location without address or postal code": {
        "locations": [
            {
                "municipality": "Kitchener",
                "province": "ON",
                "latitude": 43.45,
                "longitude": -80.49,
            }
        ]
    },
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_our_record_converts_back_to_the_same_listing(variant: str) -> None:
    data = _data(**VARIANTS[variant])
    record = json.loads(json.dumps(service_record(data)))
    conversion = to_listing(record, locate=_centre)
    assert conversion.problems == []
    assert conversion.unknown_terms == []
    assert conversion.service is not None
    expected = data.listing.model_dump()
    for location in expected["locations"]:
        if location["confidential"]:
            location |= {"name": None, "address": None, "postal_code": None}
            location |= {"latitude": 43.36, "longitude": -80.31}
        elif location["address"] is None or location["postal_code"] is None:
            location |= {"address": None, "postal_code": None}
    assert conversion.service.listing.model_dump() == expected
    assert conversion.service.last_modified == NOW
    assert conversion.service.availability_updated_at == (
        NOW if data.listing.capacity.beds_available is not None else None
    )
    assert conversion.service.eligibility_stated is True


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_unstated_listing_stays_unstated_through_export_and_import(variant: str) -> None:
    """Our export writes our category terms: without the flag they would launder an imported
    listing's unknown eligibility into a stated "serves everyone"."""
    data = _data(eligibility_stated=False, **VARIANTS[variant])
    record = json.loads(json.dumps(service_record(data)))
    (flag,) = [a for a in record["attributes"] if a["taxonomy_term"]["code"] == ELIGIBILITY_STATED]
    assert flag["value"] == "false"
    assert flag["taxonomy_term_id"] == "98c64dec-484f-5d8b-b422-65247d6a08b3"  # fixed forever
    conversion = to_listing(record, locate=_centre)
    assert conversion.service is not None, conversion.problems
    assert conversion.service.eligibility_stated is False
    assert conversion.unknown_terms == []
    again = replace(data, listing=conversion.service.listing)
    assert service_record(again)["attributes"] == record["attributes"]


def test_a_stated_listing_exports_no_flag() -> None:
    codes = {a["taxonomy_term"]["code"] for a in service_record(_data())["attributes"]}
    assert ELIGIBILITY_STATED not in codes


@pytest.mark.parametrize(
    ("attributes", "stated"),
    [
        ([], False),  # another directory's terms only
        ([("fees.free", None)], True),  # any term of ours
        ([("gender.woman", None)], True),
        ([("gender.woman", None), (ELIGIBILITY_STATED, "false")], False),
        ([(ELIGIBILITY_STATED, "no")], False),
        ([(ELIGIBILITY_STATED, "true")], True),
    ],
)
def test_a_record_states_eligibility_when_it_carries_our_terms_and_no_unstated_flag(
    attributes: list[tuple[str, str | None]], stated: bool
) -> None:
    record = _third_party()
    record["attributes"] += [
        {"taxonomy_term_id": str(term_id(code)), **({"value": value} if value else {})}
        for code, value in attributes
    ]
    conversion = to_listing(record, locate=_centre)
    assert conversion.service is not None, conversion.problems
    assert conversion.service.eligibility_stated is stated


def test_tabular_rows_reassemble_to_the_same_listing() -> None:
    """Flattened to CSV cells (all text) and nested again, a record still converts back."""
    data = _data(**VARIANTS["every rule and flag"])
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, row in flatten("service", service_record(data)):
        rows.setdefault(table, []).append({k: str(v) for k, v in row.items()})
    (service,) = rows["service"]
    terms = {t["id"]: t for t in rows["taxonomy_term"]}
    attributes = [{**a, "taxonomy_term": terms[a["taxonomy_term_id"]]} for a in rows["attribute"]]
    service["attributes"] = [a for a in attributes if a["link_id"] == service["id"]]
    for key, table in (
        ("phones", "phone"),
        ("schedules", "schedule"),
        ("service_areas", "service_area"),
        ("languages", "language"),
    ):
        service[key] = [r for r in rows.get(table, []) if r.get("service_id") == service["id"]]
    locations = {loc["id"]: loc for loc in rows["location"]}
    for location in locations.values():
        location["addresses"] = [a for a in rows["address"] if a["location_id"] == location["id"]]
        location["attributes"] = [a for a in attributes if a["link_id"] == location["id"]]
    service["service_at_locations"] = [
        {**link, "location": locations[link["location_id"]]} for link in rows["service_at_location"]
    ]
    conversion = to_listing(service, locate=_centre)
    assert conversion.service is not None, conversion.problems
    assert conversion.service.listing == data.listing


def test_confidential_location_leaves_without_address_coordinates_or_name() -> None:
    location = {**confidential_location(), "name": f"Safe house {CANARY}"}
    record = service_record(_data(locations=[location]))
    text = json.dumps(record)
    for secret in (
        CANARY,
        CONFIDENTIAL_ADDRESS,
        str(CONFIDENTIAL_LATITUDE),
        str(CONFIDENTIAL_LONGITUDE),
        confidential_location()["postal_code"],
    ):
        assert secret not in text
    (link,) = record["service_at_locations"]
    assert "latitude" not in link["location"]
    assert "addresses" not in link["location"]
    values = {a["taxonomy_term"]["code"]: a.get("value") for a in link["location"]["attributes"]}
    assert values == {"confidential": "true", "municipality": "Cambridge", "province": "ON"}


def test_intake_contact_hidden_when_the_reader_may_not_see_it() -> None:
    record = service_record(_data(intake_contact=False))
    for field in ("phones", "email", "url"):
        assert field not in record
    assert record["application_process"] == CONTACT_THROUGH_OPERATOR
    assert record["schedules"][0]["description"] == "24/7"


def test_record_publishes_eligibility_as_attributes_of_our_taxonomy() -> None:
    record = service_record(_data(**VARIANTS["every rule and flag"]))
    attributes = {a["taxonomy_term"]["code"]: a.get("value") for a in record["attributes"]}
    assert attributes == {
        "legal.immigration": None,
        "specialized.counselling": None,
        "gender.man": None,
        "newcomer_status.refugee_claimant": None,
        "newcomer_status.no_status": None,
        "trafficking_type.labour": None,
        "trafficking_focus.labour": None,
        "trafficking_focus.sex": None,
        "delivery.in_person": None,
        "delivery.outreach": None,
        "delivery.phone": None,
        "delivery.virtual": None,
        "fees.sliding_scale": None,
        "accepts_dependents": "false",
        "referral_required": "true",
        "accepting_referrals": "false",
        "id_required": "true",
        "police_report_required": "true",
        "beds_total": "8",
    }
    assert (record["minimum_age"], record["maximum_age"]) == (16, 24)
    assert [a["name"] for a in record["service_areas"]] == [
        "Ontario",
        "Quebec",
        "Within 12.5 km of a location",
    ]


def test_capacity_is_beds_with_available_maximum_and_updated() -> None:
    (capacity,) = service_record(_data())["capacities"]
    assert capacity["unit"]["name"] == "bed"
    assert (capacity["available"], capacity["maximum"]) == (3, 12)
    assert capacity["updated"] == "2026-11-29T12:30:15.123456Z"


def test_ids_are_stable_and_terms_unique() -> None:
    assert service_record(_data()) == service_record(_data())
    codes = [term.code for term in TERMS]
    assert len(codes) == len(set(codes))
    assert term_id("housing.emergency_shelter") == TERMS_BY_CODE["housing.emergency_shelter"].id
    assert all(t.get("description") for t in term_records())


def test_organization_without_description_is_described_by_name_and_reads_back_empty() -> None:
    record = organization_record(ORGANIZATION)
    assert record["description"] == ORGANIZATION.name
    organization, problems = to_organization(record)
    assert problems == []
    assert organization is not None
    assert organization.description == ""
    assert organization.phone == ORGANIZATION.phone


def test_list_record_keeps_only_one_to_one_fields() -> None:
    listed = service_list_record(service_record(_data()))
    assert "attributes" not in listed
    assert "phones" not in listed["organization"]
    assert listed["name"] == "Test Shelter"


def _third_party(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "organization_id": str(ORGANIZATION_ID),
        "name": "Harbour House",
        "status": "active",
        "description": "Beds for women.",
        "attributes": [
            {
                "taxonomy_term_id": str(uuid.uuid4()),
                "taxonomy_term": {"code": "BH-1800.8500", "name": "Homeless Shelter"},
            },
            {
                "taxonomy_term_id": str(uuid.uuid4()),
                "taxonomy_term": {"code": "X-1", "name": "Legal Services"},
            },
            {
                "taxonomy_term_id": str(uuid.uuid4()),
                "taxonomy_term": {"code": "FOOD", "name": "Food Pantry"},
            },
        ],
        "service_at_locations": [
            {
                "location": {
                    "location_type": "physical",
                    "name": "Main",
                    "addresses": [
                        {
                            "address_1": "5 Main St",
                            "city": "Kitchener",
                            "state_province": "Ontario",
                            "postal_code": "n2g1a1",
                            "country": "CA",
                            "address_type": "physical",
                        }
                    ],
                }
            },
            {"location": {"location_type": "virtual", "url": "https://x.example.org"}},
        ],
        "phones": [{"number": "519-555-0150"}],
        "schedules": [
            {
                "byday": "MO,TU,WE,TH,FR,SA,SU",
                "opens_at": "00:00",
                "closes_at": "24:00",
                "freq": "WEEKLY",
            }
        ],
        "service_areas": [{"name": "Waterloo Region"}],
        "capacities": [
            {
                "unit": {"name": "Beds"},
                "available": 2,
                "maximum": 10,
                "updated": "2026-11-01T10:00:00Z",
            },
            {"unit": {"name": "Meals"}, "available": 20, "updated": "2026-11-01T10:00:00Z"},
        ],
        "languages": [{"code": "EN"}, {"name": "Klingon"}],
        "minimum_age": 18,
    }
    record.update(overrides)
    return record


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        ({"byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "00:00", "closes_at": "24:00"}, "24/7"),
        ({"byday": "SU,MO,TU,WE,TH,FR,SA", "opens_at": "00:00:00", "closes_at": "23:59"}, "24/7"),
        ({"byday": "MO,TU,WE,TH,FR", "opens_at": "00:00", "closes_at": "24:00"}, None),
        ({"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "description": "Weekdays 9-5"}, None),
    ],
)
def test_a_schedule_open_every_day_at_every_hour_is_24_7(
    schedule: dict[str, Any], hours: str | None
) -> None:
    """Whichever order a directory lists the days in (a week starting on Sunday had been
    read as office hours, and its shelter ranked last for a bed tonight)."""
    conversion = to_listing(
        _third_party(schedules=[{**schedule, "freq": "WEEKLY"}]), locate=_centre
    )
    assert conversion.service is not None
    expected = hours or schedule.get("description")
    assert conversion.service.listing.intake.hours == expected


def test_third_party_record_maps_recognised_terms_and_reports_the_rest() -> None:
    conversion = to_listing(_third_party(), locate=_centre)
    assert conversion.problems == []
    assert conversion.service is not None
    listing_ = conversion.service.listing
    assert [c.value for c in listing_.categories] == ["housing.emergency_shelter", "legal.general"]
    assert listing_.eligibility.genders == []
    assert listing_.eligibility.min_age == 18
    assert [d.value for d in listing_.delivery] == ["in_person", "phone", "virtual"]
    assert listing_.locations[0].postal_code == "N2G 1A1"
    assert listing_.locations[0].province.value == "ON"
    assert listing_.locations[0].latitude == 43.45  # placed at the municipality's centre
    assert conversion.located_by_municipality == 1
    assert listing_.intake.hours == "24/7"
    assert (listing_.capacity.beds_available, listing_.capacity.beds_total) == (2, 10)
    assert listing_.languages == ["en"]
    assert sorted(conversion.unknown_terms) == [
        "FOOD Food Pantry",
        "capacity unit Meals",
        "language Klingon",
        "service area Waterloo Region",
    ]
    assert conversion.service.last_verified_at is None
    # None of our terms: whom it serves is unknown, not everyone.
    assert conversion.service.eligibility_stated is False


def test_another_directorys_language_codes_are_read_in_our_one_form() -> None:
    languages = [{"code": "eng"}, {"code": "fre"}, {"code": "en"}, {"code": "oji"}]
    conversion = to_listing(_third_party(languages=languages), locate=_centre)
    assert conversion.service is not None
    assert conversion.service.listing.languages == ["en", "fr", "oj"]


def test_a_code_of_no_language_is_a_problem_as_in_the_api() -> None:
    """Left out, a misspelt code took the language off the listing (English, from "zz")."""
    languages = [{"code": "en"}, {"code": "zz"}, {"code": "klingon"}]
    conversion = to_listing(_third_party(languages=languages), locate=_centre)
    assert conversion.service is None
    assert [(p.field, p.message[:24]) for p in conversion.problems] == [
        ("code", "not a language code: ISO"),
        ("code", "not a language code: ISO"),
    ]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"status": "defunct"}, "defunct"),
        ({"attributes": []}, "no category this registry lists"),
        (
            {"service_at_locations": [], "service_areas": []},
            "no location in Canada and no service area",
        ),
    ],
)
def test_record_skipped_when_this_registry_cannot_list_it(
    overrides: dict[str, Any], reason: str
) -> None:
    conversion = to_listing(_third_party(**overrides), locate=_centre)
    assert conversion.service is None
    assert conversion.skipped == reason
    assert conversion.problems == []


def test_inactive_record_imports_not_accepting_referrals() -> None:
    conversion = to_listing(_third_party(status="temporarily closed"), locate=_centre)
    assert conversion.service is not None
    assert conversion.service.listing.accepting_referrals is False


def _with_source(record: dict[str, Any], file: str, row: int) -> dict[str, Any]:
    return {**record, "_source": (file, row)}


def test_problems_name_the_row_each_value_came_from() -> None:
    record = _third_party(email="not an e-mail", minimum_age=-3)
    record = _with_source(record, "services.csv", 7)
    location = record["service_at_locations"][0]["location"]
    location["_source"] = ("locations.csv", 3)
    location["latitude"], location["longitude"] = 12.0, 40.0
    record["phones"] = [{"number": "call us", "_source": ("phones.csv", 9)}]
    conversion = to_listing(record, locate=_centre)
    assert conversion.service is None
    where = {(p.file, p.row, p.field) for p in conversion.problems}
    assert ("services.csv", 7, "minimum_age") in where
    assert ("services.csv", 7, "intake.email") in where
    assert ("locations.csv", 3, "location.latitude") in where
    assert ("phones.csv", 9, "intake.phone") in where
    assert all(
        "call us" not in p.message and "not an e-mail" not in p.message for p in conversion.problems
    )


def test_location_outside_canada_or_unknown_place_is_a_problem() -> None:
    record = _third_party()
    address = record["service_at_locations"][0]["location"]["addresses"][0]
    address["country"] = "US"
    assert next(p.field for p in to_listing(record, locate=_centre).problems) == "country"
    record = _third_party()
    address = record["service_at_locations"][0]["location"]["addresses"][0]
    address["city"] = "Nowhere"
    problems = to_listing(record, locate=_centre).problems
    assert problems[0].field == "latitude"
    assert "gazetteer" in problems[0].message


@pytest.mark.parametrize(
    ("city", "province", "postal_code", "placed"),
    [
        # A town's or city's postal area: the centre of its codes (fsa.csv).
        ("Kitchener", "ON", "N2G 1A1", ((43.4471, -80.489), "postal_area")),
        # A rural area, one region: the municipality's centre (places.csv) instead.
        ("Iqaluit", "NU", "X0A 0H0", ((63.747, -68.5173), "municipality")),
        ("Elmira", "ON", None, ((43.6001, -80.5497), "municipality")),
    ],
)
def test_an_imported_location_without_coordinates_is_placed_as_the_api_places_it(
    city: str, province: str, postal_code: str | None, placed: tuple[Any, str]
) -> None:
    record = _third_party()
    address = record["service_at_locations"][0]["location"]["addresses"][0]
    address.update(city=city, state_province=province, postal_code=postal_code)
    conversion = to_listing(record, locate=default_gazetteer().place_location)
    assert conversion.problems == []
    assert conversion.service is not None
    [location] = conversion.service.listing.locations
    point, by = placed
    assert (location.latitude, location.longitude) == point
    counted = (conversion.located_by_postal_area, conversion.located_by_municipality)
    assert counted == ((1, 0) if by == "postal_area" else (0, 1))


def test_an_imported_postal_code_far_from_its_municipality_is_a_problem_on_the_postal_code() -> (
    None
):
    record = _third_party()
    address = record["service_at_locations"][0]["location"]["addresses"][0]
    address["postal_code"] = "M5V 2T6"  # Toronto's, for a location in Kitchener
    conversion = to_listing(record, locate=default_gazetteer().place_location)
    assert conversion.service is None
    [problem] = conversion.problems
    assert problem.field == "postal_code"
    assert "50 km from the municipality" in problem.message


def test_our_attribute_with_a_bad_value_is_a_problem() -> None:
    record = json.loads(json.dumps(service_record(_data(**VARIANTS["every rule and flag"]))))
    for attribute in record["attributes"]:
        if attribute["taxonomy_term"]["code"] == "id_required":
            attribute["value"] = "maybe"
        if attribute["taxonomy_term"]["code"] == "beds_total":
            attribute["value"] = "many"
    problems = to_listing(record, locate=_centre).problems
    assert {p.field for p in problems} == {"value"}
    assert len(problems) == 2


def test_problem_reads_as_file_row_field_message() -> None:
    assert str(Problem("services.csv", 4, "name", "is required")) == (
        "services.csv row 4: name: is required"
    )
    assert (
        str(Problem("body", None, None, "must be a JSON object")) == "body: must be a JSON object"
    )


S, ORG = str(SERVICE_ID), str(ORGANIZATION_ID)
SERVICE_ROW = {"id": S, "organization_id": ORG, "status": "active", "name": "x"}
CAPACITY_ROW = {"id": S, "service_id": S, "unit_id": S, "updated": "2024-09-25T14:23:06.5+01:00"}
ROW_CHECKS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("service", {**SERVICE_ROW, "id": "nope"}, [("id", "must be a UUID")]),
    (
        "service",
        {**SERVICE_ROW, "status": "open"},
        [("status", "must be one of active, inactive, defunct, temporarily closed")],
    ),
    ("service", {**SERVICE_ROW, "name": ""}, [("name", "is required")]),
    (
        "service",
        {**SERVICE_ROW, "minimum_age": "ten", "last_modified": "2026-01-01T00:00:00"},
        [
            ("minimum_age", "must be a number"),
            ("last_modified", "must be a datetime in ISO 8601 with a time zone"),
        ],
    ),
    (
        "location",
        {"id": S, "location_type": "physical", "latitude": "100", "longitude": "-181"},
        [("latitude", "must be between -90 and 90"), ("longitude", "must be between -180 and 180")],
    ),
    (
        "service_capacity",
        {**CAPACITY_ROW, "available": 12, "maximum": 10},
        [("available", "must not exceed maximum")],
    ),
    (
        "service_capacity",
        {**CAPACITY_ROW, "available": -1},
        [("available", "must not be negative")],
    ),
    (
        "organization",
        {"id": ORG, "name": "x", "description": "y", "email": "no", "website": "example"},
        [("email", "must be an e-mail address"), ("website", "must be a URI")],
    ),
    (
        "schedule",
        {"id": S, "opens_at": "nine", "valid_from": "2026-13-01"},
        [("valid_from", "must be a date in ISO 8601"), ("opens_at", "must be a time in ISO 8601")],
    ),
    ("phone", {"id": S, "number": 5195550100}, [("number", "must be text")]),
]


@pytest.mark.parametrize(("table", "row", "expected"), ROW_CHECKS)
def test_row_checks(table: str, row: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert tables.check_row(table, row) == expected


def test_required_column_missing_from_the_header_is_not_reported_per_row() -> None:
    row = {"id": str(SERVICE_ID), "organization_id": str(ORGANIZATION_ID), "status": "active"}
    assert tables.check_row("service", row, absent_columns=frozenset({"name"})) == []


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("housing.transitional", None, "housing.transitional"),
        ("BH-8600.1000", "whatever", "housing.transitional"),
        (None, "Counseling", "specialized.counselling"),
        ("x", "Translation & Interpretation", "specialized.interpretation"),
        ("x", "Food Pantry", None),
        (None, None, None),
    ],
)
def test_category_for_recognises_our_codes_airs_prefixes_and_names(
    code: str | None, name: str | None, expected: str | None
) -> None:
    category = category_for(code, name)
    assert (category.value if category else None) == expected


def test_package_descriptor_keeps_only_written_tables_and_fixes_capacity_and_unit() -> None:
    descriptor = tables.package_descriptor()
    names = [r["name"] for r in descriptor["resources"]]
    assert names == list(tables.TABLES)
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert [f["name"] for f in resources["unit"]["schema"]["fields"]] == [
        "id",
        "name",
        "scheme",
        "identifier",
        "uri",
    ]
    capacity = {f["name"]: f for f in resources["service_capacity"]["schema"]["fields"]}
    assert capacity["updated"]["type"] == "datetime"
    assert capacity["available"]["constraints"]["required"] is True
    for resource in descriptor["resources"]:
        for key in resource["schema"].get("foreignKeys", []):
            assert key["reference"]["resource"] in tables.TABLES


def test_records_pass_the_compiled_hsds_schemas(tmp_path: Path) -> None:
    records = [service_record(_data(**overrides)) for overrides in VARIANTS.values()]
    records.append(service_record(_data(intake_contact=False)))
    check_jsonschema("compiled/service.json", records, tmp_path)
    check_jsonschema("compiled/organization.json", [organization_record(ORGANIZATION)], tmp_path)
    check_jsonschema("taxonomy_term.json", term_records(), tmp_path)


def test_a_broken_record_fails_the_schema_check(tmp_path: Path) -> None:
    """The validator really validates: a record without its required status fails."""
    record = copy.deepcopy(service_record(_data()))
    del record["status"]
    with pytest.raises(AssertionError):
        check_jsonschema("compiled/service.json", [record], tmp_path)
