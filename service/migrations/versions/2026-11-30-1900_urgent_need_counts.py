"""urgent need counts: the unmet-need report counts urgent housing requests in cells of their own

A cell's key gains `urgent` (a bed tonight, asked for a housing need), and a count
`no_bed_tonight`: urgent requests that found no bed tonight within the distance asked. Rows counted before this revision did not tell urgent requests apart:
they stay as they were, with `urgent` false and `no_bed_tonight` 0. Going back drops the
urgent cells of months already reported, so that no reported count changes.

Revision ID: 5b1e7c0a9d42
Revises: d903c32e69f0
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e7c0a9d42"
down_revision: str | None = "d903c32e69f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["month", "province", "area_type", "need"]


def upgrade() -> None:
    with op.batch_alter_table("need_count", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("no_bed_tonight", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.drop_constraint("pk_need_count", type_="primary")
        batch_op.create_primary_key("pk_need_count", [*_KEY, "urgent"])


def _last_reported_month() -> str:
    """As `usecases.reports.last_reported_month` now: the newest month analysts may have read."""
    settled = (datetime.now(UTC) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    return settled.strftime("%Y-%m")


def downgrade() -> None:
    # A month analysts may have read never changes: adding its urgent cells to the others
    # would show, by difference, the counts withheld from them. Those are dropped; the
    # urgent cells of later months become one again with their twins.
    need_count = sa.table(
        "need_count",
        *(sa.column(name) for name in _KEY),
        sa.column("urgent", sa.Boolean()),
        sa.column("asked", sa.BigInteger()),
        sa.column("none_near", sa.BigInteger()),
        sa.column("unmet", sa.BigInteger()),
    )
    op.execute(
        need_count.delete().where(
            need_count.c.urgent, need_count.c.month <= _last_reported_month()
        )
    )
    urgent = need_count.alias("urgent_cell")
    same_cell = sa.and_(*(urgent.c[name] == need_count.c[name] for name in _KEY), urgent.c.urgent)

    def plus(name: str) -> sa.ColumnElement[int]:
        return need_count.c[name] + sa.func.coalesce(
            sa.select(urgent.c[name]).where(same_cell).scalar_subquery(), 0
        )

    op.execute(
        need_count.update()
        .where(sa.not_(need_count.c.urgent))
        .values(asked=plus("asked"), none_near=plus("none_near"), unmet=plus("unmet"))
    )
    # An urgent cell without a non-urgent twin becomes that cell.
    twin = need_count.alias("twin")
    op.execute(
        need_count.update()
        .where(
            need_count.c.urgent,
            ~sa.exists().where(
                *(twin.c[name] == need_count.c[name] for name in _KEY), sa.not_(twin.c.urgent)
            ),
        )
        .values(urgent=False)
    )
    op.execute(need_count.delete().where(need_count.c.urgent))
    with op.batch_alter_table("need_count", schema=None) as batch_op:
        batch_op.drop_constraint("pk_need_count", type_="primary")
        batch_op.create_primary_key("pk_need_count", _KEY)
        batch_op.drop_column("no_bed_tonight")
        batch_op.drop_column("urgent")
