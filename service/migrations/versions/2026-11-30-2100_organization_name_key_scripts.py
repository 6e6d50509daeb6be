"""organization name key, refolded: strokes and ligatures, compatibility forms, other scripts

The first fold (7c2d4e9b1a60) turned Indic vowel signs and Japanese voicing marks into spaces,
left `Ł`, `Đ`, `Ø` unfolded, and kept `™` upper case (`TM`, which PostgreSQL's LIKE then
told apart). Every stored key is computed again with `models.name_key` as it now is, and
with the first fold on the way down. Both folds are copied here: a migration must do
tomorrow what it does today, whatever the app's code becomes.

Revision ID: 2e8a5f3c7d19
Revises: 7c2d4e9b1a60
Create Date: 2026-11-30 21:00:00
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2e8a5f3c7d19"
down_revision: str | None = "7c2d4e9b1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`")
_PLAIN_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ŀ": "l", "ø": "o", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)
_BATCH = 1000


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    kept = []
    for ch in decomposed.translate(_PLAIN_LETTERS):
        category = unicodedata.category(ch)
        if "\u0300" <= ch <= "\u036f" or category == "Cf" or ch in _APOSTROPHES:
            continue
        kept.append(ch if ch.isalnum() or category.startswith("M") else " ")
    return " ".join("".join(kept).split())


def _first_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(
        ch if ch.isalnum() else " "
        for ch in decomposed
        if not unicodedata.combining(ch) and ch not in _APOSTROPHES
    )
    return " ".join(kept.split())


def _refold(fold: Callable[[str], str]) -> None:
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
        connection.execute(statement, [{"b_id": i, "b_key": fold(n)} for i, n in batch])


def upgrade() -> None:
    _refold(_key)


def downgrade() -> None:
    _refold(_first_key)
