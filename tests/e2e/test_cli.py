"""`referral-client` against a live server: output, exit codes, one-line errors.

Most cases run the command in process (`run(argv)`), so they count for coverage; a few run the
installed console script, as an operator would."""

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from referral_client.cli import run
from schemas.match import MatchResponse
from schemas.services import Intake, ServicePublic
from service.models import NeedCount
from tests.e2e.conftest import LiveServer, closed_port_url

CANARY = "Canaryville-7f3a"
MATCH = [
    "match",
    "--near",
    "Elmira, ON",
    "--need",
    "housing",
    "--need",
    "legal.immigration",
    "--gender",
    "woman",
    "--age",
    "24",
    "--status",
    "refugee_claimant",
    "--type",
    "labour",
    "--lang",
    "es",
    "--urgent",
    "--limit",
    "3",
]


def _signed_in(live: LiveServer, monkeypatch: pytest.MonkeyPatch, key: str) -> LiveServer:
    monkeypatch.setenv("REFERRAL_URL", live.url)
    monkeypatch.setenv("REFERRAL_API_KEY", key)
    monkeypatch.setenv("COLUMNS", "200")
    return live


@pytest.fixture
def as_operator(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    return _signed_in(live, monkeypatch, live.operator_key)


@pytest.fixture
def as_provider(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    return _signed_in(live, monkeypatch, live.provider_key)


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("referral-client: ")
    assert "Traceback" not in text
    return lines[0]


def test_match_prints_a_table_per_need(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(MATCH) == 0

    out = capsys.readouterr().out
    assert "Near Elmira, ON (rural)" in out
    assert "Housing (housing): within 50 km" in out
    assert "Immigration law (legal.immigration)" in out
    for column in ("service and contact", "distance", "beds", "why", "caveats"):
        assert column in out
    assert "speaks Spanish" in out


def test_match_json_is_the_api_answer(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*MATCH, "--json", "--french"]) == 0

    answer = MatchResponse.model_validate_json(capsys.readouterr().out)
    assert [result.need for result in answer.results] == ["housing", "legal.immigration"]
    assert any("parle espagnol" in match.reasons for match in answer.results[0].matches)


@pytest.mark.parametrize(
    ("near", "province"),
    [("N2L", "ON"), ("N2L 3G1", "ON"), ("43.45,-80.49", "ON"), ("49.9 -97.1", "MB")],
    ids=["postal prefix", "postal code", "coordinates", "coordinates apart by a space"],
)
def test_match_near_a_postal_code_or_coordinates(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str], near: str, province: str
) -> None:
    assert run(["match", "--near", near, "--need", "legal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["location"]["province"] == province


def test_a_widened_radius_and_unmet_needs_are_said(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rare = ["--need", "housing.long_term", "--gender", "man", "--max-distance", "5"]
    assert run(["match", "--near", "Elmira, ON", *rare]) == 0
    assert "Long-term housing (housing.long_term): too few nearby, radius widened to" in (
        capsys.readouterr().out
    )

    assert run(["match", "--near", "Iqaluit, NU", "--need", "housing", "--gender", "man"]) == 0
    out = capsys.readouterr().out
    assert "Housing (housing): nothing eligible within 500 km" in out
    assert "The nearest farther away:" in out  # something for the caller to try
    # Headed as what they are, not as a radius widened to 500 km (an operator's review).
    assert "Housing (housing): beyond 500 km, nearest first" in out
    assert "radius widened" not in out
    assert "Unmet needs, nothing eligible within 500 km: Housing (housing)" in out


def test_in_french_the_widened_radius_and_unmet_needs_are_said_in_french(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rare = ["--need", "housing.long_term", "--gender", "man", "--max-distance", "5", "--french"]
    assert run(["match", "--near", "Elmira, ON", *rare]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Près d'Elmira, ON (rural)" in out
    assert "Logement à long terme (housing.long_term) : pas assez à proximité, rayon élargi à" in (
        out
    )
    assert "widened" not in out

    iqaluit = ["match", "--near", "Iqaluit, NU", "--need", "housing", "--gender", "man"]
    assert run([*iqaluit, "--french"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Hébergement (housing) : rien d'admissible dans un rayon de 500 km" in out
    assert "Les plus proches, plus loin :" in out
    assert "Hébergement (housing) : au-delà de 500 km, les plus proches d'abord" in out
    assert "Besoins non comblés, rien d'admissible à moins de 500 km : Hébergement (housing)" in out
    for english in ("nothing eligible", "The nearest", "Unmet needs"):
        assert english not in out


def test_a_name_several_places_bear_is_answered_with_those_places(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Rockland" is refused for want of a province: the operator is shown the Rocklands
    there are, to pick one, and the one picked matches."""
    assert run(["match", "--near", "Rockland", "--need", "housing"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("referral-client: --near: several places bear this name: ")
    assert line.endswith(" — add the province")
    for place in ("Rockland, BC", "Rockland, NB", "Rockland, ON"):
        assert place in line
    assert run(["match", "--near", "Rockland", "--need", "housing", "--french"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("referral-client: --near : plusieurs lieux portent ce nom : Rockland")
    assert run(["match", "--near", "Rockland, ON", "--need", "housing", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["location"]["province"] == "ON"


@pytest.mark.parametrize(
    ("near", "said"),
    [
        ("X0A", "this postal prefix covers a region too wide to place the person"),
        ("47.6 -122.3", "outside Canada: this registry serves people in Canada; give the"),
        ("Westmount, NS", "several places of that province bear this name; give a postal prefix"),
    ],
    ids=["wide postal prefix", "Seattle", "two Westmounts in Nova Scotia"],
)
def test_a_location_problem_says_what_to_give_to_near(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str], near: str, said: str
) -> None:
    assert run(["match", "--near", near, "--need", "housing"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"referral-client: --near: {said}")
    assert "location." not in line


def test_no_phone_number_or_email_address_is_cut_in_a_wide_terminal(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """At 200 columns an intake address read "intake@maison-d-hebergement-pour-femmes-du-
    grand-pin.exam…"."""
    near = ["match", "--near", "Saint-Rémi, QC", "--need", "housing", "--need", "specialized"]
    assert run([*near, "--json"]) == 0
    answer = MatchResponse.model_validate_json(capsys.readouterr().out)
    contacts = [
        said
        for result in answer.results
        for match in result.matches
        if isinstance(match.intake, Intake)
        for said in (match.intake.phone, match.intake.email)
        if said
    ]
    assert max(len(said) for said in contacts) > 60  # the demo's long addresses of Quebec
    assert run(near) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    for said in contacts:
        assert said in out


def test_a_phone_line_shows_how_it_reaches_not_how_far_its_office_is(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """In Brooks, AB the demo's legal help is a provincial phone line in Edmonton, 350 km
    away: the table's distance column says phone/online, not 350 km."""
    assert run(["match", "--near", "Brooks, AB", "--need", "legal", "--json"]) == 0
    answer = MatchResponse.model_validate_json(capsys.readouterr().out)
    remote = [m for m in answer.results[0].matches if m.reach == "phone_or_online"]
    assert remote
    assert remote[0].distance_km is not None
    assert remote[0].distance_km > 300

    assert run(["match", "--near", "Brooks, AB", "--need", "legal"]) == 0
    out = capsys.readouterr().out
    assert "phone/online" in out
    assert f"{remote[0].distance_km:g} km" not in out


def test_an_unknown_place_is_bad_input_without_echoing_it(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["match", "--near", CANARY, "--need", "housing"]) == 2

    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert line.startswith("referral-client: --near: no such place known; check the spelling")
    assert CANARY not in captured.err + captured.out


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        (["--need", "shelter"], "referral-client: --need: unknown value; possible values: "),
        (["--need", "housing", "--lang", "spanish"], "referral-client: --lang:"),
        (
            ["--need", "housing", "--gender", "robot"],
            "referral-client: Invalid value for '--gender'",
        ),
        (["--need", "housing", "--age", "130"], "referral-client: Invalid value for '--age'"),
        (
            ["--need", "housing", "--near", "Z1Z"],
            "referral-client: --near: must be a Canadian postal prefix",
        ),
        (["--need", "housing", "--colour", "red"], "referral-client: No such option"),
    ],
    ids=["unknown need", "bad language", "bad gender", "bad age", "bad prefix", "bad option"],
)
def test_bad_input_exits_2_with_one_line(
    as_operator: LiveServer,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    start: str,
) -> None:
    near = [] if "--near" in arguments else ["--near", "N2L"]
    assert run(["match", *near, *arguments]) == 2
    assert _one_line(capsys.readouterr().err).startswith(start)


def test_no_key_a_wrong_key_and_a_role_without_the_right_exit_3(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REFERRAL_API_KEY", raising=False)
    query = ["match", "--near", "N2L", "--need", "housing", "--url", live.url]

    assert run(query) == 3
    assert "no API key" in _one_line(capsys.readouterr().err)
    assert run([*query, "--api-key", "rk_wrong"]) == 3
    assert "Unauthorized" in _one_line(capsys.readouterr().err)
    assert run([*query, "--api-key", live.analyst_key]) == 3
    assert "Forbidden" in _one_line(capsys.readouterr().err)


def test_an_unreachable_server_exits_4(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = closed_port_url()
    assert run(["places", "elm", "--url", nowhere]) == 4
    assert f"cannot connect to {nowhere}" in _one_line(capsys.readouterr().err)


def test_in_a_narrow_terminal_each_match_is_a_block_and_no_phone_is_cut(
    as_operator: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator dials the number while the caller waits: in 80 columns the table cut it
    to '+1-819-555-…'."""
    assert run([*MATCH, "--json"]) == 0
    answer = MatchResponse.model_validate_json(capsys.readouterr().out)
    phones = [
        match.intake.phone
        for result in answer.results
        for match in result.matches
        if isinstance(match.intake, Intake) and match.intake.phone
    ]
    assert phones
    monkeypatch.setenv("COLUMNS", "80")
    assert run(MATCH) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out
    for phone in phones:
        assert phone in out
    for label in ("call", "where", "why", "but"):
        assert re.search(rf"^ *{label} ", out, re.MULTILINE)


def test_places(as_operator: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["places", "elm", "--limit", "3"]) == 0
    assert "Elmira, ON" in capsys.readouterr().out
    assert run(["places", "qqqqqq"]) == 0
    assert "No place starts with that." in capsys.readouterr().out


def test_services_list_and_get(as_operator: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    listed = ["services", "list", "--category", "housing.emergency_shelter", "--per-page", "2"]
    assert run([*listed, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["items"][0]
    assert run(listed) == 0
    assert "Services 1-2 of" in capsys.readouterr().out

    assert run(["services", "get", first["id"]]) == 0
    out = capsys.readouterr().out
    assert first["name"] in out
    assert "verified" in out
    assert run(["services", "get", "0b7e0d0e-0000-4000-8000-000000000000"]) == 2
    assert "Not found" in _one_line(capsys.readouterr().err)


def test_services_list_stale_shows_only_listings_not_verified_for_long(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["services", "list", "--stale", "--per-page", "200", "--json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["total"] > 0  # the demo registry has some
    oldest_fresh = datetime.now(UTC) - timedelta(days=180)
    for item in page["items"]:
        assert datetime.fromisoformat(item["last_verified_at"]) < oldest_fresh


def test_services_list_beds_stale_shows_only_old_or_missing_bed_counts(
    as_operator: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["services", "list", "--beds-stale", "--per-page", "200", "--json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["total"] > 0  # the demo registry has some
    current = datetime.now(UTC) - timedelta(hours=48)
    for item in page["items"]:
        assert item["capacity"]["beds_total"] is not None
        counted = item["availability_updated_at"]
        assert counted is None or datetime.fromisoformat(counted) < current


def test_a_provider_sets_beds_and_verifies(
    as_provider: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = as_provider
    assert run(["services", "list", "--organization", live.provider_organization_id, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["items"]
    # A listing that counts beds, whatever order other tests' writes left the list in.
    ours = ServicePublic.model_validate(next(s for s in listed if s["capacity"]["beds_total"]))
    total = ours.capacity.beds_total or 0
    service_id = str(ours.id)

    assert run(["availability", "set", service_id, "--beds", "1", "--accepting"]) == 0
    said = capsys.readouterr()
    assert "1 free" in said.out
    assert said.err == ""
    # A count sent while referrals are off is shown, and the listing's absence from matches
    # said (a colleague's "not accepting" had hidden both from the nightly script).
    assert run(["availability", "set", service_id, "--beds", "3", "--not-accepting"]) == 0
    said = capsys.readouterr()
    assert f"not accepting (3 free / {total})" in said.out
    assert "no match shows it; send --accepting" in _one_line(said.err)
    assert run(["availability", "set", service_id, "--accepting"]) == 0
    assert capsys.readouterr().err == ""
    assert run(["availability", "set", service_id, "--beds", str(total + 1)]) == 2
    assert _one_line(capsys.readouterr().err).startswith("referral-client: --beds:")
    assert run(["availability", "set", service_id]) == 2
    assert "give --beds" in _one_line(capsys.readouterr().err)
    assert run(["services", "verify", service_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["last_verified_at"]

    monkeypatch.setenv("REFERRAL_API_KEY", live.operator_key)
    assert run(["availability", "set", service_id, "--beds", "2"]) == 3
    assert "Forbidden" in _one_line(capsys.readouterr().err)


def test_a_provider_reads_a_listings_history_from_an_instant(
    as_provider: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Who changed what in a listing: every bed count is an entry, and `--since` starts
    where the provider asks."""
    live = as_provider
    assert run(["services", "list", "--organization", live.provider_organization_id, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["items"]
    service_id = next(s["id"] for s in listed if s["capacity"]["beds_total"])
    before = datetime.now(UTC)
    assert run(["availability", "set", service_id, "--beds", "0"]) == 0
    capsys.readouterr()

    assert run(["services", "history", service_id, "--since", before.isoformat(), "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)["items"]
    assert [entry["action"] for entry in entries] == ["availability"]
    assert run(["services", "history", service_id]) == 0
    table = capsys.readouterr().out
    assert "History, oldest first" in table
    assert "availability (v" in table
    assert run(["services", "history", service_id, "--since", "last week"]) == 2
    assert "--since: not an ISO 8601" in _one_line(capsys.readouterr().err)


def test_whoami_and_a_providers_own_listings(
    as_provider: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A provider's script learns its organization from its key alone."""
    live = as_provider
    assert run(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "provider key 'e2e provider'" in out
    assert live.provider_organization_id in out
    assert live.provider_key not in out

    assert run(["services", "list", "--mine", "--json"]) == 0
    mine = json.loads(capsys.readouterr().out)["items"]
    assert mine
    assert {item["organization_id"] for item in mine} == {live.provider_organization_id}
    other = "0f0f0f0f-0000-4000-8000-000000000000"
    assert run(["services", "list", "--mine", "--organization", other]) == 2
    assert _one_line(capsys.readouterr().err) == (
        "referral-client: --mine and --organization: give one of them"
    )

    monkeypatch.setenv("REFERRAL_API_KEY", live.operator_key)
    assert run(["whoami", "--json"]) == 0
    me = json.loads(capsys.readouterr().out)
    assert (me["key"]["role"], me["organization"]) == ("operator", None)
    assert run(["services", "list", "--mine"]) == 2
    assert "this key has no organization" in _one_line(capsys.readouterr().err)


def test_a_provider_reads_whole_ids_off_a_narrow_terminal(
    as_provider: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id is what `availability set` takes: the table never cuts it, even in 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    assert run(["services", "list", "--mine", "--json"]) == 0
    mine = json.loads(capsys.readouterr().out)["items"]
    assert run(["services", "list", "--mine"]) == 0
    table = capsys.readouterr().out
    assert max(len(line) for line in table.splitlines()) <= 80
    for item in mine:
        assert item["id"] in table
    assert "…" not in table  # nothing cut: a long category folds onto the next line


def test_an_analyst_reads_where_needs_went_unmet(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = sa.create_engine(live.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.delete(NeedCount))
            connection.execute(
                sa.insert(NeedCount),
                [
                    {
                        "month": "2025-03",
                        "province": "NU",
                        "area_type": "rural",
                        "need": "housing",
                        "asked": 14,
                        "none_near": 14,
                        "unmet": 14,
                    },
                    {
                        "month": "2025-03",
                        "province": "MB",
                        "area_type": "rural",
                        "need": "legal.immigration",
                        "asked": 12,
                        "none_near": 6,
                        "unmet": 2,
                    },
                    {
                        "month": "2025-02",
                        "province": "ON",
                        "area_type": "urban",
                        "need": "housing",
                        "asked": 4,
                        "none_near": 0,
                        "unmet": 0,
                    },
                ],
            )
            connection.execute(
                sa.insert(NeedCount).values(
                    month="2025-03",
                    province="NU",
                    area_type="rural",
                    need="housing",
                    urgent=True,
                    asked=10,
                    none_near=5,
                    unmet=0,
                    no_bed_tonight=10,
                )
            )
    finally:
        engine.dispose()
    _signed_in(live, monkeypatch, live.analyst_key)

    assert run(["report", "unmet-needs"]) == 0
    out = capsys.readouterr().out
    assert "Unmet needs through" in out
    for shown in ("NU rural", "14 (100%)", "MB rural", "6 (50%)", "withheld"):
        assert shown in out
    assert "ON urban" not in out  # asked 4 times: not listed
    table = " ".join(out.split())
    assert "Housing (housing), urgent" in table
    assert "10 (100%)" in table  # no bed tonight, in the urgent cell
    monkeypatch.setenv("COLUMNS", "80")
    assert run(["report", "unmet-needs"]) == 0
    narrow = capsys.readouterr().out
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert "Immigration law" in narrow  # the need reads whole, on one line
    assert run(["report", "unmet-needs", "--not-urgent"]) == 0
    assert "tonight" not in capsys.readouterr().out  # no column of beds where none counts them
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["report", "unmet-needs", "--urgent", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(i["need"], i["urgent"], i["no_bed_tonight"]) for i in report["items"]] == [
        ("housing", True, 10)
    ]
    assert run(["report", "unmet-needs", "--not-urgent", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [i["urgent"] for i in report["items"]] == [False, False]
    assert run(["report", "unmet-needs", "--need", "legal", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(i["need"], i["unmet"]) for i in report["items"]] == [("legal.immigration", None)]
    assert run(["report", "unmet-needs", "--from", "2025-4"]) == 2
    assert _one_line(capsys.readouterr().err) == (
        "referral-client: --from: a calendar month as YYYY-MM, such as 2026-10"
    )

    # A spreadsheet's worth: every cell, over more than one page of 200.
    cells = [
        {
            "month": "2024-06",
            "province": province,
            "area_type": area,
            "need": need,
            "asked": 9,
            "none_near": 0,
            "unmet": 0,
        }
        for province in ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC")
        for area in ("urban", "suburban", "rural")
        for need in (
            "housing",
            "legal",
            "specialized",
            "legal.family",
            "legal.immigration",
            "housing.transitional",
            "specialized.medical",
        )
    ]
    engine = sa.create_engine(live.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.insert(NeedCount), cells)
    finally:
        engine.dispose()
    assert run(["report", "unmet-needs", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3 + len(cells) > 200
    assert rows[0] == {
        "month": "2025-03",
        "province": "MB",
        "area_type": "rural",
        "need": "legal.immigration",
        "urgent": "false",
        "asked": "12",
        "none_near": "6",
        "unmet": "",
        "no_bed_tonight": "",
    }
    assert rows[2]["urgent"] == "true"
    assert rows[2]["no_bed_tonight"] == "10"
    keys = {(r["month"], r["province"], r["area_type"], r["need"], r["urgent"]) for r in rows}
    assert len(keys) == len(rows)

    monkeypatch.setenv("REFERRAL_API_KEY", live.operator_key)
    assert run(["report", "unmet-needs"]) == 3
    assert "Forbidden" in _one_line(capsys.readouterr().err)


def test_a_report_refused_names_the_options_and_leaves_no_csv(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's words are its parameters' (`month_to`); the operator typed `--to`. And a
    refused key leaves `--csv > out.csv` empty, not a header that reads as "no cell"."""
    _signed_in(live, monkeypatch, live.analyst_key)
    assert run(["report", "unmet-needs", "--from", "2026-11", "--to", "2026-10"]) == 2
    assert _one_line(capsys.readouterr().err) == "referral-client: --from: later than --to"

    monkeypatch.setenv("REFERRAL_API_KEY", "rk_not_a_key")
    assert run(["report", "unmet-needs", "--csv"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    _one_line(captured.err)


def test_an_administrator_registers_vets_keys_and_suspends_an_organization(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _signed_in(live, monkeypatch, live.admin_key)
    assert (
        run(["organizations", "add", "--name", "Northern Haven", "--email", "a@b.example.org"]) == 0
    )
    assert "pending" in capsys.readouterr().out
    assert run(["organizations", "list", "--status", "pending", "--json"]) == 0
    pending = json.loads(capsys.readouterr().out)["items"]
    [organization_id] = [o["id"] for o in pending if o["name"] == "Northern Haven"]
    assert run(["organizations", "list", "--name", "NORTHERN hav", "--json"]) == 0
    named = json.loads(capsys.readouterr().out)["items"]
    assert organization_id in [o["id"] for o in named]
    assert all("northern hav" in o["name"].lower() for o in named)

    vetted = "Called the regional housing office"
    approve = ["organizations", "approve", organization_id, "--note", vetted]
    assert run([*approve, "--expected-status", "pending", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "approved"
    # A decision made on a status read before another administrator's: refused, unchanged.
    stale = ["organizations", "suspend", organization_id, "--note", "stale"]
    assert run([*stale, "--expected-status", "pending"]) == 2
    assert "approved now, not pending" in _one_line(capsys.readouterr().err)
    issue = ["keys", "issue", "--role", "provider", "--name", "nightly beds"]
    assert run([*issue, "--organization", organization_id, "--json"]) == 0
    issued = json.loads(capsys.readouterr().out)
    secret = issued["key"]
    assert run(["whoami", "--api-key", secret]) == 0
    assert organization_id in capsys.readouterr().out

    why = "Reported by a survivor: asks for a fee"
    assert run(["organizations", "suspend", organization_id, "--note", why]) == 0
    assert "suspended" in capsys.readouterr().out
    assert run(["whoami", "--api-key", secret]) == 3  # the provider key is refused at once
    capsys.readouterr()
    assert run(["organizations", "show", organization_id]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    for said in ("create", "approve", "suspend", vetted, why, "status: approved -> suspended"):
        assert said in shown
    assert run(["organizations", "show", organization_id, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [entry["action"] for entry in record["history"]] == ["create", "approve", "suspend"]
    # Who acted, by the key's id as well as its name, which any administrator may change.
    key_id = record["history"][-1]["actor_key_id"]
    assert f"key {key_id[:8]}" in shown

    assert run(["keys", "list", "--organization", organization_id]) == 0
    listed = capsys.readouterr().out
    assert issued["id"] in listed
    assert secret not in listed  # never the secret again
    assert run(["keys", "revoke", issued["id"]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert run(["keys", "list", "--organization", organization_id, "--json"]) == 0
    [key] = json.loads(capsys.readouterr().out)["items"]
    assert key["revoked_at"] is not None
    # Only the keys that work, or only the revoked ones, of one role.
    assert run(["keys", "list", "--working", "--role", "provider", "--json"]) == 0
    assert issued["id"] not in capsys.readouterr().out
    assert run(["keys", "list", "--revoked", "--role", "provider", "--json"]) == 0
    assert issued["id"] in [k["id"] for k in json.loads(capsys.readouterr().out)["items"]]

    # Text from the server is printed as it is, never read as Rich markup: a key's secret
    # is shown once, and a crash after the key was issued would lose it.
    assert run(["keys", "issue", "--role", "operator", "--name", "night desk [/] backup"]) == 0
    issued_text = capsys.readouterr().out
    assert "'night desk [/] backup'" in issued_text
    assert "rk_" in issued_text
    marked = "[bold red]VERIFIED[/bold red] [link=https://x.example]see[/link]"
    assert run(["organizations", "add", "--name", "Markup Haven", "--description", marked]) == 0
    assert marked in " ".join(capsys.readouterr().out.split())

    assert run(["keys", "issue", "--role", "provider", "--name", "x"]) == 2
    assert "organization" in _one_line(capsys.readouterr().err)
    assert run(["organizations", "add", "--name", "X", "--email", "not-an-address"]) == 2
    assert _one_line(capsys.readouterr().err) == (
        "referral-client: --email: an email address, such as intake@example.org"
    )
    monkeypatch.setenv("REFERRAL_API_KEY", live.operator_key)
    assert run(["organizations", "list"]) == 3
    assert "Forbidden" in _one_line(capsys.readouterr().err)


def test_no_command_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 2
    captured = capsys.readouterr()
    assert "match" in captured.out + captured.err
    assert run(["--help"]) == 0


def _script(live: LiveServer, *arguments: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "referral-client"
    return subprocess.run(
        [str(script), *arguments, "--url", live.url, "--api-key", live.operator_key],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def test_the_installed_command_exits_0_2_and_4(live: LiveServer) -> None:
    success = _script(live, *MATCH)
    assert success.returncode == 0, success.stderr
    assert "Housing (housing)" in success.stdout

    unknown = _script(live, "match", "--near", CANARY, "--need", "housing")
    assert unknown.returncode == 2
    assert _one_line(unknown.stderr).startswith("referral-client: --near:")

    down = subprocess.run(
        [str(Path(sys.executable).parent / "referral-client"), "places", "elm"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "REFERRAL_URL": closed_port_url(), "REFERRAL_API_KEY": "k"},
    )
    assert down.returncode == 4
    _one_line(down.stderr)


def test_an_administrator_gives_a_key_requests_per_minute_of_its_own(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _signed_in(live, monkeypatch, live.admin_key)
    issue = ["keys", "issue", "--role", "partner", "--name", "big partner", "--json"]
    assert run([*issue, "--rate-limit", "12000"]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert issued["rate_limit_per_minute"] == 12000
    assert run(["keys", "update", issued["id"], "--rate-limit", "30"]) == 0
    assert "30 requests a minute" in " ".join(capsys.readouterr().out.split())
    assert run(["keys", "update", issued["id"], "--service-limit", "--name", "partner"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "'partner'" in shown
    assert "Requests a minute: the service's limit." in shown
    assert run(["keys", "list", "--json"]) == 0
    [listed] = [k for k in json.loads(capsys.readouterr().out)["items"] if k["id"] == issued["id"]]
    assert (listed["name"], listed["rate_limit_per_minute"]) == ("partner", None)

    assert run(["keys", "update", issued["id"], "--rate-limit", "5", "--service-limit"]) == 2
    assert "give one of them" in _one_line(capsys.readouterr().err)
    assert run(["keys", "update", issued["id"]]) == 2
    assert "nothing to change" in _one_line(capsys.readouterr().err)
    assert run(["keys", "update", issued["id"], "--rate-limit", "-1"]) == 2
    capsys.readouterr()


def test_an_administrator_deletes_an_organization_registered_by_mistake(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _signed_in(live, monkeypatch, live.admin_key)
    assert run(["organizations", "add", "--name", "Typo Haven", "--json"]) == 0
    organization_id = json.loads(capsys.readouterr().out)["id"]
    issue = ["keys", "issue", "--role", "provider", "--name", "typo key"]
    assert run([*issue, "--organization", organization_id, "--json"]) == 0
    secret = json.loads(capsys.readouterr().out)["key"]
    assert run(["organizations", "delete", organization_id]) == 0
    assert "deleted" in capsys.readouterr().out
    assert run(["whoami", "--api-key", secret]) == 3  # its keys are revoked
    capsys.readouterr()
    # What is left of it: its history, ending with the deletion and the key it held.
    assert run(["organizations", "show", organization_id]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "delete" in shown
    assert "typo key" in shown
    assert run(["organizations", "show", organization_id, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["organization"] is None
    assert [entry["action"] for entry in record["history"]] == ["create", "delete"]
    assert run(["organizations", "delete", organization_id]) == 2  # once
    assert "Not found" in _one_line(capsys.readouterr().err)
