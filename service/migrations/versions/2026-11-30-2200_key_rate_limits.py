"""key rate limits: a key's own requests per minute

Null, as every key stored before this revision has: the service's
`REFERRAL_RATE_LIMIT_PER_MINUTE`, as before.

Revision ID: 9f4b6d2e8c31
Revises: 2e8a5f3c7d19
Create Date: 2026-11-30 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9f4b6d2e8c31"
down_revision: str | None = "2e8a5f3c7d19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("rate_limit_per_minute")
