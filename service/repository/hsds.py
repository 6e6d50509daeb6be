"""Statements for HSDS: the registry read in batches for export and the read API, and the bulk
writes of an import (Core inserts and updates in batches, never one ORM object per row)."""

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from schemas.enums import OrganizationAction
from service.models import (
    AreaCover,
    Location,
    Organization,
    OrganizationChange,
    ReachCell,
    Service,
    ServiceChange,
    name_key,
)
from service.repository.services import ServiceSelect, _visible_to, _with_relations

# `_visible_to`: one rule for who sees which listings, shared with the registry API.

_SERVICE = Service.__table__
_LOCATION = Location.__table__
_ORGANIZATION = Organization.__table__


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(
    *,
    visible_organization: uuid.UUID | None,
    everything: bool,
    search: str | None,
    bits: dict[str, int],
    equals: dict[str, Any],
    organization_id: uuid.UUID | None,
    modified_after: datetime | None,
) -> ServiceSelect:
    statement = _visible_to(select(Service), visible_organization, everything)
    if search:
        pattern = f"%{_escape_like(search)}%"
        statement = statement.where(
            sa.or_(
                col(Service.name).ilike(pattern, escape="\\"),
                col(Service.description).ilike(pattern, escape="\\"),
            )
        )
    for column, mask in bits.items():
        statement = statement.where(getattr(Service, column).op("&")(mask) != 0)
    for column, value in equals.items():
        statement = statement.where(getattr(Service, column) == value)
    if organization_id is not None:
        statement = statement.where(col(Service.organization_id) == organization_id)
    if modified_after is not None:
        statement = statement.where(col(Service.updated_at) >= modified_after)
    return statement


def list_services(
    session: Session, *, offset: int, limit: int, **filters: Any
) -> tuple[list[Service], int]:
    """A page of visible services, by id, and how many there are. (By id, not by last change:
    a listing changed while a client reads page after page moved to the end, and the one
    after it onto the page already read, missed.)"""
    statement = _filtered(**filters)
    total = session.execute(
        sa.select(sa.func.count()).select_from(statement.subquery())
    ).scalar_one()
    page = statement.order_by(col(Service.id)).offset(offset).limit(limit)
    return list(session.exec(_with_relations(page)).unique()), int(total)


def iter_services(session: Session, *, batch: int = 500, **filters: Any) -> Iterator[list[Service]]:
    """Every visible service matching the filters, by id, in batches (keyset paging)."""
    last: uuid.UUID | None = None
    while True:
        statement = _filtered(**filters)
        if last is not None:
            statement = statement.where(col(Service.id) > last)
        rows: list[Service] = list(
            session.exec(_with_relations(statement.order_by(col(Service.id)).limit(batch))).unique()
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id
        session.expunge_all()


def iter_organizations(
    session: Session, *, approved_only: bool, batch: int = 1000
) -> Iterator[list[Organization]]:
    last: uuid.UUID | None = None
    while True:
        statement = select(Organization)
        if approved_only:
            statement = statement.where(col(Organization.status) == "approved")
        if last is not None:
            statement = statement.where(col(Organization.id) > last)
        rows = list(session.exec(statement.order_by(col(Organization.id)).limit(batch)))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def list_organizations(
    session: Session,
    *,
    visible_organization: uuid.UUID | None,
    everything: bool,
    search: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Organization], int]:
    statement = select(Organization)
    if not everything:
        approved = col(Organization.status) == "approved"
        statement = statement.where(
            approved
            if visible_organization is None
            else sa.or_(approved, col(Organization.id) == visible_organization)
        )
    if search:
        statement = statement.where(
            col(Organization.name).ilike(f"%{_escape_like(search)}%", escape="\\")
        )
    total = session.execute(
        sa.select(sa.func.count()).select_from(statement.subquery())
    ).scalar_one()
    rows = session.exec(
        statement.order_by(col(Organization.name), col(Organization.id)).offset(offset).limit(limit)
    )
    return list(rows), int(total)


def get_organizations(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Organization]:
    """These organizations, held until the import ends so that none is deleted under the
    services it writes for them: FOR SHARE on PostgreSQL (a deletion waits, then finds them
    listed: 409); on SQLite the import holds the database's write lock from its start."""
    if not ids:
        return {}
    statement = select(Organization).where(col(Organization.id).in_(ids))
    rows = session.exec(statement.with_for_update(read=True))
    return {row.id: row for row in rows}


def edited_here(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """Of these organizations, when an administrator last registered or edited each (not an
    import, nor a vetting decision, which changes none of the fields an import brings)."""
    return _last(session, ids, [OrganizationAction.create, OrganizationAction.update])


def organization_deletions(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """Of these organizations (none of them here now), those deleted here: when last."""
    return _last(session, ids, [OrganizationAction.delete])


def _last(
    session: Session, ids: Sequence[uuid.UUID], actions: list[OrganizationAction]
) -> dict[uuid.UUID, datetime]:
    """Of these organizations, when each last had one of `actions` in its history."""
    if not ids:
        return {}
    statement = (
        sa.select(col(OrganizationChange.organization_id), sa.func.max(col(OrganizationChange.at)))
        .where(
            col(OrganizationChange.organization_id).in_(list(ids)),
            col(OrganizationChange.action).in_([action.value for action in actions]),
        )
        .group_by(col(OrganizationChange.organization_id))
    )
    return {organization_id: _utc(at) for organization_id, at in session.execute(statement).all()}


def with_confidential_locations(session: Session, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Of these organizations, those with a service at a confidential location."""
    if not ids:
        return set()
    statement = (
        sa.select(_SERVICE.c.organization_id)
        .join(_LOCATION, _LOCATION.c.service_id == _SERVICE.c.id)
        .where(_SERVICE.c.organization_id.in_(list(ids)), _LOCATION.c.confidential.is_(True))
        .distinct()
    )
    return set(session.execute(statement).scalars())


def get_services(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Service]:
    """Services with their locations, for comparing an import with what is stored."""
    if not ids:
        return {}
    rows = session.exec(
        select(Service).where(col(Service.id).in_(ids)).options(selectinload(Service.locations))
    )
    return {row.id: row for row in rows}


def deletions(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[datetime, int]]:
    """Of these listings, those deleted here: when last, and the last version they had."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(
            col(ServiceChange.service_id),
            sa.func.max(col(ServiceChange.at)),
            sa.func.max(col(ServiceChange.version)),
        )
        .where(col(ServiceChange.service_id).in_(ids), col(ServiceChange.action) == "delete")
        .group_by(col(ServiceChange.service_id))
    ).all()
    found = {}
    for service_id, at, version in rows:
        last_version = session.execute(
            sa.select(sa.func.max(col(ServiceChange.version))).where(
                col(ServiceChange.service_id) == service_id
            )
        ).scalar_one()
        found[service_id] = (_utc(at), max(version, last_version))
    return found


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _with_name_key(row: dict[str, Any]) -> dict[str, Any]:
    """The row, with the search key of its name when it sets one (`models.name_key`)."""
    return {**row, "name_key": name_key(row["name"])} if "name" in row else row


def insert_organizations(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(_ORGANIZATION), [_with_name_key(row) for row in rows])


def _update_by_id(
    table: sa.Table, rows: list[dict[str, Any]], guard: str | None = None
) -> tuple[list[dict[str, Any]], Any]:
    """One executemany UPDATE by primary key; every row holds `id` and the same columns.
    With `guard`, a row updates only while its column `guard` equals the row's `_expected_`
    value. The statement and its parameters, one set per row."""
    columns = [k for k in rows[0] if k != "id" and not k.startswith("_")]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({c: sa.bindparam(f"b_{c}") for c in columns})
    )
    if guard is not None:
        statement = statement.where(table.c[guard] == sa.bindparam("b_expected"))
    parameters = [
        {
            "b_id": row["id"],
            **{f"b_{c}": row[c] for c in columns},
            **({"b_expected": row[f"_expected_{guard}"]} if guard else {}),
        }
        for row in rows
    ]
    return parameters, statement


def update_organizations(session: Session, rows: list[dict[str, Any]]) -> None:
    """Each row holds `id` and the columns to set (which may differ from row to row)."""
    for row in rows:
        parameters, statement = _update_by_id(_ORGANIZATION, [_with_name_key(row)])
        session.execute(statement, parameters)


def insert_services(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(_SERVICE), rows)


def update_services(session: Session, rows: list[dict[str, Any]]) -> int:
    """Rewrite listings, each only while still at its `_expected_version` (a concurrent write
    wins, and the import is refused). How many rows were updated."""
    if not rows:
        return 0
    parameters, statement = _update_by_id(_SERVICE, rows, guard="version")
    updated = 0
    for row in parameters:
        updated += session.connection().execute(statement, row).rowcount
    return updated


def delete_locations(session: Session, service_ids: list[uuid.UUID]) -> None:
    """Drop the locations (and their reach cells) of listings about to be rewritten."""
    if service_ids:
        session.execute(sa.delete(ReachCell).where(col(ReachCell.service_id).in_(service_ids)))
        session.execute(sa.delete(AreaCover).where(col(AreaCover.service_id).in_(service_ids)))
        session.execute(sa.delete(Location).where(col(Location.service_id).in_(service_ids)))


def insert_locations(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert locations; their new ids, in the order of `rows`."""
    if not rows:
        return []
    result = session.execute(
        sa.insert(_LOCATION).returning(_LOCATION.c.id, sort_by_parameter_order=True), rows
    )
    return [int(row[0]) for row in result]


def insert_reach_cells(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(ReachCell.__table__), rows)


def insert_area_covers(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(AreaCover.__table__), rows)


def restamp(session: Session, began: datetime, now: datetime) -> None:
    """Move what an import stamped `began` (its services and organizations) to `now`, just
    before it commits: a sync's cursor assumes a change commits within a minute of its
    stamp, and an import can take minutes."""
    for table in (Service, Organization):
        session.execute(
            sa.update(table)
            .where(col(table.updated_at) == began)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )


def insert_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(sa.insert(ServiceChange.__table__), rows)
