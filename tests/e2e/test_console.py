"""The web console at /console, and the API documentation at /docs: their security headers,
and the pages themselves in headless Chromium (Debian's chromium, driven by Playwright;
`scripts/ensure-chromium` installs it).

Every request the page makes is recorded, and any that would leave the app's origin is
blocked and fails the test. `REFERRAL_CONSOLE_SCREENSHOT=docs/console.png` also writes the
README's screenshot.
"""

import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, Route, expect

from service.matching.messages import render
from service.matching.types import Note
from service.models import NeedCount
from service.usecases.reports import last_reported_month
from tests.e2e.conftest import LiveServer, Traffic, sign_in, storage

CANARY = "Canaryville-7f3a"
EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("path", ["/console", "/console/console.js", "/console/console.css"])
def test_console_files_are_served_with_strict_headers(live: LiveServer, path: str) -> None:
    response = httpx.get(f"{live.url}{path}")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_loads_nothing_from_outside_and_runs_no_inline_script(live: LiveServer) -> None:
    page = httpx.get(f"{live.url}/console").text

    assert "<script>" not in page
    assert not re.search(r"\son[a-z]+\s*=", page)  # no inline event handlers
    assert "http://" not in page
    assert "https://" not in page
    script = httpx.get(f"{live.url}/console/console.js").text
    assert "localStorage." not in script
    assert "document.cookie" not in script
    assert "console.log" not in script


def test_only_the_console_files_are_served(live: LiveServer) -> None:
    assert httpx.get(f"{live.url}/console/index.html").status_code == 404
    assert httpx.get(f"{live.url}/console/..%2Fmain.py").status_code == 404
    paths = httpx.get(f"{live.url}/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


def _fill_the_worked_example(page: Page) -> None:
    page.fill("#near", "Elmi")
    option = page.locator("#near-options [role=option]").first
    expect(option).to_contain_text("Elmira, ON")
    page.press("#near", "ArrowDown")
    page.press("#near", "Enter")
    expect(page.locator("#near")).to_have_value("Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.locator("#need-list details").nth(1).locator("summary").click()
    page.check("#need-list input[value='legal.immigration']")
    page.select_option("#gender", "woman")
    page.fill("#age", "24")
    page.select_option("#status", "refugee_claimant")
    page.select_option("#trafficking", "labour")
    page.fill("#languages", "es")
    page.check("#urgent")
    page.fill("#limit", "3")


def test_an_operator_matches_and_sees_ranked_results_grouped_by_need(
    page: Page, live: LiveServer, traffic: Traffic, tmp_path: Path
) -> None:
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    _fill_the_worked_example(page)
    page.press("#age", "Enter")

    needs = page.locator("#results section.need")
    expect(needs).to_have_count(2)
    expect(needs.nth(0)).to_have_attribute("data-need", "housing")
    expect(needs.nth(1)).to_have_attribute("data-need", "legal.immigration")
    housing = needs.nth(0).locator("li.match")
    assert 1 <= housing.count() <= 3
    first = housing.first
    expect(first.locator(".rank")).to_have_text("1")
    expect(housing.locator(".reasons").filter(has_text="speaks Spanish")).not_to_have_count(0)
    expect(first.locator(".intake .phone")).to_be_visible()
    expect(first.locator(".beds")).to_contain_text("beds free")
    expect(first.locator(".fresh").first).to_contain_text("ago")
    expect(page.locator(".located")).to_have_text("Near Elmira, ON (rural)")

    page.evaluate(
        "() => { window.scrollTo(0, 0); document.getElementById('profile').scrollTop = 0; }"
    )
    page.screenshot(path=tmp_path / "console.png")
    if target := os.environ.get("REFERRAL_CONSOLE_SCREENSHOT"):
        page.screenshot(path=target)

    stored = storage(page)
    assert stored["local"] == {}
    assert set(stored["session"]) <= {"referral-console.key", "referral-console.language"}
    assert "Elmira" not in str(stored)
    match_requests = [r for r in traffic.requests if r.url.endswith("/v1/match")]
    assert len(match_requests) == 1
    assert match_requests[0].headers["authorization"] == f"Bearer {live.operator_key}"


def test_an_unknown_place_shows_the_problem_message_without_echoing_it(
    page: Page, live: LiveServer
) -> None:
    sign_in(page, live, live.operator_key)
    page.fill("#near", CANARY)
    page.check("#need-list input[value=housing]")
    page.click("#find")

    problem = page.locator("#problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Invalid request")
    expect(problem).to_contain_text("Near: no such place known; check the spelling")
    expect(problem).not_to_contain_text(CANARY)
    expect(page.locator("#near")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#results")).to_be_empty()
    # Searched for with Enter from another field: the field in error takes the focus.
    page.fill("#age", "34")
    page.press("#age", "Enter")
    expect(problem).to_contain_text("Near: no such place known; check the spelling")
    expect(page.locator("#near")).to_be_focused()


def test_missing_fields_are_named_before_anything_is_sent(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    sign_in(page, live, live.operator_key)
    expect(page.locator("#near")).to_be_focused()
    page.press("#near", "Enter")

    expect(page.locator("#problem")).to_contain_text("Near: say where the person is")
    expect(page.locator("#problem")).to_contain_text("choose at least one need")
    expect(page.locator("#near")).to_be_focused()  # the first in error
    assert not [r for r in traffic.requests if r.url.endswith("/v1/match")]

    # Numbers out of range, in the form's words, not the validator's.
    page.fill("#near", "Kitchener, ON")
    page.check("#need-list input[value=housing]")
    page.fill("#age", "150")
    page.fill("#limit", "0")
    page.press("#age", "Enter")
    problem = page.locator("#problem li")
    expect(problem).to_have_count(2)
    expect(problem.nth(0)).to_have_text("Age: whole years, from 0 to 120")
    expect(problem.nth(1)).to_have_text(re.compile(r": a whole number from 1 to 50$"))
    expect(page.locator("#problem")).not_to_contain_text("Input should")
    expect(page.locator("#age")).to_be_focused()
    assert not [r for r in traffic.requests if r.url.endswith("/v1/match")]


def test_in_french_a_widened_radius_is_said_and_clear_wipes_everything(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    sign_in(page, live, live.operator_key)
    page.click("#language")
    expect(page.locator("#find")).to_have_text("Trouver des services")
    page.fill("#near", "N3B")
    page.locator("#need-list details").first.locator("summary").click()
    page.check("#need-list input[value='housing.long_term']")
    page.select_option("#gender", "man")
    page.fill("#max_distance_km", "5")
    page.fill("#languages", "es")
    page.click("#find")

    need = page.locator("#results section.need")
    expect(need).to_have_class("need expanded")
    expect(need.locator("h3")).to_contain_text("Logement à long terme")
    expect(page.locator(".located")).to_have_text(re.compile(r"^Près d'Elmira, ON \(\w+\)$"))
    expect(need.locator(".radius")).to_contain_text("rayon élargi à")
    match_request = [r for r in traffic.requests if r.url.endswith("/v1/match")][-1]
    assert match_request.headers["accept-language"] == "fr"

    page.click("#clear")
    expect(page.locator("#results")).to_be_empty()
    expect(page.locator("#near")).to_have_value("")
    expect(page.locator("#max_distance_km")).to_have_value("50")
    expect(page.locator("#gender")).to_have_value("undisclosed")
    expect(page.locator("#need-list input:checked")).to_have_count(0)
    expect(page.locator("#status-line")).to_have_text("Effacé. Rien du profil n'est gardé.")


def _wait_for(page: Page, condition: Callable[[], bool]) -> None:
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("not in 5 s")


def test_an_answer_that_comes_after_clear_or_a_newer_search_is_dropped(
    page: Page, live: LiveServer
) -> None:
    """Clear said "nothing of the profile is kept", then the answer of the search it cleared
    showed under the empty form: one caller's results, for the next caller to see."""
    sign_in(page, live, live.operator_key)
    held: list[Route] = []
    page.route("**/v1/match", lambda route: held.append(route))
    page.fill("#near", "N3B 1A1")  # a postal code as people write it, with a hyphen or not
    page.check("#need-list input[value=housing]")
    page.click("#find")
    expect(page.locator("#find")).to_be_disabled()
    _wait_for(page, lambda: len(held) == 1)
    assert (held[0].request.post_data_json or {})["location"] == {"postal_prefix": "N3B 1A1"}
    page.click("#clear")
    expect(page.locator("#find")).to_be_enabled()
    held[0].continue_()
    page.wait_for_timeout(500)
    expect(page.locator("#results")).to_be_empty()
    expect(page.locator("#status-line")).to_contain_text("Cleared")

    page.fill("#near", "N3B-1A1")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    _wait_for(page, lambda: len(held) == 2)
    assert (held[1].request.post_data_json or {})["location"] == {"postal_prefix": "N3B-1A1"}
    held[1].continue_()
    expect(page.locator("#results section.need")).to_have_count(1)


def test_a_search_on_its_way_keeps_the_focus_dims_the_last_answer_and_says_when_slow(
    page: Page, live: LiveServer
) -> None:
    """On a slow server one caller's results had read as the next caller's answer, and the
    disabled button dropped the keyboard's focus to the top of the page (a review)."""
    page.clock.install()
    sign_in(page, live, live.operator_key)
    page.fill("#near", "N3B")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    expect(page.locator("#results section.need")).to_have_count(1)
    said = page.locator("#status-line").inner_text()

    held: list[Route] = []
    page.route("**/v1/match", lambda route: held.append(route))
    page.fill("#near", "N2L")
    page.focus("#find")
    page.keyboard.press("Enter")
    _wait_for(page, lambda: len(held) == 1)
    expect(page.locator("#find")).to_be_focused()
    expect(page.locator("#find")).to_be_disabled()  # (aria-disabled: it keeps the focus)
    expect(page.locator("#status-line")).to_have_text("Searching…")
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "true")
    dimmed = page.eval_on_selector("#results", "e => getComputedStyle(e).opacity")
    assert float(dimmed) < 1
    page.clock.fast_forward(11_000)
    expect(page.locator("#status-line")).to_contain_text("the server is slow to answer")
    page.keyboard.press("Enter")  # again, while it is on its way: not a second search
    page.wait_for_timeout(300)
    assert len(held) == 1

    held[0].continue_()
    expect(page.locator("#answer")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#status-line")).not_to_have_text("Searching…")
    assert page.locator("#status-line").inner_text() != ""
    assert said  # (the first answer was told too)
    expect(page.locator("#find")).to_be_focused()
    assert float(page.eval_on_selector("#results", "e => getComputedStyle(e).opacity")) == 1


def test_a_match_is_copied_in_one_click_as_the_role_sees_it(page: Page, live: LiveServer) -> None:
    """The operator had to select a match's text by hand while the caller waited (a
    review): one click copies its name, place and intake, what this role is shown."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    sign_in(page, live, live.operator_key)
    page.fill("#near", "N3B")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    first = page.locator("#results li.match").first
    name = first.locator(".name").inner_text()
    phone = first.locator(".intake .phone").inner_text()
    copy = first.locator("button.copy")
    assert name in (copy.get_attribute("aria-label") or "")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.splitlines()[0] == name
    assert phone in copied
    assert first.locator(".where").inner_text() in copied
    # A phone number is called from the same tab, not a new one.
    assert first.locator(".intake .phone a").get_attribute("target") is None


def test_a_gateways_error_is_said_in_the_operators_language(page: Page, live: LiveServer) -> None:
    """A proxy's 502 without a problem body showed "Bad Gateway", in English (a review)."""
    sign_in(page, live, live.operator_key)
    page.click("#language")  # Français
    page.route(
        "**/v1/match",
        lambda route: route.fulfill(
            status=502, body="<html>Bad Gateway</html>", content_type="text/html"
        ),
    )
    page.fill("#near", "N3B")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    problem = page.locator("#problem")
    expect(problem).to_contain_text("Le serveur n'a pas répondu (502)")
    expect(problem).to_contain_text("réessayez dans un instant")
    expect(problem).not_to_contain_text("Bad Gateway")


def test_a_decimal_comma_is_a_decimal_comma(page: Page, live: LiveServer) -> None:
    """A number field read "12,5" as 125 in a French browser, without a word (a review)."""
    sign_in(page, live, live.operator_key)
    sent: list[dict[str, Any]] = []

    def record(route: Route) -> None:
        sent.append(route.request.post_data_json or {})
        route.continue_()

    page.route("**/v1/match", record)
    page.fill("#near", "N3B")
    page.check("#need-list input[value=housing]")
    page.fill("#max_distance_km", "12,5")
    page.click("#find")
    expect(page.locator("#results section.need")).to_have_count(1)
    assert sent[-1]["max_distance_km"] == 12.5
    # Not a number, or maybe a thousands separator: sent as typed, refused beside its field.
    page.fill("#max_distance_km", "1,000")
    page.click("#find")
    _wait_for(page, lambda: len(sent) == 2)
    assert sent[-1]["max_distance_km"] == "1,000"
    page.fill("#max_distance_km", "12 km")
    page.click("#find")
    _wait_for(page, lambda: len(sent) == 3)
    assert sent[-1]["max_distance_km"] == "12 km"
    expect(page.locator("#max_distance_km")).to_have_attribute("aria-invalid", "true")


def test_escape_keeps_the_place_suggestions_closed_and_each_toggle_names_its_need(
    page: Page, live: LiveServer
) -> None:
    """Suggestions asked for just before Escape, or a search, opened over the needs after it
    (a review); three toggles alike read "only some kinds" with no need named."""
    sign_in(page, live, live.operator_key)
    page.locator("#near").press_sequentially("Sherbrooke")
    page.keyboard.press("Escape")
    page.wait_for_timeout(600)
    expect(page.locator("#near-options")).to_be_hidden()
    labels = page.eval_on_selector_all(
        "#need-list summary", "summaries => summaries.map(s => s.getAttribute('aria-label'))"
    )
    assert len(labels) == len(set(labels)) >= 3
    assert all(label.startswith("Only some kinds: ") for label in labels), labels


def test_nothing_within_500_km_shows_the_nearest_help_farther_away(
    page: Page, live: LiveServer
) -> None:
    sign_in(page, live, live.operator_key)
    page.fill("#near", "Iqaluit, NU")
    page.check("#need-list input[value=housing]")
    page.select_option("#gender", "man")
    page.click("#find")
    need = page.locator("#results section.need")
    expect(need.locator(".nothing")).to_contain_text("Nothing eligible found, even 500 km away.")
    expect(need.locator(".beyond")).to_contain_text("The nearest farther away:")
    assert 1 <= need.locator(".beyond li.match").count() <= 3
    expect(page.locator(".unmet")).to_contain_text("Housing")


def test_enter_on_a_list_searches_too(page: Page, live: LiveServer, traffic: Traffic) -> None:
    sign_in(page, live, live.operator_key)
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.focus("#gender")
    page.keyboard.press("Enter")
    expect(page.locator("#results section.need")).to_have_count(1)
    assert [r for r in traffic.requests if r.url.endswith("/v1/match")]


def test_on_a_phone_the_beds_and_the_number_to_call_come_under_each_match_full_width(
    page: Page, live: LiveServer
) -> None:
    """Beside the match, the beds and intake column left the name and reasons a third of a
    phone's width, a word or two a line."""
    page.set_viewport_size({"width": 390, "height": 844})
    # The scroll down to the results is then instant: the boxes are measured at one position.
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, live, live.operator_key)
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    first = page.locator("#results li.match").first
    expect(first).to_be_visible()
    name = first.locator(".name").bounding_box()
    side = first.locator(".side").bounding_box()
    assert name is not None
    assert side is not None
    assert side["y"] >= name["y"] + name["height"]  # under it, not beside it
    assert name["width"] > 0.7 * 390
    assert side["x"] == name["x"]  # aligned with the text, the rank number alone to the left
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll


def _counts(live: LiveServer) -> None:
    """Cells of ended months, as workers would have written them."""
    cells = [
        ("2025-03", "NU", "rural", "housing", False, 14, 14, 3, 0),
        ("2025-03", "NU", "rural", "housing", True, 22, 9, 0, 17),
        ("2025-03", "MB", "rural", "legal.immigration", False, 12, 6, 2, 0),
        ("2025-02", "ON", "urban", "housing", False, 4, 0, 0, 0),  # asked 4 times: not listed
    ]
    engine = sa.create_engine(live.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.delete(NeedCount))
            for month, province, area, need, urgent, asked, near, unmet, no_bed in cells:
                connection.execute(
                    sa.insert(NeedCount).values(
                        month=month,
                        province=province,
                        area_type=area,
                        need=need,
                        urgent=urgent,
                        asked=asked,
                        none_near=near,
                        unmet=unmet,
                        no_bed_tonight=no_bed,
                    )
                )
    finally:
        engine.dispose()


def test_an_analyst_reads_where_needs_went_unmet_and_downloads_it(
    page: Page, live: LiveServer
) -> None:
    """Funders read the report in a browser: an analyst key opens it alone, no match form."""
    _counts(live)
    sign_in(page, live, live.analyst_key)
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(3)
    through = last_reported_month(datetime.now(UTC))
    expect(page.locator("#report-status")).to_have_text(f"Through {through}: 3 of 3 cells.")
    expect(rows.nth(0)).to_contain_text("Immigration law")
    expect(rows.nth(0).locator("td").nth(5)).to_have_text("withheld")
    urgent = rows.filter(has_text="urgent")
    expect(urgent).to_have_count(1)
    expect(urgent.locator("td").nth(6)).to_have_text("17 (77%)")  # no bed tonight
    expect(page.locator("#report-table")).not_to_contain_text("ON")

    page.select_option("#report-province", "MB")
    page.click("#report-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(page.locator("#report-table thead")).not_to_contain_text("No bed tonight")

    page.select_option("#report-province", "")
    with page.expect_download() as download:
        page.click("#report-csv")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines == [
        "month,province,area_type,need,urgent,asked,none_near,unmet,no_bed_tonight",
        "2025-03,MB,rural,legal.immigration,false,12,6,,",
        "2025-03,NU,rural,housing,false,14,14,,",
        "2025-03,NU,rural,housing,true,22,9,0,17",
    ]

    page.fill("#month-from", "2025-04")
    page.click("#report-filters button[type=submit]")
    expect(page.locator("#report-status")).to_have_text(f"No cell to show through {through}.")
    page.click("#language")
    expect(page.locator("#report-status")).to_have_text(
        f"Aucune cellule à afficher jusqu'à {through}."
    )


def test_a_provider_sets_tonights_beds_and_confirms_a_listing_from_the_console(
    page: Page, live: LiveServer
) -> None:
    """A small shelter without a script: its key opens its own listings, not the match form."""
    mine = httpx.get(
        f"{live.url}/v1/services",
        params={"organization_id": live.provider_organization_id, "per_page": 100},
        headers={"Authorization": f"Bearer {live.provider_key}"},
    ).json()["items"]
    shelter = next(s for s in mine if s["capacity"]["beds_total"])
    total = shelter["capacity"]["beds_total"]
    sign_in(page, live, live.provider_key)
    expect(page.locator("#listings")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
    listings = page.locator("#listing-items li.listing")
    expect(listings).to_have_count(len(mine))
    order = listings.locator("h3").all_text_contents()
    item = page.locator(f"#listing-items li[data-id='{shelter['id']}']")
    expect(item.locator("label").first).to_have_text(f"Beds free (of {total})")

    for refused in (str(total + 1), "-1"):  # said in the form's words, not the server's
        item.locator("input[type=number]").fill(refused)
        item.locator("button[type=submit]").click()
        expect(item.locator(".problem")).to_have_text(
            f"Check the beds freea whole number from 0 to {total}"
        )
        expect(item.locator("input[type=number]")).to_have_attribute("aria-invalid", "true")
        expect(item.locator("input[type=number]")).to_be_focused()

    item.locator("input[type=number]").fill("1")
    item.locator("input[type=checkbox]").uncheck()
    item.locator("input[type=number]").press("Enter")
    expect(item.locator("[role=status]")).to_have_text("Saved.")
    expect(item.locator(".problem")).to_have_count(0)
    expect(item.locator(".fresh").first).to_have_text(re.compile(r"^beds updated \d+ min ago$"))
    # The listing is drawn anew, and the keyboard's focus stays where it was in it.
    expect(item.locator("input[type=number]")).to_be_focused()
    item.locator("button.verify").focus()
    page.keyboard.press("Enter")
    expect(item.locator("[role=status]")).to_have_text("Confirmed: accurate today.")
    expect(item.locator("button.verify")).to_be_focused()
    # The list keeps its order after a save and a reload (the API lists the last changed last).
    page.reload()
    expect(listings).to_have_count(len(mine))
    assert listings.locator("h3").all_text_contents() == order

    provider = {"Authorization": f"Bearer {live.provider_key}"}
    path = f"{live.url}/v1/services/{shelter['id']}"
    stored = httpx.get(path, headers=provider).json()
    assert (stored["capacity"]["beds_available"], stored["accepting_referrals"]) == (1, False)
    assert stored["last_verified_at"] > (shelter["last_verified_at"] or "")
    assert {s["organization_id"] for s in mine} == {live.provider_organization_id}
    # As it was, for the other tests that match against the same registry.
    before = {
        "beds_available": shelter["capacity"]["beds_available"],
        "accepting_referrals": shelter["accepting_referrals"],
    }
    restored = httpx.put(f"{path}/availability", json=before, headers=provider)
    assert restored.status_code == 200, restored.text


def test_a_providers_save_sends_only_what_was_changed_and_undoes_no_other_writer(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    """The form is read once: a script that stops referrals meanwhile is not overruled by a
    Save of the bed count, which sent the box as it was read."""
    provider = {"Authorization": f"Bearer {live.provider_key}"}
    mine = httpx.get(
        f"{live.url}/v1/services",
        params={"organization_id": live.provider_organization_id, "per_page": 100},
        headers=provider,
    ).json()["items"]
    shelter = next(s for s in mine if s["capacity"]["beds_total"])
    path = f"{live.url}/v1/services/{shelter['id']}"
    before = {
        "beds_available": shelter["capacity"]["beds_available"],
        "accepting_referrals": shelter["accepting_referrals"],
    }
    opened = httpx.put(f"{path}/availability", json={"accepting_referrals": True}, headers=provider)
    assert opened.status_code == 200, opened.text
    try:
        sign_in(page, live, live.provider_key)
        item = page.locator(f"#listing-items li[data-id='{shelter['id']}']")
        expect(item.locator("input[type=checkbox]")).to_be_checked()

        # A script stops referrals behind the form's back.
        closed = httpx.put(
            f"{path}/availability", json={"accepting_referrals": False}, headers=provider
        )
        assert closed.status_code == 200, closed.text
        item.locator("input[type=number]").fill("1")
        item.locator("button[type=submit]").click()
        expect(item.locator("[role=status]")).to_have_text("Saved.")

        stored = httpx.get(path, headers=provider).json()
        assert (stored["capacity"]["beds_available"], stored["accepting_referrals"]) == (1, False)
        [saved] = [r for r in traffic.requests if r.method == "PUT"]
        assert json.loads(saved.post_data or "") == {"beds_available": 1}
        # The form now shows the server's answer, and compares a later Save against it.
        expect(item.locator("input[type=checkbox]")).not_to_be_checked()
        item.locator("button[type=submit]").click()
        expect(item.locator("[role=status]")).to_have_text(
            "Nothing changed, so nothing was sent. To confirm tonight's count as it stands, "
            "type it again and save."
        )
        assert [r.method for r in traffic.requests].count("PUT") == 1
        page.click("#language")
        item.locator("button[type=submit]").click()
        expect(item.locator("[role=status]")).to_contain_text("Rien n'a changé")
        assert [r.method for r in traffic.requests].count("PUT") == 1
    finally:
        # As it was, for the other tests that match against the same registry.
        restored = httpx.put(f"{path}/availability", json=before, headers=provider)
        assert restored.status_code == 200, restored.text


def _many_cells(live: LiveServer, count: int) -> None:
    engine = sa.create_engine(live.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.delete(NeedCount))
            connection.execute(
                sa.insert(NeedCount),
                [
                    {
                        "month": f"20{10 + n // 12:02d}-{n % 12 + 1:02d}",
                        "province": "ON",
                        "area_type": "urban",
                        "need": "housing",
                        "urgent": False,
                        "asked": 9,
                        "none_near": 0,
                        "unmet": 0,
                        "no_bed_tonight": 0,
                    }
                    for n in range(count)
                ],
            )
    finally:
        engine.dispose()


def test_the_report_pages_once_per_click_and_a_failure_leaves_no_stale_table(
    page: Page, live: LiveServer
) -> None:
    _many_cells(live, 60)
    sign_in(page, live, live.analyst_key)
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(50)
    page.locator("#report-more").dblclick()  # an impatient second click asks nothing more
    expect(rows).to_have_count(60)
    expect(page.locator("#report-more")).to_be_hidden()
    months = rows.locator("td:first-child").all_inner_texts()
    assert len(set(months)) == 60

    page.route(
        "**/v1/reports/unmet-needs*",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"type": "about:blank", "title": "Service unavailable", "status": 503}',
        ),
    )
    page.select_option("#report-province", "MB")
    page.click("#report-show")
    expect(page.locator("#report-problem")).to_contain_text("Service unavailable")
    expect(rows).to_have_count(0)  # not the cells of the filters before
    expect(page.locator("#report-more")).to_be_hidden()
    expect(page.locator("#report-status")).to_have_text("")

    page.click("#forget-key")
    page.unroute("**/v1/reports/unmet-needs*")
    sign_in(page, live, live.admin_key)
    expect(page.locator("#report")).to_be_visible()
    expect(page.locator("#report-problem")).to_be_hidden()
    expect(page.locator("#report-more")).to_be_hidden()
    expect(page.locator("#report-province")).to_have_value("")


def test_a_provider_cannot_save_a_blank_bed_count_as_current(page: Page, live: LiveServer) -> None:
    """Saving without a count would have marked the old one as updated now."""
    sign_in(page, live, live.provider_key)
    item = (
        page.locator("#listing-items li.listing")
        .filter(has=page.locator("input[type=number]"))
        .first
    )
    service_id = item.get_attribute("data-id")
    before = httpx.get(
        f"{live.url}/v1/services/{service_id}",
        headers={"Authorization": f"Bearer {live.provider_key}"},
    ).json()["availability_updated_at"]
    item.locator("input[type=number]").fill("")
    item.locator("button[type=submit]").click()
    expect(item.locator(".problem")).to_contain_text("Check the beds free")
    expect(item.locator("input[type=number]")).to_have_attribute("aria-invalid", "true")
    after = httpx.get(
        f"{live.url}/v1/services/{service_id}",
        headers={"Authorization": f"Bearer {live.provider_key}"},
    ).json()["availability_updated_at"]
    assert after == before
    # What was typed survives a change of language.
    item.locator("input[type=number]").fill("3")
    page.click("#language")
    expect(
        page.locator(f"#listing-items li[data-id='{service_id}'] input[type=number]")
    ).to_have_value("3")


def test_a_provider_whose_listings_did_not_load_is_offered_to_try_again(
    page: Page, live: LiveServer
) -> None:
    failing = [True]

    def services(route: Route) -> None:
        if failing[0]:
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                body='{"type": "about:blank", "title": "Service unavailable", "status": 503}',
            )
        else:
            route.fallback()

    page.route("**/v1/services?*", services)
    sign_in(page, live, live.provider_key)
    problem = page.locator("#listings-problem")
    expect(problem).to_contain_text("Service unavailable")
    page.click("#language")  # no "no listing yet" for a list never read
    expect(page.locator("#listing-items")).to_be_empty()
    failing[0] = False
    problem.locator("button").click()
    expect(page.locator("#listing-items li.listing").first).to_be_visible()
    expect(problem).to_be_hidden()


def test_a_suspended_organizations_key_is_told_why_and_forgotten(
    page: Page, live: LiveServer
) -> None:
    admin = {"Authorization": f"Bearer {live.admin_key}"}
    organization = httpx.post(
        f"{live.url}/v1/organizations", json={"name": "Closed Haven"}, headers=admin
    ).json()["id"]
    httpx.post(f"{live.url}/v1/organizations/{organization}/approve", headers=admin)
    key = httpx.post(
        f"{live.url}/v1/keys",
        json={"role": "provider", "name": "beds", "organization_id": organization},
        headers=admin,
    ).json()["key"]
    httpx.post(f"{live.url}/v1/organizations/{organization}/suspend", headers=admin)
    sign_in(page, live, key)
    expect(page.locator("#key-problem")).to_contain_text("suspended")
    expect(page.locator("#key-panel")).to_be_visible()
    assert storage(page)["session"].get("referral-console.key") is None  # not tried again


@pytest.mark.parametrize(("role", "reads"), [("operator", False), ("admin", True)])
def test_the_report_is_for_analysts_and_administrators_only(
    page: Page, live: LiveServer, role: str, reads: bool
) -> None:
    sign_in(page, live, getattr(live, f"{role}_key"))
    expect(page.locator("#workspace")).to_be_visible()
    report = expect(page.locator("#report"))
    if reads:
        report.to_be_visible()
    else:
        report.to_be_hidden()


def test_each_match_says_how_it_reaches_the_person_in_either_language(
    page: Page, live: LiveServer
) -> None:
    """Legal help near Brooks, AB: the provincial phone line reads "by phone or online", not
    its office's 350 km; a service the person travels to reads its distance, in French with
    a decimal comma."""
    sign_in(page, live, live.operator_key)
    page.fill("#near", "Brooks, AB")
    page.check("#need-list input[value=legal]")
    page.click("#find")

    places = page.locator("#results li.match .where")
    expect(places.filter(has_text="by phone or online").first).to_be_visible()
    # (followed, as the screen says it, by the radius widened to reach them)
    expect(page.locator("#status-line")).to_have_text(re.compile(r"^\d+ services? for 1 need\."))
    phone = places.filter(has_text="by phone or online").first.inner_text()
    assert not re.search(r"\d km", phone)

    page.click("#language")
    page.click("#find")
    expect(places.filter(has_text="par téléphone ou en ligne").first).to_be_visible()
    expect(page.locator(".located")).to_have_text("Près de Brooks, AB (rural)")
    expect(page.locator("#status-line")).to_have_text(re.compile(r"^\d+ services? pour 1 besoin\."))
    texts = places.all_inner_texts()
    assert any(re.search(r"\d+,\d km", text) for text in texts), texts
    assert not any(re.search(r"\d+\.\d km", text) for text in texts), texts


def test_a_refused_key_asks_again_and_forget_key_signs_out(page: Page, live: LiveServer) -> None:
    sign_in(page, live, "rk_not-a-key")
    expect(page.locator("#key-problem")).to_contain_text("This key was not accepted")
    expect(page.locator("#workspace")).to_be_hidden()
    assert storage(page)["session"].get("referral-console.key") is None

    page.fill("#key", live.operator_key)
    page.press("#key", "Enter")
    expect(page.locator("#workspace")).to_be_visible()
    page.reload()
    expect(page.locator("#workspace")).to_be_visible()  # the key lasts as long as the tab
    page.click("#forget-key")
    expect(page.locator("#key-panel")).to_be_visible()
    assert storage(page)["session"].get("referral-console.key") is None


def test_a_key_pasted_with_a_changed_dash_is_told_so_and_one_pasted_with_bearer_works(
    page: Page, live: LiveServer
) -> None:
    """A word processor's non-breaking hyphen cannot be sent in a header: the browser
    refuses it, which had read as "The server does not answer"."""
    changed = live.operator_key.replace("-", "\u2011", 1).replace("_", "\u2011", 1)
    assert changed != live.operator_key
    sign_in(page, live, changed)
    expect(page.locator("#key-problem")).to_contain_text("a character no key has")
    expect(page.locator("#key-problem")).not_to_contain_text("does not answer")
    expect(page.locator("#workspace")).to_be_hidden()
    assert storage(page)["session"].get("referral-console.key") is None

    page.fill("#key", f' Bearer "{live.operator_key}" ')
    page.press("#key", "Enter")
    expect(page.locator("#workspace")).to_be_visible()
    assert storage(page)["session"]["referral-console.key"] == live.operator_key


# The API documentation at /docs.


def test_the_docs_load_nothing_from_outside(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/docs")
    assert response.status_code == 200
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
    assert "http://" not in response.text
    assert "https://" not in response.text
    assert "<script>" not in response.text
    assert httpx.get(f"{live.url}/docs/swagger-ui-bundle.js").status_code == 200
    assert httpx.get(f"{live.url}/docs/index.html").status_code == 404
    assert httpx.get(f"{live.url}/docs/..%2Fmain.py").status_code == 404
    assert httpx.get(f"{live.url}/redoc").status_code == 404


def test_the_docs_show_every_operation_and_try_one_with_a_key(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("referral-service")
    expect(page.get_by_text("Match a need profile")).to_be_visible()
    expect(page.get_by_text("Where needs go unmet")).to_be_visible()

    page.get_by_role("button", name="Authorize").click()
    page.fill("#auth-bearer-value", live.operator_key)
    page.get_by_role("button", name="Apply credentials").click()
    page.locator(".auth-container .btn-done").click()
    operation = page.locator("#operations-keys-keys-whoami")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live_response = operation.locator(".live-responses-table")
    expect(live_response.locator("tbody td.response-col_status")).to_contain_text("200")
    expect(live_response).to_contain_text('"role": "operator"')
    assert violations == []
    assert any(request.url.endswith("/v1/me") for request in traffic.requests)


def test_of_two_places_with_one_name_the_one_picked_is_matched(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    """Two suggestions read "Westmount, NS" (Halifax's and Cape Breton's): the console sent
    the label, which the service refuses as ambiguous, so neither could be matched."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.fill("#near", "Westmount, NS")
    options = page.locator("#near-options [role=option]")
    expect(options).to_have_count(2)
    page.press("#near", "ArrowDown")
    page.press("#near", "ArrowDown")
    page.press("#near", "Enter")
    expect(page.locator("#near")).to_have_value("Westmount, NS")
    page.check("#need-list input[value=housing]")
    page.press("#near", "Enter")
    expect(page.locator("#results section.need")).to_have_count(1)
    sent = [r for r in traffic.requests if r.url.endswith("/v1/match")][-1]
    location = json.loads(sent.post_data or "{}")["location"]
    assert location == {"latitude": 46.1355, "longitude": -60.2192}  # the second: Cape Breton's
    expect(page.locator(".located")).to_contain_text("Sydney")


def _first_match_as(page: Page, change: Callable[[dict[str, Any]], None]) -> None:
    """The real answer to the next match, its first match changed by `change`."""

    def fulfil(route: Route) -> None:
        response = route.fetch()
        answer = response.json()
        change(answer["results"][0]["matches"][0])
        route.fulfill(response=response, json=answer)

    page.route("**/v1/match", fulfil)


def test_a_card_says_its_beds_and_ages_as_the_servers_reasons_do(
    page: Page, live: LiveServer
) -> None:
    """A count 71 hours old read "3 days ago" beside the server's "updated 2 days ago", and in
    French "1 lits libres sur 7" and "référence requise" beside "recommandation requise"."""
    now = datetime.now(UTC)

    def one_bed_71_hours_ago(match: dict[str, Any]) -> None:
        match["availability"] = {
            "beds_available": 1,
            "beds_total": 7,
            "accepting_referrals": True,
            "updated_at": (now - timedelta(hours=71)).isoformat(),
        }
        match["last_verified_at"] = (now - timedelta(days=8, hours=23)).isoformat()
        match["intake"] = {"phone": "+1-519-555-0100", "referral_required": True}

    sign_in(page, live, live.operator_key)
    _first_match_as(page, one_bed_71_hours_ago)
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    first = page.locator("#results li.match").first
    servers = render(Note("beds_free", (("beds", 1), ("hours", 71))))
    assert servers == "1 bed free, updated 2 days ago"
    expect(first.locator(".beds")).to_have_text("1 of 7 beds free")
    expect(first.locator(".fresh").nth(0)).to_have_text("beds updated 2 days ago")
    expect(first.locator(".fresh").nth(1)).to_have_text("verified 8 days ago")
    expect(first.locator(".intake .note")).to_have_text("referral required")

    page.click("#language")
    expect(first.locator(".beds")).to_have_text("1 lit libre sur 7")
    expect(first.locator(".fresh").nth(0)).to_have_text("lits mis à jour il y a 2 jours")
    expect(first.locator(".intake .note")).to_have_text(
        render(Note("referral_required"), "fr")  # "recommandation requise", as the server says
    )


def test_in_french_a_429_is_said_in_french_with_the_wait(page: Page, live: LiveServer) -> None:
    """ "Trop de requêtes: This key made more requests this minute…": the server leaves the
    detail of a 429 in English."""
    english = (
        "This key made more requests this minute than the service takes from one key; "
        "try again in 37 s."
    )

    def too_many(route: Route) -> None:
        french = route.request.headers.get("accept-language") == "fr"
        route.fulfill(
            status=429,
            headers={"Retry-After": "37"},
            content_type="application/problem+json",
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "Trop de requêtes" if french else "Too many requests",
                    "status": 429,
                    "detail": english,
                }
            ),
        )

    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.route("**/v1/match", too_many)
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    problem = page.locator("#problem")
    expect(problem).to_contain_text(english)

    page.click("#language")
    page.click("#find")
    expect(problem).to_contain_text("Trop de requêtes")
    expect(problem).to_contain_text(
        "Cette clé a fait plus de requêtes cette minute que le serveur n'en accepte d'une clé ; "
        "réessayez dans 37 s."
    )
    expect(problem).not_to_contain_text("This key")


@pytest.mark.parametrize(
    ("near", "french", "said"),
    [
        (
            CANARY,
            False,
            "Near: no such place known; check the spelling, or type a postal prefix (R3C) or "
            "coordinates (49.9, -97.1)",
        ),
        (
            CANARY,
            True,
            "Près de : aucun lieu de ce nom ; vérifiez l'orthographe, ou saisissez un début de "
            "code postal (R3C) ou des coordonnées (49.9, -97.1)",
        ),
        (
            "X0A",
            True,
            "Près de : ce début de code postal couvre une région trop vaste pour situer la "
            "personne (ses codes postaux sont à plus de 50 km de son centre) ; saisissez plutôt "
            "la ville",
        ),
        (
            "47.6 -122.3",
            False,
            "Near: outside Canada: this registry serves people in Canada; type the Canadian "
            "town or postal prefix where the person is",
        ),
        (
            "Westmount, NS",
            False,
            "Near: several places of that province bear this name; pick one among the "
            "suggestions as you type, or type a postal prefix (R3C) or coordinates (49.9, -97.1)",
        ),
        (
            "45,5 73,6",  # the minus sign forgotten: "must be at most -52.5" told nothing
            True,
            "Près de : ces coordonnées ne sont pas au Canada : la latitude d'abord (41,6 à "
            "83,2), puis la longitude, négative au Canada (-141 à -52,5), comme 45,5 -73,6",
        ),
        (
            "-73.6 45.5",  # swapped
            False,
            "Near: these coordinates are not in Canada: the latitude first (41.6 to 83.2), then "
            "the longitude, negative in Canada (-141 to -52.5), as in 45.5, -73.6",
        ),
    ],
    ids=[
        "unknown place",
        "unknown place, French",
        "wide prefix, French",
        "Seattle",
        "Westmount",
        "minus forgotten, French",
        "swapped",
    ],
)
def test_a_location_problem_says_what_to_type_in_near(
    page: Page, live: LiveServer, near: str, french: bool, said: str
) -> None:
    """ "send location.postal_prefix, or latitude and longitude": the operator has a Near
    field, not the API's."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    if french:
        page.click("#language")
    page.fill("#near", near)
    page.check("#need-list input[value=housing]")
    page.click("#find")
    problem = page.locator("#problem li")
    expect(problem).to_have_text(said)
    expect(page.locator("#problem")).not_to_contain_text("location.")
    expect(page.locator("#near")).to_have_attribute("aria-invalid", "true")


def test_a_name_several_places_bear_offers_those_places_to_pick_one(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    # (the need first, and Enter in the field: "Rockland"'s suggestions, when they come
    # before the click, lie over the list of needs)
    page.check("#need-list input[value=housing]")
    page.fill("#near", "Rockland")
    page.press("#near", "Enter")
    problem = page.locator("#problem li")
    expect(problem).to_contain_text("Near: several places bear this name:")
    expect(problem).to_contain_text("— pick one, or add the province")
    choices = problem.locator("button.place-choice")
    expect(choices).to_have_text(["Rockland, BC", "Rockland, NB", "Rockland, ON"])
    looked_up = [r.url for r in traffic.requests if "/v1/places?q=Rockland&limit=50" in r.url]
    assert looked_up

    choices.filter(has_text="Rockland, ON").click()  # searched for at once
    expect(page.locator(".located")).to_contain_text("Rockland, ON")
    expect(page.locator("#near")).to_have_value("Rockland, ON")
    expect(page.locator("#near")).to_be_focused()
    expect(page.locator("#problem li")).to_have_count(0)


def test_when_the_places_cannot_be_read_the_message_is_plain(page: Page, live: LiveServer) -> None:
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.route(
        "**/v1/places?*",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"type": "about:blank", "title": "Service unavailable", "status": 503}',
        ),
    )
    page.click("#language")
    page.fill("#near", "Rockland")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    expect(page.locator("#problem li")).to_have_text(
        "Près de : plusieurs lieux portent ce nom ; ajoutez la province, comme dans Elmira, ON"
    )
    expect(page.locator("#problem button")).to_have_count(0)
