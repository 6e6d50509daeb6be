"""What `referral-client` prints around the server's answers, against scripted answers
(httpx.MockTransport): a refused report leaves no CSV behind, an empty list says so."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from referral_client import ReferralClient, Retry, cli
from referral_client.cli import run

FAST = Retry(attempts=2, backoff_seconds=0.001, max_delay_seconds=1)
ORGANIZATION = "7ef060bb-62eb-406c-8682-ce1d57aea4be"

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[Handler], None]:
    """The command line's client, answered by `handler` instead of the network."""

    def install(handler: Handler) -> None:
        def client(url: str | None, api_key: str | None, **options: Any) -> ReferralClient:
            transport = httpx.MockTransport(handler)
            return ReferralClient(url, api_key, transport=transport, retry=FAST, **options)

        monkeypatch.setattr(cli, "ReferralClient", client)

    monkeypatch.setenv("REFERRAL_URL", "http://referral.test")
    monkeypatch.setenv("REFERRAL_API_KEY", "rk_test")
    monkeypatch.setenv("COLUMNS", "200")
    return install


def _problem(status: int, title: str, **extra: object) -> httpx.Response:
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


def test_a_refused_csv_report_writes_nothing_not_a_header_alone(
    serve: Callable[[Handler], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """`--csv > out.csv` with a bad key left a file of column names, which read as "no cell"."""
    serve(lambda request: _problem(401, "Unauthorized", detail="Unknown API key."))
    assert run(["report", "unmet-needs", "--csv"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "referral-client: Unauthorized: Unknown API key.\n"


def test_a_csv_report_without_cells_is_its_header_alone(
    serve: Callable[[Handler], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """Read, and empty: the header alone says so, once the report was had."""
    serve(
        lambda request: httpx.Response(
            200,
            json={
                "items": [],
                "total": 0,
                "page": 1,
                "per_page": 200,
                "through": "2026-10",
                "smallest_shown": 5,
            },
        )
    )
    assert run(["report", "unmet-needs", "--csv"]) == 0
    assert capsys.readouterr().out == ",".join(cli._CSV_COLUMNS) + "\n"


@pytest.mark.parametrize(
    ("argv", "loc", "msg", "said"),
    [
        (
            ["report", "unmet-needs", "--from", "2026-11", "--to", "2026-10"],
            ["query", "month_from"],
            "later than month_to",
            "--from: later than --to",
        ),
        (
            ["availability", "set", ORGANIZATION, "--beds", "9"],
            ["body", "beds_available"],
            "exceeds beds_total (4); send accepting_referrals alone to stop referrals",
            "--beds: exceeds beds_total (4); send --accepting alone to stop referrals",
        ),
    ],
    ids=["report", "availability"],
)
def test_a_refusal_names_the_options_not_the_apis_parameters(
    serve: Callable[[Handler], None],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    loc: list[str],
    msg: str,
    said: str,
) -> None:
    serve(lambda request: _problem(422, "Invalid request", errors=[{"loc": loc, "msg": msg}]))
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"referral-client: {said}\n"
    assert captured.out == ""


def _services(total: int, page: int) -> Handler:
    page_json = {"items": [], "total": total, "page": page, "per_page": 20, "has_more": False}
    return lambda request: httpx.Response(200, json=page_json)


def test_no_services_says_so_in_a_sentence(
    serve: Callable[[Handler], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """`services list --mine --stale` with nothing stale said "Services none of 0"."""
    serve(_services(total=0, page=1))
    assert run(["services", "list", "--organization", ORGANIZATION, "--stale"]) == 0
    assert capsys.readouterr().out == "No services.\n"

    serve(_services(total=40, page=3))
    assert run(["services", "list", "--page", "3"]) == 0
    assert capsys.readouterr().out == "No services on page 3: 40 in all.\n"


def _key(name: str, **fields: object) -> dict[str, object]:
    return {
        "id": "5f0c2a53-3c55-4f3e-9a0b-7a3d6bb1d8c1",
        "role": "provider",
        "name": name,
        "organization_id": ORGANIZATION,
        "prefix": "rk_abcdefg",
        "created_at": "2026-11-30T10:00:00Z",
        "last_used_at": None,
        "revoked_at": None,
        "issued_by": "Claire",
        **fields,
    }


def test_keys_say_who_issued_and_revoked_them_and_which_are_refused(
    serve: Callable[[Handler], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The list showed neither who issued or revoked a key nor that a suspended
    organization's key, not revoked, is refused (a review of an administrator's week)."""
    keys = [
        _key("nightly beds", organization_status="suspended"),
        _key(
            "old script",
            organization_status="approved",
            revoked_at="2026-12-01T09:00:00Z",
            revoked_by="Amira",
        ),
    ]
    serve(lambda request: httpx.Response(200, json={"items": keys}))
    assert run(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "issued by Claire" in out
    assert "refused: its organization is suspended" in out
    assert "by Amira" in out
    assert out.count("refused") == 1  # (not the revoked one: revoked says it)


def test_an_administrator_changes_an_organizations_details_and_deletes_a_listing(
    serve: Callable[[Handler], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The 409 of a deletion said "delete its listings first", and PATCH of an organization
    is in the contract, but the command line could do neither (a review of an
    administrator's first week)."""
    sent: list[httpx.Request] = []
    organization = {
        "id": ORGANIZATION,
        "name": "Harbour House",
        "description": "",
        "website": None,
        "email": None,
        "phone": "+1-204-555-0100",
        "status": "pending",
        "created_at": "2026-11-30T10:00:00Z",
        "updated_at": "2026-12-02T10:00:00Z",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json=organization)

    serve(answer)
    command = ["organizations", "update", ORGANIZATION, "--phone", "+1-204-555-0100"]
    assert run([*command, "--website", ""]) == 0
    assert "Harbour House" in capsys.readouterr().out
    assert (sent[0].method, sent[0].url.path) == ("PATCH", f"/v1/organizations/{ORGANIZATION}")
    assert json.loads(sent[0].content) == {"phone": "+1-204-555-0100", "website": None}
    assert run(["organizations", "update", ORGANIZATION]) == 2
    assert "--phone" in capsys.readouterr().err
    assert len(sent) == 1  # nothing sent
    service_id = "0f6f7c9e-1d7e-4c43-9c1f-5d0f3f1b2a10"
    assert run(["services", "delete", service_id]) == 0
    assert capsys.readouterr().out == f"Listing {service_id} deleted.\n"
    assert (sent[1].method, sent[1].url.path) == ("DELETE", f"/v1/services/{service_id}")
