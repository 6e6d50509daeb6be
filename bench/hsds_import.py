"""Benchmark of the HSDS import: `python -m bench import [--size N] [--short]`.

Builds a synthetic registry (`bench.registry`), exports it as an HSDS tabular package, then
imports the package into a fresh SQLite database in a child process and reports the import's
wall time and the child's peak resident memory. The target: 100,000 services in under 60 s
with a peak under 1 GB.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from bench.registry import load_registry
from service.db import create_db_engine, migrate
from service.gazetteer import Gazetteer
from service.hsds.package import PackageWriter, read
from service.usecases.hsds import (
    COMMAND_LINE,
    export_registry,
    import_hsds,
    paused_gc,
)


def _export(size: int, directory: Path) -> tuple[Path, float]:
    engine = create_db_engine(f"sqlite:///{directory / 'source.db'}")
    migrate(engine)
    load_registry(engine, size)
    package = directory / "package"
    started = time.perf_counter()
    writer = PackageWriter(package, format="csv")
    with paused_gc(), Session(engine) as session:
        export_registry(session, writer=writer)
    writer.close()
    engine.dispose()
    return package, time.perf_counter() - started


def _import(package: Path, database: Path) -> dict[str, float | int]:
    """Run in the child: the import alone, as `referral hsds import` does it."""
    engine = create_db_engine(f"sqlite:///{database}")
    migrate(engine)
    gazetteer = Gazetteer.load()
    started = time.perf_counter()
    with paused_gc(), read(package) as staging, Session(engine) as session:
        report = import_hsds(
            session,
            staging=staging,
            approve=True,
            locate=gazetteer.place_location,
            check=gazetteer.check_location,
            actor=COMMAND_LINE,
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mb": peak_kb / 1024,
        "services": report.services_created,
        "organizations": report.organizations_created,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="services (default 100,000)")
    parser.add_argument("--short", action="store_true", help="a quick run of 2,000 services")
    parser.add_argument("--child", nargs=2, metavar=("PACKAGE", "DATABASE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(_import(Path(args.child[0]), Path(args.child[1]))) + "\n")
        return 0
    size = 2_000 if args.short else args.size
    with tempfile.TemporaryDirectory(prefix="bench-hsds-") as temp:
        directory = Path(temp)
        sys.stdout.write(f"HSDS import: {size:,} services, SQLite\n")
        sys.stdout.flush()
        package, export_seconds = _export(size, directory)
        megabytes = sum(p.stat().st_size for p in package.iterdir()) / 1e6
        sys.stdout.write(f"  exported in {export_seconds:.1f} s ({megabytes:.0f} MB of CSV)\n")
        sys.stdout.flush()
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.hsds_import",
                "--child",
                str(package),
                str(directory / "target.db"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr[-4000:])
            return 1
        result = json.loads(child.stdout.strip().splitlines()[-1])
        ok = result["services"] == size and result["seconds"] < 60 and result["peak_mb"] < 1024
        sys.stdout.write(
            f"  imported {result['services']:,} services and {result['organizations']:,} "
            f"organizations in {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s of CPU for "
            f"the whole child), peak memory {result['peak_mb']:.0f} MB"
            f" ({'within' if ok else 'OUTSIDE'} 60 s and 1 GB)\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
