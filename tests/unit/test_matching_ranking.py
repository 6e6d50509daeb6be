"""Geo helpers, reach rules, ordering, confidential distances, limits and explanations."""

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import scoring
from service.matching.geo import bounding_box, distance_km, radius_steps
from service.matching.messages import render
from service.matching.ranking import Reach, rank_need, reach, reaches_within, sort_key
from service.matching.types import (
    NEWCOMER_STATUSES,
    Candidate,
    Freshness,
    Match,
    Point,
    Profile,
    Site,
)
from service.policy.visibility import cell_reach_km

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CENTER = Point(43.4516, -80.4925)  # Kitchener
WATERLOO = Point(43.4643, -80.5204)
TORONTO = Point(43.6532, -79.3832)
MONTREAL = Point(45.5017, -73.5673)
SHELTER = frozenset({"housing.emergency_shelter"})
LEGAL = frozenset({"legal.immigration"})
HOUSING = frozenset({"housing.emergency_shelter", "housing.transitional", "housing.long_term"})


def at(distance: float, bearing: float = 45.0, origin: Point = CENTER) -> Point:
    destination = geodesic(kilometers=distance).destination(
        (origin.latitude, origin.longitude), bearing
    )
    return Point(destination.latitude, destination.longitude)


PERSON = Profile(point=CENTER, province="ON", area_type="urban")


def person(**changes: Any) -> Profile:
    return replace(PERSON, **changes)


def candidate(
    service_id: str, distance: float | None = 2.0, *, confidential: bool = False, **changes: Any
) -> Candidate:
    sites = () if distance is None else (Site(at(distance), confidential=confidential),)
    base = Candidate(
        service_id=service_id,
        categories=SHELTER,
        sites=sites,
        last_verified_at=NOW - timedelta(days=5),
        availability_updated_at=NOW - timedelta(hours=2),
        beds_total=10,
        beds_available=2,
    )
    return replace(base, **changes)


def ranked(
    candidates: list[Candidate],
    *,
    profile: Profile = PERSON,
    categories: frozenset[str] = SHELTER,
    radius_km: float = 50.0,
    max_distance_km: float | None = None,
    limit: int = 50,
) -> list[Match]:
    return rank_need(
        profile,
        candidates,
        categories=categories,
        radius_km=radius_km,
        max_distance_km=radius_km if max_distance_km is None else max_distance_km,
        now=NOW,
        limit=limit,
    )


def ids(matches: list[Match]) -> list[str]:
    return [m.service_id for m in matches]


def codes(notes: tuple[Any, ...]) -> list[str]:
    return [note.code for note in notes]


# --- geo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected", "tolerance"),
    [
        (CENTER, WATERLOO, 2.7, 0.5),
        (TORONTO, MONTREAL, 504.0, 5.0),
        (CENTER, CENTER, 0.0, 1e-9),
    ],
    ids=["Kitchener-Waterloo", "Toronto-Montreal", "same point"],
)
def test_distance_km_of_known_pairs(a: Point, b: Point, expected: float, tolerance: float) -> None:
    assert distance_km(a, b) == pytest.approx(expected, abs=tolerance)
    assert distance_km(b, a) == pytest.approx(distance_km(a, b))


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (50, (50, 100, 200, 350, 500)),
        (500, (500,)),
        (30, (30, 50, 100, 200, 350, 500)),
        (10, (10, 25, 50, 100, 200, 350, 500)),
        (25, (25, 50, 100, 200, 350, 500)),
        (100, (100, 200, 350, 500)),
        (400, (400, 500)),
        (0.5, (0.5, 25, 50, 100, 200, 350, 500)),
        (900, (500,)),
    ],
)
def test_radius_steps(asked: float, expected: tuple[float, ...]) -> None:
    assert radius_steps(asked) == expected


def test_radius_steps_respect_a_lower_limit() -> None:
    assert radius_steps(30, limit_km=200) == (30, 50, 100, 200)


@settings(max_examples=150, deadline=None)
@given(
    latitude=st.floats(min_value=-75, max_value=75),
    longitude=st.floats(min_value=-150, max_value=150),
    radius=st.floats(min_value=0.1, max_value=500),
    bearing=st.floats(min_value=0, max_value=360),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_bounding_box_contains_every_point_within_the_radius(
    latitude: float, longitude: float, radius: float, bearing: float, fraction: float
) -> None:
    center = Point(latitude, longitude)
    inside = at(radius * fraction, bearing, origin=center)
    assert distance_km(center, inside) <= radius + 1e-6
    min_lat, max_lat, min_lon, max_lon = bounding_box(center, radius)
    assert min_lat <= inside.latitude <= max_lat
    assert min_lon <= inside.longitude <= max_lon


def test_bounding_box_is_not_absurdly_large() -> None:
    min_lat, max_lat, min_lon, max_lon = bounding_box(CENTER, 50)
    assert max_lat - min_lat == pytest.approx(2 * 50 * 1.01 / 111)
    assert 1.0 < max_lon - min_lon < 1.5


# --- reach ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "distance", "housing", "expected"),
    [
        # A site within the radius.
        ({}, 10.0, True, (10.0, True, False, False)),
        ({"delivery": frozenset({"phone", "in_person"})}, 10.0, False, (10.0, True, False, False)),
        # ... of a service that serves no one in person: it comes to the person.
        ({"delivery": frozenset({"phone"})}, 10.0, False, (10.0, True, True, False)),
        ({"delivery": frozenset({"outreach"})}, 10.0, False, (10.0, True, False, True)),
        ({"delivery": frozenset({"phone"})}, 10.0, True, (10.0, True, False, False)),
        # Beyond the radius: reached only through the service area.
        ({}, 80.0, True, None),
        ({"service_radius_km": 100.0}, 80.0, True, (80.0, False, False, False)),
        ({"service_radius_km": 70.0}, 80.0, True, None),
        ({"provinces": frozenset({"ON"})}, 80.0, True, (80.0, False, False, False)),
        ({"provinces": frozenset({"QC", "NB"})}, 80.0, True, None),
        ({"nationwide": True}, 300.0, True, (300.0, False, False, False)),
        # Remote delivery counts for everything but housing.
        (
            {"nationwide": True, "delivery": frozenset({"phone"})},
            300.0,
            False,
            (300.0, False, True, False),
        ),
        (
            {"nationwide": True, "delivery": frozenset({"virtual", "in_person"})},
            300.0,
            False,
            (300.0, False, True, False),
        ),
        (
            {"nationwide": True, "delivery": frozenset({"phone", "virtual"})},
            300.0,
            True,
            (300.0, False, False, False),
        ),
        # Remote delivery does not reach outside the service area.
        ({"delivery": frozenset({"phone", "virtual"})}, 300.0, False, None),
        # ... even when its office is near: a provincial line serves its province only, and
        # outreach staff travel as far as they say.
        ({"delivery": frozenset({"phone"}), "provinces": frozenset({"QC"})}, 10.0, False, None),
        ({"delivery": frozenset({"outreach"}), "service_radius_km": 5.0}, 10.0, False, None),
        (
            {"delivery": frozenset({"outreach"}), "service_radius_km": 15.0},
            10.0,
            False,
            (10.0, True, False, True),
        ),
        # Outreach: staff travel to the person inside the area; not to a bed, which is at its
        # site, however the person gets there (a review ranked a shelter 60 km away first).
        (
            {"service_radius_km": 100.0, "delivery": frozenset({"outreach"})},
            80.0,
            False,
            (80.0, False, False, True),
        ),
        (
            {"service_radius_km": 100.0, "delivery": frozenset({"outreach"})},
            80.0,
            True,
            (80.0, False, False, False),
        ),
        # Both ways: outreach, which scores better than the phone (a review found listing a
        # phone line lowered an outreach service's score).
        (
            {"service_radius_km": 100.0, "delivery": frozenset({"outreach", "phone"})},
            80.0,
            False,
            (80.0, False, False, True),
        ),
        # ... within the radius its staff travel: a province-wide line whose staff also
        # visit reaches 300 km away by phone, not as if at the door (a review).
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"outreach", "phone"})},
            300.0,
            False,
            (300.0, False, True, False),
        ),
        # ... and a team that travels 60 km, and also takes people from all of Ontario at its
        # office, does not come 300 km (a review found one "coming" 1,056 km to Attawapiskat):
        # the person may go to its site.
        (
            {
                "provinces": frozenset({"ON"}),
                "service_radius_km": 60.0,
                "delivery": frozenset({"outreach", "in_person"}),
            },
            300.0,
            False,
            (300.0, False, False, False),
        ),
        (
            {
                "provinces": frozenset({"ON"}),
                "service_radius_km": 60.0,
                "delivery": frozenset({"outreach"}),
            },
            300.0,
            False,
            None,
        ),
        # Without a site, the radius has nothing to be measured from: over the area it serves.
        (
            {
                "provinces": frozenset({"ON"}),
                "service_radius_km": 50.0,
                "delivery": frozenset({"outreach"}),
            },
            None,
            False,
            (None, False, False, True),
        ),
        # Without a radius, over the area it serves.
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"outreach", "in_person"})},
            300.0,
            False,
            (300.0, False, False, True),
        ),
        # No sites: reached by area only.
        (
            {"nationwide": True, "delivery": frozenset({"phone"})},
            None,
            False,
            (None, False, True, False),
        ),
        (
            {"nationwide": True, "delivery": frozenset({"phone"})},
            None,
            True,
            (None, False, False, False),
        ),
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"outreach"})},
            None,
            False,
            (None, False, False, True),
        ),
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"outreach"})},
            None,
            True,
            (None, False, False, False),
        ),
        ({"service_radius_km": 500.0, "delivery": frozenset({"phone"})}, None, False, None),
        ({}, None, False, None),
    ],
)
def test_reach_rules(
    changes: dict[str, Any],
    distance: float | None,
    housing: bool,
    expected: tuple[float | None, bool, bool, bool] | None,
) -> None:
    how = reach(PERSON, candidate("s", distance, **changes), radius_km=50, housing=housing)
    if expected is None:
        assert how is None
        return
    assert how is not None
    shown, within, remote, outreach = expected
    # To the nearest site; the core may measure on the sphere (0.5% off the ellipsoid).
    assert how.distance_km == (None if shown is None else pytest.approx(shown, rel=0.005))
    assert (how.within_radius, how.remote, how.outreach) == (within, remote, outreach)
    assert how.site_index == (None if distance is None else 0)


def test_a_wheelchair_user_is_sent_to_a_site_without_steps_and_told_so() -> None:
    sites = (
        Site(at(0.3), wheelchair_accessible=False),
        Site(at(21.0), wheelchair_accessible=True),
        Site(at(12.0), wheelchair_accessible=None),
    )
    counselling = candidate("c", categories=LEGAL, sites=sites, delivery=frozenset({"in_person"}))
    wheelchair = person(wheelchair=True)
    [match] = ranked([counselling], profile=wheelchair, categories=LEGAL)
    assert match.site_index == 2  # the nearest without known steps
    assert match.distance_km == pytest.approx(12.0, rel=0.005)
    assert "wheelchair_unknown" in codes(match.caveats)
    assert "wheelchair_accessible" not in codes(match.reasons)
    accessible = replace(counselling, sites=(sites[0], sites[1]))
    [match] = ranked([accessible], profile=wheelchair, categories=LEGAL)
    assert match.site_index == 1
    assert "wheelchair_accessible" in codes(match.reasons)
    # Without the need, the nearest site, and nothing said of access.
    [match] = ranked([counselling], categories=LEGAL)
    assert match.site_index == 0
    assert not {"wheelchair_accessible", "wheelchair_unknown"} & {
        *codes(match.reasons),
        *codes(match.caveats),
    }


def test_a_service_with_steps_everywhere_reaches_a_wheelchair_user_only_where_they_are() -> None:
    steps = (Site(at(3.0), wheelchair_accessible=False),)
    wheelchair = person(wheelchair=True)
    by_phone = candidate(
        "p",
        categories=LEGAL,
        sites=steps,
        delivery=frozenset({"in_person", "phone"}),
        provinces=frozenset({"ON"}),
    )
    [match] = ranked([by_phone], profile=wheelchair, categories=LEGAL)
    assert match.reach == "phone_or_online"
    assert not {"wheelchair_accessible", "wheelchair_unknown"} & {
        *codes(match.reasons),
        *codes(match.caveats),
    }
    # Outside its area it cannot serve them at all; nor can a shelter with steps.
    elsewhere = replace(by_phone, provinces=frozenset({"QC"}))
    assert ranked([elsewhere], profile=wheelchair, categories=LEGAL) == []
    shelter = candidate("s", sites=steps, delivery=frozenset({"in_person", "phone"}))
    assert ranked([shelter], profile=wheelchair) == []
    assert ids(ranked([shelter])) == ["s"]
    # A bed is at a site: outreach staff coming to the person do not get them up its steps.
    travelling = replace(
        shelter, delivery=frozenset({"in_person", "outreach"}), provinces=frozenset({"ON"})
    )
    assert ranked([travelling], profile=wheelchair) == []
    assert ids(ranked([travelling])) == ["s"]


@pytest.mark.parametrize(
    ("changes", "distance", "housing", "kind"),
    [
        ({}, 10.0, True, "location"),
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"phone"})},
            80.0,
            False,
            "phone_or_online",
        ),
        # Housing is never remote: the person travels to it.
        (
            {"provinces": frozenset({"ON"}), "delivery": frozenset({"phone"})},
            80.0,
            True,
            "location",
        ),
        (
            {"service_radius_km": 100.0, "delivery": frozenset({"outreach"})},
            80.0,
            False,
            "outreach",
        ),
        # Nor is it reached by outreach: its bed is at its site.
        ({"service_radius_km": 100.0, "delivery": frozenset({"outreach"})}, 80.0, True, "location"),
        ({"nationwide": True, "delivery": frozenset({"virtual"})}, None, False, "phone_or_online"),
        ({"nationwide": True}, None, False, "service_area"),
    ],
)
def test_a_match_says_how_it_reaches_the_person(
    changes: dict[str, Any], distance: float | None, housing: bool, kind: str
) -> None:
    categories = SHELTER if housing else LEGAL
    (match,) = ranked(
        [candidate("s", distance, categories=categories, **changes)], categories=categories
    )
    assert match.reach == kind


def test_reach_takes_the_nearest_site() -> None:
    sites = (Site(at(30.0)), Site(at(4.0), confidential=True), Site(at(12.0)))
    how = reach(PERSON, candidate("s", sites=sites), radius_km=50, housing=True)
    assert how == Reach(5.0, 1, True, True, False, False)


def test_the_radius_is_inclusive() -> None:
    here = candidate("s", sites=(Site(CENTER),))
    assert reach(PERSON, here, radius_km=0.0, housing=True) is not None
    next_door = candidate("s", sites=(Site(at(0.05)),))
    assert reach(PERSON, next_door, radius_km=0.0, housing=True) is None
    assert reach(PERSON, next_door, radius_km=0.1, housing=True) is not None


# --- confidential distances -----------------------------------------------------------------


@pytest.mark.parametrize(
    # The site is the centre of its cell, whose every place lies within 3.5 km of it here.
    ("exact", "shown"),
    [(0.2, 5.0), (1.4, 5.0), (1.6, 10.0), (4.9, 10.0), (12.3, 20.0), (47.0, 55.0)],
)
def test_confidential_distances_are_rounded_up_to_the_next_5_km_from_the_farthest_of_the_cell(
    exact: float, shown: float
) -> None:
    subject = candidate("s", exact, confidential=True)
    assert cell_reach_km(subject.sites[0].point.latitude) == pytest.approx(3.5, abs=0.05)
    (match,) = ranked([subject])
    assert match.distance_km == shown
    assert "confidential_location" in codes(match.caveats)
    assert ("km", shown) in match.reasons[0].params


def test_a_public_site_shows_its_distance_to_a_tenth_of_a_km() -> None:
    (match,) = ranked([candidate("s", 12.34)])
    assert match.distance_km == 12.3
    assert "confidential_location" not in codes(match.caveats)


@pytest.mark.parametrize("area_type", ["urban", "suburban", "rural"])
def test_the_score_of_a_confidential_site_does_not_depend_on_the_distance_within_a_step(
    area_type: str,
) -> None:
    exacts = [10.2, 11.0, 12.3, 13.7, 14.95]
    matches = ranked(
        [candidate(f"s{i}", d, confidential=True) for i, d in enumerate(exacts)],
        profile=person(area_type=area_type),
    )
    assert {m.score for m in matches} == {matches[0].score}
    # Equal scores: the distance shown decides, then the id, never a finer one.
    assert [m.distance_km for m in matches] == [15.0, 15.0, 20.0, 20.0, 20.0]
    assert ids(matches) == [f"s{i}" for i in range(len(exacts))]


@pytest.mark.parametrize("exact", [11.0, 12.3, 13.9])
def test_confidential_inclusion_does_not_reveal_the_exact_distance(exact: float) -> None:
    """Whether a confidential site is in the results must not tell more than its coarse
    distance: with the radius anywhere inside one 5-km step (10, 15], a site whose coarse
    distance is 15 km is either always or never within it. Otherwise a caller scanning
    `max_distance_km` finds the exact distance, and three callers triangulate the house."""
    subject = candidate("s", exact, confidential=True)
    found = {r: ids(ranked([subject], radius_km=r)) for r in (10.5, 12.0, 12.6, 14.0, 14.9)}
    assert len({tuple(result) for result in found.values()}) == 1, found


# --- ordering -------------------------------------------------------------------------------


def _registry() -> list[Candidate]:
    rng = random.Random(7)
    result = []
    for index in range(40):
        result.append(
            candidate(
                f"svc-{index:02d}",
                rng.uniform(0.1, 49.0),
                confidential=rng.random() < 0.3,
                beds_available=rng.choice([None, 0, 1, 4]),
                intake_24_7=rng.random() < 0.3,
                languages=frozenset(rng.sample(["en", "es", "fr", "tl"], rng.randint(0, 2))),
                trafficking_focus=frozenset(rng.sample(["labour", "sex"], rng.randint(0, 1))),
                last_verified_at=NOW - timedelta(days=rng.uniform(0, 400)),
            )
        )
    return result


@pytest.mark.parametrize(
    ("urgent", "first"),
    [(True, "nearer"), (False, "speaks Spanish")],
    ids=["a bed tonight", "not urgent"],
)
def test_for_a_bed_tonight_a_shelter_far_nearer_comes_before_one_speaking_the_language(
    urgent: bool, first: str
) -> None:
    """Rural Saskatchewan (a review as a hotline operator): Brandon's shelter 448 km away,
    speaking Spanish, came before Prince Albert's free beds 121 km away. For a bed tonight the
    trip counts more than the language, which an interpreter bridges at intake; otherwise the
    language keeps its whole weight."""
    profile = person(area_type="rural", urgent=urgent, languages=frozenset({"es"}))
    shelters = [
        candidate("nearer", 121.0, languages=frozenset({"en", "cr"}), intake_24_7=True),
        candidate("speaks Spanish", 448.0, languages=frozenset({"es"}), intake_24_7=True),
    ]
    matches = ranked(shelters, profile=profile, radius_km=500.0)
    assert ids(matches)[0] == first
    # Twice as near does not outweigh the language, even tonight.
    twice = [
        candidate("nearer", 200.0, languages=frozenset({"en"}), intake_24_7=True),
        candidate("speaks Spanish", 400.0, languages=frozenset({"es"}), intake_24_7=True),
    ]
    assert ids(ranked(twice, profile=profile, radius_km=500.0))[0] == "speaks Spanish"


@pytest.mark.parametrize("urgent", [False, True])
def test_ranking_is_deterministic_and_independent_of_candidate_order(urgent: bool) -> None:
    profile = person(urgent=urgent, languages=frozenset({"es"}), trafficking_type="labour")
    registry = _registry()
    first = ranked(registry, profile=profile)
    assert ranked(registry, profile=profile) == first
    rng = random.Random(11)
    for _ in range(5):
        shuffled = registry[:]
        rng.shuffle(shuffled)
        assert ranked(shuffled, profile=profile) == first
    assert first == sorted(first, key=sort_key)


def test_ties_break_by_distance_then_id() -> None:
    # Outreach gives every match the same distance factor, so the scores tie.
    def outreach(service_id: str, distance: float) -> Candidate:
        return candidate(
            service_id,
            distance,
            categories=LEGAL,
            service_radius_km=150.0,
            delivery=frozenset({"outreach"}),
        )

    matches = ranked(
        [outreach("a", 90.0), outreach("c", 60.0), outreach("b", 60.0)], categories=LEGAL
    )
    assert len({m.score for m in matches}) == 1
    assert ids(matches) == ["b", "c", "a"]


def test_a_match_without_distance_comes_after_equal_scores_with_one() -> None:
    def remote(service_id: str, distance: float | None) -> Candidate:
        return candidate(
            service_id,
            distance,
            categories=LEGAL,
            nationwide=True,
            delivery=frozenset({"phone"}),
        )

    matches = ranked([remote("a", None), remote("b", 300.0)], categories=LEGAL)
    assert len({m.score for m in matches}) == 1
    assert ids(matches) == ["b", "a"]
    assert [m.distance_km for m in matches] == [300.0, None]


def test_sort_key() -> None:
    def match(service_id: str, score: float, distance: float | None) -> Match:
        return Match(service_id, score, distance, None, "location", (), ())

    unsorted = [
        match("z", 0.5, None),
        match("y", 0.5, 3.0),
        match("x", 0.9, 40.0),
        match("w", 0.5, 3.0),
        match("v", 0.5, 1.0),
    ]
    assert [m.service_id for m in sorted(unsorted, key=sort_key)] == ["x", "v", "w", "y", "z"]
    assert sort_key(match("z", 0.5, None))[1] == math.inf


# --- limit and categories -------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 5, 40, 50])
def test_limit_is_respected_and_keeps_the_best(limit: int) -> None:
    registry = _registry()
    everything = ranked(registry)
    assert ranked(registry, limit=limit) == everything[:limit]


def test_only_the_asked_categories_match() -> None:
    registry = [
        candidate("shelter"),
        candidate("transitional", categories=frozenset({"housing.transitional"})),
        candidate("legal", categories=LEGAL),
        candidate("both", categories=frozenset({"legal.immigration", "housing.long_term"})),
    ]
    assert sorted(ids(ranked(registry, categories=SHELTER))) == ["shelter"]
    assert sorted(ids(ranked(registry, categories=HOUSING))) == [
        "both",
        "shelter",
        "transitional",
    ]
    assert sorted(ids(ranked(registry, categories=LEGAL))) == ["both", "legal"]


def test_ineligible_and_unreachable_services_are_left_out() -> None:
    registry = [
        candidate("ok"),
        candidate("men only", genders=frozenset({"man"})),
        candidate("far", 120.0),
        candidate("closed", accepting_referrals=False),
    ]
    assert ids(ranked(registry, profile=person(gender="woman"))) == ["ok"]


def test_housing_of_mixed_categories_is_scored_as_housing_only_when_all_are_housing() -> None:
    mixed = frozenset({"housing.emergency_shelter", "legal.immigration"})
    subject = candidate("s", categories=mixed, beds_available=None)
    (as_housing,) = ranked([subject], categories=SHELTER)
    (as_mixed,) = ranked([subject], categories=mixed)
    assert "beds_unknown" in codes(as_housing.caveats)
    assert "beds_unknown" not in codes(as_mixed.caveats)


# --- explanations ---------------------------------------------------------------------------


def test_a_near_match_explains_its_distance_first() -> None:
    profile = person(
        gender="woman",
        languages=frozenset({"es"}),
        trafficking_type="labour",
        with_dependents=True,
    )
    subject = candidate(
        "s",
        7.0,
        genders=frozenset({"woman"}),
        languages=frozenset({"en", "es"}),
        trafficking_focus=frozenset({"labour"}),
        accepts_dependents=True,
        intake_24_7=True,
        beds_available=3,
    )
    (match,) = ranked([subject], profile=profile)
    assert codes(match.reasons) == [
        "distance",
        "serves_genders",
        "accepts_dependents",
        "speaks",
        "specialises",
        "beds_free",
        "intake_24_7",
    ]
    assert match.caveats == ()
    assert dict(match.reasons[5].params) == {"beds": 3, "hours": 2}
    assert match.reasons[3].param("languages") == "es"


@pytest.mark.parametrize(
    ("changes", "caveat"),
    [
        ({"beds_available": None}, "beds_unknown"),
        ({"beds_available": 0}, "no_beds"),
        ({"availability_updated_at": NOW - timedelta(hours=49)}, "beds_stale"),
        ({"availability_updated_at": None}, "beds_stale"),
        ({"last_verified_at": None}, "never_verified"),
        ({"last_verified_at": NOW - timedelta(days=181)}, "not_verified"),
        ({"referral_required": True}, "referral_required"),
        ({"fees": "sliding_scale"}, "fees"),
        ({"languages": frozenset()}, "languages_unknown"),
        ({"languages": frozenset({"en"})}, "language_not_listed"),
        ({"eligibility_stated": False}, "eligibility_unstated"),
    ],
)
def test_doubt_is_shown_as_a_caveat(changes: dict[str, Any], caveat: str) -> None:
    (match,) = ranked([candidate("s", **changes)], profile=person(languages=frozenset({"es"})))
    assert caveat in codes(match.caveats)


@pytest.mark.parametrize("beds_total", [None, 10])
def test_no_stale_bed_caveat_without_a_bed_count(beds_total: int | None) -> None:
    """Beds listed but none counted free: "availability unknown", not that besides "the
    count may be out of date (updated never)" (a review found both)."""
    subject = candidate(
        "s", beds_total=beds_total, beds_available=None, availability_updated_at=None
    )
    (match,) = ranked([subject])
    assert "beds_stale" not in codes(match.caveats)
    assert "beds_unknown" in codes(match.caveats)


def test_a_stale_count_states_its_age_once() -> None:
    subject = candidate("s", beds_available=0, availability_updated_at=NOW - timedelta(days=4))
    (match,) = ranked([subject])
    shown = [render(note) for note in match.caveats]
    assert "no beds free, updated 4 days ago" in shown
    assert "bed count may be out of date" in shown
    assert sum("4 days" in text for text in shown) == 1
    undated = candidate("s", beds_available=2, availability_updated_at=None)
    (match,) = ranked([undated])
    assert "2 beds free, updated at an unknown time" in [render(n) for n in match.reasons]
    assert "mis à jour à une date inconnue" in render(match.reasons[-1], "fr")


def test_no_language_notes_when_no_language_was_asked() -> None:
    (match,) = ranked([candidate("s", languages=frozenset({"en"}))])
    assert not {"speaks", "language_not_listed", "languages_unknown"} & {
        *codes(match.reasons),
        *codes(match.caveats),
    }


def test_a_match_beyond_the_asked_distance_says_so() -> None:
    (match,) = ranked([candidate("s", 80.0)], radius_km=100, max_distance_km=50)
    assert match.caveats[0].code == "beyond_asked_distance"
    assert match.caveats[0].param("km") == 50


@pytest.mark.parametrize("confidential", [False, True])
@pytest.mark.parametrize(
    ("distance", "bearing"),
    [(3.3, 45), (14.8, 45), (49.6, 45), (50.05, 90), (81.4, 45), (140.2, 0)],
)
def test_the_distance_reason_states_the_distance_shown(
    distance: float, bearing: float, confidential: bool
) -> None:
    subject = candidate("s", service_radius_km=200.0)
    subject = replace(subject, sites=(Site(at(distance, bearing), confidential=confidential),))
    (match,) = ranked([subject], radius_km=50)
    assert match.reasons[0].code == "distance"
    assert match.reasons[0].param("km") == match.distance_km
    farther = {"beyond_asked_distance", "maybe_beyond_asked_distance"}
    beyond = [c.param("km") for c in match.caveats if c.code in farther]
    assert beyond == ([50] if match.distance_km is not None and match.distance_km > 50 else [])


def test_remote_and_outreach_matches_explain_how_they_reach() -> None:
    remote = candidate(
        "remote", 300.0, categories=LEGAL, nationwide=True, delivery=frozenset({"virtual"})
    )
    outreach = candidate(
        "outreach",
        80.0,
        categories=LEGAL,
        service_radius_km=100.0,
        delivery=frozenset({"outreach"}),
    )
    matches = {m.service_id: m for m in ranked([remote, outreach], categories=LEGAL)}
    assert matches["remote"].reach == "phone_or_online"
    assert codes(matches["remote"].reasons)[0] == "remote"
    assert matches["outreach"].reach == "outreach"
    assert codes(matches["outreach"].reasons)[0] == "outreach"
    for match in matches.values():
        assert "distance" not in codes(match.reasons)
        assert "beyond_asked_distance" not in codes(match.caveats)


@pytest.mark.parametrize("widened_km", [100.0, 350.0, 500.0])
def test_a_widened_radius_keeps_a_phone_line_or_outreach_reaching_the_person_where_they_are(
    widened_km: float,
) -> None:
    """A province-wide phone line 300 km away, and outreach whose area covers the person, both
    found at the asked 50 km: when too few others are near and the radius widens past their
    sites, they still reach the person by phone and by outreach, with the same score, not as
    sites far away beyond the asked distance."""
    phone = candidate(
        "phone",
        300.0,
        categories=LEGAL,
        provinces=frozenset({PERSON.province}),
        delivery=frozenset({"phone", "virtual"}),
    )
    outreach = candidate(
        "outreach",
        80.0,
        categories=LEGAL,
        service_radius_km=100.0,
        delivery=frozenset({"in_person", "outreach"}),
    )
    asked = {m.service_id: m for m in ranked([phone, outreach], categories=LEGAL)}
    widened = {
        m.service_id: m
        for m in ranked(
            [phone, outreach], categories=LEGAL, radius_km=widened_km, max_distance_km=50
        )
    }
    assert widened == asked
    assert codes(widened["phone"].reasons)[0] == "remote"
    assert codes(widened["outreach"].reasons)[0] == "outreach"
    for match in widened.values():
        assert match.reach != "location"
        assert "beyond_asked_distance" not in codes(match.caveats)


def test_a_widened_radius_finds_a_far_site_outside_its_area_as_a_far_site() -> None:
    """A clinic that also answers by phone, whose area does not cover the person, reaches
    them only by its site: found once the radius widens past it, as a site beyond the asked
    distance."""
    clinic = candidate(
        "clinic",
        90.0,
        categories=LEGAL,
        provinces=frozenset({"XX"}),
        delivery=frozenset({"phone", "in_person"}),
    )
    assert ranked([clinic], categories=LEGAL) == []
    (match,) = ranked([clinic], categories=LEGAL, radius_km=100, max_distance_km=50)
    assert match.reach == "location"
    assert codes(match.reasons)[0] == "distance"
    assert codes(match.caveats)[0] == "beyond_asked_distance"


@pytest.mark.parametrize("area_type", ["urban", "suburban", "rural"])
@pytest.mark.parametrize(
    "delivery",
    [{"in_person", "phone"}, {"in_person", "virtual"}, {"in_person", "outreach"}],
)
def test_a_service_that_serves_both_ways_never_ranks_higher_for_being_farther(
    area_type: str, delivery: set[str]
) -> None:
    """A legal clinic in the person's province that also answers by phone: 28 km from
    Surrey it was scored as a 28 km trip in a city (about 0.06 of distance), and 60 km away,
    beyond the asked 50, as a phone line (0.8), so farther ranked higher. It now reaches the
    person the way that scores better, and its score never rises with distance."""
    profile = person(area_type=area_type)
    scores = []
    for distance in (0.3, 1.0, 2.0, 5.0, 10.0, 20.0, 45.0, 60.0, 200.0):
        clinic = candidate(
            "clinic",
            distance,
            categories=LEGAL,
            provinces=frozenset({profile.province}),
            delivery=frozenset(delivery),
        )
        (match,) = ranked(
            [clinic], profile=profile, categories=LEGAL, radius_km=500, max_distance_km=50
        )
        scores.append(match.score)
        # Near, going there is better and the distance is stated; else it comes to them.
        assert (match.reach == "location") == ("distance" in codes(match.reasons))
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]


def test_a_clinic_next_door_is_a_place_to_go_and_one_across_town_a_phone_call() -> None:
    clinic = candidate(
        "clinic",
        1.0,
        categories=LEGAL,
        provinces=frozenset({PERSON.province}),
        delivery=frozenset({"in_person", "phone"}),
    )
    (near,) = ranked([clinic], categories=LEGAL)
    (across,) = ranked([replace(clinic, sites=(Site(at(20.0)),))], categories=LEGAL)
    assert (near.reach, codes(near.reasons)[0]) == ("location", "distance")
    assert (across.reach, codes(across.reasons)[0]) == ("phone_or_online", "remote")


@pytest.mark.parametrize("distance", [2.0, 10.0, 45.0])
def test_a_phone_line_near_the_person_scores_as_a_phone_line_not_a_trip(distance: float) -> None:
    """Surrey, BC on the demo registry: a provincial legal line by phone and video, its office
    27 km away, was scored as a 27 km trip (about 0.1 of distance in a city) and so ranked
    below the same kind of line 300 km away, scored as a phone line. Serving no one in
    person, it reaches the person by phone wherever its office is."""
    line = candidate(
        "line",
        distance,
        categories=LEGAL,
        provinces=frozenset({PERSON.province}),
        delivery=frozenset({"phone", "virtual"}),
    )
    far = replace(line, service_id="far", sites=(Site(at(300.0)),))
    matches = ranked([line, far], categories=LEGAL, radius_km=50)
    assert [m.reach for m in matches] == ["phone_or_online", "phone_or_online"]
    assert matches[0].score == matches[1].score
    assert all(codes(m.reasons)[0] == "remote" for m in matches)


def test_in_person_beyond_the_radius_within_the_service_area_is_a_far_match() -> None:
    (match,) = ranked(
        [candidate("s", 80.0, service_radius_km=100.0)], radius_km=50, max_distance_km=50
    )
    assert match.distance_km == pytest.approx(80.0, abs=0.1)
    assert match.reach == "location"
    assert "beyond_asked_distance" in codes(match.caveats)


def test_a_service_without_sites_reached_by_area_in_person_scores_a_middling_distance() -> None:
    subject = candidate("s", None, provinces=frozenset({"ON"}))
    (match,) = ranked([subject])
    assert match.distance_km is None
    assert match.site_index is None
    assert match.reach == "service_area"
    assert "distance" not in codes(match.reasons)


def test_a_tie_at_the_cut_goes_to_the_nearer_even_when_it_is_scored_last() -> None:
    """Ranking scores the best possible first and stops below the cut, never at it: a service
    tied with the cut but scored after it (its id is larger) is nearer, so it is shown."""
    country = person(area_type="rural")  # 70 m cost a rural score less than its rounding
    farther = candidate("a", 0.07)
    nearer = candidate("b", 0.0)
    both = ranked([farther, nearer], profile=country, limit=2)
    assert [m.score for m in both] == [both[0].score] * 2
    assert [m.distance_km for m in both] == [0.0, 0.1]
    best = ranked([farther, nearer], profile=country, limit=1)
    assert [m.service_id for m in best] == ["b"]


def test_a_confidential_place_found_within_the_asked_distance_may_be_farther_not_is() -> None:
    """Shown at the farthest its cell allows (10 km), a confidential shelter whose cell's
    centre lies within the 5 km asked may be nearer: "may be farther", never "farther" (a
    review found one 2.7 km away said to be farther than 5 km)."""
    service = candidate("a", 3.0, confidential=True)
    [shown] = ranked([service], radius_km=5.0, max_distance_km=5.0)
    assert shown.distance_km is not None
    assert shown.distance_km > 5.0
    assert "maybe_beyond_asked_distance" in codes(shown.caveats)
    assert "beyond_asked_distance" not in codes(shown.caveats)
    rendered = [render(note) for note in shown.caveats]
    assert "may be farther than the 5 km asked" in rendered
    far = candidate("b", 30.0, confidential=True)
    [farther] = ranked([far], radius_km=50.0, max_distance_km=5.0)
    assert "beyond_asked_distance" in codes(farther.caveats)


@pytest.mark.parametrize(
    ("site_km", "confidential", "delivery", "near"),
    [
        (4.0, False, {"in_person"}, True),
        (6.0, False, {"in_person"}, False),  # its 40 km area covers the person: shown, but far
        (3.0, True, {"in_person"}, False),  # shown as 5 km: farther than 4 km asked
        (60.0, False, {"in_person", "outreach"}, False),  # a bed 60 km away, whoever fetches
        (None, False, {"outreach"}, True),  # no site: serves the person's area
    ],
)
def test_help_near_is_what_the_answer_shows_without_the_farther_than_asked_caveat(
    site_km: float | None, confidential: bool, delivery: set[str], near: bool
) -> None:
    service = candidate(
        "a",
        site_km,
        confidential=confidential,
        delivery=frozenset(delivery),
        service_radius_km=80.0,
        provinces=frozenset({"ON"}) if site_km is None else frozenset(),
    )
    assert reaches_within(PERSON, service, asked_km=4.0, housing=True) is near
    [shown] = ranked([service], radius_km=4.0, max_distance_km=4.0)
    farther = {"beyond_asked_distance", "maybe_beyond_asked_distance"} & set(codes(shown.caveats))
    assert (not farther) is near


@pytest.mark.parametrize(
    ("beds_available", "updated_hours_ago", "intake_24_7", "bed", "category"),
    [
        (2, 2, False, True, "housing.emergency_shelter"),
        (0, 2, True, False, "housing.emergency_shelter"),  # full, though open at 3 a.m.
        (2, 72, False, False, "housing.emergency_shelter"),  # a count days old vouches nothing
        # Full by its last count, days old: no newer count says otherwise (it had counted as
        # a bed tonight, above a 24/7 shelter whose "full" was an hour old).
        (0, 72, True, False, "housing.emergency_shelter"),
        (3, 72, True, True, "housing.emergency_shelter"),  # open at any hour, not said full
        (None, None, True, True, "housing.emergency_shelter"),
        (None, None, False, False, "housing.emergency_shelter"),
        # A transitional house's free bed is a bed another day, as the answer says of it
        # ("may not take people tonight"): the report had counted it as a bed tonight.
        (2, 2, False, False, "housing.transitional"),
        (2, 2, True, True, "housing.transitional"),  # with an intake at any hour, tonight
    ],
)
def test_a_bed_tonight(
    beds_available: int | None,
    updated_hours_ago: int | None,
    intake_24_7: bool,
    bed: bool,
    category: str,
) -> None:
    service = candidate(
        "a",
        categories=frozenset({category}),
        beds_available=beds_available,
        intake_24_7=intake_24_7,
        availability_updated_at=None
        if updated_hours_ago is None
        else NOW - timedelta(hours=updated_hours_ago),
    )
    assert scoring.bed_tonight(service, NOW, Freshness()) is bed


@pytest.mark.parametrize(
    ("restriction", "disclosed"),
    [
        ({"genders": frozenset({"man"})}, {"gender": "man"}),
        ({"min_age": 18, "max_age": 24}, {"age": 20}),
        ({"statuses": frozenset({"refugee_claimant"})}, {"newcomer_status": "refugee_claimant"}),
        ({"trafficking_types": frozenset({"labour"})}, {"trafficking_type": "labour"}),
        ({"accepts_dependents": None}, None),
    ],
)
def test_a_service_that_may_turn_the_person_away_ranks_after_one_sure_to_serve_them(
    restriction: dict[str, Any], disclosed: dict[str, Any] | None
) -> None:
    """For a caller who gave no gender, a men-only shelter came first with a caveat alone
    (an operator's review): one in doubt now scores as a listing with unstated rules does,
    and comes after one sure to serve them, though it is nearer. Once the person says, the
    nearer comes first again."""
    caller = person(with_dependents=True)
    doubtful = candidate("a", 1.0, **{"accepts_dependents": True, **restriction})
    sure = candidate("b", 1.5, accepts_dependents=True)
    assert ids(ranked([doubtful, sure], profile=caller)) == ["b", "a"]
    if disclosed is not None:
        answered = person(with_dependents=True, **disclosed)
        assert ids(ranked([doubtful, sure], profile=answered)) == ["a", "b"]


@pytest.mark.parametrize(
    "every",
    [
        {"genders": frozenset({"woman", "man", "gender_diverse"})},
        {"statuses": NEWCOMER_STATUSES},
        {"trafficking_types": frozenset({"labour", "sex"})},
    ],
)
def test_a_service_that_lists_everyone_is_not_in_doubt(every: dict[str, Any]) -> None:
    """Listing every status (or form, or gender) is listing none: no doubt, no lower score
    (a review found such a listing scored below one with no rules)."""
    listed = candidate("a", 1.0, accepts_dependents=True, **every)
    silent = candidate("b", 1.0, accepts_dependents=True)
    [first, second] = ranked([listed, silent])
    assert first.score == second.score
