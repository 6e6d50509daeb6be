"""What changed in the matchable registry, and which services a match index is built from
(their rows: `match.raw_candidate_rows`).

Triggers write `registry_change` (migration `registry_changes`): one row per service or
organization, with a stamp that only grows. A reader keeps `after`, the stamp up to which it
has applied every change, and asks for the rows stamped later.
"""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col

from service.models import Organization, RegistryQuiet, Service
from service.repository.sql import AnyOf


class Change(NamedTuple):
    subject: uuid.UUID  # a service's id or an organization's
    kind: str  # "service" or "organization"
    stamp: int


@dataclass(frozen=True, slots=True)
class Changes:
    """The changes stamped after a stamp; `after`, the stamp up to which the reader has now
    seen every change; `newest`, the highest stamp in the log (0 when it is empty); `log`,
    which log this is (on PostgreSQL, the database's and the table's storage: a restore or a
    TRUNCATE gives a new one). Stamps only grow: either going back, or a new `log`, means the
    log was replaced, and what it lacks is unknown."""

    changes: list[Change]
    after: int
    newest: int
    log: str

    @property
    def services(self) -> list[uuid.UUID]:
        return [change.subject for change in self.changes if change.kind == "service"]

    @property
    def organizations(self) -> list[uuid.UUID]:
        return [change.subject for change in self.changes if change.kind == "organization"]


_NEWEST = "(SELECT coalesce(max(stamp), 0) FROM registry_change)"
_SQLITE_LOG = "'sqlite'"
_POSTGRESQL_LOG = (
    "(SELECT oid FROM pg_database WHERE datname = current_database())::text"
    " || '/' || pg_relation_filenode('registry_change')::text"
)
_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("seen", sa.BigInteger),
    sa.column("newest", sa.BigInteger),
    sa.column("log", sa.Text),
    sa.column("subject", sa.Uuid),
    sa.column("kind"),
    sa.column("stamp", sa.BigInteger),
)
# On SQLite writers take turns, so every stamp in the log is settled.
_SQLITE_CHANGES = sa.text(
    f"SELECT n.newest AS seen, n.newest AS newest, {_SQLITE_LOG} AS log, "
    "c.subject, c.kind, c.stamp "
    f"FROM (SELECT {_NEWEST} AS newest) AS n "
    "LEFT JOIN registry_change AS c ON c.stamp > :after"
).columns(*_COLUMNS)

# On PostgreSQL, the oldest transaction still running when this statement's snapshot was
# taken: every transaction with a smaller id has ended, so every change stamped below it is
# visible now or never will be. Changes at or above it are read again next time (the reader
# skips those it applied); a transaction that commits late is never skipped.
_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_POSTGRESQL_CHANGES = sa.text(
    f"SELECT x.xmin - 1 AS seen, {_NEWEST} AS newest, {_POSTGRESQL_LOG} AS log, "
    "c.subject, c.kind, c.stamp "
    f"FROM (SELECT {_XMIN} AS xmin) AS x "
    "LEFT JOIN registry_change AS c ON c.stamp > :after"
).columns(*_COLUMNS)


# The horizon itself, and the changes above it that are committed already.
_POSTGRESQL_HORIZON = sa.text(
    f"SELECT x.xmin - 1 AS seen, {_NEWEST} AS newest, {_POSTGRESQL_LOG} AS log, "
    "c.subject, c.kind, c.stamp "
    f"FROM (SELECT {_XMIN} AS xmin) AS x "
    "LEFT JOIN registry_change AS c ON c.stamp > x.xmin - 1"
).columns(*_COLUMNS)


def horizon(session: Session) -> Changes:
    """`after`, `newest` and `log` (as `changes_after` gives them) for a reader about to read
    the whole registry, and the changes stamped after `after` that are committed already:
    the whole read, which begins after this statement, holds them, so they need not be
    applied again. (There are some on PostgreSQL while another transaction runs, in any
    database of the server; on SQLite `after` is the newest stamp.)"""
    if session.get_bind().dialect.name == "sqlite":
        row = session.execute(
            sa.text(f"SELECT newest, {_SQLITE_LOG} FROM (SELECT {_NEWEST} AS newest) AS n")
        ).one()
        return Changes([], int(row[0]), int(row[0]), str(row[1]))
    return _read(session, _POSTGRESQL_HORIZON, {}, after=-1)


def changes_after(session: Session, after: int) -> Changes:
    """The changes stamped after `after` (from `horizon` or an earlier call), read in one
    statement (one snapshot), with the new `after`, `newest` and `log`."""
    statement = (
        _SQLITE_CHANGES if session.get_bind().dialect.name == "sqlite" else _POSTGRESQL_CHANGES
    )
    return _read(session, statement, {"after": after}, after=after)


def _read(
    session: Session, statement: sa.TextualSelect, parameters: dict[str, int], *, after: int
) -> Changes:
    changes: list[Change] = []
    seen, newest, log = after, 0, ""
    for row in session.execute(statement, parameters):
        seen, newest, log = row.seen, row.newest, row.log
        if row.subject is not None:
            changes.append(Change(row.subject, row.kind, row.stamp))
    return Changes(changes, seen, newest, log)


class BulkLog:
    """The services and organizations a bulk writer wrote in this transaction."""

    def __init__(self) -> None:
        self.subjects: dict[uuid.UUID, str] = {}

    def services(self, ids: Iterable[uuid.UUID]) -> None:
        self.subjects.update((service_id, "service") for service_id in ids)

    def organizations(self, ids: Iterable[uuid.UUID]) -> None:
        self.subjects.update((organization_id, "organization") for organization_id in ids)


_STAMP = {
    "sqlite": "(SELECT coalesce(max(stamp), 0) + 1 FROM registry_change)",
    "postgresql": "pg_current_xact_id()::text::bigint",
}


@contextmanager
def logged_in_bulk(session: Session) -> Iterator[BulkLog]:
    """Silence the triggers of `registry_change` in this transaction and log what the block
    says it wrote (`BulkLog`) in one statement at its end: for bulk writes, each row of which
    would cost the triggers a write of their own. Whatever happens in the block, the log is
    written and the triggers are heard again before it ends, so a commit after it is always
    logged in full. Every row written in the block must be told to the `BulkLog`."""
    session.execute(sa.insert(RegistryQuiet).values(id=1))
    log = BulkLog()
    try:
        yield log
    finally:
        if log.subjects:
            # One stamp for all (they commit together), and the rows in key order, which
            # the log's B-tree takes several times faster than in random order.
            stamp = session.execute(
                sa.text(f"SELECT {_STAMP[session.get_bind().dialect.name]}")
            ).scalar_one()
            session.execute(
                sa.text(
                    "INSERT INTO registry_change (subject, kind, stamp) "
                    "VALUES (:subject, :kind, :stamp) "
                    "ON CONFLICT (subject) DO UPDATE SET stamp = excluded.stamp"
                ).bindparams(sa.bindparam("subject", type_=sa.Uuid)),
                [
                    {"subject": subject, "kind": kind, "stamp": stamp}
                    for subject, kind in sorted(log.subjects.items())
                ],
            )
        session.execute(sa.delete(RegistryQuiet))


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
