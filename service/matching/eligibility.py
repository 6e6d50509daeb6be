"""Eligibility: hard filters for every disclosed attribute, caveats for undisclosed ones.

A verdict never raises. A rule broken by a disclosed attribute excludes the service; an
attribute the person did not disclose never excludes, it adds a caveat naming the rule. A
service whose rules were never stated (imported from another directory) is not known to
exclude anyone, so it stays eligible, with a caveat asking to confirm.
"""

from typing import NamedTuple

from service.matching.types import Candidate, Note, Profile

UNDISCLOSED = "undisclosed"


class Verdict(NamedTuple):
    """Whether the person may be served, and what the operator should know. (Named tuples:
    one is made for nearly every candidate, and a frozen dataclass costs more to make.)"""

    eligible: bool
    reasons: tuple[Note, ...] = ()
    caveats: tuple[Note, ...] = ()


# Shared answers of the rules: most rules, for most listings, have nothing to say.
_NOTHING_TO_SAY = Verdict(True)
_EXCLUDED = Verdict(False)


def _joined(values: frozenset[str]) -> str:
    return ",".join(sorted(values))


def _stated(profile: Profile, candidate: Candidate) -> Verdict:
    """Unstated rules are unknown, not "everyone": the operator must confirm."""
    if candidate.eligibility_stated:
        return _NOTHING_TO_SAY
    return Verdict(True, caveats=(Note("eligibility_unstated"),))


def _gender(profile: Profile, candidate: Candidate) -> Verdict:
    if not candidate.genders:
        return _NOTHING_TO_SAY
    served = _joined(candidate.genders)
    if profile.gender == UNDISCLOSED:
        return Verdict(True, caveats=(Note("serves_genders_only", (("genders", served),)),))
    if profile.gender in candidate.genders:
        return Verdict(True, reasons=(Note("serves_genders", (("genders", served),)),))
    return _EXCLUDED


def _age(profile: Profile, candidate: Candidate) -> Verdict:
    low, high = candidate.min_age, candidate.max_age
    if low is None and high is None:
        return _NOTHING_TO_SAY
    params = (("min", "" if low is None else low), ("max", "" if high is None else high))
    if profile.age is None:
        return Verdict(True, caveats=(Note("serves_ages_only", params),))
    if (low is not None and profile.age < low) or (high is not None and profile.age > high):
        return _EXCLUDED
    return Verdict(True, reasons=(Note("serves_ages", params),))


def _status(profile: Profile, candidate: Candidate) -> Verdict:
    if not candidate.statuses:
        return _NOTHING_TO_SAY
    if profile.newcomer_status == UNDISCLOSED:
        served = _joined(candidate.statuses)
        return Verdict(True, caveats=(Note("serves_statuses_only", (("statuses", served),)),))
    if profile.newcomer_status in candidate.statuses:
        return _NOTHING_TO_SAY
    return _EXCLUDED


def _trafficking(profile: Profile, candidate: Candidate) -> Verdict:
    if not candidate.trafficking_types:
        return _NOTHING_TO_SAY
    served = _joined(candidate.trafficking_types)
    if profile.trafficking_type == UNDISCLOSED:
        return Verdict(True, caveats=(Note("serves_trafficking_only", (("types", served),)),))
    experienced = (
        {"labour", "sex"} if profile.trafficking_type == "both" else {profile.trafficking_type}
    )
    if experienced & candidate.trafficking_types:
        return _NOTHING_TO_SAY
    return _EXCLUDED


def _dependents(profile: Profile, candidate: Candidate) -> Verdict:
    if not profile.with_dependents:
        return _NOTHING_TO_SAY
    if candidate.accepts_dependents is None:
        return Verdict(True, caveats=(Note("dependents_unknown"),))
    if candidate.accepts_dependents:
        return Verdict(True, reasons=(Note("accepts_dependents"),))
    return _EXCLUDED


def _barriers(profile: Profile, candidate: Candidate) -> Verdict:
    if profile.no_identification and candidate.id_required:
        return _EXCLUDED
    if profile.no_police_report and candidate.police_report_required:
        return _EXCLUDED
    reasons: list[Note] = []
    if profile.no_identification:
        reasons.append(Note("no_id_needed"))
    if profile.no_police_report:
        reasons.append(Note("no_police_report_needed"))
    return Verdict(True, reasons=tuple(reasons))


def _wheelchair(profile: Profile, candidate: Candidate) -> Verdict:
    if not profile.wheelchair or not candidate.sites:
        return _NOTHING_TO_SAY
    access = {site.wheelchair_accessible for site in candidate.sites}
    if True in access:
        return Verdict(True, reasons=(Note("wheelchair_accessible"),))
    if None in access:
        return Verdict(True, caveats=(Note("wheelchair_unknown"),))
    return _EXCLUDED


# Unstated first: the caveat that puts every other note in doubt leads.
_RULES = (_stated, _gender, _age, _status, _trafficking, _dependents, _barriers, _wheelchair)


def check(profile: Profile, candidate: Candidate) -> Verdict:
    """Whether the person may be served, and what the operator should know."""
    if not candidate.accepting_referrals:
        return _EXCLUDED
    reasons: tuple[Note, ...] = ()
    caveats: tuple[Note, ...] = ()
    for rule in _RULES:
        verdict = rule(profile, candidate)
        if verdict is _NOTHING_TO_SAY:
            continue
        if not verdict.eligible:
            return verdict
        reasons += verdict.reasons
        caveats += verdict.caveats
    if not reasons and not caveats:
        return _NOTHING_TO_SAY
    return Verdict(True, reasons, caveats)


class Eligibility:
    """Whether one person may be served, decided once per set of rules (`Candidate.rules`):
    listings share their rules, so a request decides a few hundred verdicts instead of one
    per candidate. Made for one request and dropped with it, as it is derived from the person."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._verdicts: dict[int, Verdict] = {}

    def __call__(self, candidate: Candidate) -> Verdict:
        verdict = self._verdicts.get(candidate.rules)
        if verdict is None:
            verdict = self._verdicts[candidate.rules] = check(self._profile, candidate)
        return verdict
