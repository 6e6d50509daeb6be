"""SQL constructs the repositories share."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class AnyOf(sa.sql.expression.ColumnElement[bool]):
    """`column IN (…)` of a list bound as `name`, as `column = ANY(:name)` on PostgreSQL.

    The text of `IN` varies with the number of values, so PostgreSQL plans it on every call;
    `= ANY` of one array parameter is one text, which psycopg prepares and PostgreSQL plans
    once. On a hot path the planning cost more than the query.
    """

    inherit_cache = True
    type = sa.types.NullType()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: sa.ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


@compiles(AnyOf)
def _in_list(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(sa.bindparam(element.name, expanding=True)), **kw)


@compiles(AnyOf, "postgresql")
def _equals_any(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    values = sa.bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(values), **kw)
