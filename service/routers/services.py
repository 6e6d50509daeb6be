"""The registry, maintained by providers over the API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response

from schemas.common import Instant
from schemas.enums import Category, Province
from schemas.services import (
    AvailabilityUpdate,
    RemovedPage,
    ServiceCreate,
    ServiceHistory,
    ServicePage,
    ServicePublic,
    ServiceReplace,
    ServiceUpdate,
)
from service.deps import (
    GazetteerDep,
    HistoryPagingDep,
    LanguageDep,
    ListingReaderCaller,
    PaginationDep,
    ProviderCaller,
    ReaderCaller,
    SessionDep,
    SettingsDep,
)
from service.errors import Unprocessable
from service.http_json import JsonRoute
from service.routers._responses import AUTH, PAGED, problems, with_etag
from service.usecases import services as usecases
from service.usecases.availability_writer import AvailabilityWriter

router = APIRouter(prefix="/v1/services", tags=["services"], route_class=JsonRoute)
# Beside the listings, not under them: `/v1/services/{id}` would take any other name.
removed_router = APIRouter(prefix="/v1/removed-services", tags=["services"])

IfMatch = Annotated[
    str | None,
    Header(
        description='The `ETag` of the listing as you read it (its weak form `W/"…"` too, as a '
        "compressing proxy passes it on). Required.",
        alias="If-Match",
    ),
]


def _with_etag(response: Response, public: ServicePublic) -> ServicePublic:
    response.headers["ETag"] = usecases.etag_of(public.id, public.version)
    return public


def _serialized_with_etag(public: ServicePublic) -> Response:
    """The answer, serialized here: FastAPI would hand a returned model to the thread pool
    once more to validate it again, which costs a provider's nightly updates more than the
    serializing itself (issue #6)."""
    return Response(
        public.model_dump_json(),
        media_type="application/json",
        headers={"ETag": usecases.etag_of(public.id, public.version)},
    )


# First of the routes: a request is matched against every route before its own (in this
# router and the ones before it, twice), and providers' nightly bed counts are the most
# frequent writes (4% of an update's instructions when it came seventh; issue #6).
@router.put(
    "/{service_id}/availability",
    summary="Update free beds",
    responses={**problems(*AUTH, 404, 412, 422), **with_etag()},
    response_model=ServicePublic,
)
async def set_availability(
    request: Request,
    service_id: UUID,
    data: AvailabilityUpdate,
    caller: ProviderCaller,
    if_match: Annotated[
        str | None,
        Header(
            description="Optional: the `ETag` of the listing as you read it, so that the count "
            "is not written over a listing changed since (412). `*`: whatever version is there.",
            alias="If-Match",
        ),
    ] = None,
) -> Response:
    """The nightly fast path: `beds_available` (not above `beds_total`) and/or
    `accepting_referrals`. No `If-Match` needed; concurrent writes are never lost. An
    `If-Match` sent is honoured: 412 when the listing changed since. Answered once committed
    (on SQLite, updates sent at the same moment are committed together, each written or
    refused on its own)."""
    writer: AvailabilityWriter = request.app.state.availability_writer
    service = await writer.write(service_id=service_id, data=data, caller=caller, if_match=if_match)
    return _serialized_with_etag(usecases.render(service, caller=caller))


@router.post(
    "",
    status_code=201,
    summary="List a service",
    responses={**problems(*AUTH, 422), **with_etag(201, location=True)},
)
def create_service(
    data: ServiceCreate,
    session: SessionDep,
    caller: ProviderCaller,
    gazetteer: GazetteerDep,
    response: Response,
) -> ServicePublic:
    """List a service of your organization (any organization for an administrator).
    It is matched once the organization is approved. Answers with `ETag` and `Location`."""
    service = usecases.create_service(session, data=data, caller=caller, gazetteer=gazetteer)
    response.headers["Location"] = f"/v1/services/{service.id}"
    return _with_etag(response, usecases.render(service, caller=caller))


@router.get("", summary="List services", responses=problems(*AUTH, 422))
def list_services(
    session: SessionDep,
    caller: ListingReaderCaller,
    pagination: PaginationDep,
    settings: SettingsDep,
    language: LanguageDep,
    organization_id: Annotated[UUID | None, Query(description="Only this organization's.")] = None,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    province: Annotated[
        Province | None,
        Query(description="Located in, or serving, this province (or nationwide)."),
    ] = None,
    modified_after: Annotated[
        Instant | None,
        Query(
            description="Changed after this instant (ISO 8601). To sync, start here once, "
            "then follow `next_cursor`, not `page`: the list is ordered by last change, so a "
            "listing changed while you read moves to the end, the ones after it move up a "
            "place, and the next page by number skips one, which a later sync from its "
            "instant never brings back."
        ),
    ] = None,
    beds_stale: Annotated[
        bool | None,
        Query(
            description="`true`: only listings with beds whose count of free beds is older "
            "than `REFERRAL_AVAILABILITY_STALE_AFTER_HOURS` (48 by default) or was never "
            "given, which matches do not take as tonight's: what a provider's nightly update "
            "missed. `false`: only listings with beds and a current count."
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A page's `next_cursor`: the listings changed after that page's last, "
            "in the same order. Instead of `page` and `modified_after`.",
        ),
    ] = None,
    stale: Annotated[
        bool | None,
        Query(
            description="`true`: only listings not verified for `REFERRAL_STALE_AFTER_DAYS` "
            "(180 by default) or never (an import that gave no date), which matches show as "
            "stale and rank lower: what a provider should check and verify. `false`: only "
            "the others."
        ),
    ] = None,
) -> ServicePage:
    """Listings you may see, least recently changed first. Confidential locations appear as
    their area only, except to administrators and the owning provider.

    To keep a copy of the registry: read the whole list (unfiltered) by following
    `next_cursor` while `has_more`, keep the last page's, and later send it as `cursor` for
    what changed since; drop what `GET /v1/removed-services` lists. A listing counts as
    changed when anything you read of it changes: its own fields, its bed count, its
    verification, and its organization's name or approval (a listing of an organization
    approved again comes again)."""
    return usecases.list_services(
        session,
        caller=caller,
        cursor=cursor,
        beds_stale=beds_stale,
        beds_stale_after_hours=settings.availability_stale_after_hours,
        language=language,
        stale=stale,
        stale_after_days=settings.stale_after_days,
        organization_id=organization_id,
        category=category,
        province=province,
        modified_after=modified_after,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@removed_router.get(
    "",
    summary="Listings removed since an instant",
    responses=problems(*AUTH, 422),
)
def removed_services(
    session: SessionDep,
    caller: ReaderCaller,
    pagination: PaginationDep,
    since: Annotated[
        Instant | None,
        Query(description="ISO 8601: removals after this instant. Or send `cursor`."),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A page's `next_cursor`: the removals after that page's last. Keep "
            "the last page's for the next sync.",
        ),
    ] = None,
) -> RemovedPage:
    """The listings a copy of the registry should drop, oldest removal first: those deleted
    since `since` (`deleted`), and, to every role but an administrator, those whose
    organization was suspended since then and is not approved again (`withdrawn`; its
    provider still sees its own). Ids only: a deleted listing's content is gone."""
    return usecases.removed_services(
        session,
        caller=caller,
        since=since,
        cursor=cursor,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get(
    "/{service_id}",
    summary="Read a service",
    responses={**problems(*AUTH, 404), **with_etag()},
)
def get_service(
    service_id: UUID,
    session: SessionDep,
    caller: ListingReaderCaller,
    response: Response,
    language: LanguageDep,
) -> ServicePublic:
    """One listing as your role may see it, with its `ETag` for a later PUT or PATCH."""
    service = usecases.get_service(session, service_id=service_id, caller=caller)
    return _with_etag(response, usecases.render(service, caller=caller, language=language))


@router.put(
    "/{service_id}",
    summary="Replace a service",
    responses={**problems(*AUTH, 404, 409, 412, 422, 428), **with_etag()},
)
def replace_service(
    service_id: UUID,
    data: ServiceReplace,
    session: SessionDep,
    caller: ProviderCaller,
    gazetteer: GazetteerDep,
    response: Response,
    if_match: IfMatch = None,
) -> ServicePublic:
    """Replace the whole listing. `If-Match` must carry the current `ETag`: 428 without it,
    412 when someone changed the listing since you read it (nothing is changed then). The
    body read from `GET` may be sent back changed: what it holds besides the listing (`id`,
    `version`, the times) is ignored, but an `id` must be this listing's."""
    if data.id is not None and data.id != service_id:
        raise Unprocessable.at(
            "body",
            "id",
            msg="not this listing's id",
            detail="id: not this listing's id; PUT the listing to its own path",
        )
    service = usecases.replace_service(
        session,
        service_id=service_id,
        data=data.listing(),
        if_match=if_match,
        caller=caller,
        gazetteer=gazetteer,
    )
    return _with_etag(response, usecases.render(service, caller=caller))


@router.patch(
    "/{service_id}",
    summary="Change part of a service",
    responses={**problems(*AUTH, 404, 409, 412, 422, 428), **with_etag()},
)
def update_service(
    service_id: UUID,
    data: ServiceUpdate,
    session: SessionDep,
    caller: ProviderCaller,
    gazetteer: GazetteerDep,
    response: Response,
    if_match: IfMatch = None,
) -> ServicePublic:
    """Change only the fields sent. Nested objects merge field by field, lists are replaced.
    The result must be a valid listing. `If-Match` as for PUT."""
    service = usecases.update_service(
        session,
        service_id=service_id,
        data=data,
        if_match=if_match,
        caller=caller,
        gazetteer=gazetteer,
    )
    return _with_etag(response, usecases.render(service, caller=caller))


@router.delete(
    "/{service_id}",
    status_code=204,
    summary="Delete a service",
    responses=problems(*AUTH, 404, 412),
)
def delete_service(
    service_id: UUID,
    session: SessionDep,
    caller: ProviderCaller,
    if_match: Annotated[
        str | None,
        Header(
            description="Optional: the `ETag` of the listing as you read it, so that a listing "
            "changed since is not deleted unseen (412). `*`: whatever version is there.",
            alias="If-Match",
        ),
    ] = None,
) -> Response:
    """Remove the listing. Its history stays readable."""
    usecases.delete_service(session, service_id=service_id, caller=caller, if_match=if_match)
    return Response(status_code=204)


@router.post(
    "/{service_id}/verify",
    summary="Confirm a service is current",
    responses={**problems(*AUTH, 404), **with_etag()},
)
def verify_service(
    service_id: UUID, session: SessionDep, caller: ProviderCaller, response: Response
) -> ServicePublic:
    """Confirm the listing is accurate today. Unverified listings rank lower and say so."""
    service = usecases.verify_service(session, service_id=service_id, caller=caller)
    return _with_etag(response, usecases.render(service, caller=caller))


@router.get(
    "/{service_id}/history",
    summary="History of a service",
    responses={**PAGED, **problems(*AUTH, 404)},
)
def service_history(
    service_id: UUID,
    session: SessionDep,
    caller: ProviderCaller,
    paging: HistoryPagingDep,
    response: Response,
) -> ServiceHistory:
    """Who changed which field from what to what, and when, oldest first. For administrators
    and the owning provider; kept after deletion. Every count of beds is an entry: up to
    1,000 entries an answer, and `has_more` says whether later ones follow (send `next_after`
    as `after`, or follow the `Link` header's `rel="next"`); `since` starts at an instant
    (what changed this month)."""
    history = usecases.service_history(
        session,
        service_id=service_id,
        caller=caller,
        after=paging.after,
        since=paging.since,
        limit=paging.limit,
    )
    paging.link_next(response, history.next_after)
    return history
