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
