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
    413: "The body is larger than the server takes (`REFERRAL_MAX_BODY_BYTES`)",
    415: "The body is not `application/json`",
    428: "If-Match is required",
    429: "The key made more requests this minute than one key may: try again after `Retry-After`",
    503: "The database is out of reach or busy: nothing was changed; try again shortly",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses of a route (`problems_only` files them as `application/problem+json`)."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


# Every authenticated route authenticates the caller's key (read from the database, 503 when
# it does not answer, or held by the worker for a few seconds) and counts its request.
AUTH = (401, 403, 429, 503)

_ETAG = {
    "description": "The version answered, for `If-Match` on a later write: sent back as is, "
    'or as a compressing proxy weakened it (`W/"…"`), since the version it names is compared '
    "exactly.",
    "schema": {"type": "string"},
}
_LOCATION = {"description": "The path of what was created.", "schema": {"type": "string"}}


def with_etag(status: int = 200, *, location: bool = False) -> dict[int | str, dict[str, Any]]:
    """A success response that carries `ETag` (and `Location`, for a creation)."""
    headers = {"ETag": _ETAG, **({"Location": _LOCATION} if location else {})}
    return {status: {"headers": headers}}


# A page of a history with later entries after it.
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Link": {
                "description": 'When later entries follow: `<…>; rel="next"` (RFC 8288), this '
                "path and query with `after` set to `next_after`.",
                "schema": {"type": "string"},
            }
        }
    }
}

# Where the key stands in its requests per minute (`ratelimit.Quota`), on the answers of keys
# that have a limit: the IETF draft's fields (draft-ietf-httpapi-ratelimit-headers).
_RATE_LIMIT = {
    "RateLimit-Policy": {
        "description": 'The key\'s limit: `"key";q=600;w=60`, 600 requests per 60 s window (a '
        "clock minute). Absent for a key without a limit.",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Where the key stands: `"key";r=597;t=42`, 597 requests remaining, the '
        "count starting over in 42 s. Absent for a key without a limit.",
        "schema": {"type": "string"},
    },
}

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
# FastAPI's own answer to an invalid request, which the service never sends (its 422 is a
# problem too): documented for every operation with parameters that declares no 422.
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def problems_only(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error response as the service sends it: a `Problem`
    in `application/problem+json`, and that only. FastAPI files a declared model under
    `application/json` and adds a 422 of its own shape wherever none is declared; a
    client generated from either would parse errors it never receives."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # What every operation of its kind may answer, declared or not (`RequestMiddleware`
            # answers before the operation is known): a body too large, sent to any; a body not
            # JSON, sent to any write, whether it takes one or not; a query parameter a /v1
            # operation does not take (`deps.reject_unknown_query`).
            responses.setdefault("413", {"description": _DESCRIPTIONS[413]})
            if method.upper() in ("POST", "PUT", "PATCH"):
                responses.setdefault("415", {"description": _DESCRIPTIONS[415]})
            if path.startswith("/v1/"):
                responses.setdefault("422", {"description": _DESCRIPTIONS[422]})
            if "401" in responses:
                responses["401"]["headers"] = {
                    "WWW-Authenticate": {
                        "description": 'The scheme: `Bearer realm="referral-service"`.',
                        "schema": {"type": "string"},
                    }
                }
            if "503" in responses:
                responses["503"]["headers"] = {
                    "Retry-After": {
                        "description": "Seconds to wait before sending the same again.",
                        "schema": {"type": "integer"},
                    }
                }
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {
                        "description": "Seconds to wait before trying again.",
                        "schema": {"type": "integer"},
                    },
                    **_RATE_LIMIT,
                }
                # A counted request's answer says where its key stands, whatever it is: not
                # those refused before the key was counted (no key or an unknown one, a
                # suspended organization's, the database away, a body too large or not JSON).
                for status, response in responses.items():
                    if status not in ("401", "403", "413", "415", "503"):
                        response["headers"] = {**response.get("headers", {}), **_RATE_LIMIT}
            for status, response in responses.items():
                if status[:1] not in ("4", "5"):
                    continue
                response["content"] = {"application/problem+json": {"schema": dict(_PROBLEM)}}
                if status == "422" and response.get("description") == "Validation Error":
                    response["description"] = _DESCRIPTIONS[422]
    schemas = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return document
