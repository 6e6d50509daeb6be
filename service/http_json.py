"""Request bodies read as JSON that gives each field of an object once.

`{"age": 30, "age": 12}` is refused (422), where Python's reader keeps the last value
without a word: a proxy, a gateway's log or a partner's own code may read the first, and
two readings of one request are one too many for a profile or a bed count.
"""

import functools
import inspect
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
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


# `request.state`'s attribute that holds why a body could not be read, as FastAPI's error.
_UNREADABLE = "unreadable_body"


def _as_error(error: ValueError | RecursionError) -> dict[str, Any]:
    """FastAPI's own error for a body it could not read."""
    if isinstance(error, json.JSONDecodeError):
        return {
            "type": "json_invalid",
            "loc": ("body", error.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": error.msg},
        }
    return {"type": "json_invalid", "loc": ("body",), "msg": ""}  # (not UTF-8, too deep)


class _Request(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = loads(await self.body())
            except (ValueError, RecursionError) as error:
                # (JSONDecodeError, UnicodeDecodeError; `[` a hundred thousand times deep)
                # Said by `_body_was_read`, once the caller's key has been checked.
                setattr(self.state, _UNREADABLE, _as_error(error))
                self._json = None
        return self._json


async def _body_was_read(request: Request) -> None:
    """The last dependency of a route: a body that could not be read is a 422, said only
    after the route's other dependencies, the caller's key among them. (`async`: on the
    event loop, not a trip to the thread pool on every request.) Said as the body was
    read, it told anyone, a wrong key or none, whether what they sent was JSON."""
    unread = getattr(request.state, _UNREADABLE, None)
    if unread is not None:
        raise RequestValidationError([unread])


def _reading_last(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` with `_body_was_read` as its last parameter's dependency, so solved last."""
    signature = inspect.signature(endpoint)
    last = inspect.Parameter(
        "_body_was_read", inspect.Parameter.KEYWORD_ONLY, default=Depends(_body_was_read)
    )
    guarded: Callable[..., Any]
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def guarded(*args: Any, _body_was_read: None = None, **kwargs: Any) -> Any:
            return await endpoint(*args, **kwargs)

    else:

        @functools.wraps(endpoint)
        def guarded(*args: Any, _body_was_read: None = None, **kwargs: Any) -> Any:
            return endpoint(*args, **kwargs)

    guarded.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), last]
    )
    return guarded


class JsonRoute(APIRoute):
    """A route whose JSON body gives each field once, and is said not to be JSON only to a
    caller whose key was accepted: the `route_class` of every router that takes a body."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _reading_last(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_once(request: Request) -> Response:
            return await handler(_Request(request.scope, request.receive))

        return read_once
