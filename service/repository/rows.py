"""Models from rows read by prepared Core statements, for the hot paths that skip the ORM's
loading (issue #6: it cost more CPU than the statements themselves), and rows read as the
driver returns them, so that what was built from them can be remembered."""

import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from threading import Lock
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from service.models import Location, Organization, Service

M = TypeVar("M")
V = TypeVar("V")


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


Row = tuple[Any, ...]


def hashable(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column as the driver returns it hashable: JSON as its text (psycopg would decode it
    into a list)."""
    return sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column


@dataclass(frozen=True, slots=True)
class RawRows:
    """Rows as the driver returned them, with the driver's type code of each column."""

    rows: list[Row]
    type_codes: tuple[Any, ...]


def read_raw(session: Session, statement: Any, parameters: Mapping[str, Any]) -> RawRows:
    """The rows of `statement` without the column types' conversion: cheap to read and
    hashable, so that what was built from them can be remembered (`Remembered`). Select
    `hashable` columns; `converter` turns a row into Python values."""
    result = session.connection().execute(statement, parameters)
    try:
        cursor = result.cursor  # the driver's own rows
        assert cursor is not None
        return RawRows(
            [tuple(row) for row in cursor.fetchall()],
            tuple(column[1] for column in cursor.description),
        )
    finally:
        result.close()


def converter(
    session: Session, columns: tuple[sa.Column[Any], ...], type_codes: tuple[Any, ...]
) -> Callable[[Row], Row]:
    """Turns a row of `read_raw` (of these columns, selected `hashable`) into the Python values
    of the columns' types."""
    return _converter(session.get_bind().dialect, columns, type_codes)


@lru_cache(maxsize=16)
def _converter(
    dialect: sa.Dialect, columns: tuple[sa.Column[Any], ...], type_codes: tuple[Any, ...]
) -> Callable[[Row], Row]:
    processors = [
        json.loads
        if isinstance(column.type, sa.JSON)
        else column.type.dialect_impl(dialect).result_processor(dialect, type_code)
        for column, type_code in zip(columns, type_codes, strict=True)
    ]
    # Only the columns whose values change (most are read as the driver gives them).
    converted = [(at, process) for at, process in enumerate(processors) if process is not None]
    width = len(processors)

    def convert(row: Row) -> Row:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} columns")
        values = list(row)
        for at, process in converted:
            value = values[at]
            if value is not None:
                values[at] = process(value)
        return tuple(values)

    return convert


class Remembered(Generic[V]):
    """What was built from rows, keyed by the unconverted rows it was built from.

    Converting rows and building from them cost more than reading them, and the same listings
    are read by request after request. The key is the whole of what a value is built from, so
    a remembered value can never be stale: a changed row, however it was changed, is a new key.
    Bounded: when full, the oldest half is forgotten. Values are shared between requests and
    threads: read them, never change them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.known: dict[Hashable, V] = {}
        self.lock = Lock()

    def get(self, rows: Hashable) -> V | None:
        return self.known.get(rows)

    def put(self, rows: Hashable, value: V) -> None:
        with self.lock:
            if len(self.known) >= self.size:
                for key in list(self.known)[: self.size // 2]:
                    del self.known[key]
            self.known[rows] = value
