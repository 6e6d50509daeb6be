"""POST /v1/match and GET /v1/places over HTTP, against the demo registry (a database of this
module's own, on the backend under test) and against tiny registries built in the test."""

import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col

from schemas.match import MatchResponse
from service.config import Settings
from service.main import create_app
from service.models import Service
from tests.conftest import new_database_url
from tests.factories import (
    ADMIN_KEY,
    Api,
    app_settings,
    assert_problem,
    bearer,
    confidential_location,
    listing,
)

HOUSING = {"housing.emergency_shelter", "housing.transitional", "housing.long_term"}
REDACTED_LOCATION_KEYS = {"municipality", "province", "confidential", "wheelchair_accessible"}
EXACT_LOCATION_KEYS = {"name", "address", "postal_code", "latitude", "longitude"}
CONTACT_KEYS = {"phone", "email", "url"}


@dataclass(frozen=True)
class Demo:
    client: TestClient
    settings: Settings
    admin: dict[str, str]
    operator: dict[str, str]
    partner: dict[str, str]
    analyst: dict[str, str]
    provider: dict[str, str]

    def match(
        self, body: dict[str, Any], headers: dict[str, str], language: str | None = None
    ) -> Response:
        extra = {} if language is None else {"Accept-Language": language}
        response: Response = self.client.post("/v1/match", json=body, headers={**headers, **extra})
        return response

    def answer(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        response = self.match(body, headers or self.operator)
        assert response.status_code == 200, response.text
        assert_well_formed(body, response.json())
        return response.json()

    def listing(self, service_id: str) -> Any:
        response = self.client.get(f"/v1/services/{service_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()


def _key(client: TestClient, role: str, organization_id: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"role": role, "name": f"match tests {role}"}
    if organization_id:
        body["organization_id"] = organization_id
    created = client.post("/v1/keys", json=body, headers=bearer(ADMIN_KEY))
    assert created.status_code == 201, created.text
    return bearer(created.json()["key"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    for url in new_database_url(tmp_path_factory.mktemp("match-demo")):
        settings = app_settings(url, demo_data=True)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            organizations = client.get("/v1/organizations", headers=bearer(ADMIN_KEY))
            assert organizations.status_code == 200, organizations.text
            some_organization = organizations.json()["items"][0]["id"]
            yield Demo(
                client=client,
                settings=settings,
                admin=bearer(ADMIN_KEY),
                operator=_key(client, "operator"),
                partner=_key(client, "partner"),
                analyst=_key(client, "analyst"),
                provider=_key(client, "provider", some_organization),
            )


def sort_key(match: dict[str, Any]) -> tuple[float, float, str]:
    distance = match["distance_km"]
    return (-match["score"], math.inf if distance is None else distance, match["service_id"])


def assert_well_formed(body: dict[str, Any], answer: dict[str, Any]) -> None:
    """What every answer owes: one result per need in the asked order, each ranked by
    (score desc, distance asc, id asc), within the limit, and unmet needs exactly those
    without a match; and the answer is what its schema says."""
    # The answer is exactly what its schema says, down to which of the location and intake
    # types each match holds (their parts are built without validation, usecases/listings.py).
    assert MatchResponse.model_validate(answer).model_dump(mode="json") == answer
    needs = body["needs"]
    limit = body.get("limit", 5)
    asked_km = body.get("max_distance_km", 50)
    assert [r["need"] for r in answer["results"]] == needs
    for result in answer["results"]:
        matches = result["matches"]
        assert len(matches) <= limit
        assert matches == sorted(matches, key=sort_key)
        assert len({m["service_id"] for m in matches}) == len(matches)
        assert all(0 <= m["score"] <= 1 for m in matches)
        assert result["expanded"] is (result["radius_km"] > min(asked_km, 500))
        if not result["expanded"]:
            assert result["radius_km"] == min(asked_km, 500)
    assert answer["unmet_needs"] == [r["need"] for r in answer["results"] if not r["matches"]]


def admits(listing: dict[str, Any], **person: Any) -> bool:
    rules = listing["eligibility"]
    gender = person.get("gender")
    age = person.get("age")
    trafficking = person.get("trafficking_type")
    if gender and rules["genders"] and gender not in rules["genders"]:
        return False
    if age is not None and rules["min_age"] is not None and age < rules["min_age"]:
        return False
    if age is not None and rules["max_age"] is not None and age > rules["max_age"]:
        return False
    if trafficking and rules["trafficking_types"]:
        experienced = {"labour", "sex"} if trafficking == "both" else {trafficking}
        if not experienced & set(rules["trafficking_types"]):
            return False
    return bool(listing["accepting_referrals"])


# --- the cases of the issue -----------------------------------------------------------------


def test_a_woman_in_cambridge_needing_housing_and_immigration_law(demo: Demo) -> None:
    body = {
        "gender": "woman",
        "needs": ["housing", "legal.immigration"],
        "location": {"place": "Cambridge, ON"},
    }
    answer = demo.answer(body)
    assert answer["location"]["label"] == "Cambridge, ON"
    assert answer["location"]["province"] == "ON"
    assert answer["unmet_needs"] == []
    housing, legal = answer["results"]
    assert housing["matches"]
    assert legal["matches"]
    for match in housing["matches"]:
        listing = demo.listing(match["service_id"])
        assert admits(listing, gender="woman"), listing["name"]
        assert set(listing["categories"]) & HOUSING
        assert set(match["categories"]) & HOUSING
    for match in legal["matches"]:
        assert "legal.immigration" in demo.listing(match["service_id"])["categories"]


def test_a_man_trafficked_for_labour_in_a_rural_township(demo: Demo) -> None:
    body = {
        "gender": "man",
        "trafficking_type": "labour",
        "needs": ["housing", "legal.employment_rights"],
        "location": {"postal_prefix": "N0B"},
    }
    answer = demo.answer(body)
    assert answer["location"]["area_type"] == "rural"
    assert answer["unmet_needs"] == []
    housing, legal = answer["results"]
    for result in (housing, legal):
        assert result["matches"], result["need"]
        if result["expanded"]:
            assert result["radius_km"] > 50
        for match in result["matches"]:
            listing = demo.listing(match["service_id"])
            assert admits(listing, gender="man", trafficking_type="labour"), listing["name"]
    # Reach beyond the township: widening, outreach or help by phone.
    reaching = [
        m for m in legal["matches"] if {"outreach", "phone", "virtual"} & set(m["delivery"])
    ]
    assert reaching or legal["expanded"]
    # Housing is never offered "by phone or online".
    for match in housing["matches"]:
        assert "serves you by phone or online" not in match["reasons"]


def test_a_widened_search_says_so_and_flags_far_matches(demo: Demo) -> None:
    body = {"needs": ["legal.employment_rights"], "location": {"place": "Elmira, ON"}}
    answer = demo.answer({**body, "max_distance_km": 5})
    (result,) = answer["results"]
    assert result["expanded"] is True
    assert result["radius_km"] in {25, 50, 100, 200, 350, 500}
    far = [m for m in result["matches"] if m["distance_km"] is not None and m["distance_km"] > 5]
    assert far
    in_person_far = [m for m in far if not any("phone or online" in r for r in m["reasons"])]
    for match in in_person_far:
        if not any("outreach" in r for r in match["reasons"]):
            assert any("farther than" in caveat for caveat in match["caveats"]), match


def test_a_16_year_old_is_never_offered_a_service_for_older_people(demo: Demo) -> None:
    body = {
        "age": 16,
        "needs": ["housing", "specialized", "legal"],
        "location": {"place": "Kitchener, ON"},
        "limit": 20,
    }
    answer = demo.answer(body)
    seen = {m["service_id"] for r in answer["results"] for m in r["matches"]}
    assert len(seen) > 10
    for service_id in seen:
        rules = demo.listing(service_id)["eligibility"]
        assert rules["min_age"] is None or rules["min_age"] <= 16, rules
        assert rules["max_age"] is None or rules["max_age"] >= 16, rules


def _confidential_matches(demo: Demo, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    body = {"gender": "woman", "needs": ["housing"], "location": {"place": "Kitchener, ON"}}
    answer = demo.answer({**body, "limit": 30}, headers)
    return {
        m["service_id"]: m
        for m in answer["results"][0]["matches"]
        if m["location"] is not None and m["location"]["confidential"]
    }


def _assert_location_hidden(demo: Demo, match: dict[str, Any], text: str) -> None:
    assert set(match["location"]) == REDACTED_LOCATION_KEYS
    assert match["distance_km"] % 5 == 0
    listing = demo.listing(match["service_id"])
    for location in listing["locations"]:
        if location["confidential"]:
            assert location["address"] not in text
            assert location["postal_code"] not in text
            assert f"{location['latitude']}" not in text
            assert f"{location['longitude']}" not in text


def test_a_partner_sees_a_confidential_shelter_as_an_area_and_a_hotline(demo: Demo) -> None:
    confidential = _confidential_matches(demo, demo.partner)
    assert confidential, "the demo registry has confidential shelters near Kitchener"
    text = json.dumps(confidential)
    for match in confidential.values():
        _assert_location_hidden(demo, match, text)
        assert match["intake"]["contact_through"] == "hotline_operator"
        assert not CONTACT_KEYS & set(match["intake"])
        assert any("distance approximate" in caveat for caveat in match["caveats"])


def test_in_french_a_partner_is_told_in_french_to_go_through_a_hotline(demo: Demo) -> None:
    body = {"needs": ["housing"], "location": {"place": "Kitchener, ON"}, "limit": 50}
    for header in ("fr-CA", "de, fr;q=0.5", "en;q=0.2, fr-CA;q=0.9"):
        response = demo.match(body, demo.partner, language=header)
        assert response.status_code == 200
        intakes = [
            m["intake"]
            for m in response.json()["results"][0]["matches"]
            if m["intake"].get("contact_through") == "hotline_operator"
        ]
        assert intakes
        assert all(i["message"].startswith("Service confidentiel") for i in intakes), header
    english = demo.match(body, demo.partner, language="fr;q=0.1, en").json()
    assert any(
        m["intake"].get("message", "").startswith("Confidential service")
        for m in english["results"][0]["matches"]
    )


def test_an_operator_sees_the_intake_phone_but_not_where_the_shelter_is(demo: Demo) -> None:
    confidential = _confidential_matches(demo, demo.operator)
    assert confidential
    assert confidential.keys() == _confidential_matches(demo, demo.partner).keys()
    text = json.dumps(confidential)
    for service_id, match in confidential.items():
        _assert_location_hidden(demo, match, text)
        listing = demo.listing(service_id)
        assert match["intake"]["phone"] == listing["intake"]["phone"]
        assert match["intake"]["phone"]
        assert "contact_through" not in match["intake"]


def test_an_admin_sees_the_full_location_of_a_confidential_shelter(demo: Demo) -> None:
    confidential = _confidential_matches(demo, demo.admin)
    assert confidential
    for match in confidential.values():
        assert EXACT_LOCATION_KEYS <= set(match["location"])
        assert match["location"]["address"]


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "field", "value"),
    [
        ({"place": "Canaryville Qz, ON"}, "place", "Canaryville Qz"),
        ({"place": "Springfield"}, "place", "Springfield"),
        ({"postal_prefix": "X0X 7Q7"}, "postal_prefix", "X0X"),
        ({"postal_prefix": "K9Z"}, "postal_prefix", "K9Z"),
    ],
)
def test_an_unknown_location_is_refused_naming_the_field_not_the_value(
    demo: Demo, location: dict[str, str], field: str, value: str
) -> None:
    response = demo.match({"needs": ["housing"], "location": location}, demo.operator)
    problem = assert_problem(response, 422)
    assert ["body", "location", field] in [error["loc"] for error in problem["errors"]]
    assert value.lower() not in response.text.lower()
    assert "7Q7" not in response.text


def test_a_name_two_places_of_the_province_share_asks_for_a_postal_prefix(demo: Demo) -> None:
    """/v1/places offers both Westmounts of Nova Scotia as "Westmount, NS": the answer must
    say what would work, not "add the province" to a name that has one."""
    labels = [
        p["label"]
        for p in demo.client.get(
            "/v1/places", params={"q": "Westmount"}, headers=demo.operator
        ).json()["items"]
    ]
    assert labels.count("Westmount, NS") == 2
    body = {"needs": ["housing"], "location": {"place": "Westmount, NS"}}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert "location.postal_prefix" in problem["detail"]
    assert "add the province" not in problem["detail"]


def test_an_unknown_place_with_its_province_is_not_told_to_add_the_province(demo: Demo) -> None:
    body = {"needs": ["housing"], "location": {"place": "Canaryville Qz, ON"}}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert "no such place known in that province" in problem["detail"]
    assert "add the province" not in problem["detail"]
    # Without a province: a name no place bears is misspelt (an operator's review found
    # "Iqualuit" told to add the province); one that several bear wants the province.
    body = {"needs": ["housing"], "location": {"place": "Canaryville Qz"}}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert "no such place known; check the spelling" in problem["detail"]
    assert "add the province" not in problem["detail"]
    body = {"needs": ["housing"], "location": {"place": "Stratford"}}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert "several places bear this name; add the province" in problem["detail"]


def test_coordinates_outside_canada_are_refused_without_being_echoed(demo: Demo) -> None:
    body = {"needs": ["housing"], "location": {"latitude": 47.61, "longitude": -122.33}}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert problem["errors"][0]["loc"][-1] == "latitude"
    assert "outside Canada" in problem["detail"]
    assert "47.61" not in json.dumps(problem)
    assert "122.33" not in json.dumps(problem)


def test_in_french_a_problem_is_said_in_french(demo: Demo) -> None:
    """An operator using the console in French read every problem in English (an operator's
    review): titles, the profile's own checks, pydantic's and where the person is."""
    unknown = {"needs": ["housing"], "location": {"place": "Canaryville Qz"}}
    problem = assert_problem(demo.match(unknown, demo.operator, "fr-CA"), 422)
    assert problem["title"] == "Requête invalide"
    assert problem["detail"].startswith("location.place : aucun lieu de ce nom")
    assert problem["errors"][0]["msg"].startswith("aucun lieu de ce nom ; vérifiez")
    bad = {
        "gender": "femme",
        "age": 300,
        "needs": [],
        "location": {"place": "Elmira, ON", "postal_prefix": "N2L"},
        "agee": 3,
    }
    problem = assert_problem(demo.match(bad, demo.operator, "fr"), 422)
    messages = {tuple(error["loc"]): error["msg"] for error in problem["errors"]}
    assert problem["detail"] == "La requête n'est pas valide ; la liste errors dit pourquoi."
    assert messages[("body", "gender")].startswith("doit être l'une des valeurs 'woman'")
    assert messages[("body", "age")] == "doit être au plus 120"
    assert messages[("body", "needs")] == "trop court : au moins 1 élément(s)"
    assert "donnez un seul de postal_prefix" in messages[("body", "location")]
    near = {"needs": ["housing"], "location": {"place": "Elmira, ON"}, "max_distance_km": 0}
    problem = assert_problem(demo.match(near, demo.operator, "fr"), 422)
    # (a bound as written in French: 0, not pydantic's 0.0)
    assert problem["errors"][0]["msg"] == "doit être supérieur à 0"
    assert messages[("body",)] == (
        "champ inconnu (un champ d'un profil n'est pas nommé ; vouliez-vous dire age ?)"
    )
    # English stays English, and a preference for English wins.
    english = assert_problem(demo.match(unknown, demo.operator, "en, fr;q=0.5"), 422)
    assert english["title"] == "Invalid request"
    missing = assert_problem(demo.client.get("/v1/nowhere", headers={"Accept-Language": "fr"}), 404)
    assert missing["title"] == "Introuvable"


def test_a_postal_prefix_that_is_a_whole_region_asks_for_the_town(demo: Demo) -> None:
    """X0A is Baffin Island: its centre (Igloolik) lies 700 km from Iqaluit, where the
    demo's shelter is; an answer from there would call housing unmet."""
    body = {"needs": ["housing"], "location": {"postal_prefix": "X0A"}, "urgent": True}
    response = demo.match(body, demo.operator)
    problem = assert_problem(response, 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", "location", "postal_prefix"]]
    assert "location.place" in problem["detail"]
    assert "X0A" not in response.text
    in_town = demo.answer({**body, "location": {"place": "Iqaluit"}})
    assert in_town["location"]["label"] == "Iqaluit, NU"
    assert in_town["results"][0]["matches"]
    assert in_town["unmet_needs"] == []
    # Rural prefixes that are places enough still answer.
    assert demo.answer({**body, "location": {"postal_prefix": "N0B"}})["results"]


def test_a_whole_rural_postal_code_of_a_wide_region_places_the_person_in_its_community(
    demo: Demo,
) -> None:
    """An operator asks the caller's postal code; in the north a rural code names the
    community's post office: X0A 0H0 is Iqaluit, and was a 422 asking for the town (a
    review). The code is never echoed; one of no known community is still a 422."""
    body = {"needs": ["housing"], "location": {"postal_prefix": "X0A 0H0"}, "urgent": True}
    response = demo.match(body, demo.operator)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["location"]["label"] == "Iqaluit, NU"
    assert answer["results"][0]["matches"]
    assert "X0A 0H0" not in response.text  # (the shelters' own addresses are in X0A)
    assert "X0A0H0" not in response.text
    by_place = demo.answer({**body, "location": {"place": "Iqaluit"}})
    assert answer["results"] == by_place["results"]
    unknown = demo.match({**body, "location": {"postal_prefix": "X0A 9Z9"}}, demo.operator)
    problem = assert_problem(unknown, 422)
    assert "location.place" in problem["detail"]
    assert "9Z9" not in unknown.text


def test_a_whole_rural_postal_code_places_the_person_in_its_community_not_at_its_areas_point(
    demo: Demo,
) -> None:
    """A rural area narrow enough for its prefix to place a person still spans many towns
    (N0B: Elora to Ayr, 50 km apart), and its point may lie in none of them (C0A's, 80 km
    from Souris, PE, where it put a caller; a review of migrant farm workers' calls): its
    whole code names the community. A code of no known community is read as its prefix."""
    body = {"needs": ["housing", "legal"], "location": {"postal_prefix": "N0B 1S0"}}
    response = demo.match(body, demo.operator)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["location"]["label"] == "Elora, ON"
    assert "N0B 1S0" not in response.text
    assert "N0B1S0" not in response.text
    by_place = demo.answer({**body, "location": {"place": "Elora, ON"}})
    assert answer["results"] == by_place["results"]
    by_prefix = demo.answer({**body, "location": {"postal_prefix": "N0B"}})
    assert by_prefix["location"]["label"] == "Waterloo, ON"
    unknown = demo.answer({**body, "location": {"postal_prefix": "N0B 9Z9"}})
    assert unknown["location"] == by_prefix["location"]
    assert unknown["results"] == by_prefix["results"]


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("urgent", 0, True),
        ("urgent", "yes", True),
        ("wheelchair", 1, False),
        ("no_identification", "true", True),
        ("urgent", None, True),
        # `"age": false` was read as 0 years: services for children, and a caveat on every
        # adult service, for a person who meant to say nothing.
        ("age", False, 30),
        ("age", "24", 24),
        ("age", 24.5, 24.0),
        ("limit", 2.5, 2.0),
        ("limit", True, 1),
        ("max_distance_km", True, 25),
        ("max_distance_km", "25", 25.5),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_converted(
    demo: Demo, field: str, value: Any, valid: Any
) -> None:
    """Each field takes the JSON type the schema gives it: `"urgent": 0` is not read as
    false, nor `"age": false` as 0 or `"age": "24"` as 24."""
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}, field: value}
    problem = assert_problem(demo.match(body, demo.operator), 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", field]]
    assert demo.match({**body, field: valid}, demo.operator).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [{"name": "Jane"}, {"phone": "519-555-0199"}, {"location": {"place": "Elmira, ON", "x": 1}}],
)
def test_an_unknown_field_is_refused(demo: Demo, extra: dict[str, Any]) -> None:
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}, **extra}
    response = demo.match(body, demo.operator)
    problem = assert_problem(response, 422)
    assert problem["errors"]
    assert "Jane" not in response.text
    assert "555-0199" not in response.text


@pytest.mark.parametrize("role", ["analyst", "provider"])
def test_analysts_and_providers_may_not_match(demo: Demo, role: str) -> None:
    headers: dict[str, str] = getattr(demo, role)
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}}
    assert_problem(demo.match(body, headers), 403)


def test_matching_needs_a_key(demo: Demo) -> None:
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}}
    assert_problem(demo.match(body, {}), 401)
    assert_problem(demo.match(body, bearer("rk_not-a-real-key-0000000000")), 401)


@pytest.mark.parametrize("role", ["admin", "operator", "partner"])
def test_admins_operators_and_partners_may_match(demo: Demo, role: str) -> None:
    body = {"needs": ["housing"], "location": {"place": "Elmira, ON"}}
    demo.answer(body, getattr(demo, role))


# --- language, limits, determinism, urgency -------------------------------------------------

ENGLISH_ONLY = ("serves ", "updated", "speaks", "free", "listing", "staff travel")
FRENCH_ONLY = ("sert", "mis à jour", "parle", "libre", "fiche", "accueil", "l'équipe")


def _texts(answer: dict[str, Any]) -> list[str]:
    return [
        text
        for result in answer["results"]
        for match in result["matches"]
        for text in (*match["reasons"], *match["caveats"])
        if not text.endswith(" km")
    ]


@pytest.mark.parametrize(
    ("accept_language", "french"),
    [("fr", True), ("fr-CA,fr;q=0.9,en;q=0.8", True), ("en-CA", False), (None, False)],
)
def test_accept_language_chooses_the_language_of_reasons(
    demo: Demo, accept_language: str | None, french: bool
) -> None:
    body = {
        "gender": "woman",
        "age": 30,
        "languages": ["es"],
        "needs": ["housing", "specialized"],
        "location": {"place": "Kitchener, ON"},
        "limit": 10,
    }
    response = demo.match(body, demo.operator, accept_language)
    assert response.status_code == 200, response.text
    texts = _texts(response.json())
    assert texts
    found, other = (FRENCH_ONLY, ENGLISH_ONLY) if french else (ENGLISH_ONLY, FRENCH_ONLY)
    assert any(fragment in text for text in texts for fragment in found)
    assert not any(fragment in text for text in texts for fragment in other), texts


@pytest.mark.parametrize("limit", [1, 3, 12])
def test_the_limit_is_respected(demo: Demo, limit: int) -> None:
    body = {
        "needs": ["specialized", "housing"],
        "location": {"place": "Kitchener, ON"},
        "limit": limit,
    }
    answer = demo.answer(body)
    for result in answer["results"]:
        assert len(result["matches"]) == limit


def test_the_same_request_gets_the_same_answer(demo: Demo) -> None:
    body = {
        "gender": "gender_diverse",
        "trafficking_type": "both",
        "languages": ["es", "pt"],
        "needs": ["housing", "legal", "specialized.counselling"],
        "location": {"postal_prefix": "N2L"},
        "limit": 15,
    }
    first = demo.match(body, demo.partner)
    second = demo.match(body, demo.partner)
    assert first.status_code == 200, first.text
    assert first.json() == second.json()
    # A smaller limit gives the head of the same ranking.
    head = demo.answer({**body, "limit": 4}, demo.partner)
    for full, short in zip(first.json()["results"], head["results"], strict=True):
        if not full["expanded"] and not short["expanded"]:
            assert short["matches"] == full["matches"][:4]


def test_the_distance_in_the_reasons_is_the_distance_shown(demo: Demo) -> None:
    body = {
        "needs": ["housing", "specialized"],
        "location": {"postal_prefix": "N0B"},
        "limit": 50,
    }
    answer = demo.answer(body)
    checked = 0
    for result in answer["results"]:
        for match in result["matches"]:
            stated = [r for r in match["reasons"] if r.endswith(" km")]
            if match["distance_km"] is None:
                assert stated == []
            elif stated:
                checked += 1
                assert stated == [f"{match['distance_km']} km"], match
    assert checked > 20


def _ready(match: dict[str, Any]) -> bool:
    hours = (match["intake"].get("hours") or "").replace(" ", "")
    return bool(match["availability"]["beds_available"]) or hours == "24/7"


@pytest.mark.parametrize(
    "location",
    [{"place": "Kitchener, ON"}, {"place": "Toronto, ON"}, {"postal_prefix": "N0B"}],
)
def test_urgent_housing_ranks_a_bed_or_24_7_intake_first(
    demo: Demo, location: dict[str, str]
) -> None:
    body = {"needs": ["housing"], "urgent": True, "location": location, "limit": 50}
    answer = demo.answer(body)
    ready = [_ready(m) for m in answer["results"][0]["matches"]]
    assert ready == sorted(ready, reverse=True)
    assert True in ready


def _current_count(match: dict[str, Any]) -> int | None:
    """Tonight's free beds by a current count; None when there is none."""
    stale = any("may be out of date" in caveat for caveat in match["caveats"])
    beds: int | None = match["availability"]["beds_available"]
    return None if stale else beds


def _around_the_clock(match: dict[str, Any]) -> bool:
    return (match["intake"].get("hours") or "").replace(" ", "") == "24/7"


def _tier(match: dict[str, Any]) -> int:
    """2: takes people tonight; 1: a bed another day, or 24/7 and full; 0: neither."""
    count = _current_count(match)
    if _around_the_clock(match):
        # Full by its last count, however old: no newer count says otherwise.
        return 1 if match["availability"]["beds_available"] == 0 else 2
    if count:
        return 2 if "housing.emergency_shelter" in match["categories"] else 1
    return 0


@pytest.mark.parametrize(
    "location",
    [{"place": "Kitchener, ON"}, {"place": "Elmira, ON"}, {"place": "Montréal, QC"}],
)
def test_urgent_housing_ranks_a_shelter_taking_people_tonight_above_a_bed_another_day(
    demo: Demo, location: dict[str, str]
) -> None:
    """Long-term housing with a free bed, a referral required and office hours ranked first
    for a person needing a bed tonight, above open 24/7 emergency shelters (a review found it
    in 14 of 60 cities). It ranks below them now, and says why; beside a 24/7 shelter full
    tonight, the free bed still counts as it did."""
    body = {"needs": ["housing"], "urgent": True, "location": location, "limit": 50}
    matches = demo.answer(body)["results"][0]["matches"]
    tiers = [_tier(m) for m in matches]
    assert tiers == sorted(tiers, reverse=True)
    assert 2 in tiers
    for match in matches:
        # Said of all housing that is neither an emergency shelter nor open at any hour,
        # whether its count is current (a bed another day) or not (no bed it can vouch for).
        said = any("may not take people tonight" in caveat for caveat in match["caveats"])
        shelter = "housing.emergency_shelter" in match["categories"]
        assert said == (not shelter and not _around_the_clock(match)), match["name"]


def test_urgency_changes_the_order_where_it_must(demo: Demo) -> None:
    body = {"needs": ["housing"], "location": {"place": "Toronto, ON"}, "limit": 50}
    calm = demo.answer(body)["results"][0]["matches"]
    calm_ready = [_ready(m) for m in calm]
    # The demo has full shelters ranked above some with beds when nothing is urgent.
    assert calm_ready != sorted(calm_ready, reverse=True)


# --- urgent housing: widening for a bed tonight, and beyond -----------------------------------


def _shelter(
    api: Api,
    organization: str,
    town: str,
    latitude: float,
    longitude: float,
    *,
    beds: int,
    hours: str,
) -> str:
    """An emergency shelter in `town` (Ontario) with `beds` free by a count made now."""
    created = api.service(
        organization,
        name=f"{town} shelter",
        locations=[
            {
                "municipality": town,
                "province": "ON",
                "latitude": latitude,
                "longitude": longitude,
                "confidential": False,
            }
        ],
        service_area={"radius_km": None, "provinces": [], "nationwide": False},
        intake={"phone": "+1-807-555-0100", "hours": hours},
        capacity={"beds_total": 10, "beds_available": beds},
    )
    return str(created["id"])


def _kenora(api: Api, body: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """The housing result of a woman of 30 in Kenora asking as `body` adds."""
    operator = api.key("operator")
    response = api.client.post(
        "/v1/match",
        json={
            "gender": "woman",
            "age": 30,
            "needs": ["housing"],
            "location": {"place": "Kenora, ON"},
            **body,
        },
        headers={**operator, "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    return result


def test_urgent_housing_widens_for_a_bed_tonight_not_for_a_full_shelter(api: Api) -> None:
    """Two full shelters in Kenora had stopped the search at 50 km, and Dryden's free beds
    120 km away were never searched (a review): a full shelter is no bed tonight."""
    organization = api.organization("Northwest")
    full = _shelter(api, organization, "Kenora", 49.767, -94.489, beds=0, hours="Mon-Fri 9-5")
    dryden = _shelter(api, organization, "Dryden", 49.783, -92.837, beds=3, hours="Mon-Fri 9-5")

    urgent = _kenora(api, {"urgent": True, "limit": 1})
    assert (urgent["expanded"], urgent["radius_km"]) == (True, 200)
    assert [m["service_id"] for m in urgent["matches"]] == [dryden]
    assert urgent["beyond"] == []
    # Not urgent: the shelter in town is found, and the search stops there.
    calm = _kenora(api, {"limit": 1})
    assert (calm["expanded"], calm["radius_km"]) == (False, 50)
    assert [m["service_id"] for m in calm["matches"]] == [full]


@pytest.mark.parametrize("search", ["memory", "database"])
def test_urgent_housing_finds_beds_tonight_behind_more_full_shelters_than_the_cap(
    tmp_path: Path, search: str
) -> None:
    """When the `cap` nearest listings are full shelters in town, the free beds behind them
    are searched for on their own: the answer had named full shelters only, a free bed 5 km
    away unsaid, and had either stopped at 50 km or said "widened" having looked at nothing
    more (two reviews, with 12 full shelters and a cap of 10)."""
    for url in new_database_url(tmp_path):
        settings = app_settings(url, match_candidate_cap=10, match_search=search)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            api = Api(client)
            organization = api.organization("Northwest")
            full = [
                _shelter(api, organization, "Kenora", 49.767, -94.489, beds=0, hours="9-5")
                for _ in range(12)
            ]
            keewatin = _shelter(api, organization, "Keewatin", 49.757, -94.557, beds=2, hours="9-5")
            dryden = _shelter(api, organization, "Dryden", 49.783, -92.837, beds=3, hours="9-5")

            one = _kenora(api, {"urgent": True, "limit": 1})
            assert (one["expanded"], one["radius_km"]) == (False, 50)
            assert [m["service_id"] for m in one["matches"]] == [keewatin]
            # Two beds tonight asked for: the radius widens to the second, in Dryden.
            two = _kenora(api, {"urgent": True, "limit": 2})
            assert (two["expanded"], two["radius_km"]) == (True, 200)
            assert [m["service_id"] for m in two["matches"]] == [keewatin, dryden]
            # Not urgent: ten listings within 50 km are enough, full or not.
            calm = _kenora(api, {"limit": 10})
            assert (calm["expanded"], calm["radius_km"]) == (False, 50)
            # A shelter in town that counts a free bed tonight moves into the tier's search,
            # and out of it when full again (the match index's grids follow its changes).
            for beds, first in ((1, full[5]), (0, keewatin)):
                assert (
                    api.client.put(
                        f"/v1/services/{full[5]}/availability",
                        json={"beds_available": beds},
                        headers=api.admin,
                    ).status_code
                    == 200
                )
                one = _kenora(api, {"urgent": True, "limit": 1})
                assert [m["service_id"] for m in one["matches"]] == [first]


@pytest.mark.parametrize("search", ["memory", "database"])
def test_urgent_housing_finds_a_24_7_intake_behind_more_full_shelters_than_the_cap(
    tmp_path: Path, search: str
) -> None:
    """With no bed tonight anywhere, the middle tier (a 24/7 intake full by its last count,
    which can still help find a bed) is searched for behind the full shelters with office
    hours too: the answer had named a province-wide 24/7 intake 1,700 km away before the one
    6 km away (a review, 55 full shelters in Thunder Bay)."""
    for url in new_database_url(tmp_path):
        settings = app_settings(url, match_candidate_cap=10, match_search=search)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            api = Api(client)
            organization = api.organization("Northwest")
            for _ in range(12):
                _shelter(api, organization, "Kenora", 49.767, -94.489, beds=0, hours="9-5")
            keewatin = _shelter(
                api, organization, "Keewatin", 49.757, -94.557, beds=0, hours="24/7"
            )
            api.service(
                organization,
                name="Ontario-wide intake",
                locations=[
                    {
                        "municipality": "Toronto",
                        "province": "ON",
                        "latitude": 43.65,
                        "longitude": -79.38,
                        "confidential": False,
                    }
                ],
                service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
                intake={"phone": "+1-416-555-0100", "hours": "24/7"},
                capacity={"beds_total": 10, "beds_available": 0},
            )
            urgent = _kenora(api, {"urgent": True, "limit": 1})
            assert [m["service_id"] for m in urgent["matches"]] == [keewatin]


def test_urgent_housing_with_no_bed_tonight_within_500_km_names_the_nearest_beyond(
    api: Api,
) -> None:
    """A caller in Prince George was given one full lodge and nothing else, free beds 520 km
    away unsaid (a review): the nearest that take people tonight farther away are named."""
    organization = api.organization("Northwest")
    full = _shelter(api, organization, "Kenora", 49.767, -94.489, beds=0, hours="Mon-Fri 9-5")
    sudbury = _shelter(api, organization, "Sudbury", 46.49, -80.99, beds=4, hours="Mon-Fri 9-5")
    sault = _shelter(api, organization, "Sault Ste. Marie", 46.52, -84.33, beds=0, hours="9-5")

    urgent = _kenora(api, {"urgent": True})
    assert [m["service_id"] for m in urgent["matches"]] == [full]
    # Only those taking people tonight: the full one nearer is no more help than the one here.
    assert [m["service_id"] for m in urgent["beyond"]] == [sudbury]
    assert _kenora(api, {})["beyond"] == []

    # With nothing within 500 km: the nearest taking people tonight first, then the others.
    api.client.delete(f"/v1/services/{full}", headers=api.admin)
    assert [m["service_id"] for m in _kenora(api, {"urgent": True})["beyond"]] == [sudbury, sault]
    assert [m["service_id"] for m in _kenora(api, {})["beyond"]] == [sault, sudbury]


def _ontario_wide_in_sudbury(api: Api, organization: str, name: str) -> dict[str, Any]:
    """A service in Sudbury that takes people from anywhere in Ontario, 1,000 km from Kenora."""
    return api.service(
        organization,
        name=name,
        locations=[
            {"municipality": "Sudbury", "province": "ON", "latitude": 46.49, "longitude": -80.99}
        ],
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
    )


def test_when_only_far_services_that_take_people_from_the_area_match_the_nearest_beyond_too(
    api: Api,
) -> None:
    """A territory-wide network's house 1,010 km from Sanikiluaq had been the whole answer,
    and Iqaluit's shelter 998 km away unsaid (a review): a far match found by its area is
    not help near, so the nearest others are named beyond, as when nothing matches."""
    organization = api.organization("Northwest")
    network = _ontario_wide_in_sudbury(api, organization, "Ontario-wide network house")["id"]
    sault = _shelter(api, organization, "Sault Ste. Marie", 46.52, -84.33, beds=2, hours="24/7")
    for body in ({}, {"urgent": True}):
        result = _kenora(api, body)
        assert [m["service_id"] for m in result["matches"]] == [network]
        assert [m["service_id"] for m in result["beyond"]] == [sault]
    # A shelter in town: help near, nothing beyond.
    _shelter(api, organization, "Kenora", 49.767, -94.489, beds=2, hours="24/7")
    assert _kenora(api, {})["beyond"] == []


def test_beyond_a_service_sure_to_serve_the_person_comes_before_one_in_doubt(api: Api) -> None:
    """A youth shelter 1,450 km from Kuujjuaq came third for a 16-year-old, after houses
    1,362 and 1,449 km away that do not say they take minors (a review of fly-in calls):
    beyond 500 km each is a flight, and a door sure to open comes first, as among matches."""
    organization = api.organization("Northwest")

    def shelter(town: str, latitude: float, longitude: float, **ages: int | None) -> str:
        created = api.service(
            organization,
            name=f"{town} shelter",
            eligibility={**listing(organization)["eligibility"], **ages},
            locations=[
                {
                    "municipality": town,
                    "province": "ON",
                    "latitude": latitude,
                    "longitude": longitude,
                }
            ],
            service_area={"radius_km": None, "provinces": [], "nationwide": False},
        )
        service_id: str = created["id"]
        return service_id

    adult = shelter("Sault Ste. Marie", 46.52, -84.33, min_age=None, max_age=None)  # says none
    youth = shelter("Sudbury", 46.49, -80.99, min_age=16, max_age=24)
    assert [m["service_id"] for m in _kenora(api, {})["beyond"]] == [adult]  # (30: not 16-24)
    minor = _kenora(api, {"age": 16})
    assert [m["service_id"] for m in minor["beyond"]][:2] == [youth, adult]
    doubt = next(m for m in minor["beyond"] if m["service_id"] == adult)
    assert any("under 18" in caveat for caveat in doubt["caveats"])


def test_a_service_farther_than_asked_says_it_takes_people_from_the_persons_area(
    api: Api,
) -> None:
    """Ontario-wide shelters 1,000 km from Attawapiskat were shown in a 50 km search with no
    reason why (a review): they say they take people from anywhere in Ontario."""
    organization = api.organization("Northwest")
    sudbury = _ontario_wide_in_sudbury(api, organization, "Sudbury shelter")
    result = _kenora(api, {})
    [match] = [m for m in result["matches"] if m["service_id"] == sudbury["id"]]
    assert match["reasons"][:2] == [
        f"{match['distance_km']} km",
        "takes people from anywhere in Ontario",
    ]
    french = _kenora(api, {}, "fr")["matches"]
    assert "accueille des personnes de tout l'Ontario" in french[0]["reasons"]


def test_a_service_without_a_site_says_the_area_it_takes_people_from(api: Api) -> None:
    """An Ontario-wide housing network listing no location was first of an answer with no
    distance and not a word of why it was there (a review)."""
    organization = api.organization("Northwest")
    network = api.service(
        organization,
        name="Safe house network",
        locations=[],
        delivery=["outreach"],
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
    )
    result = _kenora(api, {})
    [match] = [m for m in result["matches"] if m["service_id"] == network["id"]]
    assert (match["reach"], match["distance_km"]) == ("service_area", None)
    assert match["reasons"][0] == "takes people from anywhere in Ontario"


# --- unmet needs on a tiny registry ---------------------------------------------------------


def _tiny_registry(api: Api) -> dict[str, str]:
    organization = api.organization("Tiny Registry")
    shelter = api.service(organization, name="Women's shelter")
    legal = api.service(
        organization,
        name="Immigration law by phone",
        categories=["legal.immigration"],
        eligibility={"genders": [], "min_age": None, "max_age": None, "statuses": []},
        trafficking_focus=[],
        delivery=["in_person", "phone"],
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
        capacity={"beds_total": None, "beds_available": None},
    )
    hidden = api.service(
        organization,
        name="Confidential shelter",
        locations=[confidential_location()],
        eligibility={"genders": ["man"], "min_age": 18, "max_age": None},
        service_area={"radius_km": None, "provinces": [], "nationwide": False},
    )
    closed = api.service(
        organization,
        name="Closed shelter",
        eligibility={"genders": []},
        accepting_referrals=False,
    )
    pending = api.organization("Pending Org", approved=False)
    unvetted = api.service(pending, name="Unvetted", eligibility={"genders": []})
    return {
        "shelter": shelter["id"],
        "legal": legal["id"],
        "hidden": hidden["id"],
        "closed": closed["id"],
        "unvetted": unvetted["id"],
    }


KITCHENER = {"place": "Kitchener, ON"}


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (
            {"gender": "woman", "needs": ["housing", "legal.immigration", "specialized"]},
            {"housing": ["shelter"], "legal.immigration": ["legal"], "specialized": []},
        ),
        (
            {"gender": "man", "needs": ["legal", "housing"]},
            {"legal": ["legal"], "housing": ["hidden"]},
        ),
        ({"age": 17, "needs": ["housing.emergency_shelter"]}, {"housing.emergency_shelter": []}),
        (
            {"needs": ["housing.long_term", "legal.family"]},
            {"housing.long_term": [], "legal.family": []},
        ),
        (
            {"needs": ["housing"], "location": {"place": "Vancouver, BC"}},
            {"housing": []},
        ),
        (
            {"needs": ["legal.immigration"], "location": {"place": "Vancouver, BC"}},
            {"legal.immigration": []},
        ),
        (
            {"needs": ["legal.immigration"], "location": {"place": "Ottawa, ON"}},
            {"legal.immigration": ["legal"]},
        ),
    ],
)
def test_unmet_needs_are_exactly_the_needs_without_a_match(
    api: Api, profile: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    ids = _tiny_registry(api)
    names = {service_id: name for name, service_id in ids.items()}
    operator = api.key("operator")
    body = {"location": KITCHENER, **profile}
    response = api.client.post("/v1/match", json=body, headers=operator)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_well_formed(body, answer)
    found = {r["need"]: [names[m["service_id"]] for m in r["matches"]] for r in answer["results"]}
    assert found == expected
    assert answer["unmet_needs"] == [need for need, matched in expected.items() if not matched]


NEEDS = [
    "housing",
    "legal",
    "specialized",
    "housing.emergency_shelter",
    "housing.long_term",
    "legal.immigration",
    "legal.family",
]


def test_unmet_needs_match_the_results_for_any_profile(api: Api) -> None:
    ids = _tiny_registry(api)
    operator = api.key("operator")

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(
        gender=st.sampled_from(["woman", "man", "gender_diverse", "undisclosed"]),
        age=st.none() | st.integers(min_value=0, max_value=120),
        needs=st.lists(st.sampled_from(NEEDS), min_size=1, max_size=5, unique=True),
        location=st.sampled_from(
            [
                KITCHENER,
                {"place": "Vancouver, BC"},
                {"postal_prefix": "N0B"},
                {"postal_prefix": "K1A"},
            ]
        ),
        urgent=st.booleans(),
        limit=st.integers(min_value=1, max_value=3),
    )
    def check(
        gender: str,
        age: int | None,
        needs: list[str],
        location: dict[str, str],
        urgent: bool,
        limit: int,
    ) -> None:
        body: dict[str, Any] = {
            "gender": gender,
            "needs": needs,
            "location": location,
            "urgent": urgent,
            "limit": limit,
        }
        if age is not None:
            body["age"] = age
        response = api.client.post("/v1/match", json=body, headers=operator)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert_well_formed(body, answer)
        matched = {m["service_id"] for r in answer["results"] for m in r["matches"]}
        assert not matched & {ids["closed"], ids["unvetted"]}

    check()


# --- places ---------------------------------------------------------------------------------


def test_places_autocomplete_finds_elmira(demo: Demo) -> None:
    response = demo.client.get("/v1/places", params={"q": "elm"}, headers=demo.partner)
    assert response.status_code == 200, response.text
    labels = [item["label"] for item in response.json()["items"]]
    assert "Elmira, ON" in labels[:3]
    assert all(label.lower().startswith("elm") for label in labels)


def test_places_limit(demo: Demo) -> None:
    response = demo.client.get("/v1/places", params={"q": "st", "limit": 4}, headers=demo.partner)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 4


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "elm", "limit": 0}, {"q": "x" * 101}])
def test_places_needs_a_query(demo: Demo, params: dict[str, Any]) -> None:
    response = demo.client.get("/v1/places", params=params, headers=demo.partner)
    assert_problem(response, 422)


def test_places_needs_a_key(demo: Demo) -> None:
    assert_problem(demo.client.get("/v1/places", params={"q": "elm"}), 401)


def _beds_of(api: Api, operator: dict[str, str], service_id: str) -> tuple[Any, list[str]]:
    body = {"location": KITCHENER, "gender": "woman", "needs": ["housing"]}
    response = api.client.post("/v1/match", json=body, headers=operator)
    assert response.status_code == 200, response.text
    (found,) = [
        m for m in response.json()["results"][0]["matches"] if m["service_id"] == service_id
    ]
    return found["availability"]["beds_available"], found["reasons"] + found["caveats"]


def test_a_changed_listing_is_ranked_as_it_is_now_however_it_was_changed(
    api: Api, engine: sa.Engine
) -> None:
    """Matching remembers the candidates it built from rows; a row changed by any means, even
    by hand in the database without a new version, must be ranked as it now is."""
    ids = _tiny_registry(api)
    operator = api.key("operator")
    shelter = ids["shelter"]
    before, _ = _beds_of(api, operator, shelter)
    changed = api.client.put(
        f"/v1/services/{shelter}/availability",
        json={"beds_available": 0},
        headers=api.admin,
    )
    assert changed.status_code == 200, changed.text
    beds, notes = _beds_of(api, operator, shelter)
    assert before != 0
    assert beds == 0
    assert any(note.startswith("no beds free") for note in notes), notes
    with engine.begin() as connection:  # behind the service's back: no new version
        connection.execute(
            sa.update(Service)
            .where(col(Service.id) == uuid.UUID(shelter))
            .values(beds_available=3, accepting_referrals=True)
        )
    beds, notes = _beds_of(api, operator, shelter)
    assert beds == 3
    assert any(note.startswith("3 beds free") for note in notes), notes


def test_a_need_nothing_meets_within_500_km_names_the_nearest_help_beyond(demo: Demo) -> None:
    """A caller in Rankin Inlet was told only that nothing is near: now also of the nearest
    shelters farther away (Iqaluit's), nearest first, each said to be farther than asked."""
    body = {
        "gender": "woman",
        "needs": ["housing"],
        "location": {"place": "Rankin Inlet, NU"},
        "urgent": True,
    }
    answer = demo.answer(body)
    (result,) = answer["results"]
    assert answer["unmet_needs"] == ["housing"]
    assert result["matches"] == []
    beyond = result["beyond"]
    assert 1 <= len(beyond) <= 3
    distances = [m["distance_km"] for m in beyond]
    assert all(km > 500 for km in distances)
    assert distances == sorted(distances)
    for match in beyond:
        assert any(caveat.startswith("farther than the 50 km asked") for caveat in match["caveats"])
    # Where help is near, nothing is said beyond it.
    near = demo.answer({**body, "location": {"place": "Kitchener, ON"}})
    assert [r["beyond"] for r in near["results"]] == [[]]


@pytest.mark.parametrize(
    "body",
    [
        {
            "needs": ["specialized.medical"],
            "location": {"postal_prefix": "M4S"},
            "limit": 10,
            "max_distance_km": 5,
            "gender": "man",
            "wheelchair": True,
            "languages": ["fr"],
        },
        {
            "needs": ["specialized.medical"],
            "location": {"latitude": 49.22, "longitude": -103.08},
            "limit": 3,
        },
        {
            "needs": ["housing.long_term"],
            "location": {"latitude": 60.66, "longitude": -135.02},
            "limit": 2,
        },
    ],
    ids=["Toronto, to Montreal", "southern Saskatchewan", "Whitehorse"],
)
def test_at_the_edge_of_the_widest_radius_both_searches_answer_alike(
    demo: Demo, body: dict[str, Any]
) -> None:
    """The memory search cut at a flat distance longer than the great circle to a site
    poleward, and dropped services 500 km away that the database search kept."""
    database_only = create_app(demo.settings.model_copy(update={"match_search": "database"}))
    with TestClient(database_only, raise_server_exceptions=False) as other:
        from_database = other.post("/v1/match", json=body, headers=demo.operator)
    from_memory = demo.match(body, demo.operator)
    assert from_memory.status_code == from_database.status_code == 200
    assert from_memory.json() == from_database.json()


@pytest.mark.parametrize("search", ["memory", "database"])
def test_a_mother_asking_for_a_lawyer_is_not_ranked_lower_for_what_a_clinic_did_not_say(
    tmp_path: Path, search: str
) -> None:
    """A clinic that did not say whether children may come was ranked lower for a mother
    asking for a lawyer, "unknown whether children can come" (a newcomers' advocate's
    review): unsaid, it is in doubt only for a place to stay. A service that says they may
    not come is never named to her (API.md), a clinic as a shelter; by the index and the
    database alike."""
    for url in new_database_url(tmp_path):
        with TestClient(create_app(app_settings(url, match_search=search))) as client:
            api = Api(client)
            organization = api.organization("Kenora help")
            kenora = [
                {
                    "municipality": "Kenora",
                    "province": "ON",
                    "latitude": 49.767,
                    "longitude": -94.489,
                }
            ]
            unsaid = api.service(
                organization,
                name="Kenora legal clinic",
                categories=["legal.immigration"],
                locations=kenora,
                eligibility={"accepts_dependents": None},
            )["id"]
            api.service(
                organization,
                name="Kenora adults-only clinic",
                categories=["legal.immigration"],
                locations=kenora,
                eligibility={"accepts_dependents": False},
            )
            api.service(
                organization,
                name="Kenora adults-only shelter",
                categories=["housing.emergency_shelter"],
                locations=kenora,
                eligibility={"accepts_dependents": False},
            )
            operator = api.key("operator")
            answer = client.post(
                "/v1/match",
                json={
                    "gender": "woman",
                    "age": 30,
                    "with_dependents": True,
                    "needs": ["legal.immigration", "housing"],
                    "location": {"place": "Kenora, ON"},
                },
                headers=operator,
            ).json()
            legal, housing = answer["results"]
            [match] = legal["matches"]
            assert match["service_id"] == unsaid
            assert not any("children" in caveat for caveat in match["caveats"])
            assert housing["matches"] == []


def test_legal_help_for_a_citizen_is_not_immigration_law_unless_asked_by_name(api: Api) -> None:
    """A clinic of immigration and refugee law came first for an Inuk youth asking for legal
    help (a review of fly-in calls): `legal` takes it in for everyone but a citizen, who
    gets it only by asking for `legal.immigration`."""
    organization = api.organization("Legal")

    def clinic(name: str, category: str) -> str:
        created = api.service(
            organization,
            name=name,
            categories=[category],
            eligibility={**listing(organization)["eligibility"], "genders": [], "min_age": None},
            capacity={"beds_total": None, "beds_available": None},
        )
        service_id: str = created["id"]
        return service_id

    immigration = clinic("Immigration and refugee law", "legal.immigration")
    criminal = clinic("Court support", "legal.criminal_court_support")
    operator = api.key("operator")

    def found(status: str, need: str) -> set[str]:
        response = api.client.post(
            "/v1/match",
            json={
                "newcomer_status": status,
                "needs": [need],
                "location": {"place": "Kitchener, ON"},
            },
            headers=operator,
        )
        assert response.status_code == 200, response.text
        return {m["service_id"] for m in response.json()["results"][0]["matches"]}

    assert found("canadian_citizen", "legal") == {criminal}
    assert found("canadian_citizen", "legal.immigration") == {immigration}
    for status in ("permanent_resident", "refugee_claimant", "undisclosed"):
        assert found(status, "legal") == {immigration, criminal}
