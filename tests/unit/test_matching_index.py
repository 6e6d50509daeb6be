"""The in-memory match index against brute force over the same services, for generated
registries, places and queries; and its bookkeeping through puts, replacements and removals."""

import math
import zlib
from unittest.mock import patch

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import index as index_module
from service.matching.geo import KM_PER_DEGREE_LATITUDE, great_circle_km
from service.matching.index import NATIONWIDE, SUBSETS, RegistryIndex
from service.matching.types import Candidate, Point, Site

CATEGORIES = ("housing.emergency_shelter", "legal.immigration", "specialized.counselling")
PROVINCES = ("ON", "QC", "MB")
# Around Kitchener, from the same block to a few hundred km away.
CENTRE = Point(43.45, -80.49)


@st.composite
def candidates(draw: st.DrawFn, number: int) -> Candidate:
    sites = draw(
        st.lists(
            st.builds(
                lambda lat, lon: Site(Point(CENTRE.latitude + lat, CENTRE.longitude + lon)),
                st.floats(-2.5, 2.5),
                st.floats(-3.5, 3.5),
            ),
            max_size=3,
        )
    )
    return Candidate(
        service_id=f"{number:04d}",
        categories=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), min_size=1))),
        sites=tuple(sites),
        service_radius_km=draw(st.sampled_from([None, None, 25.0, 120.0, 300.0])),
        provinces=frozenset(draw(st.sets(st.sampled_from(PROVINCES), max_size=2))),
        nationwide=draw(st.booleans()) and draw(st.booleans()),
        intake_24_7=draw(st.booleans()),
        beds_available=draw(st.sampled_from([None, 0, 2])),
    )


@st.composite
def registries(draw: st.DrawFn) -> list[Candidate]:
    size = draw(st.integers(0, 40))
    return [draw(candidates(number)) for number in range(size)]


def _accepted(candidate: Candidate) -> bool:
    """A fixed, arbitrary eligibility: about two in three."""
    return zlib.crc32(candidate.service_id.encode()) % 3 != 0


def _sites(candidate: Candidate) -> int:
    return len(candidate.sites)


def _indexed(services: list[Candidate]) -> RegistryIndex:
    index = RegistryIndex()
    for candidate in services:
        index.put(candidate)
    return index


def _squared_degrees(point: Point, site: Point) -> float:
    """The flat-earth distance that chooses candidates, squared, in degrees of latitude."""
    shrink2 = math.cos(math.radians(point.latitude)) ** 2
    d_lat, d_lon = site.latitude - point.latitude, site.longitude - point.longitude
    return d_lat * d_lat + d_lon * d_lon * shrink2


points = st.builds(
    lambda lat, lon: Point(CENTRE.latitude + lat, CENTRE.longitude + lon),
    st.floats(-2.0, 2.0),
    st.floats(-3.0, 3.0),
)
asked = st.sets(st.sampled_from(CATEGORIES), min_size=1).map(frozenset)


# The ways `nearest` finds cells, as (`_LIST_FILLED_BELOW`, `_SPREAD_CELLS`): listing the
# filled cells from the start (a small registry), growing outwards then listing them (a sparse
# region of a large registry), and growing outwards only (a city).
WAYS = {"list": (10**9, 100), "grow, then list": (0, 3), "grow": (0, 10**9)}


@settings(max_examples=120, deadline=None)
@given(
    registries(),
    points,
    asked,
    st.floats(1.0, 500.0),
    st.integers(1, 12),
    st.sampled_from(sorted(WAYS)),
    st.sampled_from(["", *SUBSETS]),
)
def test_nearest_is_the_nearest_accepted_services_within_the_radius(
    services: list[Candidate],
    point: Point,
    categories: frozenset[str],
    radius_km: float,
    cap: int,
    way: str,
    subset: str,
) -> None:
    """... of every service, or of a subset (`SUBSETS`: for urgent housing, those that may
    take people tonight, those that may have a bed or an intake at any hour)."""
    list_below, spread = WAYS[way]
    with (
        patch.object(index_module, "_LIST_FILLED_BELOW", list_below),
        patch.object(index_module, "_SPREAD_CELLS", spread),
    ):
        found = _indexed(services).nearest(
            point,
            categories,
            radius_km=radius_km,
            accept=_accepted,
            cap=cap,
            subset=subset,
        )
    within = (index_module.flat_radius_km(point.latitude, radius_km) / KM_PER_DEGREE_LATITUDE) ** 2
    expected = sorted(
        (min(_squared_degrees(point, site.point) for site in c.sites), c.service_id)
        for c in services
        if c.sites
        and c.categories & categories
        and _accepted(c)
        and (not subset or SUBSETS[subset](c))
    )
    expected = [(d2, i) for d2, i in expected if d2 <= within][:cap]
    assert found == [(i, math.sqrt(d2) * KM_PER_DEGREE_LATITUDE) for d2, i in expected]


@pytest.mark.parametrize("bearing", [0.0, 30.0, 45.0, 60.0, 90.0, 135.0, 180.0, 270.0, 315.0])
@pytest.mark.parametrize("latitude", [43.45, 60.66, 69.4])
def test_nearest_misses_no_service_within_the_radius_by_great_circle(
    latitude: float, bearing: float
) -> None:
    """Ranking decides reach by the great circle; the search must not leave out a site within
    it: from Whitehorse a clinic 499.8 km away north-east was, its flat distance over 500 km."""
    person = Point(latitude, -135.02)
    far = geodesic(kilometers=499.0).destination((person.latitude, person.longitude), bearing)
    site = Point(far.latitude, far.longitude)
    assert great_circle_km(person, site) <= 500.0
    shelter = frozenset({CATEGORIES[0]})
    service = Candidate(service_id="far", categories=shelter, sites=(Site(site),))
    found = _indexed([service]).nearest(
        person, shelter, radius_km=500.0, accept=lambda _: True, cap=10
    )
    assert [service_id for service_id, _ in found] == ["far"]


@settings(max_examples=60, deadline=None)
@given(registries(), points, asked, st.floats(0.0, 200.0), st.integers(1, 12))
def test_reaching_is_every_accepted_service_whose_radius_covers_the_person(
    services: list[Candidate],
    point: Point,
    categories: frozenset[str],
    beyond_km: float,
    cap: int,
) -> None:
    found = _indexed(services).reaching(
        point, categories, beyond_km=beyond_km, accept=_accepted, cap=cap
    )
    expected = sorted(
        (min(great_circle_km(point, site.point) for site in c.sites), c.service_id)
        for c in services
        if c.sites
        and c.categories & categories
        and _accepted(c)
        and c.service_radius_km is not None
        and c.service_radius_km > beyond_km
        and min(great_circle_km(point, site.point) for site in c.sites) <= c.service_radius_km
    )
    assert found == [service_id for _, service_id in expected[:cap]]


@settings(max_examples=60, deadline=None)
@given(registries(), st.sampled_from(PROVINCES), asked, st.integers(1, 12))
def test_covering_is_every_accepted_service_of_the_province_or_the_nation_best_first(
    services: list[Candidate], province: str, categories: frozenset[str], cap: int
) -> None:
    def key(candidate: Candidate) -> int:
        return len(candidate.sites)  # any order the caller chooses

    found = _indexed(services).covering(
        province, categories, accept=_accepted, best_first=key, cap=cap
    )
    expected = sorted(
        (
            c
            for c in services
            if (c.nationwide or province in c.provinces)
            and c.categories & categories
            and _accepted(c)
        ),
        key=lambda c: (key(c), c.service_id),
    )
    if len(expected) <= cap:
        assert found == sorted(c.service_id for c in expected)
    else:
        assert found == [c.service_id for c in expected[:cap]]


@settings(max_examples=40, deadline=None)
@given(registries(), registries(), st.data())
def test_replacing_and_removing_leaves_what_a_fresh_index_of_the_result_holds(
    first: list[Candidate], second: list[Candidate], data: st.DataObject
) -> None:
    """Services put, then some replaced by a different state and some removed: every answer
    is the fresh index's, and removing the rest leaves nothing behind."""
    index = _indexed(first)
    removed = data.draw(st.sets(st.sampled_from([c.service_id for c in first]))) if first else set()
    for candidate in second:  # the same ids in a new state, and new ids
        index.put(candidate)
    for service_id in removed:
        index.remove(service_id)
    final = {c.service_id: c for c in first}
    final.update({c.service_id: c for c in second})
    for service_id in removed:
        final.pop(service_id, None)
    fresh = _indexed(list(final.values()))
    assert len(index) == len(fresh)
    for categories in (frozenset(CATEGORIES), frozenset(CATEGORIES[:1])):
        for province in PROVINCES:
            assert index.covering(
                province, categories, accept=_accepted, best_first=_sites, cap=99
            ) == fresh.covering(province, categories, accept=_accepted, best_first=_sites, cap=99)
        for subset in ("", *SUBSETS):
            assert index.nearest(
                CENTRE, categories, radius_km=500, accept=_accepted, cap=99, subset=subset
            ) == fresh.nearest(
                CENTRE, categories, radius_km=500, accept=_accepted, cap=99, subset=subset
            )
        assert index.reaching(
            CENTRE, categories, beyond_km=0, accept=_accepted, cap=99
        ) == fresh.reaching(CENTRE, categories, beyond_km=0, accept=_accepted, cap=99)
    for service_id in list(final):
        index.remove(service_id)
    assert len(index) == 0
    assert not index._grid
    assert not index._reach
    assert not any(index._areas.get(c, {}).get(NATIONWIDE) for c in CATEGORIES)
