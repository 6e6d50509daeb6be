"""Translation between wire listings and table rows, and the role-dependent read views.

Enum lists are stored as bit masks, bit i for the i-th member in declaration order, so new
enum members must only ever be appended.
"""

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from schemas.enums import (
    Category,
    Delivery,
    Fees,
    OrganizationStatus,
    Province,
    ServedGender,
    ServedStatus,
    ServedTraffickingType,
)
from schemas.services import (
    Capacity,
    Eligibility,
    Intake,
    IntakeRedacted,
    ListedOrganization,
    LocationPublic,
    LocationRedacted,
    ServiceArea,
    ServiceCreate,
    ServicePublic,
)
from schemas.services import Location as LocationIn
from service.matching.geo import reach_cells
from service.matching.scoring import around_the_clock
from service.matching.types import Point
from service.models import NATIONWIDE_AREA, Location, Service
from service.policy.visibility import (
    View,
    matched_point,
    shows_exact_location,
    shows_intake_contact,
)

E = TypeVar("E", bound=StrEnum)

CATEGORIES = tuple(Category)
GENDERS = tuple(ServedGender)
STATUSES = tuple(ServedStatus)
TRAFFICKING_TYPES = tuple(ServedTraffickingType)
DELIVERIES = tuple(Delivery)
PROVINCES = tuple(Province)


def to_mask(values: Iterable[StrEnum], members: Sequence[StrEnum]) -> int:
    mask = 0
    for value in values:
        mask |= 1 << members.index(value)
    return mask


def from_mask(mask: int, members: Sequence[E]) -> list[E]:
    return [member for bit, member in enumerate(members) if mask & (1 << bit)]


def listing_columns(listing: ServiceCreate, *, eligibility_stated: bool = True) -> dict[str, Any]:
    """The service-table columns a listing sets (everything but its locations). A listing a
    provider or administrator writes states its eligibility rules, even empty ones ("serves
    everyone"); only an import of another directory's record may not
    (`eligibility_stated=False`)."""
    eligibility, area, intake, capacity = (
        listing.eligibility,
        listing.service_area,
        listing.intake,
        listing.capacity,
    )
    return {
        "organization_id": listing.organization_id,
        "name": listing.name,
        "description": listing.description,
        "categories_mask": to_mask(listing.categories, CATEGORIES),
        "genders_mask": to_mask(eligibility.genders, GENDERS),
        "min_age": eligibility.min_age,
        "max_age": eligibility.max_age,
        "statuses_mask": to_mask(eligibility.statuses, STATUSES),
        "trafficking_types_mask": to_mask(eligibility.trafficking_types, TRAFFICKING_TYPES),
        "accepts_dependents": eligibility.accepts_dependents,
        "trafficking_focus_mask": to_mask(listing.trafficking_focus, TRAFFICKING_TYPES),
        "languages": list(listing.languages),
        "delivery_mask": to_mask(listing.delivery, DELIVERIES),
        "service_radius_km": area.radius_km,
        "provinces_mask": to_mask(area.provinces, PROVINCES),
        "nationwide": area.nationwide,
        "intake_phone": intake.phone,
        "intake_email": intake.email,
        "intake_url": intake.url,
        "intake_hours": intake.hours,
        "intake_24_7": around_the_clock(intake.hours),
        "referral_required": intake.referral_required,
        "beds_total": capacity.beds_total,
        "beds_available": capacity.beds_available,
        "accepting_referrals": listing.accepting_referrals,
        "fees": listing.fees.value,
        "id_required": listing.id_required,
        "police_report_required": listing.police_report_required,
        "eligibility_stated": eligibility_stated,
    }


def apply_listing(service: Service, listing: ServiceCreate) -> None:
    """Write every field of a listing onto a row, locations included."""
    for column, value in listing_columns(listing).items():
        setattr(service, column, value)
    service.locations = [
        Location(
            service_id=service.id,
            position=position,
            categories_mask=service.categories_mask,
            **location.model_dump(),
        )
        for position, location in enumerate(listing.locations)
    ]


def area_covers_of(
    *, categories_mask: int, provinces_mask: int, nationwide: bool
) -> list[tuple[str, int]]:
    """`(area, category_bit)` under which a province-wide or nationwide service is filed."""
    areas = (
        [NATIONWIDE_AREA]
        if nationwide
        else [province.value for province in from_mask(provinces_mask, PROVINCES)]
    )
    bits = [bit for bit in range(len(CATEGORIES)) if categories_mask >> bit & 1]
    return [(area, bit) for area in areas for bit in bits]


def covers_of(service: Service) -> list[tuple[str, int]]:
    return area_covers_of(
        categories_mask=service.categories_mask,
        provinces_mask=service.provinces_mask,
        nationwide=service.nationwide,
    )


def reach_cells_of(service: Service) -> list[tuple[int, int]]:
    """`(location_id, cell)` for every grid cell a flushed listing's service area reaches."""
    if not service.service_radius_km:
        return []
    return [
        (location.id, cell)
        for location in service.locations
        if location.id is not None
        for cell in reach_cells(
            Point(
                *matched_point(
                    location.latitude, location.longitude, confidential=location.confidential
                )
            ),
            service.service_radius_km,
        )
    ]


def _location_fields(location: Location) -> dict[str, Any]:
    """A location row's fields, as both a listing and its public view show them."""
    return {
        "name": location.name,
        "address": location.address,
        "municipality": location.municipality,
        "province": Province(location.province),
        "postal_code": location.postal_code,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "confidential": location.confidential,
        "wheelchair_accessible": location.wheelchair_accessible,
    }


def _location_in(location: Location) -> LocationIn:
    return LocationIn.model_construct(**_location_fields(location))


def listing_of(service: Service) -> ServiceCreate:
    """The whole listing a row holds, as a provider would send it."""
    return ServiceCreate.model_construct(
        organization_id=service.organization_id,
        name=service.name,
        description=service.description,
        categories=from_mask(service.categories_mask, CATEGORIES),
        eligibility=Eligibility.model_construct(
            genders=from_mask(service.genders_mask, GENDERS),
            min_age=service.min_age,
            max_age=service.max_age,
            statuses=from_mask(service.statuses_mask, STATUSES),
            trafficking_types=from_mask(service.trafficking_types_mask, TRAFFICKING_TYPES),
            accepts_dependents=service.accepts_dependents,
        ),
        trafficking_focus=from_mask(service.trafficking_focus_mask, TRAFFICKING_TYPES),
        languages=list(service.languages),
        delivery=from_mask(service.delivery_mask, DELIVERIES),
        locations=[_location_in(location) for location in service.locations],
        service_area=ServiceArea.model_construct(
            radius_km=service.service_radius_km,
            provinces=from_mask(service.provinces_mask, PROVINCES),
            nationwide=service.nationwide,
        ),
        intake=Intake.model_construct(
            phone=service.intake_phone,
            email=service.intake_email,
            url=service.intake_url,
            hours=service.intake_hours,
            referral_required=service.referral_required,
        ),
        capacity=Capacity.model_construct(
            beds_total=service.beds_total, beds_available=service.beds_available
        ),
        accepting_referrals=service.accepting_referrals,
        fees=Fees(service.fees),
        id_required=service.id_required,
        police_report_required=service.police_report_required,
    )


def is_confidential(service: Service) -> bool:
    return any(location.confidential for location in service.locations)


def location_view(location: Location, view: View) -> LocationPublic | LocationRedacted:
    # Built without validation, as the rows were validated when written (and the answers'
    # shapes are tested), because every match shows one per service.
    if shows_exact_location(view, confidential=location.confidential):
        return LocationPublic.model_construct(**_location_fields(location))
    return LocationRedacted.model_construct(
        municipality=location.municipality,
        province=Province(location.province),
        wheelchair_accessible=location.wheelchair_accessible,
    )


# What a partner reads instead of a confidential service's intake contact, by the answer's
# language (`Accept-Language` of a match).
_CONTACT_THROUGH_OPERATOR = {
    "fr": "Service confidentiel : le joindre par l'intermédiaire d'une ligne d'assistance.",
}


def intake_view(service: Service, view: View, language: str = "en") -> Intake | IntakeRedacted:
    if shows_intake_contact(view, service_confidential=is_confidential(service)):
        return Intake.model_construct(
            phone=service.intake_phone,
            email=service.intake_email,
            url=service.intake_url,
            hours=service.intake_hours,
            referral_required=service.referral_required,
        )
    redacted = IntakeRedacted.model_construct(
        hours=service.intake_hours, referral_required=service.referral_required
    )
    if language in _CONTACT_THROUGH_OPERATOR:
        redacted.message = _CONTACT_THROUGH_OPERATOR[language]
    return redacted


def public_view(service: Service, view: View, language: str = "en") -> ServicePublic:
    """A listing as one view may see it. Redacted parts are other types, not blanked fields;
    their message is in `language`."""
    listing = listing_of(service)
    fields: dict[str, Any] = {
        name: getattr(listing, name)
        for name in ServiceCreate.model_fields
        if name not in {"locations", "intake"}
    }
    return ServicePublic(
        id=service.id,
        version=service.version,
        organization=ListedOrganization(
            id=service.organization.id,
            name=service.organization.name,
            status=OrganizationStatus(service.organization.status),
        ),
        locations=[location_view(location, view) for location in service.locations],
        intake=intake_view(service, view, language),
        created_at=service.created_at,
        updated_at=service.updated_at,
        last_verified_at=service.last_verified_at,
        availability_updated_at=service.availability_updated_at,
        eligibility_stated=service.eligibility_stated,
        **fields,
    )


def flatten(listing: ServiceCreate) -> dict[str, Any]:
    """A listing as dotted fields (`eligibility.min_age`) with JSON values, for history."""
    flat: dict[str, Any] = {}
    for name, value in listing.model_dump(mode="json").items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                flat[f"{name}.{sub}"] = sub_value
        else:
            flat[name] = value
    return flat


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields that changed, from what to what. A creation (`before` empty) or a deletion
    (`after` empty) does not list the fields it leaves empty: "description: \u2014 \u2192 \u2014"
    said nothing."""
    return [
        {"field": field, "old": before.get(field), "new": after.get(field)}
        for field in sorted(before.keys() | after.keys())
        if before.get(field) != after.get(field)
        and not (field not in before and _empty(after[field]))
        and not (field not in after and _empty(before[field]))
    ]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class _Entry(Protocol):
    @property
    def id(self) -> int | None: ...


Entry = TypeVar("Entry", bound=_Entry)


def history_page(entries: list[Entry], limit: int) -> tuple[list[Entry], int | None]:
    """A page of a history read `limit + 1` entries deep: the entries shown, and the
    `next_after` of the page (the last shown's id, None when no more follow)."""
    shown = entries[:limit]
    return shown, (shown[-1].id if len(entries) > limit else None)
