"""Organizations: who offers services, vetted by an administrator before going live."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from schemas.common import (
    Email,
    FieldChange,
    HistoryPage,
    LongText,
    Name,
    PatchModel,
    Phone,
    RequestModel,
    Url,
)
from schemas.enums import OrganizationAction, OrganizationStatus, Role


class OrganizationCreate(RequestModel):
    name: Name
    description: LongText = ""
    website: Url | None = None
    email: Email | None = None
    phone: Phone | None = None


class OrganizationUpdate(PatchModel):
    """PATCH body: only the fields sent change; `null` clears an optional one."""

    never_null = ("name",)

    name: Name | SkipJsonSchema[None] = Field(default=None, description="A new name.")
    description: LongText | None = None
    website: Url | None = None
    email: Email | None = None
    phone: Phone | None = None


class OrganizationPublic(BaseModel):
    id: UUID
    name: str
    description: str
    website: str | None
    email: str | None
    phone: str | None
    status: OrganizationStatus
    created_at: datetime
    updated_at: datetime


class OrganizationPage(BaseModel):
    items: list[OrganizationPublic]
    total: int
    page: int
    per_page: int


NOTE_IN_WORDS = "must say in words what the decision rests on"


class StatusChange(RequestModel):
    """Optional body of approve and suspend: why, for the organization's history."""

    note: LongText | None = Field(
        default=None,
        description='What the decision rests on ("charity registration checked, premises '
        "visited\"), kept in the organization's history. Never personal data of survivors.",
    )
    expected_status: OrganizationStatus | None = Field(
        default=None,
        description="The status the decision was made on, as last read. When the "
        "organization's status is another by now (another administrator decided meanwhile), "
        "the answer is 409 and nothing changes: read it again, then decide.",
    )

    @field_validator("note")
    @classmethod
    def _says_something(cls, value: str | None) -> str | None:
        # Invisible characters alone (a zero-width space) are no reason on the record, and
        # would let a script reinstate a suspended organization with nothing said (a review).
        if value and not any(character.isalnum() for character in value):
            raise ValueError(NOTE_IN_WORDS)
        return value


class OrganizationChangePublic(BaseModel):
    """One entry of an organization's history: who did what, when, and why."""

    id: int
    organization_id: UUID
    at: datetime
    action: OrganizationAction
    actor_key_id: UUID | None = Field(description="The key used; null for the command line.")
    actor_name: str
    actor_role: Role
    changes: list[FieldChange]
    note: str | None


class OrganizationHistory(HistoryPage):
    items: list[OrganizationChangePublic]
