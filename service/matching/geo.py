"""Distances and search boxes. Geodesic distance on the WGS84 ellipsoid, with geopy."""

import math

from geopy.distance import geodesic

from service.matching.types import Point

KM_PER_DEGREE_LATITUDE = 111.0
EARTH_MEAN_RADIUS_KM = 6371.0088


# One measurer, made once: making geopy's `geodesic` for each pair cost a third more.
_WGS84 = geodesic(ellipsoid="WGS-84")


def distance_km(a: Point, b: Point) -> float:
    """Geodesic distance on the WGS84 ellipsoid, in km (geopy). Exact, but about 40 us a call:
    used for the distances shown, not for sifting candidates. Not remembered here: the pairs
    measured would keep where the people asking were, after their answers (a review found
    them in a cache of 16,384); a request remembers its own (`Profile.measured`)."""
    return float(_WGS84.measure((a.latitude, a.longitude), (b.latitude, b.longitude)))


# WGS84's semi-major axis (km) and flattening.
_EQUATORIAL_RADIUS_KM = 6378.137
_FLATTENING = 1 / 298.257223563


def ellipsoid_km(a: Point, b: Point) -> float:
    """Lambert's formula for the distance on the WGS84 ellipsoid, in km: within a few metres
    of the geodesic over thousands of km (`ELLIPSOID_ERROR_KM` bounds it), at the cost of a
    great circle, where the geodesic costs a hundred. For deciding how the geodesic rounds."""
    beta1 = math.atan((1 - _FLATTENING) * math.tan(math.radians(a.latitude)))
    beta2 = math.atan((1 - _FLATTENING) * math.tan(math.radians(b.latitude)))
    half_dlon = math.radians(b.longitude - a.longitude) / 2
    half_sum, half_difference = (beta1 + beta2) / 2, (beta2 - beta1) / 2
    h = min(
        1.0,
        math.sin(half_difference) ** 2
        + math.cos(beta1) * math.cos(beta2) * math.sin(half_dlon) ** 2,
    )
    if h == 0.0:
        return 0.0
    sigma = 2 * math.asin(math.sqrt(h))
    x = (sigma - math.sin(sigma)) * (math.sin(half_sum) * math.cos(half_difference)) ** 2
    y = (sigma + math.sin(sigma)) * (math.cos(half_sum) * math.sin(half_difference)) ** 2
    correction = x / (1 - h) if h < 1.0 else 0.0
    return _EQUATORIAL_RADIUS_KM * (sigma - _FLATTENING / 2 * (correction + y / h))


def ellipsoid_error_km(km: float) -> float:
    """How far `ellipsoid_km`'s `km` may lie from the geodesic: 20 parts per million and half a
    metre (tests/unit/test_matching_coarse.py found 1.4 ppm and 4 m at most over Canada)."""
    return km * 2e-5 + 0.0005


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
