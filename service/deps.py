"""Request dependencies: the session, the settings and the caller's role rules.

FastAPI runs every sync dependency in the thread pool, and on the providers' nightly writes
those hand-offs cost about as much CPU as the write itself (issue #6). So the dependencies of
every authenticated request that do no blocking I/O are `async def` and run on the event loop:
reading app state, opening the session, checking the role. Authentication, which reads the
database, and the handler run in the pool.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from schemas.enums import Role
from service.config import Settings
from service.db import committing_began, open_session
from service.errors import TRANSIENT_DATABASE_ERRORS, DatabaseUnavailable, Forbidden, Unauthorized
from service.gazetteer import Gazetteer
from service.usecases.keys import Caller, authenticate
from service.usecases.match_index import MatchIndex


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


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
        # after a commit was tried, even the key's own bookkeeping: the commit may have
        # landed, and a client that sent the request again would do it twice.
        if committing_began(session):
            raise
        raise DatabaseUnavailable from error
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


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
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer rk_…`. Ask an administrator for one.",
)


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("Send Authorization: Bearer <key>.")
    return authenticate(session, key=credentials.credentials)


def require(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    allowed = frozenset(roles)

    async def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.role not in allowed:
            raise Forbidden(f"The {caller.role.value} role may not do this.")
        return caller

    return check


AdminCaller = Annotated[Caller, Depends(require(Role.admin))]
ProviderCaller = Annotated[Caller, Depends(require(Role.admin, Role.provider))]
ReaderCaller = Annotated[
    Caller, Depends(require(Role.admin, Role.provider, Role.operator, Role.partner))
]
MatchCaller = Annotated[Caller, Depends(require(Role.admin, Role.operator, Role.partner))]
AnyCaller = Annotated[Caller, Depends(get_caller)]


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
