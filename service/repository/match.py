"""Candidate services for matching: found through indexes and filtered in SQL, never by
scanning the registry in Python. Exact distance and ranking happen in `matching/`."""

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from service.models import (
    NATIONWIDE_AREA,
    AreaCover,
    Location,
    Organization,
    ReachCell,
    Service,
    UTCDateTime,
)
from service.policy.visibility import CONFIDENTIAL_CELL_DEGREES
from service.repository.rows import (
    RawRows,
    Remembered,
    attach_owner_and_locations,
    converter,
    detached_from,
    hashable,
    read_raw,
)
from service.repository.sql import AnyOf

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
    # For urgent housing, only those of a tier (`scoring.urgent_tier`) or above: "tonight"
    # (`scoring.bed_tonight`) or "bed" (`scoring.has_bed_or_24_7`), by a count of free beds
    # updated since `beds_current_since`, or an intake at any hour.
    tier: str | None = None
    beds_current_since: datetime | None = None
    shelter_bit: int = 0  # the category whose current free bed is a bed tonight


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
    tier: str | None = None

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
            tier=filters.tier,
        )


def _parameters(filters: CandidateFilter) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "categories": filters.categories_mask,
        "gender": filters.gender_bit,
        "age": filters.age,
        "status": filters.status_bit,
        "trafficking": filters.trafficking_bits,
    }
    if filters.tier is not None:
        parameters["tier_since"] = filters.beds_current_since
        parameters["tier_shelter_bit"] = filters.shelter_bit
    return parameters


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
    if shape.tier == "tonight":
        conditions.append(_takes_tonight("tier_since", "tier_shelter_bit"))
    elif shape.tier == "bed":
        conditions.append(sa.or_(_current_bed("tier_since"), _intake_24_7()))
    elif shape.tier is not None:
        raise ValueError(f"no such tier: {shape.tier}")
    return conditions


def _current_bed(since: str) -> Any:
    """A free bed by a count updated since the parameter `since` (`scoring.current_count`)."""
    return sa.and_(
        col(Service.beds_available) > 0,
        col(Service.availability_updated_at) >= sa.bindparam(since, type_=UTCDateTime),
    )


def _takes_tonight(since: str, shelter_bit: str) -> Any:
    """`scoring.urgent_tier(...) == "tonight"` in SQL: an intake at any hour that its last
    count does not say full (no count is not full), or an emergency shelter with a free bed
    by a count updated since the parameter `since`."""
    beds = col(Service.beds_available)
    shelter = col(Service.categories_mask).op("&")(sa.bindparam(shelter_bit, type_=sa.Integer)) != 0
    return sa.or_(
        sa.and_(_intake_24_7(), sa.or_(beds.is_(None), beds != 0)),
        sa.and_(_current_bed(since), shelter),
    )


def _squared_degrees_of(latitude_column: Any, longitude_column: Any) -> Any:
    """Squared flat-earth distance of a location, in latitude degrees: good enough to choose
    candidates; exact distances are computed in `matching/`. Parameters: the point
    (`latitude`, `longitude`) and the squared cosine of its latitude (`shrink2`)."""
    latitude = sa.bindparam("latitude", type_=sa.Float)
    longitude = sa.bindparam("longitude", type_=sa.Float)
    return (latitude_column - latitude) * (latitude_column - latitude) + (
        longitude_column - longitude
    ) * (longitude_column - longitude) * sa.bindparam("shrink2", type_=sa.Float)


class _floor(FunctionElement[float]):
    """`floor(x)`: SQLite has it only when built with its math functions."""

    type = sa.Float()
    inherit_cache = True


@compiles(_floor)
def _floor_sql(element: _floor, compiler: Any, **kw: Any) -> str:
    return f"floor({compiler.process(element.clauses, **kw)})"


@compiles(_floor, "sqlite")
def _floor_sqlite(element: _floor, compiler: Any, **kw: Any) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"(CAST({x} AS INTEGER) - ({x} < CAST({x} AS INTEGER)))"


def _matched(column: Any) -> Any:
    """A location's latitude or longitude as matching takes it (`policy.matched_point`): of
    the centre of its cell when it is confidential. Every choice made in SQL uses these, so
    that which services a search finds tells nothing more of a confidential place than the
    memory search, which holds only the centres, does: a box on the stored coordinates
    answered whether a shelter lay inside, and the asked radius found its coordinates to
    10 m in 60 requests."""
    step = sa.literal_column(repr(CONFIDENTIAL_CELL_DEGREES), sa.Float)
    centre = (_floor(column / step) + sa.literal_column("0.5", sa.Float)) * step
    return sa.case((col(Location.confidential), centre), else_=column)


_MATCHED_LATITUDE = _matched(col(Location.latitude))
_MATCHED_LONGITUDE = _matched(col(Location.longitude))


def _squared_degrees() -> Any:
    """The squared distance of a service's nearest location (grouped by service)."""
    return sa.func.min(_squared_degrees_of(_MATCHED_LATITUDE, _MATCHED_LONGITUDE))


def _point(latitude: float, longitude: float) -> dict[str, float]:
    return {
        "latitude": latitude,
        "longitude": longitude,
        "shrink2": math.cos(math.radians(latitude)) ** 2,
    }


# More rows than any box holds: a bound that keeps SQLite from merging the ordered box into
# the join (it does not flatten a subquery with a LIMIT), so the join reads it in order.
_ANY_NUMBER_OF_ROWS = 1 << 40


@lru_cache(maxsize=256)
def _box_statement(shape: _Shape, ordered: bool) -> Any:
    """The locations of the asked categories inside the box, nearest first, from the covering
    index alone; then their services, checked against the filters in that order until `rows`
    pass. Only the services of the nearest locations are read, not those of the whole box
    (in a city, ten times fewer). `ordered` repeats the order on the outer statement: the
    planner of PostgreSQL keeps the inner order through its nested loop and stops early,
    while SQLite would sort every joined row again, so on SQLite the order of the scan is
    used and checked by the caller."""
    distance = _squared_degrees_of(_MATCHED_LATITUDE, _MATCHED_LONGITUDE)
    min_lat, max_lat = _float("min_lat"), _float("max_lat")
    min_lon, max_lon = _float("min_lon"), _float("max_lon")
    # The box on the stored coordinates, widened by half a confidential cell, is a range of
    # the index; the box on the matched ones decides.
    half = CONFIDENTIAL_CELL_DEGREES / 2
    near = (
        sa.select(col(Location.service_id).label("service_id"), distance.label("squared"))
        .where(
            col(Location.latitude).between(min_lat - half, max_lat + half),
            col(Location.longitude).between(min_lon - half, max_lon + half),
            _MATCHED_LATITUDE.between(min_lat, max_lat),
            _MATCHED_LONGITUDE.between(min_lon, max_lon),
            col(Location.categories_mask).op("&")(sa.bindparam("categories", type_=sa.Integer))
            != 0,
        )
        .order_by(distance)
        .limit(_ANY_NUMBER_OF_ROWS)
        .subquery("near")
    )
    statement = (
        sa.select(near.c.service_id, near.c.squared)
        .join(Service, col(Service.id) == near.c.service_id)
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(*_conditions(shape))
        .limit(sa.bindparam("rows", type_=sa.Integer))
    )
    return statement.order_by(near.c.squared) if ordered else statement


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
    location box index), nearest first, each with its approximate distance in km; fewer when
    the box holds fewer."""
    min_lat, max_lat, min_lon, max_lon = box
    parameters = {
        **_parameters(filters),
        **_point(latitude, longitude),
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lon": min_lon,
        "max_lon": max_lon,
        # A service with several locations in the box takes several rows.
        "rows": cap + cap // 4,
    }
    shape = _Shape.of(filters)
    ordered = session.get_bind().dialect.name != "sqlite"
    while True:
        rows = session.execute(_box_statement(shape, ordered), parameters).all()
        if not ordered and any(a[1] > b[1] for a, b in pairwise(rows)):
            # Not in the inner order after all: let the database sort (correct, slower).
            ordered = True
            continue
        nearest: dict[uuid.UUID, float] = {}
        for service_id, squared in rows:
            if service_id not in nearest:
                nearest[service_id] = math.sqrt(squared) * KM_PER_DEGREE_LATITUDE
                if len(nearest) == cap:
                    return list(nearest.items())
        if len(rows) < parameters["rows"]:
            return list(nearest.items())
        parameters["rows"] *= 2  # the nearest locations belong to fewer services: read on


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
            sa.func.abs(_MATCHED_LATITUDE - latitude) <= reach_degrees * 1.01,
            sa.func.abs(_MATCHED_LONGITUDE - longitude)
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


@dataclass(frozen=True, slots=True)
class CoverPreference:
    """What makes one of many services covering the whole province likely to rank above
    another, for the person: the score's factors that do not depend on distance, estimated in
    SQL (`matching/scoring.py` has the exact ones). The weights are the score's."""

    languages: tuple[str, ...]  # asked; none: every service speaks well enough
    # How many of `languages`, first, meet the person's first language (0: all alike), and
    # the factor of a service that speaks only another (`scoring.OTHER_LANGUAGE_FACTOR`).
    preferred: int
    other_language_factor: float
    trafficking_bits: int | None  # the person's forms of trafficking; None: not said
    housing: bool
    urgent: bool
    verified_fresh_since: datetime
    verified_oldest_before: datetime
    beds_current_since: datetime  # a count of free beds older than this is no bed tonight
    emergency_shelter_bit: int  # the category whose free bed is a bed tonight
    language_weight: float
    specialisation_weight: float
    availability_weight: float
    freshness_weight: float
    unstated_eligibility_factor: float


def _float(name: str) -> Any:
    return sa.bindparam(name, type_=sa.Float)


def _cover_estimate(languages: int, preferred: int, specialised: bool, housing: bool) -> Any:
    """A cover's likely score without distance, from bound parameters (`_cover_parameters`)."""
    spoken = sa.cast(col(Service.languages), sa.Text)

    def speaks(indexes: range) -> Any:
        return sa.or_(
            *(spoken.like(sa.bindparam(f"language_{index}"), escape="\\") for index in indexes)
        )

    language: Any = sa.literal(1.0, sa.Float)
    if languages and 0 < preferred < languages:
        language = sa.case(
            (speaks(range(preferred)), 1.0),
            (speaks(range(preferred, languages)), _float("other_language")),
            (spoken == "[]", 0.5),
            else_=0.0,
        )
    elif languages:
        language = sa.case((speaks(range(languages)), 1.0), (spoken == "[]", 0.5), else_=0.0)
    focus = col(Service.trafficking_focus_mask)
    specialisation: Any = sa.literal(0.5, sa.Float)
    if specialised:
        specialisation = sa.case(
            (focus == 0, 0.5),
            (focus.op("&")(sa.bindparam("focus", type_=sa.Integer)) != 0, 1.0),
            else_=0.25,
        )
    verified = col(Service.last_verified_at)
    freshness = sa.case(
        (verified.is_(None), 0.2),
        (verified >= sa.bindparam("fresh_since", type_=UTCDateTime), 1.0),
        (verified <= sa.bindparam("oldest_before", type_=UTCDateTime), 0.2),
        else_=0.6,
    )
    estimate = (
        _float("w_language") * language
        + _float("w_specialisation") * specialisation
        + _float("w_freshness") * freshness
    )
    if housing:
        beds = col(Service.beds_available)
        estimate = estimate + _float("w_availability") * sa.case(
            (beds.is_(None), 0.5),
            (beds > 0, 1.0),
            (_intake_24_7(), 0.3),
            else_=0.1,
        )
    return estimate * sa.case((col(Service.eligibility_stated), 1.0), else_=_float("unstated"))


def _intake_24_7() -> Any:
    """`scoring.around_the_clock` of the intake hours, as stored with the listing."""
    return col(Service.intake_24_7).is_(True)


@lru_cache(maxsize=256)
def _covering_statement(
    shape: _Shape, languages: int, preferred: int, specialised: bool, housing: bool, urgent: bool
) -> Any:
    order: list[Any] = []
    if housing and urgent:
        # Urgent housing ranks a shelter that takes people tonight first, then a free bed by a
        # current count, then the rest (`scoring.urgent_tier`).
        # (A 24/7 intake without a count takes people tonight: `NOT (beds = 0)` had been
        # NULL for it, and put it among the second.)
        order.append(
            sa.case(
                (_takes_tonight("beds_current_since", "shelter_bit"), 0),
                (sa.or_(_current_bed("beds_current_since"), _intake_24_7()), 1),
                else_=2,
            )
        )
    order += [
        sa.desc(_cover_estimate(languages, preferred, specialised, housing)),
        col(Service.id),
    ]
    return (
        sa.select(col(Service.id))
        .select_from(AreaCover)
        .join(Service, col(Service.id) == col(AreaCover.service_id))
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .where(
            AnyOf(col(AreaCover.area), "areas"),
            AnyOf(col(AreaCover.category_bit), "bits"),
            *_conditions(shape),
        )
        .group_by(col(Service.id))
        .order_by(*order)
        .limit(sa.bindparam("cap", type_=sa.Integer))
    )


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _cover_parameters(preference: CoverPreference) -> dict[str, Any]:
    return {
        **{
            f"language_{index}": f"%{_like_escaped(json.dumps(code))}%"
            for index, code in enumerate(preference.languages)
        },
        "focus": preference.trafficking_bits,
        "fresh_since": preference.verified_fresh_since,
        "oldest_before": preference.verified_oldest_before,
        "beds_current_since": preference.beds_current_since,
        "shelter_bit": preference.emergency_shelter_bit,
        "w_language": preference.language_weight,
        "w_specialisation": preference.specialisation_weight,
        "w_availability": preference.availability_weight,
        "w_freshness": preference.freshness_weight,
        "unstated": preference.unstated_eligibility_factor,
        "other_language": preference.other_language_factor,
    }


def ids_covering_province(
    session: Session,
    *,
    province: str,
    filters: CandidateFilter,
    preference: CoverPreference,
    cap: int,
) -> set[uuid.UUID]:
    """Province-wide and nationwide services covering `province` in the asked categories,
    through the area cover index: when more than `cap` do, those likeliest to rank first for
    the person (`CoverPreference`), not an arbitrary few."""
    bits = [
        bit
        for bit in range(filters.categories_mask.bit_length())
        if filters.categories_mask >> bit & 1
    ]
    if not bits:
        return set()
    statement = _covering_statement(
        _Shape.of(filters),
        len(preference.languages),
        preference.preferred,
        preference.trafficking_bits is not None,
        preference.housing,
        preference.urgent,
    )
    rows = session.execute(
        statement,
        {
            **_parameters(filters),
            **_cover_parameters(preference),
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
    "intake_24_7",
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


CANDIDATE_FIELDS = (*_CANDIDATE_COLUMNS, *_SITE_COLUMNS)
CANDIDATE_COLUMNS: tuple[sa.Column[Any], ...] = (
    *(Service.__table__.c[name] for name in _CANDIDATE_COLUMNS),
    *(Location.__table__.c[name] for name in _SITE_COLUMNS),
)


@lru_cache(maxsize=1)
def _raw_candidate_statement() -> Any:
    return (
        sa.select(*(hashable(column) for column in CANDIDATE_COLUMNS))
        .select_from(Service)
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .outerjoin(Location, col(Location.service_id) == col(Service.id))
        .where(AnyOf(col(Service.id), "ids"), col(Organization.status) == "approved")
        .order_by(col(Service.id), col(Location.position))
    )


def raw_candidate_rows(session: Session, ids: Iterable[uuid.UUID]) -> RawRows:
    """What ranking reads of these services, for those of approved organizations only (the
    others are not matchable): one row per location (the service's columns repeated; location
    columns null for a service without any), by service and location position, of
    CANDIDATE_COLUMNS, unconverted (`rows.read_raw`). For the database search and the match
    index alike."""
    wanted = list(ids)
    if not wanted:
        return RawRows([], ())
    return read_raw(session, _raw_candidate_statement(), {"ids": wanted})


_SERVICES = Service.__table__
_ANSWER_COLUMNS: tuple[sa.Column[Any], ...] = (
    *_SERVICES.c,
    *Organization.__table__.c,
    *Location.__table__.c,
)


@lru_cache(maxsize=1)
def _services_statement() -> Any:
    organizations = Organization.__table__
    locations = Location.__table__
    return (
        sa.select(*(hashable(column) for column in _ANSWER_COLUMNS))
        .select_from(_SERVICES)
        .join(organizations, organizations.c.id == _SERVICES.c.organization_id)
        .outerjoin(locations, locations.c.service_id == _SERVICES.c.id)
        .where(AnyOf(_SERVICES.c.id, "ids"))
        .order_by(_SERVICES.c.id, locations.c.position)
    )


# The answer's listings, as detached models, by the rows they were built from.
_LOADED: Remembered[Service] = Remembered(2_000)


def load_services(session: Session, ids: Iterable[uuid.UUID]) -> list[Service]:
    """The matched listings with their organization and locations, for the answer: one joined
    statement, and detached copies (in no session) built without the ORM's loading, which cost
    more than the statement, and remembered by their rows (`rows.Remembered`): read them,
    never change them."""
    wanted = list(ids)
    if not wanted:
        return []
    raw = read_raw(session, _services_statement(), {"ids": wanted})
    width = len(_SERVICES.c)
    convert = None
    found: list[Service] = []
    for _, group in groupby(raw.rows, key=itemgetter(0)):
        rows = tuple(group)
        service = _LOADED.get(rows)
        if service is None:
            convert = convert or converter(session, _ANSWER_COLUMNS, raw.type_codes)
            typed = [convert(row) for row in rows]
            service = attach_owner_and_locations(
                detached_from(Service, _SERVICES.c, typed[0][:width]), typed, start=width
            )
            _LOADED.put(rows, service)
        found.append(service)
    return found
