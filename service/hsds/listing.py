"""HSDS records back into our listings.

Our own attributes map back exactly. A third-party record imports with the categories its
taxonomy terms name (our codes, common directory names, a few AIRS codes); what we cannot read
is left unknown (no restriction, default facts) and reported. A record that carries no term of
our taxonomy states no eligibility rule, so its listing is marked as not stating them
(`eligibility_stated` false) rather than read as serving everyone. A record with no category we
list, or that nobody could reach (no location in Canada and no service area), is skipped and
reported. Everything else that does not make a valid listing is a problem with its file and row.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from schemas.enums import Delivery
from schemas.languages import canonical_language
from schemas.organizations import OrganizationCreate
from schemas.services import ServiceCreate
from service.gazetteer import Placement, Unplaceable, parse_province
from service.hsds.records import ALWAYS_OPEN, EVERY_DAY
from service.hsds.tables import number, parse_datetime
from service.hsds.vocabulary import (
    BEDS_TOTAL,
    CONFIDENTIAL,
    ELIGIBILITY_STATED,
    MUNICIPALITY,
    PROVINCE,
    TERMS_BY_ID,
    WHEELCHAIR,
    Group,
    category_for,
)

# (municipality, province code, postal code) -> where a location without coordinates goes
# (`Gazetteer.place_location`), or `Unplaceable`.
Locate = Callable[[str, str, str | None], Placement]
# Whether a location's coordinates agree with its municipality, province and postal code
# (`Gazetteer.check_location`): raises `Unplaceable` naming the field at fault.
Check = Callable[[str, str, str | None, float, float], None]
SOURCE = "_source"
_RADIUS = re.compile(r"^within\s+([0-9]+(?:\.[0-9]+)?)\s*km\b", re.IGNORECASE)
_CANADA = {"ca", "can", "canada"}
_CLOSED = {"inactive", "temporarily closed"}
_APPROXIMATE = "_approximate"
_UNSTATED = "_confidential_unstated"
_NEEDS_LOCATION = ("needs service_area.provinces or nationwide", "needs at least one location")
_ADDRESS_FIELDS = {"address", "municipality", "province", "postal_code"}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an import is refused: where (file, row, field) and what, never the value."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True, slots=True)
class ImportedService:
    id: uuid.UUID
    organization_id: uuid.UUID
    listing: ServiceCreate
    last_modified: datetime | None
    last_verified_at: datetime | None
    availability_updated_at: datetime | None
    # Positions of locations placed at their municipality's centre (no coordinates given).
    approximate_locations: frozenset[int] = frozenset()
    # Positions of locations whose record did not say `confidential` (true or false).
    unstated_locations: frozenset[int] = frozenset()
    # False: the record gave no eligibility rules of ours, so its empty rules are unknown.
    eligibility_stated: bool = True


@dataclass(slots=True)
class Conversion:
    service: ImportedService | None = None
    skipped: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unknown_terms: list[str] = field(default_factory=list)
    located_by_municipality: int = 0
    located_by_postal_area: int = 0


def source_of(record: dict[str, Any]) -> tuple[str, int | None]:
    found = record.get(SOURCE)
    if isinstance(found, tuple):
        return found
    return ("records", None)


def _problem(record: dict[str, Any], field_name: str | None, message: str) -> Problem:
    file, row = source_of(record)
    return Problem(file, row, field_name, message)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _whole(record: dict[str, Any], name: str, problems: list[Problem]) -> int | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    parsed = number(value)
    if parsed is None or not parsed.is_integer() or parsed < 0:
        problems.append(_problem(record, name, "must be a whole number, 0 or more"))
        return None
    return int(parsed)


def parse_when(value: object) -> datetime | None:
    """A date or a date and time with its zone; None when absent or not one (staging has
    then reported the problem, and the import is refused: never a crash)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        return parse_datetime(value)
    except ValueError:
        return None


def _yes_no(attribute: dict[str, Any], problems: list[Problem]) -> bool | None:
    value = str(attribute.get("value") or "").strip().lower()
    if value in {"true", "yes", "1"}:
        return True
    if value in {"false", "no", "0"}:
        return False
    problems.append(_problem(attribute, "value", "must be true or false for this term"))
    return None


def _term_label(attribute: dict[str, Any]) -> str:
    term = attribute.get("taxonomy_term")
    term = term if isinstance(term, dict) else {}
    parts = [_text(term.get("code")), _text(term.get("name"))]
    label = " ".join(p for p in parts if p)
    return label or str(attribute.get("taxonomy_term_id") or "term without name")


_OUR_TERMS = {str(term_id): (term.group, term.code) for term_id, term in TERMS_BY_ID.items()}


def _our_term(attribute: dict[str, Any]) -> tuple[Group, str] | None:
    return _OUR_TERMS.get(str(attribute.get("taxonomy_term_id")).lower())


@dataclass(slots=True)
class _Facts:
    categories: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    trafficking_types: list[str] = field(default_factory=list)
    trafficking_focus: list[str] = field(default_factory=list)
    delivery: list[str] = field(default_factory=list)
    fees: str | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    beds_total: int | None = None
    our_terms: bool = False  # the record carries a term of our taxonomy

    @property
    def eligibility_stated(self) -> bool:
        """Another directory's record (none of our terms) states none of our rules; ours do,
        unless our export marked the listing as never stated."""
        return self.our_terms and self.flags.get(ELIGIBILITY_STATED, True)


_GROUP_LISTS = {
    Group.gender: "genders",
    Group.newcomer_status: "statuses",
    Group.trafficking_type: "trafficking_types",
    Group.trafficking_focus: "trafficking_focus",
    Group.delivery: "delivery",
}


def _read_attributes(record: dict[str, Any], facts: _Facts, conversion: Conversion) -> None:
    for attribute in record.get("attributes") or []:
        ours = _our_term(attribute)
        if ours is None:
            term = attribute.get("taxonomy_term")
            term = term if isinstance(term, dict) else {}
            category = category_for(_text(term.get("code")), _text(term.get("name")))
            if category is not None:
                facts.categories.append(category.value)
            else:
                conversion.unknown_terms.append(_term_label(attribute))
            continue
        facts.our_terms = True
        group, code = ours
        value = code.split(".", 1)[-1]
        if group is Group.category:
            facts.categories.append(code)
        elif group in _GROUP_LISTS:
            getattr(facts, _GROUP_LISTS[group]).append(value)
        elif group is Group.fees:
            facts.fees = value
        elif code == BEDS_TOTAL:
            facts.beds_total = _whole(attribute, "value", conversion.problems)
        elif group is Group.flag:
            flag = _yes_no(attribute, conversion.problems)
            if flag is not None:
                facts.flags[code] = flag
        else:
            conversion.unknown_terms.append(_term_label(attribute))


def _location_facts(location: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for attribute in location.get("attributes") or []:
        ours = _our_term(attribute)
        code = ours[1] if ours else None
        if code == CONFIDENTIAL:
            facts[CONFIDENTIAL] = _yes_no(attribute, problems)
        elif code == WHEELCHAIR:
            facts[WHEELCHAIR] = _yes_no(attribute, problems)
        elif code in {MUNICIPALITY, PROVINCE}:
            facts[code] = _text(attribute.get("value"))
    return facts


def _location(
    location: dict[str, Any], locate: Locate, conversion: Conversion, check: Check | None
) -> dict[str, Any] | None:
    problems = conversion.problems
    facts = _location_facts(location, problems)
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    address = next((a for a in addresses if a.get("address_type") == "physical"), None)
    address = address or (addresses[0] if addresses else {})
    country = _text(address.get("country"))
    if country is not None and country.lower() not in _CANADA:
        problems.append(_problem(address, "country", "only locations in Canada can be listed"))
        return None
    municipality = facts.get(MUNICIPALITY) or _text(address.get("city"))
    province_text = facts.get(PROVINCE) or _text(address.get("state_province"))
    province = _province(province_text) if province_text else None
    if municipality is None or province is None:
        problems.append(
            _problem(
                location,
                "addresses",
                "needs a city and a Canadian province (an address, or municipality and "
                "province attributes)",
            )
        )
        return None
    confidential = bool(facts.get(CONFIDENTIAL))
    latitude, longitude = number(location.get("latitude")), number(location.get("longitude"))
    approximate = latitude is None or longitude is None
    if (
        check is not None
        and latitude is not None
        and longitude is not None
        # (out of range, staging has reported it)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    ):
        # As the API checks them: a Vancouver point on a shelter of Kitchener, ON is refused.
        try:
            check(municipality, province, _text(address.get("postal_code")), latitude, longitude)
        except Unplaceable as error:
            at_fault = address if error.field == "postal_code" else location
            problems.append(_problem(at_fault, error.field, error.message))
            return None
    if latitude is None or longitude is None:
        try:
            placement = locate(municipality, province, _text(address.get("postal_code")))
        except Unplaceable as error:
            at_fault = address if error.field == "postal_code" else location
            problems.append(_problem(at_fault, error.field, error.message))
            return None
        latitude, longitude = placement.latitude, placement.longitude
        if not confidential:
            if placement.by == "postal_area":
                conversion.located_by_postal_area += 1
            else:
                conversion.located_by_municipality += 1
    return {
        "name": None if confidential else _text(location.get("name")),
        "address": None if confidential else _text(address.get("address_1")),
        "municipality": municipality,
        "province": province,
        "postal_code": None if confidential else _text(address.get("postal_code")),
        "latitude": latitude,
        "longitude": longitude,
        "confidential": confidential,
        "wheelchair_accessible": facts.get(WHEELCHAIR),
        _APPROXIMATE: approximate,
        _UNSTATED: CONFIDENTIAL not in facts,
    }


@lru_cache(maxsize=1024)
def _province(text: str) -> str | None:
    return parse_province(text)


def _service_area(record: dict[str, Any], conversion: Conversion) -> dict[str, Any]:
    area: dict[str, Any] = {"radius_km": None, "provinces": [], "nationwide": False}
    for entry in record.get("service_areas") or []:
        name = _text(entry.get("name")) or ""
        radius = _RADIUS.match(name)
        province = _province(name) if name else None
        if name.lower() in _CANADA:
            area["nationwide"] = True
        elif radius:
            area["radius_km"] = float(radius.group(1))
        elif province is not None:
            if province not in area["provinces"]:
                area["provinces"].append(province)
        else:
            conversion.unknown_terms.append(f"service area {name or 'without name'}")
    return area


def _hours(record: dict[str, Any]) -> str | None:
    for schedule in record.get("schedules") or []:
        description = _text(schedule.get("description"))
        days = str(schedule.get("byday") or "").replace(" ", "").upper().split(",")
        always = (
            # every day, in whichever order a directory lists them ("SU,MO,...,SA")
            sorted(days) == sorted(EVERY_DAY.split(","))
            and str(schedule.get("opens_at") or "").startswith("00:00")
            and str(schedule.get("closes_at") or "")[:5] in {"23:59", "24:00"}
        )
        if always:
            return ALWAYS_OPEN
        if description:
            return description
    return None


def _capacity(record: dict[str, Any], facts: _Facts, conversion: Conversion) -> dict[str, Any]:
    capacity: dict[str, Any] = {"beds_total": facts.beds_total, "beds_available": None}
    updated = None
    for entry in record.get("capacities") or []:
        unit = entry.get("unit") if isinstance(entry.get("unit"), dict) else {}
        names = {str(unit.get(k) or "").strip().lower() for k in ("name", "identifier")}
        if not names & {"bed", "beds"}:
            conversion.unknown_terms.append(f"capacity unit {unit.get('name') or 'unnamed'}")
            continue
        capacity["beds_available"] = _whole(entry, "available", conversion.problems)
        capacity["beds_total"] = _whole(entry, "maximum", conversion.problems)
        updated = parse_when(entry.get("updated"))
    return {**capacity, "_updated": updated}


def _delivery(
    facts: _Facts, locations: list[dict[str, Any]], record: dict[str, Any], virtual: bool
) -> list[str]:
    if facts.delivery:
        return facts.delivery
    delivery = []
    if locations:
        delivery.append(Delivery.in_person.value)
    if record.get("phones"):
        delivery.append(Delivery.phone.value)
    if virtual or record.get("url"):
        delivery.append(Delivery.virtual.value)
    return delivery or [Delivery.in_person.value]


def _message(item: Any) -> str:
    message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
    if message.startswith("String should match pattern"):
        return "is not in a form this registry accepts"
    return message


def _validation_problems(
    record: dict[str, Any],
    error: ValidationError,
    location_records: list[dict[str, Any]],
    parts: dict[str, dict[str, Any]],
) -> list[Problem]:
    """Pydantic's errors as problems of the row each value came from: a location's own row,
    the phone's row for a phone, else the record's. `parts`: field path -> source record."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        owner = record
        if len(loc) >= 2 and loc[0] == "locations" and loc[1].isdigit():
            index = int(loc[1])
            if index < len(location_records):
                owner = location_records[index]
                address = (owner.get("addresses") or [None])[0]
                if loc[2:3] and loc[2] in _ADDRESS_FIELDS and isinstance(address, dict):
                    owner = address
            loc = ["location", *loc[2:]]
        path = ".".join(loc)
        owner = parts.get(path, owner)
        problems.append(_problem(owner, path or None, _message(item)))
    return problems


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def to_listing(record: dict[str, Any], *, locate: Locate, check: Check | None = None) -> Conversion:
    """A compiled HSDS service record (ours or another directory's) as a listing."""
    conversion = Conversion()
    problems = conversion.problems
    status = str(record.get("status") or "active")
    if status == "defunct":
        conversion.skipped = "defunct"
        return conversion
    facts = _Facts()
    _read_attributes(record, facts, conversion)
    location_records: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    virtual = False
    for link in record.get("service_at_locations") or []:
        location = link.get("location")
        if not isinstance(location, dict):
            continue
        if location.get("location_type") != "physical":
            virtual = virtual or location.get("location_type") == "virtual"
            continue
        converted = _location(location, locate, conversion, check)
        if converted is not None:
            location_records.append(location)
            locations.append(converted)
    area = _service_area(record, conversion)
    capacity = _capacity(record, facts, conversion)
    availability_updated_at = capacity.pop("_updated")
    categories = _unique(facts.categories)
    if not categories:
        conversion.skipped = "no category this registry lists"
        return conversion
    if not locations and not (area["provinces"] or area["nationwide"]) and not problems:
        conversion.skipped = "no location in Canada and no service area"
        return conversion
    languages = []
    for entry in record.get("languages") or []:
        code = _text(entry.get("code"))
        known = canonical_language(code) if code else None
        if known:
            languages.append(known)
        elif code:
            # Refused, as `POST /v1/services` refuses it: left out, a misspelt code took the
            # language off the listing, and matches asking for it no longer found it.
            problems.append(
                _problem(entry, "code", "not a language code: ISO 639-1 (en, fr) or 639-3 (mic)")
            )
        else:
            conversion.unknown_terms.append(f"language {entry.get('name') or ''}".strip())
    approximate = frozenset(i for i, loc in enumerate(locations) if loc.pop(_APPROXIMATE))
    unstated = frozenset(i for i, loc in enumerate(locations) if loc.pop(_UNSTATED))
    phones = [p for p in record.get("phones") or [] if _text(p.get("number"))]
    flags = facts.flags
    accepting = flags.get("accepting_referrals", status not in _CLOSED)
    body = {
        "organization_id": record.get("organization_id"),
        "name": record.get("name"),
        "description": _text(record.get("description")) or "",
        "categories": categories,
        "eligibility": {
            "genders": _unique(facts.genders),
            "min_age": _whole(record, "minimum_age", problems),
            "max_age": _whole(record, "maximum_age", problems),
            "statuses": _unique(facts.statuses),
            "trafficking_types": _unique(facts.trafficking_types),
            "accepts_dependents": flags.get("accepts_dependents"),
        },
        "trafficking_focus": _unique(facts.trafficking_focus),
        "languages": _unique(languages),
        "delivery": _unique(_delivery(facts, locations, record, virtual)),
        "locations": locations,
        "service_area": area,
        "intake": {
            "phone": _text(phones[0]["number"]) if phones else None,
            "email": _text(record.get("email")),
            "url": _text(record.get("url")),
            "hours": _hours(record),
            "referral_required": flags.get("referral_required", False),
        },
        "capacity": capacity,
        "accepting_referrals": accepting,
        "fees": facts.fees or "free",
        "id_required": flags.get("id_required", False),
        "police_report_required": flags.get("police_report_required", False),
    }
    try:
        listing = ServiceCreate.model_validate(body)
    except ValidationError as error:
        parts = {"intake.phone": phones[0]} if phones else {}
        found = _validation_problems(record, error, location_records, parts)
        if problems:  # a location already failed: "needs a location" would only repeat it
            found = [p for p in found if not p.message.endswith(_NEEDS_LOCATION)]
        problems.extend(found)
        return conversion
    if problems:
        return conversion
    try:
        service_id = uuid.UUID(str(record["id"]))
    except ValueError:  # the staging said so (`tables.check_value`): "must be a uuid"
        conversion.skipped = "its id is not a UUID"
        return conversion
    conversion.service = ImportedService(
        id=service_id,
        organization_id=listing.organization_id,
        listing=listing,
        last_modified=parse_when(record.get("last_modified")),
        last_verified_at=parse_when(record.get("assured_date")),
        availability_updated_at=availability_updated_at,
        approximate_locations=approximate,
        unstated_locations=unstated,
        eligibility_stated=facts.eligibility_stated,
    )
    return conversion


def to_organization(record: dict[str, Any]) -> tuple[OrganizationCreate | None, list[Problem]]:
    """An HSDS organization as ours. A description that only repeats the name (what an export
    writes for an organization without one) is no description."""
    phones = [p for p in record.get("phones") or [] if _text(p.get("number"))]
    name = _text(record.get("name"))
    description = _text(record.get("description")) or ""
    body = {
        "name": name,
        "description": "" if description == name else description,
        "website": _text(record.get("website")),
        "email": _text(record.get("email")),
        "phone": _text(phones[0]["number"]) if phones else None,
    }
    try:
        return OrganizationCreate.model_validate(body), []
    except ValidationError as error:
        parts = {"phone": phones[0]} if phones else {}
        return None, _validation_problems(record, error, [], parts)
