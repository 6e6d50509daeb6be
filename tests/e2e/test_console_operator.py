"""The operator's match screen in headless Chromium against a live server (the fixtures are in
`conftest.py`): what a review of the console found it got wrong, on a laptop and a phone, in
either language.
"""

import json
import re
from typing import Any, Literal

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.conftest import LiveServer, Traffic, sign_in

CANARY = "Canaryville-7f3a"
LAPTOP: ViewportSize = {"width": 1280, "height": 720}
PHONE: ViewportSize = {"width": 390, "height": 844}

# Each option of a list against the room its field leaves for the text: the field less its
# padding and the arrow (Chromium's is about 20 px).
OPTIONS_SHOWN = """(id) => {
  const select = document.getElementById(id);
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room =
    select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
  return [...select.options].map((option) => ({
    value: option.value,
    text: option.text,
    width: context.measureText(option.text).width,
    room,
  }));
}"""


def _matches(traffic: Traffic) -> list[dict[str, Any]]:
    """The bodies of the match requests sent so far."""
    return [
        json.loads(request.post_data or "{}")
        for request in traffic.requests
        if request.url.endswith("/v1/match")
    ]


def _match_languages(traffic: Traffic) -> list[str]:
    return [
        request.headers["accept-language"]
        for request in traffic.requests
        if request.url.endswith("/v1/match")
    ]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280x720", "390x844"])
def test_each_form_of_trafficking_shows_whole_in_either_language(
    page: Page, live: LiveServer, traffic: Traffic, viewport: ViewportSize
) -> None:
    """In French all three read "Traite à des fins d…" in the field: labour could not be told
    from sex trafficking."""
    page.set_viewport_size(viewport)
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    for language in ("en", "fr"):
        if language == "fr":
            page.click("#language")
            expect(page.locator("html")).to_have_attribute("lang", "fr")
        options = page.evaluate(OPTIONS_SHOWN, "trafficking")
        assert {option["value"] for option in options} == {"labour", "sex", "both", "undisclosed"}
        cut = [option for option in options if option["width"] > option["room"]]
        assert cut == [], (language, cut)
        assert len({option["text"] for option in options}) == len(options)
    shown = page.evaluate(OPTIONS_SHOWN, "trafficking")
    texts = {option["value"]: option["text"] for option in shown}
    assert texts["labour"] == "Travail forcé"
    assert texts["sex"] == "Exploitation sexuelle"

    page.select_option("#trafficking", "sex")
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.click("#find")
    expect(page.locator("#results section.need")).to_have_count(1)
    # The code is sent, as before.
    assert [body["trafficking_type"] for body in _matches(traffic)] == ["sex"]


def _answer_housing_near_elmira(page: Page, live: LiveServer) -> None:
    """Sign in, search housing near Elmira with Enter, and see the answer's heading whole."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.press("#age", "Enter")
    expect(page.locator("#results section.need")).to_have_count(1)
    expect(page.locator("#answer-heading")).to_be_in_viewport(ratio=1)


def test_on_a_phone_the_answer_and_a_problem_below_the_form_are_brought_into_view(
    page: Page, live: LiveServer
) -> None:
    """The results begin under the form, a screen and more down: Enter showed nothing move."""
    page.set_viewport_size(PHONE)
    _answer_housing_near_elmira(page, live)
    expect(page.locator("#results .located")).to_be_in_viewport()

    page.evaluate("() => window.scrollTo(0, 0)")
    page.fill("#near", CANARY)
    page.press("#age", "Enter")
    expect(page.locator("#problem")).to_contain_text("no such place known")
    expect(page.locator("#problem")).to_be_in_viewport(ratio=1)

    page.evaluate("() => window.scrollTo(0, 0)")
    page.fill("#near", "")
    page.press("#age", "Enter")
    expect(page.locator("#problem")).to_contain_text("Near: say where the person is")
    expect(page.locator("#problem")).to_be_in_viewport(ratio=1)


# Every scrollIntoView the page asks for, and how, read back by the test.
SCROLLS_RECORDED = """
window.scrollsAsked = [];
const scrollIntoView = Element.prototype.scrollIntoView;
Element.prototype.scrollIntoView = function (options) {
  window.scrollsAsked.push({ id: this.id, behavior: options && options.behavior });
  return scrollIntoView.call(this, options);
};
"""


@pytest.mark.parametrize(("motion", "behavior"), [("reduce", "auto"), ("no-preference", "smooth")])
def test_the_scroll_to_the_answer_is_instant_for_those_who_ask_for_less_motion(
    page: Page, live: LiveServer, motion: Literal["reduce", "no-preference"], behavior: str
) -> None:
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion=motion)
    page.add_init_script(SCROLLS_RECORDED)
    _answer_housing_near_elmira(page, live)
    asked = page.evaluate("() => window.scrollsAsked")
    assert asked == [{"id": "answer", "behavior": behavior}]


def test_the_status_line_says_where_the_radius_widened_and_which_needs_went_unmet(
    page: Page, live: LiveServer
) -> None:
    """Near Iqaluit a man finds no housing within 500 km and legal help only 500 km away: the
    screen said so, the status line that screen readers say only "2 services for 2 needs"."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.fill("#near", "Iqaluit, NU")
    page.check("#need-list input[value=housing]")
    page.check("#need-list input[value=legal]")
    page.select_option("#gender", "man")
    page.click("#find")
    expect(page.locator("#results .unmet")).to_contain_text("Housing")
    expect(page.locator("#status-line")).to_have_text(
        re.compile(
            r"^\d+ services? for 2 needs\. Too few nearby, radius widened: Legal help to 500 km\. "
            r"Unmet needs, nothing eligible found: Housing\.$"
        )
    )

    page.click("#language")
    page.click("#find")  # asked again, in French
    expect(page.locator("#language-notice")).to_be_hidden()
    expect(page.locator("#status-line")).to_have_text(
        re.compile(
            r"^\d+ services? pour 2 besoins\. Pas assez à proximité, rayon élargi : Aide "
            r"juridique à 500 km\. Besoins non comblés, aucun service admissible : Hébergement\.$"
        )
    )


def test_switching_language_sends_nothing_again_and_says_what_is_in_the_other_one(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    """Switching language redrew the headings and left the server's reasons and caveats, and a
    problem, in the other language, and the status line asked to fill in the profile under an
    answer. A match sent again without asking would count the caller twice in the report."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.fill("#near", "Elmira, ON")
    page.check("#need-list input[value=housing]")
    page.fill("#languages", "es")
    page.click("#find")
    reasons = page.locator("#results li.match .reasons ul").first
    expect(reasons).to_contain_text("speaks Spanish")
    expect(reasons).to_have_attribute("lang", "en")
    english_reasons = reasons.inner_text()
    notice = page.locator("#language-notice")
    expect(notice).to_be_hidden()

    page.click("#language")
    expect(page.locator("#answer-heading")).to_have_text("Résultats")
    expect(notice).to_be_visible()
    expect(notice.locator("p")).to_have_text(
        "Les raisons et mises en garde sont en anglais, la langue de la recherche."
    )
    expect(notice.locator("button")).to_have_text("Relancer la recherche en français")
    expect(reasons).to_have_attribute("lang", "en")  # as it is said, for a screen reader
    expect(reasons).to_have_text(english_reasons)
    expect(page.locator("#status-line")).to_have_text(
        re.compile(r"^\d+ services? pour 1 besoin\.$")
    )
    page.wait_for_timeout(300)
    assert _match_languages(traffic) == ["en"]  # nothing sent again

    page.click("#language")  # back to the answer's language: nothing to say
    expect(notice).to_be_hidden()
    expect(page.locator("#status-line")).to_have_text(re.compile(r"^\d+ services? for 1 need\.$"))
    page.click("#language")
    notice.locator("button").click()  # the operator asks again, in French
    expect(notice).to_be_hidden()
    expect(reasons).to_have_attribute("lang", "fr")
    expect(reasons).not_to_have_text(english_reasons)
    assert _match_languages(traffic) == ["en", "fr"]

    # A problem said by the server stays as it was said, with the notice.
    page.fill("#near", CANARY)
    page.click("#find")
    problem = page.locator("#problem")
    expect(problem).to_contain_text("Près de : aucun lieu de ce nom")
    page.click("#language")
    expect(page.locator("#answer-heading")).to_have_text("Results")
    expect(notice.locator("p")).to_have_text(
        "This message is in French, the language of the search."
    )
    expect(notice.locator("button")).to_have_text("Search again in English")
    expect(problem).to_contain_text("Près de : aucun lieu de ce nom")
    expect(problem).to_have_attribute("lang", "fr")
    expect(page.locator("#status-line")).to_have_text("")  # not "Fill in the profile"
    expect(page.locator("#results")).to_be_empty()
    notice.locator("button").click()
    expect(problem).to_contain_text("Near: no such place known")
    expect(notice).to_be_hidden()
    assert _match_languages(traffic) == ["en", "fr", "fr", "en"]

    # What the form lacks is the console's own words: said again in the new language.
    page.fill("#near", "")
    page.click("#find")
    expect(problem).to_contain_text("Near: say where the person is")
    page.click("#language")
    expect(problem).to_contain_text("Près de : indiquez où se trouve la personne")
    expect(notice).to_be_hidden()

    page.click("#clear")
    page.click("#language")
    expect(page.locator("#status-line")).to_have_text("Cleared. Nothing of the profile is kept.")
    # A search the form refuses then is not said to be "Cleared" beside its problem.
    page.click("#find")
    expect(problem).to_contain_text("Near: say where the person is")
    expect(page.locator("#status-line")).to_have_text("")
    assert len(_matches(traffic)) == 4
    assert CANARY not in page.url
    assert CANARY not in page.title()


@pytest.mark.parametrize(
    ("near", "location"),
    [
        ("48,45 -68,52", {"latitude": 48.45, "longitude": -68.52}),
        ("48,45, -68,52", {"latitude": 48.45, "longitude": -68.52}),
        ("48,45; -68,52", {"latitude": 48.45, "longitude": -68.52}),
        ("48.45, -68.52", {"latitude": 48.45, "longitude": -68.52}),
        ("Moncton, NB", {"place": "Moncton, NB"}),
    ],
)
def test_coordinates_with_a_decimal_comma_are_sent_as_latitude_and_longitude(
    page: Page, live: LiveServer, traffic: Traffic, near: str, location: dict[str, Any]
) -> None:
    """ "48,45 -68,52", as French writes it, went as a place name: "no such place known"."""
    sign_in(page, live, live.operator_key)
    expect(page.locator("#workspace")).to_be_visible()
    page.check("#need-list input[value=housing]")
    page.fill("#near", near)
    page.press("#near", "Enter")
    expect(page.locator("#results .located")).to_contain_text(
        "Moncton, NB" if "place" in location else "Rimouski, QC"
    )
    expect(page.locator("#problem")).to_be_hidden()
    assert [body["location"] for body in _matches(traffic)] == [location]
    if "place" not in location:  # not looked up as a place name either
        assert not [r for r in traffic.requests if "/v1/places" in r.url]
