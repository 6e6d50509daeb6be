"""Typed helpers that build organizations, keys and listings over the HTTP API, with
deterministic defaults."""

import copy
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from service.config import Settings

ADMIN_KEY = "test-bootstrap-admin-key-0123456789"
# What a test app's `/metrics` asks of a scraper (`SCRAPER` sends it): the test client's
# requests come from no loopback address.
METRICS_TOKEN = "test-metrics-token-0123456789"


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """A test app's settings: this database, the tests' admin key, no demo registry unless
    `demo_data=True`, no `.env` file, no limit on requests per key (the suite sends
    thousands a minute with one key; `tests/integration/test_rate_limit.py` sets one);
    `overrides` set any other setting."""
    values: dict[str, Any] = {
        "bootstrap_admin_key": ADMIN_KEY,
        "metrics_token": METRICS_TOKEN,
        "demo_data": False,
        "rate_limit_per_minute": 0,
        **overrides,
    }
    return Settings(database_url=database_url, _env_file=None, **values)


def listing(organization_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid emergency-shelter listing in Kitchener; `overrides` replace top-level fields."""
    body: dict[str, Any] = {
        "organization_id": organization_id,
        "name": "Test Shelter",
        "description": "A shelter for tests.",
        "categories": ["housing.emergency_shelter"],
        "eligibility": {
            "genders": ["woman", "gender_diverse"],
            "min_age": 18,
            "max_age": None,
            "statuses": [],
            "trafficking_types": [],
            "accepts_dependents": True,
        },
        "trafficking_focus": ["sex"],
        "languages": ["en", "es"],
        "delivery": ["in_person"],
        "locations": [
            {
                "name": "Main house",
                "address": "1 Test Street",
                "municipality": "Kitchener",
                "province": "ON",
                "postal_code": "N2G 1A1",
                "latitude": 43.4501,
                "longitude": -80.4929,
                "confidential": False,
                "wheelchair_accessible": True,
            }
        ],
        "service_area": {"radius_km": 40, "provinces": [], "nationwide": False},
        "intake": {
            "phone": "+1-519-555-0100",
            "email": "intake@test.example.org",
            "url": "https://test.example.org/intake",
            "hours": "24/7",
            "referral_required": False,
        },
        "capacity": {"beds_total": 12, "beds_available": 3},
        "accepting_referrals": True,
        "fees": "free",
        "id_required": False,
        "police_report_required": False,
    }
    body.update(copy.deepcopy(overrides))
    return body


CONFIDENTIAL_ADDRESS = "77 Hidden Lane"
CONFIDENTIAL_LATITUDE = 43.3912
CONFIDENTIAL_LONGITUDE = -80.3123


def confidential_location() -> dict[str, Any]:
    return {
        "name": "Safe house",
        "address": CONFIDENTIAL_ADDRESS,
        "municipality": "Cambridge",
        "province": "ON",
        "postal_code": "N1R 5S7",
        "latitude": CONFIDENTIAL_LATITUDE,
        "longitude": CONFIDENTIAL_LONGITUDE,
        "confidential": True,
        "wheelchair_accessible": None,
    }


def scraper() -> dict[str, str]:
    """The headers of a scrape of a test app's `/metrics`."""
    return bearer(METRICS_TOKEN)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Api:
    """The test's view of the service: HTTP calls with keys of each role."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.admin = bearer(ADMIN_KEY)

    def organization(self, name: str = "Test Organization", *, approved: bool = True) -> str:
        created = self.client.post("/v1/organizations", json={"name": name}, headers=self.admin)
        assert created.status_code == 201, created.text
        organization_id: str = created.json()["id"]
        if approved:
            approved_response = self.client.post(
                f"/v1/organizations/{organization_id}/approve", headers=self.admin
            )
            assert approved_response.status_code == 200, approved_response.text
        return organization_id

    def key(self, role: str, organization_id: str | None = None) -> dict[str, str]:
        body: dict[str, Any] = {"role": role, "name": f"test {role}"}
        if organization_id is not None:
            body["organization_id"] = organization_id
        created = self.client.post("/v1/keys", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        return bearer(created.json()["key"])

    def service(self, organization_id: str, **overrides: Any) -> dict[str, Any]:
        created = self.client.post(
            "/v1/services", json=listing(organization_id, **overrides), headers=self.admin
        )
        assert created.status_code == 201, created.text
        body: dict[str, Any] = created.json()
        return body

    def get(self, path: str, headers: dict[str, str], **params: Any) -> Response:
        response: Response = self.client.get(path, headers=headers, params=params or None)
        return response


# Helpers for the integration suites (appended; the helpers above keep their signatures).

CANARY = "CANARY-7f3a"
PROBLEM_JSON = "application/problem+json"


def with_if_match(headers: dict[str, str], etag: str) -> dict[str, str]:
    return {**headers, "If-Match": etag}


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["type"], str)
    return body


def read_as_admin(api: Api, service_id: str) -> Response:
    response: Response = api.client.get(f"/v1/services/{service_id}", headers=api.admin)
    return response


def snapshot(api: Api, service_id: str) -> dict[str, Any]:
    """A listing exactly as an administrator reads it, with its ETag, to compare later."""
    response = read_as_admin(api, service_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {"etag": response.headers["ETag"], "body": body}


def count_services(api: Api) -> int:
    response = api.client.get("/v1/services", headers=api.admin, params={"per_page": 1})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def history(api: Api, service_id: str) -> list[dict[str, Any]]:
    response = api.client.get(f"/v1/services/{service_id}/history", headers=api.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def provider_service(
    api: Api, organization_id: str, provider: dict[str, str], **overrides: Any
) -> Response:
    """POST a listing with a given key; the caller checks the answer."""
    response: Response = api.client.post(
        "/v1/services", json=listing(organization_id, **overrides), headers=provider
    )
    return response


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_REQUEST_ID = re.compile(r'"request_id":\s*"[0-9a-f]+"')


def without_random_parts(text: str) -> str:
    """An answer without its timestamps and request id, which are random and may read like a
    value the test looks for ("16:39:43.397" holds "43.39"; a request id may hold "100")."""
    return _REQUEST_ID.sub('"request_id": "<id>"', _TIMESTAMP.sub("<time>", text))
