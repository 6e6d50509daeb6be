"""Every operation of the OpenAPI document, fed by schemathesis with requests that follow it and
requests that break it: never a 5xx, and every answer as the document says (status, content
type, body, headers), so a client generated from it can trust it."""

from typing import Any

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
from tests.factories import Api

# The document the app serves (schemas/openapi.json is its snapshot).
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://", _env_file=None)).openapi()
)
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    # The key is the admin's, sent with every request (roles and their refusals: test_roles).
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


def _send(api: Api, case: Any) -> Any:
    request = case.as_transport_kwargs(base_url="http://testserver", headers=api.admin)
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


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(api: Api, case: Any) -> None:
    case.validate_response(_send(api, case), checks=CHECKS)
