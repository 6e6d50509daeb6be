"""HTTP throughput of matching, as a hotline's client sees it: `python -m bench http`.

A real server (`referral serve`, one uvicorn worker) on a registry of `--size` services is
loaded from another process on loopback, first on `GET /healthz` (the floor: what the stack
answers doing nothing), then on `POST /v1/match` with the urban three-need profile, each for
`--seconds`. Reports requests per second, latency p50/p99, non-2xx answers, the ratio of the
two throughputs, and the server's resident memory after the load. Since 2026-12-02 `/healthz`
answers on the event loop (a liveness probe must not wait for the thread pool), at about half
the CPU it cost in the pool: the ratio fell by half then, the match unchanged.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import arguments, load
from bench.databases import database, url_of
from bench.match import PROFILES, profile_body
from bench.registry import load_registry
from bench.server import Server, bearer, hot_spots, profiled, serve

_WARM_UP = 20


def _warm_up(request: load.Request) -> None:
    """A few matches (`serve` waited for the match index), so caches and the connection pool
    are warm and the answer is checked to be a real one."""
    with httpx.Client(headers=request.headers, timeout=30) as client:
        for _ in range(_WARM_UP):
            response = client.post(request.url, json=request.body)
            response.raise_for_status()
    results = response.json()["results"]
    if not any(result["matches"] for result in results):
        raise RuntimeError("the warm-up match found nothing: the profile misses the registry")


def _row(name: str, measured: load.Load, cpu_s: float) -> str:
    cpu_ms = cpu_s * 1000 / measured.requests if measured.requests else 0.0
    return (
        f"{name:16} {measured.requests:>9} {measured.per_second:>9.1f} {measured.p50_ms:>8.2f}"
        f" {measured.p99_ms:>8.2f} {cpu_ms:>8.2f} {measured.non_2xx:>8} {measured.errors:>7}\n"
    )


def _measure(
    server: Server, args: argparse.Namespace, kind: str, directory: Path, *, held: bool = False
) -> list[tuple[str, load.Load, float]]:
    """The floor, then the match load: each with the server CPU seconds it took. `held`: the
    server of `bench/held_answer.py`, loaded on the match only."""
    key = server.issue_key("operator", "bench http")
    match = load.Request(
        "POST", f"{server.url}/v1/match", bearer(key), profile_body(PROFILES["urban"])
    )
    _warm_up(match)
    measured = []
    loads = [
        ("GET /healthz", load.Request("GET", f"{server.url}/healthz"), None),
        ("POST /v1/match", match, args.profile),
    ]
    if held:
        profile = args.profile and args.profile.with_name(f"{args.profile.stem}.held.txt")
        loads = [("match, held", match, profile)]
    for name, request, profile in loads:
        cpu_before = server.cpu_seconds()
        with profiled(server, profile):
            result = load.run(
                request,
                kind=kind,
                connections=args.connections,
                seconds=args.seconds,
                directory=directory,
            )
        measured.append((name, result, server.cpu_seconds() - cpu_before))
    return measured


def run_http(args: argparse.Namespace) -> int:
    kind = load.generator(args.generator)
    with (
        tempfile.TemporaryDirectory() as temporary,
        database(args.backend, Path(temporary)) as engine,
    ):
        directory = Path(temporary)
        started = time.perf_counter()
        load_registry(engine, args.size)
        sys.stdout.write(
            f"{args.backend} {args.size:>7} services loaded in"
            f" {time.perf_counter() - started:.1f} s\n"
        )
        with serve(url_of(engine), directory, settings=_settings(args.setting)) as server:
            measured = _measure(server, args, kind, directory)
            memory = server.memory_mb()
        if args.floor:
            with serve(
                url_of(engine), directory, settings=_settings(args.setting), held_answer=True
            ) as server:
                measured += _measure(server, args, kind, directory, held=True)
    sys.stdout.write(
        f"\none uvicorn worker, {args.size} services on {args.backend}; {kind},"
        f" {args.connections} connections, {args.seconds:.0f} s per endpoint\n"
    )
    sys.stdout.write(
        f"{'endpoint':16} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms':>8} {'non-2xx':>8} {'errors':>7}\n"
    )
    for name, result, cpu_s in measured:
        sys.stdout.write(_row(name, result, cpu_s))
    (_, floor, floor_cpu), (_, matched, matched_cpu) = measured[:2]
    ratio = matched.per_second / floor.per_second if floor.per_second else 0.0
    sys.stdout.write("(CPU ms: server CPU time per request, user and system)\n")
    sys.stdout.write(f"\nmatch / healthz throughput: {ratio:.1%} (target at least 20%)\n")
    if args.floor:
        sys.stdout.write(_floor(floor, floor_cpu, matched, matched_cpu, *measured[2][1:]))
    if kind == "httpx":
        sys.stdout.write(
            "(httpx: the healthz floor is bounded by the client, so the ratio reads high)\n"
        )
    sys.stdout.write(
        f"server memory after the load: RSS {memory['VmRSS']:.0f} MB,"
        f" peak {memory['VmHWM']:.0f} MB (target under 300 MB at 100000 services)\n"
    )
    if args.profile is not None:
        sys.stdout.write(hot_spots(args.profile, "the match load"))
        if args.floor:
            held = args.profile.with_name(f"{args.profile.stem}.held.txt")
            sys.stdout.write(hot_spots(held, "the held answer's load"))
    failed = floor.non_2xx + floor.errors + matched.non_2xx + matched.errors
    if failed:
        sys.stdout.write(f"FAILED: {failed} requests did not succeed\n")
    return 1 if failed else 0


def _floor(
    healthz: load.Load,
    healthz_cpu: float,
    matched: load.Load,
    matched_cpu: float,
    held: load.Load,
    held_cpu: float,
) -> str:
    """What the held answer says: the throughput of a match whose use case cost nothing,
    and the CPU that the use case may take for the 20% target."""
    per = {  # server CPU ms per request
        name: cpu * 1000 / measured.requests if measured.requests else 0.0
        for name, measured, cpu in (
            ("healthz", healthz, healthz_cpu),
            ("match", matched, matched_cpu),
            ("held", held, held_cpu),
        )
    }
    ratio = held.per_second / healthz.per_second if healthz.per_second else 0.0
    budget = 5 * per["healthz"] - per["held"]  # 20%: a match at most 5 healthz of CPU
    return (
        f"a match whose use case cost nothing (its answer held): {ratio:.1%} of healthz;"
        f" the rest of the request costs {per['held']:.2f} ms ({per['held'] / per['healthz']:.1f}"
        f" healthz), the use case {per['match'] - per['held']:.2f} ms; 20% leaves the use case"
        f" {budget:.2f} ms\n"
    )


def _settings(pairs: list[str]) -> dict[str, str]:
    """`MATCH_SEARCH=database` and the like, as the server's `REFERRAL_*` variables."""
    settings = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise SystemExit(f"--setting {pair!r}: expected NAME=VALUE")
        settings[f"REFERRAL_{name.upper().removeprefix('REFERRAL_')}"] = value
    return settings


def main(argv: list[str]) -> int:
    parser = arguments("http", __doc__)
    parser.add_argument("--size", type=int, default=100_000, help="services in the registry")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=30.0, help="load time per endpoint")
    parser.add_argument("--connections", type=int, default=8, help="requests kept in flight")
    parser.add_argument("--generator", default="auto", choices=["auto", "wrk", "httpx"])
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample the server with py-spy during the match load (with --floor, the held"
        " answer's load too, beside it as NAME.held.txt)",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting, as MATCH_SEARCH=database for REFERRAL_MATCH_SEARCH (repeatable)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also load a server whose match repeats its first answer (bench/held_answer.py):"
        " what the request costs besides the match use case",
    )
    parser.add_argument("--short", action="store_true", help="10,000 services, 5 s each")
    args = parser.parse_args(argv)
    if args.short:
        args.size, args.seconds = 10_000, 5.0
    return run_http(args)
