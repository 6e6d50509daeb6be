"""The unmet-need report: what each match adds to it, what an analyst reads, what is withheld."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import NeedCount, Service
from service.usecases.reports import NeedTally, Outcome, TallyWriter, unmet_need_report
from tests.factories import Api, assert_problem, confidential_location

MONTH = datetime.now(UTC).strftime("%Y-%m")
# The second day of the next month: this month's counts are reported from then on.
LATER = (datetime.now(UTC).replace(day=1) + timedelta(days=32)).replace(day=2)


@pytest.fixture(autouse=True)
def _not_at_a_month_end() -> None:
    """The counts of a match take its month; a run that crossed a month's end would count
    them in a month these tests do not expect."""
    if datetime.now(UTC).strftime("%Y-%m") != MONTH:
        pytest.skip("the month ended while the tests ran")


@pytest.fixture
def tally(client: TestClient, engine: sa.Engine) -> NeedTally:
    """The app's tally, emptied of what earlier tests' matches added to it."""
    need_tally: NeedTally = client.app.state.need_tally  # type: ignore[attr-defined]
    need_tally.flush(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(NeedCount))
    return need_tally


def _operator(api: Api) -> dict[str, str]:
    """One operator key per test's service: an administrator's matches are not counted."""
    kept: dict[str, dict[str, str]] = vars(api).setdefault("_report_keys", {})
    if "operator" not in kept:
        kept["operator"] = api.key("operator")
    return kept["operator"]


def _match(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post("/v1/match", json=body, headers=_operator(api))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _report(api: Api, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = api.client.get("/v1/reports/unmet-needs", params=params, headers=headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _report_later(engine: sa.Engine, **filters: Any) -> dict[str, Any]:
    """The report as it will read once this month is over."""
    with Session(engine) as session:
        report = unmet_need_report(
            session,
            first_month=filters.get("month_from"),
            last_month=filters.get("month_to"),
            province=filters.get("province"),
            area_type=filters.get("area_type"),
            need=filters.get("need"),
            urgent=filters.get("urgent"),
            page=filters.get("page", 1),
            per_page=filters.get("per_page", 50),
            now=LATER,
        )
    return report.model_dump(mode="json")


def _cells(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The cells that are not urgent, by where and need."""
    return {
        (item["province"], item["area_type"], item["need"]): {
            k: item[k] for k in ("asked", "none_near", "unmet")
        }
        for item in report["items"]
        if not item["urgent"]
    }


def _urgent_cells(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (item["province"], item["area_type"], item["need"]): {
            k: item[k] for k in ("asked", "no_bed_tonight", "none_near", "unmet")
        }
        for item in report["items"]
        if item["urgent"]
    }


def _housing(outcome: str = "near") -> Outcome:
    """A housing need's outcome: found `near`, only `far`, or `unmet`."""
    return Outcome(
        "housing",
        urgent=False,
        near=outcome == "near",
        found=outcome != "unmet",
        bed_near=False,
    )


def test_each_match_counts_per_need_what_was_found_near_far_or_not_at_all(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    organization_id = api.organization()
    api.service(organization_id)  # a shelter in Kitchener, ON, with a 40 km service area
    near = {"needs": ["housing", "legal.family"], "location": {"place": "Kitchener, ON"}}
    far = {"needs": ["housing"], "location": {"place": "Guelph, ON"}, "max_distance_km": 5}
    for _ in range(6):
        answer = _match(api, **near)
        assert answer["unmet_needs"] == ["legal.family"]
    for _ in range(5):
        answer = _match(api, **far)
        assert answer["results"][0]["expanded"] is True
    tally.flush(engine)

    report = _report_later(engine)
    assert report["through"] == MONTH
    assert report["smallest_shown"] == 5
    assert report["total"] == 2
    assert {item["month"] for item in report["items"]} == {MONTH}
    # Guelph is a city too: its requests and Kitchener's share a cell.
    assert _cells(report) == {
        ("ON", "urban", "housing"): {"asked": 11, "none_near": 5, "unmet": 0},
        ("ON", "urban", "legal.family"): {"asked": 6, "none_near": 6, "unmet": 6},
    }


def test_found_near_means_found_within_the_asked_distance_whatever_the_limit(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    """A full shelter 3 km away that two free ones 25 km away outrank, after widening, is
    still help that was near: the count must not depend on how many matches were asked."""
    organization_id = api.organization()
    full = api.service(
        organization_id,
        intake={"phone": "+1-519-555-0100", "hours": "Mon-Fri 9-5"},
        capacity={"beds_total": 10, "beds_available": 0},
    )
    guelph = {
        "name": "Guelph house",
        "municipality": "Guelph",
        "province": "ON",
        "latitude": 43.5448,
        "longitude": -80.2482,
        "confidential": False,
    }
    for _ in range(2):
        api.service(
            organization_id,
            locations=[guelph],
            service_area={"radius_km": None, "provinces": [], "nationwide": False},
        )
    asked = {
        "needs": ["housing"],
        "location": {"place": "Kitchener, ON"},
        "max_distance_km": 5,
        "urgent": True,
    }
    shown = _match(api, **asked, limit=2)["results"][0]
    assert shown["expanded"] is True
    assert full["id"] not in {m["service_id"] for m in shown["matches"]}  # ranked out
    for _ in range(2):
        _match(api, **asked, limit=2)
    for _ in range(3):
        _match(api, **asked, limit=5)
    tally.flush(engine)
    # Urgent: a full shelter near is near, but no bed tonight.
    assert _urgent_cells(_report_later(engine)) == {
        ("ON", "urban", "housing"): {"asked": 6, "no_bed_tonight": 6, "none_near": 0, "unmet": 0}
    }


def test_urgent_housing_is_counted_apart_with_the_requests_that_found_no_bed_near(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    """The 2013 forum's first gap: a bed tonight. A shelter with free beds in Kitchener, with a
    40 km service area: near to a person in Kitchener, only in its area for one in Guelph who
    asked for 5 km."""
    organization_id = api.organization()
    api.service(organization_id)
    kitchener = {"location": {"place": "Kitchener, ON"}}
    guelph = {"location": {"place": "Guelph, ON"}, "max_distance_km": 5}
    for _ in range(5):
        _match(api, needs=["housing"], urgent=True, **kitchener)
        _match(api, needs=["housing"], urgent=True, **guelph)
        _match(api, needs=["housing"], **kitchener)
        # Urgency is a bed tonight: other needs are never split by it.
        _match(api, needs=["legal.family"], urgent=True, **kitchener)
    tally.flush(engine)

    report = _report_later(engine)
    assert _urgent_cells(report) == {
        ("ON", "urban", "housing"): {"asked": 10, "no_bed_tonight": 5, "none_near": 5, "unmet": 0}
    }
    assert _cells(report) == {
        ("ON", "urban", "housing"): {"asked": 5, "none_near": 0, "unmet": 0},
        ("ON", "urban", "legal.family"): {"asked": 5, "none_near": 5, "unmet": 5},
    }
    assert all(item["no_bed_tonight"] is None for item in report["items"] if not item["urgent"])
    # By need, the cell that is not urgent first.
    assert [(i["need"], i["urgent"]) for i in report["items"]] == [
        ("housing", False),
        ("housing", True),
        ("legal.family", False),
    ]
    assert [i["urgent"] for i in _report_later(engine, urgent=True)["items"]] == [True]
    assert len(_report_later(engine, urgent=False)["items"]) == 2


GUELPH = {
    "name": "Guelph house",
    "municipality": "Guelph",
    "province": "ON",
    "latitude": 43.5448,
    "longitude": -80.2482,
    "confidential": False,
}


def test_a_full_shelter_next_door_is_near_even_when_a_farther_one_with_beds_is_all_shown(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    """Urgent housing ranks a free bed first: with `limit` 1 the answer shows only the Guelph
    shelter (25 km, its 40 km area covers Kitchener), not the full one 3 km away. Help was
    near, but no bed: the counts must not depend on how many matches were asked."""
    organization_id = api.organization()
    full = api.service(
        organization_id,
        intake={"phone": "+1-519-555-0100", "hours": "Mon-Fri 9-5"},
        capacity={"beds_total": 10, "beds_available": 0},
    )
    api.service(organization_id, locations=[GUELPH])
    asked = {
        "needs": ["housing"],
        "location": {"place": "Kitchener, ON"},
        "max_distance_km": 5,
        "urgent": True,
    }
    shown = _match(api, **asked, limit=1)["results"][0]["matches"]
    assert [m["service_id"] for m in shown] != [full["id"]]
    for limit in (1, 1, 2, 2):
        _match(api, **asked, limit=limit)
    tally.flush(engine)
    assert _urgent_cells(_report_later(engine)) == {
        ("ON", "urban", "housing"): {"asked": 5, "no_bed_tonight": 5, "none_near": 0, "unmet": 0}
    }


@pytest.mark.parametrize(
    ("capacity", "hours", "updated_hours_ago", "bed"),
    [
        ({"beds_total": 10, "beds_available": 0}, "24/7", 1, False),  # full, whatever its hours
        ({"beds_total": 10, "beds_available": 3}, "Mon-Fri 9-5", 1, True),
        ({"beds_total": 10, "beds_available": 3}, "Mon-Fri 9-5", 24 * 7, False),  # days old
        # Full by a count a week old, and no count since: still full, not a bed tonight.
        ({"beds_total": 10, "beds_available": 0}, "24/7", 24 * 7, False),
        ({"beds_total": 10, "beds_available": 3}, "24/7", 24 * 7, True),  # old count: hours say
        ({"beds_total": None, "beds_available": None}, "24/7", None, True),  # no count kept
        ({"beds_total": None, "beds_available": None}, "Mon-Fri 9-5", None, False),
    ],
)
def test_a_bed_tonight_is_a_free_bed_by_a_current_count_else_an_intake_open_at_any_hour(
    api: Api,
    engine: sa.Engine,
    tally: NeedTally,
    capacity: dict[str, Any],
    hours: str,
    updated_hours_ago: int | None,
    bed: bool,
) -> None:
    organization_id = api.organization()
    service = api.service(
        organization_id,
        intake={"phone": "+1-519-555-0100", "hours": hours},
        capacity=capacity,
    )
    if updated_hours_ago is not None:
        with engine.begin() as connection:
            connection.execute(
                sa.update(Service)
                .where(Service.id == UUID(service["id"]))  # type: ignore[arg-type]
                .values(
                    availability_updated_at=datetime.now(UTC) - timedelta(hours=updated_hours_ago)
                )
            )
    for _ in range(5):
        _match(api, needs=["housing"], urgent=True, location={"place": "Kitchener, ON"})
    tally.flush(engine)
    [cell] = _urgent_cells(_report_later(engine)).values()
    assert (cell["none_near"], cell["no_bed_tonight"]) == (0, 0 if bed else 5)


def test_an_urgent_request_near_a_24_7_intake_without_beds_counted_found_a_bed_tonight(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    """What urgent housing ranks first: a free bed, or an intake that answers at 3 a.m."""
    organization_id = api.organization()
    api.service(organization_id, capacity={"beds_total": None, "beds_available": None})
    for _ in range(5):
        _match(api, needs=["housing"], urgent=True, location={"place": "Kitchener, ON"})
    tally.flush(engine)
    assert _urgent_cells(_report_later(engine)) == {
        ("ON", "urban", "housing"): {"asked": 5, "no_bed_tonight": 0, "none_near": 0, "unmet": 0}
    }


def test_a_month_is_reported_only_once_it_is_over(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    """Read again and again, this month's counts would tell when each request was made."""
    for _ in range(5):
        _match(api, needs=["housing"], location={"place": "Kitchener, ON"})
    tally.flush(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(NeedCount).values(
                month="2025-01", province="ON", area_type="urban", need="housing", asked=5
            )
        )
    for headers in (api.key("analyst"), api.admin):
        report = _report(api, headers, month_from=MONTH)
        assert report["items"] == []
        report = _report(api, headers)
        assert report["through"] < MONTH
        assert [item["month"] for item in report["items"]] == ["2025-01"]
    assert [item["month"] for item in _report_later(engine)["items"]] == [MONTH, "2025-01"]


def test_a_cell_asked_for_fewer_than_five_times_is_not_listed_and_small_counts_are_withheld(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    organization_id = api.organization()
    api.service(organization_id)
    kitchener = {"location": {"place": "Kitchener, ON"}}
    for _ in range(4):  # four people asked about family law: not listed at all
        _match(api, needs=["legal.family"], **kitchener)
    for _ in range(3):  # 7 housing requests, of which 3 found nothing within 5 km
        _match(api, needs=["housing"], location={"place": "Guelph, ON"}, max_distance_km=5)
    for _ in range(4):
        _match(api, needs=["housing"], **kitchener)
    tally.flush(engine)

    report = _report_later(engine)
    assert _cells(report) == {
        ("ON", "urban", "housing"): {"asked": 7, "none_near": None, "unmet": 0}
    }
    assert report["total"] == 1
    # Nothing of a withheld count shows through a filter either.
    assert _report_later(engine, need="legal")["items"] == []


def test_filters_take_a_month_range_a_province_an_area_type_and_a_need_with_its_categories(
    api: Api, engine: sa.Engine, tally: NeedTally
) -> None:
    cells = [
        ("2025-02", "AB", "rural", "housing"),
        ("2025-02", "AB", "rural", "legal.immigration"),
        ("2025-02", "ON", "urban", "housing"),
        ("2025-01", "AB", "rural", "housing"),
        ("2025-01", "AB", "suburban", "legal"),
    ]
    with engine.begin() as connection:
        for month, province, area_type, need in cells:
            connection.execute(
                sa.insert(NeedCount).values(
                    month=month, province=province, area_type=area_type, need=need, asked=9
                )
            )
    analyst = api.key("analyst")

    def listed(**params: Any) -> list[tuple[str, str, str, str]]:
        report = _report(api, analyst, **params)
        assert report["total"] == len(report["items"]) or "per_page" in params
        return [(i["month"], i["province"], i["area_type"], i["need"]) for i in report["items"]]

    assert listed() == cells  # newest month first, then by province, area type and need
    assert listed(month_to="2025-01") == cells[3:]
    assert listed(month_from="2025-02", month_to="2025-02") == cells[:3]
    assert listed(province="ON") == [cells[2]]
    assert listed(area_type="suburban") == [cells[4]]
    assert listed(need="legal") == [cells[1], cells[4]]
    assert listed(need="legal.immigration") == [cells[1]]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(NeedCount).values(
                month="2025-02",
                province="ON",
                area_type="urban",
                need="housing",
                urgent=True,
                asked=9,
            )
        )
    assert listed(urgent=True) == [cells[2]]
    assert listed(urgent=False) == cells
    assert len(listed()) == len(cells) + 1
    paged = _report(api, analyst, per_page=2, page=2, urgent=False)
    assert (paged["total"], [i["need"] for i in paged["items"]]) == (5, ["housing", "housing"])


@pytest.mark.parametrize(
    "params",
    [
        {"month_from": "2026-13"},
        {"month_to": "26-11"},
        {"month_from": "2026-1"},
        {"month_from": "2026-11\n"},
        {"month_to": "\uff12\uff10\uff12\uff16-11"},  # full-width digits
        {"province": "XX"},
        {"area_type": "city"},
        {"need": "housing.nowhere"},
        {"urgent": "tonight"},
        {"month": "2026-11"},
        {"month_from": "2026-10", "month_to": "2026-09"},  # nothing could be listed
    ],
)
def test_a_bad_filter_is_a_422_naming_it(api: Api, params: dict[str, str]) -> None:
    response = api.client.get("/v1/reports/unmet-needs", params=params, headers=api.admin)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["query", next(iter(params))]


def test_workers_adding_to_one_cell_at_once_lose_nothing(
    engine: sa.Engine, tally: NeedTally
) -> None:
    """Each worker keeps its own tally; the database adds them, whichever writes first."""
    workers = [NeedTally() for _ in range(4)]
    for worker in workers:
        for _ in range(25):
            worker.add(
                month=MONTH,
                province="MB",
                area_type="rural",
                outcomes=[_housing("far"), Outcome("legal", False, True, True, False)],
            )
    barrier = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def flush(worker: NeedTally) -> None:
        try:
            barrier.wait(timeout=60)
            worker.flush(engine)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=flush, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(NeedCount.need, NeedCount.asked, NeedCount.none_near, NeedCount.unmet)  # type: ignore[call-overload]
            .where(NeedCount.province == "MB")
            .order_by(NeedCount.need)
        ).all()
    assert [tuple(row) for row in rows] == [("housing", 100, 100, 0), ("legal", 100, 0, 0)]


def test_counts_a_database_would_not_take_are_kept_for_the_next_flush(
    engine: sa.Engine, tally: NeedTally
) -> None:
    worker = NeedTally()
    worker.add(month=MONTH, province="NS", area_type="suburban", outcomes=[_housing()])
    unreachable = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(sa.exc.OperationalError):
        worker.flush(unreachable)
    assert worker.pending() == 1
    worker.add(month=MONTH, province="NS", area_type="suburban", outcomes=[_housing("far")])
    worker.flush(engine)
    assert worker.pending() == 0
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT asked, none_near, unmet FROM need_count WHERE province = 'NS'")
        ).one()
    assert tuple(row) == (2, 1, 0)


def test_a_writer_says_when_it_could_not_write_and_what_it_dropped(
    engine: sa.Engine, tally: NeedTally
) -> None:
    """What `/metrics` counts (`referral_need_count_flush_failures`, `..._cells_dropped`)."""
    failures: list[None] = []
    dropped: list[int] = []
    worker = NeedTally()
    unreachable = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")

    def flush_once(to: sa.Engine, *months: str) -> tuple[int, list[int], int]:
        for month in months:
            worker.add(month=month, province="NS", area_type="rural", outcomes=[_housing()])
        TallyWriter(
            worker,
            to,
            seconds=3600,
            on_failure=lambda: failures.append(None),
            on_dropped=dropped.append,
        ).close()
        return len(failures), dropped, worker.pending()

    assert flush_once(unreachable, MONTH) == (1, [], 1)
    assert flush_once(engine, "2025-01") == (1, [1], 0)
    # A late cell is dropped, and said so, even when the write of the others fails.
    assert flush_once(unreachable, "2025-01", MONTH) == (2, [1, 1], 1)


def test_counts_that_come_after_their_month_is_shown_are_dropped(
    engine: sa.Engine, tally: NeedTally
) -> None:
    """A database out of reach for days: the counts kept meanwhile would change a month
    that analysts have read, telling them that requests were made and what they found."""
    worker = NeedTally()
    for month in ("2025-01", MONTH):
        worker.add(month=month, province="NU", area_type="rural", outcomes=[_housing()])
    worker.flush(engine)
    assert worker.pending() == 0
    with engine.connect() as connection:
        months = connection.execute(sa.select(NeedCount.month)).scalars().all()  # type: ignore[call-overload]
    assert months == [MONTH]


def test_the_report_holds_no_profile(api: Api, engine: sa.Engine, tally: NeedTally) -> None:
    """A count's row holds the month, province, area type and need: not the age, gender,
    status, languages, place or postal code of anyone, whatever they sent."""
    organization_id = api.organization()
    api.service(organization_id, locations=[confidential_location()])
    for _ in range(5):
        _match(
            api,
            gender="man",
            age=117,
            newcomer_status="no_status",
            trafficking_type="labour",
            languages=["xal"],
            needs=["housing"],
            location={"postal_prefix": "N1R 5S7"},
            with_dependents=True,
        )
    tally.flush(engine)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text("SELECT * FROM need_count"))]
    assert len(rows) == 1
    text = repr(rows)
    for secret in ("117", "man", "no_status", "labour", "xal", "N1R", "5S7", "Cambridge"):
        assert secret not in text


def test_an_administrators_matches_are_not_counted(
    api: Api, tally: NeedTally, engine: sa.Engine
) -> None:
    """Trying the console's match form is not a person asking: it must not pad a cell."""
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}}
    for headers in (api.admin, _operator(api)):
        response = api.client.post("/v1/match", json=body, headers=headers)
        assert response.status_code == 200, response.text
    assert tally.pending() == 1
    tally.flush(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.sum(NeedCount.asked))).scalar_one() == 1
