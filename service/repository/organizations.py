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
    decided on it is what it still is, and its history entries are written in the order of
    the decisions (a reader paging by `after` never misses one committed late): FOR NO KEY
    UPDATE on PostgreSQL (see `_held`)."""
    if not for_update:
        return session.get(Organization, organization_id)
    return _held(session, organization_id, share=False)


def hold_organization(session: Session, organization_id: uuid.UUID) -> Organization | None:
    """The organization, held until the transaction ends so that it is not deleted under a
    listing or key being written for it: FOR SHARE on PostgreSQL, which waits for a deletion
    under way and lets other listings be written beside."""
    return _held(session, organization_id, share=True)


def _held(session: Session, organization_id: uuid.UUID, *, share: bool) -> Organization | None:
    """Locked without being written, since a write would tell every match index that the
    organization changed: FOR NO KEY UPDATE or FOR SHARE on PostgreSQL; on SQLite, where a read
    takes no lock, the database's write lock, taken first by an update of no row (on the
    session's connection: it changes no one's rights, and must not make the workers forget the
    callers they hold, `RecentCallers`, on every new listing)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(
            sa.update(_ORGANIZATION).where(sa.false()).values(status=_ORGANIZATION.c.status)
        )
        return session.get(Organization, organization_id, populate_existing=True)
    # (FOR NO KEY UPDATE, not FOR UPDATE: a listing's foreign key check, FOR KEY SHARE, goes on)
    locking = {"read": True} if share else {"key_share": True}
    statement = (
        select(Organization).where(Organization.id == organization_id).with_for_update(**locking)
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
    """An organization's history entries, oldest first (by id: its writes hold its row, or
    create it, so its entries' ids follow their order); after the entry `after`, at or after
    `since`, at most `limit`."""
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
