"""organization name key, folded a fourth time: a mark's letter, ў and ї, and l·l only

The third fold (4a7c1e9f2b56) decided whether a breve belonged to и by the character kept just
before it, which a mark of lower class could be after the key was decomposed again (a key
then changed when folded again); it folded ў into \u0443 and ї into \u0456, letters of their own in
Belarusian and Ukrainian; and it dropped every middle dot, joining `Hope·House` into one
word where only Catalan's l·l is one. Every stored key is computed again with
`models.name_key` as it now is, and with the third fold on the way down; both are copied
here, as a migration must do tomorrow what it does today.

Revision ID: 6d3f8a2c5e71
Revises: 4a7c1e9f2b56
Create Date: 2026-11-30 23:30:00
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d3f8a2c5e71"
down_revision: str | None = "4a7c1e9f2b56"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000

# Dropped inside a word: apostrophes.
_DROPPED = frozenset("'\u2019\u02bc\u2018`")
# Letters that carry their stroke or ligature in themselves: no decomposition to strip.
_PLAIN_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ø": "o", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)
# Accents that make letters of their own: й, ў (a breve), ї (a diaeresis).
_LETTER_ACCENTS = frozenset({("\u0438", 0x306), ("\u0443", 0x306), ("\u0456", 0x308)})


def _optional(mark: str, base: str) -> bool:
    code = ord(mark)
    if 0x300 <= code <= 0x36F:
        return (base, code) not in _LETTER_ACCENTS
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
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    text = text.translate(_PLAIN_LETTERS)
    kept: list[str] = []
    base = " "  # the letter or digit the marks that follow are on; a space after anything else
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        mark = category.startswith("M")
        if ch == "\u00b7" and base == "l" and text[index + 1 : index + 2] == "l":
            continue  # l·l, one letter of Catalan
        if category == "Cf" or ch in _DROPPED or (mark and _optional(ch, base)):
            continue
        if ch.isalnum():
            base = ch
            kept.append(ch)
        elif mark and base != " ":
            kept.append(ch)  # a mark stays with the letter it is on
        else:
            base = " "  # (a mark on nothing kept, as a symbol's, goes with it)
            kept.append(" ")
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


# The third fold (4a7c1e9f2b56), for the way down.
_THIRD_DROPPED = frozenset("'\u2019\u02bc\u2018`\u00b7")
# Letters that carry their stroke or ligature in themselves: no decomposition to strip.
_THIRD_PLAIN_LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ł": "l", "ø": "o", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def _third_optional(mark: str, after: str) -> bool:
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


def _third_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    kept: list[str] = []
    for ch in decomposed.translate(_THIRD_PLAIN_LETTERS):
        category = unicodedata.category(ch)
        after = kept[-1] if kept else " "
        mark = category.startswith("M")
        if category == "Cf" or ch in _THIRD_DROPPED or (mark and _third_optional(ch, after)):
            continue
        # A mark stays with the letter it is on; one on nothing kept (a symbol) is dropped.
        kept.append(ch if ch.isalnum() or (mark and after != " ") else " ")
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


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
    _refold(_third_key)
