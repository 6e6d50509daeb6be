"""intake at any hour, decided when a listing is written and stored with it

`service.intake_24_7` holds whether a listing's intake hours say "at any hour", as
`scoring.around_the_clock` reads them: in English or French, however spaced and punctuated
("24 h/24 7 j/7", "24 hours a day, 7 days a week", "24/7 (call first)"), where exact strings
had read those as office hours. The database's search reads the column instead of comparing
normalised text in SQL, so that it and ranking decide alike. The column starts false; the
start that follows (`startup._decide_intake_hours`, every start, under the start-up lock and
before any request) decides every stored listing whose answer disagrees with its hours, this
migration's included, so the parser is not copied here.

Revision ID: 3c9e7b1d5a24
Revises: 8b1e4d6f0a93
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e7b1d5a24"
down_revision: str | None = "8b1e4d6f0a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # (`ALTER TABLE ... ADD COLUMN`, not a batch: SQLite's batch copies the table, and the
    # copy would lose the triggers that log its changes for the match index)
    op.add_column(
        "service",
        sa.Column("intake_24_7", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("service", "intake_24_7")
