"""A worker's match index (`matching/index.py`), kept exactly as current as the database.

Before each match it reads what changed since it last looked (`repository/registry_feed.py`,
written by triggers, so every change counts, even one made by hand in SQL) and rebuilds those
listings: a match never sees a listing older than the database did when the match began. It
holds listing data only, never anything of a person, and only the listings of approved
organizations.
"""

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Session

from service.matching.index import RegistryIndex
from service.models import Service
from service.repository import match as match_repo
from service.repository import registry_feed as feed
from service.repository.rows import RawRows, converter
from service.usecases.candidates import built

_log = logging.getLogger("referral.match")
# Services read per statement when the whole registry is read.
_PAGE = 2_000


class MatchIndex:
    """The index and how far it has read the change log (`registry_feed.Seen`). One per
    worker and database; its lock lets one match at a time bring it up to date and search it.

    When the whole registry must be read (at start, after an import of many listings, after
    a restore or a failover), `background` reads it in a thread while `current` yields
    None: matches search the database meanwhile, fresh and a little slower, instead of
    waiting seconds. Without it (benchmarks, tests), `current` reads it there and then."""

    def __init__(
        self,
        *,
        background: bool = False,
        listings: int = 1_024,
        on_read: Callable[[], None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        # Told when a read in the background is held (the worker's gauges are written then,
        # not only after its next request: an idle worker's index read as empty).
        self._on_read = on_read
        self._background = background
        self._reader: threading.Thread | None = None
        self._index: RegistryIndex | None = None
        # How far the change log is read: every change settled by then is applied.
        self._seen = feed.NOTHING_SEEN
        self.whole_reads = 0  # how often the whole registry was read (start, import, restore)
        # The answer's listings (name, organization, locations, intake), most recently shown
        # last; forgotten when they change, as the index is brought up to date.
        self._listings: dict[UUID, Service] = {}
        self._listings_size = listings

    @contextmanager
    def current(self, session: Session) -> Iterator["MatchIndex | None"]:
        """This index, brought up to date with what `session` sees, or None while it is read
        whole in the background. Search `registry` and read `listings` only inside the
        block; what they return may be kept (candidates and listings are never changed, only
        replaced)."""
        with self._lock:
            ready = self._index is not None and self._apply_changes(session, self._index)
            if not ready and not self._background:
                self._read_whole(session)
                ready = True
            if ready:
                yield self
                return
            self._index = None  # behind the database: not to be searched any more
            bind = session.get_bind()
            self._start_reading(bind if isinstance(bind, sa.Engine) else bind.engine)
        yield None

    def warm(self, engine: sa.Engine) -> None:
        """Start reading the registry (at start), so that matches do not wait for it."""
        with self._lock:
            self._start_reading(engine)

    def close(self, timeout: float) -> None:
        """Wait for a read in progress to end (at shutdown)."""
        reader = self._reader
        if reader is not None:
            reader.join(timeout)

    def _start_reading(self, engine: sa.Engine) -> None:
        if self._reader is None:
            self._reader = threading.Thread(
                target=self._read_in_background, args=(engine,), name="match-index", daemon=True
            )
            self._reader.start()

    def _read_in_background(self, engine: sa.Engine) -> None:
        try:
            with Session(engine) as session:
                read = _Whole.read(session)
            with self._lock:
                self._adopt(read)
            if self._on_read is not None:
                self._on_read()
        except sa.exc.SQLAlchemyError as error:
            _log.warning(
                "match index not read; the next match will try again",
                extra={"error_type": type(error).__name__},
            )
        finally:
            with self._lock:
                self._reader = None

    def _read_whole(self, session: Session) -> None:
        self._adopt(_Whole.read(session))

    def _adopt(self, read: "_Whole") -> None:
        """Hold what was read whole (under the lock)."""
        self._index = read.index
        self._seen = read.start
        self.whole_reads += 1
        self._listings.clear()
        # Hundreds of thousands of long-lived objects: out of the collector's way, so that
        # its full collections do not walk them again and again.
        gc.collect()
        gc.freeze()
        _log.info(
            "match index read",
            extra={"services": len(read.index), "duration_ms": read.duration_ms},
        )

    @property
    def registry(self) -> RegistryIndex:
        assert self._index is not None, "inside `current` only"
        return self._index

    @property
    def size(self) -> int:
        """Services held (0 before the first match)."""
        return 0 if self._index is None else len(self._index)

    def listings(self, session: Session, ids: set[UUID]) -> list[Service]:
        """The listings of these services as the answer shows them, read from the database
        only when not held (`repository.match.load_services`)."""
        missing = ids - self._listings.keys()
        for loaded in match_repo.load_services(session, missing):
            self._listings[loaded.id] = loaded
        found = []
        for service_id in ids:
            listing = self._listings.pop(service_id, None)
            if listing is not None:
                self._listings[service_id] = listing  # the most recently shown go last
                found.append(listing)
        while len(self._listings) > self._listings_size:
            del self._listings[next(iter(self._listings))]
        return found

    def _apply_changes(self, session: Session, index: RegistryIndex) -> bool:
        """Bring the index up to date; False when the log may have been replaced (emptied,
        restored from a backup, or on a standby promoted in a failover: what it lacks is
        unknown) or so much changed (an import) that reading the whole registry again is
        quicker."""
        read = feed.changes_after(session, self._seen)
        if read.seen.replaces(self._seen):
            return False
        if len(read.changes) > _PAGE:
            return False
        # An organization's change (approved, suspended) changes all its services. (One that
        # is removed has none left: each service removed was logged as a change of its own.)
        changed = {
            *read.services,
            *feed.ids_of_organizations(session, read.organizations),
        }
        if len(changed) > _PAGE:
            return False
        for service_id in changed:
            index.remove(str(service_id))
            self._listings.pop(service_id, None)
        _put(session, index, match_repo.raw_candidate_rows(session, changed))
        self._seen = read.seen
        return True


def _put(session: Session, index: RegistryIndex, raw: RawRows) -> None:
    """Build the listings of these rows into the index."""
    if not raw.rows:
        return
    convert = converter(session, match_repo.CANDIDATE_COLUMNS, raw.type_codes)
    for service_id, group in groupby(raw.rows, key=itemgetter(0)):
        try:
            candidate = built(tuple(group), convert)[1]
        except (ValueError, TypeError, KeyError):
            # A row no listing could have been written as (a hand edit gone wrong): left
            # out of matching, said in the log, rather than failing every match.
            _log.error("listing left out of matching", extra={"service_id": str(service_id)})
            continue
        index.put(candidate)


@dataclass(frozen=True, slots=True)
class _Whole:
    """The registry read whole, and the stamps taken before it was read (so that a change
    made while it was read is read again)."""

    index: RegistryIndex
    start: feed.Seen
    duration_ms: float

    @classmethod
    def read(cls, session: Session) -> "_Whole":
        started = time.perf_counter()
        start = feed.horizon(session)
        index = RegistryIndex()
        last: UUID | None = None
        while page := feed.matchable_ids(session, after_id=last, limit=_PAGE):
            _put(session, index, match_repo.raw_candidate_rows(session, page))
            last = page[-1]
        return cls(index, start, round((time.perf_counter() - started) * 1000, 1))
