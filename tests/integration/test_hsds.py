"""Open Referral HSDS 3.1: export, import (CLI and API) and the read API, on the database under
test. Every package is validated with frictionless and every record and page with
check-jsonschema, offline."""

import csv
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner, Result

from schemas.enums import Role
from service.cli import app as cli
from service.db import create_db_engine
from service.errors import Conflict
from service.gazetteer import default_gazetteer
from service.usecases import hsds as hsds_usecases
from service.usecases import organizations as organizations_usecases
from service.usecases.keys import Caller
from tests.conftest import new_database_url
from tests.factories import (
    CANARY,
    CONFIDENTIAL_ADDRESS,
    CONFIDENTIAL_LATITUDE,
    CONFIDENTIAL_LONGITUDE,
    Api,
    assert_problem,
    confidential_location,
    history,
    listing,
    without_random_parts,
)
from tests.hsds_validation import SCHEMAS, check_jsonschema, check_package

SECRET_LOCATION = {**confidential_location(), "name": f"Safe house {CANARY}"}
SECRETS = (
    CANARY,
    CONFIDENTIAL_ADDRESS,
    str(CONFIDENTIAL_LATITUDE),
    str(CONFIDENTIAL_LONGITUDE),
    confidential_location()["postal_code"],
)
OPEN_LOCATION = listing("unused")["locations"][0]


@dataclass(frozen=True)
class Registry:
    owner: str
    pending: str
    shelter: dict[str, Any]
    legal: dict[str, Any]
    hidden: dict[str, Any]
    keys: dict[str, dict[str, str]]


@pytest.fixture
def registry(api: Api) -> Registry:
    owner = api.organization("Safe Homes")
    pending = api.organization("Unvetted Org", approved=False)
    shelter = api.service(owner, name="Shelter program", locations=[SECRET_LOCATION, OPEN_LOCATION])
    legal = api.service(
        owner,
        name="Immigration clinic",
        categories=["legal.immigration"],
        eligibility={"genders": [], "min_age": 16, "max_age": 24, "statuses": ["no_status"]},
        trafficking_focus=["labour"],
        delivery=["in_person", "phone"],
        intake={"phone": "+1-519-555-0123", "hours": "Mon-Fri 9-17", "referral_required": True},
        capacity={"beds_total": None, "beds_available": None},
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
        fees="sliding_scale",
    )
    hidden = api.service(pending, name="Pending shelter")
    keys = {
        "admin": api.admin,
        "owner": api.key("provider", owner),
        "operator": api.key("operator"),
        "partner": api.key("partner"),
        "analyst": api.key("analyst"),
    }
    return Registry(owner, pending, shelter, legal, hidden, keys)


def referral(database_url: str, *args: str) -> Result:
    """The `referral` command line against a database."""
    return CliRunner().invoke(cli, list(args), env={"REFERRAL_DATABASE_URL": database_url})


@pytest.fixture
def other_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second, empty database on the backend under test (migrated by the first command)."""
    yield from new_database_url(tmp_path_factory.mktemp("other"))


def _reach(database_url: str, *, confidential: bool) -> list[tuple[str, int, int]]:
    """(service name, location position, cell) of every reach cell of the (non-)confidential
    locations of approved organizations' listings."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT service.name, location.position, reach_cell.cell "
                    "FROM reach_cell JOIN location ON location.id = reach_cell.location_id "
                    "JOIN service ON service.id = location.service_id "
                    "JOIN organization ON organization.id = service.organization_id "
                    "WHERE location.confidential = :confidential "
                    "AND organization.status = 'approved'"
                ),
                {"confidential": confidential},
            )
            return sorted((name, position, cell) for name, position, cell in rows)
    finally:
        engine.dispose()


def _count(database_url: str, table: str) -> int:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def _export(database_url: str, out: Path, format: str = "csv") -> Path:
    result = referral(database_url, "hsds", "export", "--out", str(out), "--format", format)
    assert result.exit_code == 0, result.output
    return out


def _all_text(directory: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(directory.iterdir()))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# Export ------------------------------------------------------------------------------------


def test_export_is_a_valid_data_package_without_confidential_places_or_pending_services(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    out = _export(database_url, tmp_path / "package")
    check_package(out)
    text = _all_text(out)
    for secret in SECRETS:
        assert secret not in text, secret
    assert registry.shelter["id"] in text
    assert registry.hidden["id"] not in text
    assert registry.pending not in text
    services = {row["id"]: row for row in _rows(out / "services.csv")}
    assert services[registry.legal["id"]]["minimum_age"] == "16"
    capacity = _rows(out / "service_capacity.csv")
    assert [(c["service_id"], c["available"], c["maximum"]) for c in capacity] == [
        (registry.shelter["id"], "3", "12")
    ]
    assert _rows(out / "units.csv")[0]["name"] == "bed"
    codes = {row["code"] for row in _rows(out / "taxonomy_terms.csv")}
    assert {"housing.emergency_shelter", "gender.woman", "newcomer_status.no_status"} <= codes
    assert {"trafficking_type.sex", "id_required", "confidential"} <= codes
    schedules = {row["service_id"]: row for row in _rows(out / "schedules.csv")}
    assert schedules[registry.shelter["id"]]["byday"] == "MO,TU,WE,TH,FR,SA,SU"


def test_json_export_records_pass_the_compiled_schemas(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    out = _export(database_url, tmp_path / "json", "json")
    services = [json.loads(line) for line in (out / "services.ndjson").read_text().splitlines()]
    organizations = [
        json.loads(line) for line in (out / "organizations.ndjson").read_text().splitlines()
    ]
    assert {s["id"] for s in services} == {registry.shelter["id"], registry.legal["id"]}
    check_jsonschema("compiled/service.json", services, tmp_path)
    check_jsonschema("compiled/organization.json", organizations, tmp_path)
    for secret in SECRETS:
        assert secret not in _all_text(out)


@pytest.mark.parametrize("format", ["csv", "json"])
def test_round_trip_export_import_export_is_identical(
    registry: Registry, database_url: str, other_database: str, tmp_path: Path, format: str
) -> None:
    first = _export(database_url, tmp_path / "first", format)
    result = referral(other_database, "hsds", "import", str(first), "--approve")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    second = _export(other_database, tmp_path / "second", format)
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name
    # Filed for matching where each location is; a confidential one, which the export does
    # not place, at the centre of its municipality's cell instead of its own.
    assert _reach(other_database, confidential=False) == _reach(database_url, confidential=False)
    assert _reach(other_database, confidential=True)
    # The province-wide clinic is filed for matching as the listing was.
    assert _count(other_database, "area_cover") == _count(database_url, "area_cover") > 0
    assert _count(other_database, "service_change") == 2


# Import ------------------------------------------------------------------------------------


def test_reimport_updates_by_hsds_id_and_never_duplicates(
    registry: Registry, api: Api, database_url: str, tmp_path: Path
) -> None:
    package = _export(database_url, tmp_path / "package")
    again = referral(database_url, "hsds", "import", str(package))
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 2 unchanged" in again.output
    # Confidential places come back without coordinates: the stored exact ones stay.
    admin_view = api.get(f"/v1/services/{registry.shelter['id']}", api.admin).json()
    assert admin_view["locations"][0] == SECRET_LOCATION

    services = _rows(package / "services.csv")
    for row in services:
        if row["id"] == registry.legal["id"]:
            row["name"] = "Immigration clinic, renamed"
    _write_rows(package / "services.csv", services)
    changed = referral(database_url, "hsds", "import", str(package))
    assert changed.exit_code == 0, changed.output
    assert "0 created, 1 updated, 1 unchanged" in changed.output
    assert _count(database_url, "service") == 3
    legal = api.get(f"/v1/services/{registry.legal['id']}", api.admin).json()
    assert legal["name"] == "Immigration clinic, renamed"
    assert legal["version"] == registry.legal["version"] + 1
    entry = history(api, registry.legal["id"])[-1]
    assert entry["action"] == "import"
    assert entry["changes"] == [
        {"field": "name", "old": "Immigration clinic", "new": "Immigration clinic, renamed"}
    ]


def test_an_import_places_locations_without_coordinates_as_the_api_does_and_says_how(
    registry: Registry, database_url: str, other_database: str, tmp_path: Path
) -> None:
    """Both open locations are in Kitchener, N2G: a city's postal area, a few km across."""
    package = _export(database_url, tmp_path / "package")
    locations = _rows(package / "locations.csv")
    for row in locations:
        row["latitude"] = row["longitude"] = ""
    _write_rows(package / "locations.csv", locations)
    result = referral(other_database, "hsds", "import", str(package), "--approve")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "2 locations without coordinates were placed at the centre of their postal code's area."
        in output
    )
    # The confidential one, exported without its postal code, is placed but never counted.
    assert "centre of their municipality" not in output
    engine = create_db_engine(other_database)
    try:
        with engine.connect() as connection:
            points = connection.execute(
                sa.text("SELECT confidential, latitude, longitude FROM location")
            ).all()
    finally:
        engine.dispose()
    assert sorted((bool(c), lat, lon) for c, lat, lon in points) == [
        (False, 43.4471, -80.489),
        (False, 43.4471, -80.489),
        (True, 43.3601, -80.3127),  # Cambridge, ON (places.csv)
    ]


def test_an_import_that_registers_or_changes_an_organization_says_so_in_its_history(
    registry: Registry, api: Api, database_url: str, tmp_path: Path
) -> None:
    package = _export(database_url, tmp_path / "package")
    organizations = _rows(package / "organizations.csv")
    for row in organizations:
        if row["id"] == registry.owner:
            row["email"] = "intake@safe-homes.example.org"
    _write_rows(package / "organizations.csv", organizations)
    imported = referral(database_url, "hsds", "import", str(package))
    assert imported.exit_code == 0, imported.output

    response = api.client.get(f"/v1/organizations/{registry.owner}/history", headers=api.admin)
    entry = response.json()["items"][-1]
    assert (entry["action"], entry["actor_name"], entry["actor_key_id"]) == (
        "import",
        "referral hsds import",
        None,
    )
    assert entry["changes"] == [
        {"field": "email", "old": None, "new": "intake@safe-homes.example.org"}
    ]


def test_imported_organizations_are_found_by_a_part_of_their_name(
    registry: Registry, api: Api, database_url: str, tmp_path: Path
) -> None:
    """Both ways an import writes an organization, a new one and a changed one."""
    package = _export(database_url, tmp_path / "package")
    organizations = _rows(package / "organizations.csv")
    for row in organizations:
        if row["id"] == registry.owner:
            row["name"] = "Refuge Étoile-Boréale"
    new_id = str(uuid.uuid4())
    organizations.append({**organizations[0], "id": new_id, "name": "Maison de l'Aurore"})
    _write_rows(package / "organizations.csv", organizations)
    imported = referral(database_url, "hsds", "import", str(package))
    assert imported.exit_code == 0, imported.output

    def found(name: str) -> list[str]:
        response = api.client.get("/v1/organizations", params={"name": name}, headers=api.admin)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert found("etoile boreale") == [registry.owner]
    assert found("L'AURORE") == [new_id]


def test_a_problem_found_late_changes_nothing(
    registry: Registry, database_url: str, other_database: str, tmp_path: Path
) -> None:
    """Organizations are written before services; a bad service still leaves nothing."""
    package = _export(database_url, tmp_path / "package")
    addresses = _rows(package / "addresses.csv")
    addresses[0]["postal_code"] = "12345"
    _write_rows(package / "addresses.csv", addresses)
    result = referral(other_database, "hsds", "import", str(package), "--approve")
    assert result.exit_code == 1, result.output
    assert "addresses.csv row 2: location.postal_code" in result.output
    assert "nothing was imported" in result.output
    assert _count(other_database, "organization") == 0
    assert _count(other_database, "service") == 0


def test_a_bad_package_reports_every_problem_with_file_and_row(
    registry: Registry, api: Api, database_url: str, tmp_path: Path
) -> None:
    package = _export(database_url, tmp_path / "package")
    locations = _rows(package / "locations.csv")
    locations[1]["latitude"] = "100"
    _write_rows(package / "locations.csv", locations)
    capacity = _rows(package / "service_capacity.csv")
    capacity[0]["available"] = "13"
    _write_rows(package / "service_capacity.csv", capacity)
    attributes = _rows(package / "attributes.csv")
    attributes[4]["taxonomy_term_id"] = str(uuid.uuid4())
    attributes[5]["link_id"] = "not-a-uuid"
    _write_rows(package / "attributes.csv", attributes)
    services = _rows(package / "services.csv")
    services[0]["name"] = ""
    _write_rows(package / "services.csv", services)
    before = api.get(f"/v1/services/{registry.legal['id']}", api.admin).json()

    result = referral(database_url, "hsds", "import", str(package))
    assert result.exit_code == 1, result.output
    for expected in (
        "locations.csv row 3: latitude: must be between -90 and 90",
        "service_capacity.csv row 2: available: must not exceed maximum",
        "attributes.csv row 6: taxonomy_term_id: names no row of taxonomy_terms.csv",
        "attributes.csv row 7: link_id: must be a UUID",
        "services.csv row 2: name: is required",
    ):
        assert expected in result.output
    assert api.get(f"/v1/services/{registry.legal['id']}", api.admin).json() == before


def test_the_specifications_example_package_is_refused_whole(
    database_url: str, tmp_path: Path
) -> None:
    result = referral(database_url, "hsds", "import", str(SCHEMAS / "example"))
    assert result.exit_code == 1, result.output
    for expected in (
        "locations.csv row 2: latitude: must be between -90 and 90",
        "service_capacity.csv row 2: available: must not exceed maximum",
        "service_capacity.csv row 2: service_id: names no row of services.csv",
        "taxonomy_terms.csv row 2: taxonomy_id: names no row of taxonomies.csv",
        "attributes.csv row 2: link_entity: must name an HSDS table",
    ):
        assert expected in result.output
    assert _count(database_url, "organization") == 0


def test_unreadable_paths_are_refused_plainly(database_url: str, tmp_path: Path) -> None:
    missing = referral(database_url, "hsds", "import", str(tmp_path / "nothing"))
    assert missing.exit_code == 2
    assert "no such file or directory" in missing.output
    (tmp_path / "notes.txt").write_text("hello")
    wrong = referral(database_url, "hsds", "import", str(tmp_path / "notes.txt"))
    assert wrong.exit_code == 2
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"id": 1\n[]\n')
    refused = referral(database_url, "hsds", "import", str(broken))
    assert refused.exit_code == 1
    assert "broken.ndjson row 1: is not valid JSON" in refused.output
    assert "broken.ndjson row 2: must be a JSON object" in refused.output


THIRD_PARTY_ORG = "6b1d3d2e-2f86-4f5e-9a3c-1c0b8f1e2a10"
THIRD_PARTY_SHELTER = "7c2e4e3f-3a97-4a6f-8b4d-2d1c9a2f3b21"
THIRD_PARTY_PANTRY = "8d3f5f4a-4ba8-4b7a-9c5e-3e2dab3a4c32"


def _third_party_package(directory: Path) -> Path:
    """A small package in another directory's vocabulary: AIRS-style terms, names, no ours."""
    directory.mkdir()
    location = "9e4a6a5b-5cb9-4c8b-8d6f-4f3ebc4b5d43"
    taxonomy = "a05b7b6c-6dca-4d9c-9e7a-5a4fcd5c6e54"
    shelter_term, pantry_term = (
        "b16c8c7d-7edb-4ead-8f8b-6b5ade6d7f65",
        "c27d9d8e-8fec-4fbe-9a9c-7c6bef7e8a76",
    )
    files = {
        "organizations.csv": [
            {"id": THIRD_PARTY_ORG, "name": "Harbour Services", "description": "A directory org"}
        ],
        "services.csv": [
            {
                "id": THIRD_PARTY_SHELTER,
                "organization_id": THIRD_PARTY_ORG,
                "name": "Harbour House",
                "status": "active",
                "minimum_age": "18",
                "email": "intake@harbour.example.org",
            },
            {
                "id": THIRD_PARTY_PANTRY,
                "organization_id": THIRD_PARTY_ORG,
                "name": "Harbour Pantry",
                "status": "active",
            },
        ],
        "locations.csv": [
            {
                "id": location,
                "location_type": "physical",
                "organization_id": THIRD_PARTY_ORG,
                "name": "Harbour House",
                "latitude": "43.4516",
                "longitude": "-80.4925",
            }
        ],
        "addresses.csv": [
            {
                "id": "d38eae9f-9afd-4acf-8bad-8d7cf08f9b87",
                "location_id": location,
                "address_1": "5 Harbour St",
                "city": "Kitchener",
                "state_province": "Ontario",
                "postal_code": "N2G 1A1",
                "country": "CA",
                "address_type": "physical",
            }
        ],
        "service_at_location.csv": [
            {
                "id": "e49fbfa0-aa0e-4bd0-9cbe-9e8da19a0c98",
                "service_id": THIRD_PARTY_SHELTER,
                "location_id": location,
            }
        ],
        "taxonomies.csv": [{"id": taxonomy, "name": "211 LA", "description": "AIRS"}],
        "taxonomy_terms.csv": [
            {
                "id": shelter_term,
                "code": "BH-1800.8500",
                "name": "Homeless Shelter",
                "description": "Shelter",
                "taxonomy_id": taxonomy,
            },
            {
                "id": pantry_term,
                "code": "BD-1800.2000",
                "name": "Food Pantries",
                "description": "Food",
                "taxonomy_id": taxonomy,
            },
        ],
        "attributes.csv": [
            {
                "id": "f5a0c0b1-bb1f-4ce1-8dcf-af9eb2ab1da9",
                "link_id": THIRD_PARTY_SHELTER,
                "taxonomy_term_id": shelter_term,
                "link_entity": "service",
            },
            {
                "id": "a6b1d1c2-cc2a-4df2-9ead-ba0fc3bc2eba",
                "link_id": THIRD_PARTY_SHELTER,
                "taxonomy_term_id": pantry_term,
                "link_entity": "service",
            },
            {
                "id": "b7c2e2d3-dd3b-4e03-8fbe-cb1ad4cd3fcb",
                "link_id": THIRD_PARTY_PANTRY,
                "taxonomy_term_id": pantry_term,
                "link_entity": "service",
            },
        ],
        "phones.csv": [
            {
                "id": "c8d3f3e4-ee4c-4f14-9acf-dc2be5de4adc",
                "service_id": THIRD_PARTY_SHELTER,
                "number": "519-555-0177",
            }
        ],
    }
    for name, rows in files.items():
        _write_rows(directory / name, rows)
    (directory / "contacts.csv").write_text("id\n")
    return directory


def test_a_third_party_package_imports_what_it_can_and_reports_the_rest(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    package = _third_party_package(tmp_path / "third")
    result = referral(database_url, "hsds", "import", str(package), "--approve")
    assert result.exit_code == 0, result.output
    assert "Organizations: 1 created" in result.output
    assert "Services: 1 created, 0 updated, 0 unchanged, 1 skipped." in result.output
    assert "Harbour Pantry: no category this registry lists" in result.output
    assert "BD-1800.2000 Food Pantries (1 services)" in result.output  # the skipped one not counted
    assert "Files not read: contacts.csv" in result.output
    shelter = api.get(f"/v1/services/{THIRD_PARTY_SHELTER}", api.admin).json()
    assert shelter["categories"] == ["housing.emergency_shelter"]
    assert shelter["eligibility"]["min_age"] == 18
    assert shelter["eligibility"]["genders"] == []
    assert shelter["locations"][0]["province"] == "ON"
    assert shelter["intake"]["phone"] == "519-555-0177"
    assert shelter["delivery"] == ["in_person", "phone"]
    organization = api.get(f"/v1/organizations/{THIRD_PARTY_ORG}", api.admin).json()
    assert organization["status"] == "approved"
    assert _count(database_url, "service") == 1
    again = referral(database_url, "hsds", "import", str(package))
    assert "Services: 0 created, 0 updated, 1 unchanged, 1 skipped." in again.output


UNSTATED_EN = (
    "who it serves was not stated (imported listing); confirm eligibility before referring"
)
UNSTATED_FR = (
    "clientèle desservie non indiquée (fiche importée) ; confirmez l'admissibilité avant "
    "d'orienter la personne"
)


def _shelter_match(api: Api, operator: dict[str, str], language: str = "en") -> dict[str, Any]:
    body = {
        "gender": "woman",
        "age": 30,
        "needs": ["housing"],
        "location": {"place": "Kitchener, ON"},
    }
    response = api.client.post(
        "/v1/match", json=body, headers={**operator, "Accept-Language": language}
    )
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    (match,) = [m for m in result["matches"] if m["service_id"] == THIRD_PARTY_SHELTER]
    return dict(match)


def test_a_third_party_service_matches_with_its_eligibility_in_doubt_until_stated(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    """Another directory's shelter states no rule of ours: it is offered (nothing is known
    against it), but never as "serves everyone"."""
    package = _third_party_package(tmp_path / "third")
    result = referral(database_url, "hsds", "import", str(package), "--approve")
    assert result.exit_code == 0, result.output
    assert "Eligibility not stated: 1 " in result.output
    shelter = api.get(f"/v1/services/{THIRD_PARTY_SHELTER}", api.admin).json()
    assert shelter["eligibility_stated"] is False
    created = history(api, THIRD_PARTY_SHELTER)[0]["changes"]
    assert {"field": "eligibility_stated", "old": None, "new": False} in created

    operator = api.key("operator")
    doubted = _shelter_match(api, operator)
    assert doubted["caveats"][0] == UNSTATED_EN
    assert _shelter_match(api, operator, "fr")["caveats"][0] == UNSTATED_FR

    # The API report counts it too; our own record of it (category terms of ours and the
    # flag) imports back unstated, unchanged.
    record = api.get(f"/hsds/services/{THIRD_PARTY_SHELTER}", api.admin).json()
    report = api.client.post("/v1/import/hsds", json=[record], headers=api.admin).json()
    assert (report["services_unchanged"], report["eligibility_not_stated"]) == (1, 1)

    stated = api.client.patch(
        f"/v1/services/{THIRD_PARTY_SHELTER}",
        json={"eligibility": {"genders": ["woman"]}},
        headers={**api.admin, "If-Match": f'"{THIRD_PARTY_SHELTER}.{shelter["version"]}"'},
    )
    assert stated.status_code == 200, stated.text
    assert stated.json()["eligibility_stated"] is True
    assert {"field": "eligibility_stated", "old": False, "new": True} in history(
        api, THIRD_PARTY_SHELTER
    )[-1]["changes"]
    trusted = _shelter_match(api, operator)
    assert UNSTATED_EN not in trusted["caveats"]
    assert "serves women" in trusted["reasons"]
    assert trusted["score"] > doubted["score"]

    # Importing the directory's record again puts its word back: rules unknown.
    again = referral(database_url, "hsds", "import", str(package))
    assert "Services: 0 created, 1 updated, 0 unchanged, 1 skipped." in again.output
    assert (
        api.get(f"/v1/services/{THIRD_PARTY_SHELTER}", api.admin).json()["eligibility_stated"]
        is False
    )


@pytest.mark.parametrize("format", ["csv", "json"])
def test_an_unstated_listing_round_trips_byte_identical_and_unstated(
    api: Api, database_url: str, other_database: str, tmp_path: Path, format: str
) -> None:
    package = _third_party_package(tmp_path / "third")
    imported = referral(database_url, "hsds", "import", str(package), "--approve")
    assert imported.exit_code == 0, imported.output
    first = _export(database_url, tmp_path / "first", format)
    if format == "csv":
        flags = [
            r
            for r in _rows(first / "attributes.csv")
            if r["value"] == "false" and r["link_entity"] == "service"
        ]
        assert [r["link_id"] for r in flags] == [THIRD_PARTY_SHELTER]
    result = referral(other_database, "hsds", "import", str(first), "--approve")
    assert result.exit_code == 0, result.output
    assert "Eligibility not stated: 1 " in result.output
    second = _export(other_database, tmp_path / "second", format)
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name
    engine = create_db_engine(other_database)
    try:
        with engine.connect() as connection:
            stated = connection.execute(sa.text("SELECT eligibility_stated FROM service"))
            assert [bool(value) for (value,) in stated] == [False]
    finally:
        engine.dispose()


def test_services_may_name_organizations_already_registered(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    package = _export(database_url, tmp_path / "package")
    header = (package / "organizations.csv").read_text().splitlines()[0]
    (package / "organizations.csv").write_text(header + "\n")
    phones = [row for row in _rows(package / "phones.csv") if not row["organization_id"]]
    _write_rows(package / "phones.csv", phones)
    registered = referral(database_url, "hsds", "import", str(package))
    assert registered.exit_code == 0, registered.output
    assert "2 unchanged" in registered.output

    services = _rows(package / "services.csv")
    services[0]["organization_id"] = str(uuid.uuid4())
    _write_rows(package / "services.csv", services)
    unknown = referral(database_url, "hsds", "import", str(package))
    assert unknown.exit_code == 1
    assert "services.csv row 2: organization_id: names no organization" in unknown.output


# Read API ----------------------------------------------------------------------------------


def _page(api: Api, path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = api.get(path, headers, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("reader", ["admin", "owner", "operator", "partner"])
def test_read_api_pages_and_records_pass_the_schemas_and_never_show_a_confidential_place(
    registry: Registry, api: Api, tmp_path: Path, reader: str
) -> None:
    headers = registry.keys[reader]
    services = _page(api, "/hsds/services", headers)
    organizations = _page(api, "/hsds/organizations", headers)
    taxonomies = _page(api, "/hsds/taxonomies", headers)
    terms = _page(api, "/hsds/taxonomy_terms", headers, per_page=200)
    record = _page(api, f"/hsds/services/{registry.shelter['id']}", headers)
    organization = _page(api, f"/hsds/organizations/{registry.owner}", headers)
    check_jsonschema("page_services.json", [services], tmp_path)
    check_jsonschema("page_organizations.json", [organizations], tmp_path)
    check_jsonschema("page_taxonomies.json", [taxonomies], tmp_path)
    check_jsonschema("page_taxonomy_terms.json", [terms], tmp_path)
    check_jsonschema("compiled/service.json", [record], tmp_path)
    check_jsonschema("compiled/organization.json", [organization], tmp_path)
    everything = json.dumps([services, organizations, record, organization])
    for secret in SECRETS:
        assert secret not in everything, secret
    (link, _open) = record["service_at_locations"]
    assert "latitude" not in link["location"]
    visible = {item["id"] for item in services["contents"]}
    expected = {registry.shelter["id"], registry.legal["id"]}
    if reader == "admin":
        expected.add(registry.hidden["id"])
    assert visible == expected
    assert services["total_items"] == len(expected)
    assert len(organization["services"]) == 2
    shows_contact = reader != "partner"
    assert ("phones" in record) is shows_contact
    assert (listing("x")["intake"]["phone"] in everything) is shows_contact


@pytest.mark.parametrize("reader", ["admin", "owner", "operator", "partner"])
def test_an_organization_with_a_confidential_place_shows_no_contact_to_a_partner(
    registry: Registry, api: Api, reader: str
) -> None:
    """The organization's own number may ring at the safe house: to a partner, who reads
    "contact through a hotline operator" for its shelter, it is no more shown than the
    shelter's intake (a steward's review found it in /hsds beside the service)."""
    contact = {"email": "office@safehomes.example", "phone": "+1-519-555-0177"}
    path = f"/v1/organizations/{registry.owner}"
    assert api.client.patch(path, json=contact, headers=api.admin).status_code == 200
    headers = registry.keys[reader]
    answers = json.dumps(
        [
            _page(api, f"/hsds/services/{registry.shelter['id']}", headers),
            _page(api, f"/hsds/organizations/{registry.owner}", headers),
            _page(api, "/hsds/organizations", headers),
            _page(api, "/hsds/services", headers),
        ]
    )
    shown = reader != "partner"
    assert (contact["email"] in answers) is shown
    assert ("555-0177" in answers) is shown


def test_read_api_envelope_paging_and_filters(registry: Registry, api: Api) -> None:
    partner = registry.keys["partner"]
    first = _page(api, "/hsds/services", partner, per_page=1)
    assert (first["total_items"], first["total_pages"], first["size"]) == (2, 2, 1)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    second = _page(api, "/hsds/services", partner, per_page=1, page=2)
    assert (second["first_page"], second["last_page"]) == (False, True)
    beyond = _page(api, "/hsds/services", partner, per_page=1, page=3)
    assert (beyond["empty"], beyond["size"], beyond["contents"]) == (True, 0, [])

    def ids(**params: Any) -> set[str]:
        return {s["id"] for s in _page(api, "/hsds/services", partner, **params)["contents"]}

    assert ids(search="immigration") == {registry.legal["id"]}
    assert ids(search="%") == set()
    terms = {
        t["code"]: t["id"]
        for t in _page(api, "/hsds/taxonomy_terms", partner, per_page=200)["contents"]
    }
    assert ids(taxonomy_term_id=terms["housing.emergency_shelter"]) == {registry.shelter["id"]}
    assert ids(taxonomy_term_id=terms["legal"]) == {registry.legal["id"]}
    assert ids(taxonomy_term_id=terms["newcomer_status.no_status"]) == {registry.legal["id"]}
    assert ids(taxonomy_term_id=terms["fees.sliding_scale"]) == {registry.legal["id"]}
    assert ids(taxonomy_term_id=terms["confidential"]) == set()
    assert ids(taxonomy_term_id=str(uuid.uuid4())) == set()
    assert ids(organization_id=registry.pending) == set()
    assert ids(modified_after=registry.legal["updated_at"]) == {registry.legal["id"]}
    assert ids(modified_after="2999-01-01T00:00:00") == set()
    children = _page(api, "/hsds/taxonomy_terms", partner, parent_id=terms["gender"])
    assert {t["code"] for t in children["contents"]} == {
        "gender.woman",
        "gender.man",
        "gender.gender_diverse",
    }
    top = _page(api, "/hsds/taxonomy_terms", partner, top_only=True, per_page=200)
    assert all("parent_id" not in t for t in top["contents"])
    assert _page(api, "/hsds/taxonomy_terms", partner, search="refugee")["total_items"] == 1
    assert _page(api, "/hsds/organizations", partner, search="safe")["total_items"] == 1
    assert _page(api, "/hsds/taxonomies", partner, search="nothing")["empty"] is True


def test_a_listing_changed_while_the_pages_are_read_keeps_its_place(api: Api) -> None:
    """A nightly copy reads page after page while bed counts come in: by last change, a
    listing counted moved to the end and the one after it onto the page already read, and
    the copy missed it (a partner developer's review: 378 of 379)."""
    owner = api.organization("Paged")
    for number in range(6):
        api.service(owner, name=f"Listing {number}")
    mine = {"organization_id": owner, "per_page": 2}
    first = _page(api, "/hsds/services", api.admin, page=1, **mine)["contents"]
    counted = api.client.put(
        f"/v1/services/{first[0]['id']}/availability",
        json={"beds_available": 1},
        headers=api.admin,
    )
    assert counted.status_code == 200, counted.text
    read = [record["id"] for record in first]
    for page in (2, 3):
        read += [
            r["id"] for r in _page(api, "/hsds/services", api.admin, page=page, **mine)["contents"]
        ]
    whole = [
        r["id"] for r in _page(api, "/hsds/services", api.admin, organization_id=owner)["contents"]
    ]
    assert sorted(read) == sorted(whole)
    assert len(set(read)) == 6


def test_read_api_streams_ndjson_without_pages(registry: Registry, api: Api) -> None:
    response = api.get("/hsds/services", registry.keys["partner"], format="ndjson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert {line["id"] for line in lines} == {registry.shelter["id"], registry.legal["id"]}


def test_read_api_roles_and_missing_things(registry: Registry, api: Api) -> None:
    assert_problem(api.get("/hsds/services", {}), 401)
    assert_problem(api.get("/hsds/services", registry.keys["analyst"]), 403)
    partner = registry.keys["partner"]
    info = _page(api, "/hsds/", partner)
    assert info["version"] == "3.1"
    assert info["openapi_url"].endswith("/openapi.json")
    taxonomy = _page(api, info["profile"].split("testserver")[-1], partner)
    assert taxonomy["name"] == "referral-service"
    assert_problem(api.get(f"/hsds/services/{registry.hidden['id']}", partner), 404)
    assert_problem(api.get(f"/hsds/organizations/{registry.pending}", partner), 404)
    assert_problem(api.get(f"/hsds/services/{uuid.uuid4()}", partner), 404)
    assert_problem(api.get(f"/hsds/taxonomies/{uuid.uuid4()}", partner), 404)
    assert_problem(api.get(f"/hsds/taxonomy_terms/{uuid.uuid4()}", partner), 404)
    assert_problem(api.get("/hsds/services", partner, taxonomy_term_id="shelter"), 422)
    own = _page(api, f"/hsds/organizations/{registry.pending}", api.admin)
    assert own["services"][0]["id"] == registry.hidden["id"]
    # An administrator reads a listing no one is matched to: it says so, as HSDS can.
    assert own["services"][0]["status"] == "inactive"
    hidden = _page(api, f"/hsds/services/{registry.hidden['id']}", api.admin)
    assert hidden["status"] == "inactive"
    assert _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)["status"] == "active"
    term = _page(api, "/hsds/taxonomy_terms", partner)["contents"][0]
    assert _page(api, f"/hsds/taxonomy_terms/{term['id']}", partner) == term


# Import over the API -------------------------------------------------------------------------


def test_import_endpoint_takes_records_all_or_nothing(
    registry: Registry, api: Api, tmp_path: Path
) -> None:
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    new_id = str(uuid.uuid4())
    copy = {**record, "id": new_id, "name": "Copied clinic"}
    assert_problem(
        api.client.post("/v1/import/hsds", json=[copy], headers=registry.keys["operator"]), 403
    )

    bad = json.loads(json.dumps({**copy, "id": str(uuid.uuid4())}))
    bad["service_at_locations"][0]["location"]["latitude"] = 100
    bad["minimum_age"] = "old"
    refused = api.client.post("/v1/import/hsds", json=[copy, bad], headers=api.admin)
    body = assert_problem(refused, 422)
    assert {"loc": ["body", 1, "latitude"], "msg": "must be between -90 and 90"} in body["errors"]
    assert {"loc": ["body", 1, "minimum_age"], "msg": "must be a number"} in body["errors"]
    assert "100" not in without_random_parts(refused.text)
    assert api.get(f"/v1/services/{new_id}", api.admin).status_code == 404

    page = {"contents": [copy], "total_items": 1}
    done = api.client.post("/v1/import/hsds", json=page, headers=api.admin)
    assert done.status_code == 200, done.text
    assert done.json()["services_created"] == 1
    assert done.json()["organizations_unchanged"] == 1
    created = api.get(f"/v1/services/{new_id}", api.admin).json()
    assert created["name"] == "Copied clinic"
    assert created["eligibility"]["statuses"] == ["no_status"]
    assert history(api, new_id)[0]["action"] == "import"
    assert history(api, new_id)[0]["actor_role"] == "admin"
    again = api.client.post("/v1/import/hsds", json=copy, headers=api.admin)
    assert again.json()["services_unchanged"] == 1

    moved = {**copy, "organization_id": registry.pending}
    moved["organization"] = {**copy["organization"], "id": registry.pending, "name": "Unvetted Org"}
    conflict = api.client.post("/v1/import/hsds", json=[moved], headers=api.admin)
    assert "cannot move" in json.dumps(assert_problem(conflict, 422)["errors"])
    not_records = api.client.post("/v1/import/hsds", json=[1, "two"], headers=api.admin)
    assert_problem(not_records, 422)


def test_an_import_that_approves_never_reinstates_a_suspended_organization(
    registry: Registry, api: Api
) -> None:
    """`approve` is for the organizations an import creates: approving or suspending one
    already registered is a vetting decision, with its note."""
    organization_id = registry.owner
    suspended = api.client.post(
        f"/v1/organizations/{organization_id}/suspend",
        json={"note": "premises reported"},
        headers=api.admin,
    )
    assert suspended.json()["status"] == "suspended"
    # (read after the suspension, which counts as a change of its listings: an older record
    # would not be applied)
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    assert record["organization"]["id"] == organization_id
    try:
        renamed = {**record, "name": "Renamed by a routine import"}
        done = api.client.post(
            "/v1/import/hsds", params={"approve": "true"}, json=[renamed], headers=api.admin
        )
        assert done.status_code == 200, done.text
        organization = api.get(f"/v1/organizations/{organization_id}", api.admin).json()
        assert organization["status"] == "suspended"
        after = api.get(f"/v1/services/{registry.legal['id']}", api.admin).json()
        assert after["name"] == "Renamed by a routine import"
        # Its record says "inactive" (the organization is suspended), which is not the
        # listing's own "not accepting referrals" (a review found an import switching it off).
        assert record["status"] == "inactive"
        assert after["accepting_referrals"] is True
        actions = [
            entry["action"]
            for entry in api.get(f"/v1/organizations/{organization_id}/history", api.admin).json()[
                "items"
            ]
        ]
        assert actions[-1] == "suspend"  # the import changed nothing of the organization
    finally:
        api.client.post(
            f"/v1/organizations/{organization_id}/approve",
            json={"note": "premises checked"},
            headers=api.admin,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacities.updated", "yesterday"),
        ("capacities.updated", "2026-13-45"),
        ("capacities.updated", "2026-11-30T10:00:00"),  # no time zone
        ("assured_date", "30/11/2026"),
        ("assured_date", "2026-02-30"),
        ("last_modified", "2026-11-30 10:00"),
        ("last_modified", "0001-01-01T00:00:00+01:00"),  # in UTC, before the year 1
    ],
)
def test_a_date_that_is_not_one_is_a_problem_never_a_crash(
    registry: Registry, api: Api, field: str, value: str
) -> None:
    record = _page(api, f"/hsds/services/{registry.shelter['id']}", api.admin)
    bad = json.loads(json.dumps({**record, "id": str(uuid.uuid4())}))
    if field == "capacities.updated":
        assert bad["capacities"], "the shelter's record carries its bed count"
        bad["capacities"][0]["updated"] = value
    else:
        bad[field] = value
    refused = api.client.post("/v1/import/hsds", json=[bad], headers=api.admin)
    body = assert_problem(refused, 422)
    assert [error["loc"][-1] for error in body["errors"]] == [field.split(".")[-1]]
    assert value not in refused.text
    assert api.get(f"/v1/services/{bad['id']}", api.admin).status_code == 404


@pytest.mark.parametrize("field", ["id", "name", "locations.name"])
def test_a_lone_surrogate_is_a_problem_never_a_crash(
    registry: Registry, api: Api, field: str
) -> None:
    """JSON may escape half a character ("\\ud800"), which no UTF-8 text can hold: the import
    answered 500 writing it to its scratch database (an SRE's review)."""
    record = _page(api, f"/hsds/services/{registry.shelter['id']}", api.admin)
    bad = json.loads(json.dumps({**record, "id": str(uuid.uuid4())}))
    if field == "locations.name":
        bad["service_at_locations"][0]["location"]["name"] = "Shelter \ud800"
    else:
        bad[field] = "\ud800" if field == "id" else "Shelter \ud800"
    body = json.dumps([bad])  # ASCII: the surrogate escaped
    refused = api.client.post(
        "/v1/import/hsds",
        content=body.encode(),
        headers={**api.admin, "Content-Type": "application/json"},
    )
    problem = assert_problem(refused, 422)
    named = [error["loc"][-1] for error in problem["errors"]]
    if field == "id":  # and each row that refers to the service by it
        assert named[0] == "id"
        assert set(named[1:]) <= {"service_id", "link_id"}
    else:
        assert named == [field.split(".")[-1]]
        assert api.get(f"/v1/services/{bad['id']}", api.admin).status_code == 404


@pytest.mark.parametrize("field", ["capacities.updated", "assured_date", "last_modified"])
def test_a_date_in_the_future_is_a_problem_and_changes_nothing(
    registry: Registry, api: Api, field: str
) -> None:
    """A bed count "updated" in 2031 read as fresh in every match until then, and, newer than
    anything here, no later import of a true count could correct it."""
    shelter = registry.shelter["id"]
    record = _page(api, f"/hsds/services/{shelter}", api.admin)
    before = api.get(f"/v1/services/{shelter}", api.admin).json()
    future = json.loads(json.dumps(record))
    value = "2031-01-01" if field == "assured_date" else "2031-01-01T00:00:00Z"
    if field == "capacities.updated":
        future["capacities"][0]["updated"] = value
        future["capacities"][0]["available"] = 1
    else:
        future[field] = value
    refused = api.client.post("/v1/import/hsds", json=[future], headers=api.admin)
    body = assert_problem(refused, 422)
    assert [error["loc"][-1] for error in body["errors"]] == [field]
    assert "in the future" in body["errors"][0]["msg"]
    assert api.get(f"/v1/services/{shelter}", api.admin).json() == before


def test_coordinates_in_another_province_than_the_location_says_are_a_problem(
    registry: Registry, api: Api
) -> None:
    """As the API refuses them: a Vancouver point on a location in Kitchener, ON."""
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    moved = json.loads(json.dumps({**record, "id": str(uuid.uuid4())}))
    located = [entry["location"] for entry in moved["service_at_locations"]]
    assert located, "the clinic's record carries its location"
    located[0]["latitude"], located[0]["longitude"] = 49.28, -123.12
    refused = api.client.post("/v1/import/hsds", json=[moved], headers=api.admin)
    body = assert_problem(refused, 422)
    assert [error["loc"][-1] for error in body["errors"]] == ["latitude"]
    assert "in BC, not in ON" in body["errors"][0]["msg"]
    assert api.get(f"/v1/services/{moved['id']}", api.admin).status_code == 404


def test_an_older_record_never_undoes_a_newer_change_here(registry: Registry, api: Api) -> None:
    """An export re-imported after the provider marked the shelter full: the record is older
    than the listing, so nothing of it is applied; a record with no date still never brings
    back an older bed count."""
    shelter = registry.shelter["id"]
    record = _page(api, f"/hsds/services/{shelter}", api.admin)
    assert record["last_modified"]
    full = api.client.put(
        f"/v1/services/{shelter}/availability",
        json={"beds_available": 0, "accepting_referrals": False},
        headers=registry.keys["owner"],
    )
    assert full.status_code == 200, full.text
    changes = len(history(api, shelter))

    stale = api.client.post("/v1/import/hsds", json=[record], headers=api.admin)
    assert stale.status_code == 200, stale.text
    report = stale.json()
    assert (report["services_updated"], report["services_unchanged"]) == (0, 0)
    assert [(item["id"], item["reason"][:28]) for item in report["skipped"]] == [
        (shelter, "older than the listing here,")
    ]
    now = api.get(f"/v1/services/{shelter}", api.admin).json()
    assert (now["capacity"]["beds_available"], now["accepting_referrals"]) == (0, False)
    assert now["availability_updated_at"] == full.json()["availability_updated_at"]
    assert len(history(api, shelter)) == changes

    undated = {key: value for key, value in record.items() if key != "last_modified"}
    undated["description"] = "Described anew by another directory"
    applied = api.client.post("/v1/import/hsds", json=[undated], headers=api.admin)
    assert applied.json()["services_updated"] == 1, applied.text
    now = api.get(f"/v1/services/{shelter}", api.admin).json()
    assert now["description"] == "Described anew by another directory"
    assert (now["capacity"]["beds_available"], now["accepting_referrals"]) == (0, False)
    assert now["availability_updated_at"] == full.json()["availability_updated_at"]


def test_an_import_approves_no_organization_whose_every_service_was_skipped(
    registry: Registry, api: Api
) -> None:
    """`approve` approves the organizations an import registers for their listings: one whose
    every record was skipped stays pending, and the report says so (a steward's review found
    "Totally Legit Shelter" approved with nothing imported)."""
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    organization_id = str(uuid.uuid4())
    organization = {**record["organization"], "id": organization_id, "name": "Totally Legit"}
    defunct = {
        **record,
        "id": str(uuid.uuid4()),
        # (written in capitals, as HSDS allows: the same organization; a review found the
        # check passed by)
        "organization_id": organization_id.upper(),
        "organization": {**organization, "id": organization_id.upper()},
        "status": "defunct",
    }
    done = api.client.post(
        "/v1/import/hsds", params={"approve": "true"}, json=[defunct], headers=api.admin
    )
    assert done.status_code == 200, done.text
    report = done.json()
    assert (report["organizations_created"], report["organizations_left_pending"]) == (1, 1)
    assert api.get(f"/v1/organizations/{organization_id}", api.admin).json()["status"] == (
        "pending"
    )
    [entry] = api.get(f"/v1/organizations/{organization_id}/history", api.admin).json()["items"]
    assert {"field": "status", "old": None, "new": "pending"} in entry["changes"]

    # With a listing imported, it is approved as asked, in one history entry.
    other = str(uuid.uuid4())
    listed = {
        **record,
        "id": str(uuid.uuid4()),
        "organization_id": other,
        "organization": {**organization, "id": other, "name": "Listed"},
    }
    done = api.client.post(
        "/v1/import/hsds", params={"approve": "true"}, json=[listed], headers=api.admin
    ).json()
    assert (done["organizations_created"], done["organizations_left_pending"]) == (1, 0)
    assert api.get(f"/v1/organizations/{other}", api.admin).json()["status"] == "approved"
    [entry] = api.get(f"/v1/organizations/{other}/history", api.admin).json()["items"]
    assert {"field": "status", "old": None, "new": "approved"} in entry["changes"]


def test_an_older_package_never_undoes_an_organizations_newer_edit(
    registry: Registry, api: Api
) -> None:
    """HSDS dates no organization: a record of it is as recent as its services' newest
    `last_modified`. An export taken before an administrator renamed the organization left
    its services alone (older) but renamed it back (a steward's review); a newer one
    applies."""
    organization_id = registry.owner
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    path = f"/v1/organizations/{organization_id}"
    before = api.get(path, api.admin).json()["name"]
    renamed = api.client.patch(path, json={"name": "Corrected Name"}, headers=api.admin)
    assert renamed.status_code == 200, renamed.text
    try:
        stale = api.client.post("/v1/import/hsds", json=[record], headers=api.admin)
        assert stale.status_code == 200, stale.text
        report = stale.json()
        assert (report["organizations_updated"], report["organizations_older"]) == (0, 1)
        assert api.get(path, api.admin).json()["name"] == "Corrected Name"
        newer = {
            **record,
            "description": "Described anew",
            "last_modified": datetime.now(UTC).isoformat(),
        }
        applied = api.client.post("/v1/import/hsds", json=[newer], headers=api.admin).json()
        assert (applied["organizations_updated"], applied["services_updated"]) == (1, 1)
        assert api.get(path, api.admin).json()["name"] == before
    finally:
        api.client.patch(path, json={"name": before}, headers=api.admin)


def test_what_an_import_wrote_gives_way_to_what_the_source_says_now(
    registry: Registry, api: Api
) -> None:
    """Imported from records a month old, an organization renamed at its source is renamed
    here by the next import, though its records are older than the first import: only an
    administrator's edit here outranks an older package (a review found the source's changes
    never imported)."""
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    organization_id = str(uuid.uuid4())
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    source = {
        **record,
        "id": str(uuid.uuid4()),
        "organization_id": organization_id,
        "organization": {**record["organization"], "id": organization_id, "name": "Old Name"},
        "last_modified": month_ago,
    }
    first = api.client.post("/v1/import/hsds", json=[source], headers=api.admin).json()
    assert first["organizations_created"] == 1, first
    renamed = {**source, "organization": {**source["organization"], "name": "New Name"}}
    again = api.client.post("/v1/import/hsds", json=[renamed], headers=api.admin).json()
    assert (again["organizations_updated"], again["organizations_older"]) == (1, 0), again
    path = f"/v1/organizations/{organization_id}"
    assert api.get(path, api.admin).json()["name"] == "New Name"
    # An administrator's edit here, then the month-old package: the edit stays.
    assert api.client.patch(path, json={"name": "Vetted Name"}, headers=api.admin).is_success
    stale = api.client.post("/v1/import/hsds", json=[renamed], headers=api.admin).json()
    assert stale["organizations_older"] == 1, stale
    assert api.get(path, api.admin).json()["name"] == "Vetted Name"


def test_a_record_older_than_a_deletion_here_never_brings_the_listing_back(
    registry: Registry, api: Api
) -> None:
    """An export re-imported after the provider deleted the listing: it came back, under the
    id partners were told to drop, with its version started again at 1."""
    shelter = registry.shelter["id"]
    record = _page(api, f"/hsds/services/{shelter}", api.admin)
    before = api.get(f"/v1/services/{shelter}", api.admin)
    deleted = api.client.delete(f"/v1/services/{shelter}", headers=registry.keys["owner"])
    assert deleted.status_code == 204, deleted.text
    undated = {key: value for key, value in record.items() if key != "last_modified"}
    for stale in (record, undated):
        report = api.client.post("/v1/import/hsds", json=[stale], headers=api.admin).json()
        assert report["services_created"] == 0, report
        assert [(item["id"], item["reason"][:13]) for item in report["skipped"]] == [
            (shelter, "deleted here ")
        ]
        assert api.get(f"/v1/services/{shelter}", api.admin).status_code == 404
    removed = api.get("/v1/removed-services", registry.keys["partner"], since="2020-01-01")
    assert [item["id"] for item in removed.json()["items"]] == [shelter]

    # A record made after the deletion lists it again, from the next version on, and it is
    # no longer a removal.
    newer = {**record, "last_modified": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()}
    report = api.client.post("/v1/import/hsds", json=[newer], headers=api.admin).json()
    assert report["services_created"] == 1, report
    again = api.get(f"/v1/services/{shelter}", api.admin)
    assert again.json()["version"] == before.json()["version"] + 1
    assert again.headers["ETag"] != before.headers["ETag"]
    removed = api.get("/v1/removed-services", registry.keys["partner"], since="2020-01-01")
    assert removed.json()["items"] == []


def test_an_organization_deleted_here_is_not_brought_back_by_an_older_package(
    registry: Registry, api: Api
) -> None:
    """An export re-imported after an administrator deleted the organization brought it
    back, approved with `approve` (a review of the deletion found it)."""
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    organization_id = str(uuid.uuid4())
    source = {
        **record,
        "id": str(uuid.uuid4()),
        "organization_id": organization_id,
        "organization": {**record["organization"], "id": organization_id, "name": "Gone Away"},
        "last_modified": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    }
    first = api.client.post("/v1/import/hsds", json=[source], headers=api.admin).json()
    assert first["organizations_created"] == 1, first
    assert api.client.delete(f"/v1/services/{source['id']}", headers=api.admin).is_success
    gone = api.client.delete(f"/v1/organizations/{organization_id}", headers=api.admin)
    assert gone.status_code == 204, gone.text
    undated = {key: value for key, value in source.items() if key != "last_modified"}
    for stale in (source, undated):
        report = api.client.post(
            "/v1/import/hsds", json=[stale], headers=api.admin, params={"approve": "true"}
        ).json()
        assert report["organizations_created"] == 0, report
        assert report["organizations_deleted_here"] == 1, report
        assert report["services_created"] == 0, report
        assert [item["reason"][:16] for item in report["skipped"]] == ["its organization"]
        assert_problem(
            api.client.get(f"/v1/organizations/{organization_id}", headers=api.admin), 404
        )
    # A package made after the deletion registers it again, as any new organization.
    newer = {**source, "last_modified": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()}
    report = api.client.post("/v1/import/hsds", json=[newer], headers=api.admin).json()
    assert (report["organizations_created"], report["services_created"]) == (1, 1), report
    assert api.get(f"/v1/organizations/{organization_id}", api.admin).json()["status"] == "pending"


def test_what_an_import_writes_is_stamped_as_it_commits_not_as_it_began(
    registry: Registry, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync's cursor trusts a change to commit within a minute of its stamp; a large import
    runs for minutes, and a sync that read past its beginning missed all it wrote."""
    record = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    copy = {**record, "id": str(uuid.uuid4()), "name": "Imported slowly"}
    began = datetime.now(UTC) - timedelta(minutes=10)
    clock = iter([began, datetime.now(UTC)])
    monkeypatch.setattr("service.usecases.hsds.utcnow", lambda: next(clock))
    done = api.client.post("/v1/import/hsds", json=[copy], headers=api.admin)
    assert done.json()["services_created"] == 1, done.text
    created = api.get(f"/v1/services/{copy['id']}", api.admin).json()
    assert datetime.fromisoformat(created["updated_at"]) > began + timedelta(minutes=9)
    assert datetime.fromisoformat(created["created_at"]) == began


def test_an_import_that_renames_an_organization_brings_its_listings_to_syncs(
    registry: Registry, api: Api
) -> None:
    organization = _page(api, f"/hsds/organizations/{registry.owner}", api.admin)
    before = api.get(f"/v1/services/{registry.legal['id']}", api.admin).json()["updated_at"]
    renamed = {key: value for key, value in organization.items() if key != "services"}
    renamed["name"] = "Safe Homes Network"
    service = _page(api, f"/hsds/services/{registry.legal['id']}", api.admin)
    service["organization"] = {**service["organization"], "name": "Safe Homes Network"}
    done = api.client.post("/v1/import/hsds", json=[service], headers=api.admin)
    assert done.json()["organizations_updated"] == 1, done.text
    after = api.get(f"/v1/services/{registry.legal['id']}", api.admin).json()
    assert after["organization"]["name"] == "Safe Homes Network"
    assert after["updated_at"] > before


def test_an_organization_deleted_while_an_import_writes_its_services_is_a_409(
    api: Api, engine: sa.Engine
) -> None:
    """The import holds the organizations it writes for: the deletion waits for it, then
    finds the new listing. On PostgreSQL the deletion went first and the import failed its
    foreign key, a 500 (a review of the deletion)."""
    organization_id = api.organization("Importing Now")
    first = api.service(organization_id)
    record = _page(api, f"/hsds/services/{first['id']}", api.admin)
    assert api.client.delete(f"/v1/services/{first['id']}", headers=api.admin).is_success
    fresh = {**record, "id": str(uuid.uuid4()), "last_modified": datetime.now(UTC).isoformat()}
    gazetteer = default_gazetteer()
    reached, go = threading.Event(), threading.Event()

    def slow_check(*args: Any) -> None:
        reached.set()
        go.wait(5)
        gazetteer.check_location(*args)

    caller = Caller(key_id=uuid.uuid4(), name="importer", role=Role.admin, organization_id=None)
    closer = Caller(key_id=uuid.uuid4(), name="closer", role=Role.admin, organization_id=None)
    outcomes: dict[str, str] = {}

    def run_import() -> None:
        with Session(engine) as session:
            report = hsds_usecases.import_records(
                session,
                document=[fresh],
                approve=False,
                locate=gazetteer.place_location,
                caller=caller,
                check=slow_check,
            )
            outcomes["import"] = f"created {report.services_created}"

    def delete() -> None:
        with Session(engine) as session:
            try:
                organizations_usecases.delete_organization(
                    session, organization_id=uuid.UUID(organization_id), caller=closer
                )
                outcomes["delete"] = "deleted"
            except Conflict as conflict:
                outcomes["delete"] = str(conflict)

    importer = threading.Thread(target=run_import)
    importer.start()
    assert reached.wait(120)  # (the import's parsing first: slow on a loaded machine)
    deleter = threading.Thread(target=delete)
    deleter.start()
    time.sleep(0.5)  # time for the deletion to go first, were it not made to wait
    go.set()
    importer.join(timeout=30)
    deleter.join(timeout=30)
    assert outcomes == {"import": "created 1", "delete": outcomes["delete"]}
    assert "1 listing" in outcomes["delete"]


def _without_confidential_attribute(location: dict[str, Any]) -> dict[str, Any]:
    kept = [a for a in location.get("attributes") or [] if "confidential" not in json.dumps(a)]
    return {**location, "attributes": kept}


@pytest.mark.parametrize("placed", [True, False], ids=["with its address", "without a place"])
def test_an_import_that_does_not_say_a_location_is_confidential_keeps_it_confidential(
    api: Api, placed: bool
) -> None:
    """A record that says nothing of a safe house's confidentiality (another directory's, or
    edited by hand) had published it: its address and point to partners (a review)."""
    organization = api.organization("Safe Homes")
    created = api.service(organization, locations=[SECRET_LOCATION, OPEN_LOCATION])
    service_id = created["id"]
    record = api.get(f"/hsds/services/{service_id}", api.admin).json()
    secret, open_ = record["service_at_locations"]
    assert [
        a["value"] for a in secret["location"]["attributes"] if "confidential" in json.dumps(a)
    ] == ["true"]
    assert [
        a["value"] for a in open_["location"]["attributes"] if "confidential" in json.dumps(a)
    ] == ["false"]  # (said either way in every export)
    told = _without_confidential_attribute(secret["location"])
    if placed:
        told = {
            **told,
            "latitude": 43.3601,
            "longitude": -80.3127,
            "addresses": [
                {
                    "id": str(uuid.uuid4()),
                    "address_1": f"12 Other Rd {CANARY}",
                    "city": "Cambridge",
                    "state_province": "ON",
                    "postal_code": "N1R 5S7",
                    "country": "CA",
                    "address_type": "physical",
                }
            ],
        }
    record["service_at_locations"][0] = {**secret, "location": told}
    record["last_modified"] = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    record["name"] = "Safe Homes shelter, renamed"

    report = api.client.post("/v1/import/hsds", json=[record], headers=api.admin)
    assert report.status_code == 200, report.text
    assert (report.json()["services_updated"], report.json()["locations_kept_confidential"]) == (
        1,
        1,
    )
    partner = api.get(f"/v1/services/{service_id}", api.key("partner")).json()
    assert partner["name"] == "Safe Homes shelter, renamed"
    shown = partner["locations"][0]
    assert shown["confidential"] is True
    assert partner["locations"][1]["confidential"] is False
    for secret_text in (*SECRETS, "12 Other Rd", "43.3601", "-80.3127"):
        assert secret_text not in json.dumps(partner)
    stored = api.get(f"/v1/services/{service_id}", api.admin).json()["locations"][0]
    assert stored["confidential"] is True
    if not placed:  # (where it is, as stored: not moved to its town's centre)
        assert (stored["latitude"], stored["longitude"]) == (
            CONFIDENTIAL_LATITUDE,
            CONFIDENTIAL_LONGITUDE,
        )

    # Said in so many words, it is made public: the administrator's own statement.
    public = {
        **told,
        "attributes": [
            *told["attributes"],
            *[
                {**a, "value": "false"}
                for a in secret["location"]["attributes"]
                if "confidential" in json.dumps(a)
            ],
        ],
    }
    record["service_at_locations"][0] = {**secret, "location": public}
    record["last_modified"] = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    again = api.client.post("/v1/import/hsds", json=[record], headers=api.admin).json()
    assert again["locations_kept_confidential"] == 0
    assert (
        api.get(f"/v1/services/{service_id}", api.admin).json()["locations"][0]["confidential"]
        is False
    )
