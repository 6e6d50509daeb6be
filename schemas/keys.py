"""API keys: one per script, app or person, shown once, stored only as a hash."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, model_validator
from pydantic.json_schema import SkipJsonSchema

from schemas.common import AS_WHOLE, Name, PatchModel, RequestModel
from schemas.enums import OrganizationStatus, Role
from schemas.organizations import OrganizationPublic

RateLimit = Annotated[
    StrictInt,
    Field(
        ge=0,
        le=1_000_000,
        description="Requests this key may make in a minute, instead of the service's "
        "`REFERRAL_RATE_LIMIT_PER_MINUTE` (a large partner app, or a key to slow down "
        "without revoking it); 0: no limit. Null: the service's.",
    ),
    AS_WHOLE,
]


class KeyCreate(RequestModel):
    role: Role
    name: Name = Field(description="Who or what uses the key, such as `nightly bed script`.")
    organization_id: UUID | None = Field(
        default=None, description="Required for the `provider` role, refused for the others."
    )
    rate_limit_per_minute: RateLimit | None = None

    @model_validator(mode="after")
    def _organization_for_providers_only(self) -> Self:
        if self.role is Role.provider and self.organization_id is None:
            raise ValueError("a provider key needs organization_id")
        if self.role is not Role.provider and self.organization_id is not None:
            raise ValueError("only a provider key is bound to an organization")
        return self


class KeyPublic(BaseModel):
    id: UUID
    role: Role
    name: str
    organization_id: UUID | None
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When the key was last used, to the minute. A use while SQLite is busy with "
        "another writer is left to the key's next use, so that it never holds up a request."
    )
    revoked_at: datetime | None
    issued_by: str | None = Field(
        default=None,
        description="The name of the administrator's key that issued it; null for keys made "
        "at start-up (the bootstrap and demo keys) or issued before this was recorded.",
    )
    issued_by_key_id: UUID | None = None
    revoked_by: str | None = Field(
        default=None, description="The name of the administrator's key that revoked it."
    )
    revoked_by_key_id: UUID | None = None
    rate_limit_per_minute: int | None = Field(
        default=None,
        description="The key's own requests per minute (0: no limit); null: the service's "
        "(`REFERRAL_RATE_LIMIT_PER_MINUTE`).",
    )
    organization_status: OrganizationStatus | None = Field(
        default=None,
        description="A provider key's organization's status: while it is `suspended`, the "
        "key is refused (403) though not revoked, and works again once the organization is "
        "approved. Null for a staff key.",
    )


class KeyUpdate(PatchModel):
    """What `PATCH /v1/keys/{id}` changes: the fields sent; the secret and role never."""

    never_null = ("name",)

    name: Name | SkipJsonSchema[None] = Field(default=None, description="A new name.")
    rate_limit_per_minute: RateLimit | None = None


class KeyCreated(KeyPublic):
    key: str = Field(description="The secret. Shown in this answer only: store it now.")


class KeyList(BaseModel):
    items: list[KeyPublic]


class StaleAfter(BaseModel):
    """When this service calls data stale, in matches (a caveat) and in listings' filters."""

    listing_days: int = Field(
        description="A listing not verified for this many days (`REFERRAL_STALE_AFTER_DAYS`)."
    )
    beds_hours: int = Field(
        description="A count of free beds older than this many hours, which matches do not "
        "take as tonight's (`REFERRAL_AVAILABILITY_STALE_AFTER_HOURS`)."
    )


class CallerPublic(BaseModel):
    """The key a request was sent with, and for a provider key its organization."""

    key: KeyPublic
    organization: OrganizationPublic | None = Field(
        description="The organization a `provider` key acts for (list its listings with "
        "`GET /v1/services?organization_id=`); null for the other roles."
    )
    stale_after: StaleAfter = Field(
        description="When this service calls a listing or a bed count stale: a nightly "
        "script's deadline, and what a client marks as old."
    )
