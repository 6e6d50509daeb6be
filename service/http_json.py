"""Request bodies read as JSON that gives each field of an object once.

`{"age": 30, "age": 12}` is refused (422), where Python's reader keeps the last value
without a word: a proxy, a gateway's log or a partner's own code may read the first, and
two readings of one request are one too many for a profile or a bed count.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

DUPLICATE_FIELD = "a field is given twice in one object; send each field once"


class DuplicateField(json.JSONDecodeError):
    """A JSON object that names a field twice (FastAPI answers it as invalid JSON, its
    message this module's: never the field's name, which may be anything sent)."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise DuplicateField(DUPLICATE_FIELD, "", 0)
    return value


def loads(body: bytes | str) -> Any:
    """JSON, each object's fields once."""
    return json.loads(body, object_pairs_hook=_once)


class _Request(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route whose JSON body gives each field once: the `route_class` of every router
    that takes a body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_once(request: Request) -> Response:
            return await handler(_Request(request.scope, request.receive))

        return read_once
