"""Candidate services for matching: found through indexes and filtered in SQL, never by
scanning the registry in Python. Exact distance and ranking happen in `matching/`."""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from service.models import NATIONWIDE_AREA, AreaCover, Location, Organization, ReachCell, Service
from service.repository.rows import attach_owner_and_locations, detached_from

KM_PER_DEGREE_LATITUDE = 111.0


@dataclass(frozen=True, slots=True)
class CandidateFilter:
    """Hard filters, as bits of the stored masks. None: the person did not say."""

    categories_mask: int
    gender_bit: int | None = None
    age: int | None = None
    status_bit: int | None = None
    trafficking_bits: int | None = None
    with_dependents: bool = False
    no_identification: bool = False
    no_police_report: bool = False


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which filters a profile sets: one statement is built per shape and reused with new
    parameters, since building SQLAlchemy statements costs more than running them."""

    gender: bool
    age: bool
    status: bool
    trafficking: bool
    with_dependents: bool
    no_identification: bool
    no_police_report: bool

    @classmethod
    def of(cls, filters: CandidateFilter) -> "_Shape":
        return cls(
            gender=filters.gender_bit is not None,
            age=filters.age is not None,
            status=filters.status_bit is not None,
            trafficking=filters.trafficking_bits is not None,
            with_dependents=filters.with_dependents,
            no_identification=filters.no_identification,
            no_police_report=filters.no_police_report,
        )


def _parameters(filters: CandidateFilter) -> dict[str, Any]:
    return {
        "categories": filters.categories_mask,
        "gender": filters.gender_bit,
        "age": filters.age,
        "status": filters.status_bit,
        "trafficking": filters.trafficking_bits,
    }


def _bits_allow(column: Any, name: str) -> Any:
    """An empty mask serves everyone; otherwise one of the bits must be set."""
    return sa.or_(column == 0, column.op("&")(sa.bindparam(name, type_=sa.Integer)) != 0)


def _conditions(shape: _Shape) -> list[Any]:
    conditions: list[Any] = [
        col(Organization.status) == "approved",
        col(Service.accepting_referrals).is_(True),
        col(Service.categories_mask).op("&")(sa.bindparam("categories", type_=sa.Integer)) != 0,
    ]
    if shape.gender:
        conditions.append(_bits_allow(col(Service.genders_mask), "gender"))
    if shape.status:
        conditions.append(_bits_allow(col(Service.statuses_mask), "status"))
    if shape.trafficking:
        conditions.append(_bits_allow(col(Service.trafficking_types_mask), "trafficking"))
    if shape.age:
        age = sa.bindparam("age", type_=sa.Integer)
        conditions.append(sa.or_(col(Service.min_age).is_(None), col(Service.min_age) <= age))
        conditions.append(sa.or_(col(Service.max_age).is_(None), col(Service.max_age) >= age))
    if shape.with_dependents:
        conditions.append(col(Service.accepts_dependents).is_not(False))
    if shape.no_identification:
        conditions.append(col(Service.id_required).is_(False))
    if shape.no_police_report:
        conditions.append(col(Service.police_report_required).is_(False))
    return conditions


def _squared_degrees() -> Any:
    """Squared flat-earth distance of the nearest location, in latitude degrees: good enough
    to choose candidates; exact distances are computed in `matching/`. Parameters: the point
    (`latitude`, `longitude`) and the squared cosine of its latitude (`shrink2`)."""
    latitude = sa.bindparam("latitude", type_=sa.Float)
    longitude = sa.bindparam("longitude", type_=sa.Float)
    return sa.func.min(
        (col(Location.latitude) - latitude) * (col(Location.latitude) - latitude)
        + (col(Location.longitude) - longitude)
        * (col(Location.longitude) - longitude)
        * sa.bindparam("shrink2", type_=sa.Float)
    )


def _point(latitude: float, longitude: float) -> dict[str, float]:
    return {
        "latitude": latitude,
        "longitude": longitude,
        "shrink2": math.cos(math.radians(latitude)) ** 2,
    }


@lru_cache(maxsize=256)
def _box_statement(shape: _Shape) -> Any:
    return (
        sa.select(col(Location.service_id), _squared_degrees())
        .join(Service, col(Service.id) == col(Location.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(Location.latitude).between(
                sa.bindparam("min_lat", type_=sa.Float), sa.bindparam("max_lat", type_=sa.Float)
            ),
            col(Location.longitude).between(
                sa.bindparam("min_lon", type_=sa.Float), sa.bindparam("max_lon", type_=sa.Float)
            ),
            # Checked in the covering index, before the service row is read.
            col(Location.categories_mask).op("&")(sa.bindparam("categories", type_=sa.Integer))
            != 0,
            *_conditions(shape),
        )
        .group_by(col(Location.service_id))
        .order_by(_squared_degrees())
        .limit(sa.bindparam("cap", type_=sa.Integer))
    )


def ids_with_location_in_box(
    session: Session,
    box: tuple[float, float, float, float],
    filters: CandidateFilter,
    *,
    latitude: float,
    longitude: float,
    cap: int,
) -> list[tuple[uuid.UUID, float]]:
    """The `cap` nearest services with a location inside the box (through the covering
    location box index), nearest first, each with its approximate distance in km."""
    min_lat, max_lat, min_lon, max_lon = box
    rows = session.execute(
        _box_statement(_Shape.of(filters)),
        {
            **_parameters(filters),
            **_point(latitude, longitude),
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "cap": cap,
        },
    )
    return [(service_id, math.sqrt(value) * KM_PER_DEGREE_LATITUDE) for service_id, value in rows]


@lru_cache(maxsize=256)
def _reach_statement(shape: _Shape) -> Any:
    latitude = sa.bindparam("latitude", type_=sa.Float)
    longitude = sa.bindparam("longitude", type_=sa.Float)
    reach_degrees = col(Service.service_radius_km) / KM_PER_DEGREE_LATITUDE
    return (
        sa.select(col(Location.service_id))
        .select_from(ReachCell)
        .join(Location, col(Location.id) == col(ReachCell.location_id))
        .join(Service, col(Service.id) == col(Location.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(ReachCell.cell) == sa.bindparam("cell", type_=sa.Integer),
            # `+ 0` keeps the planner on the reach cell rather than this column.
            col(Service.service_radius_km) + 0 > sa.bindparam("beyond_km", type_=sa.Float),
            sa.func.abs(col(Location.latitude) - latitude) <= reach_degrees * 1.01,
            sa.func.abs(col(Location.longitude) - longitude)
            * sa.bindparam("reach_shrink", type_=sa.Float)
            <= reach_degrees * 1.01,
            *_conditions(shape),
        )
        .group_by(col(Location.service_id))
        .order_by(_squared_degrees())
        .limit(sa.bindparam("cap", type_=sa.Integer))
    )


def ids_reaching_by_radius(
    session: Session,
    *,
    latitude: float,
    longitude: float,
    cell: int,
    beyond_km: float,
    filters: CandidateFilter,
    cap: int,
) -> set[uuid.UUID]:
    """The `cap` nearest services whose service-area radius may cover the point, found through
    the reach cell of the point (an index), then by a box around each location; the exact
    distance decides in `matching/`. Radii up to `beyond_km` reach only people nearer than the
    search radius, whom the location box finds."""
    rows = session.execute(
        _reach_statement(_Shape.of(filters)),
        {
            **_parameters(filters),
            **_point(latitude, longitude),
            "cell": cell,
            "beyond_km": beyond_km,
            # The cosine at the poleward edge of the largest reach (5 degrees), so the box is
            # never too narrow for locations north of the person.
            "reach_shrink": math.cos(math.radians(min(89.0, abs(latitude) + 5.0))),
            "cap": cap,
        },
    )
    return set(rows.scalars())


@lru_cache(maxsize=256)
def _covering_statement(shape: _Shape) -> Any:
    return (
        sa.select(col(Service.id))
        .select_from(AreaCover)
        .join(Service, col(Service.id) == col(AreaCover.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(AreaCover.area).in_(sa.bindparam("areas", expanding=True)),
            col(AreaCover.category_bit).in_(sa.bindparam("bits", expanding=True)),
            *_conditions(shape),
        )
        .group_by(col(Service.id))
        .order_by(col(Service.id))
        .limit(sa.bindparam("cap", type_=sa.Integer))
    )


def ids_covering_province(
    session: Session, *, province: str, filters: CandidateFilter, cap: int
) -> set[uuid.UUID]:
    """Province-wide and nationwide services covering `province` in the asked categories,
    through the area cover index, in id order."""
    bits = [
        bit
        for bit in range(filters.categories_mask.bit_length())
        if filters.categories_mask >> bit & 1
    ]
    if not bits:
        return set()
    rows = session.execute(
        _covering_statement(_Shape.of(filters)),
        {
            **_parameters(filters),
            "areas": [province, NATIONWIDE_AREA],
            "bits": bits,
            "cap": cap,
        },
    )
    return set(rows.scalars())


# What ranking reads of a candidate: no names, descriptions or contacts.
_CANDIDATE_COLUMNS = (
    "id",
    "categories_mask",
    "genders_mask",
    "min_age",
    "max_age",
    "statuses_mask",
    "trafficking_types_mask",
    "accepts_dependents",
    "trafficking_focus_mask",
    "languages",
    "delivery_mask",
    "service_radius_km",
    "provinces_mask",
    "nationwide",
    "intake_hours",
    "referral_required",
    "fees",
    "beds_total",
    "beds_available",
    "accepting_referrals",
    "id_required",
    "police_report_required",
    "last_verified_at",
    "availability_updated_at",
    "eligibility_stated",
)
_SITE_COLUMNS = ("latitude", "longitude", "confidential", "wheelchair_accessible")


def candidate_rows(session: Session, ids: Iterable[uuid.UUID]) -> list[sa.Row[Any]]:
    """What ranking reads of candidates: one row per location (the service's columns repeated;
    location columns null for a service without any), by service and location position,
    without building ORM objects: hundreds of candidates are read per request."""
    wanted = list(ids)
    if not wanted:
        return []
    services = Service.__table__.c
    locations = Location.__table__.c
    statement = (
        sa.select(
            *(services[name] for name in _CANDIDATE_COLUMNS),
            *(locations[name] for name in _SITE_COLUMNS),
        )
        .select_from(Service)
        .outerjoin(Location, col(Location.service_id) == col(Service.id))
        .where(col(Service.id).in_(wanted))
        .order_by(col(Service.id), col(Location.position))
    )
    return list(session.execute(statement))


def load_services(session: Session, ids: Iterable[uuid.UUID]) -> list[Service]:
    """The matched listings with their organization and locations, for the answer: one joined
    statement and detached copies (in no session), without the ORM's loading, which cost more
    than the statement."""
    wanted = list(ids)
    if not wanted:
        return []
    services = Service.__table__
    organizations = Organization.__table__
    locations = Location.__table__
    statement = (
        sa.select(services, organizations, locations)
        .join(organizations, organizations.c.id == services.c.organization_id)
        .outerjoin(locations, locations.c.service_id == services.c.id)
        .where(services.c.id.in_(wanted))
        .order_by(services.c.id, locations.c.position)
    )
    width = len(services.c)
    found: list[Service] = []
    for _, group in groupby(session.execute(statement), key=lambda row: row[0]):
        rows = list(group)
        service = detached_from(Service, services.c, rows[0][:width])
        found.append(attach_owner_and_locations(service, rows, start=width))
    return found
