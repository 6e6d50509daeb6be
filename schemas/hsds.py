"""Open Referral HSDS 3.1 on the wire: the read API's envelopes and an import's report. The
records themselves are HSDS's own JSON (see `../shared/hsds/schema/compiled/`)."""

from typing import Any

from pydantic import BaseModel, Field

HsdsRecord = dict[str, Any]


class HsdsApiInfo(BaseModel):
    version: str = Field(description="HSDS version of this API.")
    profile: str = Field(description="URL of the information on the HSDS profile of this API.")
    openapi_url: str = Field(description="URL of the OpenAPI document that defines this API.")


class HsdsPage(BaseModel):
    """HSDS's paged list: the page's `contents` and where it stands."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="Items on this page.")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="This page holds no items.")
    contents: list[HsdsRecord]


class SkippedService(BaseModel):
    id: str
    name: str | None
    reason: str
    file: str
    row: int | None


class UnknownTerm(BaseModel):
    term: str = Field(
        description="A taxonomy term, service area or unit this registry does not read."
    )
    services: int = Field(description="How many imported services carried it.")


class ImportReport(BaseModel):
    """What an import did. Nothing was changed unless it answered with this report."""

    organizations_created: int = 0
    organizations_updated: int = 0
    organizations_unchanged: int = 0
    organizations_older: int = Field(
        default=0,
        description="Organizations left as they are because an administrator edited them "
        "here after the newest `last_modified` of their services in the package (HSDS dates "
        "no organization): an older package never undoes a newer edit.",
    )
    organizations_left_pending: int = Field(
        default=0,
        description="Organizations registered pending although `approve` was asked: every "
        "service of theirs in the package was skipped, so there was nothing to approve them "
        "for.",
    )
    organizations_deleted_here: int = Field(
        default=0,
        description="Organizations not brought back because an administrator deleted them "
        "here after the newest `last_modified` of their services in the package (or they have "
        "none); their services are skipped with them.",
    )
    services_created: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    skipped: list[SkippedService] = Field(
        default_factory=list, description="Services not imported, and why."
    )
    unknown_terms: list[UnknownTerm] = Field(
        default_factory=list,
        description="What imported services carried that maps to nothing here: left unknown.",
    )
    located_by_municipality: int = Field(
        default=0,
        description="Locations without coordinates placed at the centre of their "
        "municipality (not counting confidential ones).",
    )
    located_by_postal_area: int = Field(
        default=0,
        description="Locations without coordinates placed at the centre of their postal "
        "code's area, where that area is a town's or city's: a few km across (not counting "
        "confidential ones).",
    )
    locations_kept_confidential: int = Field(
        default=0,
        description="Locations kept confidential although their record did not say "
        "`confidential` (true or false): their listing has a confidential location here, and "
        "a record that does not say it would have published the address. To make one public, "
        "say `confidential` false of it, or change the listing here.",
    )
    eligibility_not_stated: int = Field(
        default=0,
        description="Imported services whose record gave no eligibility rules (no term of this "
        "registry's taxonomy): whom they serve is unknown, and their matches say so until a "
        "provider or administrator states it.",
    )
    ignored_files: list[str] = Field(default_factory=list)
