"""Where a listing's location is, when its provider or directory gave no coordinates.

Offline, from the gazetteer (`service/data/gazetteer/`): never a geocoding service, which
would learn the address of every safe house listed."""

from schemas.problem import ProblemError
from schemas.services import Location as LocationIn
from schemas.services import ServiceCreate
from service.errors import Unprocessable, validation_errors
from service.gazetteer import Gazetteer, haversine_km, normalise_name
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


# A postal code's area places a location only where its codes lie close together (most
# urban areas: median spread about 1 km); a rural area's point can be hundreds of km from
# any of them (X0A, Baffin Island: 594 km), so there the municipality is nearer the truth.
COMPACT_SPREAD_KM = 5.0
# A compact area this far from the municipality named with it: one of the two is mistaken.
DISAGREEMENT_KM = 50.0


def _problem(index: int, field: str, message: str) -> list[ProblemError]:
    return validation_errors([{"loc": ("body", "locations", index, field), "msg": message}])


def placed(listing: ServiceCreate, gazetteer: Gazetteer) -> ServiceCreate:
    """The listing with each location sent without coordinates placed by the gazetteer: at
    the centre of its postal code's area when that area is compact and in the location's
    province, else at its municipality's. A location neither places, or whose compact postal
    area lies far from its municipality (a typing error in one of them), is a 422."""
    if all(location.latitude is not None for location in listing.locations):
        return listing
    locate = locator(gazetteer)
    locations: list[LocationIn] = []
    errors: list[ProblemError] = []
    for index, location in enumerate(listing.locations):
        if location.latitude is not None and location.longitude is not None:
            locations.append(location)
            continue
        province = location.province.value
        town = locate(location.municipality, province)
        area = gazetteer.postal_area(location.postal_code) if location.postal_code else None
        point: tuple[float, float] | None = town
        if (
            area is not None
            and area.province == province
            and gazetteer.spread_km(area) <= COMPACT_SPREAD_KM
        ):
            point = (area.latitude, area.longitude)
            if town is not None and haversine_km(*town, *point) > DISAGREEMENT_KM:
                errors += _problem(
                    index,
                    "postal_code",
                    f"its area lies more than {DISAGREEMENT_KM:.0f} km from the "
                    "municipality; check both, or give latitude and longitude",
                )
                continue
        if point is None:
            errors += _problem(
                index,
                "latitude",
                "no coordinates, and the gazetteer knows no such municipality in this "
                "province, nor a town's or city's postal area for the postal code",
            )
            continue
        latitude, longitude = point
        locations.append(location.model_copy(update={"latitude": latitude, "longitude": longitude}))
    if errors:
        raise Unprocessable(
            "A location could not be placed: give its latitude and longitude, or a postal "
            "code and municipality that the gazetteer knows (GET /v1/places?q=).",
            errors=errors,
        )
    return listing.model_copy(update={"locations": locations})
