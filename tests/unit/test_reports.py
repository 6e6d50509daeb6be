"""Which month the unmet-need report shows last, and what one worker's tally counts."""

from datetime import datetime

import pytest

from service.models import NeedCount
from service.usecases.reports import NeedTally, _withheld, last_reported_month


@pytest.mark.parametrize(
    ("now", "month"),
    [
        ("2026-11-30T23:59:59+00:00", "2026-10"),
        ("2026-12-01T00:00:00+00:00", "2026-10"),  # November's last counts may still come
        ("2026-12-01T23:59:59+00:00", "2026-10"),
        ("2026-12-02T00:00:00+00:00", "2026-11"),
        ("2027-01-02T00:00:00+00:00", "2026-12"),
        ("2026-03-02T00:00:00+00:00", "2026-02"),
        ("2026-12-01T20:00:00-05:00", "2026-11"),  # 2 December in UTC
    ],
)
def test_a_month_is_shown_from_the_second_day_of_the_next_in_utc(now: str, month: str) -> None:
    assert last_reported_month(datetime.fromisoformat(now)) == month


def test_a_tally_counts_each_need_asked_near_and_found() -> None:
    tally = NeedTally()
    for near, found in ((True, True), (False, True), (False, False)):
        tally.add(
            month="2026-11", province="NU", area_type="rural", outcomes=[("housing", near, found)]
        )
    tally.add(month="2026-11", province="NU", area_type="urban", outcomes=[("housing", True, True)])
    assert tally.pending() == 2
    assert vars(tally)["_counts"] == {
        ("2026-11", "NU", "rural", "housing"): (3, 2, 1),
        ("2026-11", "NU", "urban", "housing"): (1, 0, 0),
    }


@pytest.mark.parametrize(
    ("asked", "none_near", "unmet", "shown"),
    [
        (9, 9, 9, (9, 9)),
        (20, 10, 5, (10, 5)),
        (20, 0, 0, (0, 0)),
        (6, 3, 0, (None, 0)),  # 3 found nothing near: small
        (6, 5, 0, (None, 0)),  # so 1 found help near: small
        (6, 6, 5, (6, None)),  # 1 found something only far away
        (20, 10, 8, (10, None)),  # 2 found something only far away
        (20, 17, 0, (None, 0)),  # 3 found help near
        (8, 0, 6, (0, None)),  # impossible (unmet counts in none near), and still withheld
        (20, 6, 17, (6, None)),
    ],
)
def test_no_count_or_difference_of_counts_from_1_to_4_is_shown(
    asked: int, none_near: int, unmet: int, shown: tuple[int | None, int | None]
) -> None:
    row = NeedCount(
        month="2026-10",
        province="NU",
        area_type="rural",
        need="housing",
        asked=asked,
        none_near=none_near,
        unmet=unmet,
    )
    assert _withheld(row) == shown
    near, missing = shown
    visible = [count for count in (asked, near, missing) if count is not None]
    for a in visible:
        for b in visible:
            assert abs(a - b) == 0 or abs(a - b) >= 5
