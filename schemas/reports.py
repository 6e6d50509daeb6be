"""Aggregate reports for analysts and administrators: counts only, small ones withheld."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from schemas.enums import AreaType, Province

SMALLEST_SHOWN = 5

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def _a_month(value: str) -> str:
    if not _MONTH.fullmatch(value):
        raise ValueError("a calendar month as YYYY-MM, such as 2026-10")
    return value


Month = Annotated[
    str,
    AfterValidator(_a_month),
    Field(
        description="A calendar month, UTC: `2026-11`.",
        examples=["2026-11"],
        # Documents the shape; the validator checks it, with a message a person can read.
        json_schema_extra={"pattern": f"^{_MONTH.pattern}$"},
    ),
]

_WITHHELD = (
    f"null when it, or its difference from another count of the cell, is 1 to "
    f"{SMALLEST_SHOWN - 1}: withheld, never shown."
)


class NeedCountPublic(BaseModel):
    """One month's match requests for one need, in one province and area type."""

    month: Month
    province: Province
    area_type: AreaType
    need: str = Field(description="As asked: a top-level need (`housing`) or a category.")
    urgent: bool = Field(
        description="Requests that asked for a bed tonight (`urgent`), for a housing need. "
        "A housing need's requests are counted in two cells, urgent and not; other needs "
        "only in cells that are not urgent. Counts written before urgency was counted are "
        "all in cells that are not urgent."
    )
    asked: int = Field(description="Match requests that asked for this need.")
    none_near: int | None = Field(
        description="Of those, how many found no eligible service that reached the person "
        "within the distance asked, shown or not (only farther, after widening, or nothing "
        "at all). A service serving the person's area by phone, online or outreach reaches "
        "them where they are, wherever its office is: it counts as near. Matches made with "
        f"an administrator's key are not counted. It is {_WITHHELD}"
    )
    unmet: int | None = Field(
        description=f"Of those, how many found nothing eligible within 500 km; {_WITHHELD}"
    )
    no_bed_tonight: int | None = Field(
        description="In an urgent cell, how many of those found no bed tonight within the "
        "distance asked: no eligible service there that the answer ranks as taking people "
        "tonight, an emergency shelter with a free bed by a current count (updated within "
        "the server's stale age for bed counts) or an intake open at any hour that its "
        "last count does not say full (a transitional house's free bed is a bed another "
        "day; nothing near counts "
        f"too). Null in a cell that is not urgent, and {_WITHHELD}"
    )


class NeedCountPage(BaseModel):
    through: Month = Field(
        description="The newest month reported: the last that ended at least a day ago. A "
        "month is never shown while its counts can still change."
    )
    items: list[NeedCountPublic]
    total: int
    page: int
    per_page: int
    smallest_shown: int = Field(
        default=SMALLEST_SHOWN,
        description="Counts below this (and above 0) are withheld, as are counts that differ "
        "from another count of their cell by less; a cell asked for fewer times is not "
        "listed at all.",
    )
