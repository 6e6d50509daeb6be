"""HSDS on disk: a tabular data package (one CSV per table and `datapackage.json`) or compiled
JSON records (NDJSON, one record a line, or a JSON array or page), read into a `Staging` and
written from records."""

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from service.hsds import tables
from service.hsds.records import SHARED_TABLES, flatten
from service.hsds.staging import Staging

SERVICES_NDJSON = "services.ndjson"
ORGANIZATIONS_NDJSON = "organizations.ndjson"
_JSON_SUFFIXES = {".json", ".ndjson", ".jsonl"}


class Unreadable(Exception):
    """The path holds nothing an import can read; the message says why, without data."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class PackageWriter:
    """Writes records as a tabular package (`csv`) or as NDJSON records (`json`)."""

    def __init__(self, directory: Path, *, format: str) -> None:
        if format not in {"csv", "json"}:
            raise ValueError("format must be csv or json")
        self.directory = directory
        self.format = format
        directory.mkdir(parents=True, exist_ok=True)
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self._seen: set[tuple[str, str]] = set()
        if format == "csv":
            for table, file in tables.TABLES.items():
                handle = (directory / file).open("w", newline="", encoding="utf-8")
                self._handles[table] = handle
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(tables.columns(table))
                self._writers[table] = writer
        else:
            for name in (SERVICES_NDJSON, ORGANIZATIONS_NDJSON):
                self._handles[name] = (directory / name).open("w", encoding="utf-8")

    def _row(self, table: str, row: dict[str, Any]) -> None:
        if table in SHARED_TABLES or (table == "phone" and "organization_id" in row):
            key = (table, str(row.get("id")))
            if key in self._seen:
                return
            self._seen.add(key)
        self._writers[table].writerow([_cell(row.get(c)) for c in tables.columns(table)])

    def _json(self, name: str, record: dict[str, Any]) -> None:
        self._handles[name].write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")

    def shared(self, table: str, records: Iterable[dict[str, Any]]) -> None:
        """Taxonomies, terms, units: rows of the tabular form only (records nest them)."""
        if self.format == "csv":
            for record in records:
                for flat_table, row in flatten(table, record):
                    self._row(flat_table, row)

    def organization(self, record: dict[str, Any]) -> None:
        if self.format == "json":
            self._json(ORGANIZATIONS_NDJSON, record)
            return
        for table, row in flatten("organization", record):
            self._row(table, row)

    def service(self, record: dict[str, Any]) -> None:
        if self.format == "json":
            self._json(SERVICES_NDJSON, record)
            return
        for table, row in flatten("service", record):
            self._row(table, row)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        if self.format == "csv":
            descriptor = tables.package_descriptor()
            (self.directory / "datapackage.json").write_text(
                json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )


def _resource_paths(directory: Path) -> dict[str, Path]:
    """Table -> CSV file: from `datapackage.json` where there is one, else HSDS's file names."""
    descriptor = directory / "datapackage.json"
    paths = {table: directory / file for table, file in tables.TABLES.items()}
    if descriptor.is_file():
        try:
            resources = json.loads(descriptor.read_text(encoding="utf-8")).get("resources", [])
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            raise Unreadable("datapackage.json is not valid JSON") from None
        for resource in resources:
            if isinstance(resource, dict) and resource.get("name") in tables.TABLES:
                path = resource.get("path")
                if isinstance(path, str) and ".." not in Path(path).parts:
                    paths[resource["name"]] = directory / path
    return paths


def _read_csv(staging: Staging, table: str, path: Path, name: str) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return 0
        header = [column.strip() for column in header]
        known = set(tables.columns(table))
        absent = frozenset(f.name for f in tables.fields(table) if f.required) - set(header)
        for column in sorted(absent):
            staging.problem(name, 1, column, "required column missing")
        count = 0
        for values in reader:
            if not any(values):
                continue
            if len(values) != len(header):
                staging.problem(name, reader.line_num, None, "has a different number of cells")
                continue
            row = {c: v for c, v in zip(header, values, strict=True) if c in known and v != ""}
            staging.add(table, row, file=name, line=reader.line_num, absent_columns=absent)
            count += 1
    return count


def read_tabular(staging: Staging, directory: Path) -> None:
    paths = _resource_paths(directory)
    if not paths["service"].is_file() and not paths["organization"].is_file():
        raise Unreadable("no services.csv or organizations.csv")
    used = set()
    for table, path in paths.items():
        if path.is_file():
            used.add(path.resolve())
            try:
                _read_csv(staging, table, path, path.name)
            except UnicodeDecodeError:
                staging.problem(path.name, None, None, "is not UTF-8 text")
            except csv.Error:
                staging.problem(path.name, None, None, "is not a readable CSV file")
    for other in sorted(directory.glob("*.csv")):
        if other.resolve() not in used:
            staging.ignored.append(other.name)


def stage_records(
    staging: Staging, records: Iterable[tuple[int, Any]], *, file: str, table: str = "service"
) -> None:
    """Stage compiled records (service or organization), each with where it was read."""
    for line, record in records:
        if not isinstance(record, dict):
            staging.problem(file, line, None, "must be a JSON object")
            continue
        for flat_table, row in flatten(table, record):
            staging.add(flat_table, row, file=file, line=line)


def _ndjson(handle: IO[str], staging: Staging, file: str) -> Iterator[tuple[int, Any]]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            yield line, json.loads(text)
        except json.JSONDecodeError:
            staging.problem(file, line, None, "is not valid JSON")


def json_records(document: Any) -> list[Any] | None:
    """The records of a JSON document: an array of records, a page (`contents`), or one."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        contents = document.get("contents")
        return contents if isinstance(contents, list) else [document]
    return None


def _read_json_file(staging: Staging, path: Path, table: str) -> None:
    with path.open(encoding="utf-8") as handle:
        if path.suffix != ".json":
            stage_records(staging, _ndjson(handle, staging, path.name), file=path.name, table=table)
            return
        try:
            document = json.load(handle)
        except json.JSONDecodeError:
            staging.problem(path.name, None, None, "is not valid JSON")
            return
    records = json_records(document)
    if records is None:
        staging.problem(path.name, None, None, "must hold a record, an array or a page")
        return
    stage_records(staging, enumerate(records, start=1), file=path.name, table=table)


def is_json(path: Path) -> bool:
    if path.is_file():
        return path.suffix in _JSON_SUFFIXES
    return not (path / "datapackage.json").exists() and any(
        p.suffix in _JSON_SUFFIXES for p in path.iterdir()
    )


def read(path: Path) -> Staging:
    """Stage a tabular package (a directory of CSV files), NDJSON or JSON records (a file, or a
    directory of them), then check it whole. Problems land in the staging's `problems`; the
    caller closes it."""
    if not path.exists():
        raise Unreadable("no such file or directory")
    if path.is_file() and path.suffix not in _JSON_SUFFIXES:
        raise Unreadable("a file to import must be .json, .ndjson or .jsonl")
    staging = Staging(merge_repeats=is_json(path))
    try:
        if path.is_file():
            _read_json_file(staging, path, "service")
        elif not is_json(path):
            read_tabular(staging, path)
        else:
            for file in sorted(path.iterdir()):
                if file.suffix in _JSON_SUFFIXES:
                    table = "organization" if file.name.startswith("organization") else "service"
                    _read_json_file(staging, file, table)
                elif file.is_file():
                    staging.ignored.append(file.name)
        staging.finish()
    except BaseException:
        staging.close()
        raise
    return staging
