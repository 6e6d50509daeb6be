"""Start-up work done once per start, under a lock shared by every instance: migrations, the
bootstrap admin key, the demo registry."""

import hashlib
import logging
import os
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from sqlmodel import Session

from service.config import Settings
from service.db import migrate, startup_lock
from service.matching.scoring import around_the_clock
from service.usecases.demo import DemoKeys, load_demo_registry
from service.usecases.keys import ensure_bootstrap_admin

logger = logging.getLogger("referral.startup")

# Set by `referral serve` for the workers it starts, once it prepared their database: the hash
# of its URL (without the `REFERRAL_` prefix, which settings read).
PREPARED = "_REFERRAL_DATABASE_PREPARED"


def _fingerprint(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()


def mark_prepared(database_url: str) -> None:
    """Tell the workers about to start (through the environment they inherit) that their
    database is prepared: a worker started again later, after one died, must not need the
    database to start, or one dying while the database restarts takes the instance down
    (uvicorn stops every worker when a new one fails to start; an SRE's review)."""
    os.environ[PREPARED] = _fingerprint(database_url)


def prepared_by_supervisor(database_url: str) -> bool:
    """Whether `referral serve` prepared this database before starting this worker."""
    return os.environ.get(PREPARED) == _fingerprint(database_url)


def prepare_database(
    engine: sa.Engine, settings: Settings, *, url: str = "http://127.0.0.1:8000"
) -> None:
    """Migrate, put the bootstrap admin key in place, and load the demo registry into an
    empty database when asked (its keys are announced once, with `url` to try them on)."""
    with startup_lock(engine):
        migrate(engine)
        _check_writable(engine)
        _warn_if_others_read(engine)
        _decide_intake_hours(engine)
        with Session(engine, expire_on_commit=False) as session:
            if settings.bootstrap_admin_key is not None:
                ensure_bootstrap_admin(
                    session, secret=settings.bootstrap_admin_key.get_secret_value()
                )
            if settings.demo_data:
                keys = load_demo_registry(session)
                if keys is not None:
                    _announce(keys, url)


def _decide_intake_hours(engine: sa.Engine) -> None:
    """Decide again whether each listing's intake is at any hour (`service.intake_24_7`,
    `scoring.around_the_clock`) where the stored answer disagrees with its hours: hours
    changed by hand in SQL, a data-only restore of a dump from before the column, which
    had left every 24/7 shelter ranked as one with office hours for a bed tonight (a
    review), and every listing stored before the migration that added it. Written through
    the API, the two always agree: this finds none."""
    with engine.begin() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT id, intake_hours, intake_24_7 FROM service "
                "WHERE intake_hours IS NOT NULL OR intake_24_7"
            )
        ).all()
        decided = [(row, around_the_clock(row.intake_hours)) for row in rows]
        wrong = [
            {"id": row.id, "decided": at_any_hour}
            for row, at_any_hour in decided
            if at_any_hour != bool(row.intake_24_7)
        ]
        if wrong:
            connection.execute(
                sa.text("UPDATE service SET intake_24_7 = :decided WHERE id = :id"), wrong
            )
            logger.warning(
                "intake hours decided again for listings whose stored answer disagreed "
                "with their hours (stored before it was kept, or changed outside the API)",
                extra={"listings": len(wrong)},
            )


def _check_writable(engine: sa.Engine) -> None:
    """Fail the start on a database that reads but takes no write (an SQLite file made
    read-only, a PostgreSQL standby): every request records its key's use, so such a
    service would answer /readyz and refuse everything else."""
    with engine.connect() as connection:
        # A write of nothing, rolled back (DML: SQLite commits DDL at once, whatever follows).
        connection.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
        connection.rollback()


def _warn_if_others_read(engine: sa.Engine) -> None:
    """Say so when other users of the host may read the SQLite database (every confidential
    address, the key hashes): one made by an earlier version, before `referral` made what it
    writes its user's alone. Its mode is the administrator's to change, not this start's."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path:
        return
    for file in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            logger.warning(
                "the SQLite database can be read by other users of this host; "
                "chmod 600 it and its -wal and -shm files",
                extra={"file": file.name, "mode": oct(file.stat().st_mode & 0o777)},
            )
            return


def _announce(keys: DemoKeys, url: str) -> None:
    """Print the demo keys once, when they are made. They are stored only as hashes."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print("[bold]Demo registry loaded.[/bold] Keys (shown this once, save them):")
    console.print(f"  admin     {keys.admin}")
    console.print(f"  operator  {keys.operator}")
    console.print(f"  partner   {keys.partner}")
    console.print(f"  analyst   {keys.analyst}")
    console.print(f"  provider  {keys.provider}   ({keys.provider_organization})")
    console.print(f'  try: curl -H "Authorization: Bearer <operator key>" {url}/v1/services')
