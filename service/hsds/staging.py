"""An import's scratch space: HSDS rows from CSV files or JSON records in a private SQLite
file (the standard library's, never the service's database), so that a package of any size and
row order is checked whole (types, repeated ids, references between files) and then read back
as compiled service records, a batch at a time, in little memory."""

import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from service.hsds import tables
from service.hsds.listing import SOURCE, Problem

_HSDS_TABLES = frozenset(
    {
        "organization", "program", "service", "attribute", "service_at_location", "location",
        "phone", "contact", "address", "schedule", "funding", "service_area",
        "required_document", "language", "accessibility", "taxonomy_term", "metadata",
        "meta_table_description", "cost_option", "organization_identifier", "taxonomy",
        "service_capacity", "unit", "url",
    }
)  # fmt: skip
# Indexed after loading, besides `id` everywhere (repeats, references): table -> columns.
_INDEXES = {
    "address": ("location_id",),
    "service_at_location": ("service_id",),
    "phone": ("service_id", "organization_id"),
    "schedule": ("service_id",),
    "service_area": ("service_id",),
    "language": ("service_id",),
    "service_capacity": ("service_id",),
    "attribute": ("link_id",),
}
_SERVICE_CHILDREN = (
    ("phones", "phone"),
    ("schedules", "schedule"),
    ("service_areas", "service_area"),
    ("languages", "language"),
    ("capacities", "service_capacity"),
)
_INSERT_BATCH = 5000
# The columns reassembly reads where it needs fewer than all. Every column is checked as it is
# staged, but only these, ids and references are kept: a large import runs faster.
_READ = {
    "service": (
        "id", "organization_id", "name", "description", "url", "email", "status",
        "minimum_age", "maximum_age", "assured_date", "last_modified",
    ),
    "phone": ("id", "service_id", "organization_id", "number"),
    "schedule": ("id", "service_id", "description", "byday", "opens_at", "closes_at"),
    "service_area": ("id", "service_id", "name"),
    "language": ("id", "service_id", "name", "code"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "maximum", "updated"),
    "service_at_location": ("id", "service_id", "location_id"),
    "location": ("id", "location_type", "name", "latitude", "longitude"),
    "address": (
        "id", "location_id", "address_1", "city", "state_province", "postal_code", "country",
        "address_type",
    ),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_entity", "value"),
}  # fmt: skip


@cache
def _stored(table: str) -> tuple[str, ...]:
    """The columns kept in the scratch database, in the table's order."""
    wanted = {"id", *tables.REFERENCES.get(table, {}), *_READ.get(table, tables.columns(table))}
    return tuple(c for c in tables.columns(table) if c in wanted)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Staging:
    """Rows in, problems and compiled records out. `merge_repeats`: records nest the same
    organization, term or location many times (JSON), so a repeated id is the same row;
    in tables (CSV) a repeated id is a problem."""

    def __init__(self, *, merge_repeats: bool = False, directory: Path | None = None) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="hsds-import-", suffix=".db", dir=directory)
        self._db = sqlite3.connect(self._file.name)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._merge = merge_repeats
        self.problems: list[Problem] = []
        self.ignored: list[str] = []
        self._pending: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self._service_ids: set[str] = set()
        for table in tables.TABLES:
            columns = ", ".join(_quoted(c) for c in _stored(table))
            self._db.execute(
                f"CREATE TABLE {table} (_n INTEGER PRIMARY KEY, _file, _row, {columns})"
            )
            if merge_repeats:
                self._db.execute(f"CREATE UNIQUE INDEX {table}_id ON {table}(id)")
        self._terms: dict[str, dict[str, Any]] | None = None
        self._units: dict[str, dict[str, Any]] | None = None

    def close(self) -> None:
        self._db.close()
        self._file.close()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def problem(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, field, message))

    def add(
        self,
        table: str,
        row: dict[str, Any],
        *,
        file: str,
        line: int,
        absent_columns: frozenset[str] = frozenset(),
    ) -> None:
        """Stage one row after checking its values against the HSDS field definitions."""
        if self._merge and table == "service":
            if row.get("id") in self._service_ids:
                self.problem(file, line, "id", "repeats the id of an earlier service")
                return
            self._service_ids.add(str(row.get("id")))
        broken = [
            field for field, value in row.items() if isinstance(value, str) and not _is_text(value)
        ]
        for field in broken:
            self.problem(file, line, field, "is not text: it holds a lone surrogate")
            row = {**row, field: row[field].encode("utf-8", "replace").decode("utf-8")}
        for field, message in tables.check_row(table, row, absent_columns=absent_columns):
            if field not in broken:  # said once
                self.problem(file, line, field, message)
        pending = self._pending[table]
        if self._merge:  # JSON values: numbers stay numbers, anything else becomes text
            pending.append((file, line, *(_cell(row.get(c)) for c in _stored(table))))
        else:  # CSV cells are text already
            pending.append((file, line, *map(row.get, _stored(table))))
        if len(pending) >= _INSERT_BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._pending.pop(table, [])
        if not rows:
            return
        marks = ", ".join("?" * (len(_stored(table)) + 2))
        verb = "INSERT OR IGNORE" if self._merge else "INSERT"
        columns = ", ".join(_quoted(c) for c in _stored(table))
        self._db.executemany(f"{verb} INTO {table} (_file, _row, {columns}) VALUES ({marks})", rows)

    def finish(self) -> None:
        """Index, then check what needs every row: repeated ids and references."""
        for table in list(self._pending):
            self._flush(table)
        for table in tables.TABLES:
            columns = _INDEXES.get(table, ()) + (() if self._merge else ("id",))
            for column in columns:
                self._db.execute(f"CREATE INDEX {table}_{column} ON {table}({_quoted(column)})")
        self._db.commit()
        if not self._merge:
            self._check_repeats()
        self._check_references()

    def _check_repeats(self) -> None:
        for table in tables.TABLES:
            for file, row in self._db.execute(
                f"SELECT _file, _row FROM {table} t WHERE id IS NOT NULL AND EXISTS "
                f"(SELECT 1 FROM {table} e WHERE e.id = t.id AND e._n < t._n) ORDER BY _n"
            ):
                self.problem(file, row, "id", "repeats the id of an earlier row")

    def _check_references(self) -> None:
        for table, references in tables.REFERENCES.items():
            for column, target in references.items():
                if column == "organization_id" and table in {"service", "location"}:
                    continue  # may name an organization already registered: see below
                if self._merge and (table, column) == ("taxonomy_term", "parent_id"):
                    continue  # records nest the terms they use, not their parents
                self._unresolved(table, column, target, "")
        for entity in tables.LINK_ENTITIES:
            self._unresolved(
                "attribute",
                "link_id",
                tables.LINK_ENTITIES[entity],
                f"AND link_entity = '{entity}'",
            )
        known = ", ".join(f"'{name}'" for name in sorted(_HSDS_TABLES))
        for file, row in self._db.execute(
            f"SELECT _file, _row FROM attribute WHERE link_entity NOT IN ({known}) ORDER BY _n"
        ):
            self.problem(file, row, "link_entity", "must name an HSDS table")

    def _unresolved(self, table: str, column: str, target: str, condition: str) -> None:
        column_sql = _quoted(column)
        missing = (
            f"names no {target.replace('_', ' ')} of the records"
            if self._merge
            else f"names no row of {tables.TABLES[target]}"
        )
        for file, row in self._db.execute(
            f"SELECT _file, _row FROM {table} c WHERE c.{column_sql} IS NOT NULL "
            f"AND c.{column_sql} != '' {condition} AND NOT EXISTS "
            f"(SELECT 1 FROM {target} t WHERE t.id = c.{column_sql}) ORDER BY _n"
        ):
            self.problem(file, row, column, missing)

    def unregistered_organizations(self) -> dict[str, list[tuple[str, int]]]:
        """Organization ids that services and locations name but the package does not hold,
        with where."""
        found: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for table in ("service", "location"):
            for organization_id, file, row in self._db.execute(
                f"SELECT s.organization_id, s._file, s._row FROM {table} s "
                "WHERE s.organization_id IS NOT NULL AND s.organization_id != '' "
                "AND NOT EXISTS (SELECT 1 FROM organization o WHERE o.id = s.organization_id) "
                "ORDER BY s._n"
            ):
                found[str(organization_id)].append((file, row))
        return dict(found)

    def count(self, table: str) -> int:
        (count,) = self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(count)

    def _rows(self, table: str, where: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        columns = _READ.get(table) or _stored(table)
        selected = ", ".join(_quoted(c) for c in columns)
        result = []
        for values in self._db.execute(
            f"SELECT _file, _row, {selected} FROM {table} WHERE {where} ORDER BY _n",
            tuple(params),
        ):
            record = dict(zip(columns, values[2:], strict=True))  # absent values are None
            record[SOURCE] = (values[0], values[1])
            result.append(record)
        return result

    def _by(
        self, table: str, column: str, ids: list[str], condition: str = ""
    ) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if not ids:
            return grouped
        marks = ", ".join("?" * len(ids))
        for row in self._rows(table, f"{_quoted(column)} IN ({marks}) {condition}", ids):
            grouped[str(row[column])].append(row)
        return grouped

    def _term_lookup(self) -> dict[str, dict[str, Any]]:
        if self._terms is None:
            taxonomies = {str(t["id"]): t for t in self._rows("taxonomy", "1", ())}
            self._terms = {}
            for term in self._rows("taxonomy_term", "1", ()):
                detail = taxonomies.get(str(term.get("taxonomy_id")))
                self._terms[str(term["id"])] = (
                    {**term, "taxonomy_detail": detail} if detail else term
                )
        return self._terms

    def _unit_lookup(self) -> dict[str, dict[str, Any]]:
        if self._units is None:
            self._units = {str(u["id"]): u for u in self._rows("unit", "1", ())}
        return self._units

    def _attributes(self, ids: list[str], entity: str) -> dict[str, list[dict[str, Any]]]:
        terms = self._term_lookup()
        grouped = self._by("attribute", "link_id", ids, f"AND link_entity = '{entity}'")
        for attributes in grouped.values():
            for attribute in attributes:
                term = terms.get(str(attribute.get("taxonomy_term_id")))
                if term is not None:
                    attribute["taxonomy_term"] = term
        return grouped

    def _batches(self, table: str, size: int) -> Iterator[list[dict[str, Any]]]:
        """A table's rows in file order, `size` at a time."""
        last = 0
        while True:
            bounds = self._db.execute(
                f"SELECT MIN(_n), MAX(_n) FROM (SELECT _n FROM {table} WHERE _n > ? "
                "ORDER BY _n LIMIT ?)",
                (last, size),
            ).fetchone()
            if bounds[0] is None:
                return
            first, last = bounds
            yield self._rows(table, "_n BETWEEN ? AND ?", (first, last))

    def organizations(self, batch_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """Organization records with their phones, in file order."""
        for batch in self._batches("organization", batch_size):
            ids = [str(o["id"]) for o in batch]
            phones = self._by("phone", "organization_id", ids)
            for organization in batch:
                organization["phones"] = phones.get(str(organization["id"]), [])
            yield batch

    def service_dates(self) -> Iterator[tuple[str, Any]]:
        """`(organization_id, last_modified)` of every service staged, as written."""
        for organization_id, stamp in self._db.execute(
            "SELECT organization_id, last_modified FROM service"
        ):
            yield str(organization_id), stamp

    def services(self, batch_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """Compiled service records, reassembled from the rows, in file order."""
        for batch in self._batches("service", batch_size):
            yield self._assemble(batch)

    def _assemble(self, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [str(s["id"]) for s in services]
        children = {key: self._by(table, "service_id", ids) for key, table in _SERVICE_CHILDREN}
        units = self._unit_lookup()
        attributes = self._attributes(ids, "service")
        links = self._by("service_at_location", "service_id", ids)
        location_ids = sorted(
            {str(link["location_id"]) for group in links.values() for link in group}
        )
        locations = {
            str(location["id"]): location
            for group in self._by("location", "id", location_ids).values()
            for location in group
        }
        addresses = self._by("address", "location_id", location_ids)
        location_attributes = self._attributes(location_ids, "location")
        for location_id, location in locations.items():
            location["addresses"] = addresses.get(location_id, [])
            location["attributes"] = location_attributes.get(location_id, [])
        for service in services:
            sid = str(service["id"])
            for key, _table in _SERVICE_CHILDREN:
                service[key] = children[key].get(sid, [])
            for capacity in service["capacities"]:
                unit = units.get(str(capacity.get("unit_id")))
                if unit is not None:
                    capacity["unit"] = unit
            service["attributes"] = attributes.get(sid, [])
            service["service_at_locations"] = [
                {**link, "location": locations[str(link["location_id"])]}
                if str(link.get("location_id")) in locations
                else link
                for link in links.get(sid, [])
            ]
        return services


def _is_text(value: str) -> bool:
    """Whether `value` can be stored and written out: JSON may hold a lone surrogate
    (`"\\ud800"`), which no UTF-8 file or database can."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cell(value: Any) -> Any:
    """A value as SQLite keeps it: text, numbers; anything else as text."""
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)
