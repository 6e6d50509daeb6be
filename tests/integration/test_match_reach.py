"""Reach by service area over HTTP: the reach-cell index follows every change of a listing."""

from typing import Any

from tests.factories import Api, with_if_match

# An outreach counselling team in Guelph; the person is in Kitchener, about 25 km away,
# searching within 10 km.
GUELPH = {"municipality": "Guelph", "province": "ON", "latitude": 43.5448, "longitude": -80.2482}
PROFILE: dict[str, Any] = {
    "needs": ["specialized.counselling"],
    "location": {"place": "Kitchener, ON"},
    "max_distance_km": 10,
    "limit": 1,
}


def _team(api: Api, radius_km: float | None) -> dict[str, Any]:
    return api.service(
        api.organization(),
        name="Outreach counselling team",
        categories=["specialized.counselling"],
        delivery=["outreach"],
        eligibility={},
        locations=[GUELPH],
        service_area={"radius_km": radius_km, "provinces": [], "nationwide": False},
        capacity={},
    )


def _reached(api: Api, service_id: str, operator: dict[str, str]) -> tuple[bool, bool]:
    """(matched, expanded) for the Kitchener profile."""
    answer = api.client.post("/v1/match", json=PROFILE, headers=operator).json()
    result = answer["results"][0]
    matched = any(m["service_id"] == service_id for m in result["matches"])
    return matched, result["expanded"]


def test_a_service_area_radius_reaches_beyond_the_search_radius(api: Api) -> None:
    team = _team(api, 60)
    operator = api.key("operator")
    assert _reached(api, team["id"], operator) == (True, False)
    answer = api.client.post("/v1/match", json=PROFILE, headers=operator).json()
    (match,) = answer["results"][0]["matches"]
    assert (match["reach"], match["reasons"][0]) == ("outreach", "staff travel to you (outreach)")


def test_outreach_staff_do_not_travel_farther_than_their_area_however_wide_the_search(
    api: Api,
) -> None:
    # Guelph is about 22 km from Kitchener: widening the search finds the team's office, but
    # a team that travels 15 km does not come to the person.
    team = _team(api, 15)
    matched, expanded = _reached(api, team["id"], api.key("operator"))
    assert (matched, expanded) == (False, True)


def test_changing_the_radius_or_the_place_moves_the_reach(api: Api) -> None:
    operator = api.key("operator")
    team = _team(api, 60)
    smaller = api.client.patch(
        f"/v1/services/{team['id']}",
        json={"service_area": {"radius_km": 15}},
        headers=with_if_match(api.admin, f'"{team["id"]}.{team["version"]}"'),
    )
    assert smaller.status_code == 200, smaller.text
    assert _reached(api, team["id"], operator) == (False, True)
    wider = api.client.patch(
        f"/v1/services/{team['id']}",
        json={"service_area": {"radius_km": 60}},
        headers=with_if_match(api.admin, smaller.headers["ETag"]),
    )
    assert _reached(api, team["id"], operator) == (True, False)
    moved = api.client.patch(
        f"/v1/services/{team['id']}",
        json={
            "locations": [
                {**GUELPH, "municipality": "Sudbury", "latitude": 46.49, "longitude": -80.99}
            ]
        },
        headers=with_if_match(api.admin, wider.headers["ETag"]),
    )
    assert moved.status_code == 200, moved.text
    # Its area no longer covers Kitchener: staff 300 km away do not come.
    assert _reached(api, team["id"], operator) == (False, True)


def test_a_deleted_service_no_longer_reaches(api: Api) -> None:
    operator = api.key("operator")
    team = _team(api, 60)
    assert api.client.delete(f"/v1/services/{team['id']}", headers=api.admin).status_code == 204
    matched, _ = _reached(api, team["id"], operator)
    assert not matched


def test_the_location_index_follows_a_change_of_categories(api: Api) -> None:
    """Each location carries its service's categories for the box index: a listing that
    changes category is found under the new one and no longer under the old."""
    operator = api.key("operator")
    team = _team(api, None)
    kitchener = {**GUELPH, "municipality": "Kitchener", "latitude": 43.45, "longitude": -80.49}
    moved = api.client.patch(
        f"/v1/services/{team['id']}",
        json={"categories": ["legal.immigration"], "locations": [kitchener]},
        headers=with_if_match(api.admin, f'"{team["id"]}.{team["version"]}"'),
    )
    assert moved.status_code == 200, moved.text

    def found(need: str) -> bool:
        answer = api.client.post(
            "/v1/match", json={**PROFILE, "needs": [need]}, headers=operator
        ).json()
        return any(m["service_id"] == team["id"] for m in answer["results"][0]["matches"])

    assert found("legal.immigration")
    assert not found("specialized.counselling")


def test_province_and_nationwide_cover_follows_every_change(api: Api) -> None:
    """A phone line far from the person, serving another province, does not reach her; it
    does once it serves her province, and still when it goes nationwide."""
    operator = api.key("operator")
    line = api.service(
        api.organization(),
        name="Provincial phone line",
        categories=["specialized.counselling"],
        delivery=["phone"],
        eligibility={},
        locations=[
            # Thunder Bay: beyond the widest search radius from Kitchener.
            {
                "municipality": "Thunder Bay",
                "province": "ON",
                "latitude": 48.38,
                "longitude": -89.25,
            }
        ],
        service_area={"radius_km": None, "provinces": ["QC"], "nationwide": False},
        capacity={},
    )
    assert not _reached(api, line["id"], operator)[0]
    version = line["version"]
    for area in ({"provinces": ["ON"]}, {"provinces": [], "nationwide": True}):
        changed = api.client.patch(
            f"/v1/services/{line['id']}",
            json={"service_area": area},
            headers=with_if_match(api.admin, f'"{line["id"]}.{version}"'),
        )
        assert changed.status_code == 200, changed.text
        version = changed.json()["version"]
        assert _reached(api, line["id"], operator)[0]


def test_a_phone_line_found_by_widening_still_serves_by_phone(api: Api) -> None:
    """A provincial phone line in Sudbury, about 300 km from Kitchener: alone within the
    asked 10 km, so the radius widens to 500 km, past its office; the operator still reads
    that it serves by phone, not that it lies 300 km away, farther than asked."""
    line = api.service(
        api.organization(),
        name="Provincial counselling line",
        categories=["specialized.counselling"],
        delivery=["phone", "virtual"],
        eligibility={},
        locations=[{**GUELPH, "municipality": "Sudbury", "latitude": 46.49, "longitude": -80.99}],
        service_area={"radius_km": None, "provinces": ["ON"], "nationwide": False},
        capacity={},
    )
    answer = api.client.post(
        "/v1/match", json={**PROFILE, "limit": 2}, headers=api.key("operator")
    ).json()
    (result,) = answer["results"]
    assert (result["radius_km"], result["expanded"]) == (500, True)
    (match,) = result["matches"]
    assert match["service_id"] == line["id"]
    assert match["reach"] == "phone_or_online"
    assert match["reasons"][0] == "serves you by phone or online"
    assert not any("km" in text for text in match["reasons"] + match["caveats"])


def test_a_far_province_wide_shelter_does_not_stop_the_search_for_a_nearer_one(api: Api) -> None:
    """A Toronto safe house taking women from all of Ontario reaches a woman in Windsor, 340
    km away; a Windsor shelter is full. Two shown, but only one found within the asked 50
    km: the radius widens until a second is, and London's shelter, 160 km away, with beds,
    comes before the safe house (an operator's review found the answer stopping at the safe
    house and the full shelter)."""
    organization = api.organization()

    def shelter(name: str, city: str, latitude: float, longitude: float, **changes: Any) -> str:
        created = api.service(
            organization,
            name=name,
            categories=["housing.emergency_shelter"],
            delivery=["in_person"],
            eligibility={},
            locations=[
                {
                    "municipality": city,
                    "province": "ON",
                    "latitude": latitude,
                    "longitude": longitude,
                }
            ],
            **{"capacity": {"beds_total": 10, "beds_available": 2}, **changes},
        )
        return str(created["id"])

    province_wide = {"radius_km": None, "provinces": ["ON"], "nationwide": False}
    safe_house = shelter("Safe house", "Toronto", 43.65, -79.38, service_area=province_wide)
    london = shelter("London shelter", "London", 42.98, -81.25)
    windsor = shelter(
        "Windsor shelter",
        "Windsor",
        42.31,
        -83.03,
        capacity={"beds_total": 10, "beds_available": 0},
    )
    profile = {
        "gender": "woman",
        "needs": ["housing.emergency_shelter"],
        "location": {"place": "Windsor, ON"},
        "limit": 2,
    }
    answer = api.client.post("/v1/match", json=profile, headers=api.key("operator")).json()
    (result,) = answer["results"]
    assert (result["radius_km"], result["expanded"]) == (200, True)
    assert [m["service_id"] for m in result["matches"]] == [windsor, london]
    # Asked for three, it shows the safe house too.
    three = api.client.post(
        "/v1/match", json={**profile, "limit": 3}, headers=api.key("operator")
    ).json()
    assert [m["service_id"] for m in three["results"][0]["matches"]][2] == safe_house


def test_a_confidential_shelter_found_within_the_radius_stops_the_widening(api: Api) -> None:
    """Found within 5 km from its cell's centre, shown at the farthest its cell allows (10
    km): it counts as found within, and the radius stays at 5 km (a review of the widening
    found every nearby confidential shelter widening the search to 25 km)."""
    shelter = api.service(
        api.organization(),
        name="Confidential shelter",
        categories=["housing.emergency_shelter"],
        eligibility={},
        locations=[
            {
                "municipality": "Kitchener",
                "province": "ON",
                "latitude": 43.435,
                "longitude": -80.48,
                "confidential": True,
            }
        ],
        service_area={"radius_km": None, "provinces": [], "nationwide": False},
    )
    profile = {
        "needs": ["housing.emergency_shelter"],
        "location": {"place": "Kitchener, ON"},
        "max_distance_km": 5,
        "limit": 1,
    }
    answer = api.client.post("/v1/match", json=profile, headers=api.key("operator")).json()
    (result,) = answer["results"]
    assert (result["radius_km"], result["expanded"]) == (5, False)
    assert [m["service_id"] for m in result["matches"]] == [shelter["id"]]
