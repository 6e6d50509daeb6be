"""Distances shown, decided by Lambert's formula where its error cannot change them: the same
as the geodesic's, to the last bit, at a hundredth of the cost."""

from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching.geo import distance_km, ellipsoid_error_km, ellipsoid_km
from service.matching.ranking import coarse_km, shown_km
from service.matching.types import Point, Profile
from service.policy.visibility import coarse_distance_km

# Canada's extent, and some beyond it: any two points a match can measure between.
LATITUDES = st.floats(min_value=41.0, max_value=84.0, allow_nan=False)
LONGITUDES = st.floats(min_value=-142.0, max_value=-52.0, allow_nan=False)
POINTS = st.builds(Point, LATITUDES, LONGITUDES)


@settings(max_examples=3_000, deadline=None)
@given(POINTS, POINTS | POINTS.map(lambda p: Point(p.latitude + 0.3, p.longitude - 0.2)))
def test_lamberts_formula_is_within_its_stated_error_of_the_geodesic(a: Point, b: Point) -> None:
    geodesic = distance_km(a, b)
    near = ellipsoid_km(a, b)
    assert abs(near - geodesic) <= ellipsoid_error_km(near)


def test_lamberts_formula_at_no_distance_and_at_the_poles() -> None:
    assert ellipsoid_km(Point(45.0, -75.0), Point(45.0, -75.0)) == 0.0
    pole = ellipsoid_km(Point(89.9, 0.0), Point(89.9, 180.0))
    assert abs(pole - distance_km(Point(89.9, 0.0), Point(89.9, 180.0))) <= ellipsoid_error_km(pole)


@settings(max_examples=2_000, deadline=None)
@given(
    POINTS,
    st.floats(min_value=-0.3, max_value=0.3),
    st.floats(min_value=-0.3, max_value=0.3),
    st.sampled_from([0.0, 3.41, 2.2]),
)
def test_coarse_km_is_the_geodesics_coarse_distance(
    site: Point, d_latitude: float, d_longitude: float, extra_km: float
) -> None:
    """Near the place, where the 5 km steps fall close together (and far, above)."""
    person = Point(site.latitude + d_latitude, site.longitude + d_longitude)
    profile = Profile(point=person, province="ON", area_type="urban")
    expected = coarse_distance_km(distance_km(person, site) + extra_km)
    assert coarse_km(profile, site, extra_km=extra_km) == expected


def test_on_a_step_the_geodesic_decides() -> None:
    """A distance Lambert's formula puts within its error of a 5 km step is measured exactly,
    once in the request; one clear of it is not measured."""
    site = Point(45.0, -75.0)
    on_step = Point(45.0, -75.0 + 10.0 / 78.85)
    on_step = Point(45.0, -75.0 + 10.0 / ellipsoid_km(site, on_step) * (on_step.longitude + 75.0))
    profile = Profile(point=on_step, province="ON", area_type="urban")
    assert abs(ellipsoid_km(on_step, site) - 10.0) < ellipsoid_error_km(10.0)
    assert coarse_km(profile, site) == coarse_distance_km(distance_km(on_step, site))
    assert len(profile.measured) == 1
    clear = Profile(point=Point(45.0, -75.1), province="ON", area_type="urban")
    assert coarse_km(clear, site) == coarse_distance_km(distance_km(clear.point, site))
    assert clear.measured == {}


@settings(max_examples=2_000, deadline=None)
@given(POINTS, st.floats(min_value=-0.2, max_value=0.2), st.floats(min_value=-0.2, max_value=0.2))
def test_shown_km_is_the_geodesic_to_a_tenth(
    site: Point, d_latitude: float, d_longitude: float
) -> None:
    person = Point(site.latitude + d_latitude, site.longitude + d_longitude)
    profile = Profile(point=person, province="ON", area_type="urban")
    assert shown_km(profile, site) == round(distance_km(person, site), 1)


def test_at_the_sites_own_point_the_distance_is_zero_not_minus_zero() -> None:
    """A listing placed at its town's point, asked about from that town: "-0.0 km" (a review)."""
    site = Point(49.767, -94.489)
    profile = Profile(point=site, province="ON", area_type="rural")
    assert str(shown_km(profile, site)) == "0.0"
