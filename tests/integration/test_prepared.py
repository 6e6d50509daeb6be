"""Statements run on the driver's cursor (`repository/prepared.py`) read and write what
SQLAlchemy's own execution would, on each database, and fail as it would."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from service.models import ServiceChange
from service.repository import services as repo
from service.repository.prepared import Prepared
from tests.factories import Api

_TABLES = SQLModel.metadata.tables
_SERVICE, _ORGANIZATION, _LOCATION = (
    _TABLES[name] for name in ("service", "organization", "location")
)


def _values(instance: Any, table: sa.Table) -> dict[str, Any]:
    return {column.key: getattr(instance, column.key) for column in table.c}


def test_a_claimed_listing_reads_as_the_orm_reads_it(api: Api, engine: sa.Engine) -> None:
    """Every column, of the listing, its organization and its locations: UUIDs, instants with
    their time zone, JSON lists, booleans, nulls."""
    organization = api.organization("Prepared")
    listed = api.service(
        organization,
        languages=["fr", "en", "ar"],
        locations=[
            {"municipality": "Kitchener", "province": "ON", "postal_code": "N2G 1A1"},
            {"municipality": "Waterloo", "province": "ON", "confidential": True},
        ],
    )
    service_id = uuid.UUID(listed["id"])
    with Session(engine) as session:
        read = repo.get_service(session, service_id, everything=True)
        assert read is not None
        expected = _values(read, _SERVICE)
        organization_values = _values(read.organization, _ORGANIZATION)
        locations = [_values(location, _LOCATION) for location in read.locations]
        session.rollback()

        claimed = repo.claim_service(session, service_id, organization_id=None, everything=True)
        assert claimed is not None
        got = _values(claimed, _SERVICE)
        assert got.pop("version") == expected.pop("version") + 1
        assert got == expected
        assert isinstance(got["languages"], list)
        assert got["created_at"].tzinfo is not None
        assert _values(claimed.organization, _ORGANIZATION) == organization_values
        assert [_values(location, _LOCATION) for location in claimed.locations] == (locations)
        assert len(locations) == 2
        session.rollback()

        # Another organization's listing is not claimed by it.
        assert (
            repo.claim_service(session, service_id, organization_id=uuid.uuid4(), everything=False)
            is None
        )
        session.rollback()


def test_a_history_entry_written_reads_back_as_written(api: Api, engine: sa.Engine) -> None:
    listed = api.service(api.organization("Prepared history"))
    service_id = uuid.UUID(listed["id"])
    at = datetime(2026, 12, 2, 15, 30, 5, 123456, tzinfo=UTC)
    changes = [{"field": "capacity.beds_available", "old": 3, "new": 4}]
    with Session(engine) as session:
        repo.add_change(
            session,
            service_id=service_id,
            organization_id=uuid.UUID(listed["organization"]["id"]),
            at=at,
            action="availability",
            actor_key_id=None,
            actor_name="a test",
            actor_role="admin",
            version=7,
            changes=changes,
        )
        session.commit()
        entry = session.exec(
            select(ServiceChange).where(
                col(ServiceChange.service_id) == service_id, col(ServiceChange.version) == 7
            )
        ).one()
        assert (entry.at, entry.changes, entry.actor_name) == (at, changes, "a test")


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(engine: sa.Engine) -> None:
    """So that a request handles a busy or unreachable database the same way (503)."""
    insert = Prepared(sa.insert(_TABLES["service_change"]))
    with Session(engine) as session:
        with pytest.raises(sa.exc.IntegrityError):  # (not null)
            insert.run(session, {"service_id": uuid.uuid4(), "action": None})
        session.rollback()


def test_a_parameter_not_given_is_refused_before_the_database_sees_it(engine: sa.Engine) -> None:
    claim = Prepared(
        sa.update(_SERVICE)
        .where(_SERVICE.c.id == sa.bindparam("claimed_id"))
        .values(version=_SERVICE.c.version + 1)
    )
    with Session(engine) as session:
        with pytest.raises(ValueError, match="claimed_id"):
            claim.run(session, {})
        with pytest.raises(ValueError, match="claimd_id"):  # (not left out without a word)
            claim.run(session, {"claimed_id": uuid.uuid4(), "claimd_id": uuid.uuid4()})
        session.rollback()
