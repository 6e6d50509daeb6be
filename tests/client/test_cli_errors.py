"""The command line refuses a bad value naming the option and what it takes, never echoing
the value: `referral-client match` takes a person's profile, which must not stay in a
terminal's scrollback or a CI log."""

import pytest

from referral_client.cli import run

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
