"""Instructions per match, counted by valgrind: `python -m bench instructions`.

On a shared machine a timing moves by tens of percent from one minute to the next, so a change
that saves a tenth of a match's time cannot be seen in milliseconds, even in one run. The
instructions a match executes hardly move: valgrind's callgrind counts them whatever else the
machine is doing. A registry of `--size` services is generated (seeded), then a child process
under callgrind reads the match index with counting off, warms up, and counts only the
`--matches` matches of each profile (`callgrind_control` turns counting on and off around
them). Run it before and after a change: the counts compare across runs.

Needs valgrind (Debian's package; CI does not run benchmarks). Counting runs about 50 times
slower than the match itself; reading 100,000 services with counting off, about 5 times.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from bench.databases import database
from bench.match import CALLER, PROFILES, SETTINGS, _profile
from bench.registry import load_registry
from schemas.match import NeedProfile
from service.db import create_db_engine, migrate
from service.gazetteer import Gazetteer
from service.usecases.match import match_needs
from service.usecases.match_index import MatchIndex

_WARM_UP = 5
_TOTAL = re.compile(r"^totals: (\d+)", re.MULTILINE)


def _control(*args: str) -> None:
    """Tell the callgrind running this process (`callgrind_control`, by process id)."""
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)


@contextmanager
def counting(name: str) -> Iterator[None]:
    """Under callgrind: count only what the block runs, into a dump of its own."""
    _control("--zero")
    _control("--instr=on")
    yield
    _control("--instr=off")
    _control(f"--dump={name}")


def without_valgrind(program: str) -> bool:
    """True, said on stderr, when valgrind or callgrind_control is not installed."""
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        sys.stderr.write(f"{program} needs {', '.join(missing)} (apt-get)\n")
    return bool(missing)


def _match(session: Session, profile: NeedProfile, gazetteer: Gazetteer, index: MatchIndex) -> None:
    match_needs(
        session,
        profile=profile,
        gazetteer=gazetteer,
        caller=CALLER,
        settings=SETTINGS,
        index=index,
    )


def _child(database_path: str, areas: list[str], matches: int) -> int:
    """Under callgrind: count each profile's matches, one dump per profile."""
    engine = create_db_engine(f"sqlite:///{database_path}")
    gazetteer = Gazetteer.load()
    index = MatchIndex()
    with Session(engine) as session:
        for area in areas:
            profile = _profile(PROFILES[area])
            for _ in range(_WARM_UP):
                _match(session, profile, gazetteer, index)
            with counting(area):
                for _ in range(matches):
                    _match(session, profile, gazetteer, index)
    engine.dispose()
    return 0


def _counted(
    directory: Path, size: int, areas: list[str], matches: int, registry: Path | None = None
) -> dict[str, float]:
    """Instructions per match, by profile, on a fresh registry of `size` services, or on
    `registry` (an SQLite file of one, generated there the first time): the same services
    for every change counted."""
    if registry is not None:
        if not registry.exists():
            # Generated under another name and renamed once whole: a run stopped halfway
            # leaves no file that the next run would count on as the registry.
            partial = registry.with_name(f"{registry.name}.partial")
            partial.unlink(missing_ok=True)
            engine = create_db_engine(f"sqlite:///{partial}")
            migrate(engine)
            load_registry(engine, size)
            engine.dispose()
            partial.replace(registry)
        engine = create_db_engine(f"sqlite:///{registry}")
        migrate(engine)  # one generated before the schema's latest change
        engine.dispose()
        return _count(directory, str(registry), size, areas, matches)
    with database("sqlite", directory) as engine:
        load_registry(engine, size)
        path = engine.url.database
        assert path is not None
        return _count(directory, path, size, areas, matches)


def _count(
    directory: Path, path: str, size: int, areas: list[str], matches: int
) -> dict[str, float]:
    child = ["bench.instructions", "--child", path, "--profiles", *areas]
    return counted(
        directory / f"callgrind-{size}.out", [*child, "--matches", str(matches)], areas, matches
    )


def counted(out: Path, child: list[str], names: list[str], each: int) -> dict[str, float]:
    """Run `python -m <child>` under callgrind with counting off at first (the child turns it
    on and dumps once per name, in order, into `out`'s directory): the instructions of each
    dump, per `each` counted."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-m",
        *child,
    ]
    ran = subprocess.run(command, capture_output=True, text=True, check=False)
    if ran.returncode != 0:
        sys.stderr.write(ran.stderr[-3000:])
        raise RuntimeError(f"the counted run failed ({ran.returncode})")
    dumps = sorted(out.parent.glob(f"{out.name}.*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != len(names):
        raise RuntimeError(f"expected {len(names)} dumps of callgrind, found {len(dumps)}")
    counts = {}
    for name, dump in zip(names, dumps, strict=True):
        found = _TOTAL.search(dump.read_text(errors="replace"))
        if found is None:
            raise RuntimeError(f"no total in {dump.name}")
        counts[name] = int(found.group(1)) / each
    return counts


def run_instructions(
    sizes: list[int], areas: list[str], matches: int, registry: Path | None = None
) -> None:
    rows: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for size in sizes:
            sys.stdout.write(f"{size:>7} services: counting {matches} matches per profile\n")
            sys.stdout.flush()
            rows[size] = _counted(Path(directory), size, areas, matches, registry)
    sys.stdout.write("\nmatch_needs in process, memory search, 3 needs: instructions per match\n")
    sys.stdout.write(f"{'size':>7} " + " ".join(f"{area:>12}" for area in areas) + "\n")
    for size, counts in rows.items():
        cells = " ".join(f"{counts[area] / 1e6:>11.2f}M" for area in areas)
        sys.stdout.write(f"{size:>7} {cells}\n")
    if len(rows) > 1:
        smallest, largest = rows[min(rows)], rows[max(rows)]
        ratio = statistics.fmean(largest[a] / smallest[a] for a in areas)
        sys.stdout.write(
            f"\n{max(rows)} vs {min(rows)} services: x{ratio:.2f} (mean of profiles)\n"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench instructions", description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 100_000])
    parser.add_argument("--profiles", nargs="+", choices=sorted(PROFILES), default=list(PROFILES))
    parser.add_argument("--matches", type=int, default=20, help="counted per profile")
    parser.add_argument(
        "--registry",
        type=Path,
        metavar="FILE",
        help="count on the registry in this SQLite file, generated there (of the one --sizes "
        "given) the first time: the same services for each change compared",
    )
    parser.add_argument("--child", metavar="DATABASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.profiles, args.matches)
    if without_valgrind("python -m bench instructions"):
        return 2
    if args.registry is not None and len(args.sizes) != 1:
        sys.stderr.write("--registry holds one registry: give one --sizes\n")
        return 2
    run_instructions(args.sizes, args.profiles, args.matches, args.registry)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
