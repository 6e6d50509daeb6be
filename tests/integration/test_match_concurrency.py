"""Matching is bound by CPU: one worker computes at most `match_concurrency` matches at once,
and the others wait their turn instead of contending for the cores."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.routers import match as match_router
from service.usecases.match import match_needs
from tests.conftest import new_database_url
from tests.factories import ADMIN_KEY, app_settings, bearer


class _Gauge:
    """How many matches run at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self.lock:
            self.now -= 1
        return self.answer(*args, **kwargs)

    answer: Any = None


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(tmp_path)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_at_most_match_concurrency_matches_run_at_once(
    database: str, concurrency: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gauge = _Gauge()
    gauge.answer = match_needs
    monkeypatch.setattr(match_router, "match_needs", gauge)
    settings = app_settings(database, demo_data=True, match_concurrency=concurrency)
    body = {"needs": ["housing"], "location": {"place": "Kitchener, ON"}}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:

        def match(_: int) -> int:
            status: int = client.post("/v1/match", json=body, headers=bearer(ADMIN_KEY)).status_code
            return status

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(match, range(8)))
    assert statuses == [200] * 8
    assert gauge.most <= concurrency
    assert gauge.most > 1 or concurrency == 1  # several run at once when allowed
