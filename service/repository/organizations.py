"""Statements on organizations."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.models import Organization, OrganizationChange

_ORGANIZATION = Organization.__table__


def get_organization(
    session: Session, organization_id: uuid.UUID, *, for_update: bool = False
) -> Organization | None:
    """`for_update`: read as it is once locked until the transaction ends, so that what is
    decided on it is what it still is. The lock is taken by writing the row unchanged first:
    on SQLite a read takes no lock (and FOR UPDATE does not exist), a write takes the
    database's; on PostgreSQL it locks the row, as FOR UPDATE would."""
    if for_update:
        session.execute(
            sa.update(_ORGANIZATION)
            .where(_ORGANIZATION.c.id == organization_id)
            .values(status=_ORGANIZATION.c.status)
        )
        return session.get(Organization, organization_id, populate_existing=True)
    return session.get(Organization, organization_id)


def hold_organization(session: Session, organization_id: uuid.UUID) -> Organization | None:
    """The organization, held until the transaction ends so that it is not deleted under a
    listing or key being written for it, without writing it (a write would tell every match
    index that the organization changed): FOR SHARE on PostgreSQL, which waits for a
    deletion under way and lets other listings be written beside; on SQLite, the database's
    write lock, taken first by an update of no row."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.update(_ORGANIZATION).where(sa.false()).values(status=_ORGANIZATION.c.status)
        )
        return session.get(Organization, organization_id, populate_existing=True)
    statement = (
        select(Organization).where(Organization.id == organization_id).with_for_update(read=True)
    )
    return session.exec(statement.execution_options(populate_existing=True)).first()


def list_organizations(
    session: Session, *, status: str | None, offset: int, limit: int, name_part: str | None = None
) -> tuple[list[Organization], int]:
    """By name. `name_part`: only those whose `name_key` contains it (a `name_key` itself)."""
    statement = select(Organization)
    counter = select(func.count()).select_from(Organization)
    if status is not None:
        statement = statement.where(Organization.status == status)
        counter = counter.where(Organization.status == status)
    if name_part is not None:
        # Letters, digits and spaces only (`models.name_key`): no wildcard to escape.
        statement = statement.where(col(Organization.name_key).contains(name_part))
        counter = counter.where(col(Organization.name_key).contains(name_part))
    rows = session.exec(
        statement.order_by(col(Organization.name), col(Organization.id)).offset(offset).limit(limit)
    )
    return list(rows), session.exec(counter).one()


def delete_organization(session: Session, organization: Organization) -> None:
    session.delete(organization)
    session.flush()


def count_organizations(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Organization)).one()


def add_organization(session: Session, organization: Organization) -> Organization:
    session.add(organization)
    session.flush()
    return organization


def add_changes(session: Session, changes: list[OrganizationChange]) -> None:
    session.add_all(changes)


def list_changes(
    session: Session,
    organization_id: uuid.UUID,
    *,
    after: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[OrganizationChange]:
    """An organization's history entries, oldest first (by id, the order they were written
    in: two administrators' decisions at the same instant may commit in the other order, and
    a reader that pages with `after` while they do may see the later one only); after the
    entry `after`, at or after `since`, at most `limit`."""
    statement = select(OrganizationChange).where(
        col(OrganizationChange.organization_id) == organization_id
    )
    if after is not None:
        statement = statement.where(col(OrganizationChange.id) > after)
    if since is not None:
        statement = statement.where(col(OrganizationChange.at) >= since)
    return list(session.exec(statement.order_by(col(OrganizationChange.id)).limit(limit)))


def has_history(session: Session, organization_id: uuid.UUID) -> bool:
    statement = (
        select(OrganizationChange.id)
        .where(col(OrganizationChange.organization_id) == organization_id)
        .limit(1)
    )
    return session.exec(statement).first() is not None
