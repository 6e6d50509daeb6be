"""Distances and search boxes. Geodesic distance on the WGS84 ellipsoid, with geopy."""

import math
from functools import lru_cache

from geopy.distance import geodesic

from service.matching.types import Point

KM_PER_DEGREE_LATITUDE = 111.0
EARTH_MEAN_RADIUS_KM = 6371.0088


# One measurer, made once: making geopy's `geodesic` for each pair cost a third more.
_WGS84 = geodesic(ellipsoid="WGS-84")


def distance_km(a: Point, b: Point) -> float:
    """Geodesic distance on the WGS84 ellipsoid, in km (geopy). Exact, but about 40 us a call:
    used for the distances shown, not for sifting candidates."""
    return _geodesic_km(a.latitude, a.longitude, b.latitude, b.longitude)


@lru_cache(maxsize=16_384)
def _geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # A pure function of its arguments, so remembering results is safe; one request measures
    # the same pairs for each need and each radius step.
    return float(_WGS84.measure((lat1, lon1), (lat2, lon2)))


def great_circle_km(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance on the mean sphere, in km: within 0.5% of the geodesic
    and a hundred times faster, for deciding reach and scoring many candidates."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    half_dlat = (lat2 - lat1) / 2
    half_dlon = math.radians(b.longitude - a.longitude) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(half_dlon) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(center: Point, radius_km: float) -> tuple[float, float, float, float]:
    """(min_latitude, max_latitude, min_longitude, max_longitude) of a box that contains every
    point within `radius_km` of `center`. A little larger than needed, never smaller: the exact
    distance is checked afterwards."""
    margin = 1.01
    delta_latitude = radius_km * margin / KM_PER_DEGREE_LATITUDE
    max_abs_latitude = min(89.9, abs(center.latitude) + delta_latitude)
    delta_longitude = min(
        180.0,
        radius_km * margin / (KM_PER_DEGREE_LATITUDE * math.cos(math.radians(max_abs_latitude))),
    )
    return (
        center.latitude - delta_latitude,
        center.latitude + delta_latitude,
        center.longitude - delta_longitude,
        center.longitude + delta_longitude,
    )


def radius_steps(max_distance_km: float, *, limit_km: float = 500.0) -> tuple[float, ...]:
    """The radii tried in turn when too few services are near: the asked distance, then the
    larger of the standard steps, up to `limit_km`."""
    standard = (25.0, 50.0, 100.0, 200.0, 350.0, 500.0)
    first = min(max_distance_km, limit_km)
    return (first, *(step for step in standard if first < step <= limit_km))


def next_ring_km(ring_km: float, found: int, wanted: int) -> float:
    """The next ring of a nearest-first search, after `found` of `wanted` services lay within
    `ring_km`: services per area being roughly even nearby, the ring that should hold `wanted`
    is sqrt(wanted / found) times wider; a quarter more for luck, at least 1.5 and at most 4
    times wider, and 4 times when none was found."""
    if found <= 0:
        return ring_km * 4
    return ring_km * min(4.0, max(1.5, 1.25 * math.sqrt(wanted / found)))


# Reach cells: a grid of 1-degree cells. A location with a service-area radius is filed under
# every cell its reach box touches, so the services that may reach a person are found by the
# person's one cell, through an index, on any database.
_CELL_COLUMNS = 1000


def cell_of(point: Point) -> int:
    """The grid cell holding a point."""
    return (math.floor(point.latitude) + 90) * _CELL_COLUMNS + (math.floor(point.longitude) + 180)


def reach_cells(center: Point, radius_km: float) -> frozenset[int]:
    """Every grid cell that the box around `center` of `radius_km` touches."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(center, radius_km)
    return frozenset(
        cell_of(Point(latitude, longitude))
        for latitude in range(math.floor(min_lat), math.floor(max_lat) + 1)
        for longitude in range(math.floor(min_lon), math.floor(max_lon) + 1)
    )
