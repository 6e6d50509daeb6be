"""Open Referral HSDS 3.1: the read API under `/hsds` and the import endpoint."""

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import StreamingResponse

from schemas.common import Instant, SearchText
from schemas.hsds import HsdsApiInfo, HsdsPage, HsdsRecord, ImportReport
from service.deps import AdminCaller, GazetteerDep, PaginationDep, ReaderCaller, SessionDep
from service.http_json import JsonRoute
from service.routers._responses import AUTH, problems
from service.usecases import hsds as usecases

router = APIRouter(prefix="/hsds", tags=["hsds"], route_class=JsonRoute)
import_router = APIRouter(prefix="/v1/import", tags=["import"], route_class=JsonRoute)

Search = Annotated[SearchText | None, Query(description="Words in the name or description.")]
NDJSON = "application/x-ndjson"


@router.get("/", summary="About this HSDS API", responses=problems(*AUTH))
@router.get("", include_in_schema=False)  # (`/hsds`, as the standard's clients also ask)
def api_info(request: Request, caller: ReaderCaller) -> HsdsApiInfo:
    """The HSDS version served, the profile (our taxonomy of eligibility attributes) and the
    OpenAPI document."""
    return usecases.api_info(base_url=str(request.base_url))


def _lines(records: Iterator[HsdsRecord]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


@router.get(
    "/services",
    summary="List services (HSDS)",
    response_model=HsdsPage,
    responses={
        **problems(*AUTH, 422),
        200: {"content": {NDJSON: {}}, "description": "A page, or with format=ndjson every item."},
    },
)
def list_services(
    session: SessionDep,
    caller: ReaderCaller,
    pagination: PaginationDep,
    search: Search = None,
    taxonomy_term_id: Annotated[
        UUID | None, Query(description="Only services with this term (see /hsds/taxonomy_terms).")
    ] = None,
    organization_id: Annotated[UUID | None, Query(description="Only this organization's.")] = None,
    modified_after: Annotated[
        Instant | None, Query(description="Changed here on or after this instant (ISO 8601).")
    ] = None,
    format: Annotated[
        Literal["json", "ndjson"],
        Query(description="`ndjson`: every matching service, one per line, without pages."),
    ] = "json",
) -> Any:
    """Services you may see, as HSDS list records (one-to-one fields), by id: a listing that
    changes while the pages are read keeps its place. Confidential locations never appear
    with an address or coordinates. A copy made by reading pages misses a listing deleted
    meanwhile before the page being read (the rest move up one): `format=ndjson` reads every
    one at once, and `/v1/removed-services` says what to drop."""
    filters = usecases.ServiceFilters(
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        organization_id=organization_id,
        modified_after=modified_after,
    )
    if format == "ndjson":
        records = usecases.stream_services(session, caller=caller, filters=filters)
        return StreamingResponse(_lines(records), media_type=NDJSON)
    return usecases.list_services(
        session, caller=caller, filters=filters, page=pagination.page, per_page=pagination.per_page
    )


@router.get(
    "/services/{service_id}", summary="Read a service (HSDS)", responses=problems(*AUTH, 404)
)
def get_service(service_id: UUID, session: SessionDep, caller: ReaderCaller) -> HsdsRecord:
    """A fully nested HSDS service record: organization, locations, phones, schedules,
    languages, service areas, bed capacity and our eligibility attributes."""
    return usecases.get_service(session, service_id=service_id, caller=caller)


@router.get("/organizations", summary="List organizations (HSDS)", responses=problems(*AUTH, 422))
def list_organizations(
    session: SessionDep, caller: ReaderCaller, pagination: PaginationDep, search: Search = None
) -> HsdsPage:
    """Approved organizations (and your own), by name."""
    return usecases.list_organizations(
        session, caller=caller, search=search, page=pagination.page, per_page=pagination.per_page
    )


@router.get(
    "/organizations/{organization_id}",
    summary="Read an organization (HSDS)",
    responses=problems(*AUTH, 404),
)
def get_organization(
    organization_id: UUID, session: SessionDep, caller: ReaderCaller
) -> HsdsRecord:
    """An HSDS organization with the services of it you may see."""
    return usecases.get_organization(session, organization_id=organization_id, caller=caller)


@router.get("/taxonomies", summary="List taxonomies (HSDS)", responses=problems(*AUTH, 422))
def list_taxonomies(
    caller: ReaderCaller, pagination: PaginationDep, search: Search = None
) -> HsdsPage:
    """The taxonomy our attributes use."""
    return usecases.list_taxonomies(
        search=search, page=pagination.page, per_page=pagination.per_page
    )


@router.get("/taxonomy_terms", summary="List taxonomy terms (HSDS)", responses=problems(*AUTH, 422))
def list_taxonomy_terms(
    caller: ReaderCaller,
    pagination: PaginationDep,
    search: Search = None,
    taxonomy_id: Annotated[UUID | None, Query(description="Only this taxonomy's.")] = None,
    parent_id: Annotated[UUID | None, Query(description="Only children of this term.")] = None,
    top_only: Annotated[bool, Query(description="Only terms without a parent.")] = False,
) -> HsdsPage:
    """Categories, genders, newcomer statuses, forms of trafficking, delivery, fees and the
    yes/no and location facts that listings carry as attributes."""
    return usecases.list_taxonomy_terms(
        search=search,
        taxonomy_id=taxonomy_id,
        parent_id=parent_id,
        top_only=top_only,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@import_router.post(
    "/hsds", summary="Import HSDS service records", responses=problems(*AUTH, 409, 422)
)
def import_hsds(
    session: SessionDep,
    caller: AdminCaller,
    gazetteer: GazetteerDep,
    records: Annotated[
        list[HsdsRecord] | HsdsRecord,
        Body(description="Compiled HSDS service records: an array, an HSDS page or one record."),
    ],
    approve: Annotated[
        bool, Query(description="Approve new organizations (otherwise they start pending).")
    ] = False,
) -> ImportReport:
    """Create or update services (and their organizations) by their HSDS ids, all or nothing:
    any problem answers 422 listing each one (`loc`: body, record index from 0, field) and changes
    nothing. Records without a category this registry lists are skipped and reported."""
    return usecases.import_records(
        session,
        document=records,
        approve=approve,
        locate=gazetteer.place_location,
        check=gazetteer.check_location,
        caller=caller,
    )


@router.get(
    "/taxonomies/{taxonomy_id}", summary="Read a taxonomy (HSDS)", responses=problems(*AUTH, 404)
)
def get_taxonomy(taxonomy_id: UUID, caller: ReaderCaller) -> HsdsRecord:
    """Our taxonomy: its terms are at `/hsds/taxonomy_terms`."""
    return usecases.get_taxonomy(taxonomy_id=taxonomy_id)


@router.get(
    "/taxonomy_terms/{term_id}",
    summary="Read a taxonomy term (HSDS)",
    responses=problems(*AUTH, 404),
)
def get_taxonomy_term(term_id: UUID, caller: ReaderCaller) -> HsdsRecord:
    return usecases.get_taxonomy_term(term_id=term_id)
