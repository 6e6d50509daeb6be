"""`referral serve`: migrate once, then serve with uvicorn."""

from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from service.config import Settings
from service.hsds_commands import app as hsds_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help="referral-service")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        typer.echo(f"referral: invalid setting REFERRAL_{field.upper()}: {first['msg']}", err=True)
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
    from service.startup import prepare_database

    engine = create_db_engine(settings.database_url)
    try:
        prepare_database(engine, settings)
    except Exception as error:
        typer.echo(f"referral: cannot prepare the database: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=True,
    )


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
    app()
