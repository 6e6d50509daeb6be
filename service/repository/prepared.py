"""Core statements run on the driver's own cursor, for the hottest writes (issue #6).

A provider's nightly availability update runs four short statements. SQLAlchemy's execution
of each (its cache key, execution context and result) cost more CPU than the statement
itself; a `Prepared` statement is compiled once per database and set of parameter names, by
SQLAlchemy, with its column types' own conversions, and then handed straight to the driver,
in the session's transaction.

What it skips is SQLAlchemy's execution only: no `before_cursor_execute`-style engine event
and no Session event (`do_orm_execute`, flush) sees these statements, so use it only for
tables that nothing watches that way (`usecases/keys.py` watches `api_key` and `organization`
through the Session). A driver's error is raised as SQLAlchemy raises it
(`sqlalchemy.exc.DBAPIError` and its kinds), so that the request's handling of a busy or
unreachable database is the same.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from service.repository.rows import Row, converter


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # Each parameter's name in the statement, its conversion and its value when not given.
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: Mapping[str, Any]
    positional: bool

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = [given[name] if name in given else self.defaults[name] for name in self.names]
        converted = [
            value if process is None else process(value)
            for process, value in zip(self.processors, values, strict=True)
        ]
        if self.positional:
            return converted
        return dict(zip(self.names, converted, strict=True))


class Prepared:
    """A Core statement (`insert`, `update` or `select`) to run with named parameters, as
    `connection.execute(statement, parameters)` would; no `IN` lists that expand. An insert's
    or update's columns are the parameters given beside the statement's own binds; columns'
    Python-side defaults (`default=`, `onupdate=`) are not applied, so give every value."""

    def __init__(self, statement: sa.Executable, *, returning: Sequence[sa.Column[Any]] = ()):
        self.statement = statement
        # The columns a row returned holds, in order, to convert it (`rows.converter`).
        self.returning = tuple(returning)
        self._compiled: dict[tuple[str, str, frozenset[str]], _Compiled] = {}

    def _compile(self, dialect: sa.Dialect, keys: frozenset[str]) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(keys))
        assert isinstance(compiled, sa.sql.compiler.SQLCompiler)
        if compiled.positional:
            assert compiled.positiontup is not None
            names = tuple(compiled.positiontup)
        else:
            # (the compiled statement's binds include a column's own, never sent)
            names = tuple(name for name in compiled.binds if f"%({name})s" in compiled.string)
        binds = compiled.binds
        missing = [name for name in names if binds[name].required and name not in keys]
        if missing:
            raise ValueError(f"parameters not given: {', '.join(missing)}")
        unknown = sorted(keys - set(names))
        if unknown:  # (a misspelt column would be left out of the statement without a word)
            raise ValueError(f"not parameters of the statement: {', '.join(unknown)}")
        found = _Compiled(
            sql=compiled.string,
            names=names,
            processors=tuple(
                binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            ),
            defaults={name: binds[name].effective_value for name in names if name not in keys},
            positional=compiled.positional,
        )
        self._compiled[(dialect.name, dialect.driver, keys)] = found
        return found

    def run(self, session: Session, parameters: Mapping[str, Any]) -> list[Row]:
        """Run it in `session`'s transaction; the rows it returns, converted to the
        `returning` columns' Python values (none unless `returning` was given)."""
        connection = session.connection()
        dialect = connection.dialect
        keys = frozenset(parameters)
        compiled = self._compiled.get((dialect.name, dialect.driver, keys)) or self._compile(
            dialect, keys
        )
        arguments = compiled.parameters(parameters)
        cursor = connection.connection.cursor()
        try:
            try:
                cursor.execute(compiled.sql, arguments)
                if not self.returning:
                    return []
                rows = cursor.fetchall()
                type_codes = tuple(column[1] for column in cursor.description)
            except dialect.loaded_dbapi.Error as error:
                raise sa.exc.DBAPIError.instance(
                    compiled.sql,
                    None,
                    error,
                    dialect.loaded_dbapi.Error,
                    hide_parameters=True,
                    dialect=dialect,
                ) from error
        finally:
            cursor.close()
        convert = converter(session, self.returning, type_codes)
        return [convert(tuple(row)) for row in rows]
