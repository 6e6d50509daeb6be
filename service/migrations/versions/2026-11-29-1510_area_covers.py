"""area covers for province-wide and nationwide services; organization status unindexed

A province-wide or nationwide service is filed under each province it covers ("CA" when
nationwide) and each of its categories, backfilled here, so matching reads the ones that cover
a person's province in the asked categories through a primary key, instead of every
wide-area service; the `wide_area` flag and its index go. With few organizations the status
index saves nothing, and it tempted SQLite to drive matching from the approved organizations.

Revision ID: 8d41f0c2b7e6
Revises: 862ef8fb6ae7
Create Date: 2026-11-29 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.usecases.listings import area_covers_of

revision: str = "8d41f0c2b7e6"
down_revision: str | None = "862ef8fb6ae7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "area_cover",
        sa.Column("area", sa.String(length=2), nullable=False),
        sa.Column("category_bit", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_area_cover_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("area", "category_bit", "service_id", name=op.f("pk_area_cover")),
    )
    with op.batch_alter_table("area_cover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_cover_service_id"), ["service_id"], unique=False)
    service = sa.table(
        "service",
        sa.column("id", sa.Uuid()),
        sa.column("categories_mask", sa.Integer()),
        sa.column("provinces_mask", sa.Integer()),
        sa.column("nationwide", sa.Boolean()),
        sa.column("wide_area", sa.Boolean()),
    )
    connection = op.get_bind()
    rows = [
        {"area": area, "category_bit": bit, "service_id": row.id}
        for row in connection.execute(
            sa.select(service).where(service.c.wide_area == sa.true())
        )
        for area, bit in area_covers_of(
            categories_mask=row.categories_mask,
            provinces_mask=row.provinces_mask,
            nationwide=row.nationwide,
        )
    ]
    if rows:
        covers = sa.table(
            "area_cover",
            sa.column("area", sa.String()),
            sa.column("category_bit", sa.Integer()),
            sa.column("service_id", sa.Uuid()),
        )
        op.bulk_insert(covers, rows)
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_wide_area_id")
        batch_op.drop_column("wide_area")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_status"))


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_status"), ["status"], unique=False)
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wide_area", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE service SET wide_area = (nationwide OR provinces_mask <> 0)"
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index("ix_service_wide_area_id", ["wide_area", "id"], unique=False)
    with op.batch_alter_table("area_cover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_cover_service_id"))
    op.drop_table("area_cover")
