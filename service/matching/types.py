"""The values the matching core works on. Frozen: inputs are never changed, outputs are new."""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Literal, NamedTuple

# Every newcomer status a person may state (schemas.enums.NewcomerStatus, but "undisclosed").
NEWCOMER_STATUSES = frozenset(
    {
        "canadian_citizen",
        "permanent_resident",
        "refugee_claimant",
        "protected_person",
        "temporary_resident",
        "trafficking_trp",
        "no_status",
    }
)

# How a matched service reaches the person: they go to its location (`distance_km` away); it
# serves them by phone or online; its staff travel to them; or they are in its service area
# and it has no location to go to.
ReachKind = Literal["location", "phone_or_online", "outreach", "service_area"]


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 position in degrees."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Profile:
    """An anonymized need profile, already coarsened at the edge. Never stored, never logged.

    `None` and "undisclosed" both mean the person did not say; an undisclosed attribute never
    excludes a service, it adds a caveat.
    """

    point: Point
    province: str
    area_type: str  # urban | suburban | rural
    gender: str = "undisclosed"
    age: int | None = None
    newcomer_status: str = "undisclosed"
    trafficking_type: str = "undisclosed"
    # The languages asked, and those a service may list to speak with the person: with a
    # macrolanguage's varieties and a variety's macrolanguage (`yue` meets `zh`). Empty
    # `languages_met` means only `languages` themselves.
    languages: frozenset[str] = frozenset()
    languages_met: frozenset[str] = frozenset()
    # The first language asked, the one the person is most at ease in, and those that meet
    # it: a service speaking it ranks above one that speaks only another (`scoring.
    # language_factor`). None: all asked alike.
    first_language: str | None = None
    first_languages_met: frozenset[str] = frozenset()
    with_dependents: bool = False
    no_identification: bool = False
    no_police_report: bool = False
    wheelchair: bool = False
    urgent: bool = False
    # Geodesic distances from `point` to sites, by site, measured in this request: each need
    # and each radius step measures the same ones. Forgotten with the profile.
    measured: dict[tuple[float, float], float] = field(
        default_factory=dict, compare=False, repr=False
    )


def languages_met(profile: Profile) -> frozenset[str]:
    """The languages in which a service can speak with the person."""
    return profile.languages_met or profile.languages


def experienced(trafficking_type: str) -> frozenset[str]:
    """The forms of trafficking a person who disclosed `trafficking_type` experienced."""
    return _BOTH if trafficking_type == "both" else frozenset({trafficking_type})


_BOTH = frozenset({"labour", "sex"})

# Deliveries that reach the person where they are, so that nobody has to enter a building:
# by phone or online (never housing) or by staff who travel to them.
WHERE_THEY_ARE = frozenset({"phone", "virtual", "outreach"})


@dataclass(frozen=True, slots=True)
class Site:
    """A location of a service, as the core needs it."""

    point: Point
    confidential: bool = False
    wheelchair_accessible: bool | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A service that may match. Empty eligibility sets mean: no restriction, when the
    eligibility is stated; with `eligibility_stated` false (imported from a directory that gave
    no rules) they mean: unknown."""

    service_id: str
    categories: frozenset[str]
    sites: tuple[Site, ...] = ()
    genders: frozenset[str] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    statuses: frozenset[str] = frozenset()
    trafficking_types: frozenset[str] = frozenset()
    accepts_dependents: bool | None = None
    trafficking_focus: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    delivery: frozenset[str] = frozenset({"in_person"})
    service_radius_km: float | None = None
    provinces: frozenset[str] = frozenset()
    nationwide: bool = False
    intake_24_7: bool = False
    intake_hours_stated: bool = False  # some hours, at any hour or not
    referral_required: bool = False
    fees: str = "free"
    beds_total: int | None = None
    beds_available: int | None = None
    accepting_referrals: bool = True
    id_required: bool = False
    police_report_required: bool = False
    last_verified_at: datetime | None = None
    availability_updated_at: datetime | None = None
    eligibility_stated: bool = True
    # Which rules of whom it serves the listing has, as a small number shared by every listing
    # with the same rules: eligibility is decided once per person and rules (eligibility.py).
    rules: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = (
            self.accepting_referrals,
            self.eligibility_stated,
            self.genders,
            self.min_age,
            self.max_age,
            self.statuses,
            self.trafficking_types,
            self.accepts_dependents,
            houses(self.categories),
            self.id_required,
            self.police_report_required,
            frozenset(site.wheelchair_accessible for site in self.sites),
            bool(self.delivery & WHERE_THEY_ARE),
        )
        number = _RULES.get(rules)
        if number is None:  # (setdefault and next are atomic: threads never share a number)
            number = _RULES.setdefault(rules, next(_NUMBERS))
        object.__setattr__(self, "rules", number)


def houses(categories: frozenset[str]) -> bool:
    """Whether the service houses people: where children must be able to stay too."""
    return any(category.startswith("housing.") for category in categories)


# Every set of eligibility rules seen, by number: a few thousand at most, since listings share
# them (3,672 among the benchmark's 100,000). Listing data only, never anything of a person.
_RULES: dict[tuple[object, ...], int] = {}
_NUMBERS = count()


class Note(NamedTuple):
    """A reason or a caveat: a message code and its parameters, rendered per language. (A
    named tuple: many are made per match, and a frozen dataclass costs more to make.)"""

    code: str
    params: tuple[tuple[str, str | int | float], ...] = ()

    def param(self, name: str) -> str | int | float:
        return dict(self.params)[name]


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each factor counts in the score; they need not sum to 1."""

    distance: float = 0.35
    availability: float = 0.20
    language: float = 0.15
    specialisation: float = 0.10
    freshness: float = 0.10
    delivery: float = 0.10


@dataclass(frozen=True, slots=True)
class Freshness:
    """When listings and bed counts start to count as stale."""

    verified_fresh_days: float = 90.0
    verified_stale_days: float = 180.0
    verified_oldest_days: float = 365.0
    availability_fresh_hours: float = 24.0
    availability_stale_hours: float = 48.0
    availability_oldest_hours: float = 168.0


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked, explained match. `distance_km` is to the nearest site, rounded up to the next
    5 km for a confidential one; None for a service without sites."""

    service_id: str
    score: float
    distance_km: float | None
    site_index: int | None
    reach: ReachKind  # at "location" the person travels to the site: its distance is stated
    reasons: tuple[Note, ...]
    caveats: tuple[Note, ...]


@dataclass(frozen=True, slots=True)
class NeedResult:
    need: str
    radius_km: float
    expanded: bool
    matches: tuple[Match, ...] = field(default_factory=tuple)
