"""`referral serve`: migrate once, then serve with uvicorn."""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import URL, make_url

from service.config import Settings
from service.hsds_commands import app as hsds_app
from service.observability import MULTIPROCESS_DIRECTORY, uvicorn_log_config

app = typer.Typer(add_completion=False, no_args_is_help=True, help="referral-service")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if field:
            typer.echo(f"referral: invalid setting REFERRAL_{field.upper()}: {message}", err=True)
        else:  # a rule between settings, which its message names
            typer.echo(f"referral: invalid setting: {message}", err=True)
        raise typer.Exit(2) from None
    except SettingsError as error:
        # A list not written as JSON (REFERRAL_CORS_ORIGINS=https://a.ca) had stopped the
        # start with a traceback of a hundred lines.
        named = re.search(r'field "(\w+)"', str(error))
        field = named.group(1).upper() if named else "?"
        typer.echo(
            f'referral: invalid setting REFERRAL_{field}: not JSON; write a list as ["https://a.ca"]',
            err=True,
        )
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API."""
    settings = _settings()
    from service.db import create_db_engine
    from service.startup import mark_prepared, prepare_database
    from service.usecases.keys import BootstrapKeyTaken

    url = make_url(settings.database_url)
    in_memory = not url.database or ":memory:" in url.database or url.query.get("mode") == "memory"
    if settings.is_sqlite and in_memory:
        # Each connection would have a database of its own, lost with it: the start would
        # migrate one, and every request would find another, empty.
        typer.echo(
            "referral: invalid setting REFERRAL_DATABASE_URL: an SQLite database in memory "
            "lasts one connection; name a file, as sqlite:///./referral.db",
            err=True,
        )
        raise typer.Exit(2)
    engine = create_db_engine(settings.database_url)
    try:
        shown_host = f"[{host}]" if ":" in host else host
        prepare_database(engine, settings, url=f"http://{shown_host}:{port}")
    except BootstrapKeyTaken as taken:
        typer.echo(f"referral: invalid setting REFERRAL_BOOTSTRAP_ADMIN_KEY: {taken}", err=True)
        raise typer.Exit(2) from None
    except Exception as error:
        typer.echo(f"referral: cannot prepare the database: {_described(error, url)}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    mark_prepared(settings.database_url)
    with _metrics_of_every_worker(workers):
        uvicorn.run(
            "service.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=uvicorn_log_config(settings.log_level),
            access_log=False,
            proxy_headers=True,
        )


def _described(error: Exception, url: URL) -> str:
    """What went wrong, in the driver's words (its first line: "connection refused", "database
    ... does not exist", "attempt to write a readonly database"), never with the password, and
    without the statement SQLAlchemy adds."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    said = lines[0] if lines else ""
    if url.password:
        said = said.replace(str(url.password), "***")
    where = url.render_as_string(hide_password=True)
    name = type(cause).__name__
    return f"{name}: {said} ({where})" if said else f"{name} ({where})"


@contextmanager
def _metrics_of_every_worker(workers: int) -> Iterator[None]:
    """With several workers, a directory where each keeps its metrics, so that /metrics sums
    them whichever worker answers: `PROMETHEUS_MULTIPROC_DIR` if set (emptied of the last
    run's files first, as prometheus-client requires), else a new one, removed at exit."""
    given = os.environ.get(MULTIPROCESS_DIRECTORY)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield
        return
    if workers == 1:
        yield
        return
    made = tempfile.mkdtemp(prefix="referral-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = made
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIRECTORY]
        shutil.rmtree(made, ignore_errors=True)


@app.command()
def migrate() -> None:
    """Only migrate the database to the newest schema."""
    settings = _settings()
    from service.db import create_db_engine, startup_lock
    from service.db import migrate as run_migrations

    engine = create_db_engine(settings.database_url)
    with startup_lock(engine):
        run_migrations(engine)
    engine.dispose()


app.add_typer(hsds_app, name="hsds")


def main() -> None:
    # What this process creates is its user's alone: the SQLite database and its WAL (every
    # confidential address, the key hashes), an HSDS export (intake contacts a partner may
    # not see), the start-up lock. Another user of a shared host reads none of it.
    os.umask(0o077)
    app()
