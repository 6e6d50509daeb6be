"""Where needs go unmet, in aggregate only (PRODUCT.md: "only aggregate counts are kept, and
cells smaller than 5 are never shown").

Each match adds one to its cell of (month, province, area type, need as asked) in the
worker's memory: that it was asked, whether anything reached the person within the distance
they asked, whether anything eligible was found at all. Nothing else of the profile is
counted, and the counts go to the database in bulk every `report_flush_seconds`, added to
what other workers wrote, so no row's writing tells when one match happened. A worker that
dies loses its counts since the last flush: they are statistics, never an acknowledged write.

The report lists a cell only once it was asked for at least 5 times in its month, and
withholds any count from 1 to 4 in it. Cells are never summed over months or areas, so no
two answers differ by a withheld count. And a month is reported only once it is over (from
the second day of the next, when every worker has written its last counts): a month's
counts never change while anyone can read them, so reading the report again and again
never tells that a request was made in between, nor what it found.
"""

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from schemas.enums import AreaType, Province
from schemas.reports import SMALLEST_SHOWN, NeedCountPage, NeedCountPublic
from service.models import utcnow
from service.repository import reports as repo
from service.repository.reports import CellKey

logger = logging.getLogger("referral.reports")


class NeedTally:
    """One worker's counts not yet written to the database. Safe to add to from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[CellKey, tuple[int, int, int]] = {}

    def add(
        self,
        *,
        month: str,
        province: str,
        area_type: str,
        outcomes: Iterable[tuple[str, bool, bool]],
    ) -> None:
        """Count one match: for each need asked, whether anything reached the person within
        the distance asked (`near`) and whether anything eligible was found (`found`)."""
        with self._lock:
            for need, near, found in outcomes:
                key = (month, province, area_type, need)
                asked, none_near, unmet = self._counts.get(key, (0, 0, 0))
                self._counts[key] = (asked + 1, none_near + (not near), unmet + (not found))

    def pending(self) -> int:
        """How many cells wait to be written."""
        with self._lock:
            return len(self._counts)

    def flush(self, engine: sa.Engine) -> None:
        """Write the counts so far, added to the database's. On failure they are kept for the
        next flush, and the error is raised."""
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return
        try:
            with Session(engine) as session:
                repo.add_counts(session, counts)
                session.commit()
        except Exception:
            with self._lock:
                for key, (asked, none_near, unmet) in counts.items():
                    a, n, u = self._counts.get(key, (0, 0, 0))
                    self._counts[key] = (asked + a, none_near + n, unmet + u)
            raise


class TallyWriter:
    """Flushes a tally every `seconds` in a thread of its own, and once more on `close`."""

    def __init__(self, tally: NeedTally, engine: sa.Engine, *, seconds: float) -> None:
        self._tally = tally
        self._engine = engine
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="need-tally", daemon=True)
        self._thread.start()

    def _flush(self) -> None:
        try:
            self._tally.flush(self._engine)
        except Exception as error:  # the database is away: try again at the next tick
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


def _shown(count: int) -> int | None:
    return count if count == 0 or count >= SMALLEST_SHOWN else None


def unmet_need_report(
    session: Session,
    *,
    first_month: str | None,
    last_month: str | None,
    province: Province | None,
    area_type: AreaType | None,
    need: str | None,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> NeedCountPage:
    """The cells of ended months asked for at least `SMALLEST_SHOWN` times, newest first."""
    settled = last_reported_month(now or utcnow())
    rows, total = repo.read_counts(
        session,
        first_month=first_month,
        last_month=min(last_month, settled) if last_month else settled,
        province=province.value if province else None,
        area_type=area_type.value if area_type else None,
        need=need,
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
                asked=row.asked,
                none_near=_shown(row.none_near),
                unmet=_shown(row.unmet),
            )
            for row in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
    )
