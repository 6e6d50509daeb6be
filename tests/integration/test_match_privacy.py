"""A need profile is used for one answer and then forgotten (PRODUCT.md, "Know nothing about
the person"): canary values sent in profiles must appear in no log record, no output, no
database row, no database file, no metric and no error. And a confidential location must not
be found by scanning the search radius.

This module runs its own app on a fresh database of the backend under test, so that nothing
another test wrote (and SQLite kept in a free page) can be mistaken for a leak."""

import gc
import io
import itertools
import logging
import re
import sys
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from geopy.distance import geodesic
from httpx import Response
from sqlalchemy.orm.state import InstanceState

from service.config import Settings
from service.main import create_app
from service.matching.geo import distance_km, reach_cells
from service.matching.types import Point, Profile
from service.observability import JsonFormatter
from service.policy.visibility import cell_reach_km, coarse_distance_km, public_point
from tests.conftest import new_database_url
from tests.factories import (
    CONFIDENTIAL_LATITUDE,
    CONFIDENTIAL_LONGITUDE,
    Api,
    app_settings,
    assert_problem,
    confidential_location,
    scraper,
    without_random_parts,
)

# The distinctive parts of the profiles sent below.
POSTAL_CODE = "N2L 3G1"
CANARY_STRINGS = (
    "3G1",  # the part of the postal code that must be cut at the edge
    "xal",  # a language nobody lists (Kalmyk)
    "Elmira",  # the place
    "43.60123",  # coordinates finer than the two decimals kept
    "80.55789",
    "CANARY-7f3a",  # in a field that does not exist
    "Canaryqz",  # in a place that does not exist
)
AGE = 117
# 117 as a number of its own: not the tail of a duration, a timestamp or an id.
AGE_PATTERN = re.compile(rf"(?<![\w.,:+-]){AGE}(?![\w.])")
BAD_AGE_PATTERN = re.compile(r"(?<![\w.,:+-])999(?![\w.])")


@dataclass(frozen=True)
class App:
    client: TestClient
    engine: sa.Engine
    api: Api


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    for url in new_database_url(tmp_path_factory.mktemp("match-privacy")):
        settings = app_settings(url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
            yield App(client=client, engine=engine, api=Api(client))


class _Capture:
    """Every log record of every logger at DEBUG, formatted as the service formats them."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.setLevel(logging.DEBUG)
        self._restore: list[tuple[logging.Logger, int]] = []
        self._attached: list[logging.Logger] = []

    def __enter__(self) -> "_Capture":
        self.caplog.set_level(logging.DEBUG)
        root = logging.getLogger()
        root.addHandler(self.handler)
        self._attached.append(root)
        for logger in list(logging.root.manager.loggerDict.values()):
            if not isinstance(logger, logging.Logger):
                continue
            if logger.level not in (logging.NOTSET, logging.DEBUG):
                self._restore.append((logger, logger.level))
                logger.setLevel(logging.DEBUG)
            if not logger.propagate:
                logger.addHandler(self.handler)
                logger.addHandler(self.caplog.handler)
                self._attached.append(logger)
        return self

    def __exit__(self, *_: object) -> None:
        for logger in self._attached:
            logger.removeHandler(self.handler)
            logger.removeHandler(self.caplog.handler)
        for logger, level in self._restore:
            logger.setLevel(level)

    def text(self) -> str:
        records = [
            f"{record.getMessage()} {record.args!r} {vars(record)!r}"
            for record in self.caplog.records
        ]
        return "\n".join([self.stream.getvalue(), *records])


def _database_text(engine: sa.Engine) -> str:
    """Every row of every table, as text."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    lines: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    assert any(line.startswith("service:") for line in lines)
    return "\n".join(lines)


def _database_files(engine: sa.Engine) -> dict[str, bytes]:
    if engine.dialect.name != "sqlite":
        return {}
    database = engine.url.database
    assert database
    base = Path(database)
    files = {
        path.name: path.read_bytes()
        for path in (
            base,
            base.with_name(base.name + "-wal"),
            base.with_name(base.name + "-shm"),
            base.with_name(base.name + "-journal"),
        )
        if path.exists()
    }
    assert base.name in files
    return files


def _strings_held_by(root: object) -> str:
    """Every string reachable from `root` through its data (not through modules, classes,
    functions or the ORM's bookkeeping), one per line."""
    skipped = (types.ModuleType, type, types.FunctionType, types.MethodType, types.CodeType)
    seen: set[int] = set()
    strings: list[str] = []
    todo = [root]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, skipped) or isinstance(item, InstanceState):
            continue
        seen.add(id(item))
        if isinstance(item, str):
            strings.append(item)
            continue
        todo.extend(gc.get_referents(item))
    assert len(seen) > 100, "the walk reached nothing"
    return "\n".join(strings)


def _assert_clean(where: str, text: str) -> None:
    for canary in CANARY_STRINGS:
        assert canary.lower() not in text.lower(), f"{canary!r} found in {where}"
    assert not AGE_PATTERN.search(text), f"{AGE} found in {where}"
    assert not BAD_AGE_PATTERN.search(text), f"999 found in {where}"


def _registry(api: Api) -> None:
    organization = api.organization("Privacy Test Org")
    api.service(organization, name="Open shelter", eligibility={"genders": []})
    api.service(organization, name="Women's safe house", locations=[confidential_location()])
    api.service(
        organization,
        name="Immigration help line",
        categories=["legal.immigration"],
        delivery=["phone", "virtual"],
        service_area={"radius_km": None, "provinces": [], "nationwide": True},
        capacity={"beds_total": None, "beds_available": None},
    )


def _canary_profiles() -> list[dict[str, Any]]:
    common: dict[str, Any] = {
        "gender": "woman",
        "age": AGE,
        "languages": ["xal"],
        "needs": ["housing", "legal.immigration", "specialized"],
        "with_dependents": True,
        "no_identification": True,
        "no_police_report": True,
        "wheelchair": True,
        "urgent": True,
        "limit": 10,
    }
    return [
        {**common, "location": {"place": "Elmira, ON"}},
        {**common, "location": {"postal_prefix": POSTAL_CODE}},
        {**common, "location": {"latitude": 43.60123, "longitude": -80.55789}},
        {**common, "age": None, "location": {"place": "Elmira, ON"}, "max_distance_km": 5},
    ]


def _bad_profiles() -> list[dict[str, Any]]:
    return [
        {
            "age": 999,
            "needs": ["housing"],
            "location": {"place": "Elmira, ON"},
            "comment": "CANARY-7f3a xal 3G1",
        },
        {
            "age": AGE,
            "languages": ["xal"],
            "needs": ["housing"],
            "location": {"place": "Canaryqz, ON"},
        },
        {"needs": ["housing"], "location": {"postal_prefix": "N2L 3G1 CANARY-7f3a"}},
        {"needs": ["housing"], "location": {"place": "Elmira, ON", "postal_prefix": POSTAL_CODE}},
        {"needs": ["housing", "housing"], "languages": ["xal", "CANARY-7f3a"], "location": {}},
    ]


def test_a_need_profile_leaves_no_trace(
    app: App, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    _registry(app.api)
    operator = app.api.key("operator")  # (an administrator's matches are not counted)
    responses: list[Response] = []
    with _Capture(caplog) as logs:
        for body in _canary_profiles():
            for language in ("en", "fr"):
                response = app.client.post(
                    "/v1/match",
                    json=body,
                    headers={**operator, "Accept-Language": language},
                )
                assert response.status_code == 200, response.text
                assert response.json()["results"][0]["matches"]
        for body in _bad_profiles():
            response = app.client.post("/v1/match", json=body, headers=operator)
            assert_problem(response, 422)
            responses.append(response)
        metrics = app.client.get("/metrics", headers=scraper())
        assert metrics.status_code == 200
    captured = capfd.readouterr()

    assert "request" in logs.text(), "the access log was not captured"
    _assert_clean("the logs", logs.text())
    _assert_clean("stdout", captured.out)
    _assert_clean("stderr", captured.err)
    _assert_clean("/metrics", metrics.text)
    for response in responses:
        _assert_clean(f"the error {response.json()['errors']}", response.text)
    # The unmet-need report's counts are in the database, too, once the worker writes them.
    tally = app.client.app.state.need_tally  # type: ignore[attr-defined]
    assert tally.pending() > 0
    _assert_clean("the unmet-need counts", repr(vars(tally)))
    tally.flush(app.engine)
    database = _database_text(app.engine)
    assert "need_count: " in database
    _assert_clean("the database", database)
    index = app.client.app.state.match_index  # type: ignore[attr-defined]
    assert index.size == 3
    _assert_clean("the match index", _strings_held_by(index))
    for name, content in _database_files(app.engine).items():
        for canary in CANARY_STRINGS:
            assert canary.encode() not in content, f"{canary!r} found in {name}"


def _coordinates_held_by(roots: list[dict[str, Any]]) -> set[tuple[float, float]]:
    """Every pair of numbers side by side in a tuple reachable from `roots` through their
    data (as `_strings_held_by` walks)."""
    skipped = (types.ModuleType, type, types.FunctionType, types.MethodType, types.CodeType)
    seen: set[int] = set()
    pairs: set[tuple[float, float]] = set()
    todo: list[object] = list(roots)
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, skipped):
            continue
        seen.add(id(item))
        if isinstance(item, tuple):
            pairs.update(
                (a, b)
                for a, b in itertools.pairwise(item)
                if isinstance(a, float) and isinstance(b, float)
            )
        todo.extend(gc.get_referents(item))
    return pairs


def test_where_a_person_asked_from_is_forgotten_with_the_answer(app: App) -> None:
    """A cache of geodesic distances kept the point each person asked from beside every
    site measured to, for thousands of requests after (a review found it)."""
    _registry(app.api)
    operator = app.api.key("operator")
    body = {
        "needs": ["housing", "legal.immigration"],
        "urgent": True,
        "location": {"latitude": 43.60123, "longitude": -80.55789},
    }
    for _ in range(2):
        answered = app.client.post("/v1/match", json=body, headers=operator)
        assert answered.status_code == 200, answered.text
        assert answered.json()["location"]["latitude"] == 43.6
    del answered
    gc.collect()
    point = (43.6, -80.56)
    alive = [o for o in gc.get_objects() if isinstance(o, Profile)]
    assert [p for p in alive if (p.point.latitude, p.point.longitude) == point] == []
    matching = [vars(m) for name, m in sys.modules.items() if name.startswith("service.matching")]
    assert len(matching) >= 5
    assert point not in _coordinates_held_by(matching)


def test_a_full_postal_code_is_answered_as_its_prefix(app: App) -> None:
    body = {"needs": ["legal.immigration"], "location": {"postal_prefix": POSTAL_CODE}}
    full = app.client.post("/v1/match", json=body, headers=app.api.admin)
    prefix = app.client.post(
        "/v1/match", json={**body, "location": {"postal_prefix": "N2L"}}, headers=app.api.admin
    )
    assert full.status_code == 200, full.text
    assert full.json() == prefix.json()
    assert "3G1" not in full.text


def test_coordinates_are_answered_at_two_decimals(app: App) -> None:
    body = {"needs": ["housing"], "location": {"latitude": 43.45123, "longitude": -80.49456}}
    fine = app.client.post("/v1/match", json=body, headers=app.api.admin)
    coarse = app.client.post(
        "/v1/match",
        json={**body, "location": {"latitude": 43.45, "longitude": -80.49}},
        headers=app.api.admin,
    )
    assert fine.status_code == 200, fine.text
    assert fine.json() == coarse.json()
    assert "45123" not in without_random_parts(fine.text)
    assert "49456" not in without_random_parts(fine.text)


def test_scanning_the_radius_does_not_reveal_where_a_confidential_shelter_is(app: App) -> None:
    """With the radius anywhere inside one 5-km step, the answer about a confidential shelter
    must be the same; otherwise a caller finds its exact distance by trying radii, and three
    callers at known points find the house."""
    organization = app.api.organization("Scan Test Org")
    app.api.service(
        organization,
        name="Long-term safe housing",
        categories=["housing.long_term"],
        eligibility={"genders": []},
        locations=[confidential_location()],
        service_area={"radius_km": None, "provinces": [], "nationwide": False},
    )
    person = Point(43.45, -80.49)
    # (Measured from the centre of its cell: see the next test.)
    centre = Point(*public_point(CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE))
    exact = distance_km(person, centre)
    step_top = 5.0 * -(-exact // 5.0)
    radii = [round(step_top - 4.9 + 0.7 * i, 1) for i in range(7)]
    assert step_top - 5 < min(radii) < exact < max(radii) < step_top
    # Shown: from the farthest place of the cell, so never nearer than the house is.
    shown_km = coarse_distance_km(exact + cell_reach_km(centre.latitude))
    assert shown_km >= distance_km(person, Point(CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE))

    seen = set()
    for radius in radii:
        body = {
            "needs": ["housing.long_term"],
            "location": {"latitude": person.latitude, "longitude": person.longitude},
            "max_distance_km": radius,
            "limit": 1,
        }
        response = app.client.post("/v1/match", json=body, headers=app.api.admin)
        assert response.status_code == 200, response.text
        (result,) = response.json()["results"]
        assert [m["distance_km"] for m in result["matches"]] == [shown_km]
        seen.add((result["expanded"], tuple(m["service_id"] for m in result["matches"])))
    assert len(seen) == 1, f"radii {radii} around {exact:.2f} km tell apart: {seen}"


def test_distances_asked_from_anywhere_cannot_tell_apart_two_places_of_one_cell(app: App) -> None:
    """Rounding each distance up to 5 km is not enough: every answer bounds the place to a ring
    around the point asked from, and the rings of a few dozen points meet at the house. Every
    distance to a confidential place is measured from the centre of its 0.05-degree cell, so
    two houses of one cell are the same to any number of callers at any points."""
    organization = app.api.organization("Triangulation Test Org")
    houses = {}
    for name, latitude, longitude in (
        ("North house", CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE),
        ("South house", 43.3605, -80.3440),  # about 4 km away, in the same cell
    ):
        assert public_point(latitude, longitude) == public_point(
            CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE
        )
        created = app.api.service(
            organization,
            name=name,
            categories=["housing.transitional"],
            eligibility={"genders": []},
            locations=[{**confidential_location(), "latitude": latitude, "longitude": longitude}],
            service_area={"radius_km": None, "provinces": [], "nationwide": False},
        )
        houses[created["id"]] = (latitude, longitude)
    partner = app.api.key("partner")
    for step in range(24):
        bearing, km = 15.0 * step, 1.0 + 1.7 * step
        origin = geodesic(kilometers=km).destination(
            (CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE), bearing
        )
        body = {
            "needs": ["housing.transitional"],
            "location": {"latitude": origin.latitude, "longitude": origin.longitude},
            "max_distance_km": 60,
            "limit": 50,
        }
        response = app.client.post("/v1/match", json=body, headers=partner)
        assert response.status_code == 200, response.text
        shown = {
            m["service_id"]: m["distance_km"]
            for m in response.json()["results"][0]["matches"]
            if m["service_id"] in houses
        }
        assert len(shown) == 2, (bearing, km)
        assert len(set(shown.values())) == 1, f"from {bearing} deg, {km:.1f} km: {shown}"
        # ... and never nearer than either house really is.
        for service_id, house in houses.items():
            true_km = distance_km(Point(origin.latitude, origin.longitude), Point(*house))
            assert shown[service_id] >= true_km, (bearing, km, true_km)


def test_the_database_search_cannot_locate_a_confidential_shelter_more_closely(
    api: Api, settings: Settings
) -> None:
    """With `REFERRAL_MATCH_SEARCH=database` the statements chose candidates in a box on the
    stored coordinates, so whether a shelter was found within the asked radius told on which
    side of the box's edge it lay; stepping the radius found its coordinates to 10 m in 60
    requests. The statements take it at the centre of its cell, as the memory search does:
    both answer alike at every radius."""
    organization = api.organization("Box Test Org")
    api.service(
        organization,
        name="Emergency shelter",
        categories=["housing.emergency_shelter"],
        eligibility={"genders": []},
        locations=[confidential_location()],
        service_area={"radius_km": None, "provinces": [], "nationwide": False},
    )
    partner = api.key("partner")
    database_only = create_app(settings.model_copy(update={"match_search": "database"}))

    def body(radius: float) -> dict[str, Any]:
        return {
            "needs": ["housing.emergency_shelter"],
            # about 35 km due south of the shelter, so a box's north edge meets it
            "location": {"latitude": round(CONFIDENTIAL_LATITUDE - 0.32, 2), "longitude": -80.34},
            "max_distance_km": radius,
            "limit": 1,
        }

    radii = [round(30.0 + 0.25 * step, 2) for step in range(41)]
    with TestClient(database_only, raise_server_exceptions=False) as other:
        for radius in radii:
            from_database = other.post("/v1/match", json=body(radius), headers=partner)
            from_memory = api.client.post("/v1/match", json=body(radius), headers=partner)
            assert from_database.status_code == from_memory.status_code == 200
            assert from_database.json() == from_memory.json(), radius


def test_a_confidential_place_reaches_from_the_centre_of_its_cell(
    api: Api, engine: sa.Engine
) -> None:
    """The grid cells a service area reaches, which the database search looks the person's
    up in, are those of the centre of a confidential place's cell, as for everything else."""
    exact = Point(CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE)
    centre = Point(*public_point(CONFIDENTIAL_LATITUDE, CONFIDENTIAL_LONGITUDE))
    radius = next(km for km in range(20, 200) if reach_cells(exact, km) != reach_cells(centre, km))
    organization = api.organization("Reach Test Org")
    service = api.service(
        organization,
        name="Outreach from a safe house",
        locations=[confidential_location()],
        service_area={"radius_km": radius, "provinces": [], "nationwide": False},
    )
    with engine.connect() as connection:
        cells = connection.execute(
            sa.text(
                "SELECT reach_cell.cell FROM reach_cell JOIN location "
                "ON location.id = reach_cell.location_id WHERE location.service_id = :id"
            ),
            {
                "id": uuid.UUID(service["id"]).hex
                if engine.dialect.name == "sqlite"
                else service["id"]
            },
        )
        assert set(cells.scalars()) == reach_cells(centre, radius)
