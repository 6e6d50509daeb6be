"""Eligibility: hard filters for every disclosed attribute, caveats for undisclosed ones.

A verdict never raises. A rule broken by a disclosed attribute excludes the service; an
attribute the person did not disclose never excludes, it adds a caveat naming the rule. A
service whose rules were never stated (imported from another directory) is not known to
exclude anyone, so it stays eligible, with a caveat asking to confirm.

`admits` is the filter alone; `check` is the filter and, for a service that admits the
person, the reasons and caveats its rules give. Searching and ranking filter hundreds of
services per need and explain a handful.
"""

from typing import NamedTuple

from service.matching.scoring import UNSTATED_ELIGIBILITY_FACTOR
from service.matching.types import (
    NEWCOMER_STATUSES,
    WHERE_THEY_ARE,
    Candidate,
    Note,
    Profile,
    experienced,
    houses,
)

UNDISCLOSED = "undisclosed"


class Verdict(NamedTuple):
    """Whether the person may be served, and what the operator should know."""

    eligible: bool
    reasons: tuple[Note, ...] = ()
    caveats: tuple[Note, ...] = ()


_EXCLUDED = Verdict(False)
_NOTHING_TO_SAY = Verdict(True)


def _serves_others(served: frozenset[str], disclosed: str) -> bool:
    """The service lists whom it serves, and the person said what they are: not one of them."""
    return bool(served) and disclosed != UNDISCLOSED and disclosed not in served


def admits(profile: Profile, candidate: Candidate) -> bool:
    """Whether no rule of the service is broken by what the person disclosed."""
    if not candidate.accepting_referrals:
        return False
    if _serves_others(candidate.genders, profile.gender):
        return False
    age = profile.age
    if age is not None and (
        (candidate.min_age is not None and age < candidate.min_age)
        or (candidate.max_age is not None and age > candidate.max_age)
    ):
        return False
    if _serves_others(candidate.statuses, profile.newcomer_status):
        return False
    if (
        candidate.trafficking_types
        and profile.trafficking_type != UNDISCLOSED
        and candidate.trafficking_types.isdisjoint(experienced(profile.trafficking_type))
    ):
        return False
    if profile.with_dependents and candidate.accepts_dependents is False:
        return False
    if (profile.no_identification and candidate.id_required) or (
        profile.no_police_report and candidate.police_report_required
    ):
        return False
    # Wheelchair access: a service whose every site has steps still reaches the person by
    # phone, online or outreach, if it serves so (`ranking.reach` decides which way, never
    # sends the person to a site with steps, and never houses them at one).
    return not (
        profile.wheelchair
        and candidate.sites
        and all(site.wheelchair_accessible is False for site in candidate.sites)
        and not candidate.delivery & WHERE_THEY_ARE
    )


# What each rule says to a person it admits: (reasons, caveats).

Said = tuple[tuple[Note, ...], tuple[Note, ...]]
_SILENT: Said = ((), ())


def _joined(values: frozenset[str]) -> str:
    return ",".join(sorted(values))


def _stated(profile: Profile, candidate: Candidate) -> Said:
    """Unstated rules are unknown, not "everyone": the operator must confirm."""
    if candidate.eligibility_stated:
        return _SILENT
    return (), (Note("eligibility_unstated"),)


# The genders a service can say it serves (`schemas.enums.ServedGender`): one that lists them
# all serves everyone, and saying so ("serves gender-diverse people, men, women only; gender
# not given") is noise.
EVERY_GENDER = frozenset({"woman", "man", "gender_diverse"})
# So with the forms of trafficking, and the statuses (`NEWCOMER_STATUSES`).
EVERY_FORM = frozenset({"labour", "sex"})


def _restricts_gender(candidate: Candidate) -> bool:
    """Whether the service serves only some genders: listing every one is listing none."""
    return bool(candidate.genders) and not candidate.genders >= EVERY_GENDER


def _gender(profile: Profile, candidate: Candidate) -> Said:
    if not _restricts_gender(candidate):
        return _SILENT
    served = (("genders", _joined(candidate.genders)),)
    if profile.gender == UNDISCLOSED:
        return (), (Note("serves_genders_only", served),)
    return (Note("serves_genders", served),), ()


ADULT = 18
YOUTH_TOP_AGE = 25


def _minor_unsure(profile: Profile, candidate: Candidate) -> bool:
    """A child or teenager, and a place to stay that states no lowest age: most shelters for
    adults may not take a minor alone, and saying nothing is not saying yes (a 12-year-old
    was answered with adult houses, not a word of it; a review)."""
    return (
        profile.age is not None
        and profile.age < ADULT
        and candidate.min_age is None
        # (a top age of 25 or under and no lowest: a service for the young; "up to 64" is
        # one for adults, which said nothing of minors)
        and (candidate.max_age is None or candidate.max_age > YOUTH_TOP_AGE)
        and candidate.eligibility_stated
        and houses(candidate.categories)
    )


def _age(profile: Profile, candidate: Candidate) -> Said:
    low, high = candidate.min_age, candidate.max_age
    minors: tuple[Note, ...] = (
        (Note("minors_unstated"),) if _minor_unsure(profile, candidate) else ()
    )
    if low is None and high is None:
        return (), minors
    params = (("min", "" if low is None else low), ("max", "" if high is None else high))
    if profile.age is None:
        return (), (Note("serves_ages_only", params),)
    return (Note("serves_ages", params),), minors


def _restricts_status(candidate: Candidate) -> bool:
    """Whether the service serves only some statuses: listing every one is listing none."""
    return bool(candidate.statuses) and not candidate.statuses >= NEWCOMER_STATUSES


def _restricts_trafficking(candidate: Candidate) -> bool:
    return bool(candidate.trafficking_types) and not candidate.trafficking_types >= EVERY_FORM


def _status(profile: Profile, candidate: Candidate) -> Said:
    if not _restricts_status(candidate) or profile.newcomer_status != UNDISCLOSED:
        return _SILENT
    # The shorter list: "does not serve citizens" rather than six statuses that it does.
    refused = NEWCOMER_STATUSES - candidate.statuses
    if refused and len(refused) < len(candidate.statuses):
        return (), (Note("serves_statuses_except", (("statuses", _joined(refused)),)),)
    served = (("statuses", _joined(candidate.statuses)),)
    return (), (Note("serves_statuses_only", served),)


def _trafficking(profile: Profile, candidate: Candidate) -> Said:
    if not _restricts_trafficking(candidate) or profile.trafficking_type != UNDISCLOSED:
        return _SILENT
    served = (("types", _joined(candidate.trafficking_types)),)
    return (), (Note("serves_trafficking_only", served),)


def _dependents(profile: Profile, candidate: Candidate) -> Said:
    """A service that says children may not come is a rule like any other (API.md: never
    broken for what the person said). One that did not say is in doubt only where the person
    stays: a clinic or a phone line was ranked lower, "unknown whether children can come",
    for a mother asking for a lawyer (a review)."""
    if not profile.with_dependents:
        return _SILENT
    if candidate.accepts_dependents is None and not houses(candidate.categories):
        return _SILENT
    if candidate.accepts_dependents is None:
        return (), (Note("dependents_unknown"),)
    return (Note("accepts_dependents"),), ()


def _barriers(profile: Profile, candidate: Candidate) -> Said:
    if not candidate.eligibility_stated:
        # Whether it asks for documents is as unknown as the rest (`eligibility_unstated`).
        return _SILENT
    reasons: list[Note] = []
    caveats: list[Note] = []
    # Not saying is not having: a farm worker whose employer holds the passport, sent to a
    # clinic that asks for ID without a word of it, finds out at its door (a review). What
    # the service asks for is said whatever the person said, unless it lets them in without.
    if profile.no_identification:
        reasons.append(Note("no_id_needed"))
    elif candidate.id_required:
        caveats.append(Note("asks_for_id"))
    if profile.no_police_report:
        reasons.append(Note("no_police_report_needed"))
    elif candidate.police_report_required:
        caveats.append(Note("asks_for_police_report"))
    return tuple(reasons), tuple(caveats)


# Unstated first: the caveat that puts every other note in doubt leads. (Wheelchair access is
# said of the site the person is sent to, by `ranking.explain`.)
_RULES = (_stated, _gender, _age, _status, _trafficking, _dependents, _barriers)


def check(profile: Profile, candidate: Candidate) -> Verdict:
    """Whether the person may be served, and what the operator should know."""
    if not admits(profile, candidate):
        return _EXCLUDED
    reasons: tuple[Note, ...] = ()
    caveats: tuple[Note, ...] = ()
    for rule in _RULES:
        said_reasons, said_caveats = rule(profile, candidate)
        reasons += said_reasons
        caveats += said_caveats
    if not reasons and not caveats:
        return _NOTHING_TO_SAY
    return Verdict(True, reasons, caveats)


def in_doubt(profile: Profile, candidate: Candidate) -> bool:
    """Whether the service may turn the person away for what they did not say: a rule of
    whom it serves that the person's undisclosed gender, age, status or trafficking falls
    under, or children it may not take. Such a service ranks after one sure to serve them,
    all else equal (`scoring.UNSTATED_ELIGIBILITY_FACTOR`), as one with unstated rules does:
    a men-only shelter came first for a caller who gave no gender, with a caveat alone."""
    return (
        (profile.gender == UNDISCLOSED and _restricts_gender(candidate))
        or (
            profile.age is None and (candidate.min_age is not None or candidate.max_age is not None)
        )
        or _minor_unsure(profile, candidate)
        or (profile.newcomer_status == UNDISCLOSED and _restricts_status(candidate))
        or (profile.trafficking_type == UNDISCLOSED and _restricts_trafficking(candidate))
        or (
            profile.with_dependents
            and candidate.accepts_dependents is None
            and houses(candidate.categories)
        )
    )


class Eligibility:
    """One person's eligibility, decided once per set of rules (`Candidate.rules`): listings
    share their rules, so a request decides a few hundred instead of one per candidate. Made
    for one request and dropped with it, as it is derived from the person."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._admits: dict[int, bool] = {}
        self._verdicts: dict[int, Verdict] = {}
        self._certainty: dict[int, float] = {}

    def certainty(self, candidate: Candidate) -> float:
        """The score's eligibility factor: 1 when the service surely serves the person, less
        when its rules are unstated or the person's answers leave them in doubt."""
        factor = self._certainty.get(candidate.rules)
        if factor is None:
            doubted = not candidate.eligibility_stated or in_doubt(self._profile, candidate)
            factor = UNSTATED_ELIGIBILITY_FACTOR if doubted else 1.0
            self._certainty[candidate.rules] = factor
        return factor

    def admits(self, candidate: Candidate) -> bool:
        admitted = self._admits.get(candidate.rules)
        if admitted is None:
            admitted = self._admits[candidate.rules] = admits(self._profile, candidate)
        return admitted

    def __call__(self, candidate: Candidate) -> Verdict:
        verdict = self._verdicts.get(candidate.rules)
        if verdict is None:
            verdict = self._verdicts[candidate.rules] = check(self._profile, candidate)
        return verdict
