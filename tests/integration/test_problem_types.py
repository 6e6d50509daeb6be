"""Problem types (`schemas/problem.py`): every kind the service sends is documented, in the
OpenAPI document and at `/problems/{code}`, and no kind is documented that it never sends."""

import html
import re

from fastapi.testclient import TestClient

from schemas.problem import BLANK_STATUSES, PROBLEM_TYPE_BASE, PROBLEM_TYPES
from service import errors
from service.errors import DomainError
from service.main import create_app  # noqa: F401  (imports every router and use case)
from tests.factories import Api

_DOCUMENTED = {kind.code: kind for kind in PROBLEM_TYPES}


def _kinds() -> dict[str, set[int]]:
    """Each code a `DomainError` can carry, with its statuses (the base class is never
    raised), and those the handlers send of their own."""
    found: dict[str, set[int]] = {"validation-error": {422}, "unavailable": {503}}
    waiting = list(DomainError.__subclasses__())
    while waiting:
        kind = waiting.pop()
        found.setdefault(kind.code, set()).add(kind.status)
        waiting.extend(kind.__subclasses__())
    return found


def test_every_kind_of_problem_sent_is_documented_with_its_status_and_none_other() -> None:
    sent = _kinds()
    assert set(sent) == set(_DOCUMENTED)
    for code, statuses in sent.items():
        assert statuses == set(_DOCUMENTED[code].statuses), code
    # (the handlers' own: the same names as the classes)
    assert errors.Unprocessable.code == "validation-error"
    assert errors.Unavailable.code == "unavailable"


def test_the_openapi_document_names_every_problem_type(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Problem"]
    description = schema["properties"]["type"]["description"]
    for kind in PROBLEM_TYPES:
        assert f"`{kind.code}` ({kind.statuses[0]})" in description
    assert PROBLEM_TYPE_BASE in description
    assert "/problems/{code}" in description


def test_a_problem_sent_names_a_type_whose_page_says_what_to_do(api: Api) -> None:
    answer = api.client.post("/v1/match", json={"needs": ["housing"]}, headers=api.key("operator"))
    assert answer.status_code == 422
    kind = answer.json()["type"]
    assert kind == PROBLEM_TYPE_BASE + "validation-error"
    page = api.client.get("/problems/" + kind.removeprefix(PROBLEM_TYPE_BASE))
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = html.unescape(re.sub(r"<[^>]+>", "", page.text))
    documented = _DOCUMENTED["validation-error"]
    assert documented.when.replace("`", "") in text
    assert documented.then.replace("`", "") in text
    assert "`" not in page.text  # (code spans, not backquotes)


def test_the_list_of_problem_types_needs_no_key_and_names_each(client: TestClient) -> None:
    page = client.get("/problems")
    assert page.status_code == 200
    for kind in PROBLEM_TYPES:
        assert f'href="/problems/{kind.code}"' in page.text
        assert html.escape(kind.uri) in page.text
    for status in BLANK_STATUSES:
        assert f"<li>{status}: " in page.text


def test_an_unknown_problem_type_is_a_404_problem(client: TestClient) -> None:
    answer = client.get("/problems/<script>")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["detail"] == "No such problem type; /problems lists them."
