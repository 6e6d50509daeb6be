"""Benchmarks of the match path: `python -m bench match [--sizes …] [--backends …]`.

Figures are ratios taken in one run on one machine; the absolute times vary with its load.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from bench.databases import database
from bench.registry import load_registry
from bench.stats import percentile
from schemas.enums import Role
from schemas.match import NeedProfile
from service.config import Settings
from service.gazetteer import Gazetteer
from service.matching.eligibility import check
from service.matching.geo import distance_km
from service.models import Service
from service.usecases.candidates import candidate_of
from service.usecases.keys import Caller
from service.usecases.match import match_needs, person_of, resolve_location
from service.usecases.match_index import MatchIndex

PROFILES = {
    "urban": {"postal_prefix": "M5V"},
    "suburban": {"postal_prefix": "L5B"},
    "rural": {"postal_prefix": "N0B"},
}
NEEDS = ["housing", "legal.immigration", "specialized.counselling"]
SETTINGS = Settings(_env_file=None)
CALLER = Caller(key_id=uuid.uuid4(), name="bench", role=Role.operator, organization_id=None)


def profile_body(location: dict[str, str]) -> dict[str, Any]:
    """The three-need profile of a person near `location`, as sent to `POST /v1/match`."""
    return {
        "gender": "woman",
        "age": 24,
        "newcomer_status": "refugee_claimant",
        "trafficking_type": "labour",
        "needs": NEEDS,
        "location": location,
        "languages": ["es"],
    }


def _profile(location: dict[str, str]) -> NeedProfile:
    return NeedProfile.model_validate(profile_body(location))


def _timings(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm caches and the connection pool
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def naive_match(session: Session, gazetteer: Gazetteer, profile: NeedProfile) -> int:
    """The baseline: every service loaded, eligibility and geodesic distance in Python."""
    person = person_of(profile, resolve_location(gazetteer, profile.location))
    everything = select(Service).options(
        selectinload(Service.locations),  # type: ignore[arg-type]
        selectinload(Service.organization),  # type: ignore[arg-type]
    )
    candidates = [candidate_of(s, list(s.locations)) for s in session.exec(everything)]
    found = 0
    for candidate in candidates:
        if check(person, candidate).eligible:
            distances = [distance_km(person.point, site.point) for site in candidate.sites]
            found += any(d <= profile.max_distance_km for d in distances)
    return found


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_match(
    sizes: list[int], backends: list[str], searches: list[str], repeat: int, naive_repeat: int
) -> None:
    gazetteer = Gazetteer.load()
    rows: list[tuple[str, str, int, str, float, float, float]] = []
    medians: dict[tuple[str, str, int], float] = {}
    naive: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as directory:
        for backend in backends:
            for size in sizes:
                with database(backend, Path(directory)) as engine:
                    started = time.perf_counter()
                    load_registry(engine, size)
                    load_s = time.perf_counter() - started
                    sys.stdout.write(f"{backend} {size:>7} services loaded in {load_s:.1f} s\n")
                    with Session(engine) as session:
                        for search in searches:
                            index = MatchIndex() if search == "memory" else None
                            if index is not None:
                                rss = _rss_mb()
                                started = time.perf_counter()
                                with index.current(session):
                                    pass
                                sys.stdout.write(
                                    f"  match index: {index.size} services read in "
                                    f"{time.perf_counter() - started:.1f} s, "
                                    f"RSS +{_rss_mb() - rss:.0f} MB\n"
                                )
                            for area, location in PROFILES.items():
                                profile = _profile(location)
                                samples = _timings(
                                    lambda p=profile, i=index: match_needs(  # type: ignore[misc]
                                        session,
                                        profile=p,
                                        gazetteer=gazetteer,
                                        caller=CALLER,
                                        settings=SETTINGS,
                                        index=i,
                                    ),
                                    repeat,
                                )
                                p50 = statistics.median(samples)
                                rows.append(
                                    (
                                        backend,
                                        search,
                                        size,
                                        area,
                                        p50,
                                        percentile(samples, 0.95),
                                        percentile(samples, 0.99),
                                    )
                                )
                                if area == "urban":
                                    medians[(backend, search, size)] = p50
                        urban = _profile(PROFILES["urban"])
                        naive[(backend, size)] = statistics.median(
                            _timings(
                                lambda p=urban: naive_match(session, gazetteer, p),  # type: ignore[misc]
                                naive_repeat,
                            )
                        )
    sys.stdout.write("\nmatch_needs in process, 3 needs (ms)\n")
    sys.stdout.write(
        f"{'backend':8} {'search':8} {'size':>7} {'area':9} {'p50':>8} {'p95':>8} {'p99':>8}\n"
    )
    for backend, search, size, area, p50, p95, p99 in rows:
        sys.stdout.write(
            f"{backend:8} {search:8} {size:>7} {area:9} {p50:8.2f} {p95:8.2f} {p99:8.2f}\n"
        )
    sys.stdout.write("\nurban median vs naive baseline and vs the smallest registry\n")
    for (backend, search, size), median in medians.items():
        smallest = medians[(backend, search, min(sizes))]
        sys.stdout.write(
            f"{backend:8} {search:8} {size:>7}  naive {naive[(backend, size)]:9.1f} ms"
            f"  speed-up x{naive[(backend, size)] / median:7.1f}"
            f"  vs {min(sizes)}: x{median / smallest:5.2f}\n"
        )


def _names(values: list[str]) -> list[str]:
    """`1000 10000` and `1000,10000` alike."""
    return [name for value in values for name in value.split(",") if name]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench match", description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["1000,10000,100000"])
    parser.add_argument("--backends", nargs="+", default=["sqlite,postgres"])
    parser.add_argument(
        "--searches",
        nargs="+",
        default=["memory,database"],
        help="REFERRAL_MATCH_SEARCH values to measure",
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--short", action="store_true", help="a quick run (make bench)")
    args = parser.parse_args(argv)
    if args.short:
        run_match([1000, 10000], ["sqlite"], ["memory", "database"], repeat=20, naive_repeat=2)
        return 0
    run_match(
        [int(size) for size in _names(args.sizes)],
        _names(args.backends),
        _names(args.searches),
        args.repeat,
        args.naive_repeat,
    )
    return 0
