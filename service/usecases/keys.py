"""API keys: issue, list, revoke, and authenticate a caller."""

import hashlib
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from schemas.enums import OrganizationStatus, Role
from schemas.keys import (
    CallerPublic,
    KeyCreate,
    KeyCreated,
    KeyList,
    KeyPublic,
    KeyUpdate,
    StaleAfter,
)
from schemas.organizations import OrganizationPublic
from service.db import commit_bookkeeping
from service.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from service.models import ApiKey, Organization, utcnow
from service.repository import keys as repo
from service.repository import organizations as organizations_repo

logger = logging.getLogger("referral.keys")
KEY_PREFIX = "rk_"
BOOTSTRAP_NAME = "bootstrap admin (REFERRAL_BOOTSTRAP_ADMIN_KEY)"
# Recording every use would turn each read into a write; a minute's precision is enough, and
# a use is not recorded when recording it would wait for another writer (below).
_LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the key's identity and role, never the secret."""

    key_id: uuid.UUID
    name: str
    role: Role
    organization_id: uuid.UUID | None
    rate_limit: int | None = None  # the key's own requests per minute, if it has one
    # False for a provider key of an organization not yet approved: it may prepare its own
    # listings, and reads nothing else of the registry (a trafficker posing as a shelter
    # would otherwise read every shelter's area and beds before anyone vetted them).
    vetted: bool = True

    def owns(self, organization_id: uuid.UUID) -> bool:
        return self.role is Role.provider and self.organization_id == organization_id

    @property
    def reads_only_its_own(self) -> bool:
        return self.role is Role.provider and not self.vetted

    def not_yet_vetted(self, reads: str) -> Forbidden:
        """The 403 for a key that `reads_only_its_own` asking for more; `reads` says where it
        may read its own listings."""
        return Forbidden(
            "Your organization is pending vetting: until an administrator approves it, "
            f"this key reads only its own listings{reads}."
        )


def hash_key(key: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 cannot be brute-forced;
    # a slow password hash would only slow every request.
    return hashlib.sha256(key.encode()).hexdigest()


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _public(key: ApiKey, organization_status: str | None = None) -> KeyPublic:
    public = KeyPublic.model_validate(key, from_attributes=True)
    if organization_status is not None:
        public.organization_status = OrganizationStatus(organization_status)
    return public


def authenticate(session: Session, *, key_hash: str) -> tuple[Caller, bool]:
    """The caller behind a bearer key, by its hash (`hash_key`); 401 for an unknown or
    revoked key. And whether its use is on the record (`last_used_at`, to the minute): not
    when recording it would have waited for another writer, left to a later request."""
    found = repo.get_key_by_hash(session, key_hash)
    if found is None or found[0].revoked_at is not None:
        raise Unauthorized("Unknown or revoked API key.")
    record, organization_status = found
    role = Role(record.role)
    if record.organization_id is not None and organization_status in (
        None,
        OrganizationStatus.suspended,
    ):
        raise Forbidden("The organization of this key is suspended.")
    now = utcnow()
    recorded = True
    if record.last_used_at is None or now - record.last_used_at > _LAST_USED_PRECISION:
        # Bookkeeping never holds up a match while a caller waits on the line: on a busy
        # SQLite database the use is recorded by a later request instead.
        recorded = repo.touch_key_unless_busy(session, record.id, now)
        if recorded:
            commit_bookkeeping(session)
        else:
            session.rollback()
    caller = Caller(
        key_id=record.id,
        name=record.name,
        role=role,
        organization_id=record.organization_id,
        rate_limit=record.rate_limit_per_minute,
        vetted=record.organization_id is None or organization_status == OrganizationStatus.approved,
    )
    return caller, recorded


# Who may call what: a change to these tables, committed in this process, makes every
# `RecentCallers` forget what it holds (`_forget_on_commit`). Seen through the session only
# (its flushes and its statements): a write to them on the session's connection, or by an
# engine of its own, is not, and is only for what changes no one's rights (a key's last use,
# SQLite's lock by an update of no row).
_WHO_MAY_CALL = frozenset({ApiKey.__tablename__, Organization.__tablename__})
_CHANGED = "keys or organizations changed"
_forgotten = 0  # how many such commits this process has made
_forgotten_lock = threading.Lock()


class RecentCallers:
    """The callers of the keys used in the last `seconds`, by the key's hash: one worker reads
    a key's row from the database once per key and period instead of on every request, and a
    request whose key it holds is authenticated without a thread (issue #6: the read and its
    thread were a tenth of a provider's availability update).

    A key revoked, or an organization suspended, approved or deleted, through this process
    is seen by its next request, as before: every commit that changes a key or an
    organization here forgets all that is held, a key read while it landed included.
    Through another worker, another instance or the command line, it is seen within
    `seconds` (`REFERRAL_KEY_CACHE_SECONDS`; 0 keeps nothing). Unknown and revoked keys are
    never kept: each of their requests reads the database, as before.
    """

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        most: int = 10_000,
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._most = most
        # key hash -> (caller, held until, `_forgotten` when it was read)
        self._held: dict[str, tuple[Caller, float, int]] = {}

    def get(self, key_hash: str) -> Caller | None:
        """The caller of this key, when held and still current; None: authenticate."""
        held = self._held.get(key_hash)
        if held is None:
            return None
        caller, until, generation = held
        if generation != _forgotten or self._clock() >= until:
            self._held.pop(key_hash, None)
            return None
        return caller

    def authenticate(self, session: Session, key_hash: str) -> Caller:
        """`authenticate` by the database, keeping the caller (in a worker thread)."""
        # Both before the read: a change committed after it forgets this caller too, and one
        # committed elsewhere during it is seen within `seconds` of the read's start.
        generation, until = _forgotten, self._clock() + self.seconds
        caller, recorded = authenticate(session, key_hash=key_hash)
        # (a use not yet on the record is read again, so that the next request records it)
        if self.seconds > 0 and recorded:
            if len(self._held) >= self._most:
                self._held.clear()  # (a flood of keys: start again rather than grow)
            self._held[key_hash] = (caller, until, generation)
        return caller


def _forget_all() -> None:
    global _forgotten
    with _forgotten_lock:
        _forgotten += 1


@sa.event.listens_for(Session, "before_flush")
def _note_changed_rows(session: Session, _context: Any, _instances: Any) -> None:
    if any(
        isinstance(instance, ApiKey | Organization)
        for instance in chain(session.dirty, session.deleted)
    ):
        session.info[_CHANGED] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_changing_statements(state: sa.orm.ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WHO_MAY_CALL:
            state.session.info[_CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _forget_all()


@sa.event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    # Forgotten too: a commit whose connection broke may have landed all the same (the
    # caller told 500), and its retry would find nothing left to change. Forgetting costs
    # only a read of each key in use.
    if session.info.pop(_CHANGED, False):
        _forget_all()


def _is_bootstrap(record: ApiKey) -> bool:
    return record.name == BOOTSTRAP_NAME and record.role == Role.admin.value


def _refuse_reserved(name: str | None) -> None:
    if name == BOOTSTRAP_NAME:
        raise Unprocessable.at(
            "body", "name", msg="reserved", detail="name: reserved for the bootstrap key."
        )


def create_key(session: Session, *, data: KeyCreate, caller: Caller) -> KeyCreated:
    """Issue a key. The secret is in this answer only; the database keeps its hash."""
    _refuse_reserved(data.name)
    organization_status = None
    if data.organization_id is not None:
        # (held until the key is written, as for a listing: a deletion meanwhile waits)
        held = organizations_repo.hold_organization(session, data.organization_id)
        if held is None:
            raise Unprocessable.at(
                "body",
                "organization_id",
                msg="no such organization",
                detail="organization_id does not name an organization.",
            )
        organization_status = held.status  # (suspended: said, as the key will be refused)
    secret = _new_secret()
    record = repo.add_key(
        session,
        ApiKey(
            name=data.name,
            role=data.role.value,
            organization_id=data.organization_id,
            key_hash=hash_key(secret),
            prefix=secret[:10],
            issued_by=caller.name,
            issued_by_key_id=caller.key_id,
            rate_limit_per_minute=data.rate_limit_per_minute,
        ),
    )
    session.commit()
    return KeyCreated(**_public(record, organization_status).model_dump(), key=secret)


def list_keys(
    session: Session,
    *,
    organization_id: uuid.UUID | None,
    caller: Caller,
    role: Role | None = None,
    revoked: bool | None = None,
) -> KeyList:
    found = repo.list_keys(
        session,
        organization_id=organization_id,
        role=role.value if role is not None else None,
        revoked=revoked,
    )
    return KeyList(items=[_public(key, status) for key, status in found])


def describe_caller(session: Session, *, caller: Caller, stale_after: StaleAfter) -> CallerPublic:
    """The caller's own key, never its secret, a provider's organization, and when this
    service calls data stale."""
    record = repo.get_key(session, caller.key_id)
    if record is None:  # (keys are revoked, never deleted; this is for safety only)
        raise Unauthorized("Unknown or revoked API key.")
    organization = (
        organizations_repo.get_organization(session, record.organization_id)
        if record.organization_id is not None
        else None
    )
    return CallerPublic(
        stale_after=stale_after,
        key=_public(record, organization.status if organization is not None else None),
        organization=(
            None
            if organization is None
            else OrganizationPublic.model_validate(organization, from_attributes=True)
        ),
    )


def update_key(
    session: Session, *, key_id: uuid.UUID, data: KeyUpdate, caller: Caller
) -> KeyPublic:
    """Rename a key or set its own requests per minute (null: back to the service's). Who
    changed what is logged, as the key's history: never the secret, which is not kept."""
    record = repo.get_key(session, key_id)
    if record is None:
        raise NotFound("No such key.")
    if record.revoked_at is not None:
        raise Conflict("This key is revoked: it is kept as it was, for the record.")
    if "name" in data.model_fields_set and data.name != record.name:
        if _is_bootstrap(record):
            # Start-up finds it by its name, to put a new REFERRAL_BOOTSTRAP_ADMIN_KEY in place.
            raise Conflict("The bootstrap key keeps its name: start-up finds it by it.")
        _refuse_reserved(data.name)
    changed = {
        field: (getattr(record, field), value)
        for field, value in data.model_dump(exclude_unset=True).items()
        if getattr(record, field) != value
    }
    if changed:
        for field, (_, value) in changed.items():
            setattr(record, field, value)
        session.add(record)
        session.commit()
        logger.info(
            "key changed",
            extra={
                "key_id": str(record.id),
                "by_key_id": str(caller.key_id),
                "changes": {field: list(values) for field, values in sorted(changed.items())},
            },
        )
    return _public(record, _status_of(session, record))


def _status_of(session: Session, record: ApiKey) -> str | None:
    if record.organization_id is None:
        return None
    organization = organizations_repo.get_organization(session, record.organization_id)
    return organization.status if organization is not None else None


def revoke_key(session: Session, *, key_id: uuid.UUID, caller: Caller) -> None:
    """Revoke a key; it gets 401 from then on. Revoking twice is harmless."""
    repo.lock_working_admin_keys(session)
    record = repo.get_key(session, key_id)
    if record is None:
        raise NotFound("No such key.")
    if (
        record.revoked_at is None
        and record.role == Role.admin.value
        and repo.count_working_admin_keys(session) <= 1
    ):
        raise Conflict(
            "This is the last working administrator key: issue another first, or no one "
            "could approve, suspend or issue keys until a new bootstrap key is set."
        )
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_by = caller.name
        record.revoked_by_key_id = caller.key_id
        session.add(record)
        session.commit()


class BootstrapKeyTaken(ValueError):
    """`REFERRAL_BOOTSTRAP_ADMIN_KEY` is another key's secret (the start stops, saying so)."""


def ensure_bootstrap_admin(session: Session, *, secret: str) -> None:
    """Make `secret` the bootstrap admin key. A new secret revokes the previous bootstrap
    key, on the record, and takes a record of its own. A secret revoked through the API stays
    revoked, whatever start-up finds in the environment: an administrator who revoked a
    leaked bootstrap key must not see it come back with the next restart."""
    key_hash = hash_key(secret)
    records = repo.keys_by_name(session, BOOTSTRAP_NAME, Role.admin.value)
    for record in records:
        if record.key_hash == key_hash:
            if record.revoked_at is not None:
                logger.warning(
                    "REFERRAL_BOOTSTRAP_ADMIN_KEY was revoked and stays so; set a new secret "
                    "to have a bootstrap admin key again"
                )
            return
    taken = repo.get_key_by_hash(session, key_hash)
    if taken is not None:
        # (a key issued through the API, its secret copied into the setting by mistake)
        raise BootstrapKeyTaken(
            f'it is the secret of another key, "{taken[0].name}" ({taken[0].role}): '
            "set a new secret of 16 characters or more"
        )
    now = utcnow()
    for record in records:
        if record.revoked_at is None:
            record.revoked_at = now
            record.revoked_by = "start-up: REFERRAL_BOOTSTRAP_ADMIN_KEY changed"
            repo.add_key(session, record)
    repo.add_key(
        session, ApiKey(name=BOOTSTRAP_NAME, role=Role.admin.value, key_hash=key_hash, prefix="")
    )
    session.commit()


def issue_key(
    session: Session, *, role: Role, name: str, organization_id: uuid.UUID | None = None
) -> str:
    """Issue a key without a caller (start-up work such as demo keys); returns the secret."""
    secret = _new_secret()
    repo.add_key(
        session,
        ApiKey(
            name=name,
            role=role.value,
            organization_id=organization_id,
            key_hash=hash_key(secret),
            prefix=secret[:10],
        ),
    )
    return secret
