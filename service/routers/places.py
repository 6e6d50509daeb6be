"""Places, for autocomplete in clients."""

from typing import Annotated

from fastapi import APIRouter, Query

from schemas.common import SearchText
from schemas.match import PlaceList
from service.deps import AnyCaller, GazetteerDep
from service.routers._responses import AUTH, problems
from service.usecases.match import search_places

router = APIRouter(prefix="/v1/places", tags=["places"])


@router.get("", summary="Find places", responses=problems(*AUTH, 422))
def find_places(
    caller: AnyCaller,
    gazetteer: GazetteerDep,
    q: Annotated[
        SearchText,
        Query(min_length=1, max_length=100, description='Start of a name: "elm", "st-j".'),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> PlaceList:
    """Populated places of Canada whose name starts with `q` (case and accents ignored; add
    ", ON" to keep one province), most populous first. Names of amalgamated municipalities
    (Woolwich, Clarington) find their main community."""
    return search_places(gazetteer, query=q, limit=limit)
