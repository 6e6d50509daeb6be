"""A live server for the thin clients: `referral serve` in a subprocess on a free port, with a
database of its own on the backend under test (SQLite, or PostgreSQL when
`REFERRAL_TEST_DATABASE_URL` names a server) and the demo registry, exactly as an operator
would run it (started as the benchmarks start theirs, `bench.server.serve`).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.server import ADMIN_KEY, bearer, free_port, serve
from tests.conftest import new_database_url


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    admin_key: str
    operator_key: str
    partner_key: str
    analyst_key: str
    provider_key: str
    provider_organization_id: str
    log: Path


def closed_port_url() -> str:
    """A local address where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def _demo_organization(url: str) -> str:
    """An approved demo organization with an emergency shelter, for the provider key."""
    response = httpx.get(
        f"{url}/v1/services",
        params={"category": "housing.emergency_shelter", "province": "ON", "per_page": 1},
        headers=bearer(ADMIN_KEY),
    )
    assert response.status_code == 200, response.text
    organization_id: str = response.json()["items"][0]["organization_id"]
    return organization_id


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live-server")
    for database_url in new_database_url(folder):  # one, removed after the loop
        with serve(
            database_url,
            folder,
            settings={"REFERRAL_DEMO_DATA": "true", "REFERRAL_LOG_LEVEL": "warning"},
        ) as server:
            organization_id = _demo_organization(server.url)
            yield LiveServer(
                url=server.url,
                database_url=database_url,
                admin_key=ADMIN_KEY,
                operator_key=server.issue_key("operator", "e2e operator"),
                partner_key=server.issue_key("partner", "e2e partner"),
                analyst_key=server.issue_key("analyst", "e2e analyst"),
                provider_key=server.issue_key("provider", "e2e provider", organization_id),
                provider_organization_id=organization_id,
                log=server.log,
            )
