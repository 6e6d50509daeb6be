"""The requests `bench requests` counts are the ones the benchmarks send, and are answered:
each kind through the real app on a tiny generated registry (no valgrind, no counting)."""

import asyncio
import random
from pathlib import Path

from bench.requests import KINDS, app_on, index_read, prepare, request_of, status_of


def test_each_counted_request_is_answered_200_by_the_app_on_a_generated_registry(
    tmp_path: Path,
) -> None:
    registry = tmp_path / "registry.db"
    given = prepare(registry, 60)
    assert set(given) == {"provider", "operator", "listings"}
    app = app_on(str(registry))
    rng = random.Random(0)

    async def run() -> dict[str, list[int]]:
        async with app.router.lifespan_context(app):
            await asyncio.wait_for(index_read(app), timeout=60)
            return {
                kind: [await status_of(app, request_of(kind, given, n, rng)) for n in range(3)]
                for kind in KINDS
            }

    assert asyncio.run(run()) == {kind: [200, 200, 200] for kind in KINDS}
