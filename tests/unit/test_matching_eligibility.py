"""Eligibility truth tables: a rule broken by a disclosed attribute excludes the service; an
undisclosed attribute never excludes, it adds a caveat naming the rule."""

from dataclasses import replace
from typing import Any

import pytest

from schemas.enums import NewcomerStatus, ServedGender
from service.matching.eligibility import EVERY_GENDER, Verdict, check, in_doubt
from service.matching.messages import render
from service.matching.types import NEWCOMER_STATUSES, Candidate, Point, Profile, Site

KITCHENER = Point(43.4516, -80.4925)
PERSON = Profile(point=KITCHENER, province="ON", area_type="urban")
SERVICE = Candidate(
    service_id="svc",
    categories=frozenset({"housing.emergency_shelter"}),
    sites=(Site(KITCHENER),),
)


def person(**changes: Any) -> Profile:
    return replace(PERSON, **changes)


def service(**changes: Any) -> Candidate:
    return replace(SERVICE, **changes)


def codes(notes: tuple[Any, ...]) -> list[str]:
    return [note.code for note in notes]


def assert_verdict(
    verdict: Verdict,
    *,
    eligible: bool,
    reason: str | None = None,
    caveat: str | None = None,
) -> None:
    assert verdict.eligible is eligible
    if not eligible:
        # An exclusion carries no explanation that could leak into an answer.
        assert verdict == Verdict(False)
        return
    assert codes(verdict.reasons) == ([reason] if reason else [])
    assert codes(verdict.caveats) == ([caveat] if caveat else [])


def test_unrestricted_service_admits_an_undisclosed_person_without_notes() -> None:
    assert check(PERSON, SERVICE) == Verdict(True)


# --- gender ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("genders", "gender", "eligible", "reason", "caveat"),
    [
        ((), "woman", True, None, None),
        ((), "man", True, None, None),
        ((), "undisclosed", True, None, None),
        (("woman",), "woman", True, "serves_genders", None),
        (("woman",), "man", False, None, None),
        (("woman",), "gender_diverse", False, None, None),
        (("woman", "gender_diverse"), "gender_diverse", True, "serves_genders", None),
        (("woman", "gender_diverse"), "man", False, None, None),
        (("man",), "woman", False, None, None),
        (("man",), "man", True, "serves_genders", None),
        (("woman",), "undisclosed", True, None, "serves_genders_only"),
        (("man",), "undisclosed", True, None, "serves_genders_only"),
    ],
)
def test_gender(
    genders: tuple[str, ...], gender: str, eligible: bool, reason: str | None, caveat: str | None
) -> None:
    verdict = check(person(gender=gender), service(genders=frozenset(genders)))
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


@pytest.mark.parametrize("gender", ["undisclosed", "woman", "man", "gender_diverse"])
def test_a_service_of_every_gender_says_nothing_of_gender(gender: str) -> None:
    """ "serves gender-diverse people, men, women only; gender not given" is noise."""
    assert EVERY_GENDER == {member.value for member in ServedGender}
    verdict = check(person(gender=gender), service(genders=EVERY_GENDER))
    assert_verdict(verdict, eligible=True)


def test_gender_notes_name_the_groups_served_in_a_stable_order() -> None:
    restrictive = service(genders=frozenset({"woman", "gender_diverse"}))
    served = check(person(gender="woman"), restrictive).reasons[0]
    unknown = check(PERSON, restrictive).caveats[0]
    assert served.param("genders") == "gender_diverse,woman"
    assert unknown.param("genders") == "gender_diverse,woman"


# --- age ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_age", "max_age", "age", "eligible", "reason", "caveat"),
    [
        (None, None, 30, True, None, None),
        (None, None, None, True, None, None),
        # A minor, and a place to stay that states no ages: not a yes (a review).
        (None, None, 0, True, None, "minors_unstated"),
        (None, None, 17, True, None, "minors_unstated"),
        (None, None, 18, True, None, None),
        (18, None, 17, False, None, None),
        (18, None, 18, True, "serves_ages", None),
        (18, None, 99, True, "serves_ages", None),
        (16, 24, 15, False, None, None),
        (16, 24, 16, True, "serves_ages", None),
        (16, 24, 24, True, "serves_ages", None),
        (16, 24, 25, False, None, None),
        (None, 24, 0, True, "serves_ages", None),  # a service for the young
        (None, 64, 12, True, "serves_ages", "minors_unstated"),  # one for adults (a review)
        (None, 24, 24, True, "serves_ages", None),
        (None, 24, 25, False, None, None),
        (18, None, None, True, None, "serves_ages_only"),
        (16, 24, None, True, None, "serves_ages_only"),
        (None, 24, None, True, None, "serves_ages_only"),
    ],
)
def test_age_bounds(
    min_age: int | None,
    max_age: int | None,
    age: int | None,
    eligible: bool,
    reason: str | None,
    caveat: str | None,
) -> None:
    verdict = check(person(age=age), service(min_age=min_age, max_age=max_age))
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


def test_a_minor_is_in_doubt_only_for_a_place_to_stay_that_states_no_ages() -> None:
    teenager = person(age=16)
    assert in_doubt(teenager, SERVICE)
    assert not in_doubt(person(age=18), SERVICE)
    assert not in_doubt(teenager, service(min_age=12, max_age=24))
    clinic = service(categories=frozenset({"legal.immigration"}))
    assert check(teenager, clinic) == Verdict(True)
    assert not in_doubt(teenager, clinic)
    # Unstated rules say so already (`eligibility_unstated`).
    assert codes(check(teenager, service(eligibility_stated=False)).caveats) == [
        "eligibility_unstated"
    ]


@pytest.mark.parametrize(
    ("min_age", "max_age", "expected"),
    [(16, 24, (("min", 16), ("max", 24))), (18, None, (("min", 18), ("max", "")))],
)
def test_age_notes_carry_the_bounds(
    min_age: int, max_age: int | None, expected: tuple[tuple[str, Any], ...]
) -> None:
    verdict = check(PERSON, service(min_age=min_age, max_age=max_age))
    assert verdict.caveats[0].params == expected


# --- newcomer status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "status", "eligible", "caveat"),
    [
        ((), "no_status", True, None),
        ((), "undisclosed", True, None),
        (("refugee_claimant",), "refugee_claimant", True, None),
        (("refugee_claimant",), "no_status", False, None),
        (("refugee_claimant",), "canadian_citizen", False, None),
        (("refugee_claimant", "no_status"), "no_status", True, None),
        (("trafficking_trp",), "temporary_resident", False, None),
        (("refugee_claimant",), "undisclosed", True, "serves_statuses_only"),
        # Every status but citizens: said the shorter way.
        (
            tuple(NEWCOMER_STATUSES - {"canadian_citizen"}),
            "undisclosed",
            True,
            "serves_statuses_except",
        ),
        (tuple(NEWCOMER_STATUSES - {"canadian_citizen"}), "canadian_citizen", False, None),
        (tuple(NEWCOMER_STATUSES - {"canadian_citizen"}), "no_status", True, None),
        # The shorter list: four served of seven name the three refused, three the three.
        (
            ("no_status", "refugee_claimant", "trafficking_trp", "temporary_resident"),
            "undisclosed",
            True,
            "serves_statuses_except",
        ),
        (
            ("no_status", "refugee_claimant", "trafficking_trp"),
            "undisclosed",
            True,
            "serves_statuses_only",
        ),
        # Every status listed: no restriction, nothing to say.
        (tuple(NEWCOMER_STATUSES), "undisclosed", True, None),
    ],
)
def test_newcomer_status(
    statuses: tuple[str, ...], status: str, eligible: bool, caveat: str | None
) -> None:
    verdict = check(person(newcomer_status=status), service(statuses=frozenset(statuses)))
    assert_verdict(verdict, eligible=eligible, caveat=caveat)


# --- trafficking type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "experienced", "eligible", "caveat"),
    [
        ((), "labour", True, None),
        ((), "sex", True, None),
        ((), "both", True, None),
        ((), "undisclosed", True, None),
        (("labour",), "labour", True, None),
        (("labour",), "sex", False, None),
        (("labour",), "both", True, None),
        (("sex",), "sex", True, None),
        (("sex",), "labour", False, None),
        (("sex",), "both", True, None),
        (("labour", "sex"), "labour", True, None),
        (("labour", "sex"), "sex", True, None),
        (("labour", "sex"), "both", True, None),
        (("labour",), "undisclosed", True, "serves_trafficking_only"),
        # Both forms listed: no restriction, nothing to say (a review found the caveat and a
        # lower score for it).
        (("labour", "sex"), "undisclosed", True, None),
    ],
)
def test_trafficking_type(
    types: tuple[str, ...], experienced: str, eligible: bool, caveat: str | None
) -> None:
    verdict = check(
        person(trafficking_type=experienced), service(trafficking_types=frozenset(types))
    )
    assert_verdict(verdict, eligible=eligible, caveat=caveat)


# --- dependents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_dependents", "accepts", "eligible", "reason", "caveat"),
    [
        (False, True, True, None, None),
        (False, False, True, None, None),
        (False, None, True, None, None),
        (True, True, True, "accepts_dependents", None),
        (True, None, True, None, "dependents_unknown"),
        (True, False, False, None, None),
    ],
)
def test_dependents(
    with_dependents: bool,
    accepts: bool | None,
    eligible: bool,
    reason: str | None,
    caveat: str | None,
) -> None:
    verdict = check(person(with_dependents=with_dependents), service(accepts_dependents=accepts))
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


@pytest.mark.parametrize("accepts", [True, None, False])
def test_children_unsaid_are_in_doubt_only_for_a_place_to_stay(accepts: bool | None) -> None:
    """A mother asking for a lawyer was told of legal clinics "unknown whether children can
    come", ranked lower (a review): unsaid, it is in doubt only where the person stays. Said
    no, it is a rule, never broken (API.md), for a clinic as for a shelter."""
    clinic = service(categories=frozenset({"legal.immigration"}), accepts_dependents=accepts)
    mother = person(with_dependents=True)
    verdict = check(mother, clinic)
    assert verdict.eligible is (accepts is not False)
    assert "dependents_unknown" not in codes(verdict.caveats)
    assert not in_doubt(mother, clinic)
    # The same rules for a shelter doubt: decided apart (`Candidate.rules`).
    shelter = service(accepts_dependents=accepts)
    assert check(mother, shelter).eligible is (accepts is not False)
    assert in_doubt(mother, shelter) is (accepts is None)


# --- identity documents and police reports --------------------------------------------------


@pytest.mark.parametrize(
    ("no_identification", "id_required", "eligible", "reason", "caveat"),
    [
        (False, False, True, None, None),
        # Not said is not had: what it asks for is said (a farm worker's passport is held).
        (False, True, True, None, "asks_for_id"),
        (True, False, True, "no_id_needed", None),
        (True, True, False, None, None),
    ],
)
def test_identification(
    no_identification: bool,
    id_required: bool,
    eligible: bool,
    reason: str | None,
    caveat: str | None,
) -> None:
    verdict = check(person(no_identification=no_identification), service(id_required=id_required))
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


@pytest.mark.parametrize(
    ("no_police_report", "report_required", "eligible", "reason", "caveat"),
    [
        (False, False, True, None, None),
        (False, True, True, None, "asks_for_police_report"),
        (True, False, True, "no_police_report_needed", None),
        (True, True, False, None, None),
    ],
)
def test_police_report(
    no_police_report: bool,
    report_required: bool,
    eligible: bool,
    reason: str | None,
    caveat: str | None,
) -> None:
    verdict = check(
        person(no_police_report=no_police_report),
        service(police_report_required=report_required),
    )
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


def test_both_barriers_lifted_give_both_reasons_in_order() -> None:
    verdict = check(person(no_identification=True, no_police_report=True), SERVICE)
    assert codes(verdict.reasons) == ["no_id_needed", "no_police_report_needed"]


@pytest.mark.parametrize(
    ("id_required", "report_required"), [(True, False), (False, True), (True, True)]
)
def test_either_barrier_excludes(id_required: bool, report_required: bool) -> None:
    verdict = check(
        person(no_identification=True, no_police_report=True),
        service(id_required=id_required, police_report_required=report_required),
    )
    assert verdict == Verdict(False)


# --- wheelchair -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs_wheelchair", "access", "delivery", "eligible"),
    [
        (False, (False,), {"in_person"}, True),
        (False, (None,), {"in_person"}, True),
        (True, (), {"in_person"}, True),  # no sites: reached in its area
        (True, (True,), {"in_person"}, True),
        (True, (False, True), {"in_person"}, True),
        (True, (None,), {"in_person"}, True),  # unknown: a caveat where it is sent
        (True, (False,), {"in_person"}, False),
        (True, (False, False), {"in_person"}, False),
        # Every site has steps, but it also serves where the person is: `reach` decides.
        (True, (False,), {"in_person", "phone"}, True),
        (True, (False,), {"virtual"}, True),
        (True, (False, False), {"outreach"}, True),
    ],
)
def test_wheelchair(
    needs_wheelchair: bool, access: tuple[bool | None, ...], delivery: set[str], eligible: bool
) -> None:
    sites = tuple(Site(KITCHENER, wheelchair_accessible=value) for value in access)
    candidate = service(sites=sites, delivery=frozenset(delivery))
    verdict = check(person(wheelchair=needs_wheelchair), candidate)
    # Access is said of the site a match sends the person to (`ranking.explain`), not here.
    assert_verdict(verdict, eligible=eligible)


def test_barriers_are_reasons_only_where_the_listing_stated_its_rules() -> None:
    barred = person(no_identification=True, no_police_report=True)
    stated = check(barred, service())
    assert codes(stated.reasons) == ["no_id_needed", "no_police_report_needed"]
    unstated = check(barred, service(eligibility_stated=False))
    assert unstated.eligible
    assert codes(unstated.reasons) == []
    assert codes(unstated.caveats) == ["eligibility_unstated"]


# --- accepting referrals --------------------------------------------------------------------


@pytest.mark.parametrize("profile", [PERSON, person(gender="woman", age=30)])
def test_not_accepting_referrals_excludes_everyone(profile: Profile) -> None:
    assert check(profile, service(accepting_referrals=False)) == Verdict(False)


# --- eligibility never stated (an imported listing) -----------------------------------------


@pytest.mark.parametrize(
    ("stated", "profile", "eligible", "reason", "caveat"),
    [
        (True, PERSON, True, None, None),
        (False, PERSON, True, None, "eligibility_unstated"),
        (False, person(gender="man", age=30), True, None, "eligibility_unstated"),
        (
            False,
            person(gender="woman", newcomer_status="no_status"),
            True,
            None,
            "eligibility_unstated",
        ),
    ],
)
def test_unstated_eligibility_is_unknown_so_eligible_with_a_caveat(
    stated: bool, profile: Profile, eligible: bool, reason: str | None, caveat: str | None
) -> None:
    verdict = check(profile, service(eligibility_stated=stated))
    assert_verdict(verdict, eligible=eligible, reason=reason, caveat=caveat)


def test_unstated_eligibility_leads_the_caveats_and_rules_it_has_still_apply() -> None:
    """An imported listing may carry HSDS's ages: they still exclude, and still explain."""
    imported = service(eligibility_stated=False, min_age=18)
    assert check(person(age=16), imported) == Verdict(False)
    assert codes(check(PERSON, imported).caveats) == ["eligibility_unstated", "serves_ages_only"]
    assert check(person(age=30), imported).reasons[0].code == "serves_ages"


def test_an_unstated_listing_not_accepting_referrals_still_excludes() -> None:
    assert check(PERSON, service(eligibility_stated=False, accepting_referrals=False)) == Verdict(
        False
    )


# --- the two principles, across every rule --------------------------------------------------

RESTRICTIVE = service(
    genders=frozenset({"woman"}),
    min_age=16,
    max_age=24,
    statuses=frozenset({"refugee_claimant"}),
    trafficking_types=frozenset({"sex"}),
)


def test_undisclosed_attributes_never_exclude_and_each_adds_its_caveat() -> None:
    verdict = check(PERSON, RESTRICTIVE)
    assert verdict.eligible
    assert codes(verdict.caveats) == [
        "serves_genders_only",
        "serves_ages_only",
        "serves_statuses_only",
        "serves_trafficking_only",
    ]


def test_a_person_matching_every_rule_is_eligible_with_reasons_and_no_caveats() -> None:
    fits = person(
        gender="woman", age=20, newcomer_status="refugee_claimant", trafficking_type="sex"
    )
    verdict = check(fits, RESTRICTIVE)
    assert verdict.eligible
    assert codes(verdict.reasons) == ["serves_genders", "serves_ages"]
    assert verdict.caveats == ()


@pytest.mark.parametrize(
    "breaking",
    [
        {"gender": "man"},
        {"age": 15},
        {"age": 25},
        {"newcomer_status": "no_status"},
        {"trafficking_type": "labour"},
    ],
    ids=lambda change: ",".join(f"{k}={v}" for k, v in change.items()),
)
def test_one_disclosed_attribute_breaking_one_rule_excludes(breaking: dict[str, Any]) -> None:
    # Everything else undisclosed: caveats elsewhere do not rescue a broken rule.
    assert check(person(**breaking), RESTRICTIVE) == Verdict(False)


def test_the_core_knows_every_newcomer_status_of_the_wire() -> None:
    assert {s.value for s in NewcomerStatus} - {"undisclosed"} == NEWCOMER_STATUSES


def test_a_service_for_every_status_but_citizens_says_so_in_few_words() -> None:
    verdict = check(person(), service(statuses=NEWCOMER_STATUSES - {"canadian_citizen"}))
    (caveat,) = verdict.caveats
    assert render(caveat, "en") == "does not serve citizens; status not given"
    assert render(caveat, "fr") == "ne sert pas : citoyens ; statut non indiqué"
