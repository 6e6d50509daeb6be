"""Reading HSDS from disk into the scratch staging, and writing it: every form an import takes,
and every way a file can be unreadable, without a database of the service."""

import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from service.hsds.listing import Problem
from service.hsds.package import (
    ORGANIZATIONS_NDJSON,
    SERVICES_NDJSON,
    PackageWriter,
    Unreadable,
    json_records,
    read,
)
from service.hsds.records import organization_record, service_record, term_records
from service.hsds.staging import Staging
from tests.unit.test_hsds import ORGANIZATION, VARIANTS, _data

HEADER = "id,organization_id,name,status\n"


def _problems(path: Path) -> list[str]:
    with read(path) as staging:
        return [str(problem) for problem in staging.problems]


def _services(path: Path) -> list[dict[str, Any]]:
    with read(path) as staging:
        assert staging.problems == []
        return [record for batch in staging.services() for record in batch]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """Our own tabular export of every variant."""
    writer = PackageWriter(tmp_path / "package", format="csv")
    writer.shared("taxonomy_term", term_records())
    writer.organization(organization_record(ORGANIZATION))
    for overrides in VARIANTS.values():
        writer.service(service_record(replace(_data(**overrides), id=uuid.uuid4())))
    writer.close()
    return tmp_path / "package"


def test_a_written_package_reads_back_into_service_records(package: Path) -> None:
    with read(package) as staging:
        assert staging.problems == []
        records = [record for batch in staging.services(batch_size=2) for record in batch]
        organizations = [o for batch in staging.organizations() for o in batch]
    assert len(records) == len(VARIANTS)
    assert records[1]["service_at_locations"][0]["location"]["attributes"]
    assert organizations[0]["phones"][0]["number"] == ORGANIZATION.phone


def test_resources_may_live_where_datapackage_json_says(package: Path) -> None:
    (package / "data").mkdir()
    (package / "services.csv").rename(package / "data" / "services.csv")
    descriptor = json.loads((package / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        if resource["name"] == "service":
            resource["path"] = "data/services.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    with read(package) as staging:
        assert staging.count("service") == len(VARIANTS)


def test_a_broken_datapackage_json_is_unreadable(package: Path) -> None:
    (package / "datapackage.json").write_text("{")
    with pytest.raises(Unreadable, match=r"datapackage\.json"):
        read(package)


def test_a_directory_without_hsds_tables_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n")
    with pytest.raises(Unreadable, match=r"no services\.csv"):
        read(tmp_path)


def test_csv_problems_name_file_and_row(tmp_path: Path) -> None:
    organization = str(uuid.uuid4())
    (tmp_path / "organizations.csv").write_text(f"id,name\n{organization},Org\n")
    (tmp_path / "services.csv").write_text(
        HEADER + f"{uuid.uuid4()},{organization},A,active,extra\n\n{uuid.uuid4()},x,B,gone\n"
    )
    (tmp_path / "phones.csv").write_bytes(b"id,number\n\xff\xfe,1\n")
    (tmp_path / "contacts.csv").write_text("id\n")
    assert _problems(tmp_path) == [
        "organizations.csv row 1: description: required column missing",
        "services.csv row 2: has a different number of cells",
        "services.csv row 4: organization_id: must be a UUID",
        "services.csv row 4: status: must be one of active, inactive, defunct, temporarily closed",
        "phones.csv: is not UTF-8 text",
    ]
    with read(tmp_path) as staging:
        assert staging.ignored == ["contacts.csv"]
        assert staging.unregistered_organizations() == {"x": [("services.csv", 4)]}


def test_repeated_ids_are_problems_in_tables(tmp_path: Path) -> None:
    organization, service = str(uuid.uuid4()), str(uuid.uuid4())
    (tmp_path / "organizations.csv").write_text(f"id,name,description\n{organization},O,D\n")
    (tmp_path / "services.csv").write_text(
        HEADER + f"{service},{organization},A,active\n{service},{organization},B,active\n"
    )
    assert _problems(tmp_path) == ["services.csv row 3: id: repeats the id of an earlier row"]


def _write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("form", ["array", "page", "one record", "ndjson", "directory"])
def test_json_records_in_every_form(tmp_path: Path, form: str) -> None:
    records = [service_record(_data(**VARIANTS["shelter"]))]
    if form == "array":
        path = _write_json(tmp_path / "records.json", records)
    elif form == "page":
        path = _write_json(tmp_path / "page.json", {"total_items": 1, "contents": records})
    elif form == "one record":
        path = _write_json(tmp_path / "record.json", records[0])
    elif form == "ndjson":
        path = tmp_path / "records.ndjson"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    else:
        path = tmp_path / "directory"
        path.mkdir()
        (path / SERVICES_NDJSON).write_text(json.dumps(records[0]) + "\n")
        (path / ORGANIZATIONS_NDJSON).write_text(json.dumps(organization_record(ORGANIZATION)))
        (path / "README.txt").write_text("hello")
    (service,) = _services(path)
    assert service["name"] == "Test Shelter"
    assert service["_source"][1] == 1


def test_json_problems(tmp_path: Path) -> None:
    record = service_record(_data(**VARIANTS["shelter"]))
    _write_json(tmp_path / "a.json", "just text")
    assert _problems(tmp_path / "a.json") == ["a.json: must hold a record, an array or a page"]
    (tmp_path / "b.json").write_text("{")
    assert _problems(tmp_path / "b.json") == ["b.json: is not valid JSON"]
    _write_json(tmp_path / "c.json", [record, record])
    assert _problems(tmp_path / "c.json") == [
        "c.json row 2: id: repeats the id of an earlier service"
    ]
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(Unreadable, match=r"\.json, \.ndjson or \.jsonl"):
        read(tmp_path / "a.txt")
    with pytest.raises(Unreadable, match="no such file"):
        read(tmp_path / "missing.json")


def test_json_records_of_a_document() -> None:
    assert json_records([1]) == [1]
    assert json_records({"contents": [2]}) == [2]
    assert json_records({"id": "x"}) == [{"id": "x"}]
    assert json_records("x") is None


def test_writer_refuses_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or json"):
        PackageWriter(tmp_path, format="xml")


def test_staging_reports_problems_in_order_they_are_found() -> None:
    with Staging() as staging:
        staging.problem("x.csv", 3, "name", "is required")
        assert staging.problems == [Problem("x.csv", 3, "name", "is required")]
