"""matched points: a confidential location is searched by the centre of its cell

The location box index also covers `confidential`, so the database search reads from the index
alone which locations it takes at the centre of their cell. The reach cells of confidential
locations are written anew from that centre, as every writer now writes them.

Revision ID: 8b1e4d6f0a93
Revises: 6d3f8a2c5e71
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.matching.geo import reach_cells
from service.matching.types import Point
from service.policy.visibility import matched_point

revision: str = "8b1e4d6f0a93"
down_revision: str | None = "6d3f8a2c5e71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _box_index(columns: list[str]) -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index("ix_location_box")
        batch_op.create_index("ix_location_box", columns, unique=False)


def _rewrite_reach_cells(confidential_centre: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT location.id, location.service_id, location.latitude, location.longitude, "
            "service.service_radius_km FROM location JOIN service "
            "ON service.id = location.service_id "
            "WHERE location.confidential AND service.service_radius_km > 0"
        )
    ).all()
    for location_id, service_id, latitude, longitude, radius in rows:
        point = matched_point(latitude, longitude, confidential=confidential_centre)
        bind.execute(
            sa.text("DELETE FROM reach_cell WHERE location_id = :location_id"),
            {"location_id": location_id},
        )
        cells = reach_cells(Point(*point), radius)
        if cells:
            bind.execute(
                sa.text(
                    "INSERT INTO reach_cell (cell, location_id, service_id) "
                    "VALUES (:cell, :location_id, :service_id)"
                ),
                [
                    {"cell": cell, "location_id": location_id, "service_id": service_id}
                    for cell in sorted(cells)
                ],
            )


def upgrade() -> None:
    _box_index(["latitude", "longitude", "categories_mask", "confidential", "service_id"])
    _rewrite_reach_cells(confidential_centre=True)


def downgrade() -> None:
    _rewrite_reach_cells(confidential_centre=False)
    _box_index(["latitude", "longitude", "categories_mask", "service_id"])
