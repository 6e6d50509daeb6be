"""organization name key, folded a third time: pointing, emoji, й, syllables composed

The second fold (2e8a5f3c7d19) kept Hebrew and Arabic pointing (`محمد` missed `مُحَمَّد`),
kept an emoji's variation selector as a word of its own (`hope centre` missed `Hope ❤️
Centre`), folded й into и, split Catalan's l·l, and left syllables decomposed (`サト` found
`サド`, `기` found `김`). Every stored key is computed again with `models.name_key` as it now
is, and with the second fold on the way down; both are copied here, as a migration must do
tomorrow what it does today.

Revision ID: 4a7c1e9f2b56
Revises: 9f4b6d2e8c31
Create Date: 2026-11-30 23:00:00
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4a7c1e9f2b56"
down_revision: str | None = "9f4b6d2e8c31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000

# Dropped inside a word: apostrophes, and the middle dot of Catalan's l·l.
_DROPPED = frozenset("'\u2019\u02bc\u2018`\u00b7")
# Letters that carry their stroke or ligature in themselves: no decomposition to strip.
_PLAIN_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ø": "o", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def _optional(mark: str, after: str) -> bool:
    """Marks a name is found without: the accents of Latin, Greek and Cyrillic letters (but
    the breve of й, a letter of its own), Hebrew and Arabic pointing, the marks of symbols
    (a keycap) and variation selectors (an emoji's)."""
    code = ord(mark)
    if 0x300 <= code <= 0x36F:
        return not (code == 0x306 and after == "и")
    return (
        0x591 <= code <= 0x5C7
        or 0x64B <= code <= 0x65F
        or code == 0x670
        or 0x6D6 <= code <= 0x6ED
        or 0x20D0 <= code <= 0x20FF
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    kept: list[str] = []
    for ch in decomposed.translate(_PLAIN_LETTERS):
        category = unicodedata.category(ch)
        after = kept[-1] if kept else " "
        mark = category.startswith("M")
        if category == "Cf" or ch in _DROPPED or (mark and _optional(ch, after)):
            continue
        # A mark stays with the letter it is on; one on nothing kept (a symbol) is dropped.
        kept.append(ch if ch.isalnum() or (mark and after != " ") else " ")
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


# The second fold (2e8a5f3c7d19), for the way down.
_SECOND_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`")
_SECOND_PLAIN_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ŀ": "l", "ø": "o", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def _second_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    kept = []
    for ch in decomposed.translate(_SECOND_PLAIN_LETTERS):
        category = unicodedata.category(ch)
        if "\u0300" <= ch <= "\u036f" or category == "Cf" or ch in _SECOND_APOSTROPHES:
            continue
        kept.append(ch if ch.isalnum() or category.startswith("M") else " ")
    return " ".join("".join(kept).split())


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
    _refold(_second_key)
