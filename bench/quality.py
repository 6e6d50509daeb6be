"""What the candidate cap costs in ranking quality: `python -m bench quality`.

Matching ranks, per need, the `REFERRAL_MATCH_CANDIDATE_CAP` nearest eligible services (and
those whose area covers the person), not every eligible service within the radius: that bound
is what keeps a match fast in a dense registry. A farther service that speaks the person's
language or has a free bed may score higher than all of the nearest ones, and then the cap
hides it. This benchmark measures how often: for postal areas drawn across Canada and a few
profiles, it matches with each cap and compares each need's answer with the answer of the
largest cap (the reference): how many answers differ, and how much lower their summed scores
are. Profiles and postal areas are fixed by the seed, so runs compare.
"""

import argparse
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.databases import database
from bench.match import CALLER
from bench.registry import load_registry
from schemas.match import NeedProfile
from service.config import Settings
from service.gazetteer import Gazetteer
from service.models import utcnow
from service.usecases.match import WIDE_PREFIX_KM, match_needs
from service.usecases.match_index import MatchIndex

PROFILES: tuple[dict[str, Any], ...] = (
    {
        "gender": "woman",
        "age": 24,
        "newcomer_status": "refugee_claimant",
        "trafficking_type": "labour",
        "needs": ["housing", "legal.immigration", "specialized.counselling"],
        "languages": ["es"],
    },
    {
        "gender": "man",
        "age": 40,
        "trafficking_type": "labour",
        "needs": ["housing", "legal", "specialized.medical"],
    },
    {"needs": ["housing", "specialized"], "urgent": True},
)

# (postal prefix, profile number, need) -> (service ids in order, scores, area type)
Answers = dict[tuple[str, int, str], tuple[list[str], list[float], str]]


def _answers(
    session: Session,
    gazetteer: Gazetteer,
    cap: int,
    prefixes: list[str],
    index: MatchIndex | None,
) -> Answers:
    settings = Settings(_env_file=None, match_candidate_cap=cap)
    now = utcnow()
    answers: Answers = {}
    for prefix in prefixes:
        for number, profile in enumerate(PROFILES):
            body = NeedProfile.model_validate({**profile, "location": {"postal_prefix": prefix}})
            answer = match_needs(
                session,
                profile=body,
                gazetteer=gazetteer,
                caller=CALLER,
                settings=settings,
                now=now,
                index=index,
            )
            for result in answer.results:
                answers[(prefix, number, result.need)] = (
                    [str(match.service_id) for match in result.matches],
                    [match.score for match in result.matches],
                    answer.location.area_type,
                )
    return answers


def run_quality(
    size: int, backend: str, search: str, caps: list[int], areas: int, seed: int
) -> None:
    gazetteer = Gazetteer.load()
    # (not a region too wide to place a person, which a match refuses: X0A, all of Baffin)
    placeable = [a for a in gazetteer.postal_areas if gazetteer.spread_km(a) <= WIDE_PREFIX_KM]
    prefixes = sorted(area.prefix for area in random.Random(seed).sample(placeable, areas))
    with tempfile.TemporaryDirectory() as directory, database(backend, Path(directory)) as engine:
        load_registry(engine, size)
        with Session(engine) as session:
            index = MatchIndex() if search == "memory" else None
            if index is not None:
                with index.current(session):
                    pass  # read before the clock starts
            timed: dict[int, tuple[Answers, float]] = {}
            for cap in sorted(caps):
                started = time.perf_counter()
                answers = _answers(session, gazetteer, cap, prefixes, index)
                timed[cap] = (answers, time.perf_counter() - started)
    reference, _ = timed[max(caps)]
    sys.stdout.write(
        f"\n{size} services on {backend}, {search} search; {areas} postal areas x "
        f"{len(PROFILES)} profiles; each cap against cap {max(caps)}\n"
        f"{'cap':>5} {'area':9} {'answers':>8} {'differ':>7} {'score lost':>11} {'ms/match':>9}\n"
    )
    for cap in sorted(caps):
        answers, seconds = timed[cap]
        counted: Counter[str] = Counter()
        differ: Counter[str] = Counter()
        lost: defaultdict[str, float] = defaultdict(float)
        for key, (ids, scores, area_type) in answers.items():
            best_ids, best_scores, _ = reference[key]
            counted[area_type] += 1
            differ[area_type] += ids != best_ids
            lost[area_type] += sum(best_scores) - sum(scores)
        per_match = seconds / (len(prefixes) * len(PROFILES)) * 1000
        for area_type in sorted(counted):
            sys.stdout.write(
                f"{cap:>5} {area_type:9} {counted[area_type]:>8} "
                f"{differ[area_type] / counted[area_type]:>7.0%} "
                f"{lost[area_type] / counted[area_type]:>11.4f} {per_match:>9.1f}\n"
            )
    sys.stdout.write(
        "(differ: answers whose services or order differ from the reference's; score lost: the\n"
        " reference's summed scores minus this cap's, per answer; ms/match: the whole run's mean)\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench quality", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="services in the registry")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--search", choices=["memory", "database"], default="memory")
    parser.add_argument("--caps", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--areas", type=int, default=150, help="postal areas drawn")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--short", action="store_true", help="a quick run (make bench)")
    args = parser.parse_args(argv)
    if args.short:
        run_quality(10_000, "sqlite", "memory", [25, 50, 200], areas=30, seed=args.seed)
        return 0
    run_quality(args.size, args.backend, args.search, args.caps, args.areas, args.seed)
    return 0
