"""What changed in the matchable registry, and the rows a match index is built from.

Triggers write `registry_change` (migration `registry_changes`): one row per service or
organization, with a stamp that only grows. A reader keeps `after`, the stamp up to which it
has applied every change, and asks for the rows stamped later.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from service.models import Location, Organization, Service
from service.repository.match import CANDIDATE_COLUMNS
from service.repository.rows import RawRows, hashable, read_raw
from service.repository.sql import AnyOf


@dataclass(frozen=True, slots=True)
class Changes:
    """The services and organizations changed after a stamp, and the stamp up to which the
    reader has now seen every change (lower than the stamp asked about only when the log went
    back: a restored database)."""

    services: list[uuid.UUID]
    organizations: list[uuid.UUID]
    after: int


_SQLITE_CHANGES = sa.text(
    "SELECT (SELECT coalesce(max(stamp), 0) FROM registry_change) AS seen, c.subject, c.kind "
    "FROM (SELECT 1) LEFT JOIN registry_change AS c ON c.stamp > :after"
).columns(sa.column("seen", sa.BigInteger), sa.column("subject", sa.Uuid), sa.column("kind"))

# The oldest transaction still running when this statement's snapshot was taken: every
# transaction with a smaller id has ended, so every change stamped below it is visible now
# or never will be. Changes at or above it are read again next time (applying one twice is
# harmless); a transaction that commits late is never skipped.
_POSTGRESQL_CHANGES = sa.text(
    "SELECT x.xmin - 1 AS seen, c.subject, c.kind "
    "FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) AS x "
    "LEFT JOIN registry_change AS c ON c.stamp > :after"
).columns(sa.column("seen", sa.BigInteger), sa.column("subject", sa.Uuid), sa.column("kind"))


def latest_stamp(session: Session) -> int:
    """The `after` of a reader that is about to read the whole registry."""
    statement = (
        "SELECT coalesce(max(stamp), 0) FROM registry_change"
        if session.get_bind().dialect.name == "sqlite"
        else "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1"
    )
    return int(session.execute(sa.text(statement)).scalar_one())


def changes_after(session: Session, after: int) -> Changes:
    """The changes stamped after `after` (from `latest_stamp` or an earlier call), read in one
    statement (one snapshot), with the new `after`."""
    statement = (
        _SQLITE_CHANGES if session.get_bind().dialect.name == "sqlite" else _POSTGRESQL_CHANGES
    )
    services: list[uuid.UUID] = []
    organizations: list[uuid.UUID] = []
    seen = after
    for row in session.execute(statement, {"after": after}):
        seen = row.seen
        if row.subject is not None:
            (services if row.kind == "service" else organizations).append(row.subject)
    return Changes(services, organizations, seen)


_MATCHABLE = (
    sa.select(col(Service.id))
    .join(Organization, col(Organization.id) == col(Service.organization_id))
    .where(col(Organization.status) == "approved")
)


def matchable_ids(session: Session, *, after_id: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """A page of the ids of the services of approved organizations, in id order."""
    statement = _MATCHABLE
    if after_id is not None:
        statement = statement.where(col(Service.id) > after_id)
    return list(session.execute(statement.order_by(col(Service.id)).limit(limit)).scalars())


def ids_of_organizations(session: Session, organizations: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The services of these organizations, approved or not."""
    wanted = list(organizations)
    if not wanted:
        return []
    return list(
        session.execute(
            sa.select(col(Service.id)).where(AnyOf(col(Service.organization_id), "ids")),
            {"ids": wanted},
        ).scalars()
    )


@lru_cache(maxsize=1)
def _matchable_rows_statement() -> Any:
    return (
        sa.select(*(hashable(column) for column in CANDIDATE_COLUMNS))
        .select_from(Service)
        .join(Organization, col(Organization.id) == col(Service.organization_id))
        .outerjoin(Location, col(Location.service_id) == col(Service.id))
        .where(AnyOf(col(Service.id), "ids"), col(Organization.status) == "approved")
        .order_by(col(Service.id), col(Location.position))
    )


def matchable_rows(session: Session, ids: Iterable[uuid.UUID]) -> RawRows:
    """What ranking reads of these services (`match.raw_candidate_rows`), for those of approved
    organizations only: the others are not matchable."""
    wanted = list(ids)
    if not wanted:
        return RawRows([], ())
    return read_raw(session, _matchable_rows_statement(), {"ids": wanted})
