"""How a place name is folded to be found: one way for the server's gazetteer
(`service/gazetteer.py`, and the generator of its data) and for the client, which picks the
places an ambiguous name may mean from `/v1/places` by the name typed."""

import unicodedata

_APOSTROPHES = frozenset("'`\u2019\u02bc")  # ASCII, grave, right quote, modifier letter
_TOKEN_EXPANSIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}

# Letters with a stroke or without a dot, which no accent removal makes plain: Dene names are
# written with them (Deline's own spelling has a dotless i, Lutselk'e's an L with a stroke) and
# found without them.
PLAIN_LETTERS = str.maketrans(
    {"\u0131": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def normalise_name(text: str) -> str:
    """Fold a place name for matching.

    Accents and case are removed (and strokes: ``ł`` is ``l``), apostrophes dropped, other
    punctuation becomes a space,
    ``&`` becomes ``and`` and the abbreviations ``St``/``Ste``/``Mt``/``Ft`` are expanded:
    ``"St. John's"`` -> ``"saint johns"``, ``"Montréal"`` -> ``"montreal"``.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(PLAIN_LETTERS))
    chars: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch in _APOSTROPHES:
            continue
        if ch == "&":
            chars.append(" and ")
        elif ch.isalnum():
            chars.append(ch)
        else:
            chars.append(" ")
    tokens = "".join(chars).split()
    return " ".join(_TOKEN_EXPANSIONS.get(t, t) for t in tokens)
