"""Reach, ranking and explanations for one need. Pure and deterministic: the same inputs give
the same matches in the same order (score descending, then distance ascending, then id)."""

import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from service.matching import scoring
from service.matching.eligibility import Eligibility
from service.matching.geo import (
    distance_km,
    ellipsoid_error_km,
    ellipsoid_km,
    great_circle_km,
)
from service.matching.types import (
    Candidate,
    Freshness,
    Match,
    Note,
    Point,
    Profile,
    ReachKind,
    Weights,
    languages_met,
)
from service.policy.visibility import cell_reach_km, coarse_distance_km

REMOTE_DELIVERY = frozenset({"phone", "virtual"})


def _geodesic_km(profile: Profile, site: Point) -> float:
    """The geodesic distance from the person to `site`, measured once in a request."""
    key = (site.latitude, site.longitude)
    km = profile.measured.get(key)
    if km is None:
        km = profile.measured[key] = distance_km(profile.point, site)
    return km


def coarse_km(profile: Profile, site: Point, *, extra_km: float = 0.0) -> float:
    """`coarse_distance_km` of the geodesic distance to `site` plus `extra_km`, the same to
    the last bit: by Lambert's formula where its error cannot change the 5 km step (the
    geodesic costs a hundred times more), else by the geodesic."""
    near = ellipsoid_km(profile.point, site)
    error = ellipsoid_error_km(near)
    low = coarse_distance_km(near - error + extra_km)
    if low == coarse_distance_km(near + error + extra_km):
        return low
    return coarse_distance_km(_geodesic_km(profile, site) + extra_km)


def shown_km(profile: Profile, site: Point) -> float:
    """The geodesic distance to `site` to a tenth of a km, decided as `coarse_km` decides its
    step: by the geodesic only within a few metres of a rounding's edge. (Measuring every
    shown distance on the ellipsoid cost a match a sixth more, once no request remembered
    another's measurements.)"""
    near = ellipsoid_km(profile.point, site)
    error = ellipsoid_error_km(near)
    low = round(max(0.0, near - error), 1)  # (never -0.0 km, at the site's own point)
    if low == round(near + error, 1):
        return low
    return round(_geodesic_km(profile, site), 1)


class Reach(NamedTuple):
    """How a service reaches the person. (A named tuple: one is made for every candidate,
    and a frozen dataclass costs several times more to make.)"""

    distance_km: float | None  # to the nearest site; coarse when that site is confidential
    site_index: int | None
    confidential: bool
    within_radius: bool
    remote: bool  # served by phone or online
    outreach: bool  # staff travel to the person


def reach(
    profile: Profile,
    candidate: Candidate,
    *,
    radius_km: float,
    housing: bool,
    asked_km: float | None = None,
    weights: Weights = Weights(),  # noqa: B008  (frozen, so a shared default is safe)
) -> Reach | None:
    """How, if at all, the service reaches the person within `radius_km` (API.md): a site
    within the radius, or the person inside its service area (within `service_radius_km` of a
    site, in one of its provinces, or nationwide). Housing is never delivered remotely.

    `asked_km`: the distance the person asked for (`radius_km` unless the radius was widened).
    A service whose area covers the person and that serves by phone, online or outreach
    reaches them so whenever its nearest site is farther than that, however wide the radius:
    widening to find more services must not turn a provincial phone line into a site 300 km
    away, nor change its score. One that serves no one in person reaches them so wherever
    its office is: a phone line 10 km away is no nearer than one 300 km away. And one that
    serves both ways reaches the person the way that scores better (`_going_scores_better`):
    a clinic that also answers by phone never ranks higher for being 60 km away than 20."""
    # To a confidential site only the distance rounded up to the next 5 km counts, for reach as
    # for display, so that trying several radii cannot reveal the exact distance.
    nearest: tuple[float, int] | None = None
    # The nearest site the person can go to: for a wheelchair user, not one with steps.
    usable: tuple[float, int] | None = None
    for index, site in enumerate(candidate.sites):
        # A confidential site's distance is shown rounded up from the geodesic, so it is
        # measured exactly here; the others are sifted by the faster great circle.
        km = (
            coarse_km(profile, site.point)
            if site.confidential
            else great_circle_km(profile.point, site.point)
        )
        if nearest is None or km < nearest[0]:
            nearest = (km, index)
        if (usable is None or km < usable[0]) and not (
            profile.wheelchair and site.wheelchair_accessible is False
        ):
            usable = (km, index)
    km_to_nearest = nearest[0] if nearest else None
    km_to_usable = usable[0] if usable else None
    within = km_to_usable is not None and km_to_usable <= radius_km
    states_area = (
        candidate.nationwide or bool(candidate.provinces) or candidate.service_radius_km is not None
    )
    # Within the radius around its sites it says it serves (and its staff travel).
    in_radius = (
        km_to_nearest is not None
        and candidate.service_radius_km is not None
        and km_to_nearest <= candidate.service_radius_km
    )
    in_area = candidate.nationwide or profile.province in candidate.provinces or in_radius
    # How it would reach the person where they are: by outreach, else by phone or online;
    # None when it cannot. Outreach (which scores better, `_where_they_are`) only within the
    # radius its staff say they travel, when it states one: a Toronto team travelling 60 km
    # that also takes people from all of Ontario at its office does not come 1,000 km to
    # Attawapiskat, nor does a province-wide line whose staff also visit. Without a radius,
    # over the area it serves, unless it also serves by phone or online there. Never housing:
    # a bed is at its site, whoever comes to fetch the person, and its distance counts.
    remote_listed = bool(candidate.delivery & REMOTE_DELIVERY)
    travels = "outreach" in candidate.delivery and (
        in_radius
        if candidate.service_radius_km is not None and candidate.sites
        else not remote_listed
    )
    way: ReachKind | None = (
        None if housing else "outreach" if travels else "phone_or_online" if remote_listed else None
    )
    # Whether the person can go to its site: a service by phone, online or outreach only
    # reaches them where they are, however near its office (housing is always a place); and
    # a wheelchair user cannot go to a service whose every site has steps.
    visited = (housing or "in_person" in candidate.delivery or not candidate.delivery) and (
        usable is not None or nearest is None
    )
    if not visited:
        if housing:
            # A bed is at a site: a wheelchair user cannot stay where every site has steps,
            # however the service reaches them first (its outreach staff come to them).
            return None
        # Only where they are, and only inside the area it serves, when it states one: a
        # provincial phone line does not serve the next province for having its office near
        # the border, nor outreach staff travel farther than they say.
        by_office = not states_area and km_to_nearest is not None and km_to_nearest <= radius_km
        if way is None or not (in_area or by_office):
            return None
        remote, outreach = way == "phone_or_online", way == "outreach"
        within = km_to_nearest is not None and km_to_nearest <= radius_km
        shown_site = nearest
    else:
        if not within and not in_area:
            return None
        asked = radius_km if asked_km is None else min(asked_km, radius_km)
        where_they_are = (
            way is not None
            and in_area
            and (
                km_to_usable is None
                or km_to_usable > asked
                or not _going_scores_better(km_to_usable, profile.area_type, way, weights)
            )
        )
        remote = where_they_are and way == "phone_or_online"
        outreach = where_they_are and way == "outreach"
        # The site shown: the one the person would go to, or, reached where they are, the
        # nearest.
        shown_site = nearest if where_they_are else usable
    if shown_site is None:
        return Reach(None, None, False, False, remote, outreach)
    km, index = shown_site
    confidential = candidate.sites[index].confidential
    return Reach(
        km if confidential else round(km, 1), index, confidential, within, remote, outreach
    )


def _where_they_are(way: ReachKind) -> tuple[float, float]:
    """The distance and delivery-fit factors of a service that reaches the person where they
    are: by phone or online, else by outreach (both factors at least the phone's, so
    `reach` takes outreach first)."""
    if way == "phone_or_online":
        return scoring.REMOTE_DISTANCE_FACTOR, scoring.REMOTE_DELIVERY_FIT
    return 1.0, scoring.OUTREACH_DELIVERY_FIT


def _going_scores_better(km: float, area_type: str, way: ReachKind, weights: Weights) -> bool:
    """Whether a trip of `km` to the site scores at least as well (distance and delivery
    fit) as reaching the person where they are, as `way` says."""
    distance, fit = _where_they_are(way)
    going = weights.distance * scoring.distance_factor(km, area_type) + weights.delivery
    return going >= weights.distance * distance + weights.delivery * fit


def _language_notes(profile: Profile, candidate: Candidate) -> tuple[list[Note], list[Note]]:
    asked = profile.languages
    if not asked:
        return [], []
    shared = languages_met(profile) & candidate.languages
    if shared:
        speaks = [Note("speaks", (("languages", ",".join(sorted(shared))),))]
        first = profile.first_language
        if first is not None and not profile.first_languages_met & candidate.languages:
            # Another of theirs, not the one they are most at ease in: said, as it ranks so.
            return speaks, [Note("first_language_not_listed", (("languages", first),))]
        return speaks, []
    if not candidate.languages:
        return [], [Note("languages_unknown")]
    return [], [Note("language_not_listed", (("languages", ",".join(sorted(asked))),))]


def _availability_notes(
    candidate: Candidate, now: datetime, freshness: Freshness
) -> tuple[list[Note], list[Note]]:
    reasons: list[Note] = []
    caveats: list[Note] = []
    hours = scoring.availability_age_hours(candidate, now)
    age = () if hours is None else (("hours", int(hours)),)
    if candidate.beds_available is None:
        caveats.append(Note("beds_unknown"))
    elif candidate.beds_available > 0:
        reasons.append(Note("beds_free", (("beds", candidate.beds_available), *age)))
    else:
        caveats.append(Note("no_beds", age))
    # The count's age is in the note above; this says what it means. Not for a service that
    # gives no count: "availability unknown" says it all.
    if candidate.beds_available is not None and (
        hours is None or hours > freshness.availability_stale_hours
    ):
        caveats.append(Note("beds_stale"))
    return reasons, caveats


class Scorer:
    """The score (scoring.py) of candidates for one person and one need, with what is the
    same for every candidate worked out once: ranking scores hundreds per need. Each score is
    `scoring.combine` of the factors that apply, added in the same order, so that it is the
    same to the last bit (tests/unit/test_matching_properties.py)."""

    def __init__(
        self,
        profile: Profile,
        *,
        housing: bool,
        now: datetime,
        weights: Weights = Weights(),  # noqa: B008  (frozen, so a shared default is safe)
        freshness: Freshness = Freshness(),  # noqa: B008
        eligibility: Eligibility | None = None,
    ) -> None:
        # How sure it is that a service serves the person: the listing's stated rules, and,
        # with the person's `eligibility`, whether their answers leave them in doubt.
        self._certainty: Callable[[Candidate], float] = (
            scoring.eligibility_factor if eligibility is None else eligibility.certainty
        )
        self._languages = languages_met(profile)
        self._first_languages = profile.first_languages_met
        self._trafficking = profile.trafficking_type
        self._area_type = profile.area_type
        self._housing = housing
        self._urgent = housing and profile.urgent
        self._now = now
        self._freshness = freshness
        self._distance = float(weights.distance)
        self._delivery = float(weights.delivery)
        self._language = float(weights.language) * (
            scoring.URGENT_LANGUAGE_SHARE if self._urgent else 1.0
        )
        self._specialisation = float(weights.specialisation)
        self._availability = float(weights.availability)
        self._fresh = float(weights.freshness)
        # The sums of the weights that apply, in the order combine adds them: the factors that
        # do not depend on where the service is first, so that a bound on the score shares them.
        standing = [self._language, self._specialisation]
        if housing:
            standing.append(self._availability)
        standing.append(self._fresh)
        self._standing_total = _sum(standing)
        self._total = _sum([*standing, self._distance, self._delivery])

    def standing_part(self, candidate: Candidate) -> float:
        """The weighted sum of the factors that do not depend on where the service is."""
        weighted = self._language * scoring.language_factor(
            self._languages, candidate.languages, self._first_languages
        )
        weighted += self._specialisation * scoring.specialisation_factor(
            self._trafficking, candidate.trafficking_focus
        )
        if self._housing:
            weighted += self._availability * scoring.availability_factor(candidate)
        return weighted + self._fresh * scoring.freshness_factor(
            candidate, self._now, housing=self._housing, freshness=self._freshness
        )

    def _folded(self, candidate: Candidate, weighted: float, total: float) -> float:
        base = self._certainty(candidate) * weighted / total
        if self._urgent:
            base = scoring.fold_urgent(
                base, scoring.urgent_tier(candidate, self._now, self._freshness)
            )
        return round(base, 4)

    def score(self, candidate: Candidate, how: Reach, standing: float) -> float:
        """The score of a service that reaches the person as `how` says, without its
        explanation: ranking scores every candidate and explains only those it may show.
        `standing`: its `standing_part`."""
        if how.remote or how.outreach:
            distance, delivery = _where_they_are("phone_or_online" if how.remote else "outreach")
        else:
            # A service without sites that is not remote reaches by its area only.
            distance = (
                scoring.distance_factor(how.distance_km, self._area_type)
                if how.distance_km is not None
                else 0.5
            )
            delivery = 1.0
        weighted = standing + self._distance * distance
        weighted += self._delivery * delivery
        return self._folded(candidate, weighted, self._total)

    def ceiling(self, candidate: Candidate, standing: float) -> float:
        """The highest score the service could have, however it reaches the person (the
        distance and delivery factors are at most 1): its score is never above it, since
        every step of the score's arithmetic keeps order."""
        weighted = standing + self._distance * 1.0
        weighted += self._delivery * 1.0
        return self._folded(candidate, weighted, self._total)

    def standing(self, candidate: Candidate) -> float:
        """The score without distance and delivery (the factors that do not depend on where
        the service is), folded for urgent housing: how to choose among more province-wide
        services than are ranked, those likeliest to rank first for the person."""
        return self._folded(candidate, self.standing_part(candidate), self._standing_total)


def _sum(weights: list[float]) -> float:
    total = 0.0
    for weight in weights:
        total += weight
    return total


def explain(
    profile: Profile,
    candidate: Candidate,
    how: Reach,
    *,
    value: float,
    housing: bool,
    now: datetime,
    freshness: Freshness,
    base_reasons: tuple[Note, ...],
    base_caveats: tuple[Note, ...],
) -> Match:
    """The match of a service scored `value` (by `score`), with its reasons and caveats."""
    reasons: list[Note] = []
    caveats: list[Note] = []
    if how.remote:
        reasons.append(Note("remote"))
    elif how.outreach:
        reasons.append(Note("outreach"))
    if how.confidential:
        caveats.append(Note("confidential_location"))
    reasons.extend(base_reasons)
    caveats.extend(base_caveats)
    if profile.wheelchair and how.site_index is not None and not (how.remote or how.outreach):
        # Said of the site the person is sent to (`reach` never picks one with steps).
        if candidate.sites[how.site_index].wheelchair_accessible:
            reasons.append(Note("wheelchair_accessible"))
        else:
            caveats.append(Note("wheelchair_unknown"))

    language_reasons, language_caveats = _language_notes(profile, candidate)
    reasons.extend(language_reasons)
    caveats.extend(language_caveats)

    if scoring.specialisation_factor(profile.trafficking_type, candidate.trafficking_focus) == 1.0:
        reasons.append(
            Note("specialises", (("types", ",".join(sorted(candidate.trafficking_focus))),))
        )

    if housing:
        bed_reasons, bed_caveats = _availability_notes(candidate, now, freshness)
        reasons.extend(bed_reasons)
        caveats.extend(bed_caveats)
    if candidate.intake_24_7:
        reasons.append(Note("intake_24_7"))
    elif housing and profile.urgent and scoring.EMERGENCY_SHELTER not in candidate.categories:
        # Ranked below every shelter that takes people tonight: say why, whether its count
        # says a free bed (the middle tier) or says nothing current (the least certain, which
        # most needs it).
        caveats.append(Note("not_tonight"))
    elif housing and profile.urgent and candidate.intake_hours_stated:
        # An emergency shelter whose intake keeps hours: ranked with those taking people
        # tonight for its free bed, but its door may be shut at this hour (a review found
        # one with "Mon-Fri 9-17" first, without a word).
        caveats.append(Note("intake_hours"))

    days = scoring.verified_age_days(candidate, now)
    if days is None:
        caveats.append(Note("never_verified"))
    elif days > freshness.verified_stale_days:
        caveats.append(Note("not_verified", (("days", int(days)),)))

    if candidate.referral_required:
        caveats.append(Note("referral_required"))
    if candidate.fees != "free":
        caveats.append(Note("fees", (("fees", candidate.fees),)))

    return Match(
        service_id=candidate.service_id,
        score=value,
        distance_km=how.distance_km,
        site_index=how.site_index,
        reach=reach_kind(how),
        reasons=tuple(reasons),
        caveats=tuple(caveats),
    )


def _area_note(profile: Profile, candidate: Candidate, km: float) -> Note | None:
    """The area a service `km` away takes people from, when it covers the person."""
    if candidate.nationwide:
        return Note("serves_area", (("area", "CA"),))
    if profile.province in candidate.provinces:
        return Note("serves_area", (("area", profile.province),))
    if candidate.service_radius_km is not None and km <= candidate.service_radius_km:
        return Note("serves_radius", (("radius", candidate.service_radius_km),))
    return None


def reach_kind(how: Reach) -> ReachKind:
    """How the person is reached, as the answer says it."""
    if how.remote:
        return "phone_or_online"
    if how.outreach:
        return "outreach"
    return "service_area" if how.distance_km is None else "location"


def _shown_km(profile: Profile, candidate: Candidate, how: Reach | Match) -> float | None:
    """The distance to the nearest site as the answer shows it: geodesic to a tenth of a km,
    or to a confidential site, rounded up to the next 5 km from the farthest its cell allows
    (its site is the centre of its cell, which ranking measures to): never less than the
    true distance, and the same for every place in the cell."""
    if how.site_index is None or how.distance_km is None:
        return how.distance_km
    site = candidate.sites[how.site_index]
    if site.confidential:
        return coarse_km(profile, site.point, extra_km=cell_reach_km(site.point.latitude))
    return shown_km(profile, site.point)


def reaches_within(
    profile: Profile, candidate: Candidate, *, asked_km: float, housing: bool
) -> bool:
    """Whether the service reaches the person within the distance they asked, as a match
    without the "farther than asked" caveat does: by phone, online or outreach, as a
    service without sites serving their area, or at a site that near."""
    how = reach(profile, candidate, radius_km=asked_km, housing=housing, asked_km=asked_km)
    if how is None:
        return False
    if reach_kind(how) != "location":
        return True
    shown = _shown_km(profile, candidate, how)
    return shown is not None and shown <= asked_km


def found_near(
    profile: Profile,
    candidates: Iterable[Candidate],
    *,
    categories: frozenset[str],
    asked_km: float,
    eligibility: Eligibility,
    now: datetime,
    freshness: Freshness,
    beds: bool,
) -> tuple[bool, bool]:
    """For the unmet-need report, whatever `limit` the answer showed: whether any eligible
    service of `categories` reaches the person within the distance asked, and, when `beds`
    (urgent housing), whether any of those has a bed tonight (`scoring.bed_tonight`)."""
    housing = is_housing(categories)
    near = False
    for candidate in candidates:
        if not candidate.categories & categories or not eligibility.admits(candidate):
            continue
        if not reaches_within(profile, candidate, asked_km=asked_km, housing=housing):
            continue
        near = True
        if not beds:
            return True, False
        if scoring.bed_tonight(candidate, now, freshness):
            return True, True
    return near, False


def _finish(match: Match, candidate: Candidate, profile: Profile, max_distance_km: float) -> Match:
    """The distance as shown (geodesic, or as decided for a confidential site) and the notes
    that state it, so that reasons and `distance_km` always agree."""
    if match.site_index is None:
        if match.reach != "service_area":
            return match
        # Reached by its area alone, with no site to measure from: that area is all that
        # says why it is shown (a review found a housing line with beds first of an answer,
        # with no distance and no word of where it takes people from).
        area = _area_note(profile, candidate, math.inf)
        return replace(match, reasons=(area, *match.reasons)) if area else match
    shown = _shown_km(profile, candidate, match)
    if match.reach != "location" or shown is None:
        return replace(match, distance_km=shown)
    caveats = match.caveats
    area = None
    if shown > max_distance_km:
        # Farther than asked, for taking people from where the person is: say so, or a
        # shelter 1,300 km away reads as a mistake (a review of rural answers).
        area = _area_note(profile, candidate, match.distance_km or shown)
        # A confidential place is shown at the farthest its cell allows; found within the
        # asked distance from the cell's centre, it may be nearer than shown: "may be", not
        # "is" farther (a review found a shelter 2.7 km away called farther than 5 km).
        site = candidate.sites[match.site_index]
        maybe = site.confidential and (coarse_km(profile, site.point) <= max_distance_km)
        code = "maybe_beyond_asked_distance" if maybe else "beyond_asked_distance"
        caveats = (*caveats, Note(code, (("km", max_distance_km),)))
    distance = Note("distance", (("km", shown),))
    return replace(
        match,
        distance_km=shown,
        reasons=(distance, area, *match.reasons) if area else (distance, *match.reasons),
        caveats=caveats,
    )


def found_within(
    profile: Profile,
    candidates: Iterable[Candidate],
    *,
    categories: frozenset[str],
    radius_km: float,
    max_distance_km: float,
    eligibility: Eligibility,
    enough: int,
    counts: Callable[[Candidate], bool] | None = None,
) -> int:
    """How many eligible services of `categories` (of those, the ones `counts`) reach the
    person within the radius, shown or not, counted up to `enough`: where they are, by their
    area without a site, or at a site within it as `reach` measures (a confidential place
    from its cell's centre, not the farthest its cell allows, which the answer shows). One
    whose area covers the person but whose site is farther (a safe house taking people from
    the whole province, 340 km away) is shown, but the radius still widens for nearer help."""
    housing = is_housing(categories)
    found = 0
    for candidate in candidates:
        if not candidate.categories & categories or not eligibility.admits(candidate):
            continue
        if counts is not None and not counts(candidate):
            continue
        how = reach(
            profile, candidate, radius_km=radius_km, housing=housing, asked_km=max_distance_km
        )
        if how is not None and (reach_kind(how) != "location" or how.within_radius):
            found += 1
            if found >= enough:
                break
    return found


def is_housing(categories: frozenset[str]) -> bool:
    """Whether a need is for housing only: never delivered remotely, ranked by free beds."""
    return all(category.startswith("housing.") for category in categories)


def sort_key(match: Match) -> tuple[float, float, str]:
    distance = math.inf if match.distance_km is None else match.distance_km
    return (-match.score, distance, match.service_id)


def rank_need(
    profile: Profile,
    candidates: tuple[Candidate, ...] | list[Candidate],
    *,
    categories: frozenset[str],
    radius_km: float,
    max_distance_km: float,
    now: datetime,
    limit: int,
    weights: Weights = Weights(),  # noqa: B008  (frozen, so a shared default is safe)
    freshness: Freshness = Freshness(),  # noqa: B008
    eligibility: Eligibility | None = None,
) -> list[Match]:
    """The best `limit` eligible services of `categories` that reach the person within
    `radius_km`, ranked and explained. `eligibility`: the person's, shared by the calls of
    one request."""
    person = Eligibility(profile) if eligibility is None else eligibility
    housing = is_housing(categories)
    scorer = Scorer(
        profile, housing=housing, now=now, weights=weights, freshness=freshness, eligibility=person
    )
    # Score the candidates (distances by great circle), best possible score first, until no
    # candidate left could reach the `limit`-th score so far (`Scorer.ceiling`); then explain
    # only the shortlist: measure its distances geodesically and order it by them.
    bounded: list[tuple[float, str, Candidate, float]] = []
    for candidate in candidates:
        if not candidate.categories & categories or not person.admits(candidate):
            continue
        standing = scorer.standing_part(candidate)
        ceiling = scorer.ceiling(candidate, standing)
        bounded.append((-ceiling, candidate.service_id, candidate, standing))
    bounded.sort(key=itemgetter(0, 1))
    scored: list[tuple[float, float, str, Candidate, Reach]] = []
    best: list[float] = []  # the `limit` best scores so far, the lowest on top
    for negated_ceiling, _, candidate, standing in bounded:
        if len(best) == limit and -negated_ceiling < best[0]:
            break  # (a score equal to the cut is still shown: ties at the cut are kept)
        how = reach(
            profile,
            candidate,
            radius_km=radius_km,
            housing=housing,
            asked_km=max_distance_km,
            weights=weights,
        )
        if how is None:
            continue
        value = scorer.score(candidate, how, standing)
        if len(best) < limit:
            heapq.heappush(best, value)
        elif value > best[0]:
            heapq.heapreplace(best, value)
        distance = math.inf if how.distance_km is None else how.distance_km
        scored.append((-value, distance, candidate.service_id, candidate, how))
    scored.sort(key=itemgetter(0, 1, 2))
    # The best `limit` are those scored above the `limit`-th, and those tied with it in the
    # order of the distances shown, which are measured for the shortlist alone.
    shown = len(scored)
    if shown > limit:
        cut = scored[limit - 1][0]
        shown = limit
        while shown < len(scored) and scored[shown][0] == cut:
            shown += 1
    shortlist = []
    for negated, _, _, candidate, how in scored[:shown]:
        verdict = person(candidate)
        match = explain(
            profile,
            candidate,
            how,
            value=-negated,
            housing=housing,
            now=now,
            freshness=freshness,
            base_reasons=verdict.reasons,
            base_caveats=verdict.caveats,
        )
        shortlist.append(_finish(match, candidate, profile, max_distance_km))
    shortlist.sort(key=sort_key)
    return shortlist[:limit]
