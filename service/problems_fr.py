"""Problems in French, for a caller whose `Accept-Language` prefers it (the operators' console
in French, a Quebec partner's app): titles, the generic details, the need profile's own
messages, and pydantic's most common ones by their type (those two in `schemas/french.py`,
which the client shares). What has no French here stays in
English, the contract's language: a message half translated by guesswork would be worse."""

from typing import Any

from schemas.enums import Role
from schemas.french import BY_TYPE, OWN_MESSAGES
from service.http_json import DUPLICATE_FIELD


def preferred_language(accept_language: str | None) -> str:
    """French or English, whichever the header prefers (its q-values, RFC 9110; the first
    of equal ones); English when it names neither ("de, fr;q=0.5" is French)."""
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, parameters = part.strip().lower().partition(";")
        primary = tag.strip().split("-")[0]
        if primary not in {"fr", "en"}:
            continue
        q = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q and q > 0:
            best, best_q = primary, q
    return best


TITLES = {
    "Bad request": "Requête incorrecte",
    "Unauthorized": "Non authentifié",
    "Forbidden": "Interdit",
    "Not found": "Introuvable",
    "Method not allowed": "Méthode non permise",
    "Not acceptable": "Non acceptable",
    "Conflict": "Conflit",
    "Precondition failed": "Précondition non remplie",
    "Content too large": "Contenu trop volumineux",
    "Unsupported media type": "Type de contenu non pris en charge",
    "Invalid request": "Requête invalide",
    "Precondition required": "Précondition requise",
    "Too many requests": "Trop de requêtes",
    "Internal server error": "Erreur interne du serveur",
    "Service unavailable": "Service indisponible",
}

# Details and messages said in English by this service, word for word.
MESSAGES = {
    "The request is not valid; see errors.": (
        "La requête n'est pas valide ; la liste errors dit pourquoi."
    ),
    # Who is asking (what a hotline's operators and a partner's app meet first).
    "Unknown or revoked API key.": "Clé d'API inconnue ou révoquée.",
    "Send Authorization: Bearer <key>.": "Envoyez Authorization: Bearer <clé>.",
    **{
        f"The {role.value} role may not do this.": f"Le rôle {role.value} ne peut pas faire ceci."
        for role in Role
    },
    "The organization of this key is suspended.": "L'organisation de cette clé est suspendue.",
    "No such service.": "Aucun service ne porte cet identifiant.",
    "No such organization.": "Aucune organisation ne porte cet identifiant.",
    "No such key.": "Aucune clé ne porte cet identifiant.",
    "This path does not answer this method; Allow lists those it does.": (
        "Ce chemin ne répond pas à cette méthode ; l'en-tête Allow nomme celles qu'il accepte."
    ),
    "The database does not answer.": "La base de données ne répond pas.",
    "Send If-Match with the ETag of the listing you changed.": (
        "Envoyez If-Match avec l'ETag de la fiche que vous avez modifiée."
    ),
    "No such path here: send it without the slash at its end.": (
        "Ce chemin n'existe pas ici : envoyez-le sans la barre oblique finale."
    ),
    "No such path here; /docs lists every path this service answers.": (
        "Ce chemin n'existe pas ; /docs liste tous ceux que le service connaît."
    ),
    "Something went wrong on our side. Quote the request id when reporting it.": (
        "Une erreur s'est produite de notre côté. Citez le request_id en la signalant."
    ),
    "The database is busy or out of reach; nothing was changed. Try again shortly.": (
        "La base de données est occupée ou injoignable ; rien n'a changé. Réessayez sous peu."
    ),
    "Invalid JSON": "JSON invalide",
    "This listing has a confidential location: say for each location sent whether it is "
    'confidential ("confidential": true keeps its address and point from partners); a location '
    "sent without it would be public.": (
        "Cette fiche a un lieu confidentiel : dites de chaque lieu envoyé s'il est confidentiel "
        '("confidential": true garde son adresse et son point hors de la vue des partenaires) ; '
        "un lieu envoyé sans cela serait public."
    ),
    "required while the listing has a confidential location": (
        "requis tant que la fiche a un lieu confidentiel"
    ),
    DUPLICATE_FIELD: "un champ est donn\u00e9 deux fois dans un m\u00eame objet ; envoyez chaque "
    "champ une fois",
    "Unknown query parameter": "paramètre de requête inconnu",
    "Given more than once: it takes one value": "donné plus d'une fois : il prend une valeur",
    # The need profile's own checks (schemas/match.py, schemas/common.py).
    **OWN_MESSAGES,
    # Where the person is (usecases/match.py).
    "unknown postal prefix": "préfixe postal inconnu",
    "this postal prefix covers a region too wide to place a person (its postal codes lie over "
    "50 km from its centre); send location.place, the town, instead": (
        "ce préfixe postal couvre une région trop vaste pour situer une personne (ses codes "
        "postaux sont à plus de 50 km de son centre) ; envoyez plutôt location.place, la ville"
    ),
    "several places of that province bear this name; send location.postal_prefix, or "
    "latitude and longitude, instead": (
        "plusieurs lieux de cette province portent ce nom ; envoyez plutôt "
        "location.postal_prefix, ou latitude et longitude"
    ),
    "no such place known in that province; check the spelling, or send "
    "location.postal_prefix, or latitude and longitude, instead": (
        "aucun lieu de ce nom dans cette province ; vérifiez l'orthographe, ou envoyez plutôt "
        "location.postal_prefix, ou latitude et longitude"
    ),
    "several places bear this name; add the province (ON, QC, ...)": (
        "plusieurs lieux portent ce nom ; ajoutez la province (ON, QC, ...)"
    ),
    "no such place known; check the spelling, or send location.postal_prefix, or latitude "
    "and longitude, instead": (
        "aucun lieu de ce nom ; vérifiez l'orthographe, ou envoyez plutôt "
        "location.postal_prefix, ou latitude et longitude"
    ),
    "outside Canada: this registry serves people in Canada; send the Canadian town "
    "(location.place) or postal prefix where the person is": (
        "hors du Canada : ce répertoire sert des personnes au Canada ; envoyez la ville "
        "canadienne (location.place) ou le préfixe postal où se trouve la personne"
    ),
}


def french_message(error_type: str | None, ctx: dict[str, Any] | None, english: str) -> str:
    """The French of one error's message: by pydantic's type, else this service's own words;
    English when neither is known."""
    if english in MESSAGES:  # this service's own words first ("Unknown query parameter")
        return MESSAGES[english]
    said = BY_TYPE.get(error_type or "")
    return said(ctx or {}) if said is not None else english


def french_text(english: str) -> str:
    """A title or detail in French when it is one of this service's known texts; a detail
    that names a field first ("location.place: …") keeps the name."""
    if english in TITLES:
        return TITLES[english]
    if english in MESSAGES:
        return MESSAGES[english]
    field, sep, rest = english.partition(": ")
    if sep and rest in MESSAGES and " " not in field:
        return f"{field} : {MESSAGES[rest]}"
    return english
