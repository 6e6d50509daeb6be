"""Where a listing's location is, when its provider or directory gave no coordinates.

Offline, from the gazetteer (`Gazetteer.place_location`): never a geocoding service, which
would learn the address of every safe house listed."""

from schemas.problem import ProblemError
from schemas.services import Location as LocationIn
from schemas.services import ServiceCreate
from service.errors import Unprocessable, validation_errors
from service.gazetteer import Gazetteer, Unplaceable


def placed(listing: ServiceCreate, gazetteer: Gazetteer) -> ServiceCreate:
    """The listing with each location sent without coordinates placed by the gazetteer. A
    location it cannot place, or whose coordinates or postal code another province's, is a
    422 naming the field at fault."""
    locations: list[LocationIn] = []
    errors: list[ProblemError] = []
    for index, location in enumerate(listing.locations):
        if location.latitude is not None and location.longitude is not None:
            try:
                gazetteer.check_location(
                    location.municipality,
                    location.province.value,
                    location.postal_code,
                    location.latitude,
                    location.longitude,
                )
            except Unplaceable as error:
                errors += validation_errors(
                    [{"loc": ("body", "locations", index, error.field), "msg": error.message}]
                )
            locations.append(location)
            continue
        try:
            placement = gazetteer.place_location(
                location.municipality, location.province.value, location.postal_code
            )
        except Unplaceable as error:
            errors += validation_errors(
                [{"loc": ("body", "locations", index, error.field), "msg": error.message}]
            )
            continue
        locations.append(
            location.model_copy(
                update={"latitude": placement.latitude, "longitude": placement.longitude}
            )
        )
    if errors:
        raise Unprocessable(
            "A location could not be placed, or says two things of where it is: give its "
            "latitude and longitude, or a postal code and municipality that the gazetteer "
            "knows (GET /v1/places?q=), of its province.",
            errors=errors,
        )
    return listing.model_copy(update={"locations": locations})
