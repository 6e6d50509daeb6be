"""Instructions per whole request, counted by valgrind: `python -m bench requests`.

`bench http` and `bench writes` time requests on a real server, and on these shared machines
their figures move by a factor of two within the hour (bench/RESULTS.md), so a change that
saves a tenth of a request cannot be told from the neighbours. This counts instructions
instead: whole requests through the service's ASGI app, in process (its middleware, routing,
dependencies, thread hand-offs, use case and answer; all but uvicorn's parsing and the
socket), on a generated registry of `--size` services:

- `GET /healthz`, the floor of `bench http` and `bench writes`;
- `PUT /v1/services/{id}/availability` with a provider's key, as `bench writes` sends it
  (its multiple of `/healthz` is `bench writes`' `x healthz`, without the noise);
- `POST /v1/match`, urban, three needs, with an operator's key, as `bench http` sends it
  (`/healthz` over it is the HTTP target's ratio, without the noise or uvicorn's share).

A child process under callgrind starts the app as `referral serve` would (the match index
read whole, Prometheus in multiprocess mode), warms each request up with counting off, and
counts `--requests` of each (`callgrind_control` turns counting on and off around them).
Needs valgrind (Debian's package; CI does not run benchmarks). Reading 100,000 services into
the index under valgrind takes a few minutes; the default size is 10,000.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session

from bench.instructions import counted, counting, without_valgrind
from bench.match import PROFILES, profile_body
from bench.registry import load_registry
from bench.writes import hand_services
from schemas.enums import Role
from service.config import Settings
from service.db import create_db_engine, migrate
from service.main import create_app
from service.observability import MULTIPROCESS_DIRECTORY
from service.usecases.keys import issue_key

_WARM_UP = 20
KINDS = ("healthz", "availability", "match")


def prepare(path: Path, size: int) -> dict[str, Any]:
    """A registry of `size` services at `path`, a provider's key with 25 bed-holding listings
    and an operator's key: what the child needs, as JSON."""
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    load_registry(engine, size)
    owner, listings = hand_services(engine, 1, 25)[0]
    with Session(engine) as session:
        provider = issue_key(
            session, role=Role.provider, name="bench provider", organization_id=uuid.UUID(owner)
        )
        operator = issue_key(session, role=Role.operator, name="bench operator")
        session.commit()
    engine.dispose()
    return {"provider": provider, "operator": operator, "listings": listings}


def request_of(kind: str, given: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """The ASGI scope and body of request `number` of `kind`."""
    headers = [(b"host", b"127.0.0.1:8000")]
    method, path, body = "GET", "/healthz", b""
    if kind == "availability":
        listing, beds_total = given["listings"][number % len(given["listings"])]
        method, path = "PUT", f"/v1/services/{listing}/availability"
        body = json.dumps({"beds_available": rng.randint(0, beds_total)}).encode()
        key = given["provider"]
    elif kind == "match":
        method, path = "POST", "/v1/match"
        body = json.dumps(profile_body(PROFILES["urban"])).encode()
        key = given["operator"]
    if body:
        headers += [
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    return {"scope": scope, "body": body}


async def status_of(app: Callable[..., Awaitable[None]], request: dict[str, Any]) -> int:
    """One request through the app; its status."""
    delivered = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": request["body"], "more_body": False}
        await asyncio.Event().wait()  # (the client stays connected)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(request["scope"], receive, send)
    return status


def app_on(registry: str) -> FastAPI:
    """The service on the registry, as the benchmarks' servers run it: no demo data, no rate
    limit, the match index in memory."""
    return create_app(
        Settings(
            _env_file=None,
            database_url=f"sqlite:///{registry}",
            demo_data=False,
            rate_limit_per_minute=0,
            match_search="memory",
        )
    )


async def index_read(app: FastAPI) -> None:
    """Until the app's match index is read whole (matches search the database meanwhile)."""
    while app.state.match_index.whole_reads < 1:
        await asyncio.sleep(0.2)


def _child(registry: str, given_path: str, requests: int, kinds: list[str]) -> int:
    """Under callgrind: count `requests` of each kind, one dump per kind."""
    given = json.loads(Path(given_path).read_text())
    metrics = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    # (as `referral serve` runs its workers: each request writes its counts to a file)
    os.environ[MULTIPROCESS_DIRECTORY] = str(metrics)
    app = app_on(registry)
    rng = random.Random(0)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await index_read(app)
            for kind in kinds:
                for number in range(_WARM_UP):
                    status = await status_of(app, request_of(kind, given, number, rng))
                    if status != 200:
                        raise RuntimeError(f"{kind}: {status}")
                prepared = [request_of(kind, given, n, rng) for n in range(requests)]
                with counting(kind):
                    for request in prepared:
                        await status_of(app, request)

    asyncio.run(run())
    shutil.rmtree(metrics, ignore_errors=True)
    return 0


def _count(directory: Path, registry: Path, requests: int, kinds: list[str]) -> dict[str, float]:
    given = directory / "given.json"
    child = ["bench.requests", "--child", str(registry), str(given), "--kinds", *kinds]
    return counted(
        directory / "callgrind.out", [*child, "--requests", str(requests)], kinds, requests
    )


def run_requests(size: int, requests: int, kinds: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        sys.stdout.write(f"{size} services: generating, then counting {requests} of each\n")
        sys.stdout.flush()
        registry = directory / "registry.db"
        (directory / "given.json").write_text(json.dumps(prepare(registry, size)))
        counts = _count(directory, registry, requests, kinds)
    sys.stdout.write("\nwhole requests through the ASGI app in process: instructions per request\n")
    floor = counts.get("healthz")
    for kind in kinds:
        line = f"{kind:>13} {counts[kind] / 1e6:>9.3f}M"
        if floor and kind != "healthz":
            line += f"  {counts[kind] / floor:>6.2f} x healthz"
            if kind == "match":
                line += f"  (healthz / match: {floor / counts[kind]:.1%}; the HTTP target: 20%)"
        sys.stdout.write(line + "\n")
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench requests", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="services in the registry")
    parser.add_argument("--requests", type=int, default=200, help="counted of each kind")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "GIVEN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], args.child[1], args.requests, args.kinds)
    if without_valgrind("python -m bench requests"):
        return 2
    run_requests(args.size, args.requests, args.kinds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
