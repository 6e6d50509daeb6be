"""Contact fields are refused with a message a provider can act on, not a regular expression."""

import pytest
from pydantic import ValidationError

from schemas.organizations import OrganizationCreate


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "intake at example.org", "an email address, such as intake@example.org"),
        ("email", "intake@example.org\n", None),  # stripped, then accepted
        ("phone", "call us", "a phone number: digits, spaces, + ( ) - . and an extension"),
        ("phone", "+1 (519) 555-0100 ext. 12", None),
        ("website", "www.example.org", "a web address that starts with https:// or http://"),
        ("website", "https://example.org/intake", None),
    ],
)
def test_a_contact_field_is_checked_with_a_readable_message(
    field: str, value: str, message: str | None
) -> None:
    if message is None:
        assert getattr(OrganizationCreate(name="Haven", **{field: value}), field) == value.strip()
        return
    with pytest.raises(ValidationError) as refused:
        OrganizationCreate(name="Haven", **{field: value})
    [error] = refused.value.errors()
    assert error["loc"] == (field,)
    assert message in error["msg"]
    assert "pattern" not in error["msg"]
