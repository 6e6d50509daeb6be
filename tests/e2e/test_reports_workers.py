"""A worker that stops writes its unmet-need counts, and those of several workers add up.

The requests go over new connections, so that they may spread over both workers; which
worker serves which is the server's choice. That the database adds what several workers
write at once is shown in `tests/integration/test_reports.py` with four tallies."""

from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.server import serve
from service.models import NeedCount
from tests.factories import bearer

MATCHES = 12


def test_each_worker_writes_its_counts_when_it_stops_and_they_add_up(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = {
        "REFERRAL_LOG_LEVEL": "warning",
        # No flush while the server runs: what is counted comes from stopping it.
        "REFERRAL_REPORT_FLUSH_SECONDS": "3600",
    }
    body = {"needs": ["housing", "legal"], "location": {"place": "Brooks, AB"}}
    with serve(fresh_database_url, tmp_path, workers=2, settings=settings) as server:
        operator = bearer(server.issue_key("operator", "reports e2e"))
        # A new connection per request, so that the matches spread over both workers.
        with httpx.Client(
            base_url=server.url, timeout=10, headers={"Connection": "close"}
        ) as client:
            for _ in range(MATCHES):
                response = client.post("/v1/match", json=body, headers=operator)
                assert response.status_code == 200, response.text
        engine = sa.create_engine(fresh_database_url)
        try:
            with engine.connect() as connection:
                assert (
                    connection.execute(
                        sa.select(sa.func.count()).select_from(NeedCount)
                    ).scalar_one()
                    == 0
                )
        finally:
            engine.dispose()
    engine = sa.create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(NeedCount.need, NeedCount.asked, NeedCount.unmet).order_by(NeedCount.need)  # type: ignore[call-overload]
            ).all()
    finally:
        engine.dispose()
    # An empty registry: every need asked went unmet.
    assert [tuple(row) for row in rows] == [
        ("housing", MATCHES, MATCHES),
        ("legal", MATCHES, MATCHES),
    ]
