"""The unmet-need report's counts: added to by every worker, read by month and area."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from service.models import NeedCount

CellKey = tuple[str, str, str, str, bool]  # month, province, area type, need, urgent
COUNTS = ("asked", "none_near", "unmet", "no_bed_tonight")
Counts = tuple[int, int, int, int]  # as COUNTS


def add_counts(session: Session, counts: Mapping[CellKey, Counts]) -> None:
    """Add to each cell's counts, creating it when new: one statement, and workers that add
    to the same cell at once both count (the database adds, not the worker)."""
    if not counts:
        return
    insert: Any = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    rows = [
        {
            "month": month,
            "province": province,
            "area_type": area_type,
            "need": need,
            "urgent": urgent,
            **dict(zip(COUNTS, values, strict=True)),
        }
        for (month, province, area_type, need, urgent), values in sorted(counts.items())
    ]
    statement = insert(NeedCount).values(rows)
    table = NeedCount.__table__
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "province", "area_type", "need", "urgent"],
            set_={name: table.c[name] + statement.excluded[name] for name in COUNTS},
        )
    )


def read_counts(
    session: Session,
    *,
    first_month: str | None,
    last_month: str | None,
    province: str | None,
    area_type: str | None,
    need: str | None,
    urgent: bool | None,
    at_least: int,
    offset: int,
    limit: int,
) -> tuple[list[NeedCount], int]:
    """The cells asked for at least `at_least` times, newest month first, with their total."""
    conditions: list[Any] = [col(NeedCount.asked) >= at_least]
    if first_month is not None:
        conditions.append(col(NeedCount.month) >= first_month)
    if last_month is not None:
        conditions.append(col(NeedCount.month) <= last_month)
    if province is not None:
        conditions.append(col(NeedCount.province) == province)
    if area_type is not None:
        conditions.append(col(NeedCount.area_type) == area_type)
    if need is not None:  # a top-level need takes in its categories asked for one by one
        conditions.append(
            sa.or_(col(NeedCount.need) == need, col(NeedCount.need).startswith(f"{need}."))
        )
    if urgent is not None:
        conditions.append(col(NeedCount.urgent) == urgent)
    where = sa.and_(*conditions)
    total = session.exec(select(func.count()).select_from(NeedCount).where(where)).one()
    rows = session.exec(
        select(NeedCount)
        .where(where)
        .order_by(
            col(NeedCount.month).desc(),
            col(NeedCount.province),
            col(NeedCount.area_type),
            col(NeedCount.need),
            col(NeedCount.urgent),
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total
