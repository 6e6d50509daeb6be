"""Where needs go unmet, in aggregate only (PRODUCT.md: "only aggregate counts are kept, and
cells smaller than 5 are never shown").

Each match adds one to its cell of (month, province, area type, need as asked, urgent) in
the worker's memory: that it was asked, whether anything reached the person within the
distance they asked, whether anything eligible was found at all, and, for an urgent housing
need, whether anything within the distance asked had a bed tonight
(`matching.scoring.bed_tonight`); all of it over every eligible service found, not the
`limit` shown (`matching.ranking.found_near`). `urgent` is true only for housing needs:
other needs are never split by it. Nothing else of the profile is counted, and the counts
go to the database in bulk every `report_flush_seconds`, added to what other workers wrote:
the rows change a minute's worth at a time, not with each match (in a quiet cell a minute's
worth may be one, which only the database's own readers see). A worker that dies loses its
counts since its last successful flush: they are statistics, never an acknowledged write.

The report lists a cell only once it was asked for at least 5 times in its month, and
withholds a count from 1 to 4, and a count whose difference from another count of its
cell is 1 to 4 (`asked=6, none_near=5` would say that exactly one request found help near):
complementary suppression. A cell's counts are of nested sets (asked, then no bed tonight,
then none near, then unmet: nothing near has no bed near), so their differences are all
that can be worked out from them. Cells are never summed over months, areas or urgency, so
no two answers differ by a withheld count. And a month is reported only once it is over
(from the second day of the next, when every worker has written its last counts): a month's
counts never change while anyone can read them, so reading the report again and again never
tells that a request was made in between, nor what it found. Counts that reach a flush only
after their month is shown (the database was out of reach for over a day) are dropped, not
added to it.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from schemas.enums import AreaType, Province
from schemas.reports import SMALLEST_SHOWN, NeedCountPage, NeedCountPublic
from service.errors import Unprocessable
from service.models import NeedCount, utcnow
from service.repository import reports as repo
from service.repository.reports import CellKey, Counts

logger = logging.getLogger("referral.reports")


class Outcome(NamedTuple):
    """What one match found for one need it asked for."""

    need: str
    urgent: bool  # a bed tonight was asked for, and the need is for housing
    near: bool  # something reached the person within the distance asked
    found: bool  # something eligible was found, however far
    bed_near: bool  # something within the distance asked had a bed tonight


def _plus(one: Counts, other: Counts) -> Counts:
    asked, none_near, unmet, no_bed = (a + b for a, b in zip(one, other, strict=True))
    return (asked, none_near, unmet, no_bed)


class NeedTally:
    """One worker's counts not yet written to the database. Safe to add to from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[CellKey, Counts] = {}

    def add(
        self, *, month: str, province: str, area_type: str, outcomes: Iterable[Outcome]
    ) -> None:
        """Count one match, each need it asked for in its cell."""
        with self._lock:
            for outcome in outcomes:
                key = (month, province, area_type, outcome.need, outcome.urgent)
                counted = (
                    1,
                    int(not outcome.near),
                    int(not outcome.found),
                    int(outcome.urgent and not outcome.bed_near),
                )
                self._counts[key] = _plus(self._counts.get(key, (0, 0, 0, 0)), counted)

    def pending(self) -> int:
        """How many cells wait to be written."""
        with self._lock:
            return len(self._counts)

    def flush(
        self, engine: sa.Engine, *, on_dropped: Callable[[int], object] = lambda cells: None
    ) -> None:
        """Write the counts so far, added to the database's. Cells of a month already reported
        are dropped, and `on_dropped` told how many, before the write is tried. On failure the
        rest are kept for the next flush, and the error is raised."""
        with self._lock:
            counts, self._counts = self._counts, {}
        shown = last_reported_month(utcnow())
        late = {key for key in counts if key[0] <= shown}
        if late:  # a month already shown never changes
            logger.warning(
                "need counts of a month already reported dropped", extra={"cells": len(late)}
            )
            on_dropped(len(late))
            counts = {key: value for key, value in counts.items() if key not in late}
        if not counts:
            return
        try:
            with Session(engine) as session:
                repo.add_counts(session, counts)
                session.commit()
        except Exception:
            with self._lock:
                for key, counted in counts.items():
                    self._counts[key] = _plus(self._counts.get(key, (0, 0, 0, 0)), counted)
            raise


class TallyWriter:
    """Flushes a tally every `seconds` in a thread of its own, and once more on `close`.
    `on_failure` is called for each flush that failed, `on_dropped` with the cells dropped."""

    def __init__(
        self,
        tally: NeedTally,
        engine: sa.Engine,
        *,
        seconds: float,
        on_failure: Callable[[], object] = lambda: None,
        on_dropped: Callable[[int], object] = lambda cells: None,
    ) -> None:
        self._tally = tally
        self._engine = engine
        self._seconds = seconds
        self._on_failure = on_failure
        self._on_dropped = on_dropped
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="need-tally", daemon=True)
        self._thread.start()

    def _flush(self) -> None:
        try:
            self._tally.flush(self._engine, on_dropped=self._on_dropped)
        except Exception as error:  # the database is away: try again at the next tick
            self._on_failure()
            logger.warning(
                "need counts not written; kept for the next try",
                extra={"error_type": type(error).__name__},
            )

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            self._flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._flush()


def last_reported_month(now: datetime) -> str:
    """The newest month the report shows at `now`: the last one that ended at least a day
    ago (so on 1 December, October; from 2 December, November)."""
    settled = (now.astimezone(UTC) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    return settled.strftime("%Y-%m")


def _safe(count: int) -> bool:
    return count == 0 or count >= SMALLEST_SHOWN


def _withheld(row: NeedCount) -> dict[str, int | None]:
    """`none_near`, `unmet` and `no_bed_tonight` as shown: each only when it, and its
    difference from every count shown before it in the cell, is 0 or at least
    `SMALLEST_SHOWN`. `no_bed_tonight` is counted in urgent cells only: None in the others."""
    counted = {"none_near": row.none_near, "unmet": row.unmet}
    if row.urgent:
        counted["no_bed_tonight"] = row.no_bed_tonight
    shown: dict[str, int | None] = {"no_bed_tonight": None}
    values = [row.asked]
    for name, count in counted.items():
        if _safe(count) and all(_safe(abs(count - other)) for other in values):
            shown[name] = count
            values.append(count)
        else:
            shown[name] = None
    return shown


def unmet_need_report(
    session: Session,
    *,
    first_month: str | None,
    last_month: str | None,
    province: Province | None,
    area_type: AreaType | None,
    need: str | None,
    page: int,
    urgent: bool | None = None,
    per_page: int,
    now: datetime | None = None,
) -> NeedCountPage:
    """The cells of ended months asked for at least `SMALLEST_SHOWN` times, newest first."""
    if first_month is not None and last_month is not None and first_month > last_month:
        raise Unprocessable.at(
            "query",
            "month_from",
            msg="later than month_to",
            detail="month_from is later than month_to: nothing could be listed",
        )
    settled = last_reported_month(now or utcnow())
    rows, total = repo.read_counts(
        session,
        first_month=first_month,
        last_month=min(last_month, settled) if last_month else settled,
        province=province.value if province else None,
        area_type=area_type.value if area_type else None,
        need=need,
        urgent=urgent,
        at_least=SMALLEST_SHOWN,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return NeedCountPage(
        through=settled,
        items=[
            NeedCountPublic(
                month=row.month,
                province=Province(row.province),
                area_type=AreaType(row.area_type),
                need=row.need,
                urgent=row.urgent,
                asked=row.asked,
                **_withheld(row),
            )
            for row in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
    )
