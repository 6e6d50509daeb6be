"""What can go wrong, as exceptions a caller can catch by kind.

Every answer of the API that is not a success is an RFC 9457 problem; it becomes a
`ProblemError` subclass chosen by its status, carrying the parsed `Problem`. A server that
cannot be reached at all is `Unreachable`. Neither ever holds the request body: a need profile
stays out of exception messages, tracebacks and logs.
"""

from typing import Literal

from schemas.problem import Problem
from schemas.problem import ProblemError as FieldError

# Why no answer came: the connection was refused or never made, the server took too long,
# or the connection broke while the request or its answer was on its way.
UnreachableReason = Literal["connect", "timeout", "broken"]


class ReferralError(Exception):
    """Base of every error this client raises."""


class InvalidSettings(ReferralError, ValueError):
    """The server's URL or the key cannot be used as given, said before any request: a URL
    without `http://` or `https://`, a key with a character no key has (a placeholder such
    as `rk_…` copied as it is, a space inside). Never the key itself."""


class Unreachable(ReferralError):
    """No answer from the server: connection refused, DNS failure, or a timeout, after the
    retries. `server` is the address tried (scheme, host and port; None when unknown) and
    `reason` says what happened, for a caller that words it in its own language."""

    def __init__(
        self, message: str, *, server: str | None = None, reason: UnreachableReason = "broken"
    ) -> None:
        super().__init__(message)
        self.server = server
        self.reason = reason


class UnexpectedResponse(ReferralError):
    """The server answered with something that is not the contract's shape."""


class ProblemError(ReferralError):
    """The server answered with a problem (RFC 9457). `problem` is the whole parsed body."""

    status: int = 0

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.status = problem.status
        super().__init__(self._message())

    @property
    def detail(self) -> str | None:
        return self.problem.detail

    @property
    def errors(self) -> list[FieldError]:
        return list(self.problem.errors or [])

    @property
    def request_id(self) -> str | None:
        return self.problem.request_id

    def _message(self) -> str:
        text = f"{self.problem.status} {self.problem.title}"
        if self.problem.detail:
            text += f": {self.problem.detail}"
        return text


class BadRequest(ProblemError):
    """A 4xx without a class of its own (400, 405, 413, 415...)."""


class AuthenticationError(ProblemError):
    """401: no key, an unknown key, or a revoked one."""


class PermissionDenied(ProblemError):
    """403: the key's role may not do this."""


class NotFound(ProblemError):
    """404: no such resource, or not one this key may see."""


class Conflict(ProblemError):
    """409."""


class PreconditionFailed(ProblemError):
    """412: the listing changed since its ETag was read."""


class PreconditionRequired(ProblemError):
    """428: a write that needs `If-Match` was sent without it."""


class ValidationFailed(ProblemError):
    """422: the request is not valid. `errors` names each field (`loc`) and what is wrong
    (`msg`), never the value sent."""

    def _message(self) -> str:
        errors = self.errors
        if not errors:
            return super()._message()
        fields = "; ".join(
            f"{'.'.join(str(part) for part in error.loc)}: {error.msg}" for error in errors
        )
        detail = self.problem.detail
        # The detail of a 422 with a single error restates it ("location.place: no such
        # place known…"): said once, by the field list, which names the whole location.
        if detail and any(detail.endswith(error.msg) for error in errors):
            return f"{self.problem.status} {self.problem.title} ({fields})"
        return f"{super()._message()} ({fields})"


class ServerError(ProblemError):
    """500 and other 5xx the server gave no better name: a bug on the server's side."""


class Unavailable(ProblemError):
    """502, 503 or 504 after the retries: the server, or its database, is not answering."""


class TooManyRequests(ProblemError):
    """429: the key made more requests this minute than the server takes from one key.
    Raised once `Retry-After` is longer than the client's `max_delay_seconds`; shorter
    waits are retried. `retry_after_seconds` is how long the server asked to wait (None
    when it did not say)."""

    retry_after_seconds: float | None = None


_BY_STATUS: dict[int, type[ProblemError]] = {
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    422: ValidationFailed,
    428: PreconditionRequired,
    429: TooManyRequests,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_for(problem: Problem) -> ProblemError:
    """The exception for a problem, by its status."""
    kind = _BY_STATUS.get(problem.status)
    if kind is None:
        kind = ServerError if problem.status >= 500 else BadRequest
    return kind(problem)
