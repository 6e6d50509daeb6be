"""Providers' availability updates: on SQLite, written by one thread per worker in batches
(group commit); on PostgreSQL, each in a transaction of its own.

Nightly bed counts arrive from many scripts at once, each update a few short statements and a
commit, and the commit waits for the disk (`synchronous=FULL`). SQLite takes one writer at a
time, and a writer that finds it busy polls, sleeping 1, 2, 5, 10 ms... So on SQLite, one
update to a transaction spent most of its time waiting: on the lock, on the disk, on a thread
of the pool. Here the updates that arrive while a batch is written wait for the next, and go
in one transaction, which takes the write lock first: each between a savepoint and its
release, so that one refused (404, 412, 422) or with nothing to write is undone alone.
Measured in `bench writes`: 384 to 408 updates/s at 2.2 ms of server CPU each, against 592
to 593/s at 1.5 ms in batches (bench/RESULTS.md, issue #6).

PostgreSQL takes concurrent writers itself, and batches gained nothing there (368 against
347 to 375/s); in a batch, one listing's row held by another transaction (5 s of
`lock_timeout`) or a deadlock between two workers' batches would fail every update in it.

Each update is acknowledged only after its transaction is committed: an acknowledged update
survives a crash. A batch that fails before its commit answers its updates with the
database's error (a busy or unreachable database: 503, to be tried again, nothing changed);
one whose commit fails, with `WriteInDoubt` (500), since it may have landed. A refusal is
kept unless an update before it in the failed batch wrote the same listing (a 412 against a
version that was never committed).
"""

import asyncio
import logging
import queue
import threading
import uuid
from dataclasses import dataclass

import anyio
import sqlalchemy as sa

from schemas.services import AvailabilityUpdate
from service.db import committing_began, open_session
from service.errors import DomainError, Unavailable
from service.models import Service
from service.repository import services as repo
from service.usecases.keys import Caller
from service.usecases.services import set_availability, write_availability

logger = logging.getLogger("referral.errors")

# At most this many updates in a transaction: the write lock is not held for long.
BATCH = 64


class WriteInDoubt(Exception):
    """The commit of the update failed: what the database holds is not known."""


class WriterStopped(Unavailable):
    """The worker is shutting down: the update was not written (503, to send again)."""

    def __init__(self) -> None:
        super().__init__("The service is stopping; nothing was changed. Send the update again.")


@dataclass(slots=True)
class _Update:
    service_id: uuid.UUID
    data: AvailabilityUpdate
    caller: Caller
    if_match: str | None
    loop: asyncio.AbstractEventLoop
    answer: "asyncio.Future[Service]"
    outcome: Service | BaseException | None = None
    wrote: bool = False


class AvailabilityWriter:
    """Writes a worker's availability updates (`write`): in batches by a thread of its own on
    SQLite (`start`ed unless told not to), one by one in the thread pool on PostgreSQL."""

    def __init__(self, engine: sa.Engine, *, start: bool = True) -> None:
        self._engine = engine
        self.batching = engine.dialect.name == "sqlite"
        self._queue: queue.SimpleQueue[_Update | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="availability-writer", daemon=True)
        self._closed = False
        self.batches = 0  # transactions committed in batches, for tests and benchmarks
        if start and self.batching:
            self.start()

    def start(self) -> None:
        if self.batching:
            self._thread.start()

    async def write(
        self,
        *,
        service_id: uuid.UUID,
        data: AvailabilityUpdate,
        caller: Caller,
        if_match: str | None = None,
    ) -> Service:
        """`services.set_availability`: the listing once its update is committed. Raises what
        that raises, `WriteInDoubt` and `WriterStopped`."""
        if not self.batching:
            return await anyio.to_thread.run_sync(
                self._write_alone, service_id, data, caller, if_match
            )
        if self._closed:
            raise WriterStopped()
        loop = asyncio.get_running_loop()
        update = _Update(service_id, data, caller, if_match, loop, loop.create_future())
        self._queue.put(update)
        return await update.answer

    def close(self, timeout: float = 30.0) -> None:
        """Write what was sent before, then stop; what comes after is refused."""
        self._closed = True
        if not self._thread.is_alive():
            return
        self._queue.put(None)
        self._thread.join(timeout)
        # (sent while it stopped: answered, never left waiting)
        late = []
        while True:
            try:
                update = self._queue.get_nowait()
            except queue.Empty:
                break
            if update is not None:
                update.outcome = WriterStopped()
                late.append(update)
        self._answer(late)

    def _write_alone(
        self,
        service_id: uuid.UUID,
        data: AvailabilityUpdate,
        caller: Caller,
        if_match: str | None,
    ) -> Service:
        """In the thread pool: one update, one transaction."""
        session = open_session(self._engine)
        try:
            return set_availability(
                session, service_id=service_id, data=data, caller=caller, if_match=if_match
            )
        except Exception as error:
            if committing_began(session):
                raise _in_doubt(error) from error
            raise
        finally:
            session.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    update = self._queue.get_nowait()
                except queue.Empty:
                    break
                if update is None:
                    stopping = True
                    break
                batch.append(update)
            try:
                self._write(batch)
            except Exception as error:  # (a defect: answered all the same, and the thread goes on)
                logger.error(
                    "availability batch not written", extra={"error_type": type(error).__name__}
                )
                for update in batch:
                    update.outcome = error
            finally:  # (whatever happens, no request is left waiting)
                self._answer(batch)

    def _write(self, batch: list[_Update]) -> None:
        """Write the batch in one transaction; each update's `outcome` is its listing or its
        error."""
        session = open_session(self._engine)
        try:
            repo.begin_writes(session)
            for update in batch:
                repo.mark_write(session)
                try:
                    service, written = write_availability(
                        session,
                        service_id=update.service_id,
                        data=update.data,
                        caller=update.caller,
                        if_match=update.if_match,
                    )
                except DomainError as refused:
                    repo.undo_write(session)
                    update.outcome = refused
                    continue
                if written:
                    repo.keep_write(session)
                else:
                    repo.undo_write(session)
                update.outcome, update.wrote = service, written
            session.commit()
            self.batches += 1
        except Exception as error:
            # (a connection whose commit failed is closed, not pooled: `db.create_db_engine`)
            _failed(batch, _in_doubt(error) if committing_began(session) else error)
        finally:
            session.close()

    @staticmethod
    def _answer(batch: list[_Update]) -> None:
        for loop in {update.loop for update in batch}:
            mine = [update for update in batch if update.loop is loop]
            try:
                loop.call_soon_threadsafe(_settle, mine)
            except RuntimeError:  # its event loop closed: no one waits for these
                pass


def _in_doubt(error: Exception) -> WriteInDoubt:
    logger.error("availability commit failed", extra={"error_type": type(error).__name__})
    return WriteInDoubt("The update may or may not have been written.")


def _failed(batch: list[_Update], error: BaseException) -> None:
    """A batch not committed: each update answered with `error`, but for a refusal that no
    write before it in the batch decided (a 412 against a version never committed)."""
    written: set[uuid.UUID] = set()
    for update in batch:
        decided_alone = isinstance(update.outcome, DomainError) and (
            update.service_id not in written
        )
        if update.wrote:
            written.add(update.service_id)
        if not decided_alone:
            update.outcome = error


def _settle(updates: list[_Update]) -> None:
    """On the waiting event loop: each update's answer."""
    for update in updates:
        if update.answer.done():  # the request was cancelled (its client went away)
            continue
        if isinstance(update.outcome, Service):
            update.answer.set_result(update.outcome)
        else:
            update.answer.set_exception(
                update.outcome or RuntimeError("the availability writer answered nothing")
            )
