"""API keys, issued and revoked by administrators."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from schemas.enums import Role
from schemas.keys import (
    CallerPublic,
    KeyCreate,
    KeyCreated,
    KeyList,
    KeyPublic,
    KeyUpdate,
    StaleAfter,
)
from service.deps import AdminCaller, AnyCaller, SessionDep, SettingsDep
from service.http_json import JsonRoute
from service.routers._responses import AUTH, problems
from service.usecases import keys as usecases

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=JsonRoute)
me_router = APIRouter(prefix="/v1/me", tags=["keys"])


@router.post("", status_code=201, summary="Issue a key", responses=problems(*AUTH, 422))
def create_key(data: KeyCreate, session: SessionDep, caller: AdminCaller) -> KeyCreated:
    """Issue a key for a role. The secret `key` is in this answer only: hand it over now.
    A `provider` key is bound to one organization."""
    return usecases.create_key(session, data=data, caller=caller)


@router.get("", summary="List keys", responses=problems(*AUTH, 422))
def list_keys(
    session: SessionDep,
    caller: AdminCaller,
    organization_id: Annotated[UUID | None, Query(description="Only this organization's.")] = None,
    role: Annotated[Role | None, Query(description="Only the keys of this role.")] = None,
    revoked: Annotated[
        bool | None,
        Query(
            description="`false`: only the keys not revoked (a suspended organization's "
            "among them, refused while it is suspended: `organization_status`); `true`: only "
            "the revoked ones."
        ),
    ] = None,
) -> KeyList:
    """Every key with its role, owner and last use, oldest first; never the secret. Revoked
    keys stay on the record: `revoked=false` lists those not revoked. A provider key says
    its organization's status: while it is `suspended`, the key is refused (403)."""
    return usecases.list_keys(
        session, organization_id=organization_id, role=role, revoked=revoked, caller=caller
    )


@router.patch("/{key_id}", summary="Change a key", responses=problems(*AUTH, 404, 409, 422))
def update_key(
    key_id: UUID, data: KeyUpdate, session: SessionDep, caller: AdminCaller
) -> KeyPublic:
    """Rename a key, or give it requests per minute of its own (`null`: back to the
    service's `REFERRAL_RATE_LIMIT_PER_MINUTE`): more for a large partner app, fewer for a
    key to slow down while it is looked into. It applies from the key's next request (to
    another worker or instance, within `REFERRAL_KEY_CACHE_SECONDS`, 2 s by default);
    requests already counted this minute (none while it had no limit) count against it,
    per worker unless `REFERRAL_REDIS_URL` is set. A revoked key, and the bootstrap key's
    name, do not change (409). Who changed what is logged (`referral.keys`)."""
    return usecases.update_key(session, key_id=key_id, data=data, caller=caller)


@router.delete(
    "/{key_id}", status_code=204, summary="Revoke a key", responses=problems(*AUTH, 404, 409)
)
def revoke_key(key_id: UUID, session: SessionDep, caller: AdminCaller) -> Response:
    """The key gets 401 from the next request on (to another worker or instance, within
    `REFERRAL_KEY_CACHE_SECONDS`, 2 s by default). The last working administrator key cannot
    be revoked (409): issue another first."""
    usecases.revoke_key(session, key_id=key_id, caller=caller)
    return Response(status_code=204)


@me_router.get("", summary="Who am I", responses=problems(*AUTH, 422))
def whoami(session: SessionDep, caller: AnyCaller, settings: SettingsDep) -> CallerPublic:
    """The key this request was sent with (its role, name and last use, never the secret)
    and, for a `provider` key, its organization: what a script checks before it starts, and
    how a provider's script finds its organization's listings. Also when this service calls
    a listing or a bed count stale. Every role may call it."""
    return usecases.describe_caller(
        session,
        caller=caller,
        stale_after=StaleAfter(
            listing_days=settings.stale_after_days,
            beds_hours=settings.availability_stale_after_hours,
        ),
    )
