"""Profiles and listings the end-to-end tests send, built from the wire models."""

from typing import Any

from schemas.match import NeedProfile
from schemas.services import ServiceCreate
from tests.factories import listing

NEEDS = ["housing", "legal.immigration"]


def need_profile(**overrides: Any) -> NeedProfile:
    """The README's worked example: a woman of 24, a refugee claimant, near Elmira."""
    fields: dict[str, Any] = {
        "gender": "woman",
        "age": 24,
        "newcomer_status": "refugee_claimant",
        "trafficking_type": "labour",
        "needs": NEEDS,
        "location": {"place": "Elmira, ON"},
        "languages": ["es"],
        "limit": 3,
    }
    return NeedProfile.model_validate(fields | overrides)


def new_listing(organization_id: str, **overrides: Any) -> ServiceCreate:
    return ServiceCreate.model_validate(listing(organization_id, **overrides))
