"""RFC 9457 problem details, the body of every error, and the kinds of problem (`type`)."""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

# A problem's `type` is this and its code. The URI is a name, compared as it is, not an
# address to fetch: it is the same wherever the service runs, and the service documents each
# at `/problems/{code}` (`routers/problem_types.py`).
PROBLEM_TYPE_BASE = "https://referral-service.example/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A kind of problem the service sends, as a client meets it."""

    code: str
    statuses: tuple[int, ...]
    title: str
    when: str  # what it means
    then: str  # what a client does about it

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.code


PROBLEM_TYPES = (
    ProblemType(
        "unauthorized",
        (401,),
        "Unauthorized",
        "No key was sent, or the key is not one the service knows, or it was revoked.",
        "Send `Authorization: Bearer <key>` with a current key; an administrator issues keys. "
        "The same request without one gets the same answer.",
    ),
    ProblemType(
        "forbidden",
        (403,),
        "Forbidden",
        "The key is known, but its role may not do this (an analyst asking for a match, a "
        "partner writing a listing), a provider key adds a listing to another organization, "
        "or the key's organization is suspended.",
        "Do not send it again: use a key of a role that may, or ask an administrator.",
    ),
    ProblemType(
        "not-found",
        (404,),
        "Not found",
        "No organization, listing, key or place has this id or name, or it is not the "
        "caller's to see: another organization's listing is not found by a provider key. A "
        "listing deleted since tells its own organization (and an administrator) when it was "
        "deleted.",
        "Check the id. A nightly script drops a listing deleted since, rather than send its "
        "update again.",
    ),
    ProblemType(
        "conflict",
        (409,),
        "Conflict",
        "The change contradicts what is recorded: an organization that still has listings "
        "deleted, a listing moved to another organization, a revoked key changed, a vetting "
        "decision made on a status that another decision changed since, or listings changed "
        "while an import wrote them.",
        "Read the record again (`detail` says what to look at), then decide; sending the same "
        "again gets the same answer.",
    ),
    ProblemType(
        "precondition-failed",
        (412,),
        "Precondition failed",
        "The `If-Match` sent names a version that is no longer current: someone changed the "
        "listing or organization since it was read. Nothing was changed.",
        "Read it again (its `ETag`), apply the change to what is there now, and send it with "
        "the new `ETag`.",
    ),
    ProblemType(
        "validation-error",
        (422,),
        "Invalid request",
        "A field is missing, of the wrong JSON type, out of range or not one of its values, or "
        "a query parameter is not taken; `errors` lists each (`loc`, `msg`), and never echoes "
        "the value sent. Nothing was changed.",
        "Correct the fields named. A match's location too wide or unknown says to send the "
        "town (`location.place`) instead.",
    ),
    ProblemType(
        "precondition-required",
        (428,),
        "Precondition required",
        "A change to a listing's or an organization's fields needs `If-Match`, so that two "
        "editors never overwrite each other. (The nightly availability update does not.)",
        "Read it (`GET`), and send its `ETag` in `If-Match` with the change.",
    ),
    ProblemType(
        "too-many-requests",
        (429,),
        "Too many requests",
        "The key has made as many requests this minute as one key may (`RateLimit-Policy`).",
        "Wait the seconds `Retry-After` says, then send it again.",
    ),
    ProblemType(
        "unavailable",
        (503,),
        "Service unavailable",
        "The database is out of reach or busy past the wait, or the worker is stopping. "
        "Nothing was changed.",
        "Send the same request again after the seconds `Retry-After` says (the Python client "
        "does).",
    ),
)
# `about:blank`: HTTP's own meaning of the status, and nothing more.
BLANK_STATUSES = {
    404: "No such path (a `/v1` path with a slash at its end says so).",
    405: "The path does not take this method; `Allow` lists those it takes.",
    413: "The body is larger than the server takes (`REFERRAL_MAX_BODY_BYTES`).",
    415: "The body was not sent as `application/json`.",
    500: "Something failed on the service's side; quote `request_id` when reporting it. A "
    "write answered 500 may or may not have been made: read before sending it again.",
}


def _type_description() -> str:
    kinds = ", ".join(
        f"`{kind.code}` ({', '.join(map(str, kind.statuses))})" for kind in PROBLEM_TYPES
    )
    return (
        f"The kind of problem, a name compared as it is: `{PROBLEM_TYPE_BASE}` and one of "
        f"{kinds}, each documented by the service at `/problems/{{code}}`; or `about:blank` "
        "for HTTP's own meaning of the status."
    )


class ProblemError(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, such as `body.age`.")
    msg: str


class Problem(BaseModel):
    # The service always sends these four (the document says so); a client reading another
    # server's problem, or a proxy's, takes what comes.
    model_config = ConfigDict(json_schema_extra={"required": ["type", "title", "status", "detail"]})

    type: str = Field(
        default="about:blank",
        description=_type_description(),
    )
    title: str
    status: int
    detail: str | None = Field(
        default=None, description="What went wrong here, and what to do about it."
    )
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemError] | None = Field(
        default=None, description="For 422: each invalid field. The value sent is never echoed."
    )
