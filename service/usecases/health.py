"""Readiness: whether this instance can serve, which means its database answers."""

import sqlalchemy as sa

from service.db import database_answers
from service.errors import Unavailable


def check_ready(engine: sa.Engine) -> None:
    """Raise `Unavailable` while the database does not answer."""
    if not database_answers(engine):
        raise Unavailable("The database does not answer.")
