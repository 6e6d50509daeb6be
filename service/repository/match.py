"""Candidate services for matching: found through indexes and filtered in SQL, never by
scanning the registry in Python. Exact distance and ranking happen in `matching/`."""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from service.models import Location, Organization, ReachCell, Service

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


def _bits_allow(column: Any, bits: int | None) -> Any:
    """An empty mask serves everyone; otherwise one of `bits` must be set."""
    if bits is None:
        return sa.true()
    return sa.or_(column == 0, column.op("&")(bits) != 0)


def _conditions(filters: CandidateFilter) -> list[Any]:
    conditions: list[Any] = [
        # `|| ""` keeps the planner from driving the query from this unselective index
        # instead of the location box.
        col(Organization.status).concat("") == "approved",
        col(Service.accepting_referrals).is_(True),
        col(Service.categories_mask).op("&")(filters.categories_mask) != 0,
        _bits_allow(col(Service.genders_mask), filters.gender_bit),
        _bits_allow(col(Service.statuses_mask), filters.status_bit),
        _bits_allow(col(Service.trafficking_types_mask), filters.trafficking_bits),
    ]
    if filters.age is not None:
        conditions.append(
            sa.or_(col(Service.min_age).is_(None), col(Service.min_age) <= filters.age)
        )
        conditions.append(
            sa.or_(col(Service.max_age).is_(None), col(Service.max_age) >= filters.age)
        )
    if filters.with_dependents:
        conditions.append(col(Service.accepts_dependents).is_not(False))
    if filters.no_identification:
        conditions.append(col(Service.id_required).is_(False))
    if filters.no_police_report:
        conditions.append(col(Service.police_report_required).is_(False))
    return conditions


def _service_ids(session: Session, statement: Any) -> set[uuid.UUID]:
    return set(session.execute(statement).scalars())


def _squared_degrees(latitude: float, longitude: float) -> Any:
    """Squared flat-earth distance of the nearest location, in latitude degrees: good enough
    to choose candidates; exact distances are computed in `matching/`."""
    shrink = math.cos(math.radians(latitude))
    return sa.func.min(
        (col(Location.latitude) - latitude) * (col(Location.latitude) - latitude)
        + (col(Location.longitude) - longitude)
        * (col(Location.longitude) - longitude)
        * (shrink * shrink)
    )


def _nearest_first(statement: Any, latitude: float, longitude: float, cap: int) -> Any:
    """Keep the `cap` services nearest to the point."""
    squared = _squared_degrees(latitude, longitude)
    return statement.group_by(col(Location.service_id)).order_by(squared).limit(cap)


def ids_with_location_in_box(
    session: Session,
    box: tuple[float, float, float, float],
    filters: CandidateFilter,
    *,
    latitude: float,
    longitude: float,
    cap: int,
) -> list[tuple[uuid.UUID, float]]:
    """The `cap` nearest services with a location inside the box (through the
    latitude/longitude index), nearest first, each with its approximate distance in km."""
    min_lat, max_lat, min_lon, max_lon = box
    squared = _squared_degrees(latitude, longitude)
    statement = (
        sa.select(col(Location.service_id), squared)
        .join(Service, col(Service.id) == col(Location.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(Location.latitude).between(min_lat, max_lat),
            col(Location.longitude).between(min_lon, max_lon),
            *_conditions(filters),
        )
        .group_by(col(Location.service_id))
        .order_by(squared)
        .limit(cap)
    )
    return [
        (service_id, math.sqrt(value) * KM_PER_DEGREE_LATITUDE)
        for service_id, value in session.execute(statement)
    ]


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
    # The cosine at the poleward edge of the largest reach (5 degrees), so the box is never too
    # narrow for locations north of the person.
    shrink = math.cos(math.radians(min(89.0, abs(latitude) + 5.0)))
    reach_degrees = col(Service.service_radius_km) / KM_PER_DEGREE_LATITUDE
    statement = (
        sa.select(col(Location.service_id))
        .select_from(ReachCell)
        .join(Location, col(Location.id) == col(ReachCell.location_id))
        .join(Service, col(Service.id) == col(Location.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(ReachCell.cell) == cell,
            # `+ 0` keeps the planner on the reach cell rather than this index.
            col(Service.service_radius_km) + 0 > beyond_km,
            sa.func.abs(col(Location.latitude) - latitude) <= reach_degrees * 1.01,
            sa.func.abs(col(Location.longitude) - longitude) * shrink <= reach_degrees * 1.01,
            *_conditions(filters),
        )
    )
    return _service_ids(session, _nearest_first(statement, latitude, longitude, cap))


def ids_covering_province(
    session: Session, *, province_bit: int, filters: CandidateFilter, cap: int
) -> set[uuid.UUID]:
    """Province-wide and nationwide services (through the `wide_area` index)."""
    statement = (
        sa.select(col(Service.id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            col(Service.wide_area).is_(True),
            sa.or_(
                col(Service.nationwide).is_(True),
                col(Service.provinces_mask).op("&")(province_bit) != 0,
            ),
            *_conditions(filters),
        )
        .order_by(col(Service.id))
        .limit(cap)
    )
    return _service_ids(session, statement)


def candidate_rows(
    session: Session, ids: Iterable[uuid.UUID]
) -> tuple[list[sa.Row[Any]], list[sa.Row[Any]]]:
    """The service and location rows of candidates, without building ORM objects: ranking
    needs only plain values, and hundreds of candidates are read per request."""
    wanted = list(ids)
    if not wanted:
        return [], []
    services = list(
        session.execute(sa.select(Service.__table__).where(col(Service.id).in_(wanted)))
    )
    locations = list(
        session.execute(
            sa.select(Location.__table__)
            .where(col(Location.service_id).in_(wanted))
            .order_by(col(Location.service_id), col(Location.position))
        )
    )
    return services, locations


def load_services(session: Session, ids: Iterable[uuid.UUID]) -> list[Service]:
    wanted = list(ids)
    if not wanted:
        return []
    statement = (
        select(Service)
        .where(col(Service.id).in_(wanted))
        .options(selectinload(Service.locations), selectinload(Service.organization))
    )
    return list(session.exec(statement))
