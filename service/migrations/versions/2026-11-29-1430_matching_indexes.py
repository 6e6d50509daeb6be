"""matching indexes: locations filtered by category in a covering box index; wide-area
services in id order

Each location carries a copy of its service's categories, backfilled here, so the location box
is filtered by category from the index alone. Matching reads the province-wide and nationwide
services in id order; an index on (wide_area, id) makes that a short index range instead of a
walk of every service. The radius index has served nothing since reach cells.

Revision ID: 5a7c1e90d3b2
Revises: 1e2384d7dc41
Create Date: 2026-11-29 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7c1e90d3b2"
down_revision: str | None = "1e2384d7dc41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("categories_mask", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE location SET categories_mask = "
        "(SELECT service.categories_mask FROM service WHERE service.id = location.service_id)"
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_latitude_longitude"))
        batch_op.create_index(
            "ix_location_box",
            ["latitude", "longitude", "categories_mask", "service_id"],
            unique=False,
        )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_wide_area"))
        batch_op.drop_index(batch_op.f("ix_service_service_radius_km"))
        batch_op.create_index("ix_service_wide_area_id", ["wide_area", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_wide_area_id")
        batch_op.create_index(
            batch_op.f("ix_service_service_radius_km"), ["service_radius_km"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_wide_area"), ["wide_area"], unique=False)
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index("ix_location_box")
        batch_op.create_index(
            batch_op.f("ix_location_latitude_longitude"), ["latitude", "longitude"], unique=False
        )
        batch_op.drop_column("categories_mask")
