"""Statements on listings, their locations and their history."""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlmodel import Session, col, select

from service.models import (
    AreaCover,
    Location,
    Organization,
    OrganizationChange,
    ReachCell,
    Service,
    ServiceChange,
)
from service.repository.prepared import Prepared
from service.repository.rows import (
    attach_owner_and_locations,
    detached_from,
    hashable,
)

# SQLModel 0.0.50's stubs and SQLAlchemy 2.1's disagree on `select(Service)` and on column
# comparisons, so statements under construction are typed loosely (see pyproject's mypy
# override for this module).
ServiceSelect = Any

_SERVICE = Service.__table__
_ORGANIZATION = Organization.__table__
_LOCATION = Location.__table__
_CHANGE = ServiceChange.__table__


def _with_relations(statement: ServiceSelect) -> ServiceSelect:
    """Listings with their locations and organization in one joined statement: one snapshot,
    so a listing deleted or moved meanwhile is never read with another moment's locations
    (a read racing a delete answered a listing without any, which no write may leave)."""
    return statement.options(
        joinedload(Service.locations),
        joinedload(Service.organization),
    )


def _visible_to(
    statement: sa.Select[tuple[Service]], visible_organization: uuid.UUID | None, everything: bool
) -> sa.Select[tuple[Service]]:
    if everything:
        return statement
    approved = Organization.status == "approved"
    condition = (
        approved
        if visible_organization is None
        else sa.or_(approved, Service.organization_id == visible_organization)
    )
    return statement.join(Organization, col(Organization.id) == col(Service.organization_id)).where(
        condition
    )


def get_service(
    session: Session,
    service_id: uuid.UUID,
    *,
    visible_organization: uuid.UUID | None = None,
    everything: bool = False,
) -> Service | None:
    """A listing with its locations and organization, if the caller may see it: services of
    approved organizations, plus those of `visible_organization`, or all with `everything`."""
    statement = _visible_to(select(Service), visible_organization, everything).where(
        col(Service.id) == service_id
    )
    return session.exec(_with_relations(statement)).unique().one_or_none()


def list_services(
    session: Session,
    *,
    visible_organization: uuid.UUID | None,
    everything: bool,
    organization_id: uuid.UUID | None,
    categories_mask: int | None,
    province: str | None,
    province_bit: int | None,
    modified_after: datetime | None,
    offset: int,
    limit: int,
    verified_before: datetime | None = None,
    verified_since: datetime | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    beds_counted_before: datetime | None = None,
    beds_counted_since: datetime | None = None,
) -> tuple[list[Service], int]:
    """A page of listings in the order of their last change, `(updated_at, id)`, and how many
    there are in all; `after`, a position in that order to go on from (a sync's cursor)."""
    statement = _visible_to(select(Service), visible_organization, everything)
    if organization_id is not None:
        statement = statement.where(col(Service.organization_id) == organization_id)
    if categories_mask:
        statement = statement.where(col(Service.categories_mask).op("&")(categories_mask) != 0)
    if province is not None and province_bit is not None:
        located = (
            sa.select(col(Location.id))
            .where(col(Location.service_id) == col(Service.id), col(Location.province) == province)
            .exists()
        )
        statement = statement.where(
            sa.or_(
                located,
                col(Service.provinces_mask).op("&")(province_bit) != 0,
                col(Service.nationwide).is_(True),
            )
        )
    if modified_after is not None:
        statement = statement.where(col(Service.updated_at) > modified_after)
    if after is not None:
        changed, service_id = after
        statement = statement.where(
            sa.or_(
                col(Service.updated_at) > changed,
                sa.and_(col(Service.updated_at) == changed, col(Service.id) > service_id),
            )
        )
    if verified_before is not None:  # a listing never verified is the stalest of all
        statement = statement.where(
            sa.or_(
                col(Service.last_verified_at) < verified_before,
                col(Service.last_verified_at).is_(None),
            )
        )
    if verified_since is not None:
        statement = statement.where(col(Service.last_verified_at) >= verified_since)
    if beds_counted_before is not None:  # listings with beds whose count is old, or none
        statement = statement.where(
            col(Service.beds_total).is_not(None),
            sa.or_(
                col(Service.availability_updated_at) < beds_counted_before,
                col(Service.availability_updated_at).is_(None),
                col(Service.beds_available).is_(None),
            ),
        )
    if beds_counted_since is not None:
        statement = statement.where(
            col(Service.beds_total).is_not(None),
            col(Service.beds_available).is_not(None),
            col(Service.availability_updated_at) >= beds_counted_since,
        )
    total = session.execute(
        sa.select(sa.func.count()).select_from(statement.subquery())
    ).scalar_one()
    page = _with_relations(
        statement.order_by(col(Service.updated_at), col(Service.id)).offset(offset).limit(limit)
    )
    return list(session.exec(page).unique()), int(total)


def count_services_of(session: Session, organization_id: uuid.UUID) -> int:
    """The listings an organization has (deleted ones are gone)."""
    counted = select(sa.func.count()).select_from(Service)
    return int(session.exec(counted.where(col(Service.organization_id) == organization_id)).one())


def touch_services_of(session: Session, organization_id: uuid.UUID, at: datetime) -> None:
    """Mark an organization's listings changed at `at`: what others read of them changed
    (whether they are shown at all, their organization's name), so a sync reads them again."""
    session.execute(
        sa.update(Service)
        .where(col(Service.organization_id) == organization_id)
        .values(updated_at=at)
        .execution_options(synchronize_session=False)
    )


def removed_since(
    session: Session,
    *,
    since: datetime | None,
    withdrawn: bool,
    after: tuple[datetime, uuid.UUID] | None = None,
    own_organization: uuid.UUID | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[uuid.UUID, datetime, str]], int]:
    """Listings deleted since `since`, and when `withdrawn`, those whose organization was
    suspended since then and is still (except `own_organization`'s, which its provider still
    sees): `(id, when, "deleted" | "withdrawn")`, oldest first. When `withdrawn` (a reader
    other than an administrator), none of an organization never approved by then, whose
    listings were never shown (`_never_approved`)."""
    deleted: ServiceSelect = sa.select(
        col(ServiceChange.service_id).label("id"),
        col(ServiceChange.at).label("at"),
        sa.literal("deleted").label("reason"),
    ).where(
        col(ServiceChange.action) == "delete",
        # (not one listed again since: an import of a newer record can)
        ~sa.exists().where(col(Service.id) == col(ServiceChange.service_id)),
    )
    if since is not None:
        deleted = deleted.where(col(ServiceChange.at) > since)
    if withdrawn:
        # Not the listings of an organization never approved (still pending, or suspended or
        # deleted without ever being approved): never shown to those who read this, their ids
        # and times would say that an unvetted organization is at work (a review).
        deleted = deleted.where(
            ~sa.exists().where(
                col(Organization.id) == col(ServiceChange.organization_id),
                col(Organization.status) == "pending",
                col(Organization.id) != own_organization,
            ),
            ~_never_approved(col(ServiceChange.organization_id), by=col(ServiceChange.at)),
        )
    parts: list[ServiceSelect] = [deleted]
    if withdrawn:
        gone: ServiceSelect = (
            sa.select(
                col(Service.id).label("id"),
                col(Organization.updated_at).label("at"),
                sa.literal("withdrawn").label("reason"),
            )
            .join(Organization, col(Organization.id) == col(Service.organization_id))
            .where(
                col(Organization.status) == "suspended",
                ~_never_approved(col(Organization.id), by=col(Organization.updated_at)),
            )
        )
        if since is not None:
            gone = gone.where(col(Organization.updated_at) > since)
        if own_organization is not None:
            gone = gone.where(col(Service.organization_id) != own_organization)
        parts.append(gone)
    union = sa.union_all(*parts).subquery()
    after_position = sa.true()
    if after is not None:  # a sync's cursor: after this removal, in (at, id) order
        at, service_id = after
        after_position = sa.or_(union.c.at > at, sa.and_(union.c.at == at, union.c.id > service_id))
    total = session.execute(
        sa.select(sa.func.count()).select_from(union).where(after_position)
    ).scalar_one()
    rows = session.execute(
        sa.select(union.c.id, union.c.at, union.c.reason)
        .where(after_position)
        .order_by(union.c.at, union.c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        (row[0], row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC), row[2]) for row in rows
    ], int(total)


def _never_approved(organization_id: Any, *, by: Any) -> Any:
    """Whether the organization's history says it was never approved by `by`: registered
    through the API (its `create` entry, pending), with no approval and no import, which may
    approve, at or before then. Its listings were never shown but to administrators and
    itself. (One with no history, as the demo's, or imported, is taken to have been shown.)"""
    history = OrganizationChange.__table__.c
    return sa.and_(
        sa.exists().where(history.organization_id == organization_id, history.action == "create"),
        ~sa.exists().where(
            history.organization_id == organization_id,
            history.action.in_(("approve", "import")),
            history.at <= by,
        ),
    )


def add_service(session: Session, service: Service) -> Service:
    session.add(service)
    session.flush()
    return service


def replace_reach_cells(
    session: Session, service_id: uuid.UUID, cells: list[tuple[int, int]]
) -> None:
    """File a listing's locations under the grid cells they reach: `(location_id, cell)`."""
    session.execute(sa.delete(ReachCell).where(col(ReachCell.service_id) == service_id))
    if cells:
        session.execute(
            sa.insert(ReachCell),
            [
                {"cell": cell, "location_id": location_id, "service_id": service_id}
                for location_id, cell in cells
            ],
        )


def replace_area_covers(
    session: Session, service_id: uuid.UUID, covers: list[tuple[str, int]]
) -> None:
    """File a province-wide or nationwide listing under `(area, category_bit)`."""
    session.execute(sa.delete(AreaCover).where(col(AreaCover.service_id) == service_id))
    if covers:
        session.execute(
            sa.insert(AreaCover),
            [{"area": area, "category_bit": bit, "service_id": service_id} for area, bit in covers],
        )


def claim_version(session: Session, service_id: uuid.UUID, expected_version: int) -> bool:
    """Move a listing from `expected_version` to the next, as the first write of the transaction.

    The guarded UPDATE is what makes concurrent writers safe: on PostgreSQL the row lock makes
    the second writer re-read the version and match nothing; on SQLite the database lock
    serialises writers. True when this transaction won the version.
    """
    result = session.execute(
        sa.update(Service)
        .where(col(Service.id) == service_id, col(Service.version) == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


_CLAIM = (
    sa.update(_SERVICE)
    .where(_SERVICE.c.id == sa.bindparam("claimed_id"))
    .values(version=_SERVICE.c.version + 1)
    .returning(*(hashable(column) for column in _SERVICE.c))
)
_CLAIM_ANY = Prepared(_CLAIM, returning=tuple(_SERVICE.c))
_CLAIM_OWN = Prepared(
    _CLAIM.where(_SERVICE.c.organization_id == sa.bindparam("owner_id")),
    returning=tuple(_SERVICE.c),
)
_OWNER_AND_LOCATIONS = Prepared(
    sa.select(*(hashable(column) for column in (*_ORGANIZATION.c, *_LOCATION.c)))
    .select_from(
        _ORGANIZATION.outerjoin(_LOCATION, _LOCATION.c.service_id == sa.bindparam("service_id"))
    )
    .where(_ORGANIZATION.c.id == sa.bindparam("organization_id"))
    .order_by(_LOCATION.c.position),
    returning=(*_ORGANIZATION.c, *_LOCATION.c),
)
_UPDATE = Prepared(sa.update(_SERVICE).where(_SERVICE.c.id == sa.bindparam("claimed_id")))
_ADD_CHANGE = Prepared(sa.insert(_CHANGE))


def claim_service(
    session: Session, service_id: uuid.UUID, *, organization_id: uuid.UUID | None, everything: bool
) -> Service | None:
    """Move a listing to its next version as the first statement of its write, which takes
    its write lock (a row lock on PostgreSQL, the database write lock on SQLite, unless
    `begin_writes` took it), so that what is read next stays current until commit and
    concurrent writers queue instead of failing. Only a listing of `organization_id`, unless
    `everything`.

    Returns the listing as it is after the move, with its locations and organization, from two
    prepared statements and without the ORM's loading: a detached copy, in no session. Write
    what changes with `update_columns`. None when there is no such listing.

    These statements, `update_columns` and `add_change` are `Prepared`, run on the driver's
    cursor in the session's transaction: SQLAlchemy's execution of each cost a provider's
    availability update more than the statement (issue #6), for nothing these tables need.
    """
    claimed = (
        _CLAIM_ANY.run(session, {"claimed_id": service_id})
        if everything
        else _CLAIM_OWN.run(session, {"claimed_id": service_id, "owner_id": organization_id})
    )
    if not claimed:
        return None
    service = detached_from(Service, _SERVICE.c, claimed[0])
    rows = _OWNER_AND_LOCATIONS.run(
        session, {"service_id": service_id, "organization_id": service.organization_id}
    )
    return attach_owner_and_locations(service, rows)


def update_columns(session: Session, service_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Write columns of a listing that `claim_service` locked in this transaction."""
    _UPDATE.run(session, {"claimed_id": service_id, **values})


_WRITE_LOCK = Prepared(sa.text("BEGIN IMMEDIATE"))
_MARK = Prepared(sa.text("SAVEPOINT one_write"))
_KEEP = Prepared(sa.text("RELEASE SAVEPOINT one_write"))
_UNDO = Prepared(sa.text("ROLLBACK TO SAVEPOINT one_write"))


def begin_writes(session: Session) -> None:
    """Begin a transaction of several writes, each between `mark_write` and `keep_write` or
    `undo_write`. On SQLite it takes the database's write lock first (waiting for another
    writer as a statement would), so that what it reads stays current until commit and a
    savepoint never begins the transaction (whose release would commit it)."""
    if session.get_bind().dialect.name == "sqlite":
        _WRITE_LOCK.run(session, {})


def mark_write(session: Session) -> None:
    """Where `undo_write` goes back to, in a transaction `begin_writes` began."""
    _MARK.run(session, {})


def keep_write(session: Session) -> None:
    """Keep what was written since `mark_write`."""
    _KEEP.run(session, {})


def undo_write(session: Session) -> None:
    """Undo what was written since `mark_write`; the transaction's earlier writes stay."""
    _UNDO.run(session, {})
    _KEEP.run(session, {})


def delete_service(session: Session, service: Service) -> None:
    session.delete(service)
    session.flush()


def add_change(
    session: Session,
    *,
    service_id: uuid.UUID,
    organization_id: uuid.UUID,
    at: datetime,
    action: str,
    actor_key_id: uuid.UUID | None,
    actor_name: str,
    actor_role: str,
    version: int,
    changes: list[dict[str, Any]],
) -> None:
    """Insert a history entry now, by a prepared statement (nothing reads its id)."""
    _ADD_CHANGE.run(
        session,
        {
            "service_id": service_id,
            "organization_id": organization_id,
            "at": at,
            "action": action,
            "actor_key_id": actor_key_id,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "version": version,
            "changes": changes,
        },
    )


def list_changes(
    session: Session,
    service_id: uuid.UUID,
    *,
    after: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[ServiceChange]:
    """A listing's history entries, oldest first (by id: a listing's writes are serialized by
    its lock, so its entries' ids follow their order); after the entry `after`, at or after
    `since`, at most `limit`."""
    statement = select(ServiceChange).where(col(ServiceChange.service_id) == service_id)
    if after is not None:
        statement = statement.where(col(ServiceChange.id) > after)
    if since is not None:
        statement = statement.where(col(ServiceChange.at) >= since)
    return list(session.exec(statement.order_by(col(ServiceChange.id)).limit(limit)))


def deletion_of(session: Session, service_id: uuid.UUID) -> tuple[uuid.UUID, datetime] | None:
    """The organization and time of a listing's last deletion, if its history has one."""
    statement = (
        select(ServiceChange.organization_id, ServiceChange.at)
        .where(col(ServiceChange.service_id) == service_id, col(ServiceChange.action) == "delete")
        .order_by(col(ServiceChange.id).desc())
        .limit(1)
    )
    found = session.exec(statement).first()
    return (found[0], found[1]) if found is not None else None


def history_owner(session: Session, service_id: uuid.UUID) -> uuid.UUID | None:
    """The organization of a listing's history (that of its first entry), or None when it has
    none."""
    statement = (
        select(ServiceChange.organization_id)
        .where(col(ServiceChange.service_id) == service_id)
        .order_by(col(ServiceChange.id))
        .limit(1)
    )
    return session.exec(statement).first()
