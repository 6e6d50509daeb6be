"""eligibility stated: whether a listing's eligibility rules were stated by its provider

A listing imported from another directory carries none of our eligibility terms, and its empty
rules would read as "serves everyone". `eligibility_stated` false marks such a listing, so that
matching shows the doubt. Listings already here count as stated (their providers wrote them);
one imported from another directory before this revision becomes unstated when its package is
imported again, since an import rewrites a listing whose flag differs.

Revision ID: 3f6b9d2e1a7c
Revises: 8d41f0c2b7e6
Create Date: 2026-11-29 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6b9d2e1a7c"
down_revision: str | None = "8d41f0c2b7e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("eligibility_stated", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("eligibility_stated")
