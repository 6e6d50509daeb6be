"""Statements on API keys."""

import uuid

from sqlmodel import Session, col, select

from service.models import ApiKey


def get_key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def get_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def get_key_by_name(session: Session, name: str, role: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.name == name, ApiKey.role == role)).first()


def list_keys(session: Session, *, organization_id: uuid.UUID | None = None) -> list[ApiKey]:
    statement = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))
    if organization_id is not None:
        statement = statement.where(ApiKey.organization_id == organization_id)
    return list(session.exec(statement))


def add_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key
