"""Vetting organizations: statuses, and the history of who decided what, when and why."""

import json
import threading
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from schemas.enums import OrganizationAction, OrganizationStatus, Role
from service.errors import Conflict
from service.repository import organizations as repo
from service.usecases import organizations as usecases
from service.usecases.keys import Caller
from tests.factories import Api, assert_problem, bearer, listing


def _history(api: Api, organization_id: str) -> list[dict[str, Any]]:
    response = api.client.get(f"/v1/organizations/{organization_id}/history", headers=api.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _admin(api: Api, name: str) -> tuple[dict[str, str], str]:
    created = api.client.post("/v1/keys", json={"role": "admin", "name": name}, headers=api.admin)
    assert created.status_code == 201, created.text
    return bearer(created.json()["key"]), created.json()["id"]


def test_the_history_says_who_registered_changed_approved_and_suspended_it_and_why(
    api: Api,
) -> None:
    registrar, registrar_id = _admin(api, "Registrar")
    vetter, vetter_id = _admin(api, "Vetting lead")
    created = api.client.post(
        "/v1/organizations", json={"name": "Harbour House"}, headers=registrar
    ).json()
    organization_id = created["id"]
    path = f"/v1/organizations/{organization_id}"
    for _ in range(2):  # the same phone again changes nothing: one entry
        patched = api.client.patch(path, json={"phone": "+1-902-555-0100"}, headers=registrar)
        assert patched.is_success
    note = "Charity registration checked; premises visited on 28 November."
    approved = api.client.post(f"{path}/approve", json={"note": note}, headers=vetter)
    assert approved.json()["status"] == "approved"
    assert api.client.post(f"{path}/approve", headers=vetter).is_success  # already: no entry
    vetted_again = api.client.post(
        f"{path}/approve", json={"note": "Re-vetted: registration renewed."}, headers=vetter
    )
    assert vetted_again.json()["updated_at"] == approved.json()["updated_at"]
    suspended = api.client.post(
        f"{path}/suspend", json={"note": "Reported by a partner; under review."}, headers=vetter
    )
    assert suspended.json()["status"] == "suspended"
    # Lifting a suspension needs a note saying why; a blank note is no note.
    for silent in ({"note": "  "}, None):
        refused = api.client.post(f"{path}/approve", json=silent, headers=api.admin)
        assert assert_problem(refused, 422)["errors"] == [
            {"loc": ["body", "note"], "msg": "required to reinstate a suspended one"}
        ]
    # Nor is one of invisible characters alone, nor one without a word (a review).
    for unsaid in ("\u200b", "\u200b\u2060", "--"):
        refused = api.client.post(f"{path}/approve", json={"note": unsaid}, headers=api.admin)
        assert assert_problem(refused, 422)["errors"] == [
            {"loc": ["body", "note"], "msg": "must say in words what the decision rests on"}
        ]
    reinstated = api.client.post(
        f"{path}/approve", json={"note": "Review closed: no grounds."}, headers=api.admin
    )
    assert reinstated.is_success

    history = _history(api, organization_id)
    assert [
        (e["action"], e["actor_name"], e["actor_key_id"], e["actor_role"], e["note"])
        for e in history
    ] == [
        ("create", "Registrar", registrar_id, "admin", None),
        ("update", "Registrar", registrar_id, "admin", None),
        ("approve", "Vetting lead", vetter_id, "admin", note),
        ("approve", "Vetting lead", vetter_id, "admin", "Re-vetted: registration renewed."),
        ("suspend", "Vetting lead", vetter_id, "admin", "Reported by a partner; under review."),
        (
            "approve",
            history[-1]["actor_name"],
            history[-1]["actor_key_id"],
            "admin",
            ("Review closed: no grounds."),
        ),
    ]
    assert {"field": "status", "old": None, "new": "pending"} in history[0]["changes"]
    assert {"field": "name", "old": None, "new": "Harbour House"} in history[0]["changes"]
    assert history[1]["changes"] == [{"field": "phone", "old": None, "new": "+1-902-555-0100"}]
    assert history[2]["changes"] == [{"field": "status", "old": "pending", "new": "approved"}]
    assert history[2]["at"] == approved.json()["updated_at"]
    assert history[3]["changes"] == []  # confirmed, not changed
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"note": "x" * 2001}, ["body", "note"]),
        ({"note": "fine", "reason": "unknown field"}, ["body", "reason"]),
        ({"note": 7}, ["body", "note"]),
    ],
)
def test_a_bad_note_is_a_422_and_the_status_stays(
    api: Api, body: dict[str, Any], loc: list[str]
) -> None:
    organization_id = api.organization(approved=False)
    response = api.client.post(
        f"/v1/organizations/{organization_id}/approve", json=body, headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert [error["loc"] for error in problem["errors"]] == [loc]
    read = api.client.get(f"/v1/organizations/{organization_id}", headers=api.admin)
    assert read.json()["status"] == "pending"
    assert [e["action"] for e in _history(api, organization_id)] == ["create"]


def test_an_unknown_organization_has_no_history(api: Api) -> None:
    response = api.client.get(
        "/v1/organizations/0b7e0d0e-0000-4000-8000-000000000000/history", headers=api.admin
    )
    assert_problem(response, 404)


def test_a_name_search_ignores_case_accents_and_punctuation_and_pages_its_matches(
    api: Api,
) -> None:
    names = [
        "Maison Étoile",
        "Refuge Étoile du Nord",
        "Carrefour Étoile-Filante",
        "St. Mary's House",
        "Stella House",
        "Main Street Shelter",
        "Centrum Łódź",
    ]
    ids = {}
    for name in names:
        created = api.client.post("/v1/organizations", json={"name": name}, headers=api.admin)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    approved = api.client.post(
        f"/v1/organizations/{ids['Refuge Étoile du Nord']}/approve", headers=api.admin
    )
    assert approved.is_success
    renamed = api.client.patch(
        f"/v1/organizations/{ids['Stella House']}",
        json={"name": "Stella Haven"},
        headers=api.admin,
    )
    assert renamed.is_success
    cleared = api.client.patch(
        f"/v1/organizations/{ids['Stella House']}", json={"name": None}, headers=api.admin
    )
    assert "name cannot be null" in json.dumps(assert_problem(cleared, 422)["errors"])

    def search(**params: Any) -> dict[str, Any]:
        response = api.client.get("/v1/organizations", params=params, headers=api.admin)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    def found(name: str) -> list[str]:
        return [item["name"] for item in search(name=name)["items"]]

    every = search(name="ETOILE")
    # By name (first letters that sort alike under any collation).
    assert [item["name"] for item in every["items"]] == [
        "Carrefour Étoile-Filante",
        "Maison Étoile",
        "Refuge Étoile du Nord",
    ]
    assert every["total"] == 3
    second = search(name="etoile", per_page=2, page=2)
    assert ([item["name"] for item in second["items"]], second["total"]) == (
        ["Refuge Étoile du Nord"],
        3,
    )
    pending = search(name="étoile", status="pending")
    assert [item["name"] for item in pending["items"]] == [
        "Carrefour Étoile-Filante",
        "Maison Étoile",
    ]
    assert found("etoile filante") == ["Carrefour Étoile-Filante"]
    assert found("Étoile—FILANTE!") == ["Carrefour Étoile-Filante"]
    assert found("marys") == ["St. Mary's House"]
    assert found("mary\u2019s") == ["St. Mary's House"]
    # (sorted here: where a collation ignores punctuation, "Stella" sorts before "St. Mary")
    assert sorted(found("st")) == ["Main Street Shelter", "St. Mary's House", "Stella Haven"]
    assert found("main st") == ["Main Street Shelter"]
    assert found("haven") == ["Stella Haven"]  # the new name, not the old one
    assert found("LODZ") == ["Centrum Łódź"]
    assert found("stella house") == []
    assert search(name="nowhere at all") == {"items": [], "total": 0, "page": 1, "per_page": 50}


@pytest.mark.parametrize("name", ["x" * 201, "-", "  ", "%_"])
def test_a_name_to_search_for_that_is_too_long_or_has_no_letter_is_a_422(
    api: Api, name: str
) -> None:
    response = api.client.get("/v1/organizations", params={"name": name}, headers=api.admin)
    assert_problem(response, 422)
    if len(name) > 2:
        assert name not in response.text


def test_a_decision_made_on_a_status_since_changed_is_a_409_and_changes_nothing(
    api: Api,
) -> None:
    created = api.client.post(
        "/v1/organizations", json={"name": "Contested House"}, headers=api.admin
    ).json()
    path = f"/v1/organizations/{created['id']}"
    assert api.client.post(f"{path}/approve", headers=api.admin).is_success
    # Another administrator suspends it; this one, still reading it approved, vets it again.
    suspended = api.client.post(f"{path}/suspend", json={"note": "complaint"}, headers=api.admin)
    assert suspended.is_success
    stale = api.client.post(
        f"{path}/approve",
        json={"note": "annual check", "expected_status": "approved"},
        headers=api.admin,
    )
    problem = assert_problem(stale, 409)
    assert "suspended now" in problem["detail"]
    assert api.client.get(path, headers=api.admin).json()["status"] == "suspended"
    assert "annual check" not in [entry["note"] for entry in _history(api, created["id"])]
    current = api.client.post(
        f"{path}/approve",
        json={"note": "complaint unfounded", "expected_status": "suspended"},
        headers=api.admin,
    )
    assert current.json()["status"] == "approved"


def test_of_two_decisions_at_once_the_second_is_made_on_what_the_first_left(
    api: Api, engine: sa.Engine
) -> None:
    """The status is checked once the row is locked: a decision waits for one under way."""
    created = api.client.post(
        "/v1/organizations", json={"name": "Busy House"}, headers=api.admin
    ).json()
    organization_id = uuid.UUID(created["id"])
    approved = api.client.post(f"/v1/organizations/{organization_id}/approve", headers=api.admin)
    assert approved.is_success
    caller = Caller(key_id=uuid.uuid4(), name="vetter", role=Role.admin, organization_id=None)
    outcome: dict[str, str] = {}

    def vet_again() -> None:
        with Session(engine) as session:
            try:
                usecases.set_organization_status(
                    session,
                    organization_id=organization_id,
                    status=OrganizationStatus.approved,
                    note="vetted again",
                    expected=OrganizationStatus.approved,
                    caller=caller,
                )
                outcome["done"] = "approved"
            except Conflict as conflict:
                outcome["done"] = str(conflict)

    with Session(engine) as first:
        organization = repo.get_organization(first, organization_id, for_update=True)
        assert organization is not None
        second = threading.Thread(target=vet_again)
        second.start()
        # Time for the second to read the status, were it not made to wait for the lock.
        time.sleep(0.5)
        organization.status = OrganizationStatus.suspended.value
        first.add(organization)
        first.commit()
    second.join(timeout=30)
    assert "suspended now" in outcome["done"]


def test_a_decision_confirmed_waits_so_history_is_in_the_order_of_the_decisions(
    api: Api, engine: sa.Engine
) -> None:
    """A decision confirmed (a note, no change of status, so no write of the organization's
    row) waits for one under way: its entry comes after, by id as by commit, so a reader
    paging by `after` meanwhile never skips the one committed late. On PostgreSQL it took
    no lock and committed first, with the later id. (A change of fields was in order
    already: its own write of the row waits for the lock.)"""
    organization_id = uuid.UUID(api.organization("Two Vetters"))
    caller = Caller(key_id=uuid.uuid4(), name="second", role=Role.admin, organization_id=None)
    done = threading.Event()
    answered: list[str] = []

    def second() -> None:
        with Session(engine) as session:
            decided = usecases.set_organization_status(
                session,
                organization_id=organization_id,
                status=OrganizationStatus.approved,
                note="vetted again",
                caller=caller,
            )
            answered.append(decided.status)
        done.set()

    with Session(engine) as first:
        organization = repo.get_organization(first, organization_id, for_update=True)
        assert organization is not None
        before = {"status": organization.status}
        organization.status = OrganizationStatus.suspended.value
        first.add(organization)
        entry = usecases.history_entry(
            organization_id,
            at=organization.updated_at,
            action=OrganizationAction.suspend,
            actor_key_id=None,
            actor_name="first",
            actor_role="admin",
            before=before,
            after={"status": organization.status},
            note="complaint",
        )
        first.add(entry)
        first.flush()  # the first decision's entry has its id; it is not committed yet
        waiting = threading.Thread(target=second)
        waiting.start()
        # (held, it cannot finish however long it is given; unheld, it finished here)
        assert not done.wait(2)
        first.commit()
    waiting.join(timeout=60)
    assert done.is_set()
    history = _history(api, str(organization_id))
    assert [e["actor_name"] for e in history][-2:] == ["first", "second"]
    # Decided on what the first left: a suspension lifted, with its note.
    assert history[-1]["action"] == "approve"
    assert {"field": "status", "old": "suspended", "new": "approved"} in history[-1]["changes"]
    assert answered == ["approved"]


def test_a_patch_with_the_etag_read_never_overwrites_another_administrators_change(
    api: Api,
) -> None:
    created = api.client.post("/v1/organizations", json={"name": "Guarded"}, headers=api.admin)
    assert created.headers["Location"] == f"/v1/organizations/{created.json()['id']}"
    path = created.headers["Location"]
    read = api.client.get(path, headers=api.admin)
    etag = read.headers["ETag"]
    assert etag == created.headers["ETag"]
    # Another administrator changes the e-mail first.
    other = api.client.patch(path, json={"email": "intake@example.org"}, headers=api.admin)
    assert other.status_code == 200, other.text
    assert other.headers["ETag"] != etag
    stale = api.client.patch(
        path, json={"email": "old@example.org"}, headers={**api.admin, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert api.client.get(path, headers=api.admin).json()["email"] == "intake@example.org"
    current = api.client.get(path, headers=api.admin).headers["ETag"]
    # A decision changes it, and answers the new one.
    approved = api.client.post(f"{path}/approve", headers=api.admin)
    assert approved.headers["ETag"] != current
    assert approved.headers["ETag"] == api.client.get(path, headers=api.admin).headers["ETag"]
    current = approved.headers["ETag"]
    guarded = api.client.patch(
        path, json={"phone": "+1-519-555-0100"}, headers={**api.admin, "If-Match": current}
    )
    assert guarded.status_code == 200, guarded.text
    assert guarded.json()["email"] == "intake@example.org"


def test_an_empty_name_in_a_patch_is_one_error_on_the_name(api: Api) -> None:
    """Not two, one of them on pydantic's name for a member of a union
    ("function-after[_no_control_characters(), constrained-str]") and "Input should be None"."""
    organization_id = api.organization("Named")
    response = api.client.patch(
        f"/v1/organizations/{organization_id}", json={"name": ""}, headers=api.admin
    )
    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {"loc": ["body", "name"], "msg": "String should have at least 1 character"}
    ]


def test_an_organization_without_listings_can_be_deleted_and_its_record_stays(
    api: Api,
) -> None:
    """An organization registered by mistake goes; who held its keys, and that it was deleted,
    by whom, stay on the record."""
    organization_id = api.organization("Registered By Mistake")
    provider = api.key("provider", organization_id)
    assert api.get("/v1/me", provider).status_code == 200
    path = f"/v1/organizations/{organization_id}"
    deleted = api.client.delete(path, headers=api.admin)
    assert deleted.status_code == 204, deleted.text
    assert_problem(api.client.get(path, headers=api.admin), 404)
    names = [o["name"] for o in api.get("/v1/organizations", api.admin).json()["items"]]
    assert "Registered By Mistake" not in names
    assert_problem(api.get("/v1/me", provider), 401)  # its keys are revoked
    keys = api.get("/v1/keys", api.admin).json()["items"]
    (held,) = [k for k in keys if k["name"] == "test provider"]
    assert held["revoked_at"] is not None
    assert held["organization_id"] is None
    history = _history(api, organization_id)
    assert [entry["action"] for entry in history][-1] == "delete"
    fields = {change["field"]: change for change in history[-1]["changes"]}
    assert fields["name"] == {"field": "name", "old": "Registered By Mistake", "new": None}
    assert fields["keys"]["old"] == [f"test provider ({held['prefix']}…)"]
    assert_problem(api.client.delete(path, headers=api.admin), 404)  # once


def test_an_organization_with_listings_is_not_deleted(api: Api) -> None:
    organization_id = api.organization("Still Serving")
    api.service(organization_id)
    provider = api.key("provider", organization_id)
    refused = api.client.delete(f"/v1/organizations/{organization_id}", headers=api.admin)
    assert "suspend" in assert_problem(refused, 409)["detail"]
    assert api.get(f"/v1/organizations/{organization_id}", api.admin).status_code == 200
    assert api.get("/v1/me", provider).status_code == 200
    assert [entry["action"] for entry in _history(api, organization_id)][-1] == "approve"


def test_deleting_an_organization_honours_if_match_and_is_for_administrators(api: Api) -> None:
    organization_id = api.organization("Guarded Deletion")
    path = f"/v1/organizations/{organization_id}"
    etag = api.client.get(path, headers=api.admin).headers["ETag"]
    for role in ("provider", "partner", "operator", "analyst"):
        key = api.key(role, organization_id if role == "provider" else None)
        assert_problem(api.client.delete(path, headers=key), 403)
    api.client.patch(path, json={"description": "changed since"}, headers=api.admin)
    stale = api.client.delete(path, headers={**api.admin, "If-Match": etag})
    assert_problem(stale, 412)
    assert api.client.get(path, headers=api.admin).status_code == 200
    current = api.client.get(path, headers=api.admin).headers["ETag"]
    assert api.client.delete(path, headers={**api.admin, "If-Match": current}).status_code == 204


@pytest.mark.parametrize("action", ["approve", "suspend"])
def test_a_decision_honours_if_match_so_that_it_vouches_for_what_was_vetted(
    api: Api, action: str
) -> None:
    """An administrator calls the phone number she read back, then approves: another's PATCH
    of the phone meanwhile made her note vouch for a number she never called (a review).
    With the ETag she read, that is a 412 and nothing changes."""
    organization_id = api.organization("Vetted As Read", approved=action == "suspend")
    path = f"/v1/organizations/{organization_id}"
    read = api.client.get(path, headers=api.admin)
    api.client.patch(path, json={"phone": "+1-204-555-0199"}, headers=api.admin)
    decision = {
        "note": "Phone number called back: +1-204-555-0100.",
        "expected_status": read.json()["status"],
    }
    stale = api.client.post(
        f"{path}/{action}", json=decision, headers={**api.admin, "If-Match": read.headers["ETag"]}
    )
    assert "changed since you read it" in assert_problem(stale, 412)["detail"]
    now = api.client.get(path, headers=api.admin)
    assert now.json()["status"] == read.json()["status"]
    assert [e["action"] for e in _history(api, organization_id)][-1] == "update"
    decided = api.client.post(
        f"{path}/{action}", json=decision, headers={**api.admin, "If-Match": now.headers["ETag"]}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == {"approve": "approved", "suspend": "suspended"}[action]


@pytest.mark.parametrize("what", ["listing", "key"])
def test_a_listing_or_key_made_while_its_organization_is_deleted_is_a_422(
    api: Api, engine: sa.Engine, what: str
) -> None:
    """The deletion counts the listings once the row is locked; a listing (or a key) for the
    organization waits for it, then finds no organization: on PostgreSQL it was written
    beside the deletion and the deletion failed its foreign key, a 500."""
    organization_id = api.organization("Closing Down")
    answers: list[int] = []

    def make() -> None:
        if what == "listing":
            body = listing(organization_id)
            answers.append(
                api.client.post("/v1/services", json=body, headers=api.admin).status_code
            )
        else:
            body = {"role": "provider", "name": "late", "organization_id": organization_id}
            answers.append(api.client.post("/v1/keys", json=body, headers=api.admin).status_code)

    caller = Caller(key_id=uuid.uuid4(), name="closer", role=Role.admin, organization_id=None)
    with Session(engine) as first:
        assert repo.get_organization(first, uuid.UUID(organization_id), for_update=True)
        maker = threading.Thread(target=make)
        maker.start()
        time.sleep(0.5)  # time for the maker to check the organization, were it not to wait
        usecases.delete_organization(
            first, organization_id=uuid.UUID(organization_id), caller=caller
        )
    maker.join(timeout=30)
    assert answers == [422]


def test_an_organizations_history_comes_in_pages_and_stays_readable_once_deleted(
    api: Api,
) -> None:
    organization_id = api.organization(approved=False)
    for action in ("approve", "suspend", "approve"):
        api.client.post(
            f"/v1/organizations/{organization_id}/{action}",
            json={"note": action},
            headers=api.admin,
        ).raise_for_status()
    path = f"/v1/organizations/{organization_id}/history"
    whole = api.get(path, api.admin).json()
    assert [e["action"] for e in whole["items"]] == ["create", "approve", "suspend", "approve"]
    first = api.get(path, api.admin, limit=3).json()
    assert (len(first["items"]), first["has_more"]) == (3, True)
    rest = api.get(path, api.admin, limit=3, after=first["next_after"]).json()
    assert first["items"] + rest["items"] == whole["items"]
    link = api.get(path, api.admin, limit=3).headers["Link"]
    assert link == f'<{path}?limit=3&after={first["next_after"]}>; rel="next"'
    assert "Link" not in api.get(path, api.admin, limit=4).headers
    assert (rest["has_more"], rest["next_after"]) == (False, None)
    assert api.client.delete(f"/v1/organizations/{organization_id}", headers=api.admin).is_success
    # A page past what was there before the deletion: the deletion, not a 404.
    after = api.get(path, api.admin, after=whole["items"][-1]["id"]).json()
    assert [e["action"] for e in after["items"]] == ["delete"]


def test_a_registration_and_a_deletion_list_only_the_fields_they_set_or_cleared(
    api: Api,
) -> None:
    """An organization registered with a name alone: "description: \u2014 \u2192 \u2014" and the
    like said nothing, in its history as in the console's."""
    created = api.client.post("/v1/organizations", json={"name": "Refuge Sobre"}, headers=api.admin)
    organization_id = created.json()["id"]
    assert api.client.delete(f"/v1/organizations/{organization_id}", headers=api.admin).is_success
    registered, deleted = api.get(f"/v1/organizations/{organization_id}/history", api.admin).json()[
        "items"
    ]
    assert registered["changes"] == [
        {"field": "name", "old": None, "new": "Refuge Sobre"},
        {"field": "status", "old": None, "new": "pending"},
    ]
    assert deleted["changes"] == [
        {"field": "name", "old": "Refuge Sobre", "new": None},
        {"field": "status", "old": "pending", "new": None},
    ]


def test_a_page_after_the_largest_id_is_a_422_not_a_500(api: Api) -> None:
    organization_id = api.organization()
    path = f"/v1/organizations/{organization_id}/history"
    assert api.get(path, api.admin, after=2**31 - 1).json()["items"] == []
    problem = assert_problem(api.get(path, api.admin, after=2**31), 422)
    assert problem["errors"][0]["loc"] == ["query", "after"]
