"""Availability updates as providers send them: `python -m bench writes`.

For each backend, a real server (`referral serve`, one uvicorn worker) on a registry of
`--size` services; `--writers` writer processes, each with its own provider key and its own
organization's bed-holding services, send `PUT /v1/services/{id}/availability` with a new
`beds_available` back to back for `--seconds`, over HTTP on loopback, as the nightly bed-count
scripts do. Reports acknowledged updates per second and latency, then checks that none was
lost: every service holds the last value acknowledged for it, and its version and its
availability history grew by exactly the number of acknowledged updates.

Then, on the same server, `GET /healthz` for a few seconds: its CPU per request says how fast
the machine was, so that an update's CPU reads as a multiple of it (`x healthz`), which moved
far less between a fast and a slow day than updates per second did (about 5 and 6, against
506 and 132 per second; bench/RESULTS.md). Since 2026-12-02 `/healthz` answers on the event
loop, not in the thread pool (a liveness probe must not wait behind requests that do), at
about half its former CPU: multiples from before are about half of today's.
"""

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import SQLModel

from bench import arguments, load
from bench.databases import database, url_of
from bench.registry import load_registry
from bench.server import Server, bearer, hot_spots, profiled, serve
from bench.stats import percentile

_TABLES = SQLModel.metadata.tables
# How long `/healthz` is loaded after the writes, for the machine's speed.
_FLOOR_SECONDS = 5.0


@dataclass(frozen=True)
class Writer:
    """One provider's script: its key and its services with their `beds_total`."""

    url: str
    key: str
    services: list[tuple[str, int]]
    seconds: float
    seed: int


@dataclass
class Written:
    """What one writer saw acknowledged: the last value and the count per service."""

    last: dict[str, int] = field(default_factory=dict)
    acknowledged: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the writer's own CPU while it wrote


@dataclass(frozen=True)
class Outcome:
    backend: str
    written: list[Written]
    lost: int  # services whose stored value is not the last acknowledged one
    versions_off: int  # services whose version did not grow by their acknowledged updates
    history_off: int  # services whose availability history did not either
    server_cpu_s: float
    floor: load.Load  # `GET /healthz` on the same server, after the writes
    floor_cpu_s: float

    @property
    def update_in_floors(self) -> float:
        """An update's server CPU in `/healthz` requests' CPU."""
        per_update = self.server_cpu_s / max(self.updates, 1)
        per_floor = self.floor_cpu_s / max(self.floor.requests, 1)
        return per_update / per_floor if per_floor else 0.0

    @property
    def writers_cpu_ms(self) -> float:
        """The writer processes' own CPU per acknowledged update."""
        return sum(w.cpu_seconds for w in self.written) * 1000 / max(self.updates, 1)

    @property
    def updates(self) -> int:
        return sum(sum(w.acknowledged.values()) for w in self.written)

    @property
    def per_second(self) -> float:
        seconds = max((w.seconds for w in self.written), default=0.0)
        return self.updates / seconds if seconds else 0.0


def _write(writer: Writer, start: Barrier, results: "multiprocessing.Queue[Written]") -> None:
    """In a writer process: updates round-robin over the writer's services until time is up."""
    rng = random.Random(writer.seed)
    written = Written()
    with httpx.Client(base_url=writer.url, headers=bearer(writer.key), timeout=30) as client:
        start.wait()
        cpu_started = time.process_time()
        started = time.perf_counter()
        deadline = started + writer.seconds
        position = 0
        while time.perf_counter() < deadline:
            service_id, beds_total = writer.services[position % len(writer.services)]
            position += 1
            value = rng.randint(0, beds_total)
            sent = time.perf_counter()
            try:
                response = client.put(
                    f"/v1/services/{service_id}/availability", json={"beds_available": value}
                )
            except httpx.TransportError:
                written.errors += 1
                continue
            written.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if response.status_code == 200:
                written.last[service_id] = value
                written.acknowledged[service_id] = written.acknowledged.get(service_id, 0) + 1
            else:
                code = response.status_code
                written.refused[code] = written.refused.get(code, 0) + 1
        written.seconds = time.perf_counter() - started
        written.cpu_seconds = time.process_time() - cpu_started
    results.put(written)


def hand_services(
    engine: sa.Engine, writers: int, per_writer: int
) -> list[tuple[str, list[tuple[str, int]]]]:
    """Hand `per_writer` bed-holding services to each of the first `writers` organizations;
    returns each organization's id with its services `(id, beds_total)`."""
    service, organization = _TABLES["service"], _TABLES["organization"]
    with engine.begin() as connection:
        owners = connection.execute(
            sa.select(organization.c.id).order_by(organization.c.id).limit(writers)
        ).scalars()
        beds = connection.execute(
            sa.select(service.c.id, service.c.beds_total)
            .where(service.c.beds_total.is_not(None))
            .order_by(service.c.id)
            .limit(writers * per_writer)
        ).all()
        handed = []
        for index, owner in enumerate(owners):
            mine = beds[index::writers]
            connection.execute(
                sa.update(service)
                .where(service.c.id.in_([row.id for row in mine]))
                .values(organization_id=owner)
            )
            handed.append((str(owner), [(str(row.id), row.beds_total) for row in mine]))
    return handed


def count_lost(engine: sa.Engine, written: list[Written]) -> tuple[int, int, int]:
    """Read every written service back: (lost values, versions off, histories off)."""
    service, change = _TABLES["service"], _TABLES["service_change"]
    last = {sid: value for w in written for sid, value in w.last.items()}
    acknowledged = {sid: count for w in written for sid, count in w.acknowledged.items()}
    with engine.connect() as connection:
        stored = {
            str(row.id): row
            for row in connection.execute(
                sa.select(service.c.id, service.c.beds_available, service.c.version)
            )
        }
        history = {
            str(row.service_id): row.count
            for row in connection.execute(
                sa.select(change.c.service_id, sa.func.count().label("count"))
                .where(change.c.action == "availability")
                .group_by(change.c.service_id)
            )
        }
    lost = sum(stored[sid].beds_available != value for sid, value in last.items())
    # The registry loads every listing at version 1.
    versions = sum(stored[sid].version != 1 + n for sid, n in acknowledged.items())
    histories = sum(history.get(sid, 0) != n for sid, n in acknowledged.items())
    return lost, versions, histories


def _writers(server: Server, args: argparse.Namespace, engine: sa.Engine) -> list[Writer]:
    return [
        Writer(
            url=server.url,
            key=server.issue_key("provider", f"bench writer {index}", owner),
            services=services,
            seconds=args.seconds,
            seed=index,
        )
        for index, (owner, services) in enumerate(
            hand_services(engine, args.writers, args.services)
        )
    ]


def _run_writers(writers: list[Writer]) -> list[Written]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(writers))
    results: multiprocessing.Queue[Written] = context.Queue()
    processes = [
        context.Process(target=_write, args=(writer, start, results)) for writer in writers
    ]
    for process in processes:
        process.start()
    written = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return written


def run_backend(backend: str, args: argparse.Namespace, directory: Path) -> Outcome:
    with database(backend, directory) as engine:
        load_registry(engine, args.size)
        with serve(url_of(engine), directory, workers=args.workers) as server:
            writers = _writers(server, args, engine)
            profile = args.profile if backend == "sqlite" else None
            cpu_before = server.cpu_seconds()
            with profiled(server, profile):
                written = _run_writers(writers)
            cpu_s = server.cpu_seconds() - cpu_before
            floor_before = server.cpu_seconds()
            floor = load.run(
                load.Request("GET", f"{server.url}/healthz"),
                kind=load.generator("auto"),
                connections=args.writers,
                seconds=min(_FLOOR_SECONDS, args.seconds),
                directory=directory,
            )
            floor_cpu_s = server.cpu_seconds() - floor_before
        lost, versions, histories = count_lost(engine, written)
    return Outcome(backend, written, lost, versions, histories, cpu_s, floor, floor_cpu_s)


def _report(outcome: Outcome) -> bool:
    """One line for the backend; True when nothing was lost or refused."""
    latencies = [ms for w in outcome.written for ms in w.latencies_ms]
    refused: dict[int, int] = {}
    for w in outcome.written:
        for code, count in w.refused.items():
            refused[code] = refused.get(code, 0) + count
    errors = sum(w.errors for w in outcome.written)
    sys.stdout.write(
        f"{outcome.backend:10} {outcome.updates:>8} {outcome.per_second:>9.1f}"
        f" {percentile(latencies, 0.5):>8.2f} {percentile(latencies, 0.99):>8.2f}"
        f" {outcome.server_cpu_s * 1000 / max(outcome.updates, 1):>8.2f}"
        f" {outcome.writers_cpu_ms:>8.2f}"
        f" {sum(refused.values()):>8} {errors:>7} {outcome.lost:>5}"
        f" {outcome.versions_off:>8} {outcome.history_off:>8}"
        f" {outcome.floor.per_second:>9.1f} {outcome.update_in_floors:>9.1f}\n"
    )
    if refused:
        sys.stdout.write(f"           refused by status: {refused}\n")
    return not (refused or errors or outcome.lost or outcome.versions_off or outcome.history_off)


def run_writes(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as temporary:
        outcomes = [run_backend(backend, args, Path(temporary)) for backend in args.backends]
    sys.stdout.write(
        f"\nPUT /v1/services/{{id}}/availability over HTTP, {args.workers} uvicorn worker(s),"
        f" {args.size} services; {args.writers} writer processes x {args.services} services,"
        f" {args.seconds:.0f} s\n"
    )
    sys.stdout.write(
        f"{'backend':10} {'updates':>8} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms':>8} {'writers':>8} {'refused':>8} {'errors':>7} {'lost':>5}"
        f" {'version':>8} {'history':>8}"
        f" {'healthz/s':>9} {'x healthz':>9}\n"
    )
    verdicts = [_report(outcome) for outcome in outcomes]  # every backend's line, then judge
    clean = all(verdicts)
    sys.stdout.write(
        "(CPU ms: server CPU time per update, user and system; writers: the writer processes'"
        " CPU per update, which the server shares the machine's cores with; lost: services"
        " whose stored value is not the last acknowledged; version, history: services whose"
        " version or availability history did not grow by exactly their acknowledged updates;"
        " healthz/s: GET /healthz on the same server afterwards; x healthz: an update's"
        " server CPU in healthz requests' CPU, which moves less with the machine than updates/s)\n"
        "(target: at least 500 updates/s sustained on SQLite, none lost; met at 1.62 to 1.73"
        " ms of CPU per update on the fastest machine of the sessions, and at about 1.5 ms since"
        " updates are written in batches (2026-12-02): bench/RESULTS.md."
        " x healthz before 2026-12-02 was against a /healthz answered in the thread pool, at"
        " about twice today's CPU)\n"
    )
    if args.profile is not None and args.profile.exists():
        sys.stdout.write(hot_spots(args.profile, "the SQLite writes"))
    if not clean:
        sys.stdout.write("FAILED: updates were refused, lost or miscounted\n")
    return 0 if clean else 1


def main(argv: list[str]) -> int:
    parser = arguments("writes", __doc__)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--size", type=int, default=10_000, help="services in the registry")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writer processes")
    parser.add_argument("--services", type=int, default=25, help="services per writer")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long writers write")
    parser.add_argument(
        "--profile", type=Path, help="sample the server with py-spy during the SQLite writes"
    )
    parser.add_argument("--short", action="store_true", help="1,000 services, 5 s per backend")
    args = parser.parse_args(argv)
    if args.short:
        args.size, args.seconds = 1_000, 5.0
    return run_writes(args)
