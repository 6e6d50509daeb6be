"""The operator's table says how each service reaches the person."""

from uuid import uuid4

import pytest

from referral_client._render import _reach
from schemas.enums import Reach
from schemas.match import ServiceMatch


def _match(reach: Reach, distance_km: float | None) -> ServiceMatch:
    return ServiceMatch.model_validate(
        {
            "service_id": uuid4(),
            "name": "A service",
            "organization": {"id": uuid4(), "name": "An organization"},
            "categories": ["legal.general"],
            "score": 0.5,
            "distance_km": distance_km,
            "reach": reach,
            "delivery": ["phone"],
            "reasons": [],
            "caveats": [],
            "location": None,
            "intake": {"phone": "+1-555-555-0100"},
            "availability": {
                "beds_available": None,
                "beds_total": None,
                "accepting_referrals": True,
                "updated_at": None,
            },
            "last_verified_at": None,
        }
    )


@pytest.mark.parametrize(
    ("reach", "distance_km", "shown"),
    [
        (Reach.location, 12.3, "12.3 km"),
        (Reach.location, 5.0, "5 km"),
        (Reach.phone_or_online, 347.2, "phone/online"),
        (Reach.phone_or_online, None, "phone/online"),
        (Reach.outreach, 80.0, "comes to you"),
        (Reach.service_area, None, "in its area"),
    ],
)
def test_the_distance_column_says_how_the_service_reaches(
    reach: Reach, distance_km: float | None, shown: str
) -> None:
    assert _reach(_match(reach, distance_km)) == shown
