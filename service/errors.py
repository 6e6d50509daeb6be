"""Domain errors, which know nothing of HTTP beyond their status, and the RFC 9457 handlers."""

import difflib
import logging
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from schemas.match import MatchLocation, NeedProfile
from schemas.problem import PROBLEM_TYPE_BASE, Problem, ProblemError
from service.http_json import DUPLICATE_FIELD
from service.problems_fr import MESSAGES, french_message, french_text, preferred_language

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("referral.errors")


class DomainError(Exception):
    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[ProblemError] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition-required", "Precondition required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


# What a request without a key is told, wherever it is refused.
NO_KEY = "Send Authorization: Bearer <key>."


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Unprocessable(DomainError):
    status, code, title = 422, "validation-error", "Invalid request"

    @classmethod
    def at(cls, *loc: str | int, msg: str, detail: str) -> "Unprocessable":
        """One field's problem: `loc` names the field (never its value), `msg` what is wrong
        with it, `detail` what to do."""
        return cls(detail, errors=validation_errors([{"loc": loc, "msg": msg}]))


class TooManyRequests(DomainError):
    status, code, title = 429, "too-many-requests", "Too many requests"


class Unavailable(DomainError):
    status, code, title = 503, "unavailable", "Service unavailable"


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid request",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(
    request: Request,
    *,
    status: int,
    title: str | None = None,
    detail: str | None = None,
    code: str | None = None,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    title = title or _TITLES.get(status, "Error")
    detail = detail or title
    if _prefers_french(request):
        title, detail = french_text(title), french_text(detail)
        if errors:
            errors = [ProblemError(loc=e.loc, msg=MESSAGES.get(e.msg, e.msg)) for e in errors]
    body = Problem(
        type=PROBLEM_TYPE_BASE + code if code else "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    )
    if status == 401:
        # RFC 9110: a 401 names the scheme that would do (a key, as `Authorization: Bearer`).
        headers = {"WWW-Authenticate": 'Bearer realm="referral-service"', **(headers or {})}
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _prefers_french(request: Request) -> bool:
    return preferred_language(request.headers.get("accept-language")) == "fr"


# A name sent (a field's, a query parameter's) is said back only when it looks like one: a
# JSON key can be any text, a caller's name and telephone number included. Values never are.
_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,40}$")


# How pydantic names the members of a union in an error's location.
_UNION_MEMBER = re.compile(r"[\[\]()]")


# A JSON field's name, more strictly: an identifier ("519-555-1234" is no field's name).
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")


def said_back(name: str) -> bool:
    """Whether an unknown query parameter's name may be named in an error."""
    return bool(_NAME.match(name))


def validation_errors(
    raw: Sequence[Any], *, profile_fields: frozenset[str] | None = None, french: bool = False
) -> list[ProblemError]:
    """`{loc, msg}` only: pydantic's `input` and `ctx` would echo what was sent, and an
    unknown field's name is left out of `loc` unless it is an identifier (`_FIELD`). In a
    need profile (`profile_fields`, its fields) an unknown field is never named, identifier
    or not ("maria_gonzalez_5195550123" is one): the nearest field of the profile is
    suggested instead, when one is near."""
    problems = []
    for e in raw:
        if e.get("type") == "none_required" and len(raw) > 1:
            continue  # the null branch of an optional field: the other error says what is wrong
        # (not the names pydantic gives a union's members: "function-after[…]", "str")
        body = bool(e["loc"]) and e["loc"][0] == "body"
        loc = [
            str(part) if not isinstance(part, int) else part
            for part in e["loc"]
            if not (body and isinstance(part, str) and _UNION_MEMBER.search(part))
        ]
        message = _safe_message(e)
        if message == DUPLICATE_FIELD:
            loc = ["body"]  # (not where: the reader knows no place in the text)
        if french:
            message = french_message(e.get("type"), e.get("ctx"), message)
        name = loc[-1] if loc else None
        if e.get("type") == "extra_forbidden" and isinstance(name, str):
            if profile_fields is not None and loc[0] == "body":
                near = difflib.get_close_matches(name, sorted(profile_fields), n=1, cutoff=0.8)
                loc = loc[:-1]
                if french:
                    suggested = f" ; vouliez-vous dire {near[0]} ?" if near else ""
                    message = f"champ inconnu (un champ d'un profil n'est pas nommé{suggested})"
                else:
                    suggested = f"; did you mean {near[0]}?" if near else ""
                    message = (
                        "Extra inputs are not permitted (a field of a need profile is not named"
                        f"{suggested})"
                    )
            elif not _FIELD.match(name):
                loc = loc[:-1]
                message = (
                    "champ inconnu (un champ non nommé)"
                    if french
                    else "Extra inputs are not permitted (a field not named)"
                )
        problems.append(ProblemError(loc=loc, msg=message))
    return problems


def _safe_message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        if (error.get("ctx") or {}).get("error") == DUPLICATE_FIELD:
            return DUPLICATE_FIELD
        return "Invalid JSON"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        request,
        status=422,
        code="validation-error",
        detail="The request is not valid; see errors.",
        errors=validation_errors(
            exc.errors(),
            profile_fields=_PROFILE_FIELDS if request.url.path == "/v1/match" else None,
            french=_prefers_french(request),
        ),
    )


# Every field name of a need profile, its location's included.
_PROFILE_FIELDS = frozenset(NeedProfile.model_fields) | frozenset(MatchLocation.model_fields)


# FastAPI's answer to a body it cannot decode (`http_json` reads the bodies of the routes that
# take one; this is for any other), where a body that is not JSON is a 422: both are an
# invalid request, answered alike.
_UNREADABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
        return await _validation_error(
            request,
            RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": ""}]),
        )
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == _TITLES.get(exc.status_code) or detail in {"Not Found", "Method Not Allowed"}:
        detail = _GENERIC_DETAILS.get(exc.status_code)
        if exc.status_code == 404 and _answered_without_slash(request):
            detail = _WITHOUT_SLASH
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(request, status=exc.status_code, detail=detail, headers=headers)


_GENERIC_DETAILS = {
    404: "No such path here; /docs lists every path this service answers.",
    405: "This path does not answer this method; Allow lists those it does.",
}

_WITHOUT_SLASH = "No such path here: send it without the slash at its end."

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _answered_without_slash(request: Request) -> bool:
    """Whether the path, asked with a slash at its end, is one without it that answers this
    method (else the slash is not all that is wrong: `DELETE /v1/services/`)."""
    path = request.scope["path"]
    if not path.endswith("/") or path == "/":
        return False
    scope = {**request.scope, "path": path.rstrip("/")}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _allowed_methods(request: Request) -> list[str]:
    """Every method answered at this path. (Starlette's 405 names only the methods
    of the first route it found there, as `Allow: POST` for `/v1/keys`, which also answers
    GET; RFC 9110 asks for all of them.)"""
    routes = request.app.router.routes
    answered = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    }
    if "GET" in answered:  # and so HEAD (`http_head.HeadAsGet`)
        answered.add("HEAD")
    return [method for method in _METHODS if method in answered]


def _log(level: int, message: str, request: Request, error: BaseException) -> None:
    """An error in the log: its type and the request's id only, since its text may hold data
    (a value sent, a statement)."""
    logger.log(
        level,
        message,
        extra={"error_type": type(error).__name__, "request_id": request.state.request_id},
    )


# What a client is told to wait before trying again when the database is out of reach or busy:
# a moment, as a failover or a long write takes (the Python client honours it).
_RETRY_AFTER_S = 1
# The database's errors that pass: it is out of reach or restarting, a lock was not granted
# in time, or no pooled connection came free.
TRANSIENT_DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class DatabaseUnavailable(Exception):
    """The database failed a request that changed nothing (`deps.get_session` decides):
    503 with `Retry-After`, so that clients try again, rather than 500. Raised from the
    database's error, whose type alone is logged."""


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    cause = exc.__cause__ or exc
    # (the driver's error, not SQLAlchemy's wrapper, says what happened)
    _log(logging.WARNING, "database unavailable", request, getattr(cause, "orig", None) or cause)
    return problem_response(
        request,
        status=503,
        code="unavailable",
        detail="The database is busy or out of reach; nothing was changed. Try again shortly.",
        headers={"Retry-After": str(_RETRY_AFTER_S)},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log(logging.ERROR, "unhandled error", request, exc)
    return problem_response(
        request,
        status=500,
        detail="Something went wrong on our side. Quote the request id when reporting it.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
