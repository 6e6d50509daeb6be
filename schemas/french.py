"""The French of what the wire models themselves say when a value is refused: their own
checks' messages (`match.py`, `common.py`) and pydantic's, by type. One table for the server
(`service/problems_fr.py`, a 422 in French) and for the client, which makes the same checks
before it sends anything (`referral_client._wording`, under `--french`)."""

from collections.abc import Callable, Mapping
from typing import Any

# The models' own checks, word for word.
OWN_MESSAGES = {
    "must say in words what the decision rests on": (
        "doit dire en mots sur quoi repose la décision"
    ),
    "must be a Canadian postal prefix such as N2L, or a whole postal code such as N2L 3G1": (
        "doit être un préfixe postal canadien, comme N2L, ou un code postal entier, comme N2L 3G1"
    ),
    "give exactly one of postal_prefix, place, or latitude and longitude": (
        "donnez un seul de postal_prefix, place, ou latitude et longitude"
    ),
    "give both latitude and longitude": "donnez latitude et longitude",
    "must not repeat a need": "ne doit pas répéter un besoin",
    "must not contain control characters": "ne doit pas contenir de caractères de contrôle",
    "must contain a letter or a digit": "doit contenir une lettre ou un chiffre",
    "not an ISO 639 code of a language; use a code such as en, fr or es": (
        "n'est pas un code de langue ISO 639 ; utilisez un code comme en, fr ou es"
    ),
}


def _limit(value: Any) -> str:
    """A bound as a person writes it in French: `0`, not `0.0`; `0,5`, not `0.5`."""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _expected(ctx: Mapping[str, Any]) -> str:
    # pydantic's list of the values allowed ("'woman', 'man' or 'undisclosed'"): the enum's,
    # never what was sent.
    return str(ctx.get("expected", "")).replace(" or ", " ou ")


# pydantic's messages by type, in French, from the context pydantic gives (limits, values
# allowed: the schema's, never what was sent).
BY_TYPE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "champ requis",
    "extra_forbidden": lambda ctx: "champ inconnu",
    "enum": lambda ctx: f"doit être l'une des valeurs {_expected(ctx)}",
    "literal_error": lambda ctx: f"doit être l'une des valeurs {_expected(ctx)}",
    "int_type": lambda ctx: "doit être un nombre entier",
    "int_parsing": lambda ctx: "doit être un nombre entier",
    "int_from_float": lambda ctx: "doit être un nombre entier",
    "float_type": lambda ctx: "doit être un nombre",
    "float_parsing": lambda ctx: "doit être un nombre",
    "finite_number": lambda ctx: "doit être un nombre fini",
    "bool_type": lambda ctx: "doit être true ou false",
    "bool_parsing": lambda ctx: "doit être true ou false",
    "string_type": lambda ctx: "doit être du texte",
    "list_type": lambda ctx: "doit être une liste",
    "dict_type": lambda ctx: "doit être un objet",
    "model_type": lambda ctx: "doit être un objet",
    "model_attributes_type": lambda ctx: "doit être un objet",
    "uuid_parsing": lambda ctx: "doit être un UUID",
    "uuid_type": lambda ctx: "doit être un UUID",
    "greater_than_equal": lambda ctx: f"doit être au moins {_limit(ctx.get('ge'))}",
    "greater_than": lambda ctx: f"doit être supérieur à {_limit(ctx.get('gt'))}",
    "less_than_equal": lambda ctx: f"doit être au plus {_limit(ctx.get('le'))}",
    "less_than": lambda ctx: f"doit être inférieur à {_limit(ctx.get('lt'))}",
    "too_short": lambda ctx: f"trop court : au moins {ctx.get('min_length')} élément(s)",
    "too_long": lambda ctx: f"trop long : au plus {ctx.get('max_length')} élément(s)",
    "string_too_short": lambda ctx: f"trop court : au moins {ctx.get('min_length')} caractère(s)",
    "string_too_long": lambda ctx: f"trop long : au plus {ctx.get('max_length')} caractère(s)",
    "json_invalid": lambda ctx: "JSON invalide",
}
