"""A typed client of referral-service, sync and async, over its public HTTP API.

    from referral_client import ReferralClient
    from schemas.match import NeedProfile

    with ReferralClient() as client:  # REFERRAL_URL and REFERRAL_API_KEY
        answer = client.match(NeedProfile(needs=["housing"], location={"place": "Elmira, ON"}))

It imports nothing of the server: only httpx, pydantic and the wire models in `schemas`.
"""

from referral_client._protocol import Retry
from referral_client.async_client import AsyncReferralClient
from referral_client.client import ReferralClient
from referral_client.errors import (
    AuthenticationError,
    BadRequest,
    Conflict,
    InvalidSettings,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    ReferralError,
    ServerError,
    TooManyRequests,
    Unavailable,
    UnexpectedResponse,
    Unreachable,
    ValidationFailed,
)

__all__ = [
    "AsyncReferralClient",
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "InvalidSettings",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "PreconditionRequired",
    "ProblemError",
    "ReferralClient",
    "ReferralError",
    "Retry",
    "ServerError",
    "TooManyRequests",
    "Unavailable",
    "UnexpectedResponse",
    "Unreachable",
    "ValidationFailed",
]
