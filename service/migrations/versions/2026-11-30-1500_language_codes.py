"""language codes in one form: a listing's `eng` becomes `en`

Listings took any two or three letters as a language, so one written with `eng`, `fre` or
`spa` never met a person who asked for `en`, `fr` or `es` (`schemas/languages.py`). The API
now stores the ISO 639-1 code where a language has one; this rewrites what listings already
hold the same way. A code of no living language is kept as it is: the next write of that
listing is refused until its provider corrects it, and nothing is guessed for them.

A rewritten listing gets a new version and `updated_at`, so that its ETag changes and a
partner's `modified_after` sync reads it again; its history has no entry for this (the
version after it says which fields changed next). The triggers log it, so every worker's
match index reads it again. An instance still running the release before may write `eng`
again until it is replaced; the next write through this release stores `en`. Downgrading
leaves the codes as they are: they were valid before, too.

Revision ID: 9a3d2c7b5e10
Revises: 6c0e5a1f9b84
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from schemas.languages import canonical_language
from service.models import UTCDateTime

revision: str = "9a3d2c7b5e10"
down_revision: str | None = "6c0e5a1f9b84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_form(languages: list[str]) -> list[str]:
    return list(dict.fromkeys(canonical_language(code) or code for code in languages))


def upgrade() -> None:
    service = sa.table(
        "service",
        sa.column("id", sa.Uuid()),
        sa.column("languages", sa.JSON()),
        sa.column("version", sa.Integer()),
        sa.column("updated_at", UTCDateTime()),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    rows = connection.execute(sa.select(service.c.id, service.c.languages)).all()
    for service_id, languages in rows:
        rewritten = _one_form(languages or [])
        if rewritten != (languages or []):
            connection.execute(
                service.update()
                .where(service.c.id == service_id)
                .values(languages=rewritten, version=service.c.version + 1, updated_at=now)
            )


def downgrade() -> None:
    pass
