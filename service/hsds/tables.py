"""The HSDS tables this service reads and writes, from the vendored HSDS data package, and the
checks of one value against its field definition."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

# Table name (HSDS resource name) -> file, in the order an export writes them.
TABLES: dict[str, str] = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "address": "addresses.csv",
    "service_at_location": "service_at_location.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "service_area": "service_areas.csv",
    "language": "languages.csv",
    "unit": "units.csv",
    "service_capacity": "service_capacity.csv",
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "attribute": "attributes.csv",
}
FILES = {file: table for table, file in TABLES.items()}

# Columns that name a row of another table, for the reference checks of an import.
REFERENCES: dict[str, dict[str, str]] = {
    "service": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "address": {"location_id": "location"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "phone": {
        "service_id": "service",
        "organization_id": "organization",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    "schedule": {
        "service_id": "service",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    "service_area": {"service_id": "service", "service_at_location_id": "service_at_location"},
    "language": {"service_id": "service", "location_id": "location", "phone_id": "phone"},
    "service_capacity": {"service_id": "service", "unit_id": "unit"},
    "taxonomy_term": {"taxonomy_id": "taxonomy", "parent_id": "taxonomy_term"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
}
# `attribute.link_entity` values whose `link_id` this service resolves.
LINK_ENTITIES = {"service": "service", "organization": "organization", "location": "location"}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    format: str | None
    required: bool
    enum: tuple[str, ...] | None


def _json_schema_table(name: str, required_in_table: tuple[str, ...]) -> dict[str, Any]:
    """A table resource built from an HSDS JSON schema (for the two broken in the package)."""
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    required = set(schema.get("required", [])) | set(required_in_table)
    fields = []
    for field_name, spec in schema["properties"].items():
        if spec.get("type") in {"array", "object"} or "$ref" in spec:
            continue
        kind = spec["type"]
        field: dict[str, Any] = {"name": field_name, "type": kind}
        if spec.get("format") == "date-time":
            field["type"] = "datetime"
        elif "format" in spec:
            field["format"] = spec["format"]
        for key in ("title", "description"):
            if key in spec:
                field[key] = spec[key]
        field["constraints"] = {"required": field_name in required}
        if field_name == "id":
            field["constraints"]["unique"] = True
        fields.append(field)
    return {
        "name": schema["name"],
        "path": schema["path"],
        "description": schema["description"],
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": {"primaryKey": "id", "fields": fields},
    }


@cache
def package_descriptor() -> dict[str, Any]:
    """`datapackage.json` for an export: HSDS's own, limited to the tables written, with
    `service_capacity` and `unit` rebuilt from their JSON schemas and references to tables
    an export does not write dropped."""
    hsds = json.loads((SCHEMA_DIR / "datapackage.json").read_text())
    resources = {resource["name"]: resource for resource in hsds["resources"]}
    resources["service_capacity"] = _json_schema_table(
        "service_capacity", ("service_id", "unit_id")
    )
    if resources["service_capacity"]["schema"].get("foreignKeys") is None:
        resources["service_capacity"]["schema"]["foreignKeys"] = [
            {"fields": "service_id", "reference": {"resource": "service", "fields": "id"}},
            {"fields": "unit_id", "reference": {"resource": "unit", "fields": "id"}},
        ]
    resources["unit"] = _json_schema_table("unit", ())
    chosen = []
    for name in TABLES:
        resource = json.loads(json.dumps(resources[name]))
        keys = resource["schema"].get("foreignKeys", [])
        resource["schema"]["foreignKeys"] = [
            key for key in keys if key["reference"]["resource"] in TABLES
        ]
        if not resource["schema"]["foreignKeys"]:
            del resource["schema"]["foreignKeys"]
        chosen.append(resource)
    return {
        "name": "referral_service_hsds",
        "title": "referral-service registry in Open Referral HSDS 3.1",
        "description": (
            "Services for survivors of human trafficking in Canada. Eligibility, categories, "
            "delivery and confidential locations are attributes against the referral-service "
            "taxonomy in taxonomies.csv and taxonomy_terms.csv. Confidential locations have "
            "no address and no coordinates."
        ),
        "profile": "tabular-data-package",
        "version": hsds.get("version", "3.0.0"),
        "homepage": hsds.get("homepage"),
        "license": hsds.get("license"),
        "resources": chosen,
    }


@cache
def fields(table: str) -> tuple[Field, ...]:
    resource = next(r for r in package_descriptor()["resources"] if r["name"] == table)
    return tuple(
        Field(
            name=f["name"],
            type=f["type"],
            format=f.get("format"),
            required=bool(f.get("constraints", {}).get("required")),
            enum=tuple(f["constraints"]["enum"]) if "enum" in f.get("constraints", {}) else None,
        )
        for f in resource["schema"]["fields"]
    )


@cache
def columns(table: str) -> tuple[str, ...]:
    return tuple(field.name for field in fields(table))


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def parse_datetime(value: str) -> datetime:
    """ISO 8601 with a zone (`Z` or an offset), in UTC; raises ValueError otherwise, and
    for an instant whose UTC falls outside the years 1 to 9999 (0001-01-01T00:00:00+01:00)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("needs a time zone")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range in UTC") from None


def number(value: object) -> float | None:
    """A CSV or JSON number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _check_string(field: Field, value: object) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    if field.format == "uuid" and _UUID.match(value) is None:
        return "must be a UUID"
    if field.format == "email" and _EMAIL.match(value) is None:
        return "must be an e-mail address"
    if field.format == "uri" and _URI.match(value) is None:
        return "must be a URI"
    if field.enum is not None and value not in field.enum:
        return "must be one of " + ", ".join(field.enum)
    return None


def check_value(field: Field, value: object) -> str | None:
    """Why a present value does not fit its field, or None. Messages never quote the value."""
    if field.type == "string":
        return _check_string(field, value)
    if field.type in {"number", "integer"}:
        return None if number(value) is not None else "must be a number"
    if not isinstance(value, str):
        return f"must be a {field.type} in ISO 8601"
    try:
        if field.type == "date":
            date.fromisoformat(value)
        elif field.type == "datetime":
            parse_datetime(value)
        elif field.type == "time":
            time.fromisoformat(value)
    except ValueError:
        return f"must be a {field.type} in ISO 8601" + (
            " with a time zone" if field.type == "datetime" else ""
        )
    return None


def _within(row: dict[str, Any], name: str, low: float, high: float) -> str | None:
    value = number(row.get(name))
    if value is not None and not low <= value <= high:
        return f"must be between {low:g} and {high:g}"
    return None


def _check_ranges(table: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    if table == "location":
        for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
            message = _within(row, name, -bound, bound)
            if message:
                problems.append((name, message))
    elif table == "service_capacity":
        available, maximum = number(row.get("available")), number(row.get("maximum"))
        if available is not None and available < 0:
            problems.append(("available", "must not be negative"))
        if available is not None and maximum is not None and available > maximum:
            problems.append(("available", "must not exceed maximum"))
    return problems


@cache
def _field_map(table: str) -> tuple[dict[str, Field], dict[str, Field], tuple[str, ...]]:
    """Every field by name; those whose values need a check (any text fits the others);
    the required ones."""
    by_name = {field.name: field for field in fields(table)}
    checked = {
        name: field
        for name, field in by_name.items()
        if field.type != "string" or field.format or field.enum
    }
    return by_name, checked, tuple(field.name for field in fields(table) if field.required)


def check_row(
    table: str, row: dict[str, Any], *, absent_columns: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """`(field, message)` for each required field missing and each value that does not fit.
    `absent_columns`: columns missing from a file's header, reported once for the file."""
    by_name, checked, required = _field_map(table)
    problems = [
        (name, "is required")
        for name in required
        if row.get(name) in (None, "") and name not in absent_columns
    ]
    for name, value in row.items():
        field = checked.get(name)
        if field is None:
            if name in by_name and value is not None and not isinstance(value, str):
                problems.append((name, "must be text"))
            continue
        if value is None or value == "":
            continue
        message = check_value(field, value)
        if message is not None:
            problems.append((name, message))
    if problems:
        order = {name: i for i, name in enumerate(by_name)}
        problems.sort(key=lambda problem: order[problem[0]])
    return problems + _check_ranges(table, row)
