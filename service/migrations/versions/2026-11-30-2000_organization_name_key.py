"""organization name key: each name folded, to find organizations by a part of the name

`name_key` holds the name without case, accents or punctuation (`models.name_key`); the
upgrade computes it for the organizations already stored. The fold is copied here, not
imported: a migration must do tomorrow what it does today, whatever the app's code becomes.

Revision ID: 7c2d4e9b1a60
Revises: 5b1e7c0a9d42
Create Date: 2026-11-30 20:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2d4e9b1a60"
down_revision: str | None = "5b1e7c0a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`")
_BATCH = 1000


def _name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(
        ch if ch.isalnum() else " "
        for ch in decomposed
        if not unicodedata.combining(ch) and ch not in _APOSTROPHES
    )
    return " ".join(kept.split())


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.Text(), server_default="", nullable=False))
    organization = sa.table(
        "organization", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("name_key")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(organization.c.id, organization.c.name)).all()
    statement = (
        sa.update(organization)
        .where(organization.c.id == sa.bindparam("b_id"))
        .values(name_key=sa.bindparam("b_key"))
    )
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        connection.execute(statement, [{"b_id": i, "b_key": _name_key(n)} for i, n in batch])


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("name_key")
