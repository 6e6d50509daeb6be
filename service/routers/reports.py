"""Aggregate reports, for analysts (funders, coalitions) and administrators."""

from typing import Annotated

from fastapi import APIRouter, Query

from schemas.enums import AreaType, Province
from schemas.match import NeedCode
from schemas.reports import SMALLEST_SHOWN, Month, NeedCountPage
from service.deps import PaginationDep, ReportCaller, SessionDep
from service.routers._responses import AUTH, problems
from service.usecases import reports as usecases

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_DESCRIPTION = f"""For each month, province, area type (of where the person was) and need
as asked: how many match requests asked for it, how many found no eligible service that
reached the person within the distance they asked (shown or not: whatever `limit` was
asked), and how many found nothing eligible within 500 km. A housing need is counted apart
when a bed was asked for tonight (`urgent`), with how many of those requests found no bed
tonight within the distance asked (`no_bed_tonight`: an emergency shelter with a free bed by
a current count, or an intake open at any hour that its last count does not say full).
Newest month first. A month is reported once it is over, from the second day of the next
(`through` says which is the newest): its counts never change while anyone can read them,
so reading the report again and again never tells when a request was made.

Counts of requests, not of people (a caller asked about twice counts twice), written to
the database within a minute or so of each request. Nothing else of any profile is kept. A
cell asked for fewer than {SMALLEST_SHOWN} times in its month is not listed, and a count
in a listed cell is `null` when it, or its difference from another count of the cell, is
1 to {SMALLEST_SHOWN - 1}; cells are never summed, so no two answers differ by a withheld
count."""


@router.get(
    "/unmet-needs",
    summary="Where needs go unmet",
    description=_DESCRIPTION,
    responses=problems(*AUTH, 422),
)
def unmet_needs(
    session: SessionDep,
    caller: ReportCaller,
    pagination: PaginationDep,
    month_from: Annotated[Month | None, Query(description="From this month on.")] = None,
    month_to: Annotated[Month | None, Query(description="Up to this month.")] = None,
    province: Annotated[Province | None, Query(description="Only this province.")] = None,
    area_type: Annotated[AreaType | None, Query(description="Only this area type.")] = None,
    need: Annotated[
        NeedCode | None,
        Query(description="Only this need; a top-level need takes in its categories too."),
    ] = None,
    urgent: Annotated[
        bool | None,
        Query(
            description="Only the cells of urgent housing requests (`true`), or only the others."
        ),
    ] = None,
) -> NeedCountPage:
    return usecases.unmet_need_report(
        session,
        first_month=month_from,
        last_month=month_to,
        province=province,
        area_type=area_type,
        need=need.value if need else None,
        urgent=urgent,
        page=pagination.page,
        per_page=pagination.per_page,
    )
