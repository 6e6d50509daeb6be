"""Our registry as HSDS 3.1 records: a compiled (nested) service record per listing, and the
rows of the tabular form, which are the same record flattened.

Ids are stable: a service or organization keeps its own UUID, and every part of a listing
(location, phone, attribute, ...) gets a UUIDv5 of the service id and the part, so the same
listing always exports the same ids.

Confidential locations have no representation of where they are: no name, address, postal
code or coordinates, only their municipality and province.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.services import ServiceCreate
from schemas.taxonomy import LABELS
from service.hsds import tables
from service.hsds.vocabulary import (
    BED_UNIT_ID,
    BEDS_TOTAL,
    CONFIDENTIAL,
    ELIGIBILITY_STATED,
    FLAGS,
    MUNICIPALITY,
    PROVINCE,
    TAXONOMY_ID,
    TAXONOMY_NAME,
    TAXONOMY_URI,
    TAXONOMY_VERSION,
    TERMS,
    TERMS_BY_CODE,
    WHEELCHAIR,
    Term,
)

ALWAYS_OPEN = "24/7"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
CONTACT_THROUGH_OPERATOR = "Confidential service: contact through a hotline operator."
# Defaults of the yes/no facts: a fact is exported only when it differs (accepts_dependents,
# which may be unknown, whenever it is known).
FLAG_DEFAULTS = {
    "referral_required": False,
    "accepting_referrals": True,
    "id_required": False,
    "police_report_required": False,
    ELIGIBILITY_STATED: True,
}
# Tables every service record shares with others: written once per export.
SHARED_TABLES = frozenset({"organization", "taxonomy", "taxonomy_term", "unit"})


@dataclass(frozen=True, slots=True)
class OrganizationData:
    id: uuid.UUID
    name: str
    description: str
    website: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class ServiceData:
    """A listing with what HSDS needs beside it. `intake_contact` False: the reader may not
    see the intake contact of this (confidential) service."""

    id: uuid.UUID
    organization: OrganizationData
    listing: ServiceCreate
    last_modified: datetime
    last_verified_at: datetime | None
    availability_updated_at: datetime | None
    intake_contact: bool = True
    eligibility_stated: bool = True
    active: bool = True  # False: its organization is not approved (pending or suspended)


def part_id(owner: uuid.UUID, part: str) -> str:
    return str(uuid.uuid5(owner, part))


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Without absent values and empty lists: HSDS fields are never null."""
    return {k: v for k, v in record.items() if v is not None and v != [] and v != ""}


def taxonomy_record() -> dict[str, Any]:
    return {
        "id": str(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": (
            "Categories, eligibility rules, delivery and location facts of referral-service "
            "listings, with English and French labels."
        ),
        "uri": TAXONOMY_URI,
        "version": TAXONOMY_VERSION,
    }


def term_record(term: Term, *, with_taxonomy: bool = True) -> dict[str, Any]:
    return _clean(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": str(TERMS_BY_CODE[term.parent].id) if term.parent else None,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_detail": taxonomy_record() if with_taxonomy else None,
            "language": "en",
            "taxonomy_id": str(TAXONOMY_ID),
        }
    )


def term_records() -> list[dict[str, Any]]:
    return [term_record(term, with_taxonomy=False) for term in TERMS]


def unit_record() -> dict[str, Any]:
    return {
        "id": str(BED_UNIT_ID),
        "name": "bed",
        "scheme": TAXONOMY_NAME,
        "identifier": "bed",
    }


def organization_record(organization: OrganizationData) -> dict[str, Any]:
    oid = str(organization.id)
    phones = (
        [
            {
                "id": part_id(organization.id, "phone"),
                "organization_id": oid,
                "number": organization.phone,
                "type": "voice",
            }
        ]
        if organization.phone
        else []
    )
    return _clean(
        {
            "id": oid,
            "name": organization.name,
            # HSDS requires a description; an organization without one is described by name.
            "description": organization.description or organization.name,
            "email": organization.email,
            "website": organization.website,
            "phones": phones,
        }
    )


def _attribute(owner: uuid.UUID, link_entity: str, code: str, value: str | None) -> dict[str, Any]:
    term = TERMS_BY_CODE[code]
    return _clean(
        {
            "id": part_id(owner, f"attribute:{code}"),
            "link_id": str(owner),
            "taxonomy_term_id": str(term.id),
            "link_type": term.link_type,
            "link_entity": link_entity,
            "value": value,
            "taxonomy_term": term_record(term),
        }
    )


def _yes_no(value: bool) -> str:
    return "true" if value else "false"


def _service_attributes(data: ServiceData) -> list[dict[str, Any]]:
    listing, eligibility = data.listing, data.listing.eligibility
    codes = [category.value for category in listing.categories]
    codes += [f"gender.{g.value}" for g in eligibility.genders]
    codes += [f"newcomer_status.{s.value}" for s in eligibility.statuses]
    codes += [f"trafficking_type.{t.value}" for t in eligibility.trafficking_types]
    codes += [f"trafficking_focus.{t.value}" for t in listing.trafficking_focus]
    codes += [f"delivery.{d.value}" for d in listing.delivery]
    codes.append(f"fees.{listing.fees.value}")
    attributes = [_attribute(data.id, "service", code, None) for code in codes]
    flags: dict[str, bool | None] = {
        "accepts_dependents": eligibility.accepts_dependents,
        "referral_required": listing.intake.referral_required,
        "accepting_referrals": listing.accepting_referrals,
        "id_required": listing.id_required,
        "police_report_required": listing.police_report_required,
        ELIGIBILITY_STATED: data.eligibility_stated,
    }
    # What an import takes when a fact is not written: the default, except that a service
    # "inactive" (its organization not approved, as an administrator reads it) is read as
    # not accepting referrals unless it says otherwise (`listing.to_listing`).
    defaults = {**FLAG_DEFAULTS, "accepting_referrals": data.active}
    for code in FLAGS:
        value = flags[code]
        if value is not None and value != defaults.get(code):
            attributes.append(_attribute(data.id, "service", code, _yes_no(value)))
    capacity = listing.capacity
    if capacity.beds_total is not None and capacity.beds_available is None:
        attributes.append(_attribute(data.id, "service", BEDS_TOTAL, str(capacity.beds_total)))
    return attributes


def _location(data: ServiceData, position: int) -> dict[str, Any]:
    location = data.listing.locations[position]
    owner = uuid.UUID(part_id(data.id, f"location:{position}"))
    lid = str(owner)
    addressed = (
        not location.confidential
        and location.address is not None
        and location.postal_code is not None
    )
    # Said either way: a record that does not say it leaves a location kept confidential here
    # confidential on import (`usecases/hsds._keep_confidential`).
    attributes = [_attribute(owner, "location", CONFIDENTIAL, _yes_no(location.confidential))]
    if location.wheelchair_accessible is not None:
        attributes.append(
            _attribute(owner, "location", WHEELCHAIR, _yes_no(location.wheelchair_accessible))
        )
    if not addressed:
        attributes.append(_attribute(owner, "location", MUNICIPALITY, location.municipality))
        attributes.append(_attribute(owner, "location", PROVINCE, location.province.value))
    addresses = (
        [
            {
                "id": part_id(owner, "address"),
                "location_id": lid,
                "address_1": location.address,
                "city": location.municipality,
                "state_province": location.province.value,
                "postal_code": location.postal_code,
                "country": "CA",
                "address_type": "physical",
            }
        ]
        if addressed
        else []
    )
    exact = not location.confidential
    return _clean(
        {
            "id": lid,
            "location_type": "physical",
            "organization_id": str(data.organization.id),
            "name": location.name if exact else None,
            "latitude": location.latitude if exact else None,
            "longitude": location.longitude if exact else None,
            "addresses": addresses,
            "attributes": attributes,
        }
    )


def _service_areas(data: ServiceData) -> list[dict[str, Any]]:
    area, sid = data.listing.service_area, str(data.id)
    areas = []
    if area.nationwide:
        areas.append({"id": part_id(data.id, "area:CA"), "service_id": sid, "name": "Canada"})
    areas.extend(
        {
            "id": part_id(data.id, f"area:{province.value}"),
            "service_id": sid,
            "name": LABELS[province.value][0],
        }
        for province in area.provinces
    )
    if area.radius_km is not None:
        areas.append(
            {
                "id": part_id(data.id, "area:radius"),
                "service_id": sid,
                "name": f"Within {area.radius_km:.15g} km of a location",
            }
        )
    return areas


def _schedules(data: ServiceData) -> list[dict[str, Any]]:
    hours = data.listing.intake.hours
    if not hours:
        return []
    schedule: dict[str, Any] = {
        "id": part_id(data.id, "schedule:intake"),
        "service_id": str(data.id),
        "description": hours,
    }
    if hours == ALWAYS_OPEN:
        schedule |= {
            "freq": "WEEKLY",
            "byday": EVERY_DAY,
            "opens_at": "00:00:00",
            "closes_at": "23:59:59",
        }
    return [schedule]


def _capacities(data: ServiceData) -> list[dict[str, Any]]:
    capacity = data.listing.capacity
    if capacity.beds_available is None:
        return []
    updated = data.availability_updated_at or data.last_modified
    return [
        _clean(
            {
                "id": part_id(data.id, "capacity:bed"),
                "service_id": str(data.id),
                "unit_id": str(BED_UNIT_ID),
                "unit": unit_record(),
                "available": capacity.beds_available,
                "maximum": capacity.beds_total,
                "description": "Beds free",
                "updated": timestamp(updated),
            }
        )
    ]


def service_record(data: ServiceData) -> dict[str, Any]:
    """The compiled HSDS service record of a listing."""
    listing, sid = data.listing, str(data.id)
    intake = listing.intake
    contact = data.intake_contact
    phones = (
        [
            {
                "id": part_id(data.id, "phone:intake"),
                "service_id": sid,
                "number": intake.phone,
                "type": "voice",
            }
        ]
        if contact and intake.phone
        else []
    )
    locations = [_location(data, i) for i in range(len(listing.locations))]
    return _clean(
        {
            "id": sid,
            "organization_id": str(data.organization.id),
            "name": listing.name,
            "description": listing.description,
            "url": intake.url if contact else None,
            "email": intake.email if contact else None,
            "status": "active" if data.active else "inactive",
            "application_process": None if contact else CONTACT_THROUGH_OPERATOR,
            "fees_description": LABELS[listing.fees.value][0],
            "minimum_age": listing.eligibility.min_age,
            "maximum_age": listing.eligibility.max_age,
            "assured_date": data.last_verified_at.astimezone(UTC).date().isoformat()
            if data.last_verified_at
            else None,
            "last_modified": timestamp(data.last_modified),
            "phones": phones,
            "schedules": _schedules(data),
            "service_areas": _service_areas(data),
            "service_at_locations": [
                {
                    "id": part_id(data.id, f"service_at_location:{i}"),
                    "service_id": sid,
                    "location_id": location["id"],
                    "location": location,
                }
                for i, location in enumerate(locations)
            ],
            "languages": [
                {"id": part_id(data.id, f"language:{code}"), "service_id": sid, "code": code}
                for code in listing.languages
            ],
            "organization": organization_record(data.organization),
            "capacities": _capacities(data),
            "attributes": _service_attributes(data),
        }
    )


_LIST_FIELDS = frozenset(tables.columns("service")) | {"organization"}


def service_list_record(record: dict[str, Any]) -> dict[str, Any]:
    """A service record as a page of services lists it: one-to-one fields only."""
    listed = {k: v for k, v in record.items() if k in _LIST_FIELDS}
    if "organization" in listed:
        listed["organization"] = organization_list_record(listed["organization"])
    return listed


def organization_list_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k in tables.columns("organization")}


# Nested arrays of a compiled record: (key, table, foreign key set on each child).
_CHILDREN: dict[str, tuple[tuple[str, str, str], ...]] = {
    "service": (
        ("phones", "phone", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("service_areas", "service_area", "service_id"),
        ("service_at_locations", "service_at_location", "service_id"),
        ("languages", "language", "service_id"),
        ("capacities", "service_capacity", "service_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "organization": (
        ("phones", "phone", "organization_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "location": (
        ("addresses", "address", "location_id"),
        ("phones", "phone", "location_id"),
        ("languages", "language", "location_id"),
        ("schedules", "schedule", "location_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "service_at_location": (
        ("phones", "phone", "service_at_location_id"),
        ("schedules", "schedule", "service_at_location_id"),
        ("service_areas", "service_area", "service_at_location_id"),
        ("attributes", "attribute", "link_id"),
    ),
    "phone": (("languages", "language", "phone_id"),),
}
# Nested single objects: (key, table, the parent's column that names it).
_SINGLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "service": (("organization", "organization", "organization_id"),),
    "service_at_location": (("location", "location", "location_id"),),
    "service_capacity": (("unit", "unit", "unit_id"),),
    "attribute": (("taxonomy_term", "taxonomy_term", "taxonomy_term_id"),),
    "taxonomy_term": (("taxonomy_detail", "taxonomy", "taxonomy_id"),),
}


def flatten(table: str, record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """`(table, row)` for a compiled record and everything nested in it, parents first.
    Foreign keys that nesting implies are filled in; fields HSDS tables lack are dropped."""
    if not isinstance(record, dict):
        return
    known = tables.columns(table)
    row = {k: v for k, v in record.items() if k in known and not isinstance(v, dict | list)}
    nested: list[tuple[str, dict[str, Any]]] = []
    for key, child_table, column in _SINGLES.get(table, ()):
        child = record.get(key)
        if isinstance(child, dict):
            if column not in row and isinstance(child.get("id"), str):
                row[column] = child["id"]
            nested.append((child_table, child))
    yield table, row
    for child_table, child in nested:
        yield from flatten(child_table, child)
    for key, child_table, column in _CHILDREN.get(table, ()):
        children = record.get(key)
        if not isinstance(children, list):
            continue
        for child in children:
            if not isinstance(child, dict):
                continue
            filled = dict(child)
            if "id" in row:  # nesting says whose child it is, whatever the child says
                filled[column] = row["id"]
            if child_table == "attribute" and filled.get("link_entity") in (None, ""):
                filled["link_entity"] = table
            yield from flatten(child_table, filled)
