"""The registry: providers keep their own listings current, safely."""

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from schemas.common import HISTORY_PAGE
from schemas.enums import Category, ChangeAction, Province, Role
from schemas.services import (
    AvailabilityUpdate,
    RemovalReason,
    RemovedPage,
    RemovedService,
    ServiceChangePublic,
    ServiceCreate,
    ServiceHistory,
    ServicePage,
    ServicePublic,
    ServiceUpdate,
)
from service.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
    validation_errors,
)
from service.gazetteer import Gazetteer
from service.hsds.vocabulary import ELIGIBILITY_STATED
from service.models import Service, utcnow
from service.policy.visibility import view_for
from service.repository import organizations as organizations_repo
from service.repository import services as repo
from service.usecases.keys import Caller
from service.usecases.listings import (
    CATEGORIES,
    PROVINCES,
    apply_listing,
    covers_of,
    diff,
    flatten,
    history_page,
    listing_of,
    public_view,
    reach_cells_of,
    to_mask,
)
from service.usecases.locating import placed
from service.usecases.preconditions import check_if_match


def etag_of(service_id: uuid.UUID, version: int) -> str:
    """The strong ETag of one version of a listing."""
    return f'"{service_id}.{version}"'


def etag(service: Service) -> str:
    return etag_of(service.id, service.version)


def _view(service: Service, caller: Caller, language: str = "en") -> ServicePublic:
    return public_view(
        service,
        view_for(caller.role.value, owns_listing=caller.owns(service.organization_id)),
        language,
    )


def _found(
    session: Session, service_id: uuid.UUID, caller: Caller, service: Service | None
) -> Service:
    """`service`, or 404. Its own organization (and an administrator) is told when a listing
    was deleted, so that a nightly script drops it rather than hunt for a typo in its id;
    anyone else reads the same words as for an id that never was."""
    if service is not None:
        return service
    deleted = repo.deletion_of(session, service_id)
    if deleted is not None and (caller.role is Role.admin or caller.owns(deleted[0])):
        raise NotFound(
            f"This listing was deleted on {deleted[1]:%Y-%m-%d at %H:%M} UTC; its history "
            f"(GET /v1/services/{service_id}/history) says by whom."
        )
    raise NotFound("No such service.")


def _readable(session: Session, service_id: uuid.UUID, caller: Caller) -> Service:
    service = _found(
        session,
        service_id,
        caller,
        repo.get_service(
            session,
            service_id,
            visible_organization=caller.organization_id,
            everything=caller.role is Role.admin,
        ),
    )
    if caller.reads_only_its_own and service.organization_id != caller.organization_id:
        raise NotFound("No such service.")
    return service


def _writable(session: Session, service_id: uuid.UUID, caller: Caller) -> Service:
    """A listing the caller may change. Another organization's listing is simply not found,
    so a provider learns nothing about it."""
    service = _readable(session, service_id, caller)
    if caller.role is not Role.admin and not caller.owns(service.organization_id):
        raise NotFound("No such service.")
    return service


def _check_organization(session: Session, organization_id: uuid.UUID, caller: Caller) -> None:
    if caller.role is Role.provider and not caller.owns(organization_id):
        raise Forbidden("A provider key may only add listings to its own organization.")
    # Held until the listing is written: an organization deleted meanwhile is "no such
    # organization", and one being deleted sees the listing (409), not a foreign key failing
    # at the end (a 500).
    if organizations_repo.hold_organization(session, organization_id) is None:
        raise Unprocessable.at(
            "body",
            "organization_id",
            msg="no such organization",
            detail="organization_id does not name an organization.",
        )


def _check_if_match(service: Service, if_match: str | None, *, required: bool = True) -> None:
    if if_match is None:
        if not required:
            return
        raise PreconditionRequired("Send If-Match with the ETag of the listing you changed.")
    check_if_match(etag(service), if_match, what="listing", required=required)


def _record(
    session: Session,
    service: Service,
    *,
    action: ChangeAction,
    caller: Caller,
    changes: list[dict[str, Any]],
    at: datetime,
    version: int | None = None,
) -> None:
    """`version`: the listing's after the write, unless given (a deletion names the last)."""
    repo.add_change(
        session,
        service_id=service.id,
        organization_id=service.organization_id,
        at=at,
        action=action.value,
        actor_key_id=caller.key_id,
        actor_name=caller.name,
        actor_role=caller.role.value,
        version=service.version if version is None else version,
        changes=changes,
    )


def create_service(
    session: Session, *, data: ServiceCreate, caller: Caller, gazetteer: Gazetteer
) -> Service:
    """List a new service. It matches once its organization is approved."""
    _check_organization(session, data.organization_id, caller)
    data = placed(data, gazetteer)
    now = utcnow()
    service = Service(
        organization_id=data.organization_id,
        name=data.name,
        categories_mask=0,
        created_at=now,
        updated_at=now,
        last_verified_at=now,
        availability_updated_at=now if data.capacity.beds_available is not None else None,
    )
    apply_listing(service, data)
    repo.add_service(session, service)
    repo.replace_reach_cells(session, service.id, reach_cells_of(service))
    repo.replace_area_covers(session, service.id, covers_of(service))
    _record(
        session,
        service,
        action=ChangeAction.create,
        caller=caller,
        changes=diff({}, flatten(data)),
        at=now,
    )
    session.commit()
    return repo.get_service(session, service.id, everything=True) or service


def get_service(session: Session, *, service_id: uuid.UUID, caller: Caller) -> Service:
    return _readable(session, service_id, caller)


def render(service: Service, *, caller: Caller, language: str = "en") -> ServicePublic:
    """The listing as the caller's role may see it, its own words in `language`."""
    return _view(service, caller, language)


# How far back a sync's cursor stands past the last page: a change is stamped when its
# transaction begins and seen when it commits, so one stamped earlier than the last listing
# read may still be on its way. Writes on the registry take milliseconds.
SYNC_OVERLAP = timedelta(minutes=1)


def _cursor(changed: datetime, service_id: uuid.UUID) -> str:
    text = f"{changed.astimezone(UTC).isoformat()}|{service_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A cursor's position; anything this service did not give is a 422."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        changed, _, service_id = text.partition("|")
        when = datetime.fromisoformat(changed)
        if when.tzinfo is None:
            raise ValueError(changed)
        return when.astimezone(UTC), uuid.UUID(service_id)
    except (ValueError, OverflowError):
        raise Unprocessable.at(
            "query",
            "cursor",
            msg="not a cursor this service gave",
            detail="cursor: not a cursor this service gave; send the `next_cursor` of a page",
        ) from None


def _refused(field: str, message: str) -> Unprocessable:
    return Unprocessable.at("query", field, msg=message, detail=f"{field}: {message}")


def list_services(
    session: Session,
    *,
    caller: Caller,
    organization_id: uuid.UUID | None,
    category: Category | None,
    province: Province | None,
    modified_after: datetime | None,
    page: int,
    per_page: int,
    stale: bool | None,
    stale_after_days: int,
    cursor: str | None = None,
    beds_stale: bool | None = None,
    beds_stale_after_hours: int = 48,
    language: str = "en",
) -> ServicePage:
    """Listings the caller may see, oldest change first, so that a sync resumes: from
    `modified_after`, or from a page's `next_cursor`, which also holds the listings changed
    at the same instant apart. `stale`: only those not verified for `stale_after_days`
    (true), or only the others. `beds_stale`: only listings with beds whose count is older
    than `beds_stale_after_hours` or was never given (true), or only those with a current
    one."""
    if cursor is not None and modified_after is not None:
        raise _refused("cursor", "send either cursor or modified_after, not both")
    if cursor is not None and page != 1:
        raise _refused("page", "a cursor is its own page: send it without page")
    # A listing can leave these filters (a new category, a location moved, verified), which a
    # sync following a cursor would never see: a filtered list gives none.
    narrowed = category is not None or province is not None or stale is not None
    narrowed = narrowed or beds_stale is not None
    if cursor is not None and narrowed:
        raise _refused(
            "cursor",
            "a cursor follows every listing you may see: filter your copy, not the sync "
            "(category, province, stale and beds_stale take no cursor)",
        )
    after = _position(cursor) if cursor is not None else None
    if modified_after is not None and modified_after.tzinfo is None:
        modified_after = modified_after.replace(tzinfo=UTC)  # ISO 8601 without zone: UTC
    if caller.reads_only_its_own:
        if organization_id not in (None, caller.organization_id):
            raise caller.not_yet_vetted("")
        organization_id = caller.organization_id
    now = utcnow()
    cutoff = now - timedelta(days=stale_after_days)
    counted = now - timedelta(hours=beds_stale_after_hours)
    offset = (page - 1) * per_page
    rows, total = repo.list_services(
        session,
        visible_organization=caller.organization_id,
        everything=caller.role is Role.admin,
        organization_id=organization_id,
        categories_mask=to_mask([category], CATEGORIES) if category else None,
        province=province.value if province else None,
        province_bit=to_mask([province], PROVINCES) if province else None,
        modified_after=modified_after,
        offset=offset,
        limit=per_page,
        verified_before=cutoff if stale else None,
        verified_since=cutoff if stale is False else None,
        after=after,
        beds_counted_before=counted if beds_stale else None,
        beds_counted_since=counted if beds_stale is False else None,
    )
    more = offset + len(rows) < total
    position = (rows[-1].updated_at, rows[-1].id) if rows else after
    if position is None and modified_after is not None:
        position = (modified_after, uuid.UUID(int=(1 << 128) - 1))
    return ServicePage(
        items=[_view(row, caller, language) for row in rows],
        total=total,
        page=page,
        per_page=per_page,
        next_cursor=None if narrowed else _cursor(*_going_on(position, more, now)),
        has_more=more,
    )


def _going_on(
    position: tuple[datetime, uuid.UUID] | None, more: bool, now: datetime
) -> tuple[datetime, uuid.UUID]:
    """Where the next page, or the next sync, goes on from: after this page's last item;
    past the last page, no later than `SYNC_OVERLAP` ago."""
    settled = (now - SYNC_OVERLAP, uuid.UUID(int=0))
    if position is None or not more:
        return min(position or settled, settled)
    return position


def removed_services(
    session: Session,
    *,
    caller: Caller,
    since: datetime | None,
    page: int,
    per_page: int,
    cursor: str | None = None,
) -> RemovedPage:
    """The listings a copy of the registry kept since `since` (or a page's `next_cursor`)
    should drop: deleted ones, and for every role but an administrator's those of
    organizations suspended since then and not approved again. In the order of removal, by
    keyset, so that a removal that goes (an organization approved again) never makes
    another skipped."""
    if cursor is not None and since is not None:
        raise _refused("cursor", "send either cursor or since, not both")
    if cursor is not None and page != 1:
        raise _refused("page", "a cursor is its own page: send it without page")
    if cursor is None and since is None:
        raise _refused("since", "send since (an instant) or a page's next_cursor")
    after = _position(cursor) if cursor is not None else None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    now = utcnow()
    offset = (page - 1) * per_page
    rows, total = repo.removed_since(
        session,
        since=since,
        after=after,
        withdrawn=caller.role is not Role.admin,
        own_organization=caller.organization_id,
        offset=offset,
        limit=per_page,
    )
    more = offset + len(rows) < total
    position = (rows[-1][1], rows[-1][0]) if rows else after
    if position is None and since is not None:
        position = (since, uuid.UUID(int=(1 << 128) - 1))
    return RemovedPage(
        next_cursor=_cursor(*_going_on(position, more, now)),
        has_more=more,
        items=[
            RemovedService(
                id=service_id,
                removed_at=at,
                reason=RemovalReason(reason),
            )
            for service_id, at, reason in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
    )


CONFIDENTIAL_UNSAID = (
    "This listing has a confidential location: say for each location sent whether it is "
    'confidential ("confidential": true keeps its address and point from partners); a location '
    "sent without it would be public."
)


def _keep_confidentiality_said(service: Service, listing: ServiceCreate) -> None:
    """A change of a listing with a confidential location says of every location whether it
    is confidential: the lists of a change replace the stored ones, and a location sent
    without `confidential` is public by default, so a provider correcting a safe house's
    address in a PATCH published it (a provider's review). Sent explicitly, either way, as
    a whole listing read and sent back does."""
    if not any(location.confidential for location in service.locations):
        return
    for index, location in enumerate(listing.locations):
        if "confidential" not in location.model_fields_set:
            raise Unprocessable.at(
                "body",
                "locations",
                index,
                "confidential",
                msg="required while the listing has a confidential location",
                detail=CONFIDENTIAL_UNSAID,
            )


def _change_listing(
    session: Session,
    service: Service,
    *,
    listing: ServiceCreate,
    action: ChangeAction,
    if_match: str | None,
    caller: Caller,
    gazetteer: Gazetteer,
) -> Service:
    _check_if_match(service, if_match)
    if listing.organization_id != service.organization_id:
        raise Conflict("A service cannot move to another organization; list it there anew.")
    _keep_confidentiality_said(service, listing)
    listing = placed(listing, gazetteer)
    # (A listing imported with rules in no terms of ours has them stated by this write, as
    # they stand: on the record, as the import's entry said they were not.)
    before = {**flatten(listing_of(service)), ELIGIBILITY_STATED: service.eligibility_stated}
    after = {**flatten(listing), ELIGIBILITY_STATED: True}
    changes = diff(before, after)
    if not changes:
        # Nothing to write: a new version would only make every other editor's ETag stale
        # and bring the listing back to every sync.
        return service
    if not repo.claim_version(session, service.id, service.version):
        service_id = service.id
        session.rollback()
        if repo.get_service(session, service_id, everything=True) is None:
            raise NotFound("No such service: it was deleted meanwhile.")
        raise PreconditionFailed(
            "The listing changed since you read it. Read it again, reapply, and retry."
        )
    now = utcnow()
    service.version += 1
    apply_listing(service, listing)
    service.updated_at = now
    counted = [c["new"] for c in changes if c["field"] == "capacity.beds_available"]
    if counted:
        # Only a new count of free beds is news of tonight's beds (not a new total). A count
        # taken away is no count, of no age: the listing's beds are then stale, not current.
        stamp = now if counted[0] is not None else None
        changes.append(
            {
                "field": "availability_updated_at",
                "old": _iso(service.availability_updated_at),
                "new": _iso(stamp),
            }
        )
        service.availability_updated_at = stamp
    repo.add_service(session, service)
    repo.replace_reach_cells(session, service.id, reach_cells_of(service))
    repo.replace_area_covers(session, service.id, covers_of(service))
    _record(session, service, action=action, caller=caller, changes=changes, at=now)
    session.commit()
    return service


def replace_service(
    session: Session,
    *,
    service_id: uuid.UUID,
    data: ServiceCreate,
    if_match: str | None,
    caller: Caller,
    gazetteer: Gazetteer,
) -> Service:
    """Replace the whole listing, guarded by If-Match."""
    service = _writable(session, service_id, caller)
    return _change_listing(
        session,
        service,
        listing=data,
        action=ChangeAction.put,
        if_match=if_match,
        caller=caller,
        gazetteer=gazetteer,
    )


def update_service(
    session: Session,
    *,
    service_id: uuid.UUID,
    data: ServiceUpdate,
    if_match: str | None,
    caller: Caller,
    gazetteer: Gazetteer,
) -> Service:
    """Change the fields sent, guarded by If-Match; the result must be a valid listing."""
    service = _writable(session, service_id, caller)
    _check_if_match(service, if_match)
    merged = listing_of(service).model_dump(mode="json")
    for field, value in data.model_dump(mode="json", exclude_unset=True).items():
        patch = getattr(data, field)
        if isinstance(value, dict) and hasattr(patch, "model_fields_set"):
            merged[field] = {
                **merged[field],
                **{k: value[k] for k in patch.model_fields_set},
            }
        else:
            merged[field] = value
    try:
        listing = ServiceCreate.model_validate(merged)
    except ValidationError as error:
        raise Unprocessable(
            "The listing would not be valid after this change; see errors.",
            errors=validation_errors([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]),
        ) from None
    return _change_listing(
        session,
        service,
        listing=listing,
        action=ChangeAction.patch,
        if_match=if_match,
        caller=caller,
        gazetteer=gazetteer,
    )


def delete_service(
    session: Session, *, service_id: uuid.UUID, caller: Caller, if_match: str | None = None
) -> None:
    """Remove a listing. Its history stays, for the record. With `if_match`, only the version
    it names (412 otherwise), as for a change. Locked first, as for a count of beds: a delete
    waits for a write under way, then removes what is there (without If-Match it had met a
    412 nobody asked for while a script counted beds). Of deletes at once, one removes the
    listing and the others find it gone (404): one history entry, one removal for syncs."""
    claimed = _locked_writable(session, service_id, caller)
    if if_match is not None:
        # (claimed: the listing is already at its next version, until this is rolled back)
        check_if_match(
            etag_of(claimed.id, claimed.version - 1), if_match, what="listing", required=False
        )
    service = _writable(session, service_id, caller)  # as locked, with what it holds
    before = flatten(listing_of(service))
    _record(
        session,
        service,
        action=ChangeAction.delete,
        caller=caller,
        changes=diff(before, {}),
        at=utcnow(),
        version=claimed.version - 1,  # (the version deleted: a record listed again goes on)
    )
    repo.delete_service(session, service)
    session.commit()


def _locked_writable(session: Session, service_id: uuid.UUID, caller: Caller) -> Service:
    """A listing the caller may change, locked and moved to its next version first, so that
    concurrent writers queue instead of failing: for the writes that need no If-Match. Another
    organization's listing is not found. A detached copy: write what changes with
    `_write_columns`."""
    return _found(
        session,
        service_id,
        caller,
        repo.claim_service(
            session,
            service_id,
            organization_id=caller.organization_id,
            everything=caller.role is Role.admin,
        ),
    )


def _write_columns(session: Session, service: Service, *columns: str) -> None:
    repo.update_columns(
        session, service.id, {column: getattr(service, column) for column in columns}
    )


def set_availability(
    session: Session,
    *,
    service_id: uuid.UUID,
    data: AvailabilityUpdate,
    caller: Caller,
    if_match: str | None = None,
) -> Service:
    """The nightly fast path, one update in a transaction of its own: as the API writes it on
    PostgreSQL (on SQLite, in batches: `usecases/availability_writer.py`)."""
    service, written = write_availability(
        session, service_id=service_id, data=data, caller=caller, if_match=if_match
    )
    if written:
        session.commit()
    else:
        session.rollback()
    return service


def write_availability(
    session: Session,
    *,
    service_id: uuid.UUID,
    data: AvailabilityUpdate,
    caller: Caller,
    if_match: str | None = None,
) -> tuple[Service, bool]:
    """The nightly fast path: no If-Match needed, and never a lost or refused update, because
    the listing is locked before it is read. A few statements, no ORM unit of work. With
    `if_match`, only on the version it names (412 otherwise), as for a change: a script that
    sends the ETag it read is guarded as it expects.

    Written in `session`'s transaction, not committed: the listing as written and True, or
    as it was and False when there is nothing to write, whose claim is to be undone, as after
    a `DomainError` (a rollback, or one to a savepoint taken before)."""
    service = _locked_writable(session, service_id, caller)
    if if_match is not None:
        # (claimed: the listing is already at its next version, until this is rolled back)
        check_if_match(
            etag_of(service.id, service.version - 1), if_match, what="listing", required=False
        )
    if data.beds_available is not None:
        if service.beds_total is None:
            raise Unprocessable.at(
                "body",
                "beds_available",
                msg="listing has no beds_total",
                detail="This listing has no beds_total; set capacity on the listing first.",
            )
        if data.beds_available > service.beds_total:
            # The listing's own total, not the value sent: the script's author learns the
            # limit, or that capacity.beds_total on the listing has to grow first.
            raise Unprocessable.at(
                "body",
                "beds_available",
                msg=f"exceeds beds_total ({service.beds_total})",
                detail=f"beds_available must not exceed the listing's beds_total, "
                f"{service.beds_total}; if the capacity grew, change the listing first.",
            )
    now = utcnow()
    changes = []
    if data.beds_available is not None and data.beds_available != service.beds_available:
        changes.append(
            {
                "field": "capacity.beds_available",
                "old": service.beds_available,
                "new": data.beds_available,
            }
        )
        service.beds_available = data.beds_available
    if (
        data.accepting_referrals is not None
        and data.accepting_referrals != service.accepting_referrals
    ):
        changes.append(
            {
                "field": "accepting_referrals",
                "old": service.accepting_referrals,
                "new": data.accepting_referrals,
            }
        )
        service.accepting_referrals = data.accepting_referrals
    if data.beds_available is not None:
        # The bed count's age: sending the same count again confirms it (on the record, as a
        # verification is); changing whether referrals are taken says nothing of tonight's beds.
        changes.append(
            {
                "field": "availability_updated_at",
                "old": _iso(service.availability_updated_at),
                "new": _iso(now),
            }
        )
        service.availability_updated_at = now
    if not changes:
        # Referrals taken, as they were, and no count: nothing to write. A new version would
        # make every editor's ETag stale and bring the listing back to every sync.
        service.version -= 1  # (the claim moved the detached copy on; it is to be undone)
        return service, False
    service.updated_at = now
    _write_columns(
        session,
        service,
        "beds_available",
        "accepting_referrals",
        "availability_updated_at",
        "updated_at",
    )
    _record(
        session, service, action=ChangeAction.availability, caller=caller, changes=changes, at=now
    )
    return service, True


def verify_service(session: Session, *, service_id: uuid.UUID, caller: Caller) -> Service:
    """The provider confirms the listing is current: it stops counting as stale."""
    service = _locked_writable(session, service_id, caller)
    now = utcnow()
    changes = [
        {"field": "last_verified_at", "old": _iso(service.last_verified_at), "new": _iso(now)}
    ]
    service.last_verified_at = now
    service.updated_at = now
    _write_columns(session, service, "last_verified_at", "updated_at")
    _record(session, service, action=ChangeAction.verify, caller=caller, changes=changes, at=now)
    session.commit()
    return service


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def service_history(
    session: Session,
    *,
    service_id: uuid.UUID,
    caller: Caller,
    after: int | None = None,
    since: datetime | None = None,
    limit: int = HISTORY_PAGE,
) -> ServiceHistory:
    """Who changed which field from what to what, and when; also for deleted listings. Its
    entries after `after`, at or after `since`, `limit` at most."""
    owner = repo.history_owner(session, service_id)
    if owner is None:  # a listing loaded before history was kept (the demo's): none yet
        listed = repo.get_service(session, service_id, everything=True)
        owner = listed.organization_id if listed is not None else None
    if owner is None or (caller.role is not Role.admin and not caller.owns(owner)):
        raise NotFound("No such service.")
    changes = repo.list_changes(session, service_id, after=after, since=since, limit=limit + 1)
    shown, next_after = history_page(changes, limit)
    return ServiceHistory(
        items=[ServiceChangePublic.model_validate(c, from_attributes=True) for c in shown],
        has_more=next_after is not None,
        next_after=next_after,
    )
