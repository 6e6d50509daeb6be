"""The client's logic without I/O, shared by the sync and the async client.

An operation is a generator ("flow") that yields steps, a `Call` to send or a `Sleep` to wait,
and receives what came of each: an `httpx.Response`, an `httpx.TransportError`, or `None` after
a sleep. Its return value is the operation's result. Each client only drives flows with its own
kind of I/O, so retries, problem parsing and the ETag dance are written once.
"""

import email.utils
import itertools
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from referral_client.errors import TooManyRequests, UnexpectedResponse, Unreachable, error_for
from schemas.problem import Problem

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One HTTP request. `idempotent` requests are retried after any transport error; the
    others only when the connection was never made, so nothing is done twice."""

    method: str
    path: str
    params: dict[str, str] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = True


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Call | Sleep
Outcome = httpx.Response | httpx.TransportError | None
Flow = Generator[Step, Outcome, T]

# 429 and 503 mean the request was not handled, so they are retried whatever the method
# (after the server's Retry-After); a gateway's 502 or 504 may come after the server acted,
# so only idempotent requests retry on those.
_RETRY_ALWAYS = frozenset({429, 503})
_RETRY_IDEMPOTENT = frozenset({502, 504})


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to try again on connection errors, 429 and 503.

    `attempts` counts every try, the first included. The wait before try n+1 is
    `backoff_seconds * 2**(n-1)`, or the server's `Retry-After` when it sends one. A wait
    longer than `max_delay_seconds` is not made: the error is raised at once instead, since an
    operator with a caller on the line cannot wait minutes.
    """

    attempts: int = 3
    backoff_seconds: float = 0.5
    max_delay_seconds: float = 10.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float | None:
        """Seconds to wait after failed try number `attempt` (from 1), or None to give up."""
        if attempt >= self.attempts:
            return None
        wait = _retry_after_seconds(retry_after)
        if wait is None:
            wait = self.backoff_seconds * 2 ** (attempt - 1)
        return wait if wait <= self.max_delay_seconds else None


def _retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: delay-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def send(call: Call, retry: Retry) -> Flow[httpx.Response]:
    """Send `call`, retrying as `retry` says; the last response whatever its status."""
    return (yield from tries(call, retry))[0]


def remove(call: Call, retry: Retry) -> Flow[None]:
    """Send a DELETE whose aim is that the thing be gone. A 404 after an earlier try that may
    have been acted on (a 502 or 504, a connection broken once the request may have arrived)
    is that try's success, not an error; a 404 otherwise, the first try's included, raises
    `NotFound`."""
    response, maybe_done = yield from tries(call, retry)
    if not (maybe_done and response.status_code == 404):
        check(response)


def tries(call: Call, retry: Retry) -> Flow[tuple[httpx.Response, bool]]:
    """The last response, and whether an earlier try may have been acted on: its outcome
    unknown, unlike a 429 or 503 (not handled) or a connection never made."""
    maybe_done = False
    for attempt in itertools.count(1):
        outcome = yield call
        if isinstance(outcome, httpx.Response):
            retryable = outcome.status_code in _RETRY_ALWAYS or (
                call.idempotent and outcome.status_code in _RETRY_IDEMPOTENT
            )
            delay = retry.delay(attempt, outcome.headers.get("Retry-After")) if retryable else None
            if delay is None:
                return outcome, maybe_done
            maybe_done = maybe_done or outcome.status_code in _RETRY_IDEMPOTENT
        else:
            assert isinstance(outcome, httpx.TransportError)
            never_sent = isinstance(outcome, httpx.ConnectError | httpx.ConnectTimeout)
            delay = retry.delay(attempt) if call.idempotent or never_sent else None
            if delay is None:
                raise _unreachable(outcome) from outcome
            maybe_done = maybe_done or not never_sent
        yield Sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _unreachable(error: httpx.TransportError) -> Unreachable:
    """What went wrong, with the server's address and never the request's content."""
    server: str | None
    try:
        url = error.request.url
        server = f"{url.scheme}://{url.netloc.decode('ascii')}"
    except RuntimeError:
        server = None
    where = server or "the server"
    if isinstance(error, httpx.TimeoutException):
        return Unreachable(f"{where} did not answer in time", server=server, reason="timeout")
    if isinstance(error, httpx.ConnectError):
        return Unreachable(f"cannot connect to {where}", server=server, reason="connect")
    return Unreachable(f"the connection to {where} broke ({type(error).__name__})", server=server)


def problem_of(response: httpx.Response) -> Problem:
    """The RFC 9457 body of an error response, or one made from its status line."""
    try:
        problem = Problem.model_validate_json(response.content)
    except ValidationError:
        reason = response.reason_phrase or "Error"
        return Problem(title=reason, status=response.status_code)
    return problem.model_copy(update={"status": response.status_code})


def check(response: httpx.Response) -> httpx.Response:
    """The response if it is a success; else its problem, raised as a typed exception."""
    if not response.is_success:
        error = error_for(problem_of(response))
        if isinstance(error, TooManyRequests):
            # How long to wait is a header, not part of the problem: kept for the caller to
            # say it in its own words (the console and the command line in French).
            error.retry_after_seconds = _retry_after_seconds(response.headers.get("Retry-After"))
        raise error
    return response


def parse(response: httpx.Response, model: type[M]) -> M:
    """The success body as `model`; a problem raised as a typed exception."""
    check(response)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise UnexpectedResponse(
            f"{response.status_code} answer is not a {model.__name__} "
            f"({error.error_count()} field errors)"
        ) from None
