"""Scoring: each factor's formula and bounds, the combination, and monotonicity of the whole
score as `rank_need` computes it (nearer, a free bed, a spoken language, a specialisation and
a fresher listing each rank higher, all else equal)."""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import scoring
from service.matching.ranking import rank_need
from service.matching.types import Candidate, Freshness, Match, Point, Profile, Site, Weights

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CENTER = Point(43.4516, -80.4925)
FRESH = Freshness()
SHELTER = frozenset({"housing.emergency_shelter"})
LEGAL = frozenset({"legal.immigration"})


def at(distance: float, bearing: float = 90.0) -> Point:
    destination = geodesic(kilometers=distance).destination(
        (CENTER.latitude, CENTER.longitude), bearing
    )
    return Point(destination.latitude, destination.longitude)


def person(**changes: Any) -> Profile:
    return replace(Profile(point=CENTER, province="ON", area_type="urban"), **changes)


def candidate(service_id: str, distance: float = 2.0, **changes: Any) -> Candidate:
    base = Candidate(
        service_id=service_id,
        categories=SHELTER,
        sites=(Site(at(distance)),),
        last_verified_at=NOW - timedelta(days=5),
        availability_updated_at=NOW - timedelta(hours=2),
        beds_total=10,
        beds_available=2,
    )
    return replace(base, **changes)


def ranked(
    profile: Profile,
    candidates: list[Candidate],
    categories: frozenset[str] = SHELTER,
    radius_km: float = 50.0,
) -> list[Match]:
    return rank_need(
        profile,
        candidates,
        categories=categories,
        radius_km=radius_km,
        max_distance_km=radius_km,
        now=NOW,
        limit=50,
    )


def scores(profile: Profile, candidates: list[Candidate], **kwargs: Any) -> dict[str, float]:
    return {m.service_id: m.score for m in ranked(profile, candidates, **kwargs)}


# --- distance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area_type", "half"), [("urban", 5.0), ("suburban", 12.0), ("rural", 40.0)]
)
def test_distance_factor_formula(area_type: str, half: float) -> None:
    assert scoring.distance_factor(0.0, area_type) == 1.0
    assert scoring.distance_factor(half, area_type) == pytest.approx(0.5)
    assert scoring.distance_factor(half / 2, area_type) == pytest.approx(0.8)
    # Beyond h, with the logarithm of d / h: each doubling costs alike, down to 0 at FAR_KM.
    span = math.log(scoring.FAR_KM / half)
    for times in (2.0, 4.0, 8.0):
        expected = 0.5 * (1 - math.log(times) / span)
        assert scoring.distance_factor(times * half, area_type) == pytest.approx(expected)
    step = scoring.distance_factor(2 * half, area_type) - scoring.distance_factor(
        4 * half, area_type
    )
    assert scoring.distance_factor(4 * half, area_type) - scoring.distance_factor(
        8 * half, area_type
    ) == pytest.approx(step)
    # ... and past FAR_KM it still falls, as h / 8d.
    assert scoring.distance_factor(2_000.0, area_type) == pytest.approx(half / 16_000)


def test_after_widening_twice_as_near_outweighs_a_stale_verification() -> None:
    """Rivière-du-Loup, QC: a shelter in Québec City 171 km away, verified 262 days ago, ranked
    below seven 326 to 414 km away, as the distance factors of 171 and 410 km were 0.12 and
    0.05 (h / 2d). The nearer ranks first now, with its caveat."""
    near = candidate("near", 171.0, last_verified_at=NOW - timedelta(days=262))
    far = candidate("far", 410.0)
    matches = ranked(person(area_type="rural"), [far, near], radius_km=500.0)
    assert [m.service_id for m in matches] == ["near", "far"]
    assert any(note.code == "not_verified" for note in matches[0].caveats)


def test_distance_factor_of_an_unknown_area_type_is_the_suburban_one() -> None:
    assert scoring.distance_factor(12.0, "elsewhere") == pytest.approx(0.5)


def test_ten_km_is_far_downtown_and_near_in_the_country() -> None:
    urban = scoring.distance_factor(10.0, "urban")
    suburban = scoring.distance_factor(10.0, "suburban")
    rural = scoring.distance_factor(10.0, "rural")
    assert urban < suburban < rural


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=0, max_value=20_000, allow_nan=False),
    st.floats(min_value=0, max_value=20_000, allow_nan=False),
    st.sampled_from(["urban", "suburban", "rural"]),
)
def test_distance_factor_is_bounded_and_never_increases(a: float, b: float, area: str) -> None:
    near, far = sorted((a, b))
    assert 0.0 < scoring.distance_factor(far, area) <= scoring.distance_factor(near, area) <= 1.0


@pytest.mark.parametrize(
    ("area_type", "near_km", "far_km"),
    [("urban", 38.0, 255.0), ("suburban", 60.0, 300.0), ("rural", 120.0, 450.0)],
)
def test_after_widening_the_nearer_of_two_alike_shelters_ranks_first(
    area_type: str, near_km: float, far_km: float
) -> None:
    """Surrey, BC on the demo registry: a migrant workers' shelter 38 km away ranked below an
    alike one 255 km away, whose bed count was a few hours fresher, as the distance factor
    was about 0 for both. A fresher count still counts, but not more than 200 km."""
    near = candidate("near", near_km, availability_updated_at=NOW - timedelta(hours=40))
    far = candidate("far", far_km, availability_updated_at=NOW - timedelta(hours=2))
    matches = ranked(person(area_type=area_type), [far, near], radius_km=500.0)
    assert [m.service_id for m in matches] == ["near", "far"]
    # And the fresher count is not ignored: at the same distance it wins.
    alike = ranked(
        person(area_type=area_type), [replace(far, sites=near.sites), near], radius_km=500.0
    )
    assert [m.service_id for m in alike] == ["far", "near"]


# --- language, specialisation, availability -------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "spoken", "expected"),
    [
        ((), (), 1.0),
        ((), ("en",), 1.0),
        (("es",), ("en", "es"), 1.0),
        (("es", "tl"), ("tl",), 1.0),
        (("es",), (), 0.5),
        (("es",), ("en",), 0.0),
    ],
)
def test_language_factor(asked: tuple[str, ...], spoken: tuple[str, ...], expected: float) -> None:
    assert scoring.language_factor(frozenset(asked), frozenset(spoken)) == expected


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        (("ti",), 1.0),
        (("ti", "en"), 1.0),
        (("en",), scoring.OTHER_LANGUAGE_FACTOR),
        ((), 0.5),
        (("fr",), 0.0),
    ],
)
def test_the_first_language_given_is_preferred(spoken: tuple[str, ...], expected: float) -> None:
    """Tigrinya, then English: an English line 112 km away had ranked above a Tigrinya
    counsellor 5 km away (a review)."""
    asked = frozenset({"ti", "en"})
    assert scoring.language_factor(asked, frozenset(spoken), frozenset({"ti"})) == expected


@pytest.mark.parametrize(
    ("experienced", "focus", "expected"),
    [
        ("undisclosed", ("labour",), 0.5),
        ("", ("labour",), 0.5),
        ("labour", (), 0.5),
        ("labour", ("labour",), 1.0),
        ("labour", ("sex",), 0.25),
        ("sex", ("sex",), 1.0),
        ("sex", ("labour",), 0.25),
        ("both", ("labour",), 1.0),
        ("both", ("sex",), 1.0),
        ("both", (), 0.5),
        ("labour", ("labour", "sex"), 1.0),
    ],
)
def test_specialisation_factor(experienced: str, focus: tuple[str, ...], expected: float) -> None:
    assert scoring.specialisation_factor(experienced, frozenset(focus)) == expected


@pytest.mark.parametrize(
    ("beds_available", "intake_24_7", "expected"),
    [
        (None, False, 0.5),
        (None, True, 0.5),
        (3, False, 1.0),
        (1, True, 1.0),
        (0, False, 0.1),
        (0, True, 0.3),
    ],
)
def test_availability_factor(
    beds_available: int | None, intake_24_7: bool, expected: float
) -> None:
    subject = candidate("a", beds_available=beds_available, intake_24_7=intake_24_7)
    assert scoring.availability_factor(subject) == expected


@pytest.mark.parametrize(
    ("beds_available", "intake_24_7", "hours", "expected"),
    [
        (None, False, 2, False),
        (0, False, 2, False),
        (2, False, 2, True),
        (2, False, 48, True),  # current up to `availability_stale_hours`
        (2, False, 49, False),  # a count days old is doubt, not a bed tonight
        (2, False, None, False),
        (None, True, 2, True),
        (0, True, 2, True),
        (2, True, 100, True),
    ],
)
def test_has_bed_or_24_7(
    beds_available: int | None, intake_24_7: bool, hours: int | None, expected: bool
) -> None:
    subject = candidate(
        "a",
        beds_available=beds_available,
        intake_24_7=intake_24_7,
        availability_updated_at=None if hours is None else NOW - timedelta(hours=hours),
    )
    assert scoring.has_bed_or_24_7(subject, NOW, Freshness()) is expected


# --- freshness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (None, 0.2),
        (-3, 1.0),  # verified "in the future" (clock skew) counts as now
        (0, 1.0),
        (90, 1.0),
        (227.5, 0.6),  # halfway between 90 and 365
        (365, 0.2),
        (1000, 0.2),
    ],
)
def test_freshness_of_the_listing(days: float | None, expected: float) -> None:
    verified = None if days is None else NOW - timedelta(days=days)
    subject = candidate("a", last_verified_at=verified)
    for housing in (False, True):
        if housing:
            subject = replace(subject, beds_total=None)
        factor = scoring.freshness_factor(subject, NOW, housing=housing, freshness=FRESH)
        assert factor == pytest.approx(expected)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(None, 0.2), (0, 1.0), (24, 1.0), (96, 0.6), (168, 0.2), (1000, 0.2)],
)
def test_freshness_of_the_bed_count_counts_for_housing_with_beds(
    hours: float | None, expected: float
) -> None:
    updated = None if hours is None else NOW - timedelta(hours=hours)
    subject = candidate("a", availability_updated_at=updated, last_verified_at=NOW)
    housing = scoring.freshness_factor(subject, NOW, housing=True, freshness=FRESH)
    other = scoring.freshness_factor(subject, NOW, housing=False, freshness=FRESH)
    assert housing == pytest.approx(expected)
    assert other == 1.0


def test_freshness_is_the_lower_of_listing_and_bed_count() -> None:
    subject = candidate(
        "a",
        last_verified_at=NOW - timedelta(days=365),
        availability_updated_at=NOW - timedelta(hours=1),
    )
    assert scoring.freshness_factor(subject, NOW, housing=True, freshness=FRESH) == 0.2


def test_age_helpers() -> None:
    subject = candidate(
        "a",
        last_verified_at=NOW - timedelta(days=3, hours=12),
        availability_updated_at=NOW - timedelta(hours=5, minutes=30),
    )
    assert scoring.verified_age_days(subject, NOW) == pytest.approx(3.5)
    assert scoring.availability_age_hours(subject, NOW) == pytest.approx(5.5)
    never = candidate("b", last_verified_at=None, availability_updated_at=None)
    assert scoring.verified_age_days(never, NOW) is None
    assert scoring.availability_age_hours(never, NOW) is None


# --- combine --------------------------------------------------------------------------------


def test_combine_is_the_weighted_mean_of_the_factors_that_apply() -> None:
    weights = Weights()
    factors = {"distance": 1.0, "language": 0.0}
    expected = 0.35 / (0.35 + 0.15)
    assert scoring.combine(factors, weights, urgent_housing=False, tier="none") == pytest.approx(
        expected, abs=1e-4
    )


def test_combine_folds_urgent_housing() -> None:
    factors = {"distance": 0.6, "availability": 0.6}
    weights = Weights()
    assert scoring.combine(factors, weights, urgent_housing=False, tier="tonight") == 0.6
    assert scoring.combine(factors, weights, urgent_housing=True, tier="tonight") == 0.84
    assert scoring.combine(factors, weights, urgent_housing=True, tier="bed") == 0.554
    assert scoring.combine(factors, weights, urgent_housing=True, tier="none") == 0.27


def test_combine_scales_by_the_certainty_before_folding_urgent_housing() -> None:
    factors = {"distance": 0.6, "availability": 0.6}
    weights = Weights()
    assert scoring.combine(factors, weights, urgent_housing=False, tier="tonight") == 0.6
    assert (
        scoring.combine(factors, weights, urgent_housing=False, tier="tonight", certainty=0.9)
        == 0.54
    )
    # Folded after: a bed tonight still puts an unstated listing at 0.6 or more.
    assert (
        scoring.combine(factors, weights, urgent_housing=True, tier="tonight", certainty=0.9)
        == 0.816
    )


@pytest.mark.parametrize(("stated", "expected"), [(True, 1.0), (False, 0.9)])
def test_eligibility_factor(stated: bool, expected: float) -> None:
    assert scoring.eligibility_factor(candidate("s", eligibility_stated=stated)) == expected


def test_combine_rounds_to_four_decimals() -> None:
    value = scoring.combine({"distance": 1 / 3}, Weights(), urgent_housing=False, tier="none")
    assert value == 0.3333


FACTOR_NAMES = ["distance", "availability", "language", "specialisation", "freshness", "delivery"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(FACTOR_NAMES), st.floats(min_value=0, max_value=1), min_size=1),
    st.builds(
        Weights,
        **{name: st.floats(min_value=0.01, max_value=10) for name in FACTOR_NAMES},
    ),
    st.booleans(),
    st.sampled_from(["tonight", "bed", "none"]),
    st.sampled_from([1.0, scoring.UNSTATED_ELIGIBILITY_FACTOR]),
)
def test_combine_stays_in_the_unit_interval_and_urgent_tiers_apart(
    factors: dict[str, float], weights: Weights, urgent: bool, tier: str, certainty: float
) -> None:
    value = scoring.combine(factors, weights, urgent_housing=urgent, tier=tier, certainty=certainty)
    assert 0.0 <= value <= 1.0
    if urgent:
        low, high = {"tonight": (0.6, 1.0), "bed": (0.5, 0.59), "none": (0.0, 0.45)}[tier]
        assert low <= value <= high


# --- monotonicity of the whole score --------------------------------------------------------


@pytest.mark.parametrize("area_type", ["urban", "suburban", "rural"])
@pytest.mark.parametrize("categories", [SHELTER, LEGAL], ids=["housing", "legal"])
def test_nearer_is_better_all_else_equal(area_type: str, categories: frozenset[str]) -> None:
    distances = [0.5, 3.0, 8.0, 15.0, 30.0, 49.0]
    candidates = [
        candidate(f"s{index}", distance, categories=categories)
        for index, distance in enumerate(distances)
    ]
    result = scores(person(area_type=area_type), candidates, categories=categories)
    ordered = [result[f"s{index}"] for index in range(len(distances))]
    assert ordered == sorted(ordered, reverse=True)
    assert ordered[0] > ordered[-1]


@pytest.mark.parametrize("urgent", [False, True])
def test_a_free_bed_beats_none_for_housing(urgent: bool) -> None:
    result = scores(
        person(urgent=urgent),
        [candidate("free", beds_available=2), candidate("full", beds_available=0)],
    )
    assert result["free"] > result["full"]


@pytest.mark.parametrize(
    "better",
    [
        {"beds_available": 1},
        {"beds_available": 0, "intake_24_7": True},
        {"beds_available": None, "intake_24_7": True},
    ],
    ids=["free bed", "full but 24/7", "unknown but 24/7"],
)
@pytest.mark.parametrize(
    "worse",
    [{"beds_available": 0}, {"beds_available": None}],
    ids=["full", "unknown"],
)
def test_urgent_housing_without_bed_or_24_7_ranks_below_every_one_with_either(
    better: dict[str, Any], worse: dict[str, Any]
) -> None:
    # The one with neither is much nearer, fresher, speaks the language and specialises.
    near = candidate(
        "near",
        0.1,
        intake_24_7=False,
        languages=frozenset({"es"}),
        trafficking_focus=frozenset({"labour"}),
        **worse,
    )
    far = candidate(
        "far",
        48.0,
        last_verified_at=NOW - timedelta(days=300),
        availability_updated_at=NOW - timedelta(hours=40),
        languages=frozenset({"en"}),
        trafficking_focus=frozenset({"sex"}),
        **better,
    )
    profile = person(urgent=True, languages=frozenset({"es"}), trafficking_type="labour")
    order = [m.service_id for m in ranked(profile, [near, far])]
    assert order == ["far", "near"]
    # Without urgency the near one wins: the rule, not the data, decides the order above.
    relaxed = [m.service_id for m in ranked(replace(profile, urgent=False), [near, far])]
    assert relaxed == ["near", "far"]


def test_urgent_housing_does_not_count_a_stale_free_bed_as_a_bed_tonight() -> None:
    # Two free beds by a count four days old, office hours only: as good as an unknown count.
    stale = candidate(
        "stale", 1.0, beds_available=2, availability_updated_at=NOW - timedelta(days=4)
    )
    open_all_night = candidate("24/7", 20.0, beds_available=None, intake_24_7=True)
    profile = person(urgent=True)
    assert [m.service_id for m in ranked(profile, [stale, open_all_night])] == ["24/7", "stale"]
    fresh = replace(stale, availability_updated_at=NOW - timedelta(hours=3))
    order = [m.service_id for m in ranked(profile, [fresh, open_all_night])]
    assert order == ["stale", "24/7"]  # the nearer, with a bed by a current count


def test_urgency_does_not_change_non_housing_scores() -> None:
    legal = [candidate("a", categories=LEGAL, beds_available=0, beds_total=None)]
    calm = scores(person(), legal, categories=LEGAL)
    urgent = scores(person(urgent=True), legal, categories=LEGAL)
    assert calm == urgent


@pytest.mark.parametrize(
    ("speaks", "other"),
    [(("es",), ()), (("es",), ("en",)), (("en", "es"), ("en",))],
)
def test_a_spoken_language_beats_none(speaks: tuple[str, ...], other: tuple[str, ...]) -> None:
    result = scores(
        person(languages=frozenset({"es"})),
        [
            candidate("speaks", languages=frozenset(speaks)),
            candidate("other", languages=frozenset(other)),
        ],
    )
    assert result["speaks"] > result["other"]


def test_languages_unknown_ranks_between_spoken_and_not_listed() -> None:
    result = scores(
        person(languages=frozenset({"es"})),
        [
            candidate("speaks", languages=frozenset({"es"})),
            candidate("unknown", languages=frozenset()),
            candidate("other", languages=frozenset({"en"})),
        ],
    )
    assert result["speaks"] > result["unknown"] > result["other"]


@pytest.mark.parametrize("experienced", ["labour", "both"])
def test_specialisation_beats_none(experienced: str) -> None:
    result = scores(
        person(trafficking_type=experienced),
        [
            candidate("focus", trafficking_focus=frozenset({"labour"})),
            candidate("none"),
        ],
    )
    assert result["focus"] > result["none"]


def test_another_specialisation_ranks_below_none() -> None:
    result = scores(
        person(trafficking_type="labour"),
        [candidate("sex", trafficking_focus=frozenset({"sex"})), candidate("none")],
    )
    assert result["none"] > result["sex"]


@pytest.mark.parametrize(
    ("fresh", "stale"),
    [
        ({"last_verified_at": NOW - timedelta(days=10)}, {"last_verified_at": None}),
        (
            {"last_verified_at": NOW - timedelta(days=10)},
            {"last_verified_at": NOW - timedelta(days=200)},
        ),
        (
            {"availability_updated_at": NOW - timedelta(hours=3)},
            {"availability_updated_at": NOW - timedelta(hours=90)},
        ),
        ({"availability_updated_at": NOW}, {"availability_updated_at": None}),
    ],
    ids=["verified vs never", "verified 10 vs 200 days", "beds 3 vs 90 h", "beds now vs never"],
)
def test_fresher_beats_staler(fresh: dict[str, Any], stale: dict[str, Any]) -> None:
    result = scores(person(), [candidate("fresh", **fresh), candidate("stale", **stale)])
    assert result["fresh"] > result["stale"]


@pytest.mark.parametrize("categories", [SHELTER, LEGAL], ids=["housing", "legal"])
@pytest.mark.parametrize("urgent", [False, True])
def test_stated_eligibility_beats_unstated_all_else_equal(
    categories: frozenset[str], urgent: bool
) -> None:
    result = scores(
        person(urgent=urgent),
        [
            candidate("stated", categories=categories),
            candidate("unstated", categories=categories, eligibility_stated=False),
        ],
        categories=categories,
    )
    assert result["stated"] > result["unstated"]


def test_unstated_eligibility_costs_a_tenth_of_the_score_and_a_near_one_still_wins() -> None:
    stated, unstated = (
        candidate("stated", 4.0),
        candidate("unstated", 0.5, eligibility_stated=False),
    )
    alone = scores(person(), [candidate("same", 0.5)])["same"]
    result = scores(person(), [stated, unstated])
    assert result["unstated"] == pytest.approx(0.9 * alone, abs=1e-4)
    assert result["unstated"] > result["stated"]


@pytest.mark.parametrize(
    ("changes", "tier"),
    [
        ({}, "tonight"),  # an emergency shelter with a free bed by a current count
        ({"intake_24_7": True, "beds_available": None, "beds_total": None}, "tonight"),
        ({"intake_24_7": True, "beds_available": 0}, "bed"),  # full tonight: helps find one
        (
            {
                "intake_24_7": True,
                "beds_available": 0,
                "availability_updated_at": NOW - timedelta(hours=100),
            },
            "bed",  # full days ago, and no newer count: still full, not above a current "full"
        ),
        (
            {
                "intake_24_7": True,
                "beds_available": 2,
                "availability_updated_at": NOW - timedelta(hours=100),
            },
            "tonight",  # a 24/7 intake its count does not say full
        ),
        ({"categories": frozenset({"housing.long_term"})}, "bed"),  # office hours
        (
            {
                "categories": frozenset({"housing.long_term"}),
                "availability_updated_at": NOW - timedelta(hours=100),
            },
            "none",  # a free bed days ago is doubt
        ),
        ({"beds_available": 0}, "none"),
    ],
)
def test_urgent_tiers(changes: dict[str, Any], tier: str) -> None:
    assert scoring.urgent_tier(candidate("s", **changes), NOW, Freshness()) == tier


def test_for_urgent_housing_a_free_bed_outranks_a_24_7_shelter_full_tonight() -> None:
    """Both wait in the middle tier; the free bed counts as before (a review found full 24/7
    shelters 430 km away ranked above transitional housing with free beds in town)."""
    full = candidate("full", 5.0, intake_24_7=True, beds_available=0)
    free = candidate("free", 1.0, categories=frozenset({"housing.transitional"}))
    housing = frozenset({"housing.emergency_shelter", "housing.transitional"})
    matches = ranked(person(urgent=True), [full, free], categories=housing)
    assert [m.service_id for m in matches] == ["free", "full"]
    assert [note.code for note in matches[0].caveats if note.code == "not_tonight"] == [
        "not_tonight"
    ]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"intake_hours_stated": True}, True),  # "Mon-Fri 9-17"
        ({"intake_hours_stated": True, "intake_24_7": True}, False),
        ({}, False),  # no hours stated: nothing to say of them
        ({"intake_hours_stated": True, "categories": frozenset({"housing.transitional"})}, False),
    ],
)
def test_urgent_housing_says_an_emergency_shelters_intake_keeps_hours(
    changes: dict[str, Any], said: bool
) -> None:
    """An emergency shelter with a free bed ranks with those taking people tonight, whatever
    its intake's hours; when they are not 24/7 the operator is told to call first (a review
    found one with "Mon-Fri 9-17" first of all, without a word). A house that is no shelter
    says "may not take people tonight" instead, which says more."""
    housing = frozenset({"housing.emergency_shelter", "housing.transitional"})
    (match,) = ranked(person(urgent=True), [candidate("s", **changes)], categories=housing)
    assert ("intake_hours" in [note.code for note in match.caveats]) is said
    calm = ranked(person(urgent=False), [candidate("s", **changes)], categories=housing)
    assert "intake_hours" not in [note.code for note in calm[0].caveats]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"categories": frozenset({"housing.transitional"})}, True),  # a free bed, office hours
        (  # a free bed days ago: the least certain, not the least warned
            {
                "categories": frozenset({"housing.transitional"}),
                "availability_updated_at": NOW - timedelta(hours=100),
            },
            True,
        ),
        ({"categories": frozenset({"housing.long_term"}), "beds_available": None}, True),
        ({"categories": frozenset({"housing.transitional"}), "intake_24_7": True}, False),
        ({}, False),  # an emergency shelter
        ({"availability_updated_at": NOW - timedelta(hours=100)}, False),
    ],
)
def test_urgent_housing_says_may_not_take_people_tonight_of_all_that_cannot_tell(
    changes: dict[str, Any], said: bool
) -> None:
    """Of every housing that is neither an emergency shelter nor open at any hour (an
    operator's review found a day-hours house with a week-old count of 4 free beds without
    it, while the same house with a fresh count had it)."""
    housing = frozenset({"housing.emergency_shelter", "housing.transitional", "housing.long_term"})
    (match,) = ranked(person(urgent=True), [candidate("s", **changes)], categories=housing)
    assert ("not_tonight" in [note.code for note in match.caveats]) is said
    calm = ranked(person(urgent=False), [candidate("s", **changes)], categories=housing)
    assert "not_tonight" not in [note.code for note in calm[0].caveats]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("24/7", True),
        ("24 / 7", True),
        ("24 hours", True),
        ("24 Hours a day", True),
        ("24 h/24, 7 j/7", True),
        ("24h sur 24", True),
        ("Open 24/7", True),
        ("24 hrs.", True),
        # A review's, each read as office hours before, the shelter ranked last tonight:
        ("24 h/24 7 j/7", True),
        ("24\u00a0h/24, 7\u00a0j/7", True),  # French typography's non-breaking spaces
        ("24 heures sur 24, 7 jours sur 7", True),
        ("24 hours a day, 7 days a week", True),
        ("24 Hours a Day, 7 Days a Week, 365 days a year", True),
        ("24-7", True),
        ("24 x 7", True),
        ("24/7/365", True),
        ("24/7 (call first)", True),  # a remark in brackets
        ("Ouvert 24 h/24", True),
        ("Intake: 24/7", True),
        ("24h/24 \u2013 7j/7", True),
        ("en tout temps", True),
        ("Around the clock", True),
        # A review of the first regex's: read as set hours, the shelter said so.
        ("24/7 intake", True),
        ("24/7 admissions", True),
        ("24 hours daily", True),
        ("Daily, 24 hours", True),
        ("24/7 - call ahead", True),
        ("24/7, call first", True),
        ("24/7 (please call ahead)", True),
        ("24/7 (appelez avant)", True),
        ("24/7 365", True),
        ("24x7x365", True),
        ("24 hours a day, seven days a week", True),
        ("Mon-Fri 9:00-17:00", False),
        ("Lun-Ven 9h-17h", False),
        ("9h-24h", False),
        ("24/7 phone line; office Mon-Fri", False),  # not the intake's hours alone
        ("24/7 phone line, beds by referral", False),
        ("Mon-Fri 9-17 (24/7 by phone)", False),
        ("24/7 except holidays", False),
        # A remark in brackets may take back what the hours say (a review: a winter
        # shelter in July would have been first for a bed tonight).
        ("24/7 (November 1 to April 15)", False),
        ("Open 24/7 (winter only)", False),
        ("Ouvert 24 h/24 (sauf dimanche)", False),
        ("24 hours (Fri-Sun)", False),
        ("24/7 (currently closed)", False),
        ("24/7 (phone only)", False),
        ("24/7 (phone; beds by referral)", False),
        ("24h/24 sauf dimanche", False),
        ("24 hours notice required", False),
        ("closed 24/7", False),
        ("24 hours on weekends", False),
        ("7 days a week", False),
        ("24/6", False),
        ("24", False),
        ("24 Main St", False),
        ("", False),
        (None, False),
    ],
)
def test_intake_hours_at_any_hour_as_providers_write_them(
    hours: str | None, expected: bool
) -> None:
    """ "24 hours" and "24 h/24, 7 j/7" were read as office hours: the shelter lost its place
    among those taking people tonight, and was said to be neither."""
    assert scoring.around_the_clock(hours) is expected
