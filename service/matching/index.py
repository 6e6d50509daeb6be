"""The matchable registry in memory, found by place: pure, with no database.

Each worker keeps one (`usecases/match_index.py` brings it up to date from the database's
change log before every match), so that a match finds its candidates by looking in a few grid
cells instead of by statements: at 100,000 services the statements, and turning their rows
into candidates, were most of a match's time (bench/RESULTS.md).

It answers the three questions of candidate search, each for the services of the asked
categories that `accept` (the person's eligibility, decided by the caller):
- `nearest`: the `cap` nearest services with a site within a radius;
- `reaching`: services located beyond a distance whose service-area radius covers the person;
- `covering`: province-wide and nationwide services, best first by a caller's key.

Not thread-safe: its owner serialises writes and reads.
"""

import heapq
import math
from collections.abc import Callable, Iterable
from typing import Any

from service.matching.geo import KM_PER_DEGREE_LATITUDE as KM_PER_DEGREE
from service.matching.geo import (
    bounding_box,
    cell_of,
    great_circle_km,
    reach_cells,
)
from service.matching.scoring import may_have_bed_or_24_7, may_take_tonight
from service.matching.types import Candidate, Point

# Grid cells of 0.03 degrees: about 3.3 km north-south and 2.4 km east-west at 45 degrees
# north, so a city's first ring reads a handful of cells (0.02 and 0.05 were no faster).
CELL_DEGREES = 0.03
NATIONWIDE = "CA"
# Cells queued by growing outwards before a search lists the filled cells within its radius
# instead: in a city the cap is reached well before, in the country empty cells would be many
# (400 cost a rural match at 10,000 services 1.2 ms more than 100; bench/RESULTS.md).
_SPREAD_CELLS = 100
# When the categories have fewer filled cells than this (a registry of a few thousand
# services), a search lists them from the start: growing outwards through mostly empty cells
# made a match at 1,000 services 2.5 times slower.
_LIST_FILLED_BELOW = 2_000

Cell = tuple[int, int]
Accept = Callable[[Candidate], bool]

# Subsets of each category's services searched on their own (`nearest(subset=)`), by what a
# service is whatever the time: for urgent housing, behind more full shelters than a search
# takes, those that may take people tonight and those that may have a bed or an intake at
# any hour. ("" is every service.)
SUBSETS: dict[str, Callable[[Candidate], bool]] = {
    "tonight": may_take_tonight,
    "bed_or_24_7": may_have_bed_or_24_7,
}


def _cell(latitude: float, longitude: float) -> Cell:
    return (math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES))


class RegistryIndex:
    """Candidates by service id; for each category, their sites in a grid (and for each of
    its `SUBSETS`, another) and their service areas by province; services with a
    service-area radius by the reach cells it touches."""

    def __init__(self) -> None:
        self._candidates: dict[str, Candidate] = {}
        # By (category, subset): "" for every service of the category.
        self._grid: dict[tuple[str, str], dict[Cell, dict[str, tuple[Point, ...]]]] = {}
        self._reach: dict[int, set[str]] = {}
        self._areas: dict[str, dict[str, set[str]]] = {}

    def __len__(self) -> int:
        return len(self._candidates)

    def get(self, service_id: str) -> Candidate | None:
        return self._candidates.get(service_id)

    # Writes

    def put(self, candidate: Candidate) -> None:
        """Add a service, or replace it with its new state."""
        service_id = candidate.service_id
        self.remove(service_id)
        self._candidates[service_id] = candidate
        sites = _sites_by_cell(candidate)
        reach = _reach_cells_of(candidate)
        areas = _areas_of(candidate)
        for reach_cell in reach:
            self._reach.setdefault(reach_cell, set()).add(service_id)
        subsets = _subsets_of(candidate)
        for category in candidate.categories:
            for subset in subsets if sites else ():
                grid = self._grid.setdefault((category, subset), {})
                for cell, points in sites.items():
                    grid.setdefault(cell, {})[service_id] = points
            covered = self._areas.setdefault(category, {})
            for area in areas:
                covered.setdefault(area, set()).add(service_id)

    def remove(self, service_id: str) -> None:
        candidate = self._candidates.pop(service_id, None)
        if candidate is None:
            return
        sites = _sites_by_cell(candidate)
        reach = _reach_cells_of(candidate)
        areas = _areas_of(candidate)
        for reach_cell in reach:
            _discard(self._reach, reach_cell, service_id)
        subsets = _subsets_of(candidate)
        for category in candidate.categories:
            for subset in subsets if sites else ():
                grid = self._grid[category, subset]
                for cell in sites:
                    _discard(grid, cell, service_id)
                if not grid:
                    del self._grid[category, subset]
            for area in areas:
                _discard(self._areas[category], area, service_id)

    # Reads

    def nearest(
        self,
        point: Point,
        categories: frozenset[str],
        *,
        radius_km: float,
        accept: Accept,
        cap: int,
        subset: str = "",
    ) -> list[tuple[str, float]]:
        """The `cap` nearest accepted services of `categories` (of those, of `subset`: one
        of `SUBSETS`) with a site within `radius_km`
        of `point` (by flat distance, within `flat_radius_km`: a few beyond, none missed),
        nearest first (then by id), each with its distance in km, flat-earth: good enough to
        choose candidates, whose exact distances ranking measures.

        Best first: cells are read in the order of their distance from the point, and a
        service is taken once no unread cell can hold a nearer site, so the search stops at
        the `cap`-th. Cells are found by growing outwards from the point's own; past
        `_SPREAD_CELLS` (a sparse region), or from the start when the categories have fewer
        filled cells (a small registry), by the filled cells within the radius instead."""
        grids = [self._grid[c, subset] for c in sorted(categories) if (c, subset) in self._grid]
        latitude, longitude = point.latitude, point.longitude
        shrink2 = math.cos(math.radians(latitude)) ** 2
        reach_km = flat_radius_km(latitude, radius_km)
        within2 = (reach_km / KM_PER_DEGREE) ** 2

        def bound(cell: Cell) -> float:
            """The least squared distance from the point to anything in the cell."""
            low_lat, low_lon = cell[0] * CELL_DEGREES, cell[1] * CELL_DEGREES
            # (less a hair, so that rounding never puts a site nearer than its cell's bound)
            d_lat = max(0.0, low_lat - latitude - 1e-9, latitude - low_lat - CELL_DEGREES - 1e-9)
            d_lon = max(0.0, low_lon - longitude - 1e-9, longitude - low_lon - CELL_DEGREES - 1e-9)
            return d_lat * d_lat + d_lon * d_lon * shrink2

        def list_filled() -> None:
            """Queue the filled cells within the radius, instead of growing outwards."""
            # (the box of the widened radius: every cell that can hold a site within it)
            filled = {c for grid in grids for c in _cells_in(bounding_box(point, reach_km), grid)}
            for other in filled - queued:
                queued.add(other)
                heapq.heappush(cells, (bound(other), other))

        home = _cell(latitude, longitude)
        cells: list[tuple[float, Cell]] = [(0.0, home)]
        queued = {home}
        # Few filled cells (a registry of a few thousand services): listing them costs less
        # than growing outwards through the empty ones.
        spreading = sum(len(grid) for grid in grids) > _LIST_FILLED_BELOW
        if not spreading:
            list_filled()
        sites: list[tuple[float, str]] = []  # (squared distance, service), nearest on top
        decided: set[str] = set()
        found: list[tuple[str, float]] = []
        while True:
            next_bound = cells[0][0] if cells else math.inf
            # Every site nearer than the nearest unread cell is final: take them in order.
            while sites and sites[0][0] < min(next_bound, math.nextafter(within2, math.inf)):
                degrees2, service_id = heapq.heappop(sites)
                if service_id in decided:
                    continue  # a farther site of a service already decided
                decided.add(service_id)
                if accept(self._candidates[service_id]):
                    found.append((service_id, math.sqrt(degrees2) * KM_PER_DEGREE))
                    if len(found) == cap:
                        return found
            if next_bound > within2:
                return found
            _, cell = heapq.heappop(cells)
            for grid in grids:
                for service_id, points in grid.get(cell, {}).items():
                    for site in points:
                        d_lat = site.latitude - latitude
                        d_lon = site.longitude - longitude
                        heapq.heappush(sites, (d_lat * d_lat + d_lon * d_lon * shrink2, service_id))
            if not spreading:
                continue
            if len(queued) > _SPREAD_CELLS:
                spreading = False
                list_filled()
                continue
            for d_row in (-1, 0, 1):
                for d_column in (-1, 0, 1):
                    neighbour = (cell[0] + d_row, cell[1] + d_column)
                    if neighbour not in queued:
                        queued.add(neighbour)
                        heapq.heappush(cells, (bound(neighbour), neighbour))

    def reaching(
        self,
        point: Point,
        categories: frozenset[str],
        *,
        beyond_km: float,
        accept: Accept,
        cap: int,
    ) -> list[str]:
        """The `cap` nearest accepted services of `categories` whose service-area radius,
        larger than `beyond_km`, covers `point` from one of their sites."""
        found: list[tuple[float, str]] = []
        for service_id in self._reach.get(cell_of(point), ()):
            candidate = self._candidates[service_id]
            radius = candidate.service_radius_km
            if radius is None or radius <= beyond_km or candidate.categories.isdisjoint(categories):
                continue
            km = min(great_circle_km(point, site.point) for site in candidate.sites)
            if km <= radius and accept(candidate):
                found.append((km, service_id))
        return [service_id for _, service_id in sorted(found)[:cap]]

    def covering(
        self,
        province: str,
        categories: frozenset[str],
        *,
        accept: Accept,
        best_first: Callable[[Candidate], Any],
        cap: int,
    ) -> list[str]:
        """The accepted services of `categories` covering the whole of `province` or the
        nation, by id; when more than `cap` do, the first `cap` in the order of `best_first`
        (a sort key; ties by id), which is then computed."""
        ids: set[str] = set()
        for category in categories:
            areas = self._areas.get(category, {})
            ids |= areas.get(province, set()) | areas.get(NATIONWIDE, set())
        accepted = [self._candidates[i] for i in ids if accept(self._candidates[i])]
        if len(accepted) <= cap:  # no choice to make
            return sorted(candidate.service_id for candidate in accepted)
        accepted.sort(key=lambda c: (best_first(c), c.service_id))
        return [candidate.service_id for candidate in accepted[:cap]]


def flat_radius_km(latitude: float, radius_km: float) -> float:
    """The flat distance (east-west measured at `latitude`) within which `nearest` takes the
    sites of a search of `radius_km`. To a site poleward the flat distance is longer than the
    great circle that ranking decides reach by (at 500 km from 60 degrees north, by up to a
    sixth): the radius widened by that much, and a hair, keeps every site within the great
    circle's radius, as the database's box does, which is as wide at its poleward edge."""
    reach_degrees = radius_km * 1.01 / KM_PER_DEGREE
    poleward = math.radians(min(89.9, abs(latitude) + reach_degrees))
    return radius_km * 1.01 * max(1.0, math.cos(math.radians(latitude)) / math.cos(poleward))


def _sites_by_cell(candidate: Candidate) -> dict[Cell, tuple[Point, ...]]:
    cells: dict[Cell, tuple[Point, ...]] = {}
    for site in candidate.sites:
        cell = _cell(site.point.latitude, site.point.longitude)
        cells[cell] = (*cells.get(cell, ()), site.point)
    return cells


def _subsets_of(candidate: Candidate) -> list[str]:
    return ["", *(name for name, holds in SUBSETS.items() if holds(candidate))]


def _reach_cells_of(candidate: Candidate) -> set[int]:
    if not candidate.service_radius_km:
        return set()
    return {
        cell
        for site in candidate.sites
        for cell in reach_cells(site.point, candidate.service_radius_km)
    }


def _areas_of(candidate: Candidate) -> set[str]:
    return {NATIONWIDE} if candidate.nationwide else set(candidate.provinces)


def _cells_in(box: tuple[float, float, float, float], grid: dict[Cell, Any]) -> Iterable[Cell]:
    """The filled cells of `grid` within `box`: by looking up the box's cells, or by scanning
    the filled ones when there are fewer of them."""
    min_lat, max_lat, min_lon, max_lon = box
    low, high = _cell(min_lat, min_lon), _cell(max_lat, max_lon)
    if (high[0] - low[0] + 1) * (high[1] - low[1] + 1) <= len(grid):
        return [
            (row, column)
            for row in range(low[0], high[0] + 1)
            for column in range(low[1], high[1] + 1)
            if (row, column) in grid
        ]
    return [cell for cell in grid if low[0] <= cell[0] <= high[0] and low[1] <= cell[1] <= high[1]]


def _discard(table: dict[Any, Any], key: Any, service_id: str) -> None:
    members = table.get(key)
    if members is None:
        return
    if isinstance(members, dict):
        members.pop(service_id, None)
    else:
        members.discard(service_id)
    if not members:
        del table[key]
