"""Organizations: created pending, approved by an administrator before their services match."""

import uuid

from sqlmodel import Session

from schemas.enums import OrganizationStatus
from schemas.organizations import (
    OrganizationCreate,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
)
from service.errors import NotFound
from service.models import Organization, utcnow
from service.repository import organizations as repo
from service.usecases.keys import Caller


def _public(organization: Organization) -> OrganizationPublic:
    return OrganizationPublic.model_validate(organization, from_attributes=True)


def _get(session: Session, organization_id: uuid.UUID) -> Organization:
    organization = repo.get_organization(session, organization_id)
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def create_organization(
    session: Session, *, data: OrganizationCreate, caller: Caller
) -> OrganizationPublic:
    """Register an organization. It starts `pending`: its services match once approved."""
    organization = repo.add_organization(session, Organization(**data.model_dump()))
    session.commit()
    return _public(organization)


def get_organization(
    session: Session, *, organization_id: uuid.UUID, caller: Caller
) -> OrganizationPublic:
    return _public(_get(session, organization_id))


def list_organizations(
    session: Session,
    *,
    status: OrganizationStatus | None,
    page: int,
    per_page: int,
    caller: Caller,
) -> OrganizationPage:
    rows, total = repo.list_organizations(
        session,
        status=status.value if status else None,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return OrganizationPage(
        items=[_public(o) for o in rows], total=total, page=page, per_page=per_page
    )


def update_organization(
    session: Session, *, organization_id: uuid.UUID, data: OrganizationUpdate, caller: Caller
) -> OrganizationPublic:
    """Change the fields sent. Sending `null` clears an optional field; a name cannot be null."""
    organization = _get(session, organization_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        del changes["name"]
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.updated_at = utcnow()
    repo.add_organization(session, organization)
    session.commit()
    return _public(organization)


def set_organization_status(
    session: Session, *, organization_id: uuid.UUID, status: OrganizationStatus, caller: Caller
) -> OrganizationPublic:
    """Approve or suspend. A suspended organization's services stop matching and its keys stop
    working until it is approved again."""
    organization = _get(session, organization_id)
    if organization.status != status.value:
        organization.status = status.value
        organization.updated_at = utcnow()
        repo.add_organization(session, organization)
        session.commit()
    return _public(organization)
