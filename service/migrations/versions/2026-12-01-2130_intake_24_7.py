"""intake at any hour, decided when a listing is written and stored with it

`service.intake_24_7` holds whether a listing's intake hours say "at any hour", as
`scoring.around_the_clock` now reads them: in English or French, however spaced and
punctuated ("24 h/24 7 j/7", "24 hours a day, 7 days a week", "24/7 (call first)"), where
exact strings had read those as office hours. The database's search reads the column instead
of comparing normalised text in SQL, so that it and ranking decide alike. Every stored listing
is decided here by a copy of the function as it is today, as a migration must do tomorrow
what it does today.

Revision ID: 3c9e7b1d5a24
Revises: 8b1e4d6f0a93
Create Date: 2026-12-01 21:30:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e7b1d5a24"
down_revision: str | None = "8b1e4d6f0a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNIT = r"(?:h|hrs?|hours?|heures?)"
_PER_24 = r"(?:/| ?sur ?| ?on ?)24"
_PER_DAY = r"(?: (?:a|per|par) |/)(?:day|jour)"
_HOURS = rf"24 ?(?:{_UNIT}(?:{_PER_24}|{_PER_DAY})?|{_PER_24})"
_SEVEN = r"(?:7|seven|sept)"
_WEEK = (
    rf"{_SEVEN} ?(?:j|jours?|d|days?)?"
    rf"(?:(?:/| ?sur ?| ?on ?){_SEVEN}|(?: (?:a|per|par) |/)(?:week|semaine))?"
)
_YEAR = r"(?:[/x]365| 365(?: (?:days|jours)(?: (?:a|per|par) (?:year|an))?)?)"
_CALL_FIRST = (
    r"(?:please )?(?:call|phone|appelez|appeler|téléphonez)(?: us)? "
    r"(?:first|ahead|before coming|avant(?: de venir)?|d'abord)"
)
_ASIDE = rf"(?:intake|admissions?|accueil|daily|every day|tous les jours|{_CALL_FIRST})"
_AROUND_THE_CLOCK = re.compile(
    r"(?:(?:open|ouvert|intake|accueil|admissions?|daily|every day|tous les jours"
    r"|always open|toujours ouvert):? ?)?"
    r"(?:"
    rf"24 ?[/x-] ?7{_YEAR}?"
    rf"|{_HOURS}(?:(?: ?(?:-|&|/|et|and) ?| ){_WEEK})?{_YEAR}?"
    r"|around the clock|at any hour|at all hours|en tout temps|jour et nuit|day and night"
    r")"
    rf"(?:(?: ?- ?| ){_ASIDE})*"
)
# The one remark in brackets that leaves the hours what they say: any other may take them
# back ("24/7 (winter only)", "24/7 (phone only)", "Ouvert 24 h/24 (sauf dimanche)").
_CALL_FIRST_REMARK = re.compile(rf"\( ?{_CALL_FIRST} ?\)")


def _around_the_clock(hours: str | None) -> bool:
    if not hours:
        return False
    text = unicodedata.normalize("NFKC", hours).lower()
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[\s.,;]+", " ", text).strip()
    text = re.sub(r" +", " ", _CALL_FIRST_REMARK.sub(" ", text)).strip()
    text = re.sub(r" ?([/:&-]) ?", r"\1", text)
    return _AROUND_THE_CLOCK.fullmatch(text) is not None


def upgrade() -> None:
    # (`ALTER TABLE ... ADD COLUMN`, not a batch: SQLite's batch copies the table, and the
    # copy would lose the triggers that log its changes for the match index)
    op.add_column(
        "service",
        sa.Column("intake_24_7", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, intake_hours FROM service WHERE intake_hours IS NOT NULL")
    ).all()
    at_any_hour = [{"id": row.id} for row in rows if _around_the_clock(row.intake_hours)]
    if at_any_hour:
        bind.execute(sa.text("UPDATE service SET intake_24_7 = TRUE WHERE id = :id"), at_any_hour)


def downgrade() -> None:
    op.drop_column("service", "intake_24_7")
