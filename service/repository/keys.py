"""Statements on API keys."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.models import ApiKey, Organization
from service.repository.rows import detached_from

_KEY = ApiKey.__table__
_ORGANIZATION = Organization.__table__
_BY_HASH = (
    sa.select(_KEY, _ORGANIZATION.c.status)
    .select_from(_KEY.outerjoin(_ORGANIZATION, _ORGANIZATION.c.id == _KEY.c.organization_id))
    .where(_KEY.c.key_hash == sa.bindparam("key_hash"))
)
_TOUCH = (
    sa.update(_KEY)
    .where(_KEY.c.id == sa.bindparam("key_id"))
    .values(last_used_at=sa.bindparam("used_at"))
)


def get_key_by_hash(session: Session, key_hash: str) -> tuple[ApiKey, str | None] | None:
    """The key with this hash and its organization's status (None without one), by one
    prepared statement, as every request authenticates: a detached copy of the key."""
    row = session.execute(_BY_HASH, {"key_hash": key_hash}).first()
    if row is None:
        return None
    return detached_from(ApiKey, _KEY.c, row[:-1]), row[-1]


def touch_key_unless_busy(session: Session, key_id: uuid.UUID, used_at: datetime) -> bool:
    """Record the key's use, unless another writer holds SQLite's one write lock (a long
    import, a hand edit): then nothing, at once, rather than the request waiting for it. True
    when written (to be committed); else the session's transaction is to be rolled back."""
    # Through the session's connection, not the session: a key's last use changes no one's
    # rights, and must not make the workers forget the callers they hold (`RecentCallers`).
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(_TOUCH, {"key_id": key_id, "used_at": used_at})
        return True
    patience = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.execute(_TOUCH, {"key_id": key_id, "used_at": used_at})
    except sa.exc.OperationalError as error:
        if getattr(error.orig, "sqlite_errorname", None) != "SQLITE_BUSY":
            raise
        return False
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={patience}")
    return True


def get_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def lock_working_admin_keys(session: Session) -> None:
    """Lock the working administrator keys until the transaction ends, by writing them
    unchanged (as `organizations.get_organization` locks): two revocations at once are
    decided one after the other, so they never revoke the last two together."""
    session.execute(
        sa.update(ApiKey)
        .where(col(ApiKey.role) == "admin", col(ApiKey.revoked_at).is_(None))
        .values(role=ApiKey.role)
        .execution_options(synchronize_session=False)
    )


def count_working_admin_keys(session: Session) -> int:
    statement = (
        sa.select(sa.func.count())
        .select_from(ApiKey)
        .where(col(ApiKey.role) == "admin", col(ApiKey.revoked_at).is_(None))
    )
    return int(session.execute(statement).scalar_one())


def keys_by_name(session: Session, name: str, role: str) -> list[ApiKey]:
    """The keys of `role` named `name`, oldest first."""
    statement = (
        select(ApiKey)
        .where(ApiKey.name == name, ApiKey.role == role)
        .order_by(col(ApiKey.created_at), col(ApiKey.id))
    )
    return list(session.exec(statement))


def list_keys(
    session: Session,
    *,
    organization_id: uuid.UUID | None = None,
    role: str | None = None,
    revoked: bool | None = None,
) -> list[tuple[ApiKey, str | None]]:
    """Oldest first, each with its organization's status (None without one); of one
    organization, of one role, only the revoked or only those not (revoked: False), as
    asked."""
    statement = (
        select(ApiKey, col(Organization.status))
        .outerjoin(Organization, col(Organization.id) == col(ApiKey.organization_id))
        .order_by(col(ApiKey.created_at), col(ApiKey.id))
    )
    if organization_id is not None:
        statement = statement.where(ApiKey.organization_id == organization_id)
    if role is not None:
        statement = statement.where(ApiKey.role == role)
    if revoked is not None:
        revoked_at = col(ApiKey.revoked_at)
        statement = statement.where(revoked_at.is_not(None) if revoked else revoked_at.is_(None))
    return [(key, status) for key, status in session.exec(statement)]


def add_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def detach_keys_of(
    session: Session,
    organization_id: uuid.UUID,
    *,
    at: datetime,
    by: str,
    by_key_id: uuid.UUID | None,
) -> list[ApiKey]:
    """Revoke an organization's working keys and keep all its keys, revoked, with no
    organization: the record of who held them stays when the organization goes. Returns them
    as they were."""
    keys = [key for key, _ in list_keys(session, organization_id=organization_id)]
    session.execute(
        sa.update(ApiKey)
        .where(col(ApiKey.organization_id) == organization_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=at, revoked_by=by, revoked_by_key_id=by_key_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(ApiKey)
        .where(col(ApiKey.organization_id) == organization_id)
        .values(organization_id=None)
        .execution_options(synchronize_session=False)
    )
    return keys
