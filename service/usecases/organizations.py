"""Organizations: created pending, approved by an administrator before their services match."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from schemas.common import HISTORY_PAGE
from schemas.enums import OrganizationAction, OrganizationStatus
from schemas.organizations import (
    OrganizationChangePublic,
    OrganizationCreate,
    OrganizationHistory,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
)
from service.errors import (
    Conflict,
    NotFound,
    Unprocessable,
)
from service.models import Organization, OrganizationChange, name_key, utcnow
from service.repository import keys as keys_repo
from service.repository import organizations as repo
from service.repository import services as services_repo
from service.usecases.keys import Caller
from service.usecases.listings import diff, history_page
from service.usecases.preconditions import check_if_match

# What an organization's history compares: every field a registrar, vetter or import sets.
HISTORY_FIELDS = ("name", "description", "website", "email", "phone", "status")


def _fields(organization: Organization) -> dict[str, Any]:
    return {field: getattr(organization, field) for field in HISTORY_FIELDS}


def history_entry(
    organization_id: uuid.UUID,
    *,
    at: datetime,
    action: OrganizationAction,
    actor_key_id: uuid.UUID | None,
    actor_name: str,
    actor_role: str,
    before: dict[str, Any],
    after: dict[str, Any],
    note: str | None = None,
) -> OrganizationChange:
    """One entry of an organization's history: `before` and `after` compared over
    `HISTORY_FIELDS` (other keys, such as ids and stamps, are not history)."""

    def kept(values: dict[str, Any]) -> dict[str, Any]:
        return {field: values[field] for field in HISTORY_FIELDS if field in values}

    return OrganizationChange(
        organization_id=organization_id,
        at=at,
        action=action.value,
        actor_key_id=actor_key_id,
        actor_name=actor_name,
        actor_role=actor_role,
        changes=diff(kept(before), kept(after)),
        note=note,
    )


def _record(
    session: Session,
    organization: Organization,
    *,
    action: OrganizationAction,
    caller: Caller,
    before: dict[str, Any],
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    entry = history_entry(
        organization.id,
        at=at or organization.updated_at,
        action=action,
        actor_key_id=caller.key_id,
        actor_name=caller.name,
        actor_role=caller.role.value,
        before=before,
        after=_fields(organization),
        note=note,
    )
    repo.add_changes(session, [entry])


def _public(organization: Organization) -> OrganizationPublic:
    return OrganizationPublic.model_validate(organization, from_attributes=True)


def _get(session: Session, organization_id: uuid.UUID, *, for_update: bool = False) -> Organization:
    organization = repo.get_organization(session, organization_id, for_update=for_update)
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def create_organization(
    session: Session, *, data: OrganizationCreate, caller: Caller
) -> OrganizationPublic:
    """Register an organization. It starts `pending`: its services match once approved."""
    organization = repo.add_organization(session, Organization(**data.model_dump()))
    _record(session, organization, action=OrganizationAction.create, caller=caller, before={})
    session.commit()
    return _public(organization)


def get_organization(
    session: Session, *, organization_id: uuid.UUID, caller: Caller
) -> OrganizationPublic:
    return _public(_get(session, organization_id))


def list_organizations(
    session: Session,
    *,
    status: OrganizationStatus | None,
    page: int,
    per_page: int,
    caller: Caller,
    name: str | None = None,
) -> OrganizationPage:
    """By name. `name`: only those whose name contains it, ignoring case, accents and
    punctuation (both folded by `models.name_key`, the stored one kept with the name, since
    SQLite's `lower()` folds ASCII only and `unaccent` is an extension not every PostgreSQL
    has). A `name` with no letter or digit is refused rather than taken to mean anything."""
    part = None
    if name is not None:
        part = name_key(name)
        if not part:
            raise Unprocessable.at(
                "query",
                "name",
                msg="needs a letter or a digit",
                detail="name: give a letter or a digit to search for.",
            )
    rows, total = repo.list_organizations(
        session,
        status=status.value if status else None,
        offset=(page - 1) * per_page,
        limit=per_page,
        name_part=part,
    )
    return OrganizationPage(
        items=[_public(o) for o in rows], total=total, page=page, per_page=per_page
    )


def etag_of(organization: OrganizationPublic | Organization) -> str:
    """A strong ETag of an organization as it is now: every change moves `updated_at`."""
    return f'"{organization.id}.{round(organization.updated_at.timestamp() * 1_000_000)}"'


def update_organization(
    session: Session,
    *,
    organization_id: uuid.UUID,
    data: OrganizationUpdate,
    caller: Caller,
    if_match: str | None = None,
) -> OrganizationPublic:
    """Change the fields sent. Sending `null` clears an optional field; a name cannot be null.
    With `if_match`, only the organization as it was read (412 otherwise): another
    administrator's change since is never overwritten unseen."""
    # Held whether or not `if_match` asks to compare: its history entry is written in turn.
    organization = _get(session, organization_id, for_update=True)
    if if_match is not None:
        check_if_match(etag_of(organization), if_match, what="organization", required=False)
    before = _fields(organization)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        del changes["name"]
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    for field, value in changes.items():
        setattr(organization, field, value)
    if _fields(organization) != before:
        organization.updated_at = utcnow()
        repo.add_organization(session, organization)
        if organization.name != before["name"]:  # listings show it: syncs read them again
            services_repo.touch_services_of(session, organization.id, organization.updated_at)
        _record(
            session, organization, action=OrganizationAction.update, caller=caller, before=before
        )
        session.commit()
    return _public(organization)


def set_organization_status(
    session: Session,
    *,
    organization_id: uuid.UUID,
    status: OrganizationStatus,
    note: str | None = None,
    expected: OrganizationStatus | None = None,
    caller: Caller,
    if_match: str | None = None,
) -> OrganizationPublic:
    """Approve or suspend, with the note the decision rests on. A suspended organization's
    services stop matching and its keys stop working until it is approved again. Asking for
    the status it has changes nothing; with a note it is recorded, as a decision confirmed
    (an organization vetted again), without one nothing is. `expected`: the status the
    decision was made on; another by now is a 409 (Conflict) and nothing changes.
    `if_match`: the organization as vetted; changed since (its phone, say), a 412: a note
    saying "phone number called back" must not vouch for another number."""
    organization = _get(session, organization_id, for_update=True)  # (as in the update)
    if expected is not None and organization.status != expected.value:
        raise Conflict(
            f"The organization is {organization.status} now, not {expected.value}: another "
            "decision came first. Read it again, then decide."
        )
    if if_match is not None:  # (after: another decision is said as such, not as a change)
        check_if_match(etag_of(organization), if_match, what="organization", required=False)
    action = (
        OrganizationAction.approve
        if status is OrganizationStatus.approved
        else OrganizationAction.suspend
    )
    before = _fields(organization)
    note = note or None
    if (
        status is OrganizationStatus.approved
        and organization.status == OrganizationStatus.suspended.value
        and note is None
    ):
        # Lifting a suspension (fraud reported, say) is a decision someone must account for:
        # a script approving what it read as pending must not do it silently.
        raise Unprocessable.at(
            "body",
            "note",
            msg="required to reinstate a suspended one",
            detail="note: reinstating a suspended organization needs a note saying why",
        )
    if organization.status != status.value:
        organization.status = status.value
        organization.updated_at = utcnow()
        repo.add_organization(session, organization)
        # Shown or no longer: a sync reads them again (`GET /v1/services`), or drops them
        # (`GET /v1/removed-services`).
        services_repo.touch_services_of(session, organization.id, organization.updated_at)
        _record(session, organization, action=action, caller=caller, before=before, note=note)
        session.commit()
    elif note is not None:
        _record(
            session,
            organization,
            action=action,
            caller=caller,
            before=before,
            note=note,
            at=utcnow(),
        )
        session.commit()
    return _public(organization)


def delete_organization(
    session: Session,
    *,
    organization_id: uuid.UUID,
    caller: Caller,
    if_match: str | None = None,
) -> None:
    """Remove an organization registered by mistake, or gone for good: only one without
    listings (409 otherwise: delete them, or suspend it). Its keys are revoked and kept on the
    record without it; its history stays readable, ending with the deletion, which names
    the keys it held. With `if_match`, only the organization as it was read (412)."""
    organization = _get(session, organization_id, for_update=True)
    if if_match is not None:
        check_if_match(etag_of(organization), if_match, what="organization", required=False)
    listings = services_repo.count_services_of(session, organization_id)
    if listings:
        raise Conflict(
            f"The organization has {listings} listing{'s' if listings > 1 else ''}: delete "
            f"{'them' if listings > 1 else 'it'} first, or suspend the organization instead, "
            f"which keeps {'them' if listings > 1 else 'it'}."
        )
    before = _fields(organization)
    now = utcnow()
    keys = keys_repo.detach_keys_of(
        session, organization_id, at=now, by=caller.name, by_key_id=caller.key_id
    )
    entry = history_entry(
        organization.id,
        at=now,
        action=OrganizationAction.delete,
        actor_key_id=caller.key_id,
        actor_name=caller.name,
        actor_role=caller.role.value,
        before=before,
        after={},
    )
    if keys:  # (by name and prefix: the key ids stay in GET /v1/keys, revoked)
        held = [f"{key.name} ({key.prefix}…)" for key in keys]
        entry.changes = [*entry.changes, {"field": "keys", "old": held, "new": []}]
    repo.add_changes(session, [entry])
    repo.delete_organization(session, organization)
    session.commit()


def organization_history(
    session: Session,
    *,
    organization_id: uuid.UUID,
    caller: Caller,
    after: int | None = None,
    since: datetime | None = None,
    limit: int = HISTORY_PAGE,
) -> OrganizationHistory:
    """Who registered, changed, approved, suspended or deleted the organization, when and
    why; also once it is deleted. Its entries after `after`, at or after `since`, `limit` at
    most."""
    if not repo.has_history(session, organization_id):
        _get(session, organization_id)  # 404, unless one registered before history was kept
    changes = repo.list_changes(session, organization_id, after=after, since=since, limit=limit + 1)
    shown, next_after = history_page(changes, limit)
    return OrganizationHistory(
        items=[
            OrganizationChangePublic.model_validate(change, from_attributes=True)
            for change in shown
        ],
        has_more=next_after is not None,
        next_after=next_after,
    )
