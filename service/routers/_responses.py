"""The problem responses routes declare, for the OpenAPI document."""

from typing import Any

from schemas.problem import Problem

_DESCRIPTIONS = {
    401: "Missing, unknown or revoked key",
    403: "The key's role may not do this",
    404: "Not found, or not yours",
    409: "Conflict with the current state",
    412: "If-Match is stale: the listing changed since it was read",
    422: "Invalid request; `errors` lists each field, without echoing values",
    428: "If-Match is required",
    429: "The key made more requests this minute than one key may: try again after `Retry-After`",
    503: "The database is out of reach or busy: nothing was changed; try again shortly",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses of a route (`problems_only` files them as `application/problem+json`)."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


# Every authenticated route reads the caller's key from the database and counts its request.
AUTH = (401, 403, 429, 503)


_PROBLEM = {"$ref": "#/components/schemas/Problem"}
# FastAPI's own answer to an invalid request, which the service never sends (its 422 is a
# problem too): documented for every operation with parameters that declares no 422.
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def problems_only(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error response as the service sends it: a `Problem`
    in `application/problem+json`, and that only. FastAPI files a declared model under
    `application/json` and adds a 422 of its own shape wherever none is declared; a
    client generated from either would parse errors it never receives."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[:1] not in ("4", "5"):
                    continue
                response["content"] = {"application/problem+json": {"schema": dict(_PROBLEM)}}
                if status == "422" and response.get("description") == "Validation Error":
                    response["description"] = _DESCRIPTIONS[422]
    schemas = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return document
