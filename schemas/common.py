"""Building blocks shared by the wire models: bounded text, codes, the request base class."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from schemas.languages import canonical_language

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no listing needs control characters.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _whole(value: Any) -> Any:
    # JSON has one kind of number: 24.0 is the whole number 24 (JSON Schema's "integer" says
    # so too), as a client that computes in floating point sends it. A string or a boolean
    # is still refused, and 24.5 too.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number as JSON sends it: 24 or 24.0, never "24", true or 24.5. Its bounds go
# before it, as in `Age` (after it, pydantic writes them into the JSON schema as "ge", not
# "minimum", in a union with null).
AS_WHOLE = BeforeValidator(_whole)
WholeNumber = Annotated[StrictInt, AS_WHOLE]
Age = Annotated[StrictInt, Field(ge=0, le=120), AS_WHOLE]


def _visible(value: str) -> str:
    # A name of only zero-width spaces or direction marks would list as nothing and could
    # not be searched for (a search needs a letter or a digit).
    if not any(ch.isalnum() for ch in value):
        raise ValueError("must contain a letter or a digit")
    return value


# What `_no_control_characters` refuses, stated in the JSON schema.
_NO_CONTROL = {"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}

# Embeddings, overrides and isolates of text direction (U+202A to U+202E, U+2066 to U+2069).
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_direction_controls(value: str) -> str:
    """A name without them: shown in lists, histories ("revoked by") and the console beside
    other text, "a\u202eb" shows reversed, one name passing for another. Left out, not
    refused, as spaces at the ends are: they are invisible, no name needs them, and a name
    stored with one (before, or by an import) is mended by its next write instead of
    refusing it. (Marks, U+200E and U+200F, which names mixing scripts need, are kept.)"""
    return _DIRECTION.sub("", value).strip()


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
    AfterValidator(without_direction_controls),
    AfterValidator(_visible),
    Field(json_schema_extra=_NO_CONTROL),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=300),
    AfterValidator(_no_control_characters),
    Field(json_schema_extra=_NO_CONTROL),
]
SearchText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    # PostgreSQL refuses NUL in a statement's text parameter as in a stored one.
    AfterValidator(_no_control_characters),
    Field(json_schema_extra=_NO_CONTROL),
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_no_control_characters),
    Field(json_schema_extra=_NO_CONTROL),
]


def _matching(pattern: str, message: str) -> Any:
    """A pattern checked with a message a person can read (pydantic's own quotes the regular
    expression), and still documented as the pattern in the JSON schema."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


_PHONE = r"[0-9+()\-.\s]+(\s*(x|ext\.?)\s*\d{1,6})?"
_EMAIL = r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+"
_URL = r"https?://[^\s]+"

Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=50),
    AfterValidator(_no_control_characters),
    _matching(_PHONE, "a phone number: digits, spaces, + ( ) - . and an extension (x123)"),
    Field(json_schema_extra={"pattern": f"^{_PHONE}$"}),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    _matching(_EMAIL, "an email address, such as intake@example.org"),
    AfterValidator(_no_control_characters),
    Field(json_schema_extra={"pattern": f"^{_EMAIL}$"}),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    _matching(_URL, "a web address that starts with https:// or http://"),
    AfterValidator(_no_control_characters),
    Field(json_schema_extra={"pattern": f"^{_URL}$"}),
]


def _known_language(value: str) -> str:
    code = canonical_language(value) if len(value) <= 35 else None  # (a tag's longest, RFC 5646)
    if code is None:
        raise ValueError("not an ISO 639 code of a language; use a code such as en, fr or es")
    return code


Language = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True),
    AfterValidator(_known_language),
    Field(
        # Documents the shape; the validator checks it, with one message for any bad code.
        json_schema_extra={"pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$"},
        description=(
            "ISO 639-1 code where one exists (`en`, `fr`, `es`), else ISO 639-3 (`mic`). "
            "A language's three-letter code is taken and stored as its two-letter one "
            "(`eng` and `fre` are `en` and `fr`), and a language tag as its language (`es-MX`, "
            "`zh-Hant`: `es`, `zh`); a code of no living language is a 422."
        ),
        examples=["es"],
    ),
]


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    # Pydantic reads a number as seconds since 1970: `modified_after=2026` would mean
    # 00:33:46 on 1 January 1970 and answer with everything, not an error.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date or instant, as 2026-11-30T08:00:00Z")
    return value


def _in_utc(value: datetime) -> datetime:
    # Without a zone, UTC. An instant whose UTC falls outside years 1 to 9999 (9999-12-31
    # 23:59 at UTC-01:00) has no place in a database: a 422, not a failed statement.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: in UTC an instant lies in the years 1 to 9999") from None


Instant = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_in_utc)]
"""A date and time as ISO 8601 text, never a number of seconds; in UTC (UTC without a zone)."""


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are rejected, never ignored, and so are
    `NaN` and `Infinity` (Python's JSON reader takes them), with a message that says so."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class PatchModel(RequestModel):
    """A PATCH body: only the fields sent change, and `null` clears an optional one; the
    fields named in `never_null` may be left out but not cleared, and a `null` sent for one
    is refused rather than ignored (a script that sent it should learn it changed nothing)."""

    never_null: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document says what the server takes: a field in `never_null` may be left
        out, but is not nullable."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name in cls.never_null:
            field = schema.get("properties", {}).get(name, {})
            kinds = [kind for kind in field.get("anyOf", ()) if kind.get("type") != "null"]
            if len(kinds) == 1:
                del field["anyOf"]
                field.update(kinds[0])
        return schema

    @field_validator("*", mode="after")
    @classmethod
    def _not_cleared(cls, value: Any, info: ValidationInfo) -> Any:
        # A field's own validator, so that the error names the field (`loc`), as every
        # other does: a client maps errors to its form by it.
        if value is None and info.field_name in cls.never_null:
            raise ValueError(f"{info.field_name} cannot be null")
        return value


class FieldChange(BaseModel):
    """One field of a history entry: its old and new value."""

    field: str = Field(description="Dotted path, such as `capacity.beds_available`.")
    old: object = None
    new: object = None


# Entries of a history in one answer, at most (a listing's grows by one for every nightly
# count of beds: about 400 a year).
HISTORY_PAGE = 1_000


class HistoryPage(BaseModel):
    """How a history is paged: oldest first, `HISTORY_PAGE` entries at most."""

    has_more: bool = Field(
        default=False,
        description="Whether later entries follow: send `next_after` as `after` for them.",
    )
    next_after: int | None = Field(
        default=None,
        description="The last entry's `id` when `has_more`: send it as `after` for the next "
        "page. Null on the last page.",
    )
