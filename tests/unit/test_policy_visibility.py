"""Who sees what of a confidential service: every branch of `service.policy.visibility`."""

import pytest

from service.policy.visibility import (
    CONFIDENTIAL_DISTANCE_STEP_KM,
    View,
    coarse_distance_km,
    shows_exact_location,
    shows_intake_contact,
    view_for,
)


@pytest.mark.parametrize(
    ("role", "owns_listing", "expected"),
    [
        ("admin", False, View.full),
        ("admin", True, View.full),
        ("provider", True, View.full),
        ("provider", False, View.partner),
        ("operator", False, View.operator),
        ("operator", True, View.operator),
        ("partner", False, View.partner),
        ("partner", True, View.partner),
        ("analyst", False, View.partner),
        ("analyst", True, View.partner),
        ("someone-else", False, View.partner),
    ],
)
def test_view_for(role: str, owns_listing: bool, expected: View) -> None:
    assert view_for(role, owns_listing=owns_listing) is expected


@pytest.mark.parametrize(
    ("view", "confidential", "expected"),
    [
        (View.full, True, True),
        (View.full, False, True),
        (View.operator, True, False),
        (View.operator, False, True),
        (View.partner, True, False),
        (View.partner, False, True),
    ],
)
def test_shows_exact_location(view: View, confidential: bool, expected: bool) -> None:
    assert shows_exact_location(view, confidential=confidential) is expected


@pytest.mark.parametrize(
    ("view", "confidential", "expected"),
    [
        (View.full, True, True),
        (View.full, False, True),
        (View.operator, True, True),
        (View.operator, False, True),
        (View.partner, True, False),
        (View.partner, False, True),
    ],
)
def test_shows_intake_contact(view: View, confidential: bool, expected: bool) -> None:
    assert shows_intake_contact(view, service_confidential=confidential) is expected


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        (0.0, 5.0),
        (0.01, 5.0),
        (4.99, 5.0),
        (5.0, 5.0),
        (5.0000000001, 5.0),  # float noise from a geodesic computation is not a step
        (5.01, 10.0),
        (10.0, 10.0),
        (12.3, 15.0),
        (49.999, 50.0),
        (50.0, 50.0),
        (499.2, 500.0),
    ],
)
def test_coarse_distance_km(distance: float, expected: float) -> None:
    assert coarse_distance_km(distance) == expected
    assert coarse_distance_km(distance) % CONFIDENTIAL_DISTANCE_STEP_KM == 0
    assert coarse_distance_km(distance) >= distance - 1e-6


def test_views_are_strings_on_the_wire() -> None:
    assert [str(view) for view in View] == ["full", "operator", "partner"]
