"""A live server for the thin clients: `referral serve` in a subprocess on a free port, with a
temporary SQLite database and the demo registry, exactly as an operator would run it.

It always uses SQLite, whatever `REFERRAL_TEST_DATABASE_URL` says: these tests are about the
clients, and the server's behaviour on PostgreSQL is the integration suite's business.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.factories import ADMIN_KEY

# How long the server may take to migrate, load the demo registry and listen, on a busy
# two-core machine. A readiness wait, not a timed assertion.
STARTUP_SECONDS = 120


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_key: str
    operator_key: str
    partner_key: str
    analyst_key: str
    provider_key: str
    provider_organization_id: str
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def closed_port_url() -> str:
    """A local address where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def _key(url: str, role: str, organization_id: str | None = None) -> str:
    body = {"role": role, "name": f"e2e {role}", "organization_id": organization_id}
    response = httpx.post(
        f"{url}/v1/keys", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def _demo_organization(url: str) -> str:
    """An approved demo organization with an emergency shelter, for the provider key."""
    response = httpx.get(
        f"{url}/v1/services",
        params={"category": "housing.emergency_shelter", "province": "ON", "per_page": 1},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert response.status_code == 200, response.text
    organization_id: str = response.json()["items"][0]["organization_id"]
    return organization_id


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    environment |= {
        "REFERRAL_DATABASE_URL": f"sqlite:///{folder / 'referral.db'}",
        "REFERRAL_DEMO_DATA": "true",
        "REFERRAL_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "REFERRAL_LOG_LEVEL": "warning",
    }
    log = folder / "server.log"
    command = [sys.executable, "-c", "from service.cli import main; main()", "serve"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,  # so that no `.env` of the developer's is read
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log)
        organization_id = _demo_organization(url)
        yield LiveServer(
            url=url,
            admin_key=ADMIN_KEY,
            operator_key=_key(url, "operator"),
            partner_key=_key(url, "partner"),
            analyst_key=_key(url, "analyst"),
            provider_key=_key(url, "provider", organization_id),
            provider_organization_id=organization_id,
            log=log,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
