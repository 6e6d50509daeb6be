"""Where a listing's location is, when its provider or directory gave no coordinates.

Offline, from the gazetteer (`service/data/gazetteer/`): never a geocoding service, which
would learn the address of every safe house listed."""

from schemas.problem import ProblemError
from schemas.services import Location as LocationIn
from schemas.services import ServiceCreate
from service.errors import Unprocessable, validation_errors
from service.gazetteer import Gazetteer, normalise_name
from service.hsds.listing import Locate


def locator(gazetteer: Gazetteer) -> Locate:
    """Where a municipality is, for locations that come without coordinates."""

    def locate(municipality: str, province: str) -> tuple[float, float] | None:
        place = gazetteer.place(f"{municipality}, {province}")
        if place is None:  # a name several places share: the most populous of them
            name = normalise_name(municipality)
            place = next(
                (
                    p
                    for p in gazetteer.search(f"{municipality}, {province}", limit=50)
                    if normalise_name(p.name) == name
                ),
                None,
            )
        return (place.latitude, place.longitude) if place else None

    return locate


def placed(listing: ServiceCreate, gazetteer: Gazetteer) -> ServiceCreate:
    """The listing with each location sent without coordinates placed at the centre of its
    postal code's area (its first three characters, when the gazetteer has it in the
    location's province), else of its municipality. A location neither places is a 422."""
    if all(location.latitude is not None for location in listing.locations):
        return listing
    locate = locator(gazetteer)
    locations: list[LocationIn] = []
    errors: list[ProblemError] = []
    for index, location in enumerate(listing.locations):
        point: tuple[float, float] | None = None
        if location.latitude is not None and location.longitude is not None:
            point = (location.latitude, location.longitude)
        elif location.postal_code is not None and (
            (area := gazetteer.postal_area(location.postal_code)) is not None
            and area.province == location.province.value
        ):
            point = (area.latitude, area.longitude)
        else:
            point = locate(location.municipality, location.province.value)
        if point is None:
            errors += validation_errors(
                [
                    {
                        "loc": ("body", "locations", index, "latitude"),
                        "msg": "no coordinates, and neither the postal code nor the "
                        "municipality is one the gazetteer knows in this province",
                    }
                ]
            )
            continue
        latitude, longitude = point
        locations.append(location.model_copy(update={"latitude": latitude, "longitude": longitude}))
    if errors:
        raise Unprocessable(
            "A location could not be placed: give its latitude and longitude, or a postal "
            "code or municipality that the gazetteer knows (GET /v1/places?q=).",
            errors=errors,
        )
    return listing.model_copy(update={"locations": locations})
