"""Every database table. Nothing here knows HTTP; the wire shapes live in `schemas/`."""

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, Relationship, SQLModel

from schemas.folding import PLAIN_LETTERS

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database; SQLite keeps no zone of its own."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Dropped inside a word: apostrophes.
_DROPPED = frozenset("'\u2019\u02bc\u2018`")
# Accents that make letters of their own: й, ў (a breve), ї (a diaeresis).
_LETTER_ACCENTS = frozenset({("\u0438", 0x306), ("\u0443", 0x306), ("\u0456", 0x308)})


def _optional(mark: str, base: str) -> bool:
    """Marks a name is found without: the accents of Latin, Greek and Cyrillic letters (but
    those of `_LETTER_ACCENTS` on their `base` letter), Hebrew and Arabic pointing (hamza
    included: `احمد` finds `أحمد`), the marks of symbols (a keycap) and variation selectors
    (an emoji's)."""
    code = ord(mark)
    if 0x300 <= code <= 0x36F:
        return (base, code) not in _LETTER_ACCENTS
    return (
        0x591 <= code <= 0x5C7
        or 0x64B <= code <= 0x65F
        or code == 0x670
        or 0x6D6 <= code <= 0x6ED
        or 0x20D0 <= code <= 0x20FF
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


def name_key(name: str) -> str:
    """A name folded for finding it by a part of it (`St. Mary's Étoile-Filante` -> `st marys
    etoile filante`, `Łódź` -> `lodz`, `Acme™` -> `acmetm`, `مُحَمَّد` -> `محمد`): compatibility
    forms and case gone, optional marks gone (`_optional`), while the marks that are part of
    a letter stay (Indic vowel signs, kana voicing, й); apostrophes, Catalan's l·l dot and
    invisible format characters (zero-width spaces, direction controls) gone; any other run
    of characters one space; composed again (NFC) so that a syllable is one character.
    Folding a key again changes nothing; only letters, marks, digits and spaces remain, so it
    is safe inside a LIKE pattern."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    # (letters that carry their stroke or ligature in themselves: no decomposition to strip)
    text = text.translate(PLAIN_LETTERS)
    kept: list[str] = []
    base = " "  # the letter or digit the marks that follow are on; a space after anything else
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        mark = category.startswith("M")
        if ch == "\u00b7" and base == "l" and text[index + 1 : index + 2] == "l":
            continue  # l·l, one letter of Catalan
        if category == "Cf" or ch in _DROPPED or (mark and _optional(ch, base)):
            continue
        if ch.isalnum():
            base = ch
            kept.append(ch)
        elif mark and base != " ":
            kept.append(ch)  # a mark stays with the letter it is on
        else:
            base = " "  # (a mark on nothing kept, as a symbol's, goes with it)
            kept.append(" ")
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


class Organization(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, index=True)
    # `name_key(name)`, kept by the events below and by every bulk writer
    # (`repository/hsds.py`), for the search by a part of the name.
    name_key: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    description: str = Field(default="", max_length=2000)
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    # Not indexed: few organizations, and an index here tempts SQLite to drive matching from
    # the approved organizations instead of the location box.
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@sa.event.listens_for(Organization, "before_insert")
@sa.event.listens_for(Organization, "before_update")
def _keep_name_key(_mapper: Any, _connection: Any, organization: Organization) -> None:
    organization.name_key = name_key(organization.name)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organization.id", index=True, ondelete="CASCADE"
    )
    key_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who issued and who revoked the key: the names of the administrators' keys, kept even
    # if those keys are revoked since (null: issued at start-up, or before this was kept).
    issued_by: str | None = Field(default=None, max_length=200)
    issued_by_key_id: uuid.UUID | None = None
    revoked_by: str | None = Field(default=None, max_length=200)
    revoked_by_key_id: uuid.UUID | None = None
    # The key's own requests per minute; null: the service's (REFERRAL_RATE_LIMIT_PER_MINUTE).
    rate_limit_per_minute: int | None = None


class Service(SQLModel, table=True):
    """A listing. Enum lists are stored as bit masks so SQL can filter on them on any database."""

    __table_args__ = (sa.Index("ix_service_modified", "updated_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True)
    version: int = Field(default=1)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    categories_mask: int
    genders_mask: int = 0
    min_age: int | None = None
    max_age: int | None = None
    statuses_mask: int = 0
    trafficking_types_mask: int = 0
    accepts_dependents: bool | None = None
    trafficking_focus_mask: int = 0
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    delivery_mask: int = 0
    service_radius_km: float | None = None
    provinces_mask: int = 0
    nationwide: bool = False
    intake_phone: str | None = Field(default=None, max_length=50)
    intake_email: str | None = Field(default=None, max_length=254)
    intake_url: str | None = Field(default=None, max_length=500)
    intake_hours: str | None = Field(default=None, max_length=300)
    # Whether `intake_hours` say "at any hour" (`scoring.around_the_clock`), decided when the
    # listing is written: what the database's search and ranking read.
    intake_24_7: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    referral_required: bool = False
    beds_total: int | None = None
    beds_available: int | None = None
    accepting_referrals: bool = True
    fees: str = Field(default="free", max_length=16)
    id_required: bool = False
    police_report_required: bool = False
    # False for a listing imported from another directory that named none of our eligibility
    # terms: its empty rules mean "not stated", not "serves everyone". A provider's write
    # (create, PUT, PATCH) states it.
    eligibility_stated: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    availability_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An imported listing's HSDS `last_modified`, which its export repeats for as long as the
    # listing stays at `source_version` (unchanged here since the import).
    source_modified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source_version: int | None = None

    organization: Organization = Relationship(sa_relationship_kwargs={"lazy": "raise"})
    locations: list["Location"] = Relationship(
        sa_relationship_kwargs={
            "lazy": "raise",
            "order_by": "Location.position",
            "cascade": "all, delete-orphan",
            "passive_deletes": True,
        }
    )


class Location(SQLModel, table=True):
    # Covering: matching filters a box by category from this index alone (a confidential
    # place by the centre of its cell), and reads the service row only for the locations of
    # the asked categories.
    __table_args__ = (
        sa.Index(
            "ix_location_box",
            "latitude",
            "longitude",
            "categories_mask",
            "confidential",
            "service_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)
    municipality: str = Field(max_length=200)
    province: str = Field(max_length=2)
    postal_code: str | None = Field(default=None, max_length=7)
    latitude: float
    longitude: float
    confidential: bool = False
    # A copy of its service's categories, written with the listing (`apply_listing`).
    categories_mask: int = 0
    wheelchair_accessible: bool | None = None


class ServiceChange(SQLModel, table=True):
    """One write to a listing: who, when, and each field's old and new value.

    No foreign key to `service`: the history outlives a deleted listing.
    """

    __tablename__ = "service_change"

    id: int | None = Field(default=None, primary_key=True)
    service_id: uuid.UUID = Field(index=True)
    organization_id: uuid.UUID
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(max_length=16)
    actor_key_id: uuid.UUID | None = None
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=16)
    version: int
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class OrganizationChange(SQLModel, table=True):
    """One decision about or change to an organization: who, when, which fields, and why
    (the note an administrator gave when approving or suspending). The vetting record."""

    __tablename__ = "organization_change"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: uuid.UUID = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(max_length=16)
    actor_key_id: uuid.UUID | None = None
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=16)
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    note: str | None = Field(default=None, max_length=2000)


class ReachCell(SQLModel, table=True):
    """A location whose service-area radius reaches into a grid cell (see
    `matching.geo.reach_cells`). Derived from locations; rewritten when a listing changes."""

    __tablename__ = "reach_cell"

    cell: int = Field(primary_key=True)
    location_id: int = Field(
        primary_key=True, foreign_key="location.id", index=True, ondelete="CASCADE"
    )
    service_id: uuid.UUID


# The area code of a nationwide service in `AreaCover`.
NATIONWIDE_AREA = "CA"


class AreaCover(SQLModel, table=True):
    """A province-wide or nationwide service, filed under each province it covers ("CA" when
    nationwide) and each of its categories, so matching reads the ones covering a person's
    province in the asked categories through the primary key. Rewritten with the listing."""

    __tablename__ = "area_cover"

    area: str = Field(primary_key=True, max_length=2)
    category_bit: int = Field(primary_key=True)
    service_id: uuid.UUID = Field(
        primary_key=True, foreign_key="service.id", index=True, ondelete="CASCADE"
    )


class RegistryChange(SQLModel, table=True):
    """The newest change to a service (or to its locations) or to an organization: written by
    triggers (migration `registry_changes`), read by each process's match index to bring
    itself up to date. `stamp`: the next number on SQLite, where it only grows; the writing
    transaction's id on PostgreSQL, where a transaction that began earlier and wrote the same
    subject later stamps it lower (`registry_feed.Seen` says which stamps are settled)."""

    __tablename__ = "registry_change"

    subject: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=16)
    stamp: int = Field(sa_type=sa.BigInteger, index=True)


class RegistryQuiet(SQLModel, table=True):
    """A row here, written and deleted within one transaction (so that no other ever sees
    it), silences the `registry_change` triggers in that transaction: a bulk writer logs what
    it wrote in one statement instead (`registry_feed.logged_in_bulk`)."""

    __tablename__ = "registry_quiet"

    id: int = Field(primary_key=True)


class NeedCount(SQLModel, table=True):
    """How often a need was asked for, in one month, province and area type, urgently (a bed
    tonight, for housing needs only) or not, and how often nothing reached the person within
    the distance asked or at all, and, when urgent, no bed tonight within the distance asked
    (`matching.scoring.bed_tonight`): the unmet-need report.

    Counts only, added to by each worker (`usecases.reports.NeedTally`). No row says who
    asked, when within the month, from which place or with what else: never a profile."""

    __tablename__ = "need_count"

    month: str = Field(primary_key=True, max_length=7)  # "2026-11"
    province: str = Field(primary_key=True, max_length=2)
    area_type: str = Field(primary_key=True, max_length=8)
    need: str = Field(primary_key=True, max_length=64)
    # Rows counted before urgency was (revision 2026-11-30-1900) say False.
    urgent: bool = Field(primary_key=True, default=False)
    asked: int = Field(sa_type=sa.BigInteger, default=0)
    none_near: int = Field(sa_type=sa.BigInteger, default=0)
    unmet: int = Field(sa_type=sa.BigInteger, default=0)
    no_bed_tonight: int = Field(sa_type=sa.BigInteger, default=0)
