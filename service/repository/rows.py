"""Models from rows read by prepared Core statements, for the hot paths that skip the ORM's
loading (issue #6: it cost more CPU than the statements themselves)."""

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from service.models import Location, Organization, Service

M = TypeVar("M")


@cache
def _class_manager(model: type[Any]) -> Any:
    sa.orm.configure_mappers()
    return sa.inspect(model).class_manager


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """A model instance holding `values`, built as the ORM builds a loaded one (no __init__,
    no defaults), in no session: read it, never add it."""
    instance: M = _class_manager(model).new_instance()
    instance.__dict__.update(values)
    return instance


def detached_from(model: type[M], columns: Iterable[sa.Column[Any]], values: Iterable[Any]) -> M:
    """`detached` from a slice of a row: `values` in the order of `columns`."""
    return detached(model, dict(zip((column.key for column in columns), values, strict=True)))


def attach_owner_and_locations(
    service: Service, rows: Sequence[Sequence[Any]], *, start: int = 0
) -> Service:
    """Give a detached listing its organization and locations from the rows of one outer join:
    from `start`, each row holds the organization's columns, then a location's (all null when
    the listing has none)."""
    organization = Organization.__table__.c
    location = Location.__table__.c
    split = start + len(organization)
    set_committed_value(
        service, "organization", detached_from(Organization, organization, rows[0][start:split])
    )
    set_committed_value(
        service,
        "locations",
        [detached_from(Location, location, row[split:]) for row in rows if row[split] is not None],
    )
    return service
