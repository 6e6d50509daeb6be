"""The reach-cell grid and the growth of the nearest-first search rings."""

import pytest

from service.matching.geo import bounding_box, cell_of, next_ring_km, reach_cells
from service.matching.types import Point


@pytest.mark.parametrize(
    ("center", "radius_km"),
    [(Point(43.45, -80.49), 60.0), (Point(49.0, -123.0), 500.0), (Point(63.75, -68.52), 120.0)],
)
def test_every_point_of_the_reach_box_is_in_a_filed_cell(center: Point, radius_km: float) -> None:
    cells = reach_cells(center, radius_km)
    min_lat, max_lat, min_lon, max_lon = bounding_box(center, radius_km)
    for i in range(11):
        for j in range(11):
            point = Point(
                min_lat + (max_lat - min_lat) * i / 10, min_lon + (max_lon - min_lon) * j / 10
            )
            assert cell_of(point) in cells


def test_a_small_radius_files_one_to_four_cells() -> None:
    assert 1 <= len(reach_cells(Point(43.45, -80.49), 1.0)) <= 4


def test_cells_are_one_degree_wide() -> None:
    assert cell_of(Point(43.01, -80.99)) == cell_of(Point(43.99, -80.01))
    assert cell_of(Point(43.99, -80.5)) != cell_of(Point(44.01, -80.5))


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (0, 8.0),  # nothing near: four times wider
        (1, 8.0),  # sparse: at most four times
        (25, 2 * 1.25 * 2**0.5),  # half found: the area must double, plus a quarter
        (49, 3.0),  # almost: at least one and a half times
    ],
)
def test_the_next_ring_grows_with_how_few_were_found(found: int, expected: float) -> None:
    assert next_ring_km(2.0, found, 50) == pytest.approx(expected)
