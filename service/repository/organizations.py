"""Statements on organizations."""

import uuid

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.models import Organization, OrganizationChange


def get_organization(session: Session, organization_id: uuid.UUID) -> Organization | None:
    return session.get(Organization, organization_id)


def list_organizations(
    session: Session, *, status: str | None, offset: int, limit: int
) -> tuple[list[Organization], int]:
    statement = select(Organization)
    counter = select(func.count()).select_from(Organization)
    if status is not None:
        statement = statement.where(Organization.status == status)
        counter = counter.where(Organization.status == status)
    rows = session.exec(
        statement.order_by(col(Organization.name), col(Organization.id)).offset(offset).limit(limit)
    )
    return list(rows), session.exec(counter).one()


def organization_names(session: Session, *, status: str | None) -> list[tuple[uuid.UUID, str]]:
    """Every organization's id and name (of `status`), by name: what a search by name reads."""
    statement = select(Organization.id, Organization.name)
    if status is not None:
        statement = statement.where(Organization.status == status)
    rows = session.exec(statement.order_by(col(Organization.name), col(Organization.id)))
    return [(row[0], row[1]) for row in rows]


def organizations_by_id(session: Session, ids: list[uuid.UUID]) -> list[Organization]:
    """The organizations of `ids`, in that order."""
    if not ids:
        return []
    found = {
        o.id: o for o in session.exec(select(Organization).where(col(Organization.id).in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def count_organizations(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Organization)).one()


def add_organization(session: Session, organization: Organization) -> Organization:
    session.add(organization)
    session.flush()
    return organization


def add_changes(session: Session, changes: list[OrganizationChange]) -> None:
    session.add_all(changes)


def list_changes(session: Session, organization_id: uuid.UUID) -> list[OrganizationChange]:
    statement = (
        select(OrganizationChange)
        .where(col(OrganizationChange.organization_id) == organization_id)
        .order_by(col(OrganizationChange.at), col(OrganizationChange.id))
    )
    return list(session.exec(statement))
