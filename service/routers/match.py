"""Matching: the product. A need profile in, ranked and explained services out."""

from functools import partial

import anyio
from fastapi import APIRouter, Response

from schemas.match import MatchResponse, NeedProfile
from service.deps import (
    GazetteerDep,
    LanguageDep,
    MatchCaller,
    MatchIndexDep,
    MatchLimiterDep,
    NeedTallyDep,
    SessionDep,
    SettingsDep,
)
from service.http_json import JsonRoute
from service.routers._responses import AUTH, problems
from service.usecases.match import match_needs

router = APIRouter(prefix="/v1/match", tags=["match"], route_class=JsonRoute)


@router.post(
    "",
    summary="Match a need profile",
    responses=problems(*AUTH, 422),
    response_model=MatchResponse,
)
async def match(
    profile: NeedProfile,
    session: SessionDep,
    limiter: MatchLimiterDep,
    index: MatchIndexDep,
    caller: MatchCaller,
    gazetteer: GazetteerDep,
    settings: SettingsDep,
    tally: NeedTallyDep,
    language: LanguageDep,
) -> Response:
    """For each need, in the order asked, the eligible services that reach the person, ranked
    by fit and distance, each with its reasons and caveats.

    Eligibility rules of a service are hard filters for every attribute the person disclosed;
    an undisclosed attribute never excludes a service, it adds a caveat. When fewer than
    `limit` services are found within `max_distance_km`, the radius widens in steps up to
    500 km and `expanded` says so; `reach` says how each service reaches the person, and one
    serving their area by phone, online or outreach stays so however far the radius widens
    past its office. Confidential locations show their area only and distances
    to them are rounded up to the next 5 km. The profile is used for this answer only: it is
    never stored or logged. The answer adds one to the unmet-need report's counts of its
    month, province and area type for each need (`GET /v1/reports/unmet-needs`), and to
    nothing else; an administrator's answer (a try of the console) adds to nothing."""
    # In the thread pool as a sync route would run, but at most `match_concurrency` at once:
    # the rest wait here without holding a thread or a connection's page cache.
    answer = await anyio.to_thread.run_sync(
        partial(
            match_needs,
            session,
            profile=profile,
            gazetteer=gazetteer,
            caller=caller,
            settings=settings,
            language=language,
            index=index,
            tally=tally,
        ),
        limiter=limiter,
    )
    # Serialized here, once: FastAPI would validate the answer again first.
    return Response(answer.model_dump_json(), media_type="application/json")
