"""What changed in the matchable registry, and which services a match index is built from
(their rows: `match.raw_candidate_rows`).

Triggers write `registry_change` (migration `registry_changes`): one row per service or
organization, with a stamp: the next number on SQLite, the writing transaction's id on
PostgreSQL. A reader keeps how far it has read the log (`Seen`) and asks for the rows that
were not settled then.
"""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col

from service.models import Organization, RegistryQuiet, Service
from service.repository.sql import AnyOf


class Change(NamedTuple):
    subject: uuid.UUID  # a service's id or an organization's
    kind: str  # "service" or "organization"
    stamp: int


@dataclass(frozen=True, slots=True)
class Seen:
    """How far a reader has read the log.

    Every change stamped up to `after` is settled (visible now, or never will be), and so is
    every one stamped below `upto` except the `unsettled` stamps. On PostgreSQL these come
    from the snapshot of the statement that read the log, on the primary: `after` is one
    less than its xmin (the oldest transaction still running), `upto` its xmax (one past
    the newest that had ended) and `unsettled` its xip (the transactions still running),
    whose changes are read once they commit, however long they run. On SQLite writers take
    turns: every stamp up to the newest is settled.

    `newest` is the highest stamp in the log (0 when it is empty); `log`, which log this is:
    on PostgreSQL the database's, the table's storage and the server's timeline, which a
    restore, a TRUNCATE or a standby promoted in a failover changes (a standby that was
    behind would give again ids that `upto` counts as settled). Either `log` changing, or
    `newest` or `after` going back, means the log may have been replaced, and what it lacks
    is unknown. (On PostgreSQL `newest` also goes back, rarely, when a transaction that
    began earlier is the last to write the newest row: a whole read too many, never a
    change missed.)"""

    after: int
    upto: int
    unsettled: tuple[int, ...]
    newest: int
    log: str

    def replaces(self, earlier: "Seen") -> bool:
        """Whether this was read from another log than `earlier` was."""
        return self.log != earlier.log or self.newest < earlier.newest or self.after < earlier.after


# Nothing read yet: every change is to be read.
NOTHING_SEEN = Seen(after=-1, upto=-1, unsettled=(), newest=0, log="")


@dataclass(frozen=True, slots=True)
class Changes:
    """The changes not yet read (as of `Seen` before), and how far the log is read now."""

    changes: list[Change]
    seen: Seen

    @property
    def services(self) -> list[uuid.UUID]:
        return [change.subject for change in self.changes if change.kind == "service"]

    @property
    def organizations(self) -> list[uuid.UUID]:
        return [change.subject for change in self.changes if change.kind == "organization"]


_NEWEST = "(SELECT coalesce(max(stamp), 0) FROM registry_change)"
_POSTGRESQL_LOG = (
    "(SELECT oid FROM pg_database WHERE datname = current_database())::text"
    " || '/' || pg_relation_filenode('registry_change')::text"
    # The timeline: the first 8 hex digits of the current WAL file's name.
    " || '/' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"
)
_CHANGE_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("subject", sa.Uuid),
    sa.column("kind"),
    sa.column("stamp", sa.BigInteger),
)
_SQLITE_CHANGES = sa.text(
    f"SELECT n.newest AS newest, c.subject, c.kind, c.stamp "
    f"FROM (SELECT {_NEWEST} AS newest) AS n "
    "LEFT JOIN registry_change AS c ON c.stamp > :after"
).columns(sa.column("newest", sa.BigInteger), *_CHANGE_COLUMNS)
# This statement's own snapshot (the same in all its parts): see `Seen`.
_POSTGRESQL_SEEN = (
    "SELECT pg_snapshot_xmin(s)::text::bigint - 1 AS after, "
    "pg_snapshot_xmax(s)::text::bigint AS upto, "
    "ARRAY(SELECT pg_snapshot_xip(s)::text::bigint) AS unsettled, "
    f"{_NEWEST} AS newest, {_POSTGRESQL_LOG} AS log "
    "FROM (SELECT pg_current_snapshot() AS s) AS snapshot"
)
_POSTGRESQL_SEEN_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("after", sa.BigInteger),
    sa.column("upto", sa.BigInteger),
    sa.column("unsettled", postgresql.ARRAY(sa.BigInteger)),
    sa.column("newest", sa.BigInteger),
    sa.column("log", sa.Text),
)
_POSTGRESQL_HORIZON = sa.text(_POSTGRESQL_SEEN).columns(*_POSTGRESQL_SEEN_COLUMNS)
# The changes that were not settled when the reader last looked and are visible now: those
# of the transactions then running, and those of later ones. (A stamp is a transaction's id;
# the rest below `upto` were read then.)
_POSTGRESQL_CHANGES = (
    sa.text(
        f"SELECT seen.*, c.subject, c.kind, c.stamp FROM ({_POSTGRESQL_SEEN}) AS seen "
        "LEFT JOIN registry_change AS c ON c.stamp > :after "
        "AND (c.stamp >= :upto OR c.stamp = ANY(:unsettled))"
    )
    .bindparams(sa.bindparam("unsettled", type_=postgresql.ARRAY(sa.BigInteger)))
    .columns(*_POSTGRESQL_SEEN_COLUMNS, *_CHANGE_COLUMNS)
)


def horizon(session: Session) -> Seen:
    """How far the log is read for a reader about to read the whole registry: what it reads
    holds every change settled by then; the rest it reads later as changes."""
    if session.get_bind().dialect.name == "sqlite":
        newest = int(session.execute(sa.text(f"SELECT {_NEWEST}")).scalar_one())
        return _sqlite_seen(newest)
    return _seen(session.execute(_POSTGRESQL_HORIZON).one())


def changes_after(session: Session, seen: Seen) -> Changes:
    """The changes not settled as of `seen` (from `horizon` or an earlier call) that are
    now, read in one statement (one snapshot), and how far the log is read now."""
    changes: list[Change] = []
    if session.get_bind().dialect.name == "sqlite":
        newest = 0
        for row in session.execute(_SQLITE_CHANGES, {"after": seen.after}):
            newest = row.newest
            if row.subject is not None:
                changes.append(Change(row.subject, row.kind, row.stamp))
        return Changes(changes, _sqlite_seen(newest))
    parameters = {"after": seen.after, "upto": seen.upto, "unsettled": list(seen.unsettled)}
    now = NOTHING_SEEN
    for row in session.execute(_POSTGRESQL_CHANGES, parameters):
        now = _seen(row)
        if row.subject is not None:
            changes.append(Change(row.subject, row.kind, row.stamp))
    return Changes(changes, now)


def _sqlite_seen(newest: int) -> Seen:
    return Seen(after=newest, upto=newest + 1, unsettled=(), newest=newest, log="sqlite")


def _seen(row: sa.Row[Any]) -> Seen:
    return Seen(
        after=row.after,
        upto=row.upto,
        unsettled=tuple(row.unsettled),
        newest=row.newest,
        log=row.log,
    )


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
    logged in full; but for a statement the database refused, after which PostgreSQL refuses
    every other until the transaction is rolled back (which undoes the silence too): a
    statement then would only hide the error behind "current transaction is aborted". Every
    row written in the block must be told to the `BulkLog`."""
    session.execute(sa.insert(RegistryQuiet).values(id=1))
    log = BulkLog()
    try:
        yield log
    except sa.exc.DBAPIError:
        raise
    except BaseException:
        _hear_again(session, log)
        raise
    _hear_again(session, log)


def _hear_again(session: Session, log: BulkLog) -> None:
    """Log what a bulk writer wrote, and let the triggers be heard again."""
    if log.subjects:
        # One stamp for all (they commit together), and the rows in key order, which the
        # log's B-tree takes several times faster than in random order.
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
