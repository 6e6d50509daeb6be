"""The candidate search against brute force, on a generated registry: the benchmarks' own, so
that its derived index rows are checked too. On the backend under test."""

import math
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, col

from bench.registry import load_registry
from schemas.enums import Category, ServedGender
from service.db import create_db_engine, migrate
from service.main import create_app
from service.matching import scoring
from service.matching.geo import bounding_box, reach_cells
from service.matching.types import Candidate, Freshness, Point
from service.models import Service, utcnow
from service.policy.visibility import matched_point
from service.repository import match as repo
from service.repository.rows import converter
from service.repository.sql import AnyOf
from service.usecases.candidates import built
from service.usecases.listings import CATEGORIES, GENDERS, area_covers_of, to_mask
from tests.conftest import new_database_url
from tests.factories import ADMIN_KEY, Api, app_settings, bearer

SIZE = 1500
HOUSING = to_mask([c for c in Category if c.value.startswith("housing.")], CATEGORIES)
WOMAN = to_mask([ServedGender("woman")], GENDERS)
POINTS = {
    "downtown Toronto": Point(43.6447, -79.3957),
    "Montreal": Point(45.5019, -73.5674),
    "Kitchener": Point(43.4516, -80.4925),
    "Thunder Bay": Point(48.3809, -89.2477),
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    for url in new_database_url(Path(tmp_path_factory.mktemp("candidates"))):
        engine = create_db_engine(url)
        migrate(engine)
        load_registry(engine, SIZE)
        yield engine
        engine.dispose()


def _rows(engine: sa.Engine, table: str) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(SQLModel.metadata.tables[table])))


def test_the_generated_registry_files_every_location_under_its_categories_area_and_reach(
    registry: sa.Engine,
) -> None:
    services = {row.id: row for row in _rows(registry, "service")}
    locations = _rows(registry, "location")
    assert len(services) == SIZE
    assert all(row.categories_mask == services[row.service_id].categories_mask for row in locations)
    assert {
        (row.area, row.category_bit, row.service_id) for row in _rows(registry, "area_cover")
    } == {
        (area, bit, service.id)
        for service in services.values()
        for area, bit in area_covers_of(
            categories_mask=service.categories_mask,
            provinces_mask=service.provinces_mask,
            nationwide=service.nationwide,
        )
    }
    assert {(row.cell, row.location_id) for row in _rows(registry, "reach_cell")} == {
        (cell, row.id)
        for row in locations
        if services[row.service_id].service_radius_km
        for cell in reach_cells(
            Point(*matched_point(row.latitude, row.longitude, confidential=row.confidential)),
            services[row.service_id].service_radius_km,
        )
    }


def _nearest_by_brute_force(
    engine: sa.Engine, point: Point, box: tuple[float, float, float, float], *, cap: int
) -> list[tuple[uuid.UUID, float]]:
    """Every housing service for a woman of 24 with a location in the box, by the squared
    flat distance of its nearest such location: the search's contract, without its index.
    A confidential location is where matching takes it, at the centre of its cell."""
    services = {row.id: row for row in _rows(engine, "service")}
    approved = {row.id for row in _rows(engine, "organization") if row.status == "approved"}
    shrink2 = math.cos(math.radians(point.latitude)) ** 2
    min_lat, max_lat, min_lon, max_lon = box
    nearest: dict[uuid.UUID, float] = {}
    for location in _rows(engine, "location"):
        service = services[location.service_id]
        latitude, longitude = matched_point(
            location.latitude, location.longitude, confidential=location.confidential
        )
        if not (
            min_lat <= latitude <= max_lat
            and min_lon <= longitude <= max_lon
            and service.organization_id in approved
            and service.accepting_referrals
            and service.categories_mask & HOUSING
            and (service.genders_mask == 0 or service.genders_mask & WOMAN)
            and (service.min_age is None or service.min_age <= 24)
            and (service.max_age is None or service.max_age >= 24)
        ):
            continue
        squared = (latitude - point.latitude) ** 2 + (longitude - point.longitude) ** 2 * shrink2
        nearest[service.id] = min(squared, nearest.get(service.id, math.inf))
    ranked = sorted(nearest.items(), key=lambda item: item[1])[:cap]
    return [(service_id, math.sqrt(squared) * 111.0) for service_id, squared in ranked]


def _assert_nearest(
    found: list[tuple[uuid.UUID, float]], expected: list[tuple[uuid.UUID, float]]
) -> None:
    """`found` is `expected` up to the order of services at the same distance (two shelters
    in one confidential cell are both at its centre; which comes first is the database's
    choice): the same distances in order, and the same services at each distance but the
    last, where the cap may cut a tie either way."""
    assert [round(km, 6) for _, km in found] == [round(km, 6) for _, km in expected]
    last = round(expected[-1][1], 6) if expected else None

    def by_distance(pairs: list[tuple[uuid.UUID, float]]) -> dict[float, set[uuid.UUID]]:
        grouped: dict[float, set[uuid.UUID]] = {}
        for service_id, km in pairs:
            if round(km, 6) != last:
                grouped.setdefault(round(km, 6), set()).add(service_id)
        return grouped

    assert by_distance(found) == by_distance(expected)
    assert len({service_id for service_id, _ in found}) == len(found)


@pytest.mark.parametrize("ring_km", [3.0, 25.0, 200.0])
@pytest.mark.parametrize("place", sorted(POINTS))
def test_the_box_search_finds_exactly_the_nearest_eligible_services(
    registry: sa.Engine, place: str, ring_km: float
) -> None:
    point = POINTS[place]
    box = bounding_box(point, ring_km)
    filters = repo.CandidateFilter(categories_mask=HOUSING, gender_bit=WOMAN, age=24)
    with Session(registry) as session:
        found = repo.ids_with_location_in_box(
            session, box, filters, latitude=point.latitude, longitude=point.longitude, cap=20
        )
    expected = _nearest_by_brute_force(registry, point, box, cap=20)
    _assert_nearest(found, expected)


def test_on_sqlite_the_scan_order_is_the_sorted_order(registry: sa.Engine) -> None:
    """SQLite reads the ordered box in its order; the statement that lets the database sort
    (PostgreSQL's, and SQLite's fallback) gives the same rows."""
    if registry.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always lets the database sort")
    point = POINTS["downtown Toronto"]
    min_lat, max_lat, min_lon, max_lon = bounding_box(point, 50.0)
    filters = repo.CandidateFilter(categories_mask=HOUSING, gender_bit=WOMAN, age=24)
    shape = repo._Shape.of(filters)
    parameters = {
        **repo._parameters(filters),
        **repo._point(point.latitude, point.longitude),
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lon": min_lon,
        "max_lon": max_lon,
        "rows": 40,
    }
    with Session(registry) as session:
        by_scan = session.execute(repo._box_statement(shape, False), parameters).all()
        sorted_ = session.execute(repo._box_statement(shape, True), parameters).all()
    assert len(by_scan) == 40
    assert by_scan == sorted_


def test_a_scan_out_of_order_falls_back_to_the_database_sort(
    registry: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a database to return the box out of order, the search notices and lets the
    database sort, rather than keep services that are not the nearest."""
    statement = repo._box_statement
    shuffled = []

    def out_of_order(shape: repo._Shape, ordered: bool) -> object:
        if ordered:
            return statement(shape, True)
        shuffled.append(shape)
        inner = statement(shape, True)
        return inner.order_by(None).order_by(sa.desc(inner.selected_columns[1]))

    point = POINTS["downtown Toronto"]
    box = bounding_box(point, 25.0)
    filters = repo.CandidateFilter(categories_mask=HOUSING, gender_bit=WOMAN, age=24)
    monkeypatch.setattr(repo, "_box_statement", out_of_order)
    with Session(registry) as session:
        found = repo.ids_with_location_in_box(
            session, box, filters, latitude=point.latitude, longitude=point.longitude, cap=20
        )
    expected = _nearest_by_brute_force(registry, point, box, cap=20)
    _assert_nearest(found, expected)
    assert shuffled or registry.dialect.name != "sqlite"


def test_any_of_selects_the_listed_values_with_one_text_for_any_number(
    registry: sa.Engine,
) -> None:
    services = SQLModel.metadata.tables["service"]
    statement = sa.select(services.c.id).where(AnyOf(services.c.id, "ids"))
    ids = [row.id for row in _rows(registry, "service")[:3]]
    with registry.connect() as connection:
        for count in range(4):
            found = connection.execute(statement, {"ids": ids[:count]}).scalars().all()
            assert sorted(found) == sorted(ids[:count])
    text = str(statement.compile(dialect=registry.dialect))
    if registry.dialect.name == "postgresql":
        assert "= ANY (" in text
    else:
        assert " IN (" in text


# An Ontario-wide phone line in English, for no one in particular.
PROVINCE_WIDE_LINE: dict[str, Any] = {
    "categories": ["legal.immigration"],
    "eligibility": {"genders": [], "min_age": None, "statuses": []},
    "delivery": ["phone"],
    "service_area": {"radius_km": None, "provinces": ["ON"], "nationwide": False},
    "capacity": {"beds_total": None, "beds_available": None},
    "trafficking_focus": [],
    "languages": ["en"],
}


def test_among_more_province_wide_services_than_the_cap_the_likeliest_are_ranked(
    tmp_path: Path,
) -> None:
    """When more services cover the whole province than the cap, the ones read are those the
    person would prefer (here: the one language they speak, their form of trafficking), never
    an arbitrary few: with 30 others and a cap of 10, an arbitrary choice would miss it about
    two times in three."""
    for url in new_database_url(tmp_path):
        settings = app_settings(url, match_candidate_cap=10)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            api = Api(client)
            organization = api.organization("Province-wide lines")
            phone_line = PROVINCE_WIDE_LINE
            for number in range(30):
                api.service(organization, name=f"Line {number}", **phone_line)
            best = api.service(
                organization,
                name="Spanish line for labour trafficking",
                **{**phone_line, "languages": ["es"], "trafficking_focus": ["labour"]},
            )
            body = {
                "needs": ["legal.immigration"],
                "location": {"place": "Thunder Bay, ON"},
                "languages": ["es"],
                "trafficking_type": "labour",
                "limit": 1,
            }
            response = client.post("/v1/match", json=body, headers=bearer(ADMIN_KEY))
            assert response.status_code == 200, response.text
            (result,) = response.json()["results"]
            assert [m["service_id"] for m in result["matches"]] == [best["id"]]


@pytest.mark.parametrize("search", ["memory", "database"])
def test_the_first_language_given_chooses_among_more_province_wide_services_than_the_cap(
    tmp_path: Path, search: str
) -> None:
    """A person who gives Tigrinya, then English: 100 English lines and one in Tigrinya all
    spoke "a language of theirs" alike, and the cap chose 10 by id (the one in Tigrinya
    among them one time in ten); the one in their first language is chosen and ranked
    first, and the English ones say it is not theirs."""
    for url in new_database_url(tmp_path):
        settings = app_settings(url, match_candidate_cap=10, match_search=search)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            api = Api(client)
            organization = api.organization("Province-wide lines")
            phone_line = {**PROVINCE_WIDE_LINE, "categories": ["specialized.counselling"]}
            for number in range(100):
                api.service(organization, name=f"Line {number}", **phone_line)
            tigrinya = api.service(
                organization, name="Tigrinya line", **{**phone_line, "languages": ["ti"]}
            )
            body = {
                "needs": ["specialized.counselling"],
                "location": {"place": "Thunder Bay, ON"},
                "languages": ["ti", "en"],
                "limit": 2,
            }
            response = client.post("/v1/match", json=body, headers=bearer(ADMIN_KEY))
            assert response.status_code == 200, response.text
            (result,) = response.json()["results"]
            first, second = result["matches"]
            assert first["service_id"] == tigrinya["id"]
            assert "not in Tigrinya, the first language given" not in first["caveats"]
            assert "not in Tigrinya, the first language given" in second["caveats"]
            assert "speaks English" in second["reasons"]


def _candidates(session: Session, ids: list[uuid.UUID]) -> list[Candidate]:
    raw = repo.raw_candidate_rows(session, ids)
    convert = converter(session, repo.CANDIDATE_COLUMNS, raw.type_codes)
    return [built(tuple(rows), convert)[1] for _, rows in groupby(raw.rows, key=itemgetter(0))]


@pytest.mark.parametrize("tier", ["tonight", "bed"])
def test_the_search_of_a_tier_takes_exactly_what_ranking_takes_for_it(
    registry: sa.Engine, tier: str
) -> None:
    """The database's conditions for the tiers of urgent housing (searched behind more full
    shelters than the cap) are `scoring.bed_tonight` and `scoring.has_bed_or_24_7`, reason by
    reason: a 24/7 intake without a count takes people tonight (SQL's `NOT (beds = 0)` is
    NULL for it), one full by its last count does not but is of the middle tier; a free bed
    by a current count is, by an old one not."""
    point = POINTS["downtown Toronto"]
    box = bounding_box(point, 200.0)
    now = utcnow()
    freshness = Freshness()
    filters = repo.CandidateFilter(categories_mask=HOUSING, gender_bit=WOMAN, age=24)
    of_tier = replace(
        filters,
        tier=tier,
        beds_current_since=now - timedelta(hours=freshness.availability_stale_hours),
        shelter_bit=to_mask([Category.housing_emergency_shelter], CATEGORIES),
    )
    with Session(registry) as session:
        every = repo.ids_with_location_in_box(
            session, box, filters, latitude=point.latitude, longitude=point.longitude, cap=SIZE
        )
        ids = [service_id for service_id, _ in every]
        # The cases the generated registry lacks, made in this transaction, rolled back after:
        # 24/7 intakes without a count, and free beds counted days ago.
        before = _candidates(session, ids)
        intakes = [uuid.UUID(c.service_id) for c in before if c.intake_24_7 and c.beds_available]
        counted = [
            uuid.UUID(c.service_id) for c in before if not c.intake_24_7 and c.beds_available
        ]
        session.execute(
            sa.update(Service).where(col(Service.id).in_(intakes[:3])).values(beds_available=None)
        )
        session.execute(
            sa.update(Service)
            .where(col(Service.id).in_(counted[:3]))
            .values(availability_updated_at=now - timedelta(days=3))
        )
        candidates = _candidates(session, ids)
        found = repo.ids_with_location_in_box(
            session, box, of_tier, latitude=point.latitude, longitude=point.longitude, cap=SIZE
        )
        session.rollback()
    holds = scoring.bed_tonight if tier == "tonight" else scoring.has_bed_or_24_7
    expected = {uuid.UUID(c.service_id) for c in candidates if holds(c, now, freshness)}
    assert {service_id for service_id, _ in found} == expected
    # Every case the conditions tell apart is there.
    tiers = {scoring.urgent_tier(c, now, freshness) for c in candidates}
    assert tiers == {"tonight", "bed", "none"}
    assert any(c.intake_24_7 and c.beds_available is None for c in candidates)
    assert any(c.intake_24_7 and c.beds_available == 0 for c in candidates)
    assert any(
        c.beds_available and scoring.current_count(c, now, freshness) is None for c in candidates
    )
    assert 0 < len(expected) < len(candidates)
