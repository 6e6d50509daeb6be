"""The command line refuses a bad value naming the option and what it takes, never echoing
the value: `referral-client match` takes a person's profile, which must not stay in a
terminal's scrollback or a CI log."""

import pytest

from referral_client.cli import location_of, run

CANARY = "Zqx7f3a"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["match", "--gender", f"woman{CANARY}", "--need", "housing", "--near", "Elmira, ON"],
            "Invalid value for '--gender': must be one of 'woman', 'man'",
        ),
        (
            ["match", "--age", f"2{CANARY}", "--need", "housing", "--near", "Elmira, ON"],
            "Invalid value for '--age': Input should be a valid integer",
        ),
        (
            ["organizations", "show", f"n{CANARY}"],
            "Invalid value for 'ORGANIZATION_ID': Input should be a valid UUID",
        ),
        (
            ["organizations", "list", "--status", CANARY],
            "Invalid value for '--status': must be one of 'pending'",
        ),
    ],
)
def test_a_bad_value_is_refused_without_echoing_it(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert said in captured.err
    assert CANARY not in captured.err + captured.out
    assert "found `n`" not in captured.err


@pytest.mark.parametrize(
    ("near", "location"),
    [
        ("G5R 1A1", {"postal_prefix": "G5R 1A1"}),
        ("G5R-1A1", {"postal_prefix": "G5R-1A1"}),  # as people write it, too
        ("G5R  1A1", {"postal_prefix": "G5R  1A1"}),  # any spaces, as the server takes them
        ("g5r", {"postal_prefix": "g5r"}),
        ("43.45,-80.49", {"latitude": 43.45, "longitude": -80.49}),
        # Apart by spaces, as the console takes them: "49.9 -97.1" was no such place.
        ("49.9 -97.1", {"latitude": 49.9, "longitude": -97.1}),
        ("49.9, -97.1", {"latitude": 49.9, "longitude": -97.1}),
        (" 49.9\t -97 ", {"latitude": 49.9, "longitude": -97.0}),
        ("Rivière-du-Loup, QC", {"place": "Rivière-du-Loup, QC"}),
        ("100 Mile House, BC", {"place": "100 Mile House, BC"}),
        ("49.9 -97.1 Winnipeg", {"place": "49.9 -97.1 Winnipeg"}),
    ],
)
def test_near_is_a_postal_code_coordinates_or_a_place(
    near: str, location: dict[str, object]
) -> None:
    assert location_of(near) == location


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("REFERRAL_URL", "127.0.0.1:8000", "must start with http:// or https://"),
        ("REFERRAL_URL", "ftp://127.0.0.1", "must start with http:// or https://"),
        ("REFERRAL_API_KEY", "rk_…", "a character no key has"),
        ("REFERRAL_API_KEY", f"rk_{CANARY} {CANARY}", "a character no key has"),
    ],
)
def test_a_url_or_key_that_cannot_be_used_is_said_before_any_request(
    setting: str,
    value: str,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Sent as they were, a key with a placeholder's ellipsis was a UnicodeEncodeError (exit
    1, "unexpected"), and a URL without its scheme "the connection to :// broke" (exit 4, the
    server unreachable): a provider's script looked for an outage (a provider's review)."""
    monkeypatch.setenv("REFERRAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("REFERRAL_API_KEY", "rk_good")
    monkeypatch.setenv(setting, value)
    assert run(["places", "elm"]) == 2
    captured = capsys.readouterr()
    assert said in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert CANARY not in captured.err + captured.out


def test_a_key_read_with_its_line_end_is_the_key() -> None:
    """`open("key").read()` keeps the newline: it was sent, and failed as a broken
    connection after every retry."""
    from referral_client import InvalidSettings, ReferralClient

    with ReferralClient("http://127.0.0.1:9", "rk_abc-DEF_123=\n") as client:
        assert client.connection.headers()["Authorization"] == "Bearer rk_abc-DEF_123="
    with pytest.raises(InvalidSettings) as refused:
        ReferralClient("http://127.0.0.1:9", f"rk_{CANARY}\u2026")
    assert CANARY not in str(refused.value)
