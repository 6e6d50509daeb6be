"""Properties of `rank_need` over random registries in southern Ontario: every rule is
re-checked here independently of `eligibility.py`, and the order, limit, reach and score
bounds hold for every registry and every profile."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import scoring
from service.matching.eligibility import Eligibility, admits, check
from service.matching.geo import distance_km
from service.matching.ranking import Scorer, found_near, is_housing, rank_need, reach
from service.matching.types import Candidate, Freshness, Match, Point, Profile, Site, Weights
from service.policy.visibility import cell_reach_km

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CATEGORIES = (
    "housing.emergency_shelter",
    "housing.transitional",
    "legal.immigration",
    "legal.employment_rights",
    "specialized.counselling",
)
HOUSING = frozenset(c for c in CATEGORIES if c.startswith("housing."))
QUERIES = (
    HOUSING,
    frozenset({"housing.emergency_shelter"}),
    frozenset({"legal.immigration", "legal.employment_rights"}),
    frozenset({"legal.employment_rights"}),
    frozenset({"specialized.counselling"}),
)
GENDERS = ("woman", "man", "gender_diverse")
STATUSES = ("canadian_citizen", "refugee_claimant", "trafficking_trp", "no_status")
TRAFFICKING = ("labour", "sex")
LANGUAGES = ("en", "fr", "es", "tl")
DELIVERY = ("in_person", "outreach", "phone", "virtual")


def subset(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    """A subset drawn as one bit mask: cheap to generate, shrinks towards the empty set."""
    return st.integers(min_value=0, max_value=2 ** len(values) - 1).map(
        lambda mask: frozenset(v for i, v in enumerate(values) if mask >> i & 1)
    )


def one_of(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.integers(min_value=0, max_value=len(values) - 1).map(values.__getitem__)


points = st.builds(
    Point,
    latitude=st.floats(min_value=42.5, max_value=44.5),
    longitude=st.floats(min_value=-81.5, max_value=-79.0),
)
sites = st.builds(
    Site,
    point=points,
    confidential=st.booleans(),
    wheelchair_accessible=one_of((None, True, False)),
)
FLAGS = (
    "nationwide",
    "intake_24_7",
    "referral_required",
    "rejects_referrals",
    "id_required",
    "police_report_required",
    "eligibility_unstated",
)


class Genes:
    """Reads a candidate's attributes off one drawn integer, a few bits at a time: one draw
    per candidate keeps generation fast, and shrinking towards 0 shrinks towards a service
    open to everyone."""

    def __init__(self, value: int) -> None:
        self.value = value

    def take(self, bits: int) -> int:
        chunk = self.value & ((1 << bits) - 1)
        self.value >>= bits
        return chunk

    def subset(self, values: tuple[str, ...]) -> frozenset[str]:
        mask = self.take(len(values))
        return frozenset(v for i, v in enumerate(values) if mask >> i & 1)

    def optional(self, bits: int, limit: int) -> int | None:
        """None half of the time, else a number up to `limit`."""
        present = self.take(1)
        number = self.take(bits) % (limit + 1)
        return number if present else None

    def pick(self, values: tuple[Any, ...]) -> Any:
        return values[self.take(2) % len(values)]


GENE_BITS = 100


@st.composite
def candidates(draw: st.DrawFn) -> Candidate:
    genes = Genes(draw(st.integers(min_value=0, max_value=2**GENE_BITS - 1)))
    beds_total = genes.optional(5, 20)
    beds_available = None if beds_total is None else genes.take(5) % (beds_total + 1)
    days = genes.optional(9, 500)
    hours = genes.optional(9, 400)
    flags = genes.subset(FLAGS)
    categories = genes.subset(CATEGORIES) or frozenset({CATEGORIES[0]})
    delivery = genes.subset(DELIVERY) or frozenset({"in_person"})
    return Candidate(
        service_id="",
        categories=categories,
        sites=tuple(draw(st.lists(sites, max_size=2))),
        genders=genes.subset(GENDERS),
        min_age=genes.optional(7, 100),
        max_age=genes.optional(7, 100),
        statuses=genes.subset(STATUSES),
        trafficking_types=genes.subset(TRAFFICKING),
        accepts_dependents=genes.pick((None, True, False)),
        trafficking_focus=genes.subset(TRAFFICKING),
        languages=genes.subset(LANGUAGES),
        delivery=delivery,
        service_radius_km=genes.optional(8, 200),
        provinces=genes.subset(("ON", "QC")),
        nationwide="nationwide" in flags,
        intake_24_7="intake_24_7" in flags,
        referral_required="referral_required" in flags,
        fees=genes.pick(("free", "sliding_scale", "fee")),
        beds_total=beds_total,
        beds_available=beds_available,
        accepting_referrals="rejects_referrals" not in flags,
        id_required="id_required" in flags,
        police_report_required="police_report_required" in flags,
        eligibility_stated="eligibility_unstated" not in flags,
        last_verified_at=None if days is None else NOW - timedelta(days=days - 1),
        availability_updated_at=None if hours is None else NOW - timedelta(hours=hours),
    )


@st.composite
def registries(draw: st.DrawFn) -> list[Candidate]:
    drawn = draw(st.lists(candidates(), max_size=10))
    # Ids in an order unrelated to the list's, so that tie-breaking by id is exercised.
    numbers = draw(st.permutations(range(len(drawn))))
    return [replace(c, service_id=f"svc-{n:02d}") for c, n in zip(drawn, numbers, strict=True)]


profiles = st.builds(
    Profile,
    point=points,
    province=st.sampled_from(["ON", "QC"]),
    area_type=st.sampled_from(["urban", "suburban", "rural"]),
    gender=st.sampled_from([*GENDERS, "undisclosed"]),
    age=st.none() | st.integers(min_value=0, max_value=120),
    newcomer_status=st.sampled_from([*STATUSES, "protected_person", "undisclosed"]),
    trafficking_type=st.sampled_from([*TRAFFICKING, "both", "undisclosed"]),
    languages=subset(LANGUAGES),
    with_dependents=st.booleans(),
    no_identification=st.booleans(),
    no_police_report=st.booleans(),
    wheelchair=st.booleans(),
    urgent=st.booleans(),
)


@dataclass(frozen=True)
class Query:
    categories: frozenset[str]
    radius_km: float
    max_distance_km: float
    limit: int


queries = st.builds(
    Query,
    categories=st.sampled_from(QUERIES),
    radius_km=st.sampled_from([5.0, 25.0, 50.0, 100.0, 350.0]) | st.floats(0.5, 500),
    max_distance_km=st.sampled_from([5.0, 25.0, 50.0]),
    limit=st.integers(min_value=1, max_value=10),
)


def rank(profile: Profile, registry: list[Candidate], query: Query) -> list[Match]:
    return rank_need(
        profile,
        registry,
        categories=query.categories,
        radius_km=query.radius_km,
        max_distance_km=query.max_distance_km,
        now=NOW,
        limit=query.limit,
    )


# --- an independent statement of the rules (API.md) -----------------------------------------


def breaks_a_disclosed_rule(p: Profile, c: Candidate) -> bool:
    if not c.accepting_referrals:
        return True
    if c.genders and p.gender != "undisclosed" and p.gender not in c.genders:
        return True
    if p.age is not None and c.min_age is not None and p.age < c.min_age:
        return True
    if p.age is not None and c.max_age is not None and p.age > c.max_age:
        return True
    if c.statuses and p.newcomer_status != "undisclosed" and p.newcomer_status not in c.statuses:
        return True
    if c.trafficking_types and p.trafficking_type != "undisclosed":
        experienced = {"labour", "sex"} if p.trafficking_type == "both" else {p.trafficking_type}
        if not experienced & c.trafficking_types:
            return True
    if p.with_dependents and c.accepts_dependents is False:
        return True
    if p.no_identification and c.id_required:
        return True
    if p.no_police_report and c.police_report_required:
        return True
    return bool(
        p.wheelchair
        and c.sites
        and all(site.wheelchair_accessible is False for site in c.sites)
        and not c.delivery & {"phone", "virtual", "outreach"}
    )


# Reach may be decided on the sphere rather than the ellipsoid: the two differ by less than
# 0.5%, so a site that close to the edge of a radius may fall either side of it.
SPHERE_TOLERANCE = 0.005


def nearest_km(p: Profile, c: Candidate) -> float | None:
    return min((distance_km(p.point, s.point) for s in c.sites), default=None)


def in_service_area(p: Profile, c: Candidate) -> bool:
    nearest = nearest_km(p, c)
    by_radius = (
        nearest is not None
        and c.service_radius_km is not None
        and nearest <= c.service_radius_km * (1 + SPHERE_TOLERANCE)
    )
    return c.nationwide or p.province in c.provinces or by_radius


def surely_in_service_area(p: Profile, c: Candidate) -> bool:
    nearest = nearest_km(p, c)
    by_radius = (
        nearest is not None
        and c.service_radius_km is not None
        and nearest <= c.service_radius_km * (1 - SPHERE_TOLERANCE)
    )
    return c.nationwide or p.province in c.provinces or by_radius


def within_radius(p: Profile, c: Candidate, radius_km: float) -> bool:
    nearest = nearest_km(p, c)
    return nearest is not None and nearest <= radius_km * (1 + SPHERE_TOLERANCE)


def surely_within_radius(p: Profile, c: Candidate, radius_km: float) -> bool:
    """Within the radius however it is measured and a confidential distance coarsened."""
    nearest = nearest_km(p, c)
    return nearest is not None and nearest + 5.0 <= radius_km * (1 - SPHERE_TOLERANCE)


def usable_sites(p: Profile, c: Candidate) -> Candidate:
    """The service with only the sites the person can go to: for a wheelchair user, none
    with steps."""
    if not p.wheelchair:
        return c
    return replace(c, sites=tuple(s for s in c.sites if s.wheelchair_accessible is not False))


def visited(p: Profile, c: Candidate, housing: bool) -> bool:
    """Whether the person can go to one of its sites (or it has none and serves its area)."""
    in_person = housing or "in_person" in c.delivery or not c.delivery
    return in_person and (not c.sites or bool(usable_sites(p, c).sites))


def serves_where_they_are(c: Candidate, housing: bool) -> bool:
    """By outreach, phone or online; never housing, whose bed is at its site."""
    return not housing and bool(c.delivery & {"outreach", "phone", "virtual"})


def states_area(c: Candidate) -> bool:
    return c.nationwide or bool(c.provinces) or c.service_radius_km is not None


def surely_reaches(p: Profile, c: Candidate, radius_km: float, housing: bool) -> bool:
    """Reaches the person however distances are measured (API.md): at a site they can go to
    within the radius, or in its area; one that serves no one at a site they can go to, only
    where they are and inside the area it states."""
    if visited(p, c, housing):
        return surely_in_service_area(p, c) or surely_within_radius(
            p, usable_sites(p, c), radius_km
        )
    return serves_where_they_are(c, housing) and (
        surely_in_service_area(p, c)
        or (not states_area(c) and surely_within_radius(p, c, radius_km))
    )


def may_reach(p: Profile, c: Candidate, radius_km: float, housing: bool) -> bool:
    """As `surely_reaches`, with every tolerance the other way."""
    if visited(p, c, housing):
        return in_service_area(p, c) or within_radius(p, usable_sites(p, c), radius_km)
    return serves_where_they_are(c, housing) and (
        in_service_area(p, c) or (not states_area(c) and within_radius(p, c, radius_km))
    )


def wanted(c: Candidate, query: Query) -> bool:
    return bool(c.categories & query.categories)


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_no_match_breaks_a_disclosed_rule_or_is_out_of_reach(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    by_id = {c.service_id: c for c in registry}
    for match in rank(profile, registry, query):
        candidate = by_id[match.service_id]
        assert wanted(candidate, query)
        assert not breaks_a_disclosed_rule(profile, candidate)
        assert may_reach(profile, candidate, query.radius_km, is_housing(query.categories))
        if profile.wheelchair and match.site_index is not None and match.reach == "location":
            # Never sent to a site with steps.
            assert candidate.sites[match.site_index].wheelchair_accessible is not False


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_every_eligible_service_in_reach_is_found_when_the_limit_allows(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    found = {m.service_id for m in rank(profile, registry, replace(query, limit=50))}
    for candidate in registry:
        if not wanted(candidate, query) or breaks_a_disclosed_rule(profile, candidate):
            assert candidate.service_id not in found
        elif surely_reaches(profile, candidate, query.radius_km, is_housing(query.categories)):
            assert candidate.service_id in found


@given(registry=registries(), profile=profiles, query=queries)
def test_help_near_is_what_an_answer_as_long_as_the_registry_would_show_near(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    """The unmet-need report's "near" and "bed tonight" never depend on the `limit` asked:
    they are what an answer listing every match at the asked distance shows without the
    "farther than asked" caveat, and for urgent housing with a bed by `bed_tonight`."""
    asked = replace(query, radius_km=query.max_distance_km, limit=len(registry) + 1)
    every = rank(profile, registry, asked)
    within = [m for m in every if not {n.code for n in m.caveats} & FARTHER_THAN_ASKED]
    by_id = {c.service_id: c for c in registry}
    beds = profile.urgent and is_housing(query.categories)
    near, bed = found_near(
        profile,
        registry,
        categories=query.categories,
        asked_km=query.max_distance_km,
        eligibility=Eligibility(profile),
        now=NOW,
        freshness=Freshness(),
        beds=beds,
    )
    assert near == bool(within)
    assert bed == (
        beds and any(scoring.bed_tonight(by_id[m.service_id], NOW, Freshness()) for m in within)
    )


@settings(max_examples=150, deadline=None)
@given(
    registry=registries(),
    profile=profiles,
    query=queries,
    widened_km=st.sampled_from([100.0, 200.0, 350.0, 500.0]),
)
def test_widening_the_radius_changes_no_match_found_at_the_asked_distance(
    registry: list[Candidate], profile: Profile, query: Query, widened_km: float
) -> None:
    """Widening only adds services: each one found at the asked distance is found again with
    the same score, distance and explanation (a phone line stays a phone line)."""
    # And each service again serving the person's province by phone and outreach, which
    # few draws do.
    registry += [
        replace(
            c,
            service_id=f"{c.service_id}-area",
            provinces=c.provinces | {profile.province},
            delivery=c.delivery | {"phone", "outreach"},
        )
        for c in registry
    ]
    asked = replace(query, radius_km=query.max_distance_km, limit=50)
    widened = {
        m.service_id: m for m in rank(profile, registry, replace(asked, radius_km=widened_km))
    }
    for match in rank(profile, registry, asked):
        assert widened[match.service_id] == match


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_matches_are_sorted_limited_and_scored_in_the_unit_interval(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    matches = rank(profile, registry, query)
    everything = rank(profile, registry, replace(query, limit=50))
    assert len(matches) <= query.limit
    assert len(matches) == min(query.limit, len(everything))
    assert matches == everything[: query.limit]
    keys = [
        (-m.score, float("inf") if m.distance_km is None else m.distance_km, m.service_id)
        for m in everything
    ]
    assert keys == sorted(keys)
    assert len({m.service_id for m in everything}) == len(everything)
    for match in everything:
        assert 0.0 <= match.score <= 1.0
        assert isinstance(match.score, float)


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_ranking_does_not_depend_on_registry_order_and_hides_confidential_distances(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    matches = rank(profile, registry, query)
    assert rank(profile, list(reversed(registry)), query) == matches
    by_id = {c.service_id: c for c in registry}
    for match in matches:
        candidate = by_id[match.service_id]
        if match.site_index is None:
            assert match.distance_km is None
            continue
        site = candidate.sites[match.site_index]
        exact = distance_km(profile.point, site.point)
        assert match.distance_km is not None
        if site.confidential:
            # (the site stands for its cell: the distance covers every place in it)
            farthest = exact + cell_reach_km(site.point.latitude)
            assert match.distance_km % 5 == 0
            assert farthest <= match.distance_km < farthest + 5 + 1e-6
        else:
            assert abs(match.distance_km - exact) <= 0.05 + 1e-9


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_the_explanation_states_the_distance_shown(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    for match in rank(profile, registry, query):
        stated = [note.param("km") for note in match.reasons if note.code == "distance"]
        assert stated in ([], [match.distance_km])
        beyond = any(note.code in FARTHER_THAN_ASKED for note in match.caveats)
        if beyond:
            assert match.distance_km is not None
            assert match.distance_km > query.max_distance_km


# The caveats that say a match is, or may be (a confidential place), farther than asked.
FARTHER_THAN_ASKED = frozenset({"beyond_asked_distance", "maybe_beyond_asked_distance"})


def bed_or_24_7(c: Candidate) -> bool:
    """A free bed by a count at most 48 hours old, or intake at any hour (API.md)."""
    current = c.availability_updated_at is not None and (
        NOW - c.availability_updated_at <= timedelta(hours=Freshness().availability_stale_hours)
    )
    return c.intake_24_7 or (bool(c.beds_available) and current)


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_urgent_housing_puts_every_bed_or_24_7_service_first(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    urgent = replace(profile, urgent=True)
    housing = replace(query, categories=HOUSING, limit=50)
    by_id = {c.service_id: c for c in registry}
    ready = [bed_or_24_7(by_id[m.service_id]) for m in rank(urgent, registry, housing)]
    assert ready == sorted(ready, reverse=True)


@settings(max_examples=150, deadline=None)
@given(registry=registries(), profile=profiles, query=queries)
def test_every_match_whose_eligibility_was_never_stated_says_so(
    registry: list[Candidate], profile: Profile, query: Query
) -> None:
    by_id = {c.service_id: c for c in registry}
    for match in rank(profile, registry, query):
        said = [note.code for note in match.caveats if note.code == "eligibility_unstated"]
        assert said == (
            [] if by_id[match.service_id].eligibility_stated else ["eligibility_unstated"]
        )


# --- what ranking works out once per request must equal what it stands for -----------------

# The fields eligibility reads (eligibility.py); `Candidate.rules` must tell them apart.
RULE_FIELDS = (
    "accepting_referrals",
    "eligibility_stated",
    "genders",
    "min_age",
    "max_age",
    "statuses",
    "trafficking_types",
    "accepts_dependents",
    "categories",  # whether it houses people, for children
    "id_required",
    "police_report_required",
    "delivery",  # whether it serves where the person is, for wheelchair access
)


@settings(max_examples=500, deadline=None)
@given(candidate=candidates(), profile=profiles)
def test_the_filter_alone_decides_as_the_rules_do(candidate: Candidate, profile: Profile) -> None:
    eligible = not breaks_a_disclosed_rule(profile, candidate)
    assert admits(profile, candidate) is eligible
    assert check(profile, candidate).eligible is eligible
    assert Eligibility(profile).admits(candidate) is eligible


@settings(max_examples=300, deadline=None)
@given(first=candidates(), second=candidates(), profile=profiles)
def test_listings_with_the_same_rules_get_the_same_verdict(
    first: Candidate, second: Candidate, profile: Profile
) -> None:
    # Everything of `second` but the rules of `first`: its sites (or `first`'s when it has
    # none) as accessible as the first of `first`'s, which then has only sites as accessible.
    access = first.sites[0].wheelchair_accessible if first.sites else None
    first = replace(
        first, sites=tuple(replace(s, wheelchair_accessible=access) for s in first.sites)
    )
    sites = tuple(replace(s, wheelchair_accessible=access) for s in second.sites)
    alike = replace(
        second,
        **{name: getattr(first, name) for name in RULE_FIELDS},
        sites=(sites or first.sites) if first.sites else (),
    )
    assert alike.rules == first.rules
    assert check(profile, alike) == check(profile, first)
    # Listings that differ in one field that eligibility reads are told apart when it counts.
    for name in (*RULE_FIELDS, "sites"):
        variant = replace(first, **{name: getattr(second, name)})
        if check(profile, variant) != check(profile, first):
            assert variant.rules != first.rules, name
    # And the request's memo answers as `check` does, whatever came before.
    eligibility = Eligibility(profile)
    for candidate in (first, second, alike, first):
        assert eligibility(candidate) == check(profile, candidate)


@settings(max_examples=300, deadline=None)
@given(
    candidate=candidates(),
    profile=profiles,
    query=queries,
    now=st.sampled_from([NOW, NOW + timedelta(days=200)]),
)
def test_the_scorer_adds_the_factors_as_combine_does(
    candidate: Candidate, profile: Profile, query: Query, now: datetime
) -> None:
    """`Scorer` is `scoring.combine` of the factors that apply (scoring.py), to the last bit."""
    housing = all(category.startswith("housing.") for category in query.categories)
    how = reach(profile, candidate, radius_km=query.radius_km, housing=housing)
    standing = {
        "language": scoring.language_factor(profile.languages, candidate.languages),
        "specialisation": scoring.specialisation_factor(
            profile.trafficking_type, candidate.trafficking_focus
        ),
        **({"availability": scoring.availability_factor(candidate)} if housing else {}),
        "freshness": scoring.freshness_factor(
            candidate, now, housing=housing, freshness=Freshness()
        ),
    }

    def combined(factors: dict[str, float]) -> float:
        return scoring.combine(
            factors,
            Weights(),
            urgent_housing=housing and profile.urgent,
            tier=scoring.urgent_tier(candidate, now, Freshness()),
            certainty=scoring.eligibility_factor(candidate),
        )

    scorer = Scorer(profile, housing=housing, now=now)
    assert scorer.standing(candidate) == combined(standing)
    if how is None:
        return
    if how.remote:
        place = {
            "distance": scoring.REMOTE_DISTANCE_FACTOR,
            "delivery": scoring.REMOTE_DELIVERY_FIT,
        }
    elif how.outreach:
        place = {"distance": 1.0, "delivery": scoring.OUTREACH_DELIVERY_FIT}
    else:
        distance = (
            0.5
            if how.distance_km is None
            else scoring.distance_factor(how.distance_km, profile.area_type)
        )
        place = {"distance": distance, "delivery": 1.0}
    part = scorer.standing_part(candidate)
    assert scorer.score(candidate, how, part) == combined({**standing, **place})
    assert scorer.score(candidate, how, part) <= scorer.ceiling(candidate, part)


# Where a service is moved to, from the person: nowhere (it stays), exactly there, within
# about 100 m (a score equal to its ceiling once rounded, at a distance shown as 0.0 or 0.1
# km) or within a few km (scores near their ceilings and near each other's).
offsets = (
    st.none()
    | st.just((0.0, 0.0))
    | st.tuples(st.floats(-0.001, 0.001), st.floats(-0.001, 0.001))
    | st.tuples(st.floats(-0.03, 0.03), st.floats(-0.03, 0.03))
)


@settings(max_examples=500, deadline=None)
@given(
    registry=registries(),
    profile=profiles,
    query=queries,
    beside=st.lists(offsets, max_size=10),
)
def test_the_best_few_are_the_first_few_of_every_match(
    registry: list[Candidate],
    profile: Profile,
    query: Query,
    beside: list[tuple[float, float] | None],
) -> None:
    """Ranking stops scoring once no candidate left could reach the `limit`-th score: what
    it answers is still the first `limit` of the answer without a limit. Some services are
    within a few km of the person, so that their scores come near their ceilings and near
    each other's, where a stop too early would show."""
    moved = []
    for candidate, offset in zip(registry, [*beside, *[None] * len(registry)], strict=False):
        if offset is not None:
            point = Point(profile.point.latitude + offset[0], profile.point.longitude + offset[1])
            candidate = replace(candidate, sites=(Site(point),))
        moved.append(candidate)
    everything = rank(profile, moved, replace(query, limit=len(moved) + 1))
    assert rank(profile, moved, query) == everything[: query.limit]
