"""The need profile on the wire: what it accepts, what it refuses, and how it coarsens."""

from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from schemas.match import MatchLocation, NeedProfile
from schemas.services import AvailabilityUpdate

CANARY_DIGITS = "8675309"

PLACE = {"place": "Elmira, ON"}


def profile(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"needs": ["housing"], "location": PLACE}
    body.update(fields)
    return body


def errors(body: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        NeedProfile.model_validate(body)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_defaults() -> None:
    parsed = NeedProfile.model_validate(profile())
    assert parsed.gender.value == "undisclosed"
    assert parsed.age is None
    assert parsed.newcomer_status.value == "undisclosed"
    assert parsed.trafficking_type.value == "undisclosed"
    assert parsed.max_distance_km == 50
    assert parsed.limit == 5
    assert parsed.languages == []
    assert parsed.with_dependents is False
    assert parsed.no_identification is False
    assert parsed.no_police_report is False
    assert parsed.wheelchair is False
    assert parsed.urgent is False


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (profile(name="Jane"), ("name",)),
        (profile(birth_date="2001-01-01"), ("birth_date",)),
        (profile(notes="free text"), ("notes",)),
        (
            profile(location={"place": "Elmira, ON", "address": "1 Main St"}),
            ("location", "address"),
        ),
    ],
)
def test_an_unknown_field_is_an_error(body: dict[str, Any], loc: tuple[str, ...]) -> None:
    assert (loc, "extra_forbidden") in errors(body)


@pytest.mark.parametrize(
    ("given", "prefix"),
    [
        ("N2L 3G1", "N2L"),
        ("n2l3g1", "N2L"),
        ("N2L", "N2L"),
        ("n0b", "N0B"),
        ("K1A 0B1", "K1A"),
        (" k1a ", "K1A"),
        ("H2X1Y4", "H2X"),
        ("n2l-3g1", "N2L"),
        ("N2L\u00a03G1", "N2L"),  # a non-breaking space, from text copied out of French
        ("N2L\t3G1", "N2L"),
        (" N2L 3G1 ", "N2L"),
        ("N2L  3G1", "N2L"),
        # Rural (its second character 0): whole, to find the community it names.
        ("x0a 0h0", "X0A0H0"),
        ("R0B\u00a00T0", "R0B0T0"),
        ("N0B", "N0B"),
        ("N0B 1A0", "N0B1A0"),
        ("c0a-2b0", "C0A2B0"),
    ],
)
def test_a_postal_code_is_cut_to_its_prefix(given: str, prefix: str) -> None:
    parsed = NeedProfile.model_validate(profile(location={"postal_prefix": given}))
    assert parsed.location.postal_prefix == prefix


@pytest.mark.parametrize(
    "given",
    [
        *["", "N2", "2NL", "D2L", "W1A", "Z9Z", "N2O", "NNN", "N2L 3G1 X", "12345"],
        # A prefix followed by something that makes no whole code: a typo, not a place.
        *["N2L3G1X", "N2L 3G", "N2LX", "N2L 3GI", "N2L.3G1"],
    ],
)
def test_a_bad_postal_prefix_is_refused(given: str) -> None:
    assert errors(profile(location={"postal_prefix": given}))[0][0][:2] == (
        "location",
        "postal_prefix",
    )


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_coordinates_that_are_no_number_are_refused_as_such(number: float) -> None:
    found = errors(profile(location={"latitude": number, "longitude": -80.5}))
    assert found[0] == (("location", "latitude"), "finite_number")


@pytest.mark.parametrize(
    ("latitude", "longitude", "rounded"),
    [
        (43.464312, -80.520417, (43.46, -80.52)),
        (43.465, -80.525, (43.47, -80.53)),  # whatever the float rounding, two decimals
        (45.0, -75.0, (45.0, -75.0)),
    ],
)
def test_coordinates_are_rounded_to_two_decimals(
    latitude: float, longitude: float, rounded: tuple[float, float]
) -> None:
    parsed = NeedProfile.model_validate(
        profile(location={"latitude": latitude, "longitude": longitude})
    )
    assert parsed.location.latitude is not None
    assert parsed.location.longitude is not None
    assert parsed.location.latitude == pytest.approx(rounded[0], abs=0.0051)
    assert parsed.location.longitude == pytest.approx(rounded[1], abs=0.0051)
    assert round(parsed.location.latitude, 2) == parsed.location.latitude
    assert round(parsed.location.longitude, 2) == parsed.location.longitude


@pytest.mark.parametrize(
    "location",
    [
        {},
        {"place": "Elmira, ON", "postal_prefix": "N3B"},
        {"place": "Elmira, ON", "latitude": 43.6, "longitude": -80.56},
        {"postal_prefix": "N3B", "latitude": 43.6, "longitude": -80.56},
        {"latitude": 43.6},
        {"longitude": -80.56},
        {"place": None, "postal_prefix": None},
    ],
)
def test_exactly_one_kind_of_location(location: dict[str, Any]) -> None:
    assert errors(profile(location=location))[0][0][0] == "location"


@pytest.mark.parametrize(
    "location",
    [{"place": "Elmira, ON"}, {"postal_prefix": "N3B"}, {"latitude": 43.6, "longitude": -80.56}],
)
def test_each_kind_of_location_alone_is_accepted(location: dict[str, Any]) -> None:
    assert MatchLocation.model_validate(location)


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": 91, "longitude": -80},
        {"latitude": 43, "longitude": -181},
        {"place": "E"},
        {"place": "x" * 101},
    ],
)
def test_out_of_range_locations_are_refused(location: dict[str, Any]) -> None:
    assert errors(profile(location=location))[0][0][0] == "location"


@pytest.mark.parametrize(
    "needs",
    [
        ["housing"],
        ["housing", "legal.immigration"],
        ["legal", "legal.immigration"],  # a need and one of its categories are different asks
        ["housing", "legal", "specialized", *[f"legal.{c}" for c in ("family", "general")]],
        [
            "housing.emergency_shelter",
            "housing.transitional",
            "housing.long_term",
            "legal.immigration",
            "legal.criminal_court_support",
            "legal.employment_rights",
            "legal.family",
            "legal.general",
            "specialized.counselling",
            "specialized.medical",
        ],
    ],
)
def test_needs_accepted(needs: list[str]) -> None:
    parsed = NeedProfile.model_validate(profile(needs=needs))
    assert [n.value for n in parsed.needs] == needs


@pytest.mark.parametrize(
    ("needs", "kind"),
    [
        ([], "too_short"),
        (["housing", "housing"], "value_error"),
        (["legal.immigration", "housing", "legal.immigration"], "value_error"),
        (["housing.emergency_shelter", *[f"x{i}" for i in range(10)]], "too_long"),
        (["shelter"], "enum"),
        (["Housing"], "enum"),
    ],
)
def test_needs_refused(needs: list[str], kind: str) -> None:
    found = errors(profile(needs=needs))
    assert any(loc[0] == "needs" and t == kind for loc, t in found), found


def test_eleven_needs_are_too_many() -> None:
    needs = [
        "housing",
        "legal",
        "specialized",
        "housing.emergency_shelter",
        "housing.transitional",
        "housing.long_term",
        "legal.immigration",
        "legal.family",
        "legal.general",
        "specialized.counselling",
        "specialized.medical",
    ]
    assert (("needs",), "too_long") in errors(profile(needs=needs))


@pytest.mark.parametrize(
    ("limit", "ok"), [(0, False), (1, True), (5, True), (50, True), (51, False)]
)
def test_limit_bounds(limit: int, ok: bool) -> None:
    if ok:
        assert NeedProfile.model_validate(profile(limit=limit)).limit == limit
    else:
        assert errors(profile(limit=limit))[0][0] == ("limit",)


@pytest.mark.parametrize(
    ("distance", "ok"),
    [(0, False), (-5, False), (0.1, True), (50, True), (500, True), (500.01, False)],
)
def test_max_distance_bounds(distance: float, ok: bool) -> None:
    if ok:
        assert NeedProfile.model_validate(profile(max_distance_km=distance)).max_distance_km == (
            distance
        )
    else:
        assert errors(profile(max_distance_km=distance))[0][0] == ("max_distance_km",)


@pytest.mark.parametrize(
    ("age", "ok"), [(-1, False), (0, True), (16, True), (120, True), (121, False)]
)
def test_age_bounds(age: int, ok: bool) -> None:
    if ok:
        assert NeedProfile.model_validate(profile(age=age)).age == age
    else:
        assert errors(profile(age=age))[0][0] == ("age",)


def test_age_is_whole_years() -> None:
    assert errors(profile(age=24.5))[0][0] == ("age",)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["es", "es"], ["es"]),
        (["es", " es ", "fr"], ["es", "fr"]),
        (["fr", "en", "fr", "moe"], ["fr", "en", "moe"]),
        ([], []),
    ],
)
def test_languages_are_deduplicated_in_order(given: list[str], expected: list[str]) -> None:
    assert NeedProfile.model_validate(profile(languages=given)).languages == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [(["ES"], ["es"]), (["es", "ES"], ["es"]), (["Fr", "EN", "MIC"], ["fr", "en", "mic"])],
)
def test_languages_are_lowercased(given: list[str], expected: list[str]) -> None:
    # schemas.common.Language says `to_lower=True`, but pydantic checks `pattern` before it
    # lowercases, so "ES" is refused instead of read as "es".
    assert NeedProfile.model_validate(profile(languages=given)).languages == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["eng", "spa", "tgl"], ["en", "es", "tl"]),  # ISO 639-2/T and 639-3
        (["fre", "chi", "ger"], ["fr", "zh", "de"]),  # ISO 639-2/B
        (["en", "ENG"], ["en"]),
        (["ase", "oji", "cmn"], ["ase", "oj", "cmn"]),  # no two-letter code: as written
    ],
)
def test_a_language_is_read_in_one_form_its_two_letter_code_where_it_has_one(
    given: list[str], expected: list[str]
) -> None:
    """A person asking `spa` must meet a listing that says `es`."""
    assert NeedProfile.model_validate(profile(languages=given)).languages == expected


@pytest.mark.parametrize(
    "bad", [["spanish"], ["e"], ["e5"], ["en-"], ["xx"], ["qqq"], ["tlh"], ["und"]]
)
def test_bad_language_codes_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        NeedProfile.model_validate(profile(languages=bad))
    [error] = caught.value.errors()
    assert error["loc"] == ("languages", 0)
    assert "not an ISO 639 code of a language" in error["msg"]


def test_at_most_ten_languages() -> None:
    many = ["en", "fr", "es", "pt", "tl", "pa", "hi", "ur", "ta", "zh", "ko"]
    assert errors(profile(languages=many))[0][0] == ("languages",)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gender", "female"),
        ("newcomer_status", "citizen"),
        ("trafficking_type", "forced"),
        ("urgent", "maybe"),
    ],
)
def test_enums_and_flags_are_checked(field: str, value: str) -> None:
    assert errors(profile(**{field: value}))[0][0] == (field,)


@pytest.mark.parametrize("trafficking", ["labour", "sex", "both", "undisclosed"])
def test_every_trafficking_type_is_accepted(trafficking: str) -> None:
    parsed = NeedProfile.model_validate(profile(trafficking_type=trafficking))
    assert parsed.trafficking_type.value == trafficking


@pytest.mark.parametrize(
    "body",
    [
        profile(phone=f"204-555-{CANARY_DIGITS}"),
        profile(location={"place": "Winnipeg, MB", "address": f"{CANARY_DIGITS} Main St"}),
        profile(location={"postal_prefix": f"R3C {CANARY_DIGITS}"}),
        profile(age=f"{CANARY_DIGITS}x"),
        profile(languages=[f"x{CANARY_DIGITS}"]),
    ],
)
def test_a_validation_error_never_holds_what_was_sent(body: dict[str, Any]) -> None:
    """A partner app built on this model logs its errors: they must not carry the caller's
    phone number or address, put where it does not belong."""
    with pytest.raises(ValidationError) as caught:
        NeedProfile.model_validate(body)
    assert CANARY_DIGITS not in str(caught.value)
    assert CANARY_DIGITS not in repr(caught.value)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(["es-MX", "en"], ["es", "en"]), (["zh-Hant"], ["zh"]), (["pt_BR"], ["pt"])],
)
def test_a_language_tag_is_read_as_its_language(sent: list[str], stored: list[str]) -> None:
    """Partner apps send a device's locale: it was a 422 (a review)."""
    parsed = NeedProfile.model_validate(profile(languages=sent))
    assert parsed.languages == stored


@pytest.mark.parametrize("sent", ["es-", "x-klingon", "es-MX-", "e"])
def test_what_is_no_language_tag_is_refused(sent: str) -> None:
    assert errors(profile(languages=[sent]))


@pytest.mark.parametrize(
    "location",
    [
        {},
        {"place": "Elmira, ON", "postal_prefix": "N2L"},
        {"latitude": 43.6},
        {"place": "Elmira, ON", "latitude": 43.6, "longitude": -80.5},
        {"place": None},
    ],
)
def test_the_json_schema_refuses_what_the_model_refuses(location: dict[str, Any]) -> None:
    """The OpenAPI document says "exactly one way", as the model decides it, so that a client
    generated from it learns the rule (a review: `{}` was valid by the document)."""
    schema = MatchLocation.model_json_schema()
    assert not jsonschema.Draft202012Validator(schema).is_valid(location)
    with pytest.raises(ValidationError):
        MatchLocation.model_validate(location)


@pytest.mark.parametrize(
    "location",
    [
        {"place": "Elmira, ON"},
        {"postal_prefix": "N2L", "place": None},
        {"latitude": 43.6, "longitude": -80.5, "postal_prefix": None},
    ],
)
def test_the_json_schema_takes_what_the_model_takes(location: dict[str, Any]) -> None:
    schema = MatchLocation.model_json_schema()
    assert jsonschema.Draft202012Validator(schema).is_valid(location)
    MatchLocation.model_validate(location)


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({}, False),
        ({"beds_available": None, "accepting_referrals": None}, False),
        ({"beds_available": 3}, True),
        ({"accepting_referrals": False, "beds_available": None}, True),
    ],
)
def test_an_availability_update_must_change_something_by_its_json_schema_too(
    body: dict[str, Any], valid: bool
) -> None:
    schema = AvailabilityUpdate.model_json_schema()
    assert jsonschema.Draft202012Validator(schema).is_valid(body) is valid
    if valid:
        AvailabilityUpdate.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            AvailabilityUpdate.model_validate(body)
