"""`referral hsds export` and `referral hsds import`: Open Referral HSDS 3.1 on the command line."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Open Referral HSDS 3.1: share the registry, or load a directory into it.",
)


class Format(StrEnum):
    csv = "csv"
    json = "json"


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write (created if needed).")],
    format: Annotated[
        Format,
        typer.Option(help="csv: a tabular data package; json: compiled records, NDJSON."),
    ] = Format.csv,
) -> None:
    """Write approved organizations and their services as HSDS 3.1. Confidential locations
    leave without address or coordinates."""
    from sqlmodel import Session

    from service.cli import _settings
    from service.db import create_db_engine, migrate, startup_lock
    from service.hsds.package import PackageWriter
    from service.usecases.hsds import export_registry, paused_gc

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    engine = create_db_engine(_settings().database_url)
    try:
        with startup_lock(engine):
            migrate(engine)
        writer = PackageWriter(out, format=format.value)
        with paused_gc(), Session(engine) as session, _progress(console) as progress:
            task = progress.add_task("Exporting services", total=None)
            counts = export_registry(
                session, writer=writer, progress=lambda n: progress.advance(task, n)
            )
        writer.close()
    finally:
        engine.dispose()
    console.print(
        f"Exported {counts.organizations} organizations and {counts.services} services "
        f"to {out} ({format.value})."
    )


@app.command("import")
def import_(
    path: Annotated[
        Path,
        typer.Argument(help="A tabular package (directory), or JSON/NDJSON records."),
    ],
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve new organizations at once.")
    ] = False,
) -> None:
    """Load an HSDS 3 package: all or nothing, and again without duplicates (by HSDS id)."""
    from sqlmodel import Session

    from service.cli import _settings
    from service.db import create_db_engine, migrate, startup_lock
    from service.gazetteer import Gazetteer
    from service.hsds.package import Unreadable, read
    from service.usecases.hsds import (
        COMMAND_LINE,
        ImportRefused,
        import_hsds,
        paused_gc,
    )

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    settings = _settings()
    try:
        with paused_gc():
            staging = read(path)
    except Unreadable as error:
        console.print(f"referral: cannot import {path}: {error}")
        raise typer.Exit(2) from None
    engine = create_db_engine(settings.database_url)
    try:
        with startup_lock(engine):
            migrate(engine)
        with paused_gc(), staging, Session(engine, expire_on_commit=False) as session:
            with _progress(console) as progress:
                task = progress.add_task("Importing services", total=staging.count("service"))
                gazetteer = Gazetteer.load()
                report = import_hsds(
                    session,
                    staging=staging,
                    approve=approve,
                    locate=gazetteer.place_location,
                    check=gazetteer.check_location,
                    actor=COMMAND_LINE,
                    progress=lambda n: progress.advance(task, n),
                )
    except ImportRefused as refused:
        for problem in refused.problems:
            console.print(f"  {problem}")
        console.print(
            f"[bold red]Refused:[/bold red] {len(refused.problems)} problem(s); "
            "nothing was imported."
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    console.print(
        f"Organizations: {report.organizations_created} created, "
        f"{report.organizations_updated} updated, {report.organizations_unchanged} unchanged"
        + (
            f", {report.organizations_older} older than here (kept as they are)."
            if report.organizations_older
            else "."
        )
        + (
            f" {report.organizations_left_pending} left pending: every service of theirs "
            "was skipped."
            if report.organizations_left_pending
            else ""
        )
        + (
            f" {report.organizations_deleted_here} deleted here since the package was made: "
            "left out, with their services."
            if report.organizations_deleted_here
            else ""
        )
    )
    console.print(
        f"Services: {report.services_created} created, {report.services_updated} updated, "
        f"{report.services_unchanged} unchanged, {len(report.skipped)} skipped."
    )
    for skipped in report.skipped:
        where = f"{skipped.file} row {skipped.row}" if skipped.row else skipped.file
        console.print(f"  skipped {where}: {skipped.name or skipped.id}: {skipped.reason}")
    if report.unknown_terms:
        console.print("Left unknown (not read by this registry):")
        for unknown in report.unknown_terms:
            console.print(f"  {unknown.term} ({unknown.services} services)")
    if report.located_by_postal_area:
        console.print(
            f"{report.located_by_postal_area} locations without coordinates were placed at "
            "the centre of their postal code's area."
        )
    if report.located_by_municipality:
        console.print(
            f"{report.located_by_municipality} locations without coordinates were placed at "
            "the centre of their municipality."
        )
    if report.locations_kept_confidential:
        console.print(
            f"Kept confidential: {report.locations_kept_confidential} locations whose record "
            "did not say whether they are confidential, of listings with a confidential "
            "location here (say confidential false of one to make it public)."
        )
    if report.eligibility_not_stated:
        console.print(
            f"Eligibility not stated: {report.eligibility_not_stated} (services whose record "
            "gave no eligibility rules this registry reads; their matches carry a caveat until "
            "a provider or administrator states whom they serve)."
        )
    if report.ignored_files:
        console.print("Files not read: " + ", ".join(report.ignored_files))
