"""Reasons and caveats in English and French: every code renders, names read naturally."""

import ast
import inspect
import string

import pytest

from schemas.languages import language_name
from service.matching import eligibility, messages, ranking
from service.matching.messages import LANGUAGE_NAMES, render
from service.matching.types import Note

Params = tuple[tuple[str, str | int | float], ...]

# Representative parameters, as eligibility.py and ranking.py give them.
PARAMS: dict[str, Params] = {
    "distance": (("km", 12.3),),
    "serves_area": (("area", "ON"),),
    "serves_radius": (("radius", 300.0),),
    "serves_genders": (("genders", "gender_diverse,woman"),),
    "serves_genders_only": (("genders", "man"),),
    "serves_ages": (("min", 16), ("max", 24)),
    "serves_ages_only": (("min", 18), ("max", "")),
    "serves_statuses_only": (("statuses", "no_status,refugee_claimant"),),
    "serves_statuses_except": (("statuses", "canadian_citizen"),),
    "serves_trafficking_only": (("types", "labour"),),
    "speaks": (("languages", "es,fr"),),
    "language_not_listed": (("languages", "tl"),),
    "first_language_not_listed": (("languages", "ti"),),
    "specialises": (("types", "labour,sex"),),
    "beds_free": (("beds", 3), ("hours", 2)),
    "no_beds": (("hours", 30),),
    "beds_stale": (),
    "not_verified": (("days", 200),),
    "fees": (("fees", "sliding_scale"),),
    "beyond_asked_distance": (("km", 50.0),),
    "maybe_beyond_asked_distance": (("km", 5.0),),
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _note_codes_in(module: object) -> set[str]:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Note"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_every_code_the_core_emits_has_a_template() -> None:
    emitted = _note_codes_in(eligibility) | _note_codes_in(ranking)
    assert emitted, "no Note(...) calls found"
    assert emitted <= set(messages._TEMPLATES)


def test_every_template_has_an_english_and_a_french_text_with_the_same_fields() -> None:
    for code, (english, french) in messages._TEMPLATES.items():
        assert english.strip(), code
        assert french.strip(), code
        assert _fields(english) == _fields(french), code


@pytest.mark.parametrize("code", sorted(messages._TEMPLATES))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_code_renders(code: str, language: str) -> None:
    text = render(Note(code, PARAMS.get(code, ())), language)
    assert text.strip()
    assert "{" not in text
    assert "}" not in text
    # Codes and raw enum values never reach a reader.
    assert "_" not in text, text


@pytest.mark.parametrize("code", sorted(messages._TEMPLATES))
def test_an_unknown_language_falls_back_to_english(code: str) -> None:
    note = Note(code, PARAMS.get(code, ()))
    assert render(note, "de") == render(note, "en") == render(note)


def test_french_differs_from_english_where_words_are_involved() -> None:
    same = {
        code
        for code in messages._TEMPLATES
        if render(Note(code, PARAMS.get(code, ())), "fr")
        == render(Note(code, PARAMS.get(code, ())), "en")
    }
    assert not same  # (a distance too: "12,3 km")


@pytest.mark.parametrize(
    ("codes", "english", "french"),
    [
        ("es", "speaks Spanish", "parle espagnol"),
        ("fr", "speaks French", "parle français"),
        ("es,tl", "speaks Spanish, Tagalog", "parle espagnol, tagalog"),
        ("mic", "speaks Mi'kmaq", "parle micmac"),
        # The varieties of Indigenous languages, named in French (a review read
        # "n'indique pas Eastern Canadian Inuktitut").
        ("ike", "speaks Eastern Canadian Inuktitut", "parle inuktitut de l'Est canadien"),
        ("crk", "speaks Plains Cree", "parle cri des Plaines"),
        # Not in our table: ISO 639-3's reference name, in French as iso-codes translates it
        # (a French answer read "n'indique pas Dutch"), never the bare code.
        ("nl", "speaks Dutch", "parle néerlandais"),
        ("ms", "speaks Malay (macrolanguage)", "parle malais (macrolangue)"),
        ("tce", "speaks Southern Tutchone", "parle toutchone méridional"),
        # (no French name in iso-codes: the reference name)
        ("aaa", "speaks Ghotuo", "parle Ghotuo"),
    ],
)
def test_language_names(codes: str, english: str, french: str) -> None:
    note = Note("speaks", (("languages", codes),))
    assert render(note, "en", language_name) == english
    assert render(note, "fr", language_name) == french
    if codes in LANGUAGE_NAMES:
        assert render(note, "fr") == french  # without a name lookup, the table's names


def test_every_language_has_an_english_and_a_french_name() -> None:
    for code, (english, french) in LANGUAGE_NAMES.items():
        assert 2 <= len(code) <= 3
        assert code == code.lower()
        assert english
        assert french


@pytest.mark.parametrize(
    ("beds", "hours", "english", "french"),
    [
        (1, 2, "1 bed free, updated 2 h ago", "1 lit libre, mis à jour il y a 2 h"),
        (2, 2, "2 beds free, updated 2 h ago", "2 lits libres, mis à jour il y a 2 h"),
        (12, 0, "12 beds free, updated less than an hour ago", None),
        (
            3,
            None,
            "3 beds free, updated at an unknown time",
            "3 lits libres, mis à jour à une date inconnue",
        ),
    ],
)
def test_beds_are_pluralised(
    beds: int, hours: int | None, english: str, french: str | None
) -> None:
    params: Params = (("beds", beds),) if hours is None else (("beds", beds), ("hours", hours))
    note = Note("beds_free", params)
    assert render(note, "en") == english
    if french is not None:
        assert render(note, "fr") == french


@pytest.mark.parametrize(
    ("hours", "english", "french"),
    [
        (0, "less than an hour ago", "il y a moins d'une heure"),
        (1, "1 h ago", "il y a 1 h"),
        (47, "47 h ago", "il y a 47 h"),
        (48, "2 days ago", "il y a 2 jours"),
        (100, "4 days ago", "il y a 4 jours"),
    ],
)
def test_age_of_an_update(hours: int, english: str, french: str) -> None:
    note = Note("no_beds", (("hours", hours),))
    assert render(note, "en") == f"no beds free, updated {english}"
    assert render(note, "fr") == f"aucun lit libre, mis à jour {french}"


def test_a_bed_count_never_updated() -> None:
    assert render(Note("beds_stale")) == "bed count may be out of date"
    assert render(Note("no_beds"), "fr") == "aucun lit libre, mis à jour à une date inconnue"


@pytest.mark.parametrize(
    ("low", "high", "english", "french"),
    [
        (16, 24, "serves ages 16-24", "sert les 16 à 24 ans"),
        (18, "", "serves ages 18+", "sert les 18 ans et plus"),
        ("", 24, "serves ages up to 24", "sert les 24 ans et moins"),
    ],
)
def test_age_ranges(low: int | str, high: int | str, english: str, french: str) -> None:
    note = Note("serves_ages", (("min", low), ("max", high)))
    assert render(note, "en") == english
    assert render(note, "fr") == french


@pytest.mark.parametrize(
    ("codes", "english", "french"),
    [
        ("woman", "serves women", "sert : femmes"),
        (
            "gender_diverse,woman",
            "serves gender-diverse people and women",
            "sert : personnes de diverses identités de genre et femmes",
        ),
        ("gender_diverse,man,woman", "serves gender-diverse people, men, women", None),
    ],
)
def test_groups(codes: str, english: str, french: str | None) -> None:
    note = Note("serves_genders", (("genders", codes),))
    assert render(note, "en") == english
    if french is not None:
        assert render(note, "fr") == french


@pytest.mark.parametrize(
    ("fees", "english", "french"),
    [
        ("sliding_scale", "sliding-scale fees", "tarif selon le revenu"),
        ("fee", "fees apply", "services payants"),
    ],
)
def test_fees(fees: str, english: str, french: str) -> None:
    note = Note("fees", (("fees", fees),))
    assert render(note, "en") == english
    assert render(note, "fr") == french


def test_statuses_and_trafficking_types_read_as_words() -> None:
    statuses = Note("serves_statuses_only", (("statuses", "trafficking_trp"),))
    assert render(statuses) == "serves TRP holders only; status not given"
    assert render(statuses, "fr") == "sert seulement : titulaires d'un PST ; statut non indiqué"
    types = Note("specialises", (("types", "labour,sex"),))
    assert render(types) == "specialises in labour trafficking and sex trafficking"


def test_unstated_eligibility_asks_to_confirm_in_both_languages() -> None:
    note = Note("eligibility_unstated")
    assert render(note, "en") == (
        "who it serves was not stated (imported listing); confirm eligibility before referring"
    )
    assert render(note, "fr") == (
        "clientèle desservie non indiquée (fiche importée) ; confirmez l'admissibilité avant "
        "d'orienter la personne"
    )


@pytest.mark.parametrize(
    ("code", "km", "english", "french"),
    [
        ("distance", 12.3, "12.3 km", "12,3 km"),
        ("distance", 5.0, "5.0 km", "5,0 km"),
        (
            "beyond_asked_distance",
            50,
            "farther than the 50 km asked",
            "plus loin que les 50 km demandés",
        ),
        (
            "beyond_asked_distance",
            50.0,
            "farther than the 50 km asked",
            "plus loin que les 50 km demandés",
        ),
        (
            "beyond_asked_distance",
            12.5,
            "farther than the 12.5 km asked",
            "plus loin que les 12,5 km demandés",
        ),
    ],
)
def test_distances_read_as_written_in_each_language(
    code: str, km: float, english: str, french: str
) -> None:
    """As `distance_km` says it, in French with a decimal comma; the distance asked for as it
    was asked, never `50.0` for 50."""
    note = Note(code, (("km", km),))
    assert render(note, "en") == english
    assert render(note, "fr") == french


@pytest.mark.parametrize(
    ("area", "english", "french"),
    [
        ("CA", "takes people from anywhere in Canada", "accueille des personnes de tout le Canada"),
        (
            "ON",
            "takes people from anywhere in Ontario",
            "accueille des personnes de tout l'Ontario",
        ),
        (
            "NT",
            "takes people from anywhere in the Northwest Territories",
            "accueille des personnes de tous les Territoires du Nord-Ouest",
        ),
    ],
)
def test_the_area_a_service_takes_people_from_is_said_in_either_language(
    area: str, english: str, french: str
) -> None:
    note = Note("serves_area", (("area", area),))
    assert (render(note), render(note, "fr")) == (english, french)
    radius = Note("serves_radius", (("radius", 300.0),))
    assert render(radius) == "takes people from within 300 km of it"
