"""The operator's table says how each service reaches the person, and how long ago."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from referral_client._render import _age, _reach
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


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 min ago"),
        (12 * 60, "12 min ago"),
        (59 * 60, "59 min ago"),
        (90 * 60, "2 h ago"),
        (47 * 3600, "47 h ago"),
        (72 * 3600, "3 d ago"),
        (-30, "0 min ago"),  # a clock a little ahead of this one
    ],
)
def test_an_age_reads_in_minutes_within_the_hour(seconds: int, shown: str) -> None:
    """ "beds updated 0 h ago" said nothing of whether it was a minute or fifty."""
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert _age(now - timedelta(seconds=seconds), now=now) == shown
    assert _age(None, now=now) == "never"
