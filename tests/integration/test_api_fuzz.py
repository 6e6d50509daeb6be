"""Every operation of the OpenAPI document, fed by schemathesis with requests that follow it and
requests that break it: never a 5xx, and every answer as the document says (status, content
type, body, headers), so a client generated from it can trust it. As an administrator, who
sees everything, and as a partner, who sees confidential services redacted, on a small
registry that the document's example profile finds."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from service.config import Settings
from service.main import create_app
from tests.factories import Api, confidential_location

# Untraced by coverage, which doubles its time and adds nothing to what the rest covers: it is
# a quarter of CI's run.
pytestmark = pytest.mark.no_cover

# The document the app serves (schemas/openapi.json is its snapshot).
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://", _env_file=None)).openapi()
)
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    # The key is sent with every request (roles and their refusals: test_roles).
    with_security_parameters=False,
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]


@pytest.fixture
def registry(api: Api) -> Api:
    """Near Cambridge, ON: a shelter, a confidential one, and a province-wide immigration
    clinic, all for the example profile (a woman of 24, a refugee claimant, Spanish)."""
    organization_id = api.organization("Fuzz Organization")
    api.service(organization_id)
    api.service(organization_id, name="Fuzz Safe House", locations=[confidential_location()])
    api.service(
        organization_id,
        name="Fuzz Immigration Clinic",
        categories=["legal.immigration"],
        delivery=["phone", "virtual"],
        locations=[],
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
        capacity={"beds_total": None, "beds_available": None},
    )
    return api


def _send(api: Api, headers: dict[str, str], case: Any) -> Any:
    request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    body: dict[str, Any] = {}
    if "json" in request:
        body["json"] = request["json"]
    elif request.get("data") is not None:
        body["content"] = request["data"]
    return api.client.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers=request.get("headers"),
        **body,
    )


# The same cases every run; a few more would find more, a few minutes of CI later.
_EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@SCHEMA.parametrize()
@_EXAMPLES
def test_every_operation_answers_as_documented(registry: Api, case: Any) -> None:
    """As an administrator, who may call every operation and sees every field."""
    case.validate_response(_send(registry, registry.admin, case), checks=CHECKS)


@pytest.fixture
def partner(registry: Api) -> dict[str, str]:
    return registry.key("partner")


@SCHEMA.include(name_regex=r"^(GET /|POST /v1/match$)").parametrize()
@_EXAMPLES
def test_what_a_partner_reads_answers_as_documented(
    registry: Api, partner: dict[str, str], case: Any
) -> None:
    """As a partner, whose listings and matches show the confidential shelter redacted."""
    case.validate_response(_send(registry, partner, case), checks=CHECKS)
