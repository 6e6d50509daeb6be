"""What the command line says to the operator in its own words, in English or French
(`match --french`): its checks before sending, a server out of reach or asked too often, and
the server's location problems reworded for `--near`.

The server words its problems for the API's callers, naming its fields ("send
location.postal_prefix, or latitude and longitude"); an operator typed `--near`, and is told
what to type there instead. The server's message is recognised by its words, in either
language; one not recognised is shown as the server wrote it.
"""

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from referral_client.errors import TooManyRequests, Unreachable
from schemas.french import BY_TYPE, OWN_MESSAGES


def field_and_message(field: str, message: str, *, french: bool) -> str:
    # French typography puts a space before a colon (as the server's French problems do).
    return f"{field} : {message}" if french else f"{field}: {message}"


def joined(messages: Sequence[str], *, french: bool) -> str:
    return (" ; " if french else "; ").join(messages)


def no_key(variable: str, *, french: bool) -> str:
    if french:
        return f"aucune clé d'API : passez --api-key ou définissez {variable}"
    return f"no API key: pass --api-key or set {variable}"


def see_help(message: str, *, french: bool) -> str:
    return f"{message} (voir --help)" if french else f"{message} (see --help)"


def unreachable(error: Unreachable, *, french: bool) -> str:
    if not french:
        return str(error)
    server = error.server or "le serveur"
    if error.reason == "connect":
        return f"impossible de se connecter à {server}"
    if error.reason == "timeout":
        return f"{server} n'a pas répondu à temps"
    return f"la connexion à {server} a été coupée"


# Letters of French and not of English: the server translates the texts it knows, and a
# detail with none of them is taken for one it left in English.
_FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôùûüÿœ]", re.IGNORECASE)


def is_french(text: str | None) -> bool:
    return bool(text and _FRENCH_LETTERS.search(text))


def too_many_requests(error: TooManyRequests) -> str:
    """A 429 in French, keeping how long the server asked to wait: its detail is English
    (it says which limit, in words it does not translate)."""
    seconds = error.retry_after_seconds
    wait = f"dans {math.ceil(seconds)} s" if seconds is not None else "dans un moment"
    return (
        f"{error.problem.title} : cette clé a fait plus de requêtes cette minute que le serveur "
        f"n'en accepte d'une clé ; réessayez {wait}"
    )


# pydantic's messages by type, and the profile's own checks, in French as the server says them
# (`schemas/french.py`), but for an option left out: "--need : requis", not "champ requis".
_FRENCH_BY_TYPE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **BY_TYPE,
    "missing": lambda ctx: "requis",
}

# `--need` takes twenty codes: pydantic's "Input should be 'housing', 'legal', … or
# 'specialized.peer_support'" filled the terminal. The three needs, and what a category is.
_NEED_VALUES = (
    "unknown value; possible values: housing, legal, specialized, or one of their categories, "
    "such as legal.immigration or housing.emergency_shelter",
    "valeur inconnue ; valeurs possibles : housing, legal, specialized, ou une de leurs "
    "catégories, comme legal.immigration ou housing.emergency_shelter",
)
# Typer's refusal of an option's value that is not one of its choices ("'robot' is not one
# of 'woman', 'man', …"): the choices are said, the value typed is not.
_NOT_ONE_OF = re.compile(r"^'.*' is not one of (.*?)\.?$", re.DOTALL)


def checked(
    field: str, error_type: str, ctx: Mapping[str, Any] | None, message: str, *, french: bool
) -> str:
    """One error of a check made before sending (pydantic's, or a schema's own), for the
    option `field`: by pydantic's type, or the schema's own words, in French with `french`;
    English when no French is known, rather than half a translation."""
    message = message.removeprefix("Value error, ")
    ctx = ctx or {}
    if error_type == "enum" and field == "--need":
        return _NEED_VALUES[1 if french else 0]
    choices = _NOT_ONE_OF.match(message)
    if choices:  # (the value typed may be of the person's profile)
        values = choices.group(1)
        if french:
            return f"doit être l'une des valeurs {values.replace(' or ', ' ou ')}"
        return f"must be one of {values}"
    if not french:
        return message
    if message in OWN_MESSAGES:
        return OWN_MESSAGES[message]
    said = _FRENCH_BY_TYPE.get(error_type)
    return said(ctx) if said is not None else message


# The server's location problems, known by words of each (English, then French); checked in
# this order, "no such place known in that province" before "no such place known".
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shared_in_province", ("several places of that province", "plusieurs lieux de cette")),
    ("unknown_in_province", ("no such place known in that", "aucun lieu de ce nom dans")),
    ("ambiguous", ("several places bear this name", "plusieurs lieux portent ce nom")),
    ("unknown_place", ("no such place known", "aucun lieu de ce nom")),
    ("wide_prefix", ("region too wide", "région trop vaste")),
    ("outside_canada", ("outside Canada", "hors du Canada")),
)

_INSTEAD = (
    "a postal prefix (R3C) or coordinates (49.9,-97.1)",
    "un début de code postal (R3C) ou des coordonnées (49.9,-97.1)",
)

# What the operator is told instead (English, French): what to type in `--near`.
_REWORDED = {
    "shared_in_province": (
        f"several places of that province bear this name; give {_INSTEAD[0]} instead",
        f"plusieurs lieux de cette province portent ce nom ; donnez plutôt {_INSTEAD[1]}",
    ),
    "unknown_in_province": (
        "no such place known in that province; check the spelling and the province, or give "
        f"{_INSTEAD[0]}",
        "aucun lieu de ce nom dans cette province ; vérifiez l'orthographe et la province, ou "
        f"donnez {_INSTEAD[1]}",
    ),
    "ambiguous": (
        'several places bear this name; add the province, as in "Elmira, ON"',
        "plusieurs lieux portent ce nom ; ajoutez la province, comme dans « Elmira, ON »",
    ),
    "unknown_place": (
        f"no such place known; check the spelling, or give {_INSTEAD[0]}",
        f"aucun lieu de ce nom ; vérifiez l'orthographe, ou donnez {_INSTEAD[1]}",
    ),
    "wide_prefix": (
        "this postal prefix covers a region too wide to place the person (its postal codes "
        "lie over 50 km from its centre); give the town instead",
        "ce début de code postal couvre une région trop vaste pour situer la personne (ses "
        "codes postaux sont à plus de 50 km de son centre) ; donnez plutôt la ville",
    ),
    "outside_canada": (
        "outside Canada: this registry serves people in Canada; give the Canadian town or "
        "postal prefix where the person is",
        "hors du Canada : ce répertoire sert des personnes au Canada ; donnez la ville "
        "canadienne ou le début de code postal où se trouve la personne",
    ),
}

# Where in a match request the server places a location problem.
_LOCATION_FIELDS = frozenset({"place", "postal_prefix", "latitude", "longitude"})


def location_kind(loc: Sequence[str | int], message: str) -> str | None:
    """Which of the server's location problems this is, or None for another problem."""
    names = [part for part in loc if part != "body"]
    if len(names) != 2 or names[0] != "location" or names[1] not in _LOCATION_FIELDS:
        return None
    for kind, words in _KINDS:
        if any(word in message for word in words):
            return kind
    return None


def location_message(kind: str, *, french: bool, candidates: Sequence[str] = ()) -> str:
    """The operator's wording of a location problem; for a name several places bear, the
    places themselves when they were found, to pick one."""
    if kind == "ambiguous" and len(candidates) > 1:
        places = joined(candidates, french=french)
        if french:
            return f"plusieurs lieux portent ce nom : {places} — ajoutez la province"
        return f"several places bear this name: {places} — add the province"
    return _REWORDED[kind][1 if french else 0]
