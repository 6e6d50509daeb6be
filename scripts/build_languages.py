"""Build the table of ISO 639 language codes shipped in ``schemas/languages.csv``.

Run from the repository root::

    python -m scripts.build_languages

Input (read from an installed registry package, no network): ``pycountry``'s copy of the
ISO 639-3 code table (Debian's iso-codes).

Output: one row per living language (ISO 639-3 type ``L``, individual languages and
macrolanguages): ``code`` (the ISO 639-1 code where one exists, else the ISO 639-3 code: the
form the API stores), ``alpha_3``, ``bibliographic`` (the ISO 639-2/B code where it differs,
as ``fre`` for French), ``name`` (English, the ISO 639-3 reference name) and ``name_fr``
(French, from iso-codes' French translation of those names; empty where it has none: the
matches' caveats name a language in the answer's language), less the few names that
``NAMES_IN_CANADA`` gives as the languages' own communities and the territories' laws name
them (ISO's "Slave (Athapascan)" for Slavey read jarringly in a tool against trafficking,
a review said). Sorted by
``code``, ``\\n`` line endings: the same package version gives the same bytes (a test checks
the committed file).
"""

from __future__ import annotations

import csv
import gettext
import io
import sys
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "schemas" / "languages.csv"
HEADER = ["code", "alpha_3", "bibliographic", "name", "name_fr"]
# Names as the Northwest Territories' Official Languages Act and the languages' speakers give
# them, where ISO 639-3's reference name differs: (English, French).
NAMES_IN_CANADA = {
    "den": ("Slavey", "slavey"),
    "chp": ("Dene Suline (Chipewyan)", "dénésuline (chipewyan)"),
}


def rows() -> list[list[str]]:
    french = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["fr"])
    table = []
    for language in pycountry.languages:
        if getattr(language, "type", None) != "L":
            continue
        alpha_3 = language.alpha_3
        code = getattr(language, "alpha_2", alpha_3)
        name, name_fr = NAMES_IN_CANADA.get(
            code, (language.name, _french(language.name, french.gettext(language.name)))
        )
        table.append([code, alpha_3, getattr(language, "bibliographic", ""), name, name_fr])
    return sorted(table)


def _french(english: str, translated: str) -> str:
    """The French name as running text writes it ("néerlandais"), or nothing where the
    translation is the English name itself (untranslated); "de le" as French contracts it
    (the catalogue's "de le Jamaïque", which a seasonal farm worker's caveat read out: a
    review)."""
    if translated == english:
        return ""
    return (translated[:1].lower() + translated[1:]).replace(" de le Jamaïque", " de la Jamaïque")


def render() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    return out.getvalue()


def main() -> None:
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")


if __name__ == "__main__":
    main()
