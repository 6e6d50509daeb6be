"""Providers' availability updates, written by one thread per worker in batches: group commit.

Nightly bed counts arrive from many scripts at once, each update a few short statements and a
commit, and the commit waits for the disk (SQLite's `synchronous=FULL`, PostgreSQL's WAL
flush). One update to a transaction spent most of its time on what a transaction costs: a
thread of the pool, a session, a connection, a commit, a wait for the disk, and on SQLite a
wait for its one writer's lock, taken by polling. Here the updates that arrive while a batch
is written wait for the next, and go in one transaction: each between a savepoint and its
release, so that one refused (404, 412, 422) or with nothing to write is undone alone.

Each is acknowledged only after its batch is committed: an acknowledged update survives a
crash as before. A batch that fails before its commit fails every update in it as the
database failed it (a busy or unreachable database: 503, to be tried again, nothing changed);
one whose commit fails answers each with `WriteInDoubt` (500), since it may have landed.
Measured in `bench writes` on SQLite: 455 updates/s at 1.93 ms of server CPU each, against
about 600/s at 1.5 ms in batches (bench/RESULTS.md, issue #6).
"""

import asyncio
import contextlib
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from schemas.services import AvailabilityUpdate
from service.db import open_session
from service.errors import DomainError
from service.models import Service
from service.repository import services as repo
from service.usecases.keys import Caller
from service.usecases.services import write_availability

logger = logging.getLogger("referral.errors")

# At most this many updates in a transaction: the write lock is not held for long.
BATCH = 64


class WriteInDoubt(Exception):
    """The commit of the update's batch failed: what the database holds is not known."""


@dataclass(slots=True)
class _Update:
    service_id: uuid.UUID
    data: AvailabilityUpdate
    caller: Caller
    if_match: str | None
    loop: asyncio.AbstractEventLoop
    answer: "asyncio.Future[Service]"
    outcome: Service | BaseException | None = field(default=None)


class AvailabilityWriter:
    """The thread that writes a worker's availability updates (`write`), in batches."""

    def __init__(self, engine: sa.Engine, *, start: bool = True) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Update | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="availability-writer", daemon=True)
        self.batches = 0  # transactions written, for tests and benchmarks
        if start:
            self.start()

    def start(self) -> None:
        self._thread.start()

    async def write(
        self,
        *,
        service_id: uuid.UUID,
        data: AvailabilityUpdate,
        caller: Caller,
        if_match: str | None = None,
    ) -> Service:
        """`services.set_availability`, in the next batch: the listing once it is committed.
        Raises what that raises, and `WriteInDoubt`."""
        if self._thread.ident is not None and not self._thread.is_alive():
            # (closed: only a request that outlived the worker's shutdown comes here)
            raise RuntimeError("the availability writer has stopped")
        loop = asyncio.get_running_loop()
        update = _Update(service_id, data, caller, if_match, loop, loop.create_future())
        self._queue.put(update)
        return await update.answer

    def close(self, timeout: float = 30.0) -> None:
        """Write what was sent before, then stop."""
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

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
            self._write(batch)
            self._answer(batch)

    def _write(self, batch: list[_Update]) -> None:
        """Write the batch in one transaction; each update's `outcome` is its listing or its
        error."""
        committing = False
        session = open_session(self._engine)
        connection: sa.Connection | None = None
        try:
            connection = session.connection()
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
                update.outcome = service
            committing = True
            session.commit()
            self.batches += 1
        except Exception as error:
            # Its connection is closed, never reused: whatever the failure left of its
            # transaction (the write lock on SQLite) ends with it.
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.invalidate()
            failed: BaseException = error
            if committing:
                logger.error(
                    "availability batch commit failed", extra={"error_type": type(error).__name__}
                )
                failed = WriteInDoubt("The update may or may not have been written.")
                failed.__cause__ = error
            for update in batch:
                if not isinstance(update.outcome, DomainError):
                    update.outcome = failed
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
