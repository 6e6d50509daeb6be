"""Every rule on a provider's input: a 422 problem that names the field, never echoes the value,
and changes nothing. Plus what HTTP itself asks: 404, 405 with its Allow, 413, HEAD; unknown
query parameters; and the OpenAPI document's error responses."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from httpx import Response

from tests.factories import (
    CANARY,
    PROBLEM_JSON,
    Api,
    assert_problem,
    confidential_location,
    count_services,
    listing,
    scraper,
    snapshot,
    with_if_match,
    without_random_parts,
)

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """Set a dotted path (`locations.0.latitude`) in a listing body."""

    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


LOCATIONS_21 = [{**confidential_location(), "name": f"House {i}"} for i in range(21)]
CATEGORIES_11 = [
    "housing.emergency_shelter",
    "housing.transitional",
    "housing.long_term",
    "legal.immigration",
    "legal.criminal_court_support",
    "legal.employment_rights",
    "legal.family",
    "legal.general",
    "specialized.counselling",
    "specialized.medical",
    "specialized.case_management",
]

# id: (edit, the loc that must be named, a distinctive value that must not come back or None)
RULES: dict[str, tuple[Edit, list[str | int], str | None]] = {
    "unknown top-level field": (
        _set("favourite_colour", CANARY),
        ["body", "favourite_colour"],
        CANARY,
    ),
    "unknown field in eligibility": (
        _set("eligibility.shoe_size", CANARY),
        ["body", "eligibility", "shoe_size"],
        CANARY,
    ),
    "unknown field in a location": (
        _set("locations.0.door_code", CANARY),
        ["body", "locations", 0, "door_code"],
        CANARY,
    ),
    "unknown category": (
        _set("categories", [f"housing.{CANARY}"]),
        ["body", "categories", 0],
        CANARY,
    ),
    "need instead of a category": (
        _set("categories", ["housing"]),
        ["body", "categories", 0],
        None,
    ),
    "undisclosed is not a served gender": (
        _set("eligibility.genders", ["undisclosed"]),
        ["body", "eligibility", "genders", 0],
        None,
    ),
    "unknown gender": (
        _set("eligibility.genders", [CANARY]),
        ["body", "eligibility", "genders", 0],
        CANARY,
    ),
    "unknown newcomer status": (
        _set("eligibility.statuses", [CANARY]),
        ["body", "eligibility", "statuses", 0],
        CANARY,
    ),
    "unknown province in a location": (
        _set("locations.0.province", CANARY),
        ["body", "locations", 0, "province"],
        CANARY,
    ),
    "unknown province in the service area": (
        _set("service_area.provinces", ["ZZ"]),
        ["body", "service_area", "provinces", 0],
        None,
    ),
    "unknown delivery": (_set("delivery", [CANARY]), ["body", "delivery", 0], CANARY),
    "unknown fees": (_set("fees", CANARY), ["body", "fees"], CANARY),
    "latitude south of Canada": (
        _set("locations.0.latitude", 38.8977),
        ["body", "locations", 0, "latitude"],
        "38.8977",
    ),
    "latitude north of Canada": (
        _set("locations.0.latitude", 85.0123),
        ["body", "locations", 0, "latitude"],
        "85.0123",
    ),
    "longitude east of Canada": (
        _set("locations.0.longitude", -0.1278),
        ["body", "locations", 0, "longitude"],
        "-0.1278",
    ),
    "longitude west of Canada": (
        _set("locations.0.longitude", -149.9003),
        ["body", "locations", 0, "longitude"],
        "-149.9003",
    ),
    "min_age below 0": (_set("eligibility.min_age", -1), ["body", "eligibility", "min_age"], None),
    "max_age above 120": (
        _set("eligibility.max_age", 121),
        ["body", "eligibility", "max_age"],
        None,
    ),
    "min_age above max_age": (
        lambda body: body["eligibility"].update(min_age=30, max_age=20),
        ["body", "eligibility"],
        None,
    ),
    "beds_available above beds_total": (
        _set("capacity", {"beds_total": 2, "beds_available": 3}),
        ["body", "capacity"],
        None,
    ),
    "beds_available without beds_total": (
        _set("capacity", {"beds_available": 3}),
        ["body", "capacity"],
        None,
    ),
    "service radius above 500 km": (
        _set("service_area.radius_km", 500.5),
        ["body", "service_area", "radius_km"],
        "500.5",
    ),
    "name too long": (_set("name", CANARY + "x" * 200), ["body", "name"], CANARY),
    "empty name": (_set("name", "   "), ["body", "name"], None),
    "description too long": (
        _set("description", CANARY + "x" * 2000),
        ["body", "description"],
        CANARY,
    ),
    "address too long": (
        _set("locations.0.address", CANARY + "x" * 300),
        ["body", "locations", 0, "address"],
        CANARY,
    ),
    "21 locations": (_set("locations", LOCATIONS_21), ["body", "locations"], None),
    "11 categories": (_set("categories", CATEGORIES_11), ["body", "categories"], None),
    "no category": (_set("categories", []), ["body", "categories"], None),
    "repeated category": (
        _set("categories", ["legal.family", "legal.family"]),
        ["body", "categories"],
        None,
    ),
    "repeated language": (_set("languages", ["en", "en"]), ["body", "languages"], None),
    "language that is no code": (_set("languages", [CANARY]), ["body", "languages", 0], CANARY),
    "NUL in the name": (_set("name", f"{CANARY}\x00"), ["body", "name"], CANARY),
    "bell in the municipality": (
        _set("locations.0.municipality", f"{CANARY}\x07"),
        ["body", "locations", 0, "municipality"],
        CANARY,
    ),
    "escape in the description": (
        _set("description", f"{CANARY}\x1b[2J"),
        ["body", "description"],
        CANARY,
    ),
    "NUL in the intake hours": (
        _set("intake.hours", f"{CANARY}\x00"),
        ["body", "intake", "hours"],
        CANARY,
    ),
    "NUL in the intake email": (
        _set("intake.email", f"{CANARY}\x00@example.org"),
        ["body", "intake", "email"],
        CANARY,
    ),
    "NUL in the intake url": (
        _set("intake.url", f"https://example.org/{CANARY}\x00"),
        ["body", "intake", "url"],
        CANARY,
    ),
    "invalid postal code": (
        _set("locations.0.postal_code", "D0D 0D0"),
        ["body", "locations", 0, "postal_code"],
        "D0D 0D0",
    ),
    "US zip code": (
        _set("locations.0.postal_code", "90210"),
        ["body", "locations", 0, "postal_code"],
        None,
    ),
    "invalid phone": (_set("intake.phone", CANARY), ["body", "intake", "phone"], CANARY),
    "invalid email": (_set("intake.email", CANARY), ["body", "intake", "email"], CANARY),
    "invalid url": (_set("intake.url", f"ftp://{CANARY}"), ["body", "intake", "url"], CANARY),
    "organization_id that is no UUID": (
        _set("organization_id", CANARY),
        ["body", "organization_id"],
        CANARY,
    ),
    "in_person without a location": (_set("locations", []), ["body"], None),
    "string where a list belongs": (_set("languages", CANARY), ["body", "languages"], CANARY),
    "confidential as a word": (
        _set("locations.0.confidential", "yes"),
        ["body", "locations", 0, "confidential"],
        None,
    ),
    "id_required as a number": (_set("id_required", 0), ["body", "id_required"], None),
    "latitude as text": (
        _set("locations.0.latitude", "43.4501"),
        ["body", "locations", 0, "latitude"],
        None,
    ),
    "min_age as a flag": (
        _set("eligibility.min_age", True),
        ["body", "eligibility", "min_age"],
        None,
    ),
    "beds_total as text": (
        _set("capacity.beds_total", "12"),
        ["body", "capacity", "beds_total"],
        None,
    ),
}


def _assert_rejected(response: Response, loc: list[str | int], canary: str | None) -> None:
    problem = assert_problem(response, 422)
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert set(error) == {"loc", "msg"}, error
        assert isinstance(error["msg"], str)
    assert loc in [error["loc"] for error in problem["errors"]], problem["errors"]
    if canary is not None:
        assert canary not in response.text


@pytest.fixture
def organization_id(api: Api) -> str:
    return api.organization()


@pytest.fixture
def existing(api: Api, organization_id: str) -> dict[str, Any]:
    """A listing already there, with its snapshot, to show a refused write changed nothing."""
    service_id = api.service(organization_id)["id"]
    return {"id": service_id, **snapshot(api, service_id)}


def _unchanged(api: Api, existing: dict[str, Any]) -> bool:
    return snapshot(api, existing["id"]) == {k: v for k, v in existing.items() if k != "id"}


@pytest.mark.parametrize("rule", RULES)
def test_create_breaking_a_rule_gets_422_naming_the_field_and_creates_nothing(
    api: Api, organization_id: str, rule: str
) -> None:
    edit, loc, canary = RULES[rule]
    body = listing(organization_id)
    edit(body)
    before = count_services(api)
    provider = api.key("provider", organization_id)
    _assert_rejected(api.client.post("/v1/services", json=body, headers=provider), loc, canary)
    assert count_services(api) == before


@pytest.mark.parametrize("rule", RULES)
def test_replace_breaking_a_rule_gets_422_and_changes_nothing(
    api: Api, organization_id: str, existing: dict[str, Any], rule: str
) -> None:
    edit, loc, canary = RULES[rule]
    body = listing(organization_id)
    edit(body)
    response = api.client.put(
        f"/v1/services/{existing['id']}",
        json=body,
        headers=with_if_match(api.admin, existing["etag"]),
    )
    _assert_rejected(response, loc, canary)
    assert _unchanged(api, existing)


PATCH_RULES: dict[str, tuple[dict[str, Any], list[str | int], str | None]] = {
    "unknown top-level field": ({"favourite_colour": CANARY}, ["body", "favourite_colour"], CANARY),
    "unknown nested field": (
        {"capacity": {"beds_free": CANARY}},
        ["body", "capacity", "beds_free"],
        CANARY,
    ),
    "unknown category": ({"categories": [CANARY]}, ["body", "categories", 0], CANARY),
    "NUL in the name": ({"name": f"{CANARY}\x00"}, ["body", "name"], CANARY),
    "invalid phone": ({"intake": {"phone": CANARY}}, ["body", "intake", "phone"], CANARY),
    "invalid language": ({"languages": [CANARY]}, ["body", "languages", 0], CANARY),
    "accepting_referrals as a number": (
        {"accepting_referrals": 1},
        ["body", "accepting_referrals"],
        None,
    ),
    "latitude outside Canada": (
        {"locations": [{**confidential_location(), "latitude": 38.8977}]},
        ["body", "locations", 0, "latitude"],
        "38.8977",
    ),
}


@pytest.mark.parametrize("rule", PATCH_RULES)
def test_patch_breaking_a_rule_gets_422_and_changes_nothing(
    api: Api, existing: dict[str, Any], rule: str
) -> None:
    patch, loc, canary = PATCH_RULES[rule]
    response = api.client.patch(
        f"/v1/services/{existing['id']}",
        json=patch,
        headers=with_if_match(api.admin, existing["etag"]),
    )
    _assert_rejected(response, loc, canary)
    assert _unchanged(api, existing)


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "CANARY-7f3a"',
        b"CANARY-7f3a",
        b"",
        b"[1, 2]",
        b"null",
        b'{"name": "CANARY-7f3a\xff"}',
        b"\xfe\xffCANARY-7f3a",
        b"[" * 100_000,
    ],
    ids=["truncated", "not json", "empty", "array", "null", "not utf-8", "utf-16 mark", "deep"],
)
def test_body_that_is_no_json_object_gets_422_without_echo(
    api: Api, organization_id: str, content: bytes
) -> None:
    before = count_services(api)
    response = api.client.post(
        "/v1/services",
        content=content,
        headers={**api.admin, "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 422)
    assert all(set(error) == {"loc", "msg"} for error in problem["errors"])
    assert CANARY not in response.text
    assert count_services(api) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_valid_listing_sent_with_wrong_content_type_gets_415_and_creates_nothing(
    api: Api, organization_id: str, content_type: str | None
) -> None:
    """curl -d without -H sends a form: the answer says what to send, not that a JSON object
    is "not a valid dictionary"."""
    before = count_services(api)
    body = json.dumps(listing(organization_id, name=CANARY)).encode()
    request = api.client.build_request("POST", "/v1/services", content=body, headers=api.admin)
    if content_type is None:
        request.headers.pop("Content-Type", None)
    else:
        request.headers["Content-Type"] = content_type
    response = api.client.send(request)
    problem = assert_problem(response, 415)
    assert "Content-Type: application/json" in problem["detail"]
    assert CANARY not in response.text
    assert count_services(api) == before
    # JSON under its own name or a +json one, with parameters, is read as JSON.
    for accepted in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = api.client.post(
            "/v1/services",
            content=json.dumps(listing(organization_id, name=accepted)),
            headers={**api.admin, "Content-Type": accepted},
        )
        assert response.status_code == 201, response.text


def test_api_answers_are_not_for_shared_caches(api: Api) -> None:
    for path in ("/v1/services", "/v1/me", "/hsds/services", "/hsds", "/hsds/"):
        response = api.get(path, api.admin)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store", path
    assert api.client.get("/hsds").headers["cache-control"] == "no-store"  # (a 401)
    refused = api.client.get("/v1/services")
    assert_problem(refused, 401)
    assert refused.headers["cache-control"] == "no-store"
    # And a 401 names the scheme that would do (RFC 9110).
    assert refused.headers["www-authenticate"] == 'Bearer realm="referral-service"'
    bad_key = api.client.get("/v1/services", headers={"Authorization": "Bearer rk_nope"})
    assert assert_problem(bad_key, 401)
    assert bad_key.headers["www-authenticate"].startswith("Bearer")


def test_organization_with_bad_fields_gets_422_without_echo(api: Api) -> None:
    response = api.client.post(
        "/v1/organizations",
        json={"name": f"{CANARY}\x00", "email": CANARY, "website": CANARY, "extra": CANARY},
        headers=api.admin,
    )
    problem = assert_problem(response, 422)
    assert sorted(error["loc"][-1] for error in problem["errors"]) == [
        "email",
        "extra",
        "name",
        "website",
    ]
    assert CANARY not in response.text
    assert api.client.get("/v1/organizations", headers=api.admin).json()["total"] == 0


@pytest.mark.parametrize("field", ["email", "website"])
def test_organization_contact_with_nul_gets_422(api: Api, field: str) -> None:
    value = {"email": "a\x00@example.org", "website": "https://example.org/\x00"}[field]
    response = api.client.post(
        "/v1/organizations", json={"name": "Org", field: value}, headers=api.admin
    )
    assert_problem(response, 422)


@pytest.mark.parametrize(
    "path", ["/v1/nothing-here", "/v2/services", "/v1/services/x/y/z", "/admin"]
)
def test_unknown_route_gets_404_problem(api: Api, path: str) -> None:
    problem = assert_problem(api.client.get(path, headers=api.admin), 404)
    assert "/docs" in problem["detail"]  # API.md: every problem has its detail


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/healthz", "GET, HEAD"),
        ("PATCH", "/v1/keys", "GET, HEAD, POST"),
        ("PUT", "/v1/taxonomy", "GET, HEAD"),
        (
            "POST",
            "/v1/services/00000000-0000-4000-8000-000000000000",
            "GET, HEAD, PUT, PATCH, DELETE",
        ),
        ("OPTIONS", "/v1/organizations", "GET, HEAD, POST"),
        ("GET", "/v1/match", "POST"),
        ("HEAD", "/v1/match", "POST"),
        ("POST", "/openapi.json", "GET, HEAD"),
    ],
)
def test_wrong_method_gets_405_problem_that_allows_every_method_of_the_path(
    api: Api, method: str, path: str, allow: str
) -> None:
    """`Allow` lists every method the path answers (RFC 9110), not only those of the first
    route found there."""
    response = api.client.request(method, path, headers=api.admin)
    if method == "HEAD":  # the problem's headers, without its body
        assert (response.status_code, response.content) == (405, b"")
    else:
        assert "Allow" in assert_problem(response, 405)["detail"]
    assert response.headers["allow"] == allow


def test_body_over_one_mebibyte_gets_413_problem(api: Api, organization_id: str) -> None:
    body = listing(organization_id, description="x" * (1024 * 1024))
    before = count_services(api)
    response = api.client.post("/v1/services", json=body, headers=api.admin)
    assert_problem(response, 413)
    assert count_services(api) == before


def test_streamed_body_over_one_mebibyte_without_length_gets_413_problem(
    api: Api, organization_id: str
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 65_536

    response = api.client.post(
        "/v1/services",
        content=chunks(),
        headers={**api.admin, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_problem_content_type_is_problem_json(api: Api) -> None:
    response = api.client.get("/v1/services")
    assert response.headers["content-type"] == PROBLEM_JSON


def test_openapi_documents_every_error_as_the_problem_it_is(api: Api) -> None:
    """A client generated from the OpenAPI document parses errors as they come: each 4xx and
    5xx of each operation is a `Problem` in `application/problem+json`, and nothing else (not
    FastAPI's own 422 shape, not `application/json`)."""
    document = api.client.get("/openapi.json").json()
    errors = [
        (path, method, status, response)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]
    assert len(errors) > 100
    for path, method, status, response in errors:
        assert response["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }, (path, method, status)
    # Every operation with a path parameter can answer 422 (a malformed id), and says so.
    for path, operations in document["paths"].items():
        if "{" in path:
            for method, operation in operations.items():
                assert "422" in operation["responses"], (path, method)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    response = api.client.get("/v1/services/not-a-uuid", headers=api.admin)
    assert_problem(response, 422)


def test_the_document_declares_what_every_operation_may_answer(api: Api) -> None:
    """A client generated from the document sees the headers and the errors it will get."""
    document = api.client.get("/openapi.json").json()
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # Too large, to any; not JSON, to any write, whether it takes a body or not.
            assert "413" in responses, (path, method)
            if method in ("post", "put", "patch"):
                assert "415" in responses, (path, method)
            if path.startswith("/v1/"):  # an unknown query parameter
                assert "422" in responses, (path, method)
            if "429" in responses:
                assert "Retry-After" in responses["429"]["headers"], (path, method)
                # Where the key stands, on every answer to a counted request.
                for status, response in responses.items():
                    if status not in ("401", "403", "413", "415", "503"):
                        told = set(response.get("headers", {}))
                        assert {"RateLimit", "RateLimit-Policy"} <= told, (path, method, status)
            if "401" in responses:
                assert "WWW-Authenticate" in responses["401"]["headers"], (path, method)
    services = document["paths"]["/v1/services"]["post"]["responses"]["201"]["headers"]
    assert set(services) == {"ETag", "Location", "RateLimit", "RateLimit-Policy"}
    # 428 only where If-Match is required; where it is optional, a write without it goes.
    for path, method in [
        ("/v1/services/{service_id}", "put"),
        ("/v1/services/{service_id}", "patch"),
    ]:
        assert "428" in document["paths"][path][method]["responses"], (path, method)
    for path, method in [
        ("/v1/services/{service_id}", "delete"),
        ("/v1/services/{service_id}/availability", "put"),
        ("/v1/organizations/{organization_id}", "patch"),
    ]:
        assert "428" not in document["paths"][path][method]["responses"], (path, method)
    for method in ("get", "put", "patch"):
        item = document["paths"]["/v1/services/{service_id}"][method]["responses"]["200"]
        assert "ETag" in item["headers"], method
    organization = document["paths"]["/v1/organizations/{organization_id}"]["patch"]
    assert "ETag" in organization["responses"]["200"]["headers"]
    # A PATCH field that may be left out but not cleared is not nullable in the document.
    for name, field in document["components"]["schemas"]["ServiceUpdate"]["properties"].items():
        assert "anyOf" not in field, name
        assert field.get("type") != "null", name
    assert (
        "anyOf" not in document["components"]["schemas"]["OrganizationUpdate"]["properties"]["name"]
    )


@pytest.mark.parametrize("field", ["name", "fees", "categories", "intake", "accepting_referrals"])
def test_a_patch_that_clears_a_field_that_cannot_be_cleared_names_it(
    api: Api, organization_id: str, field: str
) -> None:
    service_id = api.service(organization_id)["id"]
    before = snapshot(api, service_id)
    response = api.client.patch(
        f"/v1/services/{service_id}",
        json={field: None},
        headers=with_if_match(api.admin, before["etag"]),
    )
    problem = assert_problem(response, 422)
    # Named in loc, as every other error (a contract review found `["body"]` alone).
    assert problem["errors"] == [{"loc": ["body", field], "msg": f"{field} cannot be null"}]
    assert snapshot(api, service_id) == before


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/v1/services", {"province": "ON", "categroy": CANARY}),
        ("GET", "/v1/organizations", {"stauts": CANARY}),
        ("GET", "/v1/places", {"q": "elm", "limt": CANARY}),
        ("GET", "/v1/keys", {"organisation_id": CANARY}),
        ("GET", "/v1/taxonomy", {"lang": CANARY}),
    ],
)
def test_unknown_query_parameter_of_a_v1_operation_gets_422_naming_it(
    api: Api, method: str, path: str, params: dict[str, str]
) -> None:
    """A misspelt filter is refused, not ignored: `?categroy=` would otherwise answer with
    every category. The name is said back, the value never."""
    response = api.client.request(method, path, params=params, headers=api.admin, json={})
    problem = assert_problem(response, 422)
    unknown = next(name for name in params if name not in ("province", "q"))
    assert ["query", unknown] in [error["loc"] for error in problem["errors"]]
    assert CANARY not in response.text


def test_an_unknown_query_parameter_beside_a_need_profile_is_never_named(api: Api) -> None:
    """A parameter's name may be a person's name or number as well as a field's (a contract
    review found "?Jane_Doe_5195550100=1" said back by /v1/match)."""
    response = api.client.post(
        "/v1/match",
        params={"Jane_Doe_5195550100": "1"},
        json={"needs": ["housing"], "location": {"place": "Elmira, ON"}},
        headers=api.admin,
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == [{"loc": ["query"], "msg": "Unknown query parameter"}]
    assert "Jane" not in response.text
    assert "5195550100" not in response.text


def test_a_filter_given_twice_gets_422_not_the_last_value_alone(api: Api) -> None:
    response = api.client.get(
        "/v1/services", params=[("province", "ON"), ("province", "QC")], headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {"loc": ["query", "province"], "msg": "Given more than once: it takes one value"}
    ]
    french = api.client.get(
        "/v1/services",
        params=[("province", "ON"), ("province", "QC"), ("categroy", "x")],
        headers={**api.admin, "Accept-Language": "fr"},
    )
    assert [error["msg"] for error in assert_problem(french, 422)["errors"]] == [
        "paramètre de requête inconnu",
        "donné plus d'une fois : il prend une valeur",
    ]


def test_unknown_query_parameter_that_is_no_name_is_not_said_back(api: Api) -> None:
    response = api.client.get("/v1/services", params={f"{CANARY} woman 24": "1"}, headers=api.admin)
    problem = assert_problem(response, 422)
    assert problem["errors"] == [{"loc": ["query"], "msg": "Unknown query parameter"}]
    assert CANARY not in response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/match", {"needs": ["housing"], "location": {"place": "Elmira, ON"}}),
        ("/v1/organizations", {"name": "Named"}),
    ],
)
def test_an_unknown_field_that_is_no_name_is_not_said_back(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    """A JSON key can be any text: a caller's name and telephone number, typed in the wrong
    place, must not come back in the error (nor the log)."""
    sent = {**body, f"Jane {CANARY} 519-555-1234": 1, "519-555-0188": 3, "spelled_wrong": 2}
    response = api.client.post(path, json=sent, headers=api.admin)
    problem = assert_problem(response, 422)
    not_named = (
        "a field of a need profile is not named" if path == "/v1/match" else "a field not named"
    )
    assert {"loc": ["body"], "msg": f"Extra inputs are not permitted ({not_named})"} in (
        problem["errors"]
    )
    if path != "/v1/match":
        assert ["body", "spelled_wrong"] in [error["loc"] for error in problem["errors"]]
    assert CANARY not in response.text
    assert "555" not in without_random_parts(response.text)


def test_an_unknown_field_of_a_need_profile_is_never_named_but_a_near_one_suggested(
    api: Api,
) -> None:
    """An identifier can be a name and a telephone number too: in a profile no unknown field
    is said back; a near field of the profile is suggested instead."""
    body = {
        "needs": ["housing"],
        "location": {"place": "Elmira, ON", "postal_prefx": "N3B"},
        f"maria_{CANARY}_5195550123": 1,
        "max_distance": 10,
    }
    response = api.client.post("/v1/match", json=body, headers=api.key("partner"))
    problem = assert_problem(response, 422)
    assert sorted((tuple(e["loc"]), e["msg"]) for e in problem["errors"]) == [
        (("body",), "Extra inputs are not permitted (a field of a need profile is not named)"),
        (
            ("body",),
            "Extra inputs are not permitted (a field of a need profile is not named; "
            "did you mean max_distance_km?)",
        ),
        (
            ("body", "location"),
            "Extra inputs are not permitted (a field of a need profile is not named; "
            "did you mean postal_prefix?)",
        ),
    ]
    assert CANARY not in response.text
    assert "maria" not in response.text


def test_unknown_query_parameter_comes_after_the_key_and_the_role(api: Api) -> None:
    params = {"categroy": "x"}
    assert_problem(api.client.get("/v1/keys", params=params), 401)
    partner = api.key("partner")
    assert_problem(api.client.get("/v1/keys", params=params, headers=partner), 403)
    assert api.client.get("/v1/services", params={"page": 1}, headers=partner).status_code == 200


def test_hsds_operations_ignore_parameters_of_the_standard_not_served(api: Api) -> None:
    response = api.client.get(
        "/hsds/services", params={"full_service": "true", "page": 1}, headers=api.admin
    )
    assert response.status_code == 200


def test_head_is_answered_wherever_get_is_with_its_headers_and_no_body(api: Api) -> None:
    """An uptime monitor's `HEAD /healthz` is a 200 (RFC 9110: a server answering GET
    answers HEAD), and HEAD of a listing is its GET's answer, ETag included, without a
    body, behind the same key."""
    for path in ("/healthz", "/readyz"):
        head = api.client.head(path)
        assert (head.status_code, head.content) == (200, b""), path
    service = api.service(api.organization())
    path = f"/v1/services/{service['id']}"
    get = api.client.get(path, headers=api.admin)
    head = api.client.head(path, headers=api.admin)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert api.client.head(path).status_code == 401
    metrics = api.client.get("/metrics", headers=scraper()).text
    assert 'method="HEAD",route="/v1/services/{service_id}",status="200"' in metrics


@pytest.mark.parametrize("search", [f"{CANARY}\x00", f"shelter\x1b{CANARY}"])
def test_hsds_search_with_a_control_character_gets_422(api: Api, search: str) -> None:
    """PostgreSQL refuses NUL in a statement's text: it was a 500 there (found by
    test_api_fuzz on PostgreSQL), and is now a 422 on every backend."""
    api.service(api.organization())
    response = api.get("/hsds/services", api.admin, search=search)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", "search"]
    assert CANARY not in response.text
    assert api.get("/hsds/services", api.admin, search="Test").json()["total_items"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/services/"), ("POST", "/v1/match/"), ("GET", "/v1/organizations/")],
)
def test_a_path_with_a_slash_at_its_end_is_a_404_that_says_so(
    api: Api, method: str, path: str
) -> None:
    """Not a bodiless 307 to an address built from the Host header (a POST client that does
    not follow redirects read nothing; a forged Host was sent back as the Location)."""
    response = api.client.request(
        method, path, headers={**api.admin, "Host": "evil.example"}, json={}
    )
    problem = assert_problem(response, 404)
    assert "without the slash" in problem["detail"]
    assert "location" not in response.headers
    french = api.client.request(
        method, path, headers={**api.admin, "Accept-Language": "fr"}, json={}
    )
    assert "barre oblique" in assert_problem(french, 404)["detail"]


def test_a_path_unknown_with_or_without_its_slash_is_the_plain_404(api: Api) -> None:
    problem = assert_problem(api.client.get("/v1/nothing-here/", headers=api.admin), 404)
    assert "/docs" in problem["detail"]
    # Without its slash the path does not answer DELETE either: the slash is not all.
    problem = assert_problem(api.client.delete("/v1/services/", headers=api.admin), 404)
    assert "/docs" in problem["detail"]


def test_the_hsds_root_answers_with_and_without_its_slash(api: Api) -> None:
    for path in ("/hsds/", "/hsds"):
        response = api.client.get(path, headers=api.admin)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["version"].startswith("3.1")


@pytest.mark.parametrize("page", ["/console", "/docs"])
def test_a_browser_asking_for_a_page_with_its_slash_is_sent_to_the_page(
    api: Api, page: str
) -> None:
    response = api.client.get(f"{page}/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == page  # (this server's, whatever the Host said)


def test_a_write_that_takes_no_body_refuses_one_not_json_as_its_document_says(
    api: Api,
) -> None:
    service = api.service(api.organization())
    path = "/v1/services/{service_id}/verify"
    response = api.client.post(
        path.format(service_id=service["id"]),
        content=b"x",
        headers={**api.admin, "Content-Type": "text/plain"},
    )
    assert_problem(response, 415)
    document = api.client.get("/openapi.json").json()
    assert "415" in document["paths"][path]["post"]["responses"]


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200f", " \u2060 ", "---"])
def test_a_name_with_no_letter_or_digit_gets_422(api: Api, name: str) -> None:
    """A name of zero-width spaces or direction marks lists as nothing and cannot be searched."""
    before = api.get("/v1/organizations", api.admin).json()["total"]
    response = api.client.post("/v1/organizations", json={"name": name}, headers=api.admin)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "name"]
    assert "letter or a digit" in problem["errors"][0]["msg"]
    assert api.get("/v1/organizations", api.admin).json()["total"] == before
    organization_id = api.organization()
    body = listing(organization_id, name=name)
    assert_problem(api.client.post("/v1/services", json=body, headers=api.admin), 422)
    french = api.client.post(
        "/v1/organizations",
        json={"name": name},
        headers={**api.admin, "Accept-Language": "fr"},
    )
    assert "lettre ou un chiffre" in assert_problem(french, 422)["errors"][0]["msg"]


def test_a_name_in_any_script_is_taken(api: Api) -> None:
    for name in ["Maison Étoile", "ᐃᓄᒃᑎᑐᑦ", "مركز", "211"]:
        response = api.client.post("/v1/organizations", json={"name": name}, headers=api.admin)
        assert response.status_code == 201, (name, response.text)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_coordinate_that_is_no_number_gets_422_that_says_so(api: Api, token: str) -> None:
    """Python's JSON reader takes NaN and Infinity; they were told "less than or equal to
    83.2"."""
    operator = api.key("operator")
    body = '{"needs": ["housing"], "location": {"latitude": TOKEN, "longitude": -80.5}}'
    body = body.replace("TOKEN", token)
    response = api.client.post(
        "/v1/match", content=body, headers={**operator, "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "location", "latitude"]
    assert "finite" in problem["errors"][0]["msg"]


def test_a_place_search_with_a_control_character_gets_422(api: Api) -> None:
    response = api.get("/v1/places", api.admin, q="Elm\x00")
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", "q"]
    assert api.get("/v1/places", api.admin, q="Elm").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/match", b'{"needs":'),  # not even JSON
        ("POST", "/v1/keys", b"[" * 100_000),  # nested past what the reader can follow
        ("POST", "/v1/organizations", b'{"name": "x"}'),
        ("PUT", "/v1/services/00000000-0000-4000-8000-000000000000/availability", b"{}"),
    ],
)
def test_a_write_without_a_key_is_a_401_before_its_body_is_read(
    api: Api, method: str, path: str, body: bytes
) -> None:
    """Invalid JSON sent with no key, or a wrong one, was a 422 "Invalid JSON": the body was
    read, and its validity said, before anyone was asked who they were (a security review)."""
    response = api.client.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 401)
    assert problem["detail"] == "Send Authorization: Bearer <key>."
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Of the same type as a read's without a key, or a write's with a wrong one.
    read = assert_problem(api.client.get("/v1/services"), 401)
    wrong = api.client.request(
        method,
        path,
        content=body,
        headers={"Authorization": "Bearer rk_wrong", "Content-Type": "application/json"},
    )
    # (a wrong key, too, is asked who it is before it learns whether it sent JSON)
    assert problem["type"] == read["type"] == assert_problem(wrong, 401)["type"]
    assert problem["type"].endswith("/unauthorized")
    # A key of a role that may not write here is told so, not whether it sent JSON.
    analyst = {**api.key("analyst"), "Content-Type": "application/json"}
    assert_problem(api.client.request(method, path, content=body, headers=analyst), 403)
    # Too large or not JSON, without a key: still who are you, first.
    big = api.client.request(method, path, content=b"x" * 2_000_000)
    assert_problem(big, 401)


def _twice(body: dict[str, Any], field: str, first: Any) -> bytes:
    """`body` as JSON text with `field` given twice: `first`, then the body's own value."""
    text = json.dumps(body)
    assert text.startswith("{")
    return ("{" + json.dumps(field) + ": " + json.dumps(first) + ", " + text[1:]).encode()


def test_a_field_given_twice_is_a_422_on_every_write_and_changes_nothing(
    api: Api, organization_id: str, existing: dict[str, Any]
) -> None:
    """`{"age": 30, "age": 12}`: Python's reader kept the last value without a word, where a
    proxy, a log or the partner's own code may read the first. Nothing is written, and the
    field's name is not said back (it may be anything sent)."""
    provider = api.key("provider", organization_id)
    service = f"/v1/services/{existing['id']}"
    writes: list[tuple[str, str, bytes, dict[str, str]]] = [
        (
            "POST",
            "/v1/match",
            _twice(
                {"needs": ["housing"], "location": {"place": "Elmira, ON"}, "age": 12}, "age", 30
            ),
            api.admin,
        ),
        ("POST", "/v1/services", _twice(listing(organization_id), "name", CANARY), provider),
        (
            "PATCH",
            service,
            _twice({"name": "Renamed"}, "name", CANARY),
            with_if_match(provider, existing["etag"]),
        ),
        (
            "PUT",
            f"{service}/availability",
            _twice({"beds_available": 2}, "beds_available", 1),
            provider,
        ),
        ("POST", "/v1/organizations", _twice({"name": "Refuge"}, "name", CANARY), api.admin),
        ("POST", "/v1/keys", _twice({"role": "analyst", "name": "x"}, "name", CANARY), api.admin),
    ]
    organizations = api.get("/v1/organizations", api.admin).json()["total"]
    keys = len(api.get("/v1/keys", api.admin).json()["items"])
    for method, path, content, headers in writes:
        response = api.client.request(
            method, path, content=content, headers={**headers, "Content-Type": "application/json"}
        )
        problem = assert_problem(response, 422)
        assert problem["errors"] == [
            {"loc": ["body"], "msg": "a field is given twice in one object; send each field once"}
        ], path
        assert CANARY not in response.text
    assert _unchanged(api, existing)
    assert api.get("/v1/organizations", api.admin).json()["total"] == organizations
    assert len(api.get("/v1/keys", api.admin).json()["items"]) == keys
    # Nested too, and said in French to whoever asks in French.
    nested = b'{"needs": ["housing"], "location": {"place": "Elmira, ON", "place": "Ottawa"}}'
    response = api.client.post(
        "/v1/match",
        content=nested,
        headers={**api.admin, "Content-Type": "application/json", "Accept-Language": "fr"},
    )
    assert assert_problem(response, 422)["errors"] == [
        {
            "loc": ["body"],
            "msg": "un champ est donn\u00e9 deux fois dans un m\u00eame objet ; envoyez chaque "
            "champ une fois",
        }
    ]
    # The same field in two objects is no field given twice.
    fine = b'{"needs": ["housing"], "location": {"place": "Elmira, ON"}, "limit": 3}'
    assert api.client.post(
        "/v1/match", content=fine, headers={**api.admin, "Content-Type": "application/json"}
    ).is_success


def test_who_may_ask_is_said_in_french_to_a_french_caller(api: Api) -> None:
    """A thin client in French showed "Unknown or revoked API key." and "The analyst role may
    not do this." in English (a review of the console in French)."""
    french = {"Accept-Language": "fr-CA,fr;q=0.9"}
    body = {"needs": ["housing"], "location": {"place": "Rimouski, QC"}}
    said = {
        "no key": api.client.post("/v1/match", json=body, headers=french),
        "unknown key": api.client.post(
            "/v1/match", json=body, headers={**french, "Authorization": "Bearer rk_nothing"}
        ),
        "role": api.client.post("/v1/match", json=body, headers={**french, **api.key("analyst")}),
        "method": api.client.delete("/v1/match", headers={**french, **api.admin}),
        "service": api.client.get(
            "/v1/services/00000000-0000-4000-8000-000000000000", headers={**french, **api.admin}
        ),
    }
    details = {name: response.json()["detail"] for name, response in said.items()}
    assert details == {
        "no key": "Envoyez Authorization: Bearer <clé>.",
        "unknown key": "Clé d'API inconnue ou révoquée.",
        "role": "Le rôle analyst ne peut pas faire ceci.",
        "method": "Ce chemin ne répond pas à cette méthode ; l'en-tête Allow nomme celles qu'il "
        "accepte.",
        "service": "Aucun service ne porte cet identifiant.",
    }
