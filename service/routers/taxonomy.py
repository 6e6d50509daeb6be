"""The vocabulary of the API, with English and French labels."""

from fastapi import APIRouter

from schemas.taxonomy import Taxonomy, taxonomy
from service.deps import AnyCaller
from service.routers._responses import AUTH, problems

router = APIRouter(prefix="/v1/taxonomy", tags=["taxonomy"])

_TAXONOMY = taxonomy()


@router.get("", summary="Needs, categories and enums", responses=problems(*AUTH))
def get_taxonomy(caller: AnyCaller) -> Taxonomy:
    """Every need, category (with its need) and enum value of the API, with labels in English
    (`en`) and French (`fr`), for building forms."""
    return _TAXONOMY
