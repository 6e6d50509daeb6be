"""Open Referral HSDS 3.1: export the registry, import a directory, and the read API.

An import reuses what the registry API does for a listing: the same validation
(`ServiceCreate`), the same columns (`listing_columns`), reach cells and a history entry per
change. It writes in batches with bulk statements, in one transaction: a package with any
problem changes nothing.
"""

import gc
import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from schemas.enums import ChangeAction, OrganizationAction, OrganizationStatus, Role
from schemas.hsds import (
    HsdsApiInfo,
    HsdsPage,
    HsdsRecord,
    ImportReport,
    SkippedService,
    UnknownTerm,
)
from schemas.problem import ProblemError
from schemas.services import Location as LocationIn
from schemas.services import ServiceCreate
from service.errors import Conflict, NotFound, Unprocessable
from service.hsds.listing import (
    Check,
    ImportedService,
    Locate,
    Problem,
    parse_when,
    to_listing,
    to_organization,
)
from service.hsds.package import PackageWriter, json_records, stage_records
from service.hsds.records import (
    OrganizationData,
    ServiceData,
    organization_list_record,
    organization_record,
    service_list_record,
    service_record,
    taxonomy_record,
    term_record,
    term_records,
    unit_record,
)
from service.hsds.staging import Staging
from service.hsds.vocabulary import (
    ELIGIBILITY_STATED,
    HSDS_VERSION,
    TAXONOMY_ID,
    TERMS,
    TERMS_BY_ID,
    Group,
)
from service.matching.geo import reach_cells
from service.matching.types import Point
from service.models import Organization, OrganizationChange, Service, utcnow
from service.policy.visibility import matched_point, shows_intake_contact, view_for
from service.repository import hsds as repo
from service.repository import organizations as organizations_repo
from service.repository import registry_feed
from service.repository import services as services_repo
from service.repository.registry_feed import BulkLog
from service.usecases.keys import Caller
from service.usecases.listings import (
    CATEGORIES,
    DELIVERIES,
    GENDERS,
    PROVINCES,
    STATUSES,
    TRAFFICKING_TYPES,
    area_covers_of,
    diff,
    flatten,
    is_confidential,
    listing_columns,
    listing_of,
    to_mask,
)
from service.usecases.organizations import history_entry

Progress = Callable[[int], None]
_BATCH = 1000
MAX_PROBLEMS_SHOWN = 1000


@dataclass(frozen=True, slots=True)
class Actor:
    """Who an import's history entries name."""

    key_id: uuid.UUID | None
    name: str
    role: str


COMMAND_LINE = Actor(key_id=None, name="referral hsds import", role=Role.admin.value)


def actor_of(caller: Caller) -> Actor:
    return Actor(key_id=caller.key_id, name=caller.name, role=caller.role.value)


class ImportRefused(Unprocessable):
    """A package with problems: nothing was changed. Every problem names its file and row."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__(
            f"The HSDS data has {len(problems)} problem(s); nothing was imported."
            + (f" The first {len(shown)} are listed." if more else ""),
            errors=[ProblemError(loc=_where(p), msg=p.message) for p in shown],
        )


def _where(problem: Problem) -> list[str | int]:
    where: list[str | int] = [problem.file]
    if problem.row is not None:
        where.append(problem.row)
    if problem.field:
        where.append(problem.field)
    return where


# Export and the read API --------------------------------------------------------------------


def _organization_data(organization: Organization, *, contact: bool = True) -> OrganizationData:
    """`contact` False: without its e-mail, phone and website, which may reach a confidential
    place as surely as its intake does (a partner reads "contact through a hotline operator"
    for the service, and must not find the organization's number beside it)."""
    return OrganizationData(
        id=organization.id,
        name=organization.name,
        description=organization.description,
        website=organization.website if contact else None,
        email=organization.email if contact else None,
        phone=organization.phone if contact else None,
    )


def _organization_contact(session: Session, caller: Caller, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Of these organizations, those whose contact details the caller may read: all, unless
    an organization has a confidential location that the caller may not contact directly."""
    confidential = repo.with_confidential_locations(session, ids)
    return {
        organization_id
        for organization_id in ids
        if shows_intake_contact(
            view_for(caller.role.value, owns_listing=caller.owns(organization_id)),
            service_confidential=organization_id in confidential,
        )
    }


def last_modified(service: Service) -> datetime:
    """When the listing last changed: as its HSDS source said, while unchanged since import."""
    if service.source_modified_at is not None and service.source_version == service.version:
        return service.source_modified_at
    return service.updated_at


def _service_data(
    service: Service, *, intake_contact: bool, organization_contact: bool = True
) -> ServiceData:
    return ServiceData(
        id=service.id,
        organization=_organization_data(service.organization, contact=organization_contact),
        listing=listing_of(service),
        last_modified=last_modified(service),
        last_verified_at=service.last_verified_at,
        availability_updated_at=service.availability_updated_at,
        intake_contact=intake_contact,
        eligibility_stated=service.eligibility_stated,
        # An administrator reads every listing: one not matched says so.
        active=service.organization.status == "approved",
    )


def _records_for(session: Session, services: list[Service], caller: Caller) -> list[HsdsRecord]:
    """The services as the caller may read them: each one's intake by its own locations, its
    organization's contact by all of the organization's (`_organization_contact`)."""
    contact = _organization_contact(session, caller, list({s.organization_id for s in services}))
    records = []
    for service in services:
        view = view_for(caller.role.value, owns_listing=caller.owns(service.organization_id))
        intake = shows_intake_contact(view, service_confidential=is_confidential(service))
        data = _service_data(
            service,
            intake_contact=intake,
            organization_contact=service.organization_id in contact,
        )
        records.append(service_record(data))
    return records


@dataclass(frozen=True, slots=True)
class ExportCounts:
    organizations: int
    services: int


def export_registry(
    session: Session, *, writer: PackageWriter, progress: Progress | None = None
) -> ExportCounts:
    """Write the approved organizations and their services. Confidential locations leave
    without address or coordinates; intake contacts leave (PRODUCT.md allows them)."""
    writer.shared("taxonomy", [taxonomy_record()])
    writer.shared("taxonomy_term", term_records())
    writer.shared("unit", [unit_record()])
    organizations = services = 0
    for batch in repo.iter_organizations(session, approved_only=True):
        for organization in batch:
            writer.organization(organization_record(_organization_data(organization)))
        organizations += len(batch)
    for rows in repo.iter_services(session, **_filters(None, everything=False)):
        for service in rows:
            writer.service(service_record(_service_data(service, intake_contact=True)))
        services += len(rows)
        if progress:
            progress(len(rows))
    return ExportCounts(organizations=organizations, services=services)


def api_info(*, base_url: str) -> HsdsApiInfo:
    return HsdsApiInfo(
        version=HSDS_VERSION,
        profile=f"{base_url}hsds/taxonomies/{TAXONOMY_ID}",
        openapi_url=f"{base_url}openapi.json",
    )


def page_of(contents: list[HsdsRecord], *, total: int, page: int, per_page: int) -> HsdsPage:
    total_pages = math.ceil(total / per_page)
    return HsdsPage(
        total_items=total,
        total_pages=total_pages,
        page_number=page,
        size=len(contents),
        first_page=page == 1,
        last_page=page >= total_pages,
        empty=not contents,
        contents=contents,
    )


_MASKED = {
    Group.gender: ("genders_mask", GENDERS),
    Group.newcomer_status: ("statuses_mask", STATUSES),
    Group.trafficking_type: ("trafficking_types_mask", TRAFFICKING_TYPES),
    Group.trafficking_focus: ("trafficking_focus_mask", TRAFFICKING_TYPES),
    Group.delivery: ("delivery_mask", DELIVERIES),
}
_NOTHING = {"categories_mask": 0}  # a filter no service passes


def _term_filter(term_id: uuid.UUID | None) -> tuple[dict[str, int], dict[str, Any]]:
    """The columns a taxonomy term filters on: `(bits, equals)`."""
    if term_id is None:
        return {}, {}
    term = TERMS_BY_ID.get(term_id)
    if term is None:
        return _NOTHING, {}
    if term.group is Group.category:
        return {"categories_mask": to_mask([CATEGORIES_BY_CODE[term.code]], CATEGORIES)}, {}
    if term.code in NEED_MASKS:
        return {"categories_mask": NEED_MASKS[term.code]}, {}
    if term.group in _MASKED:
        column, members = _MASKED[term.group]
        value = term.code.split(".", 1)[1]
        return {column: to_mask([m for m in members if m.value == value], members)}, {}
    if term.group is Group.fees:
        return {}, {"fees": term.code.split(".", 1)[1]}
    return _NOTHING, {}


CATEGORIES_BY_CODE = {category.value: category for category in CATEGORIES}
NEED_MASKS = {
    need: to_mask([c for c in CATEGORIES if c.need.value == need], CATEGORIES)
    for need in {c.need.value for c in CATEGORIES}
}


def _filters(
    caller: Caller | None,
    *,
    everything: bool,
    search: str | None = None,
    taxonomy_term_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    modified_after: datetime | None = None,
) -> dict[str, Any]:
    bits, equals = _term_filter(taxonomy_term_id)
    if modified_after is not None and modified_after.tzinfo is None:
        modified_after = modified_after.replace(tzinfo=UTC)
    return {
        "visible_organization": caller.organization_id if caller else None,
        "everything": everything,
        "search": search.strip() if search and search.strip() else None,
        "bits": bits,
        "equals": equals,
        "organization_id": organization_id,
        "modified_after": modified_after,
    }


@dataclass(frozen=True, slots=True)
class ServiceFilters:
    """What the HSDS services list is narrowed by."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None


def _caller_filters(caller: Caller, filters: ServiceFilters) -> dict[str, Any]:
    return _filters(
        caller,
        everything=caller.role is Role.admin,
        search=filters.search,
        taxonomy_term_id=filters.taxonomy_term_id,
        organization_id=filters.organization_id,
        modified_after=filters.modified_after,
    )


def list_services(
    session: Session, *, caller: Caller, filters: ServiceFilters, page: int, per_page: int
) -> HsdsPage:
    """A page of the services the caller may see, as HSDS list records, least recently
    changed first."""
    rows, total = repo.list_services(
        session,
        offset=(page - 1) * per_page,
        limit=per_page,
        **_caller_filters(caller, filters),
    )
    contents = [service_list_record(record) for record in _records_for(session, rows, caller)]
    return page_of(contents, total=total, page=page, per_page=per_page)


def stream_services(
    session: Session, *, caller: Caller, filters: ServiceFilters
) -> Iterator[HsdsRecord]:
    """Every such service, unpaged, read from the database a batch at a time."""
    for rows in repo.iter_services(session, **_caller_filters(caller, filters)):
        for record in _records_for(session, rows, caller):
            yield service_list_record(record)


def get_service(session: Session, *, service_id: uuid.UUID, caller: Caller) -> HsdsRecord:
    """One service as a compiled HSDS record, as the caller's role may see it."""
    found = list(
        repo.list_services(
            session,
            offset=0,
            limit=1,
            **{**_caller_filters(caller, ServiceFilters()), "equals": {"id": service_id}},
        )[0]
    )
    if not found:
        raise NotFound("No such service.")
    return _records_for(session, found, caller)[0]


def list_organizations(
    session: Session, *, caller: Caller, search: str | None, page: int, per_page: int
) -> HsdsPage:
    rows, total = repo.list_organizations(
        session,
        visible_organization=caller.organization_id,
        everything=caller.role is Role.admin,
        search=search.strip() if search and search.strip() else None,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    contact = _organization_contact(session, caller, [row.id for row in rows])
    contents = [
        organization_list_record(
            organization_record(_organization_data(row, contact=row.id in contact))
        )
        for row in rows
    ]
    return page_of(contents, total=total, page=page, per_page=per_page)


def get_organization(session: Session, *, organization_id: uuid.UUID, caller: Caller) -> HsdsRecord:
    """An organization with its services (one-to-one fields), as the caller may see them."""
    organization = repo.get_organizations(session, [organization_id]).get(organization_id)
    visible = organization is not None and (
        caller.role is Role.admin
        or organization.status == OrganizationStatus.approved.value
        or caller.organization_id == organization_id
    )
    if organization is None or not visible:
        raise NotFound("No such organization.")
    contact = organization_id in _organization_contact(session, caller, [organization_id])
    record = organization_record(_organization_data(organization, contact=contact))
    services = [
        service_list_record(record)
        for rows in repo.iter_services(
            session, **_caller_filters(caller, ServiceFilters(organization_id=organization_id))
        )
        for record in _records_for(session, rows, caller)
    ]
    return {**record, "services": services}


def list_taxonomies(*, search: str | None, page: int, per_page: int) -> HsdsPage:
    records = [taxonomy_record()]
    if search and search.strip().lower() not in records[0]["name"]:
        records = []
    return page_of(
        records[(page - 1) * per_page : page * per_page],
        total=len(records),
        page=page,
        per_page=per_page,
    )


def list_taxonomy_terms(
    *,
    search: str | None,
    taxonomy_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
    top_only: bool,
    page: int,
    per_page: int,
) -> HsdsPage:
    """The terms of our taxonomy, in its order (each group's term before its members)."""
    needle = search.strip().casefold() if search else ""
    terms = [
        term
        for term in TERMS
        if (taxonomy_id is None or taxonomy_id == TAXONOMY_ID)
        and (parent_id is None or (term.parent and TERMS_BY_ID_CODE[term.parent] == parent_id))
        and (not top_only or term.parent is None)
        and (not needle or needle in term.code.casefold() or needle in term.name.casefold())
    ]
    records = [term_record(term) for term in terms[(page - 1) * per_page : page * per_page]]
    return page_of(records, total=len(terms), page=page, per_page=per_page)


TERMS_BY_ID_CODE = {term.code: term.id for term in TERMS}


def get_taxonomy(*, taxonomy_id: uuid.UUID) -> HsdsRecord:
    if taxonomy_id != TAXONOMY_ID:
        raise NotFound("No such taxonomy.")
    return taxonomy_record()


def get_taxonomy_term(*, term_id: uuid.UUID) -> HsdsRecord:
    term = TERMS_BY_ID.get(term_id)
    if term is None:
        raise NotFound("No such taxonomy term.")
    return term_record(term)


# Import -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    """One import's running state."""

    problems: list[Problem]
    report: ImportReport
    unknown: Counter[str]
    now: datetime
    actor: Actor
    # Organizations renamed: their listings show the name, so a sync must read them again
    # (touched once the services are written, so that the touch never makes the package's
    # own records of them look older than the listings here).
    renamed: list[uuid.UUID] = field(default_factory=list)
    # Organizations this import registers that have services in the package: approved (when
    # asked) only once one of those is imported, and their history written then.
    awaiting: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    served: set[uuid.UUID] = field(default_factory=set)
    # Organizations deleted here that the package would bring back: left out, with their
    # services.
    gone: set[uuid.UUID] = field(default_factory=set)

    @property
    def writing(self) -> bool:
        """Once a problem is found nothing more is written; the rest is only checked."""
        return not self.problems


def _newest_services(staging: Staging) -> dict[str, datetime | None]:
    """For each organization with services in the package, the newest of their
    `last_modified`: how recent what the package says of it is (HSDS gives an organization
    no date of its own). None when a record of them is undated: it cannot tell."""
    newest: dict[str, datetime | None] = {}
    for written, stamp in staging.service_dates():
        try:  # (as the ids it is looked up by are written: "A1B2…" is "a1b2…")
            organization_id = str(uuid.UUID(written))
        except ValueError:
            continue  # the staging said so
        when = parse_when(stamp)
        if organization_id not in newest:
            newest[organization_id] = when
        elif when is None or newest[organization_id] is None:
            newest[organization_id] = None
        else:
            newest[organization_id] = max(when, newest[organization_id])  # type: ignore[type-var]
    return newest


def _import_organizations(
    session: Session, staging: Staging, run: _Run, *, approve: bool, log: registry_feed.BulkLog
) -> None:
    status = OrganizationStatus.approved.value if approve else OrganizationStatus.pending.value
    newest = _newest_services(staging)
    for batch in staging.organizations(_BATCH):
        converted: list[tuple[uuid.UUID, dict[str, Any]]] = []
        for record in batch:
            organization, problems = to_organization(record)
            run.problems.extend(problems)
            try:
                organization_id = uuid.UUID(str(record["id"]))
            except ValueError:
                continue  # reported by the staging checks
            if organization is not None:
                converted.append((organization_id, organization.model_dump()))
        existing = repo.get_organizations(session, [i for i, _ in converted])
        edited = repo.edited_here(session, list(existing))
        deleted = repo.organization_deletions(
            session, [i for i, _ in converted if i not in existing]
        )
        inserts, updates = [], []
        for organization_id, fields in converted:
            old = existing.get(organization_id)
            made = newest.get(str(organization_id))
            if (
                old is None
                and organization_id in deleted
                and (made is None or made <= deleted[organization_id])
            ):
                # Deleted here after the package was made: bringing it back (approved, with
                # `approve`) would undo an administrator's decision, as for a listing.
                run.gone.add(organization_id)
                run.report.organizations_deleted_here += 1
                continue
            if old is None:
                row = {
                    "id": organization_id,
                    **fields,
                    "status": status,
                    "created_at": run.now,
                    "updated_at": run.now,
                }
                if str(organization_id) in newest:
                    # Pending until a service of its is imported: an organization whose every
                    # record was skipped was approved with nothing to show for it.
                    row["status"] = OrganizationStatus.pending.value
                    run.awaiting[organization_id] = {**row, "status": status}
                inserts.append(row)
                continue
            # An organization already here keeps its status: `approve` is for the ones the
            # import creates. Approving or suspending is a vetting decision, with its note
            # (a routine re-import must never reinstate a suspended organization).
            changed = {k: v for k, v in fields.items() if getattr(old, k) != v}
            edit = edited.get(organization_id)
            if changed and made is not None and edit is not None and made <= edit:
                # A package made before an administrator last edited the organization here
                # (its services' newest record is older): applying it would undo the edit.
                # (What an earlier import wrote gives way to what the source says now.)
                run.report.organizations_older += 1
            elif changed:
                updates.append({"id": organization_id, **changed, "updated_at": run.now})
            else:
                run.report.organizations_unchanged += 1
        run.report.organizations_created += len(inserts)
        run.report.organizations_updated += len(updates)
        if run.writing:
            repo.insert_organizations(session, inserts)
            repo.update_organizations(session, updates)
            run.renamed.extend(row["id"] for row in updates if "name" in row)
            log.organizations(row["id"] for row in (*inserts, *updates))
            organizations_repo.add_changes(
                session,
                [
                    _organization_change(run, row["id"], {}, row)
                    for row in inserts
                    if row["id"] not in run.awaiting
                ]
                + [
                    _organization_change(
                        run, row["id"], {k: getattr(existing[row["id"]], k) for k in row}, row
                    )
                    for row in updates
                ],
            )


def _settle_awaiting(session: Session, run: _Run) -> None:
    """The organizations registered with services in the package: those with one imported
    take the status asked (approved, with `approve`); the others stay pending, and the report
    counts those left pending against `approve`. Their history says what they became."""
    settled = {
        organization_id: row if organization_id in run.served else {**row, "status": "pending"}
        for organization_id, row in run.awaiting.items()
    }
    repo.update_organizations(
        session,
        [
            {"id": i, "status": row["status"]}
            for i, row in settled.items()
            if row["status"] != "pending"
        ],
    )
    run.report.organizations_left_pending = sum(
        1 for i, row in run.awaiting.items() if row["status"] != "pending" and i not in run.served
    )
    organizations_repo.add_changes(
        session, [_organization_change(run, i, {}, row) for i, row in settled.items()]
    )


def _organization_change(
    run: _Run, organization_id: uuid.UUID, before: dict[str, Any], after: dict[str, Any]
) -> OrganizationChange:
    """The history entry of an organization the import registered or changed."""
    return history_entry(
        organization_id,
        at=run.now,
        action=OrganizationAction.hsds_import,
        actor_key_id=run.actor.key_id,
        actor_name=run.actor.name,
        actor_role=run.actor.role,
        before=before,
        after=after,
    )


def _check_unregistered(session: Session, staging: Staging, run: _Run) -> None:
    """Services may name organizations already registered here rather than in the package."""
    missing = staging.unregistered_organizations()
    ids = [uuid.UUID(text) for text in missing if _is_uuid(text)]
    registered = {str(i) for i in repo.get_organizations(session, ids)}
    for text, places in missing.items():
        if text in registered or not _is_uuid(text):
            continue  # a malformed id is already reported by the staging checks
        run.problems.extend(
            Problem(
                file,
                row,
                "organization_id",
                "names no organization of organizations.csv or of this registry",
            )
            for file, row in places
        )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _keep_confidential(
    imported: ImportedService, old: Service | None, report: ImportReport
) -> ImportedService:
    """A listing that has a confidential location here keeps every location the record does
    not say `confidential` of (true or false) confidential: another directory's package knows
    nothing of a safe house, and its record would have published the address (a review). As
    a PUT or PATCH must say it of every location; an import that does not is not refused,
    since a routine import from a directory that never says it would be refused every time."""
    if old is None or not imported.unstated_locations:
        return imported
    if not any(location.confidential for location in old.locations):
        return imported
    locations = list(imported.listing.locations)
    for position in imported.unstated_locations:
        if not locations[position].confidential:
            locations[position] = locations[position].model_copy(update={"confidential": True})
            report.locations_kept_confidential += 1
    return replace(imported, listing=imported.listing.model_copy(update={"locations": locations}))


def _keep_exact_confidential(imported: ImportedService, old: Service | None) -> ServiceCreate:
    """An export never carries where a confidential location is, so re-importing it here must
    not move the exact location to its municipality's centre: keep what is stored."""
    listing = imported.listing
    if old is None or not imported.approximate_locations:
        return listing
    locations = list(listing.locations)
    for position in imported.approximate_locations:
        if position >= len(old.locations):
            continue
        stored, new = old.locations[position], locations[position]
        if (
            stored.confidential
            and new.confidential
            and (stored.municipality, stored.province) == (new.municipality, new.province.value)
        ):
            locations[position] = LocationIn.model_validate(
                {
                    **new.model_dump(),
                    "name": stored.name,
                    "address": stored.address,
                    "postal_code": stored.postal_code,
                    "latitude": stored.latitude,
                    "longitude": stored.longitude,
                }
            )
    return listing.model_copy(update={"locations": locations})


def _keep_verified_time(imported: ImportedService, old: Service | None) -> ImportedService:
    """HSDS keeps only the day of the last verification (`assured_date`): the same day as the
    stored time is the same verification."""
    stored, given = (old.last_verified_at if old else None), imported.last_verified_at
    if stored is not None and given is not None and stored.astimezone(UTC).date() == given.date():
        return replace(imported, last_verified_at=stored)
    return imported


def _older(imported: ImportedService, old: Service) -> bool:
    """Whether the record was made before the listing here last changed (`last_modified`, as
    the export says it): only a dated record can tell."""
    return imported.last_modified is not None and imported.last_modified < last_modified(old)


def _availability_kept(imported: ImportedService, old: Service) -> bool:
    """Whether the bed count here is newer than the record's (or the record has none)."""
    return old.availability_updated_at is not None and (
        imported.availability_updated_at is None
        or imported.availability_updated_at < old.availability_updated_at
    )


def _keep_newer_availability(
    listing: ServiceCreate, imported: ImportedService, old: Service | None
) -> tuple[ServiceCreate, ImportedService]:
    """The bed count, whether referrals are taken, and the count's date, from here when the
    count here is newer than the record's: a record with no date, or an older one, never
    turns tonight's "full" back into yesterday's free beds."""
    if old is None or not _availability_kept(imported, old):
        return listing, imported
    total, beds = listing.capacity.beds_total, old.beds_available
    beds = None if total is None or beds is None else min(beds, total)
    kept = listing.model_copy(
        update={
            "capacity": listing.capacity.model_copy(update={"beds_available": beds}),
            "accepting_referrals": old.accepting_referrals,
        }
    )
    return kept, replace(imported, availability_updated_at=old.availability_updated_at)


def _fields(listing: ServiceCreate, *, eligibility_stated: bool) -> dict[str, Any]:
    """A listing's fields for history, with whether its eligibility is stated: an import may
    change that alone (another directory's record over a listing a provider had stated)."""
    return {**flatten(listing), ELIGIBILITY_STATED: eligibility_stated}


def _unchanged(
    old: Service, imported: ImportedService, before: dict[str, Any], after: dict[str, Any]
) -> bool:
    return (
        before == after
        and old.last_verified_at == imported.last_verified_at
        and old.availability_updated_at == imported.availability_updated_at
        and last_modified(old) == (imported.last_modified or last_modified(old))
    )


def _history(
    service_id: uuid.UUID,
    organization_id: uuid.UUID,
    version: int,
    changes: list[dict[str, Any]],
    run: _Run,
) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "organization_id": organization_id,
        "at": run.now,
        "action": ChangeAction.hsds_import.value,
        "actor_key_id": run.actor.key_id,
        "actor_name": run.actor.name,
        "actor_role": run.actor.role,
        "version": version,
        "changes": changes,
    }


@dataclass(slots=True)
class _Writes:
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    listings: list[tuple[uuid.UUID, ServiceCreate]]
    changes: list[dict[str, Any]]


def _service_row(
    imported: ImportedService, listing: ServiceCreate, after_version: int, run: _Run
) -> dict[str, Any]:
    version = after_version + 1
    return {
        "id": imported.id,
        **listing_columns(listing, eligibility_stated=imported.eligibility_stated),
        "version": version,
        "updated_at": run.now,
        "last_verified_at": imported.last_verified_at,
        "availability_updated_at": imported.availability_updated_at,
        "source_modified_at": imported.last_modified,
        "source_version": version,
    }


# A clock a few minutes ahead of this service's is still a clock.
_CLOCK_SKEW = timedelta(minutes=5)


def _in_the_future(
    record: dict[str, Any], imported: ImportedService, now: datetime
) -> list[Problem]:
    """A record dated after now: a bed count "updated" next year would read as fresh in every
    match until then, and, newer than anything here, could not be corrected by a later
    import of a true one."""
    file, row = record.get("_source", ("records", None))
    return [
        Problem(file, row, field, "lies in the future; send the time it was true (with its zone)")
        for field, when in (
            ("last_modified", imported.last_modified),
            ("assured_date", imported.last_verified_at),
            ("capacities.updated", imported.availability_updated_at),
        )
        if when is not None and when > now + _CLOCK_SKEW
    ]


def _plan_batch(
    session: Session,
    records: list[dict[str, Any]],
    run: _Run,
    locate: Locate,
    check: Check,
) -> _Writes:
    writes = _Writes([], [], [], [])
    conversions = []
    for record in records:
        conversion = to_listing(record, locate=locate, check=check)
        run.problems.extend(conversion.problems)
        if not conversion.skipped:
            run.unknown.update(set(conversion.unknown_terms))
        if conversion.service is not None:  # the locations of a service imported
            run.report.located_by_municipality += conversion.located_by_municipality
            run.report.located_by_postal_area += conversion.located_by_postal_area
        if conversion.skipped:
            file, row = record.get("_source", ("records", None))
            run.report.skipped.append(
                SkippedService(
                    id=str(record.get("id")),
                    name=str(record["name"]) if record.get("name") else None,
                    reason=conversion.skipped,
                    file=file,
                    row=row,
                )
            )
        if conversion.service is not None:
            # (the clock's time, not the import's start: a long import runs for minutes)
            future = _in_the_future(record, conversion.service, datetime.now(UTC))
            run.problems.extend(future)
            if not future:
                conversions.append((record, conversion.service))
    existing = repo.get_services(session, [imported.id for _, imported in conversions])
    deleted = repo.deletions(
        session, [imported.id for _, imported in conversions if imported.id not in existing]
    )
    for record, imported in conversions:
        old = existing.get(imported.id)
        where = record.get("_source", ("records", None))
        skipped = None
        if imported.organization_id in run.gone:
            skipped = (
                "its organization was deleted here after this record's last_modified (or the "
                "record has none): nothing of it was imported"
            )
        elif old is None and imported.id in deleted:
            deleted_at, _ = deleted[imported.id]
            if imported.last_modified is None or imported.last_modified <= deleted_at:
                # A package made before the listing was deleted here would bring it back,
                # under the id partners were told to drop (`GET /v1/removed-services`).
                skipped = (
                    "deleted here after this record's last_modified (or the record has none): "
                    "nothing of it was imported (create it anew to list it)"
                )
        if old is not None and old.organization_id != imported.organization_id:
            run.problems.append(
                Problem(
                    where[0],
                    where[1],
                    "organization_id",
                    "this service belongs to another organization here; it cannot move",
                )
            )
            continue
        if old is not None and _older(imported, old):
            # A package made before the listing here last changed: applying it would undo a
            # provider's newer change ("full tonight" back to yesterday's free beds).
            skipped = (
                "older than the listing here, which changed after this record's "
                "last_modified: nothing of it was imported (export the listing again)"
            )
        if skipped is not None:
            run.report.skipped.append(
                SkippedService(
                    id=str(imported.id),
                    name=imported.listing.name,
                    reason=skipped,
                    file=where[0],
                    row=where[1],
                )
            )
            continue
        imported = _keep_confidential(imported, old, run.report)
        listing, imported = _keep_newer_availability(
            _keep_exact_confidential(imported, old), imported, old
        )
        imported = _keep_verified_time(imported, old)
        run.report.eligibility_not_stated += not imported.eligibility_stated
        after = _fields(listing, eligibility_stated=imported.eligibility_stated)
        before = _fields(listing_of(old), eligibility_stated=old.eligibility_stated) if old else {}
        run.served.add(imported.organization_id)
        if old is not None and _unchanged(old, imported, before, after):
            run.report.services_unchanged += 1
            continue
        # (a listing deleted here before this record was made goes on from its last version,
        # so that no ETag read before the deletion names it)
        after_version = old.version if old else deleted.get(imported.id, (None, 0))[1]
        row = _service_row(imported, listing, after_version, run)
        changes = diff(before, after)
        if old is None:
            writes.inserts.append({**row, "created_at": run.now})
        else:
            writes.updates.append({**row, "_expected_version": old.version})
        writes.listings.append((imported.id, listing))
        writes.changes.append(
            _history(imported.id, imported.organization_id, row["version"], changes, run)
        )
    run.report.services_created += len(writes.inserts)
    run.report.services_updated += len(writes.updates)
    return writes


def _write_batch(session: Session, writes: _Writes) -> None:
    repo.insert_services(session, writes.inserts)
    if writes.updates and repo.update_services(session, writes.updates) != len(writes.updates):
        raise Conflict(
            "Listings changed while they were being imported; nothing was imported. Run it again."
        )
    repo.delete_locations(session, [row["id"] for row in writes.updates])
    location_rows, radii = [], []
    for service_id, listing in writes.listings:
        categories = to_mask(listing.categories, CATEGORIES)
        for position, location in enumerate(listing.locations):
            location_rows.append(
                {
                    "service_id": service_id,
                    "position": position,
                    "categories_mask": categories,
                    **location.model_dump(),
                }
            )
            radii.append(listing.service_area.radius_km)
    location_ids = repo.insert_locations(session, location_rows)
    cells = [
        {"cell": cell, "location_id": location_id, "service_id": row["service_id"]}
        for location_id, row, radius in zip(location_ids, location_rows, radii, strict=True)
        if radius
        for cell in reach_cells(
            Point(
                *matched_point(row["latitude"], row["longitude"], confidential=row["confidential"])
            ),
            radius,
        )
    ]
    repo.insert_reach_cells(session, cells)
    repo.insert_area_covers(
        session,
        [
            {"area": area, "category_bit": bit, "service_id": service_id}
            for service_id, listing in writes.listings
            for area, bit in area_covers_of(
                categories_mask=to_mask(listing.categories, CATEGORIES),
                provinces_mask=to_mask(listing.service_area.provinces, PROVINCES),
                nationwide=listing.service_area.nationwide,
            )
        ],
    )
    repo.insert_changes(session, writes.changes)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector for a bulk import. Millions of short-lived rows and records
    are freed by reference counting; the collector would rescan every live object again and
    again (it doubled the time of a large import)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def import_hsds(
    session: Session,
    *,
    staging: Staging,
    approve: bool,
    locate: Locate,
    actor: Actor,
    check: Check,
    progress: Progress | None = None,
) -> ImportReport:
    """Load a checked HSDS package into the registry, all or nothing, idempotent by HSDS id:
    a service already here is updated (a new version and a history entry) only when it
    changed. New organizations start pending unless `approve`. Refused with every problem
    (file and row) when anything is wrong; then nothing is changed."""
    run = _Run(
        problems=list(staging.problems),
        report=ImportReport(ignored_files=list(staging.ignored)),
        unknown=Counter(),
        now=utcnow(),
        actor=actor,
    )
    # One statement logs what the import wrote for the match indexes, not a trigger per row.
    # (A package refused from the start writes nothing, and takes no write lock.)
    bulk = registry_feed.logged_in_bulk(session) if run.writing else nullcontext(BulkLog())
    with bulk as log:
        _import_organizations(session, staging, run, approve=approve, log=log)
        _check_unregistered(session, staging, run)
        for records in staging.services(_BATCH):
            writes = _plan_batch(session, records, run, locate, check)
            if run.writing:
                _write_batch(session, writes)
                log.services(row["id"] for row in (*writes.inserts, *writes.updates))
            if progress:
                progress(len(records))
        if run.writing:
            _settle_awaiting(session, run)
            for organization_id in run.renamed:
                services_repo.touch_services_of(session, organization_id, run.now)
            # Stamped as it commits, not as it began: a sync that read past the beginning
            # while the import ran would never read what it wrote (`SYNC_OVERLAP`).
            repo.restamp(session, run.now, utcnow())
    if run.problems:
        session.rollback()
        raise ImportRefused(run.problems)
    session.commit()
    run.report.unknown_terms = [
        UnknownTerm(term=term, services=count) for term, count in run.unknown.most_common()
    ]
    return run.report


def import_records(
    session: Session,
    *,
    document: Any,
    approve: bool,
    locate: Locate,
    caller: Caller,
    check: Check,
) -> ImportReport:
    """Import compiled HSDS service records sent over the API: an array, a page or one."""
    records = json_records(document) or []
    with Staging(merge_repeats=True) as staging:
        stage_records(staging, enumerate(records), file="body")
        staging.finish()
        return import_hsds(
            session,
            staging=staging,
            approve=approve,
            locate=locate,
            check=check,
            actor=actor_of(caller),
        )
