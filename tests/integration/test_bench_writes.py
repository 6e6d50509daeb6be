"""The writes benchmark's arithmetic: its lost-update check, on a tiny registry written through
the real availability use case (no server, no timing), and an update's CPU in healthz units."""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from bench.databases import database
from bench.load import Load
from bench.registry import load_registry
from bench.writes import Outcome, Written, count_lost, hand_services
from schemas.enums import Role
from schemas.services import AvailabilityUpdate
from service.usecases.keys import Caller
from service.usecases.services import set_availability


def _write_twice(engine: sa.Engine, owner: str, services: list[tuple[str, int]]) -> Written:
    caller = Caller(
        key_id=uuid.uuid4(), name="writer", role=Role.provider, organization_id=uuid.UUID(owner)
    )
    written = Written()
    for round_ in range(2):
        for service_id, beds_total in services:
            value = (beds_total + round_) % (beds_total + 1)
            with Session(engine, expire_on_commit=False) as session:
                set_availability(
                    session,
                    service_id=uuid.UUID(service_id),
                    data=AvailabilityUpdate(beds_available=value),
                    caller=caller,
                )
            written.last[service_id] = value
            written.acknowledged[service_id] = written.acknowledged.get(service_id, 0) + 1
    return written


def test_count_lost_is_zero_after_acknowledged_writes_and_finds_an_overwritten_one(
    tmp_path: Path,
) -> None:
    with database("sqlite", tmp_path) as engine:
        load_registry(engine, 60)
        handed = hand_services(engine, writers=2, per_writer=2)
        assert [len(services) for _, services in handed] == [2, 2]
        written = [_write_twice(engine, owner, services) for owner, services in handed]

        assert count_lost(engine, written) == (0, 0, 0)

        service = SQLModel.metadata.tables["service"]
        victim, beds_total = handed[0][1][0]
        with engine.begin() as connection:
            connection.execute(
                sa.update(service)
                .where(service.c.id == uuid.UUID(victim))
                .values(beds_available=(written[0].last[victim] + 1) % (beds_total + 1))
            )
        assert count_lost(engine, written) == (1, 0, 0)


def test_an_updates_cpu_reads_as_a_multiple_of_a_healthz_requests() -> None:
    written = Written(acknowledged={"a": 300, "b": 200}, seconds=10.0)
    floor = Load(requests=2_000, seconds=5.0, non_2xx=0, errors=0, p50_ms=1.0, p99_ms=2.0)
    outcome = Outcome("sqlite", [written], 0, 0, 0, 3.0, floor, 2.0)
    # 3 s over 500 updates = 6 ms each; 2 s over 2,000 healthz = 1 ms each.
    assert outcome.per_second == 50.0
    assert outcome.update_in_floors == pytest.approx(6.0)
