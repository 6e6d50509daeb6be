"""Which month the unmet-need report shows last, and what one worker's tally counts."""

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.models import NeedCount
from service.usecases.reports import NeedTally, Outcome, _withheld, last_reported_month


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


def _cell(**counts: Any) -> NeedCount:
    return NeedCount(month="2026-10", province="NU", area_type="rural", need="housing", **counts)


def _outcome(
    need: str = "housing",
    *,
    near: bool = True,
    found: bool = True,
    urgent: bool = False,
    bed_near: bool = False,
) -> Outcome:
    return Outcome(need, urgent=urgent, near=near, found=found, bed_near=bed_near)


def test_a_tally_counts_each_need_asked_near_and_found() -> None:
    tally = NeedTally()
    for near, found in ((True, True), (False, True), (False, False)):
        tally.add(
            month="2026-11",
            province="NU",
            area_type="rural",
            outcomes=[_outcome(near=near, found=found)],
        )
    tally.add(month="2026-11", province="NU", area_type="urban", outcomes=[_outcome()])
    assert tally.pending() == 2
    assert vars(tally)["_counts"] == {
        ("2026-11", "NU", "rural", "housing", False): (3, 2, 1, 0),
        ("2026-11", "NU", "urban", "housing", False): (1, 0, 0, 0),
    }


def test_a_tally_counts_urgent_requests_in_a_cell_of_their_own_with_those_finding_no_bed() -> None:
    tally = NeedTally()
    for outcome in (
        _outcome(urgent=True, bed_near=True),
        _outcome(urgent=True, bed_near=False),  # near, but full
        _outcome(urgent=True, near=False, bed_near=False),
        _outcome(urgent=True, near=False, found=False, bed_near=False),
        _outcome(bed_near=False),  # not urgent: a bed tonight is not counted
    ):
        tally.add(month="2026-11", province="NU", area_type="rural", outcomes=[outcome])
    assert vars(tally)["_counts"] == {
        ("2026-11", "NU", "rural", "housing", True): (4, 2, 1, 3),
        ("2026-11", "NU", "rural", "housing", False): (1, 0, 0, 0),
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
    row = _cell(asked=asked, none_near=none_near, unmet=unmet)
    near, missing = shown
    assert _withheld(row) == {"none_near": near, "unmet": missing, "no_bed_tonight": None}


@pytest.mark.parametrize(
    ("asked", "no_bed", "none_near", "unmet", "shown"),
    [
        (20, 10, 5, 0, (5, 0, 10)),
        (20, 20, 20, 20, (20, 20, 20)),
        (20, 12, 10, 0, (10, 0, None)),  # 2 found something near, but no bed near
        (20, 18, 5, 0, (5, 0, None)),  # 2 found a bed near
        (9, 0, 0, 0, (0, 0, 0)),
        (9, 3, 0, 0, (0, 0, None)),
        (20, 10, 3, 0, (None, 0, 10)),  # none near withheld: no bed is judged on the rest
        (20, 10, 3, 2, (None, None, 10)),
    ],
)
def test_an_urgent_cells_count_of_no_bed_tonight_is_withheld_like_the_others(
    asked: int, no_bed: int, none_near: int, unmet: int, shown: tuple[int | None, ...]
) -> None:
    row = _cell(urgent=True, asked=asked, none_near=none_near, unmet=unmet, no_bed_tonight=no_bed)
    near, missing, no_bed_shown = shown
    assert _withheld(row) == {"none_near": near, "unmet": missing, "no_bed_tonight": no_bed_shown}


def test_a_cell_that_is_not_urgent_shows_no_count_of_beds() -> None:
    row = _cell(asked=20)
    assert _withheld(row)["no_bed_tonight"] is None


@st.composite
def _nested_counts(draw: st.DrawFn) -> tuple[int, int, int, int]:
    """An urgent cell's counts: asked, no bed tonight, none near, unmet, each within the last."""
    asked = draw(st.integers(5, 40))
    no_bed = draw(st.integers(0, asked))
    none_near = draw(st.integers(0, no_bed))
    return asked, no_bed, none_near, draw(st.integers(0, none_near))


@given(_nested_counts(), st.booleans())
def test_no_two_counts_shown_in_a_cell_differ_by_1_to_4(
    counts: tuple[int, int, int, int], urgent: bool
) -> None:
    """Nested counts: any set whose size can be worked out from them is a difference of two."""
    asked, no_bed, none_near, unmet = counts
    row = _cell(urgent=urgent, asked=asked, none_near=none_near, unmet=unmet, no_bed_tonight=no_bed)
    shown = _withheld(row)
    visible = [asked, *(count for count in shown.values() if count is not None)]
    for a in visible:
        assert a == 0 or a >= 5
        for b in visible:
            assert abs(a - b) == 0 or abs(a - b) >= 5
