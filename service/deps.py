"""Request dependencies: the session, the settings and the caller's role rules."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from schemas.enums import Role
from service.config import Settings
from service.db import session_scope
from service.errors import Forbidden, Unauthorized
from service.gazetteer import Gazetteer
from service.usecases.keys import Caller, authenticate


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    yield from session_scope(request.app.state.engine)


def get_gazetteer(request: Request) -> Gazetteer:
    gazetteer: Gazetteer = request.app.state.gazetteer
    return gazetteer


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
GazetteerDep = Annotated[Gazetteer, Depends(get_gazetteer)]
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


def require(*roles: Role) -> Callable[[Caller], Caller]:
    allowed = frozenset(roles)

    def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
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
