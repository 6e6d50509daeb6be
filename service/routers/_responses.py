"""The problem responses routes declare, for the OpenAPI document."""

from typing import Any

from schemas.problem import Problem


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing, unknown or revoked key",
        403: "The key's role may not do this",
        404: "Not found, or not yours",
        409: "Conflict with the current state",
        412: "If-Match is stale: the listing changed since it was read",
        422: "Invalid request; `errors` lists each field, without echoing values",
        428: "If-Match is required",
        503: "The database is out of reach or busy: nothing was changed; try again shortly",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions[status],
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }


# Every authenticated route reads the caller's key from the database.
AUTH = (401, 403, 503)
