"""The operator's table says how each service reaches the person, and how long ago; it never
cuts a phone number or an e-mail address; with `--french` its sentences are French."""

import io
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from rich.console import Console

from referral_client._render import _age, _reach, need_table, print_match
from schemas.enums import Reach
from schemas.match import MatchResponse, NeedResult, ServiceMatch
from service.matching.messages import render
from service.matching.types import Note

LONG_EMAIL = "intake@maison-d-hebergement-pour-femmes-du-grand-pin.example.org"


def _match(reach: Reach, distance_km: float | None, email: str | None = None) -> ServiceMatch:
    return ServiceMatch.model_validate(
        {
            "service_id": uuid4(),
            "name": "A service",
            "organization": {"id": uuid4(), "name": "An organization"},
            "categories": ["legal.general"],
            "score": 0.5,
            "distance_km": distance_km,
            "reach": reach,
            "delivery": ["phone"],
            "reasons": [],
            "caveats": [],
            "location": None,
            "intake": {"phone": "+1-555-555-0100", "email": email},
            "availability": {
                "beds_available": None,
                "beds_total": None,
                "accepting_referrals": True,
                "updated_at": None,
            },
            "last_verified_at": None,
        }
    )


@pytest.mark.parametrize(
    ("reach", "distance_km", "shown"),
    [
        (Reach.location, 12.3, "12.3 km"),
        (Reach.location, 5.0, "5 km"),
        (Reach.phone_or_online, 347.2, "phone/online"),
        (Reach.phone_or_online, None, "phone/online"),
        (Reach.outreach, 80.0, "comes to you"),
        (Reach.service_area, None, "in its area"),
    ],
)
def test_the_distance_column_says_how_the_service_reaches(
    reach: Reach, distance_km: float | None, shown: str
) -> None:
    assert _reach(_match(reach, distance_km)) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 min ago"),
        (12 * 60, "12 min ago"),
        (59 * 60, "59 min ago"),
        (59 * 60 + 59, "59 min ago"),
        (90 * 60, "1 h ago"),
        (47 * 3600, "47 h ago"),
        (47 * 3600 + 59 * 60, "47 h ago"),
        (71 * 3600, "2 d ago"),  # the server's "updated 2 days ago", not "3 d"
        (72 * 3600, "3 d ago"),
        (191 * 3600, "7 d ago"),
        (-30, "0 min ago"),  # a clock a little ahead of this one
    ],
)
def test_an_age_reads_in_minutes_within_the_hour(seconds: int, shown: str) -> None:
    """ "beds updated 0 h ago" said nothing of whether it was a minute or fifty."""
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert _age(now - timedelta(seconds=seconds), now=now) == shown
    assert _age(None, now=now) == "never"


@pytest.mark.parametrize("hours", [1.5, 2.9, 47.9, 48, 60.5, 71, 71.99, 95.5, 191, 200])
def test_an_age_agrees_with_the_servers_reason_beside_it(hours: float) -> None:
    """The side of a card said "8 d ago" beside the server's "updated 7 days ago": the
    server rounds down, and so does the table."""
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    ours = _age(now - timedelta(hours=hours), now=now)
    theirs = render(Note("no_beds", (("hours", int(hours)),)))
    [(number, unit)] = re.findall(r"(\d+) (h|d)", ours)
    assert theirs.endswith(f"{number} {'h' if unit == 'h' else 'days'} ago"), (ours, theirs)


def _printed(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(width=width, file=out, highlight=False, markup=False), out


def _table_text(result: NeedResult, width: int) -> str:
    console, out = _printed(width)
    console.print(need_table(result, now=datetime.now(UTC), width=width))
    return out.getvalue()


@pytest.mark.parametrize("width", [110, 130, 160, 200])
def test_the_table_never_cuts_an_email_address(width: int) -> None:
    """At 200 columns the table showed "intake@maison-d-hebergement-pour-femmes-du-grand-
    pin.exam…": nothing to write to."""
    result = NeedResult(
        need="housing",
        radius_km=50,
        expanded=False,
        matches=[_match(Reach.location, 12.0, LONG_EMAIL)],
    )
    text = _table_text(result, width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    if width >= 160:  # room enough: on one line
        assert LONG_EMAIL in text
    else:  # folded onto the next lines, whole
        column = [line.split("│")[2].strip() for line in text.splitlines() if line.count("│") > 2]
        assert LONG_EMAIL in "".join(column)


def _answer() -> MatchResponse:
    return MatchResponse.model_validate(
        {
            "location": {
                "label": "Elmira, ON",
                "latitude": 43.6,
                "longitude": -80.56,
                "area_type": "rural",
                "province": "ON",
            },
            "results": [
                {
                    "need": "housing.long_term",
                    "radius_km": 200,
                    "expanded": True,
                    "matches": [_match(Reach.location, 120.5).model_dump(mode="json")],
                },
                {
                    "need": "legal",
                    "radius_km": 500,
                    "expanded": True,
                    "matches": [],
                    "beyond": [_match(Reach.location, 812.5).model_dump(mode="json")],
                },
            ],
            "unmet_needs": ["legal"],
        }
    )


@pytest.mark.parametrize(
    ("french", "said"),
    [
        (
            False,
            [
                "Near Elmira, ON (rural)",
                "Long-term housing (housing.long_term): too few nearby, radius widened to 200 km",
                "Legal help (legal): nothing eligible within 500 km",
                "The nearest farther away:",
                "Legal help (legal): beyond 500 km, nearest first",
                "Unmet needs, nothing eligible within 500 km: Legal help (legal)",
            ],
        ),
        (
            True,
            [
                "Près d'Elmira, ON (rural)",
                "Logement à long terme (housing.long_term) : pas assez à proximité, rayon "
                "élargi à 200 km",
                "Aide juridique (legal) : rien d'admissible dans un rayon de 500 km",
                "Les plus proches, plus loin :",
                "Aide juridique (legal) : au-delà de 500 km, les plus proches d'abord",
                "Besoins non comblés, rien d'admissible à moins de 500 km : Aide juridique (legal)",
            ],
        ),
    ],
    ids=["English", "French"],
)
def test_the_sentences_around_the_tables_are_in_the_language_asked(
    french: bool, said: list[str]
) -> None:
    for width in (80, 200):  # blocks and tables alike
        console, out = _printed(width)
        print_match(console, _answer(), french=french)
        text = " ".join(out.getvalue().split())
        for sentence in said:
            assert sentence in text


def test_the_nearest_farther_away_are_printed_after_matches_too() -> None:
    """For a bed tonight, when no match takes people tonight, `beyond` names those farther
    away that do: the command line printed it only for a need with no match at all."""
    answer = _answer()
    housing = answer.results[0].model_copy(
        update={"beyond": [_match(Reach.location, 640.0, email="tonight@example.org")]}
    )
    answer = answer.model_copy(update={"results": [housing, *answer.results[1:]]})
    for width in (80, 200):
        console, out = _printed(width)
        print_match(console, answer)
        text = " ".join(out.getvalue().split())
        assert text.count("The nearest farther away:") == 2
        assert "tonight@example.org" in text


@pytest.mark.parametrize(("status", "said"), [("suspended", True), ("approved", False)])
def test_a_listing_of_an_organization_not_approved_says_no_one_else_sees_it(
    status: str, said: bool
) -> None:
    """`services get` as an administrator showed a suspended organization's listing as any
    other (a review of an administrator's first week)."""
    from referral_client._render import print_service
    from schemas.services import ServicePublic
    from tests.factories import listing

    organization = str(uuid4())
    service = ServicePublic.model_validate(
        {
            **listing(organization),
            "id": str(uuid4()),
            "version": 3,
            "organization": {"id": organization, "name": "Under Review", "status": status},
            "created_at": "2026-11-30T10:00:00Z",
            "updated_at": "2026-11-30T10:00:00Z",
            "last_verified_at": None,
            "availability_updated_at": None,
            "eligibility_stated": True,
        }
    )
    out = io.StringIO()
    print_service(Console(file=out, width=120), service)
    assert "Under Review" in out.getvalue()
    assert (f"{status}: not matched nor shown to partners" in out.getvalue()) is said
