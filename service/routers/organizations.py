"""Organizations, vetted by administrators before their listings go live."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, Response

from schemas.common import SearchText
from schemas.enums import OrganizationStatus
from schemas.organizations import (
    OrganizationCreate,
    OrganizationHistory,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
    StatusChange,
)
from service.deps import AdminCaller, HistoryPagingDep, PaginationDep, SessionDep
from service.http_json import JsonRoute
from service.routers._responses import AUTH, PAGED, problems, with_etag
from service.usecases import organizations as usecases

router = APIRouter(prefix="/v1/organizations", tags=["organizations"], route_class=JsonRoute)


def _with_etag(response: Response, organization: OrganizationPublic) -> OrganizationPublic:
    response.headers["ETag"] = usecases.etag_of(organization)
    return organization


@router.post(
    "",
    status_code=201,
    summary="Register an organization",
    responses={**problems(*AUTH, 422), **with_etag(201, location=True)},
)
def create_organization(
    data: OrganizationCreate, session: SessionDep, caller: AdminCaller, response: Response
) -> OrganizationPublic:
    """Register an organization. It starts `pending`; its services are matched only once an
    administrator has vetted and approved it. Answers with `ETag` and `Location`."""
    created = usecases.create_organization(session, data=data, caller=caller)
    response.headers["Location"] = f"/v1/organizations/{created.id}"
    return _with_etag(response, created)


@router.get("", summary="List organizations", responses=problems(*AUTH, 422))
def list_organizations(
    session: SessionDep,
    caller: AdminCaller,
    pagination: PaginationDep,
    status: Annotated[OrganizationStatus | None, Query(description="Only this status.")] = None,
    name: Annotated[
        SearchText | None,
        Query(
            description="Only those whose name contains this, ignoring case, accents, "
            "apostrophes and punctuation: `etoile filante` finds `Maison Étoile-Filante`, "
            "`lodz` finds `Łódź`. Other scripts' vowel signs and marks count. Without a letter "
            "or a digit: 422."
        ),
    ] = None,
) -> OrganizationPage:
    """Organizations by name, optionally only `pending` ones awaiting vetting."""
    return usecases.list_organizations(
        session,
        status=status,
        name=name,
        page=pagination.page,
        per_page=pagination.per_page,
        caller=caller,
    )


@router.get(
    "/{organization_id}",
    summary="Read an organization",
    responses={**problems(*AUTH, 404), **with_etag()},
)
def get_organization(
    organization_id: UUID, session: SessionDep, caller: AdminCaller, response: Response
) -> OrganizationPublic:
    """The organization, with its `ETag` for a guarded PATCH."""
    return _with_etag(
        response,
        usecases.get_organization(session, organization_id=organization_id, caller=caller),
    )


@router.patch(
    "/{organization_id}",
    summary="Change an organization",
    responses={**problems(*AUTH, 404, 412, 422), **with_etag()},
)
def update_organization(
    organization_id: UUID,
    data: OrganizationUpdate,
    session: SessionDep,
    caller: AdminCaller,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            description="Optional: the `ETag` of the organization as you read it, so that "
            "another administrator's change since is not overwritten unseen (412). `*`: "
            "whatever version is there.",
            alias="If-Match",
        ),
    ] = None,
) -> OrganizationPublic:
    """Change the fields sent; `null` clears an optional one. Answers with the new `ETag`."""
    return _with_etag(
        response,
        usecases.update_organization(
            session, organization_id=organization_id, data=data, caller=caller, if_match=if_match
        ),
    )


@router.delete(
    "/{organization_id}",
    status_code=204,
    summary="Delete an organization",
    responses=problems(*AUTH, 404, 409, 412),
)
def delete_organization(
    organization_id: UUID,
    session: SessionDep,
    caller: AdminCaller,
    if_match: Annotated[
        str | None,
        Header(
            description="Optional: the `ETag` of the organization as you read it, so that one "
            "changed since is not deleted unseen (412). `*`: whatever version is there.",
            alias="If-Match",
        ),
    ] = None,
) -> Response:
    """Remove an organization registered by mistake or closed for good. Only one without
    listings: 409 while it has any (delete them first, or suspend it, which keeps them). Its
    keys are revoked and stay in `GET /v1/keys` without an organization; its history stays
    readable at `/v1/organizations/{id}/history`, ending with the deletion and the keys it
    held."""
    usecases.delete_organization(
        session, organization_id=organization_id, caller=caller, if_match=if_match
    )
    return Response(status_code=204)


# What a decision was made on: the organization as read, its name, contacts and all.
_DECIDED_ON = Annotated[
    str | None,
    Header(
        description="Optional: the `ETag` of the organization as you vetted it, so that the "
        "decision is not recorded for details changed since (another administrator's PATCH of "
        "its phone or website): 412, and nothing changes. `*`: whatever version is there.",
        alias="If-Match",
    ),
]


@router.post(
    "/{organization_id}/approve",
    summary="Approve an organization",
    responses={**problems(*AUTH, 404, 409, 412, 422), **with_etag()},
)
def approve_organization(
    organization_id: UUID,
    session: SessionDep,
    caller: AdminCaller,
    response: Response,
    decision: Annotated[StatusChange | None, Body()] = None,
    if_match: _DECIDED_ON = None,
) -> OrganizationPublic:
    """After vetting: its services start matching (its provider keys work while it is pending
    too, to prepare its listings; a suspension stops them). An optional
    body `{"note": "…"}` says what the approval rests on; it is kept in the organization's
    history with who approved it and when. Approving an approved organization changes
    nothing; with a note, the note is recorded as the approval confirmed (vetted again).
    Reinstating a suspended organization needs the note (422 without it)."""
    decided = usecases.set_organization_status(
        session,
        organization_id=organization_id,
        status=OrganizationStatus.approved,
        note=decision.note if decision else None,
        expected=decision.expected_status if decision else None,
        caller=caller,
        if_match=if_match,
    )
    return _with_etag(response, decided)


@router.post(
    "/{organization_id}/suspend",
    summary="Suspend an organization",
    responses={**problems(*AUTH, 404, 409, 412, 422), **with_etag()},
)
def suspend_organization(
    organization_id: UUID,
    session: SessionDep,
    caller: AdminCaller,
    response: Response,
    decision: Annotated[StatusChange | None, Body()] = None,
    if_match: _DECIDED_ON = None,
) -> OrganizationPublic:
    """Its services stop matching at once and its provider keys are refused (403; by another
    worker or instance within `REFERRAL_KEY_CACHE_SECONDS`, 2 s by default). An optional
    body `{"note": "…"}` says why, kept in the organization's history."""
    decided = usecases.set_organization_status(
        session,
        organization_id=organization_id,
        status=OrganizationStatus.suspended,
        note=decision.note if decision else None,
        expected=decision.expected_status if decision else None,
        caller=caller,
        if_match=if_match,
    )
    return _with_etag(response, decided)


@router.get(
    "/{organization_id}/history",
    summary="Read an organization's history",
    responses={**PAGED, **problems(*AUTH, 404)},
)
def organization_history(
    organization_id: UUID,
    session: SessionDep,
    caller: AdminCaller,
    paging: HistoryPagingDep,
    response: Response,
) -> OrganizationHistory:
    """The vetting record: who registered, changed, approved or suspended the organization
    (the key's name and role), when, which fields from what to what, and the note given.
    Entries of an HSDS import name the import. Oldest first, up to 1,000 entries an answer:
    `has_more` says whether later ones follow (send `next_after` as `after`, or follow the
    `Link` header's `rel="next"`)."""
    history = usecases.organization_history(
        session,
        organization_id=organization_id,
        caller=caller,
        after=paging.after,
        since=paging.since,
        limit=paging.limit,
    )
    paging.link_next(response, history.next_after)
    return history
