"""Matching: an anonymized need profile in, ranked and explained services out.

The profile lives only in this request's memory: it is never written to the database, a log,
a metric label or an error.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlmodel import Session

from schemas.enums import (
    Category,
    Need,
    NewcomerStatus,
    Role,
    ServedGender,
    ServedStatus,
    ServedTraffickingType,
)
from schemas.languages import language_name, related_languages
from schemas.match import (
    MatchLocation,
    MatchResponse,
    NeedProfile,
    PlaceList,
    PlacePublic,
)
from service.config import Settings
from service.errors import Unprocessable
from service.gazetteer import Gazetteer, Locality
from service.matching.eligibility import Eligibility
from service.matching.geo import bounding_box, cell_of, next_ring_km, radius_steps
from service.matching.index import RegistryIndex
from service.matching.messages import render
from service.matching.ranking import (
    Scorer,
    found_near,
    found_within,
    is_housing,
    rank_need,
)
from service.matching.scoring import (
    OTHER_LANGUAGE_FACTOR,
    UNSTATED_ELIGIBILITY_FACTOR,
    URGENT_LANGUAGE_SHARE,
    bed_tonight,
    has_bed_or_24_7,
)
from service.matching.types import (
    Candidate,
    Freshness,
    Match,
    Point,
    Profile,
    Weights,
    languages_met,
)
from service.models import Service, utcnow
from service.policy.visibility import View, view_for
from service.repository import match as repo
from service.repository.rows import Remembered, converter
from service.usecases.candidates import built
from service.usecases.keys import Caller
from service.usecases.listings import (
    CATEGORIES,
    DELIVERIES,
    GENDERS,
    STATUSES,
    TRAFFICKING_TYPES,
    from_mask,
    intake_view,
    location_view,
    to_mask,
)
from service.usecases.match_index import MatchIndex
from service.usecases.reports import NeedTally, Outcome

# A postal prefix whose postal codes lie (median) farther than this from its point is a region
# of the north or the country, not a place to measure from: 52 of 1,661, none in a city.
WIDE_PREFIX_KM = 50.0


def _unknown(field: str, message: str) -> Unprocessable:
    return Unprocessable.at(
        "body", "location", field, msg=message, detail=f"location.{field}: {message}"
    )


def resolve_location(gazetteer: Gazetteer, location: MatchLocation) -> Locality:
    """Where the person is, coarsely. Unknown names are refused without echoing them."""
    if location.postal_prefix is not None:
        area = gazetteer.postal_area(location.postal_prefix)
        if area is None:
            raise _unknown("postal_prefix", "unknown postal prefix")
        # A whole rural code names the person's community (X0A 0H0: Iqaluit; C0A 2B0:
        # Souris, PE), the way a caller says where they are: a rural area's centre may lie
        # tens of km from their town (C0A's, near Charlottetown, 80 km from Souris), or
        # hundreds (reviews of northern calls and of migrant farm workers' calls).
        community = gazetteer.rural_community(location.postal_prefix)
        if community is not None:
            return gazetteer.locality_for_place(community)
        if gazetteer.spread_km(area) > WIDE_PREFIX_KM:
            # A region, not a place: its centre may lie hundreds of km from the person (X0A
            # is Baffin Island, centred on Igloolik, 700 km from Iqaluit), and an answer from
            # there would call unmet a need a shelter in their own town meets.
            raise _unknown(
                "postal_prefix",
                "this postal prefix covers a region too wide to place a person (its postal "
                "codes lie over 50 km from its centre); send location.place, the town, instead",
            )
        return gazetteer.locality_for_postal_area(area)
    if location.place is not None:
        place = gazetteer.place(location.place)
        if place is None:
            if gazetteer.shared_in_province(location.place):
                raise _unknown(
                    "place",
                    "several places of that province bear this name; send "
                    "location.postal_prefix, or latitude and longitude, instead",
                )
            if gazetteer.names_province(location.place):
                raise _unknown(
                    "place",
                    "no such place known in that province; check the spelling, or send "
                    "location.postal_prefix, or latitude and longitude, instead",
                )
            if gazetteer.bears_name(location.place):
                raise _unknown(
                    "place", "several places bear this name; add the province (ON, QC, ...)"
                )
            raise _unknown(
                "place",
                "no such place known; check the spelling, or send location.postal_prefix, "
                "or latitude and longitude, instead",
            )
        return gazetteer.locality_for_place(place)
    assert location.latitude is not None
    assert location.longitude is not None
    if not gazetteer.in_canada(location.latitude, location.longitude):
        # Seattle answered as "Gonzales, BC", Minneapolis as Fort Frances, 400 km off.
        raise _unknown(
            "latitude",
            "outside Canada: this registry serves people in Canada; send the Canadian town "
            "(location.place) or postal prefix where the person is",
        )
    return gazetteer.locate(location.latitude, location.longitude)


def person_of(profile: NeedProfile, locality: Locality) -> Profile:
    """The matching core's view of the person, where they are."""
    return Profile(
        point=Point(locality.latitude, locality.longitude),
        province=locality.province,
        area_type=locality.area_type,
        gender=profile.gender.value,
        age=profile.age,
        newcomer_status=profile.newcomer_status.value,
        trafficking_type=profile.trafficking_type.value,
        languages=frozenset(profile.languages),
        languages_met=related_languages(profile.languages),
        first_language=profile.languages[0] if len(profile.languages) > 1 else None,
        first_languages_met=(
            related_languages(profile.languages[:1]) if len(profile.languages) > 1 else frozenset()
        ),
        with_dependents=profile.with_dependents,
        no_identification=profile.no_identification,
        no_police_report=profile.no_police_report,
        wheelchair=profile.wheelchair,
        urgent=profile.urgent,
    )


def _categories(need: str, newcomer_status: str) -> frozenset[str]:
    """The categories a need asks for. `legal` takes in every legal category, but immigration
    law for a Canadian citizen only when asked by name: a clinic of immigration and refugee
    law came first for an Inuk youth asking for legal help (a review of fly-in calls)."""
    if need in {n.value for n in Need}:
        categories = frozenset(c.value for c in Category if c.need.value == need)
        if need == Need.legal.value and newcomer_status == NewcomerStatus.canadian_citizen:
            categories -= {Category.legal_immigration.value}
        return categories
    return frozenset({need})


def _mask(categories: frozenset[str]) -> int:
    return to_mask([Category(c) for c in categories], CATEGORIES)


def _bit(value: str, members: tuple[ServedGender, ...] | tuple[ServedStatus, ...]) -> int | None:
    for index, member in enumerate(members):
        if member.value == value:
            return 1 << index
    return None


def _filter(profile: NeedProfile) -> repo.CandidateFilter:
    """The person's hard filters; each need sets its categories."""
    trafficking = profile.trafficking_type.value
    trafficking_bits = (
        None
        if trafficking == "undisclosed"
        else to_mask(list(TRAFFICKING_TYPES), TRAFFICKING_TYPES)
        if trafficking == "both"
        else to_mask([ServedTraffickingType(trafficking)], TRAFFICKING_TYPES)
    )
    return repo.CandidateFilter(
        categories_mask=0,
        gender_bit=_bit(profile.gender.value, GENDERS),
        age=profile.age,
        status_bit=_bit(profile.newcomer_status.value, STATUSES),
        trafficking_bits=trafficking_bits,
        with_dependents=profile.with_dependents,
        no_identification=profile.no_identification,
        no_police_report=profile.no_police_report,
    )


# The database search's first ring around the person, by the area type of where they are; it
# grows until it holds enough. Where services are dense a small ring already holds enough, and
# a ring too small costs a second search, one too large a slower one.
_FIRST_RING_KM = {"urban": 3.0, "suburban": 4.0, "rural": 8.0}


# Candidates by the rows they were built from: listing data only, nothing of any person.
_REMEMBERED: Remembered[tuple[UUID, Candidate]] = Remembered(20_000)


class _CandidatePool:
    """Candidates read in this request, shared by its needs so each service is read once."""

    def __init__(
        self,
        session: Session,
        locality: Locality,
        filters: repo.CandidateFilter,
        first_ring_km: float,
    ) -> None:
        self.session = session
        self.point = Point(locality.latitude, locality.longitude)
        self.filters = filters
        self.candidates: dict[UUID, Candidate] = {}
        self.province = locality.province
        self.first_ring_km = first_ring_km

    def read(self, ids: set[UUID]) -> list[Candidate]:
        missing = [i for i in ids if i not in self.candidates]
        raw = repo.raw_candidate_rows(self.session, missing)
        convert = None
        for _, group in groupby(raw.rows, key=itemgetter(0)):
            rows = tuple(group)
            found = _REMEMBERED.get(rows)
            if found is None:
                convert = convert or converter(self.session, repo.CANDIDATE_COLUMNS, raw.type_codes)
                found = built(rows, convert)
                _REMEMBERED.put(rows, found)
            self.candidates[found[0]] = found[1]
        return [self.candidates[i] for i in ids if i in self.candidates]


class _NeedSearch:
    """The candidates of one need: the `cap` nearest eligible services of its categories, the
    services whose area covers the person, and the province-wide and nationwide ones; for
    urgent housing, when the nearest fill `cap`, the `cap` nearest of each tier (`_IndexSearch`)."""

    def __init__(
        self,
        pool: _CandidatePool,
        categories: frozenset[str],
        cap: int,
        preference: repo.CoverPreference,
        *,
        urgent_housing: bool = False,
    ) -> None:
        self.pool = pool
        self.cap = cap
        self.filters = replace(pool.filters, categories_mask=_mask(categories))
        # Urgent housing: also the `cap` nearest of each tier, found by searches of their own
        # once the nearest of any kind fill it (`_IndexSearch.tiers`).
        self.tier_filters = [
            replace(
                self.filters,
                tier=tier,
                beds_current_since=preference.beds_current_since,
                shelter_bit=preference.emergency_shelter_bit,
            )
            for tier in (("tonight", "bed") if urgent_housing else ())
        ]
        self.ids = repo.ids_covering_province(
            pool.session,
            province=pool.province,
            filters=self.filters,
            preference=replace(
                preference,
                housing=is_housing(categories),
                language_weight=preference.language_weight
                * (URGENT_LANGUAGE_SHARE if urgent_housing else 1.0),
            ),
            cap=cap,
        )
        self.ring_km = pool.first_ring_km
        self.full = False
        self.searched_km = 0.0
        self.reach_searched = False

    def _nearest(self, radius_km: float) -> None:
        """Search growing rings until one holds `cap` services all within it (nothing outside
        is nearer) or the radius is searched. In a city the first small ring is enough."""
        while not self.full:
            ring = min(self.ring_km, radius_km)
            found = repo.ids_with_location_in_box(
                self.pool.session,
                bounding_box(self.pool.point, ring),
                self.filters,
                latitude=self.pool.point.latitude,
                longitude=self.pool.point.longitude,
                cap=self.cap,
            )
            self.ids.update(service_id for service_id, _ in found)
            self.full = len(found) == self.cap and found[-1][1] <= ring
            if ring >= radius_km:
                return
            self.ring_km = next_ring_km(ring, sum(1 for _, km in found if km <= ring), self.cap)

    def _nearest_of(
        self, filters: repo.CandidateFilter, radius_km: float
    ) -> list[tuple[UUID, float]]:
        """The `cap` nearest services passing `filters` within `radius_km`, by rings growing
        as `_nearest`'s do: one box of the whole radius had the database sort every housing
        location in it, 126 ms on PostgreSQL for a tier at 500 km in Toronto (a review)."""
        ring = self.pool.first_ring_km
        while True:
            ring = min(ring, radius_km)
            found = repo.ids_with_location_in_box(
                self.pool.session,
                bounding_box(self.pool.point, ring),
                filters,
                latitude=self.pool.point.latitude,
                longitude=self.pool.point.longitude,
                cap=self.cap,
            )
            if ring >= radius_km or (len(found) == self.cap and found[-1][1] <= ring):
                return found
            ring = next_ring_km(ring, sum(1 for _, km in found if km <= ring), self.cap)

    def within(self, radius_km: float) -> list[Candidate]:
        self.find(radius_km)
        return self.held()

    def held(self) -> list[Candidate]:
        """The candidates found so far."""
        return self.pool.read(self.ids)

    def find(self, radius_km: float) -> None:
        """The candidates' ids within `radius_km`, without reading the candidates."""
        if radius_km > self.searched_km:
            self.searched_km = radius_km
            self._nearest(radius_km)
            # (Not Canada-wide for `beyond`: the database sorts every location of a box,
            # and with every bed full that was seconds a match, where the index takes ms.)
            tiers = self.tier_filters if self.full and radius_km < BEYOND_KM else ()
            for filters in tiers:
                self.ids.update(
                    service_id for service_id, _ in self._nearest_of(filters, radius_km)
                )
            if not self.full and not self.reach_searched:
                # Fewer than `cap` are located within the radius: add those located beyond it
                # whose service area covers the person. (When the ring is full, any of them is
                # farther than every candidate already held.)
                self.reach_searched = True
                self.ids |= repo.ids_reaching_by_radius(
                    self.pool.session,
                    latitude=self.pool.point.latitude,
                    longitude=self.pool.point.longitude,
                    cell=cell_of(self.pool.point),
                    beyond_km=radius_km,
                    filters=self.filters,
                    cap=self.cap,
                )


class _IndexSearch:
    """The candidates of one need from the worker's match index (`usecases/match_index.py`):
    the same kinds as `_NeedSearch` finds in the database, chosen the same way, except
    that only services the person is eligible for count towards `cap`, and the province-wide
    ones are chosen by the score's own factors (`ranking.Scorer.standing`)."""

    def __init__(
        self,
        index: RegistryIndex,
        person: Profile,
        categories: frozenset[str],
        *,
        cap: int,
        eligibility: Eligibility,
        now: datetime,
        freshness: Freshness,
        urgent_housing: bool = False,
    ) -> None:
        self.index = index
        self.person = person
        self.cap = cap
        self.eligibility = eligibility
        self.categories = categories
        # Urgent housing: when the `cap` nearest of any kind fill the search (a city's full
        # shelters), the `cap` nearest of each tier above the last too (`scoring.urgent_tier`),
        # by searches of their own among those that may be of it (`index.SUBSETS`). Without
        # them, twelve full shelters in town had hidden a free bed 3 km farther, and 55 with
        # office hours a 24/7 intake 6 km away: the answer named full ones only, or 24/7
        # intakes across the province (two reviews).
        self.tiers: list[tuple[str, Callable[[Candidate], bool]]] = (
            [
                ("tonight", lambda c: eligibility.admits(c) and bed_tonight(c, now, freshness)),
                (
                    "bed_or_24_7",
                    lambda c: eligibility.admits(c) and has_bed_or_24_7(c, now, freshness),
                ),
            ]
            if urgent_housing
            else []
        )
        scorer = Scorer(
            person,
            housing=is_housing(categories),
            now=now,
            freshness=freshness,
            eligibility=eligibility,
        )
        self.ids = set(
            index.covering(
                person.province,
                categories,
                accept=self.eligibility.admits,
                best_first=lambda candidate: -scorer.standing(candidate),
                cap=cap,
            )
        )
        self.full = False
        self.searched_km = 0.0
        self.reach_searched = False

    def find(self, radius_km: float) -> None:
        if radius_km <= self.searched_km:
            return
        self.searched_km = radius_km
        if not self.full:
            found = self.index.nearest(
                self.person.point,
                self.categories,
                radius_km=radius_km,
                accept=self.eligibility.admits,
                cap=self.cap,
            )
            self.ids.update(service_id for service_id, _ in found)
            self.full = len(found) == self.cap
        for subset, accept in self.tiers if self.full else ():
            found = self.index.nearest(
                self.person.point,
                self.categories,
                radius_km=radius_km,
                accept=accept,
                cap=self.cap,
                subset=subset,
            )
            self.ids.update(service_id for service_id, _ in found)
        if not self.full and not self.reach_searched:
            # As `_NeedSearch.find`: those located beyond the radius whose area covers the person.
            self.reach_searched = True
            self.ids.update(
                self.index.reaching(
                    self.person.point,
                    self.categories,
                    beyond_km=radius_km,
                    accept=self.eligibility.admits,
                    cap=self.cap,
                )
            )

    def within(self, radius_km: float) -> list[Candidate]:
        self.find(radius_km)
        return self.held()

    def held(self) -> list[Candidate]:
        """The candidates found so far."""
        found = (self.index.get(service_id) for service_id in self.ids)
        return [candidate for candidate in found if candidate is not None]


def _cover_preference(
    person: Profile,
    profile: NeedProfile,
    filters: repo.CandidateFilter,
    freshness: Freshness,
    now: datetime,
) -> repo.CoverPreference:
    """How to choose among many services covering the whole province: by the score's factors
    that do not depend on distance, with the score's weights."""
    weights = Weights()
    first = person.first_languages_met
    return repo.CoverPreference(
        # as ranking will match them: those meeting the first language first
        languages=(*sorted(first), *sorted(languages_met(person) - first)),
        preferred=len(first),
        other_language_factor=OTHER_LANGUAGE_FACTOR,
        trafficking_bits=filters.trafficking_bits,
        housing=False,  # set per need
        urgent=profile.urgent,
        verified_fresh_since=now - timedelta(days=freshness.verified_fresh_days),
        verified_oldest_before=now - timedelta(days=freshness.verified_oldest_days),
        beds_current_since=now - timedelta(hours=freshness.availability_stale_hours),
        emergency_shelter_bit=_mask(frozenset({Category.housing_emergency_shelter.value})),
        language_weight=weights.language,
        specialisation_weight=weights.specialisation,
        availability_weight=weights.availability,
        freshness_weight=weights.freshness,
        unstated_eligibility_factor=UNSTATED_ELIGIBILITY_FACTOR,
    )


def _public_match(match: Match, service: Service, view: View, language: str) -> dict[str, Any]:
    """A match as `ServiceMatch` fields: the answer is validated whole, once, at the end
    (pydantic's validation of plain values is faster than building the models one by one)."""
    return {
        "service_id": service.id,
        "name": service.name,
        "organization": {"id": service.organization.id, "name": service.organization.name},
        "categories": from_mask(service.categories_mask, CATEGORIES),
        "score": match.score,
        "distance_km": match.distance_km,
        "reach": match.reach,
        "delivery": from_mask(service.delivery_mask, DELIVERIES),
        "reasons": [render(note, language, language_name) for note in match.reasons],
        "caveats": [render(note, language, language_name) for note in match.caveats],
        "location": (
            location_view(service.locations[match.site_index], view)
            if match.site_index is not None
            else None
        ),
        "intake": intake_view(service, view, language),
        "availability": {
            "beds_available": service.beds_available,
            "beds_total": service.beds_total,
            "accepting_referrals": service.accepting_referrals,
            "updated_at": service.availability_updated_at,
        },
        "last_verified_at": service.last_verified_at,
    }


def _rank(
    person: Profile,
    search: "_NeedSearch | _IndexSearch",
    categories: frozenset[str],
    steps: tuple[float, ...],
    profile: NeedProfile,
    now: datetime,
    freshness: Freshness,
    eligibility: Eligibility,
) -> tuple[float, list[Match], bool, bool]:
    """One need's matches, the radius they were found within (the asked distance, widened
    in steps while fewer than `limit` reach the person within it, shown or not:
    `ranking.found_within`; for urgent housing, fewer than `limit` that take people tonight,
    `scoring.bed_tonight`), and for the unmet-need report whether any eligible service
    reached the person within the asked distance, shown or not, and for urgent housing
    whether any of those had a bed tonight (`ranking.found_near`).

    Urgent housing widens for beds tonight, not for any housing: two full shelters in Kenora
    had stopped the search at 50 km, and the answer's beds tonight were province-wide ones
    1,300 km away, while Dryden's free beds 120 km away were never searched (a review)."""
    matches: list[Match] = []
    radius = steps[0]
    near = bed_near = False
    counts = (
        (lambda candidate: bed_tonight(candidate, now, freshness))
        if profile.urgent and is_housing(categories)
        else None
    )
    for step, radius in enumerate(steps):
        # The nearest candidates within the widest radius include the nearest within any
        # smaller one, so widening needs at most one more search.
        candidates = search.within(steps[0] if step == 0 else steps[-1])
        if step == 0:
            near, bed_near = found_near(
                person,
                candidates,
                categories=categories,
                asked_km=profile.max_distance_km,
                eligibility=eligibility,
                now=now,
                freshness=freshness,
                beds=profile.urgent and is_housing(categories),
            )
        matches = rank_need(
            person,
            candidates,
            categories=categories,
            radius_km=radius,
            max_distance_km=profile.max_distance_km,
            now=now,
            limit=profile.limit,
            freshness=freshness,
            eligibility=eligibility,
        )
        within = found_within(
            person,
            candidates,
            categories=categories,
            radius_km=radius,
            max_distance_km=profile.max_distance_km,
            eligibility=eligibility,
            enough=profile.limit,
            counts=counts,
        )
        if within >= profile.limit:
            break
    return radius, matches, near, bed_near


# Beyond the widest radius (500 km), where to look for the nearest help: all of Canada.
BEYOND_KM = 6_000.0
BEYOND_SHOWN = 3


def _beyond(
    person: Profile,
    search: "_NeedSearch | _IndexSearch",
    categories: frozenset[str],
    profile: NeedProfile,
    now: datetime,
    freshness: Freshness,
    eligibility: Eligibility,
    *,
    tonight_only: bool,
    shown: frozenset[str] = frozenset(),
) -> list[Match]:
    """For a need nothing reaches within 500 km, the nearest eligible services farther away
    (`BEYOND_SHOWN` of them, nearest first, less those `shown` among the matches already):
    a caller in Rankin Inlet is told of Iqaluit's shelters, not only that nothing is near.
    For urgent housing, those that take people tonight first (`scoring.bed_tonight`), and
    only those (`tonight_only`) when the matches within 500 km take no one tonight. (A
    caller in Prince George had been given one full lodge and nothing else, Vancouver's free
    beds 520 km away unsaid; one in Kuujjuaq, a house open office hours and full before a
    shelter open all night 3 km farther.)"""
    candidates = [c for c in search.within(BEYOND_KM) if c.service_id not in shown]
    urgent_housing = profile.urgent and is_housing(categories)
    tonight = (
        {c.service_id for c in candidates if bed_tonight(c, now, freshness)}
        if urgent_housing
        else set()
    )
    if tonight_only:
        candidates = [c for c in candidates if c.service_id in tonight]
    ranked = rank_need(
        person,
        candidates,
        categories=categories,
        radius_km=BEYOND_KM,
        max_distance_km=profile.max_distance_km,
        now=now,
        limit=len(candidates),
        freshness=freshness,
        eligibility=eligibility,
    )
    # A service sure to serve the person before one their silence leaves in doubt (an adult
    # house for a 16-year-old, a men's shelter for a caller who gave no gender), as among
    # the matches: farther than 500 km each is a flight, and a youth shelter 1,450 km from
    # Kuujjuaq came after two houses 1,362 and 1,449 km away not saying they take minors (a
    # review of fly-in calls).
    doubted = {c.service_id for c in candidates if eligibility.certainty(c) < 1.0}
    ranked.sort(
        key=lambda m: (
            urgent_housing and m.service_id not in tonight,
            m.service_id in doubted,
            m.distance_km is None,
            m.distance_km or 0.0,
            -m.score,
        )
    )
    return ranked[:BEYOND_SHOWN]


def _nothing_near(matches: list[Match], radius_km: float) -> bool:
    """Whether no match reaches the person where they are (by phone, online or outreach)
    or has a site within `radius_km`: the matches are all far, found because their areas
    take people from the person's (a territory-wide network's house 1,010 km from
    Sanikiluaq had been the whole answer, and Iqaluit's shelter 998 km away unsaid; a
    review)."""
    return not any(
        m.reach in ("phone_or_online", "outreach")
        or (m.reach == "location" and m.distance_km is not None and m.distance_km <= radius_km)
        for m in matches
    )


def _takes_tonight(
    search: "_NeedSearch | _IndexSearch",
    matches: list[Match],
    now: datetime,
    freshness: Freshness,
) -> bool:
    """Whether any of these matches takes people tonight (`scoring.bed_tonight`)."""
    held = {candidate.service_id: candidate for candidate in search.held()}
    return any(
        m.service_id in held and bed_tonight(held[m.service_id], now, freshness) for m in matches
    )


def match_needs(
    session: Session,
    *,
    profile: NeedProfile,
    gazetteer: Gazetteer,
    caller: Caller,
    settings: Settings,
    language: str = "en",
    now: datetime | None = None,
    index: MatchIndex | None = None,
    tally: NeedTally | None = None,
) -> MatchResponse:
    """For each asked need, the eligible services that reach the person, ranked and explained;
    the radius widens in steps up to 500 km when fewer than `limit` are found within it. `tally`
    counts, for each need, whether anything reached the person within the asked distance,
    whether anything was found, and for urgent housing whether anything near had a bed
    tonight: nothing else of the profile."""
    freshness = Freshness(
        verified_stale_days=settings.stale_after_days,
        availability_stale_hours=settings.availability_stale_after_hours,
    )
    candidate_cap = max(settings.match_candidate_cap, 2 * profile.limit)
    locality = resolve_location(gazetteer, profile.location)
    now = now or utcnow()
    person = person_of(profile, locality)
    steps = radius_steps(profile.max_distance_km)
    asked = {
        need.value: _categories(need.value, profile.newcomer_status.value) for need in profile.needs
    }
    # Eligibility decided once per set of rules for the person, shared by every need.
    eligibility = Eligibility(person)
    with index.current(session) if index is not None else nullcontext() as live:
        searches: dict[str, _NeedSearch | _IndexSearch]
        if live is None:
            first_ring_km = _FIRST_RING_KM.get(locality.area_type, 4.0)
            pool = _CandidatePool(session, locality, _filter(profile), first_ring_km)
            preference = _cover_preference(person, profile, pool.filters, freshness, now)
            database_searches = {
                need: _NeedSearch(
                    pool,
                    categories,
                    candidate_cap,
                    preference,
                    urgent_housing=profile.urgent and is_housing(categories),
                )
                for need, categories in asked.items()
            }
            # Every need's candidates within the asked distance, read in one statement.
            for search in database_searches.values():
                search.find(steps[0])
            pool.read(set().union(*(search.ids for search in database_searches.values())))
            searches = dict(database_searches)
        else:
            searches = {
                need: _IndexSearch(
                    live.registry,
                    person,
                    categories,
                    cap=candidate_cap,
                    eligibility=eligibility,
                    now=now,
                    freshness=freshness,
                    urgent_housing=profile.urgent and is_housing(categories),
                )
                for need, categories in asked.items()
            }
        ranked = [
            (
                need,
                *_rank(
                    person, searches[need], categories, steps, profile, now, freshness, eligibility
                ),
            )
            for need, categories in asked.items()
        ]
        no_bed_tonight = {
            need: bool(matches)
            and profile.urgent
            and is_housing(asked[need])
            and not _takes_tonight(searches[need], matches, now, freshness)
            for need, _, matches, _, _ in ranked
        }
        beyond = {
            need: _beyond(
                person,
                searches[need],
                asked[need],
                profile,
                now,
                freshness,
                eligibility,
                tonight_only=no_bed_tonight[need],
                shown=frozenset(m.service_id for m in matches),
            )
            for need, _, matches, _, _ in ranked
            if not matches or no_bed_tonight[need] or _nothing_near(matches, steps[-1])
        }
        shown = {UUID(m.service_id) for _, _, matches, _, _ in ranked for m in matches}
        shown |= {UUID(m.service_id) for matches in beyond.values() for m in matches}
        listings = (
            live.listings(session, shown)
            if live is not None
            else repo.load_services(session, shown)
        )
    services = {listing.id: listing for listing in listings}

    def public(matches: list[Match]) -> list[dict[str, Any]]:
        return [
            _public_match(
                m,
                services[UUID(m.service_id)],
                view_for(
                    caller.role.value,
                    owns_listing=caller.owns(services[UUID(m.service_id)].organization_id),
                ),
                language,
            )
            for m in matches
            # A listing deleted since it was ranked (a race lost by milliseconds).
            if UUID(m.service_id) in services
        ]

    results = [
        {
            "need": need,
            "radius_km": radius,
            "expanded": radius > steps[0],
            "matches": public(matches),
            "beyond": public(beyond.get(need, [])),
        }
        for need, radius, matches, _, _ in ranked
    ]
    if tally is not None and caller.role is not Role.admin:
        # (an administrator's matches are tries of the console, not people asking)
        tally.add(
            month=now.strftime("%Y-%m"),
            province=locality.province,
            area_type=locality.area_type,
            outcomes=[
                Outcome(
                    need,
                    urgent=profile.urgent and is_housing(asked[need]),
                    near=near and bool(result["matches"]),
                    found=bool(result["matches"]),
                    bed_near=bed_near and bool(result["matches"]),
                )
                for (need, _, _, near, bed_near), result in zip(ranked, results, strict=True)
            ],
        )
    return MatchResponse.model_validate(
        {
            "location": {
                "label": locality.label,
                "latitude": round(locality.latitude, 2),
                "longitude": round(locality.longitude, 2),
                "area_type": locality.area_type,
                "province": locality.province,
            },
            "results": results,
            "unmet_needs": [r["need"] for r in results if not r["matches"]],
        }
    )


def search_places(gazetteer: Gazetteer, *, query: str, limit: int) -> PlaceList:
    """Places whose name starts with `query`, most populous first, for autocomplete."""
    return PlaceList(
        items=[
            PlacePublic(
                label=place.label,
                name=place.name,
                province=place.province,
                latitude=place.latitude,
                longitude=place.longitude,
                population=place.population,
                area_type=place.area_type,
            )
            for place in gazetteer.search(query, limit=limit)
        ]
    )
