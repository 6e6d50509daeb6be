"""Service listings on the wire: what providers send, and what each role may read back."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from schemas.common import (
    AS_WHOLE,
    Age,
    Email,
    FieldChange,
    HistoryPage,
    Language,
    LongText,
    Name,
    PatchModel,
    Phone,
    RequestModel,
    ShortText,
    Url,
    WholeNumber,
    without_direction_controls,
)
from schemas.enums import (
    Category,
    ChangeAction,
    Delivery,
    Fees,
    OrganizationStatus,
    Province,
    Role,
    ServedGender,
    ServedStatus,
    ServedTraffickingType,
)

# Canada's extent, with a little margin: Middle Island (41.7 N) to Cape Columbia (83.1 N),
# the Yukon-Alaska border (141 W) to Cape Spear (52.6 W).
MIN_LATITUDE, MAX_LATITUDE = 41.6, 83.2
MIN_LONGITUDE, MAX_LONGITUDE = -141.1, -52.5
MAX_LOCATIONS = 20
MAX_CATEGORIES = 10
MAX_LANGUAGES = 30
MAX_BEDS = 10_000
Beds = Annotated[StrictInt, Field(ge=0, le=MAX_BEDS), AS_WHOLE]
MAX_SERVICE_RADIUS_KM = 500

T = TypeVar("T")

_POSTAL_CODE = re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])\s?(\d[ABCEGHJ-NPRSTV-Z]\d)$")


def _unique(values: list[T]) -> list[T]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


class Eligibility(RequestModel):
    """Who a service serves. Empty lists and null bounds mean: no restriction."""

    genders: list[ServedGender] = Field(default_factory=list, max_length=3)
    min_age: Age | None = None
    max_age: Age | None = None
    statuses: list[ServedStatus] = Field(default_factory=list, max_length=7)
    trafficking_types: list[ServedTraffickingType] = Field(default_factory=list, max_length=2)
    accepts_dependents: StrictBool | None = Field(
        default=None, description="Children may come with the person; null: unknown."
    )

    _unique_lists = field_validator("genders", "statuses", "trafficking_types")(_unique)

    @model_validator(mode="after")
    def _ages_in_order(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age must not be above max_age")
        return self


class Location(RequestModel):
    """A place where the service is delivered. Confidential ones never leave the service."""

    name: Annotated[ShortText, AfterValidator(without_direction_controls)] | None = None
    address: ShortText | None = None
    municipality: Name
    province: Province
    postal_code: Annotated[str, Field(max_length=7)] | None = Field(
        default=None, description="A Canadian postal code, stored as `A1A 1A1`."
    )
    latitude: StrictFloat | None = Field(
        default=None,
        ge=MIN_LATITUDE,
        le=MAX_LATITUDE,
        description=(
            "With `longitude`, where the service is. Leave both out and the service places "
            "the location itself, offline: at the centre of its postal code's area (the first "
            "three characters) when that area is compact (a town's or city's) and in its "
            "province, else at the centre of its municipality; the answer shows the point "
            "used. Neither known, or a compact postal area over 50 km from the municipality: "
            "a 422."
        ),
    )
    longitude: StrictFloat | None = Field(default=None, ge=MIN_LONGITUDE, le=MAX_LONGITUDE)
    confidential: StrictBool = Field(
        default=False,
        description=(
            "true: a safe house; its address and point reach only administrators and the "
            "owning organization, and partners are sent to a hotline operator. A change of a "
            "listing that has a confidential location (PUT, or PATCH of `locations`) must say "
            "it of every location sent, true or false: left out, it would make that location "
            "public, so it is a 422 and nothing changes."
        ),
    )
    wheelchair_accessible: StrictBool | None = Field(default=None, description="null: unknown.")

    @field_validator("postal_code")
    @classmethod
    def _canadian_postal_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = _POSTAL_CODE.match(value.strip().upper())
        if found is None:
            raise ValueError("must be a Canadian postal code such as A1A 1A1")
        return f"{found.group(1)} {found.group(2)}"

    @model_validator(mode="after")
    def _both_coordinates_or_neither(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give latitude and longitude together, or neither")
        return self


class ServiceArea(RequestModel):
    """Where the service reaches people beyond its locations."""

    radius_km: StrictFloat | None = Field(
        default=None,
        ge=0,
        le=MAX_SERVICE_RADIUS_KM,
        description="Reach around each location, for outreach and for people who travel.",
    )
    provinces: list[Province] = Field(default_factory=list, max_length=13)
    nationwide: StrictBool = False

    _unique_provinces = field_validator("provinces")(_unique)


class Intake(RequestModel):
    """How a person or an operator reaches the service."""

    phone: Phone | None = None
    email: Email | None = None
    url: Url | None = None
    hours: ShortText | None = Field(
        default=None,
        description=(
            'Free text such as "Mon-Fri 9-17". Read as intake at any hour, which urgent '
            'housing ranks first, when that is all it says, in English or French: "24/7", '
            '"24 hours a day, 7 days a week", "24 h/24, 7 j/7", "24/7 (call first)"; not '
            '"24/7 (winter only)" (README, "Matching").'
        ),
    )
    referral_required: StrictBool = False


class Capacity(RequestModel):
    """Beds, for housing. Null: not applicable or not known."""

    beds_total: Beds | None = None
    beds_available: Beds | None = None

    @model_validator(mode="after")
    def _available_within_total(self) -> Self:
        if self.beds_available is not None:
            if self.beds_total is None:
                raise ValueError("beds_available needs beds_total")
            if self.beds_available > self.beds_total:
                raise ValueError("beds_available must not exceed beds_total")
        return self


class ServiceFields(RequestModel):
    """Every field of a listing but its organization."""

    name: Name
    description: LongText = ""
    categories: list[Category] = Field(min_length=1, max_length=MAX_CATEGORIES)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    trafficking_focus: list[ServedTraffickingType] = Field(
        default_factory=list,
        max_length=2,
        description="Specialisation: ranks higher for that form of trafficking, filters nothing.",
    )
    languages: list[Language] = Field(default_factory=list, max_length=MAX_LANGUAGES)
    delivery: list[Delivery] = Field(default_factory=lambda: [Delivery.in_person], min_length=1)
    locations: list[Location] = Field(default_factory=list, max_length=MAX_LOCATIONS)
    service_area: ServiceArea = Field(default_factory=ServiceArea)
    intake: Intake = Field(default_factory=Intake)
    capacity: Capacity = Field(default_factory=Capacity)
    accepting_referrals: StrictBool = True
    fees: Fees = Fees.free
    id_required: StrictBool = Field(default=False, description="Identity documents needed.")
    police_report_required: StrictBool = Field(
        default=False, description="A police report or cooperation with police needed."
    )

    _unique_lists = field_validator("categories", "trafficking_focus", "languages", "delivery")(
        _unique
    )

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not self.locations and not (self.service_area.provinces or self.service_area.nationwide):
            raise ValueError(
                "a service without locations needs service_area.provinces or nationwide"
            )
        if Delivery.in_person in self.delivery and not self.locations:
            raise ValueError("in_person delivery needs at least one location")
        return self


class ServiceCreate(ServiceFields):
    """A whole listing: the body of POST and PUT."""

    organization_id: UUID


READ_ONLY = (
    "id",
    "organization",
    "version",
    "created_at",
    "updated_at",
    "last_verified_at",
    "availability_updated_at",
    "eligibility_stated",
)


class ServiceReplace(ServiceCreate):
    """The body of PUT: a whole listing. What a read answers besides the listing may come
    back as read (a script PUTs back the body it got, changed): it is ignored, except `id`,
    which must name the listing replaced."""

    id: UUID | None = Field(default=None, description="Ignored; if sent, this listing's id.")
    organization: dict[str, object] | None = Field(default=None, description="Ignored.")
    version: int | None = Field(default=None, description="Ignored: `If-Match` guards.")
    created_at: datetime | None = Field(default=None, description="Ignored.")
    updated_at: datetime | None = Field(default=None, description="Ignored.")
    last_verified_at: datetime | None = Field(default=None, description="Ignored.")
    availability_updated_at: datetime | None = Field(default=None, description="Ignored.")
    eligibility_stated: bool | None = Field(default=None, description="Ignored.")

    def listing(self) -> ServiceCreate:
        """The listing sent, without what a read answers besides: what it leaves out stays
        unset (a location's `confidential` unsaid is not said false)."""
        sent = self.model_dump(exclude=set(READ_ONLY), exclude_unset=True)
        return ServiceCreate.model_validate(sent)


class EligibilityPatch(RequestModel):
    genders: list[ServedGender] | None = None
    min_age: WholeNumber | None = None
    max_age: WholeNumber | None = None
    statuses: list[ServedStatus] | None = None
    trafficking_types: list[ServedTraffickingType] | None = None
    accepts_dependents: StrictBool | None = None


class ServiceAreaPatch(RequestModel):
    radius_km: StrictFloat | None = None
    provinces: list[Province] | None = None
    nationwide: StrictBool | None = None


class IntakePatch(RequestModel):
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None
    referral_required: StrictBool | None = None


class CapacityPatch(RequestModel):
    beds_total: WholeNumber | None = None
    beds_available: WholeNumber | None = None


class ServiceUpdate(PatchModel):
    """A partial listing for PATCH: only the fields sent change.

    Nested objects (`eligibility`, `service_area`, `intake`, `capacity`) merge field by field;
    lists are replaced whole. The result is validated as a whole listing. No field may be
    null: leave one out to keep it (inside a nested object, `null` clears an optional field).
    """

    never_null = tuple(ServiceFields.model_fields)  # every field of a listing

    name: str | None = None
    description: str | None = None
    categories: list[Category] | None = None
    eligibility: EligibilityPatch | None = None
    trafficking_focus: list[ServedTraffickingType] | None = None
    languages: list[str] | None = None
    delivery: list[Delivery] | None = None
    locations: list[Location] | None = None
    service_area: ServiceAreaPatch | None = None
    intake: IntakePatch | None = None
    capacity: CapacityPatch | None = None
    accepting_referrals: StrictBool | None = None
    fees: Fees | None = None
    id_required: StrictBool | None = None
    police_report_required: StrictBool | None = None


class AvailabilityUpdate(RequestModel):
    """The nightly fast path: free beds and whether referrals are taken."""

    # At least one of the two, in the document too (a null is a field not given).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["beds_available"],
                    "properties": {"beds_available": {"type": "integer"}},
                },
                {
                    "required": ["accepting_referrals"],
                    "properties": {"accepting_referrals": {"type": "boolean"}},
                },
            ]
        }
    )

    beds_available: Beds | None = None
    accepting_referrals: StrictBool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.beds_available is None and self.accepting_referrals is None:
            raise ValueError("send beds_available, accepting_referrals or both")
        return self


class LocationPublic(BaseModel):
    """A location as its owner, and every role for a non-confidential one, sees it."""

    name: str | None
    address: str | None
    municipality: str
    province: Province
    postal_code: str | None
    latitude: float
    longitude: float
    confidential: bool
    wheelchair_accessible: bool | None


class LocationRedacted(BaseModel):
    """A confidential location as others see it: the area only, never where it is."""

    municipality: str
    province: Province
    confidential: Literal[True] = True
    wheelchair_accessible: bool | None


class IntakeRedacted(BaseModel):
    """A confidential service's intake as a partner app sees it."""

    contact_through: Literal["hotline_operator"] = "hotline_operator"
    message: str = "Confidential service: contact through a hotline operator."
    hours: str | None
    referral_required: bool


class OrganizationRef(BaseModel):
    id: UUID
    name: str


class ListedOrganization(OrganizationRef):
    """A listing's organization, with whether it is vetted: a match's are all approved."""

    status: OrganizationStatus = Field(
        description="`approved`: the listing is matched and shown to operators and "
        "partners. `pending` (not vetted yet) or `suspended`: it is not; only administrators "
        "and the organization's own keys read it."
    )


class ServicePublic(BaseModel):
    """A listing as the caller's role may see it."""

    id: UUID
    organization_id: UUID
    organization: ListedOrganization
    version: int
    name: str
    description: str
    categories: list[Category]
    eligibility: Eligibility
    trafficking_focus: list[ServedTraffickingType]
    languages: list[str]
    delivery: list[Delivery]
    locations: list[LocationPublic | LocationRedacted]
    service_area: ServiceArea
    intake: Intake | IntakeRedacted
    capacity: Capacity
    accepting_referrals: bool
    fees: Fees
    id_required: bool
    police_report_required: bool
    created_at: datetime
    updated_at: datetime
    last_verified_at: datetime | None
    availability_updated_at: datetime | None
    eligibility_stated: bool = Field(
        default=True,
        description="False for a listing imported from another directory that gave no "
        'eligibility rules: its empty `eligibility` is unknown, not "serves everyone", and '
        "its matches carry a caveat. Read-only: any PUT or PATCH of the listing states it.",
    )


class ServicePage(BaseModel):
    items: list[ServicePublic]
    total: int = Field(
        description="How many listings the query holds: with `cursor`, those changed after "
        "it (this page's and the ones after), not the size of the registry; without, every "
        "listing the filters let through."
    )
    page: int
    per_page: int
    next_cursor: str | None = Field(
        default=None,
        description="Where to go on from: send it as `cursor` for the listings changed after "
        "this page's last, now or in a later sync (keep the last page's). Unlike `page`, it "
        "skips nothing when listings change while you read. On the last page it stands no "
        "later than a minute ago, so that a change still being written is not missed: a "
        "listing changed in the last minute may come again, but never not at all. Null "
        "when the list is filtered by `category`, `province`, `stale` or `beds_stale`: a "
        "listing can leave such a filter, which a sync would never see.",
    )
    has_more: bool = Field(
        default=False,
        description="Whether more listings come after this page: follow `next_cursor` (or "
        "the next `page`) while it is true, then stop. An empty page is not the end: a sync "
        "that waits for one may never end while listings keep changing.",
    )


class RemovalReason(StrEnum):
    deleted = "deleted"
    withdrawn = "withdrawn"  # its organization is suspended


class RemovedService(BaseModel):
    """A listing that a copy of the registry should drop."""

    id: UUID
    removed_at: datetime
    reason: RemovalReason


class RemovedPage(BaseModel):
    items: list[RemovedService]
    total: int
    page: int
    per_page: int
    next_cursor: str | None = Field(
        default=None,
        description="Send it as `cursor` for the removals after this page's last, now or in "
        "a later sync (keep the last page's; it stands a minute back, as the listings' does).",
    )
    has_more: bool = Field(
        default=False, description="Whether more come after this page: follow `next_cursor`."
    )


class ServiceChangePublic(BaseModel):
    """One entry of a listing's history."""

    id: int
    service_id: UUID
    at: datetime
    action: ChangeAction
    actor_key_id: UUID | None
    actor_name: str
    actor_role: Role
    version: int
    changes: list[FieldChange]


class ServiceHistory(HistoryPage):
    items: list[ServiceChangePublic]
