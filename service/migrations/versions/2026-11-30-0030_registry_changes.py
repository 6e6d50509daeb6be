"""registry changes: what changed in the matchable registry, for each process's match index

Each worker keeps the matchable registry in memory (`matching/index.py`) and, before every
match, asks this table what changed since it last looked. Triggers write it, so that every
change counts: the API's, an import's, a script's or a hand edit in SQL.

One row per service or organization, upserted on each change with a stamp that only grows,
so the table never needs pruning (its size is the number of listings ever written):

- SQLite: the next number (writers take turns, so stamps follow commit order).
- PostgreSQL: the writing transaction's id. A reader reads again the rows of the
  transactions that were still running when it last looked, and those of later ones (its
  snapshot's xip and xmax: `registry_feed.Seen`), so a transaction that commits late is
  never missed, and concurrent writers share no hot row.

A bulk writer (the HSDS import) may instead hold a row in `registry_quiet` during its
transaction and log what it wrote in one statement before it commits (`registry_feed.
logged_in_bulk`): the triggers are then silent in that transaction only (no other
transaction sees the row), which saves the import a B-tree write per row.

A migration that rebuilds `service`, `location` or `organization` on SQLite (a batch alter)
drops their triggers: it must create them again as `create_triggers` here does. A test
(`test_the_triggers_that_write_the_log_exist_after_every_migration`) fails if it does not.

Revision ID: 6c0e5a1f9b84
Revises: 3f6b9d2e1a7c
Create Date: 2026-11-30 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c0e5a1f9b84"
down_revision: str | None = "3f6b9d2e1a7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, subject of the change, its kind) for each row trigger.
_WATCHED = (
    ("service", "id", "service"),
    ("location", "service_id", "service"),
    ("organization", "id", "organization"),
)
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, column, kind in _WATCHED:
        for event in _EVENTS:
            rows = ("NEW",) if event == "INSERT" else ("OLD",) if event == "DELETE" else ("OLD", "NEW")
            body = "".join(
                f"INSERT INTO registry_change (subject, kind, stamp) "
                f"SELECT {row}.{column}, '{kind}', "
                f"(SELECT coalesce(max(stamp), 0) + 1 FROM registry_change) WHERE true "
                f"ON CONFLICT (subject) DO UPDATE SET stamp = excluded.stamp; "
                for row in rows
            )
            statements.append(
                f"CREATE TRIGGER registry_change_{table}_{event.lower()} "
                f"AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN NOT EXISTS (SELECT 1 FROM registry_quiet) BEGIN {body}END"
            )
    return statements


def _postgresql_function(column: str) -> str:
    """A trigger function noting the change of the row's `column` (PL/pgSQL resolves a
    record's fields when it plans, so each column has its own function)."""
    # A location's change first locks its service's row, as every write to the service does
    # before its own trigger runs: writers then always lock the service before its log row,
    # and cannot deadlock (deleting a listing deletes its locations before the service).
    lock = "PERFORM 1 FROM service WHERE id = {row}.service_id FOR UPDATE;"
    upserts = {
        row: f"""
        {lock.format(row=row) if column == "service_id" else ""}
        INSERT INTO registry_change (subject, kind, stamp) VALUES ({row}.{column}, TG_ARGV[0], stamp)
        ON CONFLICT (subject) DO UPDATE SET stamp = excluded.stamp
        WHERE registry_change.stamp <> excluded.stamp;"""
        for row in ("OLD", "NEW")
    }
    return f"""
CREATE OR REPLACE FUNCTION registry_changed_{column}() RETURNS trigger AS $$
DECLARE
    stamp bigint := pg_current_xact_id()::text::bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM registry_quiet) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN{upserts["OLD"]}
    END IF;
    IF TG_OP <> 'DELETE' THEN{upserts["NEW"]}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def create_triggers() -> None:
    """The triggers that write `registry_change`, on the database being migrated."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in _sqlite_triggers():
            op.execute(statement)
        return
    for column in sorted({column for _, column, _ in _WATCHED}):
        op.execute(_postgresql_function(column))
    for table, column, kind in _WATCHED:
        op.execute(
            f"CREATE TRIGGER registry_change_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION registry_changed_{column}('{kind}')"
        )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _, _ in _WATCHED:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS registry_change_{table}_{event.lower()}")
        return
    for table, _, _ in _WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS registry_change_{table} ON {table}")
    for column in sorted({column for _, column, _ in _WATCHED}):
        op.execute(f"DROP FUNCTION IF EXISTS registry_changed_{column}()")


def upgrade() -> None:
    op.create_table(
        "registry_change",
        sa.Column("subject", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_registry_change")),
    )
    op.create_index(op.f("ix_registry_change_stamp"), "registry_change", ["stamp"])
    op.create_table(
        "registry_quiet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_quiet")),
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("registry_quiet")
    op.drop_index(op.f("ix_registry_change_stamp"), table_name="registry_change")
    op.drop_table("registry_change")
