"""A live server for the thin clients: `referral serve` in a subprocess on a free port, with a
database of its own on the backend under test (SQLite, or PostgreSQL when
`REFERRAL_TEST_DATABASE_URL` names a server) and the demo registry, exactly as an operator
would run it (started as the benchmarks start theirs, `bench.server.serve`).
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect, sync_playwright

from bench.server import ADMIN_KEY, bearer, free_port, serve
from tests.conftest import new_database_url

# httpx's own timeout is 5 s: on a loaded CI machine (two cores, four test workers, browsers)
# a live server's first answer once took longer, and the test failed for the machine, not the
# server. The tests that call it directly wait as long as the browser's pages do.
LIVE_TIMEOUT_S = 30.0


# Playwright's `expect` waits 5 s by default: Swagger UI drawing the whole OpenAPI document took
# longer on a loaded machine. Its assertions wait as long as the pages' own steps.
expect.set_options(timeout=30_000)


@pytest.fixture(autouse=True)
def _patient_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for verb in ("get", "post", "put", "patch", "delete", "head", "request"):
        monkeypatch.setattr(httpx, verb, partial(getattr(httpx, verb), timeout=LIVE_TIMEOUT_S))


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


# The console in a browser: headless Debian chromium driven by Playwright.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Traffic:
    """Every request the browser makes; those to another origin are aborted and kept."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.requests: list[Request] = []
        self.blocked: list[str] = []

    def record(self, request: Request) -> None:
        self.requests.append(request)

    def route(self, route: Route) -> None:
        if route.request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/ensure-chromium (Debian chromium package)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def traffic(live: LiveServer) -> Traffic:
    return Traffic(live.url)


@pytest.fixture
def page(browser: Browser, traffic: Traffic) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-CA")
    context.route("**/*", traffic.route)
    context.on("request", traffic.record)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    assert context.cookies() == []
    context.close()
    assert traffic.blocked == []
    assert all(request.url.startswith(traffic.origin + "/") for request in traffic.requests)


def sign_in(page: Page, live: LiveServer, key: str) -> None:
    page.goto(f"{live.url}/console")
    page.fill("#key", key)
    page.press("#key", "Enter")


def storage(page: Page) -> dict[str, dict[str, str]]:
    stored: dict[str, dict[str, str]] = page.evaluate(
        "() => ({local: {...localStorage}, session: {...sessionStorage}})"
    )
    return stored
