"""The score of a match: a weighted mean of small factors, each in [0, 1], times a certainty.

    score = certainty * sum(weight_i * factor_i) / sum(weight_i)    over the factors that apply

Availability applies to housing only. For urgent housing (a bed tonight) the language counts
a third of its weight (`URGENT_LANGUAGE_SHARE`).

The certainty is 1 for a listing whose provider stated whom it serves, and 0.9 for one imported
without eligibility rules (`eligibility_factor`): it may turn the person away, so it ranks a
little lower, by about what an unknown language costs, and says why in a caveat. A multiplier
rather than a seventh weighted factor, so that no stated listing's score moves. For urgent
housing the score is then folded so that a service with a free bed or a 24/7 intake always
ranks above one with neither, and of those, one that takes people tonight above one that has
a bed but takes them another day:

    urgent score = 0.6 + 0.4 * score    tonight: an emergency shelter with a free bed by a
                                        current count, or a 24/7 intake its last count does
                                        not say full (`urgent_tier`)
                 = 0.5 + 0.09 * score   a free bed by a current count in transitional or
                                        long-term housing without 24/7 intake, or a 24/7
                                        intake full by its last count (it can still help
                                        find a bed)
                 = 0.45 * score         neither (`has_bed_or_24_7`)

(Long-term housing with a free bed, a referral required and office hours, ranked first for a
person needing a bed tonight above open 24/7 shelters, in 14 of 60 cities a review tried.)
"""

import math
import re
import unicodedata
from datetime import datetime

from service.matching.types import Candidate, Freshness, Weights, experienced

# Distance at which the distance factor falls to 0.5, by area type: 10 km is far downtown
# and near in the country.
HALF_DISTANCE_KM = {"urban": 5.0, "suburban": 12.0, "rural": 40.0}
# Beyond this a service is about as far as any: the distance factor's logarithmic fall ends.
FAR_KM = 700.0
REMOTE_DELIVERY_FIT = 0.7
OUTREACH_DELIVERY_FIT = 0.9
# Help by phone or online is reachable from anywhere, but someone nearby in person is better:
# a remote service counts as if it were a short trip away.
REMOTE_DISTANCE_FACTOR = 0.8
UNSTATED_ELIGIBILITY_FACTOR = 0.9


def distance_factor(distance_km: float, area_type: str) -> float:
    """1 / (1 + (d / h)^2) up to h, the half distance of the person's area type; beyond, it
    falls with the logarithm of d / h, from 0.5 at h to 0 at `FAR_KM` (and no lower than
    h / 8d, so that it never stops falling).

    Near, a few km matter a lot. Far, each doubling of the distance costs alike: under h / 2d
    (and 1/d^2 before it) the factors of 171 km and 410 km were 0.12 and 0.05, so close that a
    shelter in Québec City 171 km from Rivière-du-Loup ranked below seven 326 to 414 km away,
    for a listing verified 262 days ago. They are 0.25 and 0.09 now: 2.4 times as far counts
    more than a stale verification, and a shelter 40 km from a city still clearly outranks an
    otherwise alike one 250 km away."""
    half = HALF_DISTANCE_KM.get(area_type, HALF_DISTANCE_KM["suburban"])
    if distance_km <= half:
        return 1.0 / (1.0 + (distance_km / half) ** 2)
    falling = 0.5 * (1.0 - math.log(distance_km / half) / math.log(FAR_KM / half))
    return max(falling, half / (8.0 * distance_km))


# For a bed tonight, what the language counts, as a share of its weight: the trip counts more
# than the language there, since intake through an interpreter is routine ("interpretation
# may be needed") and a trip twice as long at night is not. At the whole weight a shelter
# speaking the person's language outranked one not speaking it 11 times nearer, otherwise
# alike: in rural Saskatchewan, Brandon's shelter 448 km away in another province came before
# Prince Albert's free beds 121 km away (a review as a hotline operator). At a third, 2.3
# times nearer is worth about as much.
URGENT_LANGUAGE_SHARE = 1 / 3

# A service that speaks only another of the person's languages than the first they gave: an
# English phone line 112 km away had ranked above a Tigrinya counsellor 5 km away for a
# person who gave Tigrinya, then English (a review).
OTHER_LANGUAGE_FACTOR = 0.75


def language_factor(
    asked: frozenset[str], spoken: frozenset[str], first: frozenset[str] = frozenset()
) -> float:
    """1 when the service speaks the person's first language (`first`, those meeting it;
    empty: every language asked is as good), or none was asked; `OTHER_LANGUAGE_FACTOR` when
    it speaks only another of theirs; 0.5 when it lists no languages (unknown); 0 when it
    lists others only."""
    if not asked or (first or asked) & spoken:
        return 1.0
    if asked & spoken:
        return OTHER_LANGUAGE_FACTOR
    return 0.5 if not spoken else 0.0


def specialisation_factor(trafficking_type: str, focus: frozenset[str]) -> float:
    """1 when the service specialises in the person's form of trafficking, 0.5 when either
    is unknown or the service has no specialisation, 0.25 when it specialises in another."""
    if trafficking_type in {"undisclosed", ""} or not focus:
        return 0.5
    return 1.0 if experienced(trafficking_type) & focus else 0.25


def eligibility_factor(candidate: Candidate) -> float:
    """1 when the listing states whom it serves; 0.9 when it was imported without eligibility
    rules, which are then unknown rather than "everyone"."""
    return 1.0 if candidate.eligibility_stated else UNSTATED_ELIGIBILITY_FACTOR


def availability_factor(candidate: Candidate) -> float:
    """Housing: 1 with a free bed; 0.5 when the count is unknown; 0.1 when full, 0.3 when full
    but intake is 24/7 (they can still help find a bed tonight)."""
    if candidate.beds_available is None:
        return 0.5
    if candidate.beds_available > 0:
        return 1.0
    return 0.3 if candidate.intake_24_7 else 0.1


def _age_factor(age: float, fresh: float, oldest: float) -> float:
    """1 up to `fresh`, then linear down to 0.2 at `oldest` and beyond."""
    if age <= fresh:
        return 1.0
    if age >= oldest:
        return 0.2
    return 1.0 - 0.8 * (age - fresh) / (oldest - fresh)


def verified_age_days(candidate: Candidate, now: datetime) -> float | None:
    if candidate.last_verified_at is None:
        return None
    return max(0.0, (now - candidate.last_verified_at).total_seconds() / 86_400)


def availability_age_hours(candidate: Candidate, now: datetime) -> float | None:
    if candidate.availability_updated_at is None:
        return None
    return max(0.0, (now - candidate.availability_updated_at).total_seconds() / 3_600)


def freshness_factor(
    candidate: Candidate, now: datetime, *, housing: bool, freshness: Freshness
) -> float:
    """The lower of the listing's and (for housing with beds) the bed count's age factors;
    each 1 while fresh, falling linearly to 0.2 when old; 0.2 when never set."""
    verified = verified_age_days(candidate, now)
    factor = (
        0.2
        if verified is None
        else _age_factor(verified, freshness.verified_fresh_days, freshness.verified_oldest_days)
    )
    if housing and candidate.beds_total is not None:
        hours = availability_age_hours(candidate, now)
        bed_factor = (
            0.2
            if hours is None
            else _age_factor(
                hours, freshness.availability_fresh_hours, freshness.availability_oldest_hours
            )
        )
        factor = min(factor, bed_factor)
    return factor


def current_count(candidate: Candidate, now: datetime, freshness: Freshness) -> int | None:
    """Tonight's free beds, by a count updated within `availability_stale_hours`; None when
    there is no such count (none given, or days old: doubt, not a bed)."""
    hours = availability_age_hours(candidate, now)
    if hours is None or hours > freshness.availability_stale_hours:
        return None
    return candidate.beds_available


def has_bed_or_24_7(candidate: Candidate, now: datetime, freshness: Freshness) -> bool:
    """What puts a service first for urgent housing (API.md): a free bed by a current count
    (updated within `availability_stale_hours`), or an intake that answers at any hour. A
    count of free beds days old is doubt, not a bed: it ranks as an unknown count does."""
    return candidate.intake_24_7 or bool(current_count(candidate, now, freshness))


EMERGENCY_SHELTER = "housing.emergency_shelter"

# Intake hours that say "at any hour", as providers write them, in English or French: the whole
# text once normalised (`around_the_clock`). Exact strings had read "24 h/24 7 j/7", "24 hours
# a day, 7 days a week", "24-7" and "Ouvert 24 h/24" as office hours, and ranked those
# shelters last for a person needing a bed tonight (two reviews). Anything more ("24/7 phone
# line, beds by referral", "24/7 except holidays") is not read as at any hour: a shelter put
# first wrongly sends a person to a closed door.
_UNIT = r"(?:h|hrs?|hours?|heures?)"
_PER_24 = r"(?:/| ?sur ?| ?on ?)24"
_PER_DAY = r"(?: (?:a|per|par) |/)(?:day|jour)"
_HOURS = rf"24 ?(?:{_UNIT}(?:{_PER_24}|{_PER_DAY})?|{_PER_24})"
_SEVEN = r"(?:7|seven|sept)"
_WEEK = (
    rf"{_SEVEN} ?(?:j|jours?|d|days?)?"
    rf"(?:(?:/| ?sur ?| ?on ?){_SEVEN}|(?: (?:a|per|par) |/)(?:week|semaine))?"
)
_YEAR = r"(?:[/x]365| 365(?: (?:days|jours)(?: (?:a|per|par) (?:year|an))?)?)"
_CALL_FIRST = (
    r"(?:please )?(?:call|phone|appelez|appeler|téléphonez)(?: us)? "
    r"(?:first|ahead|before coming|avant(?: de venir)?|d'abord)"
)
_ASIDE = rf"(?:intake|admissions?|accueil|daily|every day|tous les jours|{_CALL_FIRST})"
_AROUND_THE_CLOCK = re.compile(
    r"(?:(?:open|ouvert|intake|accueil|admissions?|daily|every day|tous les jours"
    r"|always open|toujours ouvert):? ?)?"
    r"(?:"
    rf"24 ?[/x-] ?7{_YEAR}?"
    rf"|{_HOURS}(?:(?: ?(?:-|&|/|et|and) ?| ){_WEEK})?{_YEAR}?"
    r"|around the clock|at any hour|at all hours|en tout temps|jour et nuit|day and night"
    r")"
    rf"(?:(?: ?- ?| ){_ASIDE})*"
)
# The one remark in brackets that leaves the hours what they say: any other may take them
# back ("24/7 (winter only)", "24/7 (phone only)", "Ouvert 24 h/24 (sauf dimanche)").
_CALL_FIRST_REMARK = re.compile(rf"\( ?{_CALL_FIRST} ?\)")


def around_the_clock(hours: str | None) -> bool:
    """Whether intake hours say "at any hour" (`_AROUND_THE_CLOCK`): the text in lower case,
    its spaces (non-breaking ones too), dots, commas and semicolons as one space, less a
    remark in brackets to call first ("24/7 (call first)"; any other remark in brackets
    leaves them not 24/7), none around a slash, dash, colon or ampersand.
    Decided when a listing is written and stored with it (`Service.intake_24_7`), so that
    the database reads what ranking reads; every start decides it again wherever the two
    disagree (`startup._decide_intake_hours`), so a change here reaches stored listings then."""
    if not hours:
        return False
    text = unicodedata.normalize("NFKC", hours).lower()
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[\s.,;]+", " ", text).strip()
    text = re.sub(r" +", " ", _CALL_FIRST_REMARK.sub(" ", text)).strip()
    text = re.sub(r" ?([/:&-]) ?", r"\1", text)
    return _AROUND_THE_CLOCK.fullmatch(text) is not None


def urgent_tier(candidate: Candidate, now: datetime, freshness: Freshness) -> str:
    """For urgent housing: `tonight` (an emergency shelter with a free bed by a current count,
    or a 24/7 intake its last count does not say full), `bed` (a free bed by a current count
    in housing that is no emergency shelter and has no 24/7 intake, or a 24/7 intake full by
    its last count, which can still help find a bed), or `none`. A count of 0 days old still
    says full: no newer count says otherwise, and a shelter that keeps its count current must
    not rank below one whose "full" grew old (a review found it second of ten, and the one
    full since last night last)."""
    if not has_bed_or_24_7(candidate, now, freshness):
        return "none"
    if candidate.intake_24_7:
        return "bed" if candidate.beds_available == 0 else "tonight"
    return "tonight" if EMERGENCY_SHELTER in candidate.categories else "bed"


def fold_urgent(base: float, tier: str) -> float:
    """The urgent score of a score `base` in [0, 1], by its tier (module doc): every service
    of a higher tier above every one of a lower."""
    if tier == "tonight":
        return 0.6 + 0.4 * base
    if tier == "bed":
        return 0.5 + 0.09 * base
    return 0.45 * base


def may_take_tonight(candidate: Candidate) -> bool:
    """Whether the service takes people tonight (`bed_tonight`) by some count's age: what
    `bed_tonight` decides for every `now`, bar the age of a free bed's count. The match index
    keeps these apart, so that urgent housing finds them behind many full shelters."""
    if candidate.intake_24_7:
        return candidate.beds_available != 0
    return EMERGENCY_SHELTER in candidate.categories and (candidate.beds_available or 0) > 0


def may_have_bed_or_24_7(candidate: Candidate) -> bool:
    """Whether `has_bed_or_24_7` holds by some count's age (`may_take_tonight`, likewise)."""
    return candidate.intake_24_7 or (candidate.beds_available or 0) > 0


def bed_tonight(candidate: Candidate, now: datetime, freshness: Freshness) -> bool:
    """What the unmet-need report counts as a bed tonight: what the answer ranks as taking
    people tonight (`urgent_tier`), an emergency shelter with a free bed by a current count
    (updated within `availability_stale_hours`) or an intake that answers at any hour and
    that its last count does not say full. A full shelter is no bed, whatever its hours; a
    count of free beds days old is no more than its intake's hours say; a transitional
    house's free bed, with no intake at any hour, is a bed another day (the answer says so
    of it)."""
    return urgent_tier(candidate, now, freshness) == "tonight"


def combine(
    factors: dict[str, float],
    weights: Weights,
    *,
    urgent_housing: bool,
    tier: str,
    certainty: float = 1.0,
) -> float:
    """The weighted mean of the factors that apply times `certainty` (in [0, 1]), folded for
    urgent housing by the service's `urgent_tier` (module doc)."""
    total = 0.0
    weighted = 0.0
    for name, value in factors.items():
        weight = float(getattr(weights, name))
        if urgent_housing and name == "language":
            weight *= URGENT_LANGUAGE_SHARE
        total += weight
        weighted += weight * value
    base = certainty * weighted / total
    if urgent_housing:
        base = fold_urgent(base, tier)
    return round(base, 4)
