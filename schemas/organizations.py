"""Organizations: who offers services, vetted by an administrator before going live."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from schemas.common import Email, LongText, Name, Phone, RequestModel, Url
from schemas.enums import OrganizationStatus


class OrganizationCreate(RequestModel):
    name: Name
    description: LongText = ""
    website: Url | None = None
    email: Email | None = None
    phone: Phone | None = None


class OrganizationUpdate(RequestModel):
    """PATCH body: only the fields sent change."""

    name: Name | None = None
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
