"""The table of ISO 639 codes: generated as committed, and the one form every part uses."""

from pathlib import Path

import pytest

from schemas.languages import (
    MACROLANGUAGES,
    SAME_LANGUAGE,
    canonical_language,
    related_languages,
)
from scripts import build_languages
from service.demo import demo_registry
from service.matching.messages import LANGUAGE_NAMES


def test_the_committed_table_is_what_the_script_generates() -> None:
    committed = Path(build_languages.OUT).read_text(encoding="utf-8")
    assert committed == build_languages.render()


def test_no_french_name_leaves_de_le_uncontracted() -> None:
    """French says "du" or "de la", never "de le": the catalogue's Jamaican Creole read
    "créole anglais de le Jamaïque" in a caveat (a review)."""
    rows = build_languages.rows()
    assert not [row for row in rows if " de le " in row[4]]
    assert ["jam", "créole anglais de la Jamaïque"] in [[row[0], row[4]] for row in rows]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("en", "en"),
        ("eng", "en"),
        ("ENG", "en"),
        (" fre ", "fr"),
        ("fra", "fr"),
        ("mic", "mic"),
        # A device's locale, as partner apps send it: its language.
        ("es-MX", "es"),
        ("pt_BR", "pt"),
        ("zh-Hant", "zh"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("zh-yue", "yue"),  # an extended language subtag: Cantonese, not any Chinese
    ],
)
def test_every_form_of_a_code_reads_as_the_stored_one(written: str, stored: str) -> None:
    assert canonical_language(written) == stored


@pytest.mark.parametrize(
    "written", ["", "x", "xx", "qaa", "tlh", "und", "zxx", "English", "es-", "x-klingon", "e s"]
)
def test_a_code_of_no_living_language_reads_as_none(written: str) -> None:
    assert canonical_language(written) is None


def test_the_names_in_reasons_and_the_demo_use_stored_forms() -> None:
    demo = {
        code
        for organization in demo_registry()
        for service in organization.services
        for code in service["languages"]
    }
    for code in {*LANGUAGE_NAMES, *demo}:
        assert canonical_language(code) == code, code


def test_every_macrolanguage_and_variety_is_a_stored_code() -> None:
    for macro, varieties in MACROLANGUAGES.items():
        for code in (macro, *varieties):
            assert canonical_language(code) == code, code
    for same in SAME_LANGUAGE:
        assert canonical_language(same) == same


@pytest.mark.parametrize(
    ("asked", "met"),
    [
        (["yue"], {"yue", "zh"}),  # Cantonese: a Chinese listing, not a Mandarin one
        (["prs", "en"], {"prs", "fa", "en"}),
        (["oj"], {"oj", "ojg", "ojw", "ojs", "ojb", "ojc", "otw"}),
        (["es"], {"es"}),
        (["xsl"], {"xsl", "den"}),  # South Slavey: a Slavey listing
        (["fuf"], {"fuf", "ff"}),  # Pular: a Fulah listing (a review)
        (["pnb"], {"pnb", "pa"}),  # Western Panjabi: a Panjabi listing (a review)
        (["id"], {"id", "ms"}),
        (["sh"], {"sh", "bs", "hr", "sr", "cnr"}),
        (["den"], {"den", "xsl", "scs"}),
        (["tl"], {"tl", "fil"}),  # Tagalog and Filipino: one language, two codes
        (["fil"], {"fil", "tl"}),
        ([], set()),
    ],
)
def test_a_language_meets_its_macrolanguage_and_a_macrolanguage_its_varieties(
    asked: list[str], met: set[str]
) -> None:
    assert related_languages(asked) == met
