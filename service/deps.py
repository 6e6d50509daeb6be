"""Request dependencies: the session, the settings and the caller's role rules.

FastAPI runs every sync dependency in the thread pool, and on the providers' nightly writes
those hand-offs cost about as much CPU as the write itself (issue #6). So the dependencies of
every authenticated request that do no blocking I/O are `async def` and run on the event loop:
reading app state, opening the session, checking the role, and authenticating a key this
worker read in the last seconds (`RecentCallers`). Reading a key from the database, counting
in Redis, and the handlers run in the pool (but the availability update's, which hands its
write to the worker's availability writer: `usecases/availability_writer.py`).
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Header, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from schemas.common import HISTORY_PAGE, Instant
from schemas.enums import Role
from service.config import Settings
from service.db import committing_began, open_session
from service.errors import (
    NO_KEY,
    TRANSIENT_DATABASE_ERRORS,
    DatabaseUnavailable,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    said_back,
)
from service.gazetteer import Gazetteer
from service.problems_fr import preferred_language
from service.ratelimit import Quota, RateLimiter
from service.usecases.keys import Caller, RecentCallers, hash_key
from service.usecases.match_index import MatchIndex
from service.usecases.reports import NeedTally


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


logger = logging.getLogger("referral.errors")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: rolled back unless a use case committed, always closed. A
    transient error of the database is a 503 to try again while nothing was committed.

    Opening a session does no I/O. Closing one does only while it still holds a connection (a
    read, or a write that failed before its commit), and then it runs in the thread pool, with
    a limiter of its own as FastAPI's sync dependencies do, so that a close never waits for a
    thread that itself waits for a pooled connection.
    """
    session = open_session(request.app.state.engine)
    try:
        yield session
    except TRANSIENT_DATABASE_ERRORS as error:
        # The database out of reach or busy: 503, to be tried again, when that is safe. Not
        # after a commit of the use case was tried: it may have landed, and a client that
        # sent the request again would do it twice. (The key's own bookkeeping, committed
        # first, does not count: `db.commit_bookkeeping`.)
        if committing_began(session):
            raise
        raise DatabaseUnavailable from error
    finally:
        try:
            if session.in_transaction():
                await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
            else:
                session.close()
        except TRANSIENT_DATABASE_ERRORS as error:
            # The connection died under a rollback: the database rolled the transaction back
            # with it, and the pool drops the connection. Nothing was lost, no one to page
            # (an SRE's review found answered requests logged as "unhandled error").
            logger.warning(
                "database connection lost while closing a session",
                extra={"error_type": type(error).__name__},
            )


async def get_gazetteer(request: Request) -> Gazetteer:
    gazetteer: Gazetteer = request.app.state.gazetteer
    return gazetteer


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
GazetteerDep = Annotated[Gazetteer, Depends(get_gazetteer)]


async def get_match_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter = request.app.state.match_limiter
    return limiter


MatchLimiterDep = Annotated[anyio.CapacityLimiter, Depends(get_match_limiter)]


async def get_match_index(request: Request) -> MatchIndex | None:
    index: MatchIndex | None = request.app.state.match_index
    return index


MatchIndexDep = Annotated[MatchIndex | None, Depends(get_match_index)]


async def get_need_tally(request: Request) -> NeedTally:
    tally: NeedTally = request.app.state.need_tally
    return tally


NeedTallyDep = Annotated[NeedTally, Depends(get_need_tally)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer rk_…`. Ask an administrator for one.",
)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_caller(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Caller:
    """The caller behind the key (401 without one), counted against its requests per
    minute (429 beyond them). On the event loop when the key was used in the last seconds
    (`RecentCallers`) and the count is this worker's; in a worker thread when the key is
    read from the database or the count is Redis's."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized(NO_KEY)
    recent: RecentCallers = request.app.state.recent_callers
    limiter: RateLimiter = request.app.state.rate_limiter
    key_hash = hash_key(credentials.credentials)
    held = recent.get(key_hash)
    if held is None or limiter.blocking:
        caller, quota = await anyio.to_thread.run_sync(
            _identified, recent, session, key_hash, held, limiter
        )
    else:
        caller, quota = held, limiter.count(held.key_id, held.rate_limit)
    if quota is None:
        return caller
    # Told on the answer, whatever it is (`observability.RequestMiddleware`).
    request.state.rate_limit = quota
    if quota.exceeded:
        seconds = quota.wait_seconds
        limit = (
            f"its own limit of {caller.rate_limit} a minute"
            if caller.rate_limit is not None
            else "the service takes from one key"
        )
        raise TooManyRequests(
            f"This key made more requests this minute than {limit}; try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )
    return caller


def _identified(
    recent: RecentCallers,
    session: Session,
    key_hash: str,
    caller: Caller | None,
    limiter: RateLimiter,
) -> tuple[Caller, Quota | None]:
    """In a worker thread: the caller read from the database unless held, and counted. The
    read's transaction ends here: its connection goes back to the pool rather than wait,
    idle, for the use case (the availability update's is written by another thread, which
    needs a connection of the same pool: 40 updates at once, each holding one, had left it
    none for 30 s, a review)."""
    if caller is None:
        caller = recent.authenticate(session, key_hash)
        if session.in_transaction():
            session.rollback()
    return caller, limiter.count(caller.key_id, caller.rate_limit)


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = {field.alias for field in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return frozenset(names)


# The operations whose body is a need profile.
_PROFILE_PATHS = frozenset({"/v1/match"})
# By route (which is not hashable): the route itself, to tell a reused id apart, and its names.
_KNOWN_QUERY: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def _known_query(route: APIRoute) -> frozenset[str]:
    known = _KNOWN_QUERY.get(id(route))
    if known is None or known[0] is not route:
        known = _KNOWN_QUERY[id(route)] = (route, _query_names(route.dependant))
    return known[1]


def reject_unknown_query(request: Request) -> None:
    """422 for a query parameter a `/v1` operation does not take: a misspelt filter
    (`?categroy=`) would otherwise answer with everything, unfiltered, without a word.
    `/hsds` operations ignore them, as HSDS consumers send parameters of the standard
    that this service does not serve."""
    if not request.query_params or not request.url.path.startswith("/v1/"):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _known_query(route)
    names = request.query_params.keys()
    unknown = sorted(set(names) - known)
    # Beside a need profile nothing sent is named: a parameter's name may be a name or a
    # phone number as well as a field's ("?maria_5195550123=1").
    beside_a_profile = route.path in _PROFILE_PATHS
    # Every /v1 filter takes one value: a second one was silently dropped ("?province=ON&
    # province=QC" listed Quebec alone).
    repeated = sorted(n for n in set(names) & known if len(request.query_params.getlist(n)) > 1)
    if unknown or repeated:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": (
                        ("query", name) if said_back(name) and not beside_a_profile else ("query",)
                    ),
                    "msg": "Unknown query parameter",
                }
                for name in unknown
            ]
            + [
                {
                    "type": "repeated",
                    "loc": ("query", name),
                    "msg": "Given more than once: it takes one value",
                }
                for name in repeated
            ]
        )


def require(
    *roles: Role,
) -> Callable[[Request, Session, HTTPAuthorizationCredentials | None], Awaitable[Caller]]:
    """The caller, when its role is one of `roles` (else 403); then the query's parameters
    are checked (`reject_unknown_query`), so that 401 and 403 come first."""
    allowed = frozenset(roles)

    # (`get_caller` called here rather than depended on: one dependency fewer for FastAPI to
    # solve saved a provider's nightly update 1.5% of its instructions, issue #6)
    async def check(request: Request, session: SessionDep, credentials: Credentials) -> Caller:
        caller = await get_caller(request, session, credentials)
        if caller.role not in allowed:
            raise Forbidden(f"The {caller.role.value} role may not do this.")
        reject_unknown_query(request)
        return caller

    return check


def require_vetted(
    *roles: Role,
) -> Callable[[Request, Session, HTTPAuthorizationCredentials | None], Awaitable[Caller]]:
    """As `require`, and 403 for a provider key of an organization not yet approved: the
    registry beyond its own listings is for vetted organizations."""
    allowed = require(*roles)

    async def check(request: Request, session: SessionDep, credentials: Credentials) -> Caller:
        caller = await allowed(request, session, credentials)
        if caller.reads_only_its_own:
            raise caller.not_yet_vetted(" (GET /v1/services)")
        return caller

    return check


AdminCaller = Annotated[Caller, Depends(require(Role.admin))]
ProviderCaller = Annotated[Caller, Depends(require(Role.admin, Role.provider))]
_READERS = (Role.admin, Role.provider, Role.operator, Role.partner)
# Listings: a provider key of an organization pending vetting reads only its own.
ListingReaderCaller = Annotated[Caller, Depends(require(*_READERS))]
# The rest of the registry (removals, the HSDS read API): vetted readers only.
ReaderCaller = Annotated[Caller, Depends(require_vetted(*_READERS))]
MatchCaller = Annotated[Caller, Depends(require(Role.admin, Role.operator, Role.partner))]
ReportCaller = Annotated[Caller, Depends(require(Role.admin, Role.analyst))]
AnyCaller = Annotated[Caller, Depends(require(*Role))]


class Pagination:
    """`page` from 1, `per_page` up to the configured maximum."""

    def __init__(
        self,
        settings: SettingsDep,
        page: Annotated[int, Query(ge=1, le=1_000_000, description="From 1.")] = 1,
        per_page: Annotated[
            int | None, Query(ge=1, description="Items per page; at most 200 by default.")
        ] = None,
    ) -> None:
        self.page = page
        self.per_page = min(per_page or settings.default_per_page, settings.max_per_page)


PaginationDep = Annotated[Pagination, Depends()]


class HistoryPaging:
    """Which entries of a history: after an entry (`after`), from an instant (`since`), at
    most `limit` (up to `HISTORY_PAGE`)."""

    def __init__(
        self,
        request: Request,
        after: Annotated[
            int | None,
            Query(
                ge=0,
                le=2**31 - 1,  # (an entry's id is a 32-bit integer on PostgreSQL)
                description="An entry's `id`: only the entries after it (a page's `next_after`).",
            ),
        ] = None,
        since: Annotated[
            Instant | None,
            Query(description="Only the entries at or after this instant (ISO 8601)."),
        ] = None,
        limit: Annotated[
            int | None,
            Query(ge=1, description=f"Entries per page; at most {HISTORY_PAGE:,} (the default)."),
        ] = None,
    ) -> None:
        self.after = after
        self.since = since
        self.limit = min(limit or HISTORY_PAGE, HISTORY_PAGE)
        self._url = request.url

    def link_next(self, response: Response, next_after: int | None) -> None:
        """`Link: <…>; rel="next"` (RFC 8288) when later entries follow: this request's path
        and query with `after` set to `next_after`, for a client that follows links rather
        than reading the body. (Relative to this request: the Host header is not trusted.)"""
        if next_after is not None:
            following = self._url.include_query_params(after=next_after)
            response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'


HistoryPagingDep = Annotated[HistoryPaging, Depends()]


async def get_language(
    accept_language: Annotated[
        str | None,
        Header(
            description="`fr` for the answer's own words (a match's reasons and caveats, a "
            "confidential listing's intake message) in French; English otherwise."
        ),
    ] = None,
) -> str:
    """The language of the answer's own words, as `Accept-Language` prefers: `fr` or `en`."""
    return preferred_language(accept_language)


LanguageDep = Annotated[str, Depends(get_language)]
