"""Which month the unmet-need report shows last, and what one worker's tally counts."""

from datetime import datetime

import pytest

from service.usecases.reports import NeedTally, last_reported_month


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
