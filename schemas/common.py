"""Building blocks shared by the wire models: bounded text, codes, the request base class."""

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no listing needs control characters.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=300),
    AfterValidator(_no_control_characters),
]
SearchText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    # PostgreSQL refuses NUL in a statement's text parameter as in a stored one.
    AfterValidator(_no_control_characters),
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_no_control_characters),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=50),
    AfterValidator(_no_control_characters),
    Field(pattern=r"^[0-9+()\-.\s]+(\s*(x|ext\.?)\s*\d{1,6})?$"),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(_no_control_characters),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    Field(pattern=r"^https?://[^\s]+$"),
    AfterValidator(_no_control_characters),
]
Language = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z]{2,3}$"),
    Field(description="ISO 639-1 code where one exists (`en`, `fr`, `es`), else ISO 639-3."),
]


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    # Pydantic reads a number as seconds since 1970: `modified_after=2026` would mean
    # 00:33:46 on 1 January 1970 and answer with everything, not an error.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date or instant, as 2026-11-30T08:00:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_not_a_number)]
"""A date and time as ISO 8601 text, never a number of seconds."""


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are rejected, never ignored."""

    model_config = ConfigDict(extra="forbid")
