"""Matching on the wire: the anonymized need profile in, ranked and explained services out.

The profile is normalised for privacy at the edge: a full postal code is cut to its first three
characters and coordinates are rounded to two decimals (about a kilometre) before anything
else sees them.
"""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from schemas.common import AS_WHOLE, Age, Language, RequestModel
from schemas.enums import AreaType, Category, Delivery, Gender, Need, NewcomerStatus, Reach
from schemas.enums import TraffickingType as TraffickingTypeEnum
from schemas.services import (
    MAX_LATITUDE,
    MAX_LONGITUDE,
    MIN_LATITUDE,
    MIN_LONGITUDE,
    Intake,
    IntakeRedacted,
    LocationPublic,
    LocationRedacted,
    OrganizationRef,
)

NeedCode = StrEnum(  # type: ignore[misc]
    "NeedCode", {value: value for value in [*(n.value for n in Need), *(c.value for c in Category)]}
)
NeedCode.__doc__ = "A top-level need (`housing`) or one category of it (`legal.immigration`)."

# A prefix (`N2L`) or a whole code (`N2L 3G1`, `n2l-3g1`): never a prefix followed by
# anything else, which is a typo the person should see rather than a place guessed.
_POSTAL_PREFIX = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z](\d[ABCEGHJ-NPRSTV-Z]\d)?")


def is_rural_postal_code(compact: str) -> bool:
    """A rural postal code (its second character 0, as Canada Post marks rural areas: N0B,
    X0A): whole, it names a community's post office, not a household, and places the person
    at that community rather than somewhere in a rural area that may span many towns."""
    return len(compact) == 6 and compact[1] == "0"


_LOCATION_WAYS = ("postal_prefix", "place", "latitude", "longitude")


def _only(given: dict[str, str]) -> dict[str, Any]:
    """A JSON-schema branch of `MatchLocation`: these fields, of these types, and the others
    null or left out."""
    return {
        "required": list(given),
        "properties": {name: {"type": given.get(name, "null")} for name in _LOCATION_WAYS},
    }


class MatchLocation(RequestModel):
    """Where the person is, coarsely: exactly one of a postal prefix, a place, or coordinates."""

    model_config = ConfigDict(
        hide_input_in_errors=True,  # as NeedProfile's
        # Exactly one way, in the document too, so that a client generated from it knows
        # (a null is a field not given).
        json_schema_extra={
            "oneOf": [
                _only({"postal_prefix": "string"}),
                _only({"place": "string"}),
                _only({"latitude": "number", "longitude": "number"}),
            ]
        },
    )

    postal_prefix: Annotated[str, Field(max_length=12)] | None = Field(
        default=None,
        description="First three characters of a postal code (`N2L`); a whole code (`N2L 3G1`) "
        "is cut to them, unless it is rural (its second character 0): a rural code names a "
        "community's post office, not a household, and the person is placed at that community "
        "(`X0A 0H0`: Iqaluit; `C0A 2B0`: Souris, PE), where its area's centre may lie tens or "
        "hundreds of km away. Never kept. Anything else is a 422.",
    )
    place: Annotated[str, Field(min_length=2, max_length=100)] | None = Field(
        default=None, description='A municipality, province optional: "Elmira, ON".'
    )
    latitude: StrictFloat | None = Field(default=None, ge=MIN_LATITUDE, le=MAX_LATITUDE)
    longitude: StrictFloat | None = Field(default=None, ge=MIN_LONGITUDE, le=MAX_LONGITUDE)

    @field_validator("postal_prefix")
    @classmethod
    def _cut_to_prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # (any spaces: a non-breaking one in text copied from French, a tab, two)
        compact = "".join(value.split()).replace("-", "").upper()
        if not _POSTAL_PREFIX.fullmatch(compact):
            raise ValueError(
                "must be a Canadian postal prefix such as N2L, or a whole postal code such "
                "as N2L 3G1"
            )
        if is_rural_postal_code(compact):
            # Kept whole to find the community it names (`usecases.match.resolve_location`),
            # then dropped with the profile.
            return compact
        return compact[:3]

    @field_validator("latitude", "longitude")
    @classmethod
    def _round_to_a_kilometre(cls, value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [
            self.postal_prefix is not None,
            self.place is not None,
            self.latitude is not None or self.longitude is not None,
        ]
        if sum(given) != 1:
            raise ValueError("give exactly one of postal_prefix, place, or latitude and longitude")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude")
        return self


class NeedProfile(RequestModel):
    """An anonymized need profile. Used for one answer, then forgotten: never stored or logged.
    Any field not listed here is rejected."""

    model_config = ConfigDict(
        extra="forbid",
        # A partner app that logs a ValidationError would log what was sent: a phone number
        # or an address put where it does not belong (the server never says values back).
        # Its text holds no value now; its `.errors()` still does unless asked
        # `errors(include_input=False)`, as the client's README says.
        hide_input_in_errors=True,
        json_schema_extra={
            # A fictional caller, as the README's first call: what /docs fills in.
            "examples": [
                {
                    "gender": "woman",
                    "age": 24,
                    "newcomer_status": "refugee_claimant",
                    "trafficking_type": "labour",
                    "needs": ["housing", "legal.immigration"],
                    "location": {"place": "Cambridge, ON"},
                    "languages": ["es"],
                }
            ]
        },
    )

    gender: Gender = Gender.undisclosed
    age: Age | None = Field(default=None, description="Whole years.")
    newcomer_status: NewcomerStatus = NewcomerStatus.undisclosed
    trafficking_type: TraffickingTypeEnum = TraffickingTypeEnum.undisclosed
    needs: list[NeedCode] = Field(
        min_length=1,
        max_length=10,
        description="Needs or categories, no repeats. A need takes in its categories "
        "(`housing` every housing one), except that `legal` for a Canadian citizen leaves "
        "out immigration law, which a citizen asks for by name (`legal.immigration`).",
    )
    location: MatchLocation
    max_distance_km: StrictFloat = Field(default=50, gt=0, le=500)
    languages: list[Language] = Field(
        default_factory=list,
        max_length=10,
        description="Languages the person speaks, the one they are most at ease in first: a "
        "service that speaks it ranks above one that speaks only another of theirs, which says "
        "so in its caveats.",
    )
    with_dependents: StrictBool = False
    no_identification: StrictBool = Field(default=False, description="Has no identity documents.")
    no_police_report: StrictBool = Field(
        default=False, description="Will not make a police report."
    )
    wheelchair: StrictBool = Field(
        default=False,
        description="Needs wheelchair access: matches send the person only to sites not known "
        "to have steps, or reach them by phone, online or outreach.",
    )
    urgent: StrictBool = Field(
        default=False,
        description="Needs a bed tonight: housing with a free bed by a current count, or a "
        "24/7 intake, ranks above every one with neither.",
    )
    limit: Annotated[StrictInt, Field(ge=1, le=50), AS_WHOLE] = Field(
        default=5, description="Matches per need."
    )

    @field_validator("needs")
    @classmethod
    def _no_repeats(cls, value: list[StrEnum]) -> list[StrEnum]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a need")
        return value

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ResolvedLocation(BaseModel):
    label: str
    latitude: float
    longitude: float
    area_type: AreaType
    province: str


class Availability(BaseModel):
    beds_available: int | None
    beds_total: int | None
    accepting_referrals: bool
    updated_at: datetime | None


class ServiceMatch(BaseModel):
    service_id: UUID
    name: str
    organization: OrganizationRef
    categories: list[Category]
    score: float = Field(ge=0, le=1)
    distance_km: float | None = Field(
        description="To the nearest location; when it is confidential, from the farthest "
        "corner of its 0.05-degree cell, rounded up to the next 5 km (never less than the "
        "true distance); null for a service without locations."
    )
    reach: Reach = Field(
        description="How the service reaches the person: `location`, they go to it, "
        "`distance_km` away; `phone_or_online`; `outreach`, its staff travel to them "
        "(never housing, whose bed is at its site); `service_area`, they are in its area "
        "and it lists no location to go to. For "
        "`phone_or_online` and `outreach`, `distance_km` is only where its office is."
    )
    delivery: list[Delivery]
    reasons: list[str]
    caveats: list[str]
    location: LocationPublic | LocationRedacted | None
    intake: Intake | IntakeRedacted
    availability: Availability
    last_verified_at: datetime | None


class NeedResult(BaseModel):
    need: str
    radius_km: float
    expanded: bool = Field(
        description="True when the radius was widened to find enough (`limit`) that reach the "
        "person; for urgent housing, enough that take people tonight."
    )
    matches: list[ServiceMatch]
    beyond: list[ServiceMatch] = Field(
        default_factory=list,
        description="Only when nothing eligible reaches the person within 500 km (`matches` "
        "is empty and the need is in `unmet_needs`): the nearest eligible services farther "
        "away, up to 3, nearest first (those sure to serve the person before those their "
        "silence leaves in doubt), so that a caller in a remote community is not left "
        "with nothing to try; for urgent housing, those that take people tonight first. And "
        "for urgent housing whose `matches` take no one tonight (full, or open office hours "
        "only): the nearest farther away that do. And when every match is far, found only "
        "because its area takes people from the person's (a territory-wide network's house "
        "1,000 km away): the nearest others, as if nothing matched. Empty otherwise.",
    )


class MatchResponse(BaseModel):
    location: ResolvedLocation
    results: list[NeedResult]
    unmet_needs: list[str] = Field(description="Needs for which nothing eligible was found.")


class PlacePublic(BaseModel):
    label: str
    name: str
    province: str
    latitude: float
    longitude: float
    population: int
    area_type: AreaType


class PlaceList(BaseModel):
    items: list[PlacePublic]
