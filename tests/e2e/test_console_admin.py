"""The console for an administrator: vetting organizations and issuing and revoking keys, in
headless Chromium against a live server (the fixtures are in `conftest.py`).

An organization's own words are the untrusted part here: a name carrying markup must be shown
as text to the one key that can approve it.
"""

import uuid

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Dialog, Page, Route, expect

from service.models import Organization, name_key
from tests.e2e.conftest import LiveServer, Traffic, sign_in, storage
from tests.factories import confidential_location, listing

MARKUP = '<img src="x" id="injected"> Harbour House'


def _admin(live: LiveServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.admin_key}"}


def _organization(live: LiveServer, name: str) -> str:
    response = httpx.post(
        f"{live.url}/v1/organizations",
        json={"name": name, "description": "Shelter.\nSecond line.", "phone": "+1 519 555 0190"},
        headers=_admin(live),
    )
    assert response.status_code == 201, response.text
    organization_id: str = response.json()["id"]
    return organization_id


def _history(live: LiveServer, organization_id: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"{live.url}/v1/organizations/{organization_id}/history", headers=_admin(live)
    )
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _status(live: LiveServer, organization_id: str) -> str:
    response = httpx.get(f"{live.url}/v1/organizations/{organization_id}", headers=_admin(live))
    status: str = response.json()["status"]
    return status


def _me(live: LiveServer, key: str) -> httpx.Response:
    return httpx.get(f"{live.url}/v1/me", headers={"Authorization": f"Bearer {key}"})


def _find(page: Page, token: str, status: str = "") -> None:
    """List the organizations of `status` ("" for any) whose name holds `token`: other
    tests on the same server add organizations of their own."""
    page.select_option("#organization-status", status)
    page.fill("#organization-name", token.upper())
    page.click("#organization-filters button[type=submit]")


def _open(page: Page, live: LiveServer, name: str) -> None:
    sign_in(page, live, live.admin_key)
    expect(page.locator("#organization-status")).to_have_value("pending")
    _find(page, name.split()[-1])
    expect(page.locator("#organizations-status")).to_have_text("1 of 1.")
    page.locator("#organization-items button", has_text=name).click()
    expect(page.locator("#organization-detail h3")).to_have_text(name)


def _gate(page: Page, method: str, part: str) -> None:
    """From now on the page's `method` requests whose address holds `part` wait until
    `_release` lets them go: a slow answer, at the moment a test chooses (set in the page's
    own script world, which the page's CSP does not govern)."""
    page.evaluate(
        """([method, part]) => {
            window.heldRequests = window.heldRequests || [];
            const send = window.fetch;
            window.fetch = (url, init) =>
                (init?.method || "GET") === method && String(url).includes(part)
                    ? new Promise((resolve, reject) =>
                          window.heldRequests.push({
                              url: String(url),
                              go: () => send(url, init).then(resolve, reject),
                          }))
                    : send(url, init);
        }""",
        [method, part],
    )


def _release(page: Page, part: str) -> int:
    """Let every held request whose address holds `part` go, oldest first: how many."""
    released: int = page.evaluate(
        """(part) => {
            const going = window.heldRequests.filter((held) => held.url.includes(part));
            window.heldRequests = window.heldRequests.filter((held) => !going.includes(held));
            going.forEach((held) => held.go());
            return going.length;
        }""",
        part,
    )
    return released


def test_an_administrator_vets_an_organization_and_hands_over_its_first_key(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"{MARKUP} {token}"
    organization_id = _organization(live, name)
    sign_in(page, live, live.admin_key)

    # Pending organizations are listed first, as what waits for vetting.
    expect(page.locator("#organization-status")).to_have_value("pending")
    expect(page.locator("#organization-items li").first).to_be_visible()
    _find(page, token, "pending")
    entry = page.locator(f"#organization-items li[data-id='{organization_id}']")
    expect(entry).to_contain_text(name)
    expect(entry.locator(".badge")).to_have_text("pending approval")
    entry.locator("button").click()
    detail = page.locator("#organization-detail")
    expect(detail.locator("h3")).to_have_text(name)  # the markup as text, never parsed
    expect(detail.locator(".facts")).to_contain_text("Shelter.\nSecond line.")
    expect(page.locator("#injected")).to_have_count(0)

    # A decision without a note is refused in the page: nothing is sent.
    detail.locator("button[value=approve]").click()
    expect(detail.locator("form.decision .problem")).to_have_text("Say what the decision rests on")
    expect(page.locator("#decision-note")).to_have_attribute("aria-invalid", "true")
    assert [entry["action"] for entry in _history(live, organization_id)] == ["create"]

    page.fill("#decision-note", "Charity registration checked; premises visited.")
    detail.locator("button[value=approve]").click()
    expect(detail.locator("[role=status]")).to_have_text(
        "Approved: its services match from now on."
    )
    expect(detail.locator("[role=status]")).to_be_focused()  # what was done, said where it is
    expect(page.locator("#decision-note")).to_have_value("")
    expect(detail.locator(".facts")).to_contain_text("approved")
    expect(detail.locator("button[value=approve]")).to_have_text("Confirm approval")
    expect(entry).to_have_count(0)  # the pending list, read again, no longer holds it
    expect(detail.locator(".history")).to_contain_text(
        "Charity registration checked; premises visited."
    )
    approval = _history(live, organization_id)[-1]
    assert (approval["action"], approval["note"], approval["actor_name"]) == (
        "approve",
        "Charity registration checked; premises visited.",
        _me(live, live.admin_key).json()["key"]["name"],
    )

    # The provider key's secret is shown once, above everything, and works.
    page.fill("#provider-key-name", "nightly beds script")
    detail.locator("form.issue button").click()
    expect(page.locator("#secret")).to_be_visible()
    expect(page.locator("#secret-for")).to_have_text(
        f"For nightly beds script (provider of {name})."
    )
    expect(page.locator("#secret-value")).to_be_focused()  # copy it: nothing else to do
    secret = page.input_value("#secret-value")
    me = _me(live, secret)
    assert me.status_code == 200
    assert me.json()["key"]["role"] == "provider"
    assert me.json()["organization"]["id"] == organization_id
    expect(detail.locator("table.keys tbody tr")).to_have_count(1)
    expect(detail.locator("table.keys tbody tr")).to_contain_text(secret[:10])
    assert page.content().count(secret) == 0  # in the field's value only, never in markup
    assert all(secret not in value for value in storage(page)["session"].values())

    # A second key while the first secret is on screen would hide one not yet copied.
    page.fill("#provider-key-name", "second script")
    detail.locator("form.issue button").click()
    expect(detail.locator("form.issue .problem")).to_contain_text("press Done")
    expect(page.locator("#secret-value")).to_have_value(secret)
    expect(detail.locator("table.keys tbody tr")).to_have_count(1)

    page.click("#language")  # the secret stays through a change of language
    expect(page.locator("#secret-for")).to_have_text(
        f"Pour nightly beds script (fournisseur de {name})."
    )
    expect(page.locator("#secret-value")).to_have_value(secret)
    page.click("#language")
    page.click("#secret-done")
    expect(page.locator("#secret")).to_be_hidden()
    expect(page.locator("#secret-value")).to_have_value("")
    expect(page.locator("#provider-key-name")).to_be_focused()

    # Vetted again: a note on the record, the organization still approved.
    page.fill("#decision-note", "Annual check: registration renewed.")
    detail.locator("button[value=approve]").click()
    expect(detail.locator("[role=status]")).to_have_text("Recorded: vetted again, still approved.")
    assert [entry["note"] for entry in _history(live, organization_id)][-2:] == [
        "Charity registration checked; premises visited.",
        "Annual check: registration renewed.",
    ]
    assert _status(live, organization_id) == "approved"


def test_suspending_asks_first_and_a_revoked_key_is_refused_at_once(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    name = f"Northern Refuge {uuid.uuid4().hex[:6]}"
    organization_id = _organization(live, name)
    admin = _admin(live)
    httpx.post(f"{live.url}/v1/organizations/{organization_id}/approve", headers=admin)
    key = httpx.post(
        f"{live.url}/v1/keys",
        json={"role": "provider", "name": "front desk", "organization_id": organization_id},
        headers=admin,
    ).json()
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    page.fill("#decision-note", "Complaint received: premises not as described.")

    def answer(accept: bool) -> None:
        def handle(dialog: Dialog) -> None:
            assert name in dialog.message
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        page.once("dialog", handle)

    def sent(method: str, path: str) -> list[str]:
        return [r.url for r in traffic.requests if r.method == method and path in r.url]

    answer(accept=False)
    detail.locator("button[value=suspend]").click()
    expect(page.locator("#decision-note")).to_have_value(
        "Complaint received: premises not as described."
    )
    page.click("#language")  # a round trip the page makes after the dialog: it sent nothing
    page.click("#language")
    expect(detail.locator("button[value=suspend]")).to_have_text("Suspend")
    assert sent("POST", "/suspend") == []
    assert _status(live, organization_id) == "approved"

    answer(accept=True)
    detail.locator("button[value=suspend]").click()
    expect(detail.locator("[role=status]")).to_have_text("Suspended: its services no longer match.")
    assert _status(live, organization_id) == "suspended"
    page.fill("#decision-note", "Changed my mind")
    page.once("dialog", lambda dialog: dialog.dismiss())
    detail.locator("button[value=approve]").click()
    expect(page.locator("#decision-note")).to_have_value("Changed my mind")
    page.click("#language")
    page.click("#language")
    expect(detail.locator("button[value=approve]")).to_have_text("Approve")
    assert sent("POST", "/approve") == []
    page.fill("#decision-note", "")
    assert _me(live, key["key"]).status_code == 403

    row = detail.locator(f"table.keys tr[data-id='{key['id']}']")
    expect(row.locator("button")).to_have_attribute("aria-label", "Revoke the key “front desk”")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("button").click()
    expect(row.locator("button")).to_be_enabled()
    assert sent("DELETE", "/v1/keys/") == []
    assert _me(live, key["key"]).status_code == 403  # suspended, not revoked
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    expect(row).to_contain_text("revoked")
    expect(row.locator("button")).to_have_count(0)
    expect(page.locator("#organization-keys-heading")).to_be_focused()
    assert _me(live, key["key"]).status_code == 401


def test_registering_names_the_refused_field_and_opens_the_new_organization(
    page: Page, live: LiveServer
) -> None:
    sign_in(page, live, live.admin_key)
    # Signed in (the vetting panel built its choices) before the form is opened: under load
    # the click could come first, and the form's panel was not yet the one shown.
    expect(page.locator("#organization-status")).to_have_value("pending")
    page.click("#register summary")
    expect(page.locator("#register-name")).to_be_visible()
    name = f"Maison Étoile {uuid.uuid4().hex[:6]}"
    page.fill("#register-name", name)
    page.fill("#register-email", "not an address")
    page.click("#register-form button[type=submit]")
    problem = page.locator("#register-form .problem")
    expect(problem).to_contain_text("Email: ")
    expect(problem).not_to_contain_text("not an address")  # refused without echoing it
    listed = httpx.get(
        f"{live.url}/v1/organizations", params={"name": name}, headers=_admin(live)
    ).json()
    assert listed["total"] == 0
    expect(page.locator("#register-email")).to_have_attribute("aria-invalid", "true")

    page.fill("#register-email", "accueil@etoile.example.ca")
    page.click("#register-form button[type=submit]")
    detail = page.locator("#organization-detail")
    expect(detail.locator("h3")).to_have_text(name)
    expect(detail.locator("[role=status]")).to_have_text(
        "Registered, pending: vet it, then approve it."
    )
    expect(page.locator("#register-form .problem")).to_have_count(0)
    expect(page.locator("#register-name")).to_have_value("")
    expect(page.locator("#register-email")).not_to_have_attribute("aria-invalid", "true")


def test_staff_keys_are_issued_and_revoked_but_never_the_key_in_use(
    page: Page, live: LiveServer
) -> None:
    sign_in(page, live, live.admin_key)
    table = page.locator("#key-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    me = _me(live, live.admin_key).json()["key"]
    own = table.locator(f"tr[data-id='{me['id']}']")
    expect(own).to_contain_text("this key")
    expect(own.locator("button")).to_have_count(0)
    roles = table.locator("tbody td:nth-child(2)").all_inner_texts()
    assert roles
    assert "provider" not in roles  # those are under their organization

    page.select_option("#issue-role", "analyst")
    page.click("#key-issue button[type=submit]")  # no name: the server says why
    expect(page.locator("#key-issue .problem")).to_contain_text("Who uses it: ")

    name = f"funder dashboard {uuid.uuid4().hex[:6]}"
    page.fill("#issue-name", name)
    page.fill("#issue-limit", "fast")  # refused by the server, naming the field
    page.click("#key-issue button[type=submit]")
    expect(page.locator("#key-issue .problem")).to_contain_text("Requests a minute: ")
    expect(page.locator("#issue-limit")).to_have_attribute("aria-invalid", "true")
    page.fill("#issue-limit", "-1")  # a whole number, told the rule it breaks (a review)
    page.click("#key-issue button[type=submit]")
    expect(page.locator("#key-issue .problem")).to_contain_text("greater than or equal to 0")
    page.fill("#issue-limit", "12000")
    page.click("#key-issue button[type=submit]")
    expect(page.locator("#secret-for")).to_have_text(f"For {name} (analyst).")
    secret = page.input_value("#secret-value")
    assert _me(live, secret).json()["key"]["role"] == "analyst"
    row = table.locator("tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("td.count")).to_have_text("12,000")
    assert _me(live, secret).json()["key"]["rate_limit_per_minute"] == 12000
    expect(own.locator("td.count")).to_have_text("the service's")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    expect(row).to_contain_text("revoked")
    assert _me(live, secret).status_code == 401

    # Signing out takes the secret off the screen and the panels with it.
    page.click("#forget-key")
    expect(page.locator("#secret")).to_be_hidden()
    expect(page.locator("#secret-value")).to_have_value("")
    expect(page.locator("#vetting")).to_be_hidden()
    expect(page.locator("#keys")).to_be_hidden()
    expect(page.locator("#key-table")).to_be_empty()


@pytest.mark.parametrize("role", ["operator", "partner", "analyst", "provider"])
def test_vetting_and_keys_are_for_administrators_only(
    page: Page, live: LiveServer, role: str
) -> None:
    sign_in(page, live, getattr(live, f"{role}_key"))
    expect(page.locator("#forget-key")).to_be_visible()
    expect(page.locator("#vetting")).to_be_hidden()
    expect(page.locator("#keys")).to_be_hidden()


def test_a_note_typed_for_one_organization_never_follows_to_another(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    first, second = (f"Shelter {letter} {token}" for letter in "AB")
    first_id = _organization(live, first)
    _organization(live, second)
    sign_in(page, live, live.admin_key)
    _find(page, token)
    page.locator("#organization-items button", has_text=first).click()
    page.fill("#decision-note", f"Premises of {first} visited")
    page.fill("#provider-key-name", "their script")
    page.click("#language")  # drawn again in French: what was typed stays
    expect(page.locator("#decision-note")).to_have_value(f"Premises of {first} visited")
    page.click("#language")

    page.locator("#organization-items button", has_text=second).click()
    expect(page.locator("#organization-detail h3")).to_have_text(second)
    expect(page.locator("#decision-note")).to_have_value("")
    expect(page.locator("#provider-key-name")).to_have_value("")
    assert [entry["action"] for entry in _history(live, first_id)] == ["create"]


def test_a_change_of_language_while_a_key_is_being_issued_cannot_issue_a_second(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"Slow Line {token}"
    _organization(live, name)
    _open(page, live, name)
    _gate(page, "POST", "/v1/keys")  # never let go: a slow server
    page.fill("#provider-key-name", "beds")
    button = page.locator("#organization-detail form.issue button")
    button.click()
    expect(button).to_be_disabled()
    page.click("#language")
    expect(button).to_have_text("Émettre une clé de fournisseur")
    expect(button).to_be_disabled()
    # Nor from the staff form: two keys out at once would put two secrets in one box.
    expect(page.locator("#key-issue button[type=submit]")).to_be_disabled()


def test_the_pending_list_is_read_again_after_a_decision_so_that_none_is_skipped(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    ids = [_organization(live, f"Queue {index:02d} {token}") for index in range(51)]
    sign_in(page, live, live.admin_key)
    _find(page, token, "pending")
    expect(page.locator("#organizations-status")).to_have_text("50 of 51.")
    expect(page.locator("#organizations-more")).to_be_visible()
    page.locator("#organization-items button").first.click()
    page.fill("#decision-note", "Checked.")
    page.locator("#organization-detail button[value=approve]").click()
    expect(page.locator("#organization-detail [role=status]")).to_have_text(
        "Approved: its services match from now on."
    )
    expect(page.locator("#organizations-status")).to_have_text("50 of 50.")
    expect(page.locator("#organizations-more")).to_be_hidden()
    listed = page.locator("#organization-items li").evaluate_all(
        "items => items.map(item => item.dataset.id)"
    )
    assert listed == ids[1:]


def test_an_organizations_listings_show_their_town_and_never_a_street(
    page: Page, live: LiveServer
) -> None:
    """What it lists, to vet it by (a pending organization's too); a confidential address
    says so without its street."""
    admin = _admin(live)
    token = uuid.uuid4().hex[:6]
    name = f"Safe Homes {token}"
    organization_id = _organization(live, name)
    bodies = [
        listing(organization_id, name=f"Open house {token}"),
        listing(
            organization_id,
            name=f"Safe house {token}",
            locations=[confidential_location()],
        ),
    ]
    for body in bodies:
        created = httpx.post(f"{live.url}/v1/services", json=body, headers=admin)
        assert created.status_code == 201, created.text
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    items = detail.locator(".organization-listings li")
    expect(items).to_have_count(2)
    expect(detail.locator("h4").first).to_have_text("Listings (2)")
    expect(items.filter(has_text="Open house")).to_contain_text("Kitchener, ON · 12 beds")
    safe = items.filter(has_text="Safe house")
    expect(safe).to_contain_text("Cambridge, ON (confidential address)")
    text = detail.inner_text()
    for location in [*bodies[0]["locations"], confidential_location()]:
        assert location["address"] not in text
        assert location["postal_code"] not in text


def test_an_answer_arriving_late_never_takes_the_panel_back_from_another_organization(
    page: Page, live: LiveServer
) -> None:
    """Suspend one, open the next before the answer: the panel stays on the next (it once
    went back to the one suspended, offering only Approve)."""
    token = uuid.uuid4().hex[:6]
    suspect, other = f"Suspect {token}", f"Newcomer Aid {token}"
    suspect_id, other_id = _organization(live, suspect), _organization(live, other)
    httpx.post(f"{live.url}/v1/organizations/{suspect_id}/approve", headers=_admin(live))
    sign_in(page, live, live.admin_key)
    _find(page, token)
    page.locator("#organization-items button", has_text=suspect).click()
    expect(page.locator("#organization-detail h3")).to_have_text(suspect)
    page.fill("#decision-note", "Reported: asks for fees.")
    _gate(page, "POST", f"/{suspect_id}/suspend")
    _gate(page, "GET", f"/v1/organizations/{other_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#organization-detail button[value=suspend]").click()
    page.locator("#organization-items button", has_text=other).click()

    assert _release(page, "/suspend") == 1
    badge = page.locator(f"#organization-items li[data-id='{suspect_id}'] .badge")
    expect(badge).to_have_text("suspended")  # the decision's answer has come
    assert _release(page, other_id) == 2  # the organization and its history
    expect(page.locator("#organization-detail h3")).to_have_text(other)
    expect(page.locator("#organization-detail button[value=suspend]")).to_be_visible()
    assert _status(live, suspect_id) == "suspended"


def test_the_list_read_again_after_a_decision_is_the_one_last_asked_for(
    page: Page, live: LiveServer
) -> None:
    first, second = uuid.uuid4().hex[:6], uuid.uuid4().hex[:6]
    name = f"Old Filter {first}"
    organization_id = _organization(live, name)
    wanted = _organization(live, f"New Filter {second}")
    _open(page, live, name)
    page.fill("#decision-note", "Checked.")
    _gate(page, "POST", f"/{organization_id}/approve")
    _gate(page, "GET", second.upper())
    page.locator("#organization-detail button[value=approve]").click()
    page.fill("#organization-name", second.upper())
    page.click("#organization-filters button[type=submit]")
    assert _release(page, "/approve") == 1
    expect(page.locator("#organization-detail [role=status]")).to_have_text(
        "Approved: its services match from now on."
    )
    assert _release(page, second.upper()) == 2  # the filter asked for, then the refresh
    expect(page.locator("#organization-items li")).to_have_count(1)
    expect(page.locator(f"#organization-items li[data-id='{wanted}']")).to_be_visible()


def test_requests_still_out_at_sign_out_never_unlock_the_next_sessions_forms(
    page: Page, live: LiveServer
) -> None:
    sign_in(page, live, live.admin_key)
    _gate(page, "POST", "/v1/keys")
    page.fill("#issue-name", f"first {uuid.uuid4().hex[:6]}")
    page.click("#key-issue button[type=submit]")
    page.click("#forget-key")
    page.fill("#key", live.admin_key)
    page.press("#key", "Enter")
    expect(page.locator("#keys")).to_be_visible()
    page.fill("#issue-name", f"second {uuid.uuid4().hex[:6]}")
    button = page.locator("#key-issue button[type=submit]")
    button.click()
    expect(button).to_be_disabled()
    # The first session's request ends: the second's is still out.
    page.evaluate("() => window.heldRequests.shift().go()")
    page.wait_for_function("() => window.heldRequests.length === 1")
    page.locator("#keys-heading").click()  # a round trip for the page to settle
    expect(button).to_be_disabled()
    expect(page.locator("#secret")).to_be_hidden()  # the first secret, for a key forgotten


def test_a_decision_refused_because_another_came_first_says_so_and_shows_it_as_it_is(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"Contested {token}"
    organization_id = _organization(live, name)
    admin = _admin(live)
    httpx.post(f"{live.url}/v1/organizations/{organization_id}/approve", headers=admin)
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    expect(detail.locator("button[value=approve]")).to_have_text("Confirm approval")
    # Another administrator suspends it meanwhile.
    httpx.post(f"{live.url}/v1/organizations/{organization_id}/suspend", headers=admin)
    page.fill("#decision-note", "Annual check.")
    detail.locator("button[value=approve]").click()  # on the status drawn: approved
    expect(detail.locator("form.decision .problem")).to_contain_text("suspended now")
    expect(detail.locator(".facts")).to_contain_text("suspended")  # drawn as it is now
    expect(detail.locator("button[value=approve]")).to_have_text("Approve")
    expect(page.locator("#decision-note")).to_have_value("Annual check.")
    assert _status(live, organization_id) == "suspended"


def test_a_decision_refused_after_the_admin_moved_on_stays_said_above_the_list(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    first, second = f"First {token}", f"Second {token}"
    first_id, _ = _organization(live, first), _organization(live, second)
    sign_in(page, live, live.admin_key)
    _find(page, token)
    page.locator("#organization-items button", has_text=first).click()
    page.fill("#decision-note", "Checked.")
    _gate(page, "POST", f"/{first_id}/approve")
    page.locator("#organization-detail button[value=approve]").click()
    page.locator("#organization-items button", has_text=second).click()
    expect(page.locator("#organization-detail h3")).to_have_text(second)
    httpx.post(f"{live.url}/v1/organizations/{first_id}/suspend", headers=_admin(live))
    assert _release(page, "/approve") == 1  # refused: it was pending, it is suspended
    box = page.locator("#decision-problem")
    expect(box).to_contain_text(f"{first}: the decision was not recorded")
    expect(page.locator("#organization-detail h3")).to_have_text(second)
    page.click("#organization-filters button[type=submit]")  # the list read again
    expect(page.locator("#organizations-status")).to_have_text("2 of 2.")
    expect(box).to_be_visible()


def test_a_staff_key_refused_says_so_in_the_staff_form_with_an_organization_open(
    page: Page, live: LiveServer
) -> None:
    name = f"Open Door {uuid.uuid4().hex[:6]}"
    _organization(live, name)
    _open(page, live, name)
    page.fill("#provider-key-name", "their script")
    page.click("#key-issue button[type=submit]")  # no name
    expect(page.locator("#key-issue .problem")).to_contain_text("Who uses it: ")
    expect(page.locator("#organization-detail form.issue .problem")).to_have_count(0)
    expect(page.locator("#provider-key-name")).to_have_value("their script")


def test_more_waits_while_the_list_is_read_again(page: Page, live: LiveServer) -> None:
    token = uuid.uuid4().hex[:6]
    for index in range(51):
        _organization(live, f"Queue {index:02d} {token}")
    sign_in(page, live, live.admin_key)
    _find(page, token, "pending")
    expect(page.locator("#organizations-status")).to_have_text("50 of 51.")
    page.locator("#organization-items button").first.click()
    page.fill("#decision-note", "Checked.")
    _gate(page, "GET", token.upper())
    page.locator("#organization-detail button[value=approve]").click()
    expect(page.locator("#organization-detail [role=status]")).to_have_text(
        "Approved: its services match from now on."
    )
    expect(page.locator("#organizations-more")).to_be_disabled()
    assert _release(page, token.upper()) == 1
    expect(page.locator("#organizations-status")).to_have_text("50 of 50.")
    expect(page.locator("#organizations-more")).to_be_hidden()


def test_a_key_refused_after_sign_out_never_signs_out_the_next_one(
    page: Page, live: LiveServer
) -> None:
    other = httpx.post(
        f"{live.url}/v1/keys",
        json={"role": "admin", "name": f"deputy {uuid.uuid4().hex[:6]}"},
        headers=_admin(live),
    ).json()
    sign_in(page, live, other["key"])
    expect(page.locator("#vetting")).to_be_visible()
    _gate(page, "GET", "/v1/organizations?")
    page.click("#organization-filters button[type=submit]")
    page.click("#forget-key")
    page.fill("#key", live.admin_key)
    page.press("#key", "Enter")
    expect(page.locator("#keys")).to_be_visible()
    httpx.delete(f"{live.url}/v1/keys/{other['id']}", headers=_admin(live))
    page.evaluate("() => window.heldRequests.shift().go()")  # the deputy's: now a 401
    assert _release(page, "/v1/organizations?") == 1  # the new session's own list, after it
    expect(page.locator("#organizations-status")).not_to_be_empty()
    expect(page.locator("#key-panel")).to_be_hidden()
    expect(page.locator("#keys")).to_be_visible()


def test_a_name_with_direction_controls_is_drawn_as_stored_and_said_to_hold_them(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"\u202e{token} nevaH efaS"  # reads "Safe Haven ..." where controls are obeyed
    organization_id = _organization(live, f"Plain {token}")
    # Stored before the API refused such names (or written by hand): the console still says.
    engine = sa.create_engine(live.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(Organization)
            .where(Organization.id == uuid.UUID(organization_id))  # type: ignore[arg-type]
            .values(name=name, name_key=name_key(name))
        )
    engine.dispose()
    sign_in(page, live, live.admin_key)
    _find(page, token)
    entry = page.locator(f"#organization-items li[data-id='{organization_id}'] button")
    assert entry.text_content() == f"{token} nevaH efaS"
    entry.click()
    detail = page.locator("#organization-detail")
    assert detail.locator("h3").text_content() == f"{token} nevaH efaS"
    expect(detail).to_contain_text("invisible direction characters")


def test_an_organization_without_listings_is_deleted_its_keys_revoked_its_history_kept(
    page: Page, live: LiveServer, traffic: Traffic
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"Registered By Mistake {token}"
    organization_id = _organization(live, name)
    admin = _admin(live)
    key = httpx.post(
        f"{live.url}/v1/keys",
        json={"role": "provider", "name": "intake desk", "organization_id": organization_id},
        headers=admin,
    ).json()
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    button = detail.locator("form.removal button")
    expect(button).to_have_text("Delete organization")
    expect(button).to_have_class("danger")
    messages: list[str] = []

    def answer(accept: bool) -> None:
        def handle(dialog: Dialog) -> None:
            messages.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        page.once("dialog", handle)

    # Asked first: dismissed, nothing is sent.
    answer(accept=False)
    button.click()
    page.click("#language")  # a round trip the page makes after the dialog: it sent nothing
    page.click("#language")
    expect(button).to_have_text("Delete organization")
    assert [r.url for r in traffic.requests if r.method == "DELETE"] == []
    assert _status(live, organization_id) == "pending"

    # From the keyboard, confirmed.
    answer(accept=True)
    button.focus()
    page.keyboard.press("Enter")
    said = detail.locator("[role=status]")
    expect(said).to_have_text(
        f"\u201c{name}\u201d deleted: its keys are revoked, and its history is kept."
    )
    expect(said).to_be_focused()  # the button pressed is gone: what was done
    assert all(name in message for message in messages)
    assert len(messages) == 2
    expect(detail).to_contain_text(f"referral-client organizations show {organization_id}")
    expect(detail.locator("h3")).to_have_count(0)
    expect(page.locator(f"#organization-items li[data-id='{organization_id}']")).to_have_count(0)
    expect(page.locator("#organizations-status")).to_have_text("None.")
    expect(page.locator("#organization-detail .problem")).to_have_count(0)

    gone = httpx.get(f"{live.url}/v1/organizations/{organization_id}", headers=admin)
    assert gone.status_code == 404
    history = _history(live, organization_id)
    assert [entry["action"] for entry in history] == ["create", "delete"]
    assert history[-1]["actor_name"] == _me(live, live.admin_key).json()["key"]["name"]
    assert _me(live, key["key"]).status_code == 401  # its key is revoked

    page.click("#language")  # said again in French, not lost
    expect(said).to_have_text(
        f"\u00ab {name} \u00bb supprim\u00e9 : ses cl\u00e9s sont r\u00e9voqu\u00e9es, "
        "et son historique est gard\u00e9."
    )


def test_an_organization_with_listings_is_not_deleted_and_the_server_says_why(
    page: Page, live: LiveServer
) -> None:
    token = uuid.uuid4().hex[:6]
    name = f"Still Listing {token}"
    organization_id = _organization(live, name)
    created = httpx.post(
        f"{live.url}/v1/services",
        json=listing(organization_id, name=f"Drop-in {token}"),
        headers=_admin(live),
    )
    assert created.status_code == 201, created.text
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    page.once("dialog", lambda dialog: dialog.accept())
    detail.locator("form.removal button").click()
    problem = detail.locator("form.removal .problem")
    expect(problem).to_contain_text(
        "The organization has 1 listing: delete it first, or suspend the organization "
        "instead, which keeps it."
    )
    expect(problem).to_have_attribute("role", "alert")
    expect(detail.locator("form.removal button")).to_be_enabled()
    expect(detail.locator("h3")).to_have_text(name)  # nothing changed
    expect(detail.locator("[role=status]")).to_be_empty()
    expect(page.locator(f"#organization-items li[data-id='{organization_id}']")).to_be_visible()
    expect(page.locator("#organizations-status")).to_have_text("1 of 1.")
    assert _status(live, organization_id) == "pending"
    assert [entry["action"] for entry in _history(live, organization_id)] == ["create"]


def test_an_organization_approved_since_it_was_opened_is_shown_again_not_deleted(
    page: Page, live: LiveServer
) -> None:
    """Another administrator approves the organization and issues it a key while it is open:
    Delete was sent without the version shown, deleted it and revoked that key unseen (a
    review). Now a 412: drawn as it is, said why, nothing deleted."""
    token = uuid.uuid4().hex[:6]
    name = f"Approved Meanwhile {token}"
    organization_id = _organization(live, name)
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    approved = httpx.post(
        f"{live.url}/v1/organizations/{organization_id}/approve",
        json={"note": "Vetted by phone and a site visit."},
        headers=_admin(live),
    )
    assert approved.status_code == 200, approved.text
    page.once("dialog", lambda dialog: dialog.accept())
    detail.locator("form.removal button").click()
    expect(detail.locator("form.removal .problem")).to_contain_text("changed since you read it")
    expect(detail.locator(".facts")).to_contain_text("approved")  # drawn as it is now
    assert _status(live, organization_id) == "approved"
    # Now on what it is: deleted once confirmed again.
    page.once("dialog", lambda dialog: dialog.accept())
    detail.locator("form.removal button").click()
    expect(page.locator(f"#organization-items li[data-id='{organization_id}']")).to_have_count(0)
    gone = httpx.get(f"{live.url}/v1/organizations/{organization_id}", headers=_admin(live))
    assert gone.status_code == 404


def test_a_suspended_organizations_keys_say_they_are_refused_and_a_revoked_one_by_whom(
    page: Page, live: LiveServer
) -> None:
    """Its provider keys showed an active Revoke with nothing to say they are refused, and
    a revoked key not who revoked it (a review of an administrator's first week)."""
    token = uuid.uuid4().hex[:6]
    name = f"Suspended Keys {token}"
    organization_id = _organization(live, name)
    admin = _admin(live)
    for key_name in ("nightly beds", "old script"):
        issued = httpx.post(
            f"{live.url}/v1/keys",
            json={"role": "provider", "name": key_name, "organization_id": organization_id},
            headers=admin,
        )
        assert issued.status_code == 201, issued.text
    retired = issued.json()["id"]
    assert httpx.delete(f"{live.url}/v1/keys/{retired}", headers=admin).status_code == 204
    httpx.post(
        f"{live.url}/v1/organizations/{organization_id}/suspend",
        json={"note": "Reported by a partner."},
        headers=admin,
    )
    _open(page, live, name)
    keys = page.locator("#organization-detail table.keys")
    working = keys.locator("tr", has_text="nightly beds")
    expect(working).to_contain_text("refused while its organization is suspended")
    expect(working.locator("button")).to_have_text("Revoke")
    revoked = keys.locator("tr", has_text="old script")
    expect(revoked).to_contain_text("revoked ")
    expect(revoked).to_contain_text(", by ")
    expect(revoked).not_to_contain_text("refused")


def test_in_french_the_tables_and_the_history_name_their_columns_and_fields_in_french(
    page: Page, live: LiveServer
) -> None:
    name = f"Maison Refuge {uuid.uuid4().hex[:6]}"
    organization_id = _organization(live, name)
    httpx.post(
        f"{live.url}/v1/organizations/{organization_id}/approve",
        json={"note": "Checked."},
        headers=_admin(live),
    )
    _open(page, live, name)
    detail = page.locator("#organization-detail")
    history = detail.locator(".history")
    expect(history).to_contain_text("status: pending approval \u2192 approved")
    page.click("#language")
    headers = page.locator("#key-table thead th")
    expect(headers.nth(0)).to_have_text("Nom")
    expect(headers.nth(1)).to_have_text("R\u00f4le")
    expect(headers.nth(3)).to_have_text("\u00c9mise")
    expect(history).to_contain_text("statut : en attente d'approbation \u2192 approuv\u00e9")
    expect(history).to_contain_text("t\u00e9l\u00e9phone : \u2014 \u2192 +1 519 555 0190")
    expect(history).not_to_contain_text("status")
    expect(detail.locator("form.removal button")).to_have_text("Supprimer l'organisme")


def test_a_history_of_several_pages_is_shown_whole(page: Page, live: LiveServer) -> None:
    """A history comes in pages of up to 1,000 entries: the console reads every page (here
    the server's first page is cut after one entry, as a longer history's would be)."""
    name = f"Paged House {uuid.uuid4().hex[:6]}"
    organization_id = _organization(live, name)
    for action, note in (("approve", "Visited."), ("suspend", "Complaint received.")):
        httpx.post(
            f"{live.url}/v1/organizations/{organization_id}/{action}",
            json={"note": note},
            headers=_admin(live),
        ).raise_for_status()
    asked: list[str] = []

    def first_page_of_one(route: Route) -> None:
        asked.append(route.request.url)
        response = route.fetch()
        if "after=" in route.request.url:
            route.fulfill(response=response)
            return
        body = response.json()
        first = body["items"][:1]
        route.fulfill(
            response=response,
            json={"items": first, "has_more": True, "next_after": first[0]["id"]},
        )

    page.route("**/history*", first_page_of_one)
    _open(page, live, name)
    history = page.locator("#organization-detail .history")
    expect(history).to_contain_text("Visited.")
    expect(history).to_contain_text("Complaint received.")
    assert len(asked) == 2
    assert "after=" in asked[1]


def test_history_pages_that_do_not_go_on_are_said_not_read_for_ever(
    page: Page, live: LiveServer
) -> None:
    """A proxy that drops the query string answers the first page again and again."""
    name = f"Looping House {uuid.uuid4().hex[:6]}"
    _organization(live, name)
    asked: list[str] = []

    first: list[dict[str, object]] = []

    def same_page(route: Route) -> None:
        asked.append(route.request.url)
        response = route.fetch()
        if not first:
            first.extend(response.json()["items"][:1])
        route.fulfill(
            response=response,
            json={"items": first, "has_more": True, "next_after": first[0]["id"]},
        )

    page.route("**/history*", same_page)
    sign_in(page, live, live.admin_key)
    _find(page, name.split()[-1])
    page.locator("#organization-items button", has_text=name).click()
    expect(page.locator("#organization-detail .problem")).to_contain_text(
        "The history's pages do not follow on"
    )
    assert len(asked) == 2
