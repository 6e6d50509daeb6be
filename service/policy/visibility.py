"""Who may see what of a confidential service. Pure: no I/O, no clock.

Three views of a listing:
- `full`: administrators and the owning provider see every field.
- `operator`: vetted hotline operators see the intake contact of a confidential service, but a
  confidential location only as its municipality and province.
- `partner`: partner apps, providers reading another organization's listing, and anyone else
  see a confidential location as its area only, and its intake as "contact through a hotline
  operator".
"""

import math
from enum import StrEnum

CONFIDENTIAL_DISTANCE_STEP_KM = 5.0
# Distances to a confidential place are measured from the centre of the grid cell of this many
# degrees that holds it (`public_point`): about 5.6 km north-south and 3.9 km east-west at 45
# degrees north.
CONFIDENTIAL_CELL_DEGREES = 0.05


class View(StrEnum):
    full = "full"
    operator = "operator"
    partner = "partner"


def view_for(role: str, *, owns_listing: bool) -> View:
    """The view a role gets of one listing."""
    if role == "admin" or (role == "provider" and owns_listing):
        return View.full
    if role == "operator":
        return View.operator
    return View.partner


def shows_exact_location(view: View, *, confidential: bool) -> bool:
    """Address, postal code and coordinates: only for non-confidential places or the full view."""
    return view is View.full or not confidential


def shows_intake_contact(view: View, *, service_confidential: bool) -> bool:
    """Phone, e-mail and web address of intake: hidden from partners for confidential services."""
    return view is not View.partner or not service_confidential


def public_point(latitude: float, longitude: float) -> tuple[float, float]:
    """Where a confidential place is, for every distance measured to it: the centre of its
    `CONFIDENTIAL_CELL_DEGREES` cell. Rounding the true distance is not enough: distances
    asked from many points the caller chooses each bound the place to a ring, and the rings
    meet at it (a test found a shelter to 60 m from 39 postal areas). Measured from the
    centre of its cell, any number of distances locate it no closer than its cell."""
    step = CONFIDENTIAL_CELL_DEGREES
    return (
        (math.floor(latitude / step) + 0.5) * step,
        (math.floor(longitude / step) + 0.5) * step,
    )


def matched_point(latitude: float, longitude: float, *, confidential: bool) -> tuple[float, float]:
    """Where matching takes a place to be, for every search, reach, score and distance: a
    confidential place at the centre of its cell (`public_point`), any other where it is."""
    return public_point(latitude, longitude) if confidential else (latitude, longitude)


def cell_reach_km(latitude: float) -> float:
    """The farthest a place can lie from the centre of its cell (`public_point`), a cell
    centred at `latitude`: its half-diagonal, measured where the cell is widest, and a hair
    more. A distance measured to the centre plus this is never less than the true one."""
    half = CONFIDENTIAL_CELL_DEGREES / 2
    north_south = half * 111.7  # a degree of latitude is at most 111.7 km (at the poles)
    east_west = half * 111.33 * math.cos(math.radians(max(0.0, abs(latitude) - half)))
    return math.hypot(north_south, east_west) * 1.01


def coarse_distance_km(distance_km: float) -> float:
    """A distance rounded up to the next 5 km (at least 5), so that distances measured from
    several points cannot triangulate a confidential place."""
    steps = max(1, math.ceil(round(distance_km, 6) / CONFIDENTIAL_DISTANCE_STEP_KM))
    return steps * CONFIDENTIAL_DISTANCE_STEP_KM
