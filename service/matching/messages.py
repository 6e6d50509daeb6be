"""Plain-language reasons and caveats, in English and French."""

from collections.abc import Callable

from service.matching.types import Note

# A language's name by its code and whether in French, for the codes `LANGUAGE_NAMES` lacks.
NameOf = Callable[[str, bool], str | None]


def _no_name(code: str, french: bool) -> str | None:
    return None


LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "en": ("English", "anglais"),
    "fr": ("French", "français"),
    "es": ("Spanish", "espagnol"),
    "pt": ("Portuguese", "portugais"),
    "tl": ("Tagalog", "tagalog"),
    "pa": ("Punjabi", "pendjabi"),
    "hi": ("Hindi", "hindi"),
    "ur": ("Urdu", "ourdou"),
    "ta": ("Tamil", "tamoul"),
    "zh": ("Chinese", "chinois"),
    "ko": ("Korean", "coréen"),
    "vi": ("Vietnamese", "vietnamien"),
    "th": ("Thai", "thaï"),
    "ar": ("Arabic", "arabe"),
    "fa": ("Persian", "persan"),
    "so": ("Somali", "somali"),
    "ti": ("Tigrinya", "tigrigna"),
    "am": ("Amharic", "amharique"),
    "sw": ("Swahili", "swahili"),
    "uk": ("Ukrainian", "ukrainien"),
    "ru": ("Russian", "russe"),
    "ro": ("Romanian", "roumain"),
    "pl": ("Polish", "polonais"),
    "ht": ("Haitian Creole", "créole haïtien"),
    "iu": ("Inuktitut", "inuktitut"),
    "cr": ("Cree", "cri"),
    "oj": ("Ojibwe", "ojibwé"),
    "mic": ("Mi'kmaq", "micmac"),
    "moe": ("Innu", "innu-aimun"),
    # The varieties of the Indigenous macrolanguages above, and other languages of First
    # Nations (ISO 639-3's reference names read "Eastern Canadian Inuktitut" in French).
    "ike": ("Eastern Canadian Inuktitut", "inuktitut de l'Est canadien"),
    "ikt": ("Inuinnaqtun", "inuinnaqtun"),
    "crk": ("Plains Cree", "cri des Plaines"),
    "crj": ("Southern East Cree", "cri de l'Est (du Sud)"),
    "crl": ("Northern East Cree", "cri de l'Est (du Nord)"),
    "crm": ("Moose Cree", "cri de Moose"),
    "csw": ("Swampy Cree", "cri des marais"),
    "cwd": ("Woods Cree", "cri des bois"),
    "ojg": ("Eastern Ojibwe", "ojibwé de l'Est"),
    "ojw": ("Western Ojibwe", "ojibwé de l'Ouest"),
    "ojs": ("Oji-Cree", "oji-cri"),
    "ojb": ("Northwestern Ojibwe", "ojibwé du Nord-Ouest"),
    "ojc": ("Central Ojibwe", "ojibwé central"),
    "otw": ("Odawa", "odawa"),
    "atj": ("Atikamekw", "atikamekw"),
    "nsk": ("Naskapi", "naskapi"),
    "bla": ("Blackfoot", "pied-noir"),
    "moh": ("Mohawk", "mohawk"),
    "chp": ("Dene", "déné"),
    "dgr": ("Tlicho", "tlicho"),
    "fil": ("Filipino", "filipino"),
    # Other languages spoken by many newcomers to Canada (census home languages).
    "yue": ("Cantonese", "cantonais"),
    "cmn": ("Mandarin", "mandarin"),
    "gu": ("Gujarati", "goudjarati"),
    "bn": ("Bengali", "bengali"),
    "ne": ("Nepali", "népalais"),
    "ml": ("Malayalam", "malayalam"),
    "te": ("Telugu", "télougou"),
    "si": ("Sinhala", "cingalais"),
    "prs": ("Dari", "dari"),
    "ps": ("Pashto", "pachto"),
    "ku": ("Kurdish", "kurde"),
    "tr": ("Turkish", "turc"),
    "it": ("Italian", "italien"),
    "de": ("German", "allemand"),
    "el": ("Greek", "grec"),
    "hu": ("Hungarian", "hongrois"),
    "sr": ("Serbian", "serbe"),
    "hr": ("Croatian", "croate"),
    "ja": ("Japanese", "japonais"),
    "my": ("Burmese", "birman"),
    "km": ("Khmer", "khmer"),
    "lo": ("Lao", "lao"),
    "om": ("Oromo", "oromo"),
    "rw": ("Kinyarwanda", "kinyarwanda"),
    "ln": ("Lingala", "lingala"),
    "yo": ("Yoruba", "yoruba"),
    "ig": ("Igbo", "igbo"),
    "ha": ("Hausa", "haoussa"),
    "tw": ("Twi", "twi"),
    "wo": ("Wolof", "wolof"),
    "he": ("Hebrew", "hébreu"),
    "hy": ("Armenian", "arménien"),
    "ase": ("American Sign Language", "langue des signes américaine"),
    "fcs": ("Quebec Sign Language", "langue des signes québécoise"),
}

_GROUPS: dict[str, tuple[str, str]] = {
    "woman": ("women", "femmes"),
    "man": ("men", "hommes"),
    "gender_diverse": ("gender-diverse people", "personnes de diverses identités de genre"),
    "labour": ("labour trafficking", "traite à des fins de travail"),
    "sex": ("sex trafficking", "traite à des fins sexuelles"),
    "canadian_citizen": ("citizens", "citoyens"),
    "permanent_resident": ("permanent residents", "résidents permanents"),
    "refugee_claimant": ("refugee claimants", "demandeurs d'asile"),
    "protected_person": ("protected persons", "personnes protégées"),
    "temporary_resident": ("temporary residents", "résidents temporaires"),
    "trafficking_trp": ("TRP holders", "titulaires d'un PST"),
    "no_status": ("people without status", "personnes sans statut"),
    "sliding_scale": ("sliding-scale fees", "tarif selon le revenu"),
    "fee": ("fees apply", "services payants"),
}

# Where a service takes people from, when that is why it is shown beyond the radius: "from
# anywhere in ...", "... de tout l'Ontario".
_AREAS: dict[str, tuple[str, str]] = {
    "CA": ("Canada", "de tout le Canada"),
    "AB": ("Alberta", "de toute l'Alberta"),
    "BC": ("British Columbia", "de toute la Colombie-Britannique"),
    "MB": ("Manitoba", "de tout le Manitoba"),
    "NB": ("New Brunswick", "de tout le Nouveau-Brunswick"),
    "NL": ("Newfoundland and Labrador", "de tout Terre-Neuve-et-Labrador"),
    "NS": ("Nova Scotia", "de toute la Nouvelle-\u00c9cosse"),
    "NT": ("the Northwest Territories", "de tous les Territoires du Nord-Ouest"),
    "NU": ("Nunavut", "de tout le Nunavut"),
    "ON": ("Ontario", "de tout l'Ontario"),
    "PE": ("Prince Edward Island", "de toute l'\u00cele-du-Prince-\u00c9douard"),
    "QC": ("Quebec", "de tout le Qu\u00e9bec"),
    "SK": ("Saskatchewan", "de toute la Saskatchewan"),
    "YT": ("Yukon", "de tout le Yukon"),
}

_TEMPLATES: dict[str, tuple[str, str]] = {
    "distance": ("{km} km", "{km} km"),
    "serves_area": ("takes people from anywhere in {area}", "accueille des personnes {area}"),
    "serves_radius": (
        "takes people from within {radius} km of it",
        "accueille des personnes \u00e0 {radius} km ou moins",
    ),
    "eligibility_unstated": (
        "who it serves was not stated (imported listing); confirm eligibility before referring",
        "clientèle desservie non indiquée (fiche importée) ; confirmez l'admissibilité avant "
        "d'orienter la personne",
    ),
    "remote": ("serves you by phone or online", "vous sert par téléphone ou en ligne"),
    "outreach": ("staff travel to you (outreach)", "l'équipe se déplace (proximité)"),
    "serves_genders": ("serves {genders}", "sert : {genders}"),
    "serves_genders_only": (
        "serves {genders} only; gender not given",
        "sert seulement : {genders} ; genre non indiqué",
    ),
    "serves_ages": ("serves ages {ages}", "sert les {ages}"),
    "minors_unstated": (
        "does not say it takes people under 18: check before sending a minor",
        "ne dit pas accueillir les moins de 18 ans : vérifiez avant d'y envoyer un mineur",
    ),
    "serves_ages_only": (
        "serves ages {ages} only; age not given",
        "sert seulement les {ages} ; âge non indiqué",
    ),
    "serves_statuses_only": (
        "serves {statuses} only; status not given",
        "sert seulement : {statuses} ; statut non indiqué",
    ),
    "serves_statuses_except": (
        "does not serve {statuses}; status not given",
        "ne sert pas : {statuses} ; statut non indiqué",
    ),
    "serves_trafficking_only": (
        "serves survivors of {types} only; type not given",
        "sert seulement les survivants de {types} ; type non indiqué",
    ),
    "accepts_dependents": ("children welcome", "enfants acceptés"),
    "dependents_unknown": (
        "unknown whether children can come",
        "on ignore si les enfants sont acceptés",
    ),
    "no_id_needed": ("no ID needed", "aucune pièce d'identité requise"),
    "no_police_report_needed": ("no police report needed", "aucune plainte à la police requise"),
    "asks_for_id": (
        "asks for identity documents",
        "demande des pièces d'identité",
    ),
    "asks_for_police_report": (
        "asks for a police report",
        "demande une plainte à la police",
    ),
    "wheelchair_accessible": ("wheelchair accessible", "accessible en fauteuil roulant"),
    "wheelchair_unknown": (
        "wheelchair access unknown",
        "accessibilité en fauteuil roulant inconnue",
    ),
    "speaks": ("speaks {languages}", "parle {languages}"),
    "language_not_listed": (
        "does not list {languages}; interpretation may be needed",
        "n'indique pas {languages} ; un interprète peut être nécessaire",
    ),
    "first_language_not_listed": (
        "not in {languages}, the first language given",
        "pas en {languages}, la première langue indiquée",
    ),
    "languages_unknown": ("languages not listed", "langues non indiquées"),
    "specialises": ("specialises in {types}", "spécialisé en {types}"),
    "beds_free": ("{beds} free, updated {age}", "{beds}, mis à jour {age}"),
    "no_beds": ("no beds free, updated {age}", "aucun lit libre, mis à jour {age}"),
    "beds_unknown": ("bed availability unknown", "disponibilité des lits inconnue"),
    "beds_stale": ("bed count may be out of date", "nombre de lits peut-être périmé"),
    "intake_24_7": ("24/7 intake", "accueil 24 h sur 24"),
    "not_tonight": (
        "neither an emergency shelter nor a 24/7 intake: may not take people tonight",
        "ni refuge d'urgence ni accueil 24 h sur 24 : peut-être pas ce soir",
    ),
    "intake_hours": (
        "intake hours not read as 24/7: call before sending someone tonight",
        "heures d'accueil non lues comme 24 h sur 24 : appelez avant d'envoyer quelqu'un ce soir",
    ),
    "never_verified": ("listing never verified", "fiche jamais vérifiée"),
    "not_verified": (
        "listing not verified for {days} days",
        "fiche non vérifiée depuis {days} jours",
    ),
    "referral_required": ("referral required", "recommandation requise"),
    "fees": ("{fees}", "{fees}"),
    "confidential_location": (
        "confidential location: distance approximate",
        "adresse confidentielle : distance approximative",
    ),
    "beyond_asked_distance": (
        "farther than the {km} km asked",
        "plus loin que les {km} km demandés",
    ),
    "maybe_beyond_asked_distance": (
        "may be farther than the {km} km asked",
        "peut-être plus loin que les {km} km demandés",
    ),
}


def _language_name(code: str, french: bool, name_of: NameOf) -> str:
    """Our own name of the language in either language; else, for the thousands of others
    a listing may speak, `name_of` (the caller's: ISO 639-3's reference name, or iso-codes'
    French one), rather than a code nobody on the phone can read ("tce": Southern Tutchone,
    toutchone méridional)."""
    named = LANGUAGE_NAMES.get(code)
    if named is not None:
        return named[1 if french else 0]
    return name_of(code, french) or code


def _language_list(codes: str, french: bool, name_of: NameOf) -> str:
    return ", ".join(_language_name(code, french, name_of) for code in codes.split(","))


def _group_list(codes: str, french: bool) -> str:
    names = [_GROUPS.get(code, (code, code))[1 if french else 0] for code in codes.split(",")]
    return (" et " if french else " and ").join(names) if len(names) <= 2 else ", ".join(names)


def _ages(low: str | int | float, high: str | int | float, french: bool) -> str:
    if low != "" and high != "":
        return f"{low} à {high} ans" if french else f"{low}-{high}"
    if low != "":
        return f"{low} ans et plus" if french else f"{low}+"
    return f"{high} ans et moins" if french else f"up to {high}"


def _age_of_update(hours: str | int | float | None, french: bool) -> str:
    if hours is None:
        return "à une date inconnue" if french else "at an unknown time"
    value = int(hours)
    if value < 1:
        return "il y a moins d'une heure" if french else "less than an hour ago"
    if value < 48:
        return f"il y a {value} h" if french else f"{value} h ago"
    days = value // 24
    return f"il y a {days} jours" if french else f"{days} days ago"


def _kilometres(value: str | int | float, french: bool, *, asked: bool) -> str:
    """A distance as `distance_km` shows it (`12.3`, `5.0`), or as the person asked for it
    (`50`, not `50.0`, whether it was sent as 50 or 50.0); in French with a decimal comma
    (`12,3`)."""
    text = f"{float(value):g}" if asked else str(value)
    return text.replace(".", ",") if french else text


_ASKED_DISTANCE = frozenset({"beyond_asked_distance", "maybe_beyond_asked_distance"})


def render(note: Note, language: str = "en", name_of: NameOf = _no_name) -> str:
    """A note as a short phrase in `language` (`en` or `fr`); `name_of` names the languages
    our table does not."""
    french = language == "fr"
    english_template, french_template = _TEMPLATES[note.code]
    params = dict(note.params)
    values: dict[str, str] = {}
    for name, value in params.items():
        if name == "languages":
            values[name] = _language_list(str(value), french, name_of)
        elif name in {"genders", "types", "statuses", "fees"}:
            values[name] = _group_list(str(value), french)
        elif name == "km":
            values[name] = _kilometres(value, french, asked=note.code in _ASKED_DISTANCE)
        elif name == "area":
            values[name] = _AREAS[str(value)][1 if french else 0]
        elif name == "radius":
            values[name] = _kilometres(value, french, asked=True)
        else:
            values[name] = str(value)
    if "min" in params or "max" in params:
        values["ages"] = _ages(params.get("min", ""), params.get("max", ""), french)
    if note.code == "beds_free":
        beds = int(params["beds"])
        if french:
            values["beds"] = "1 lit libre" if beds == 1 else f"{beds} lits libres"
        else:
            values["beds"] = "1 bed" if beds == 1 else f"{beds} beds"
    if note.code in {"beds_free", "no_beds"}:
        values["age"] = _age_of_update(params.get("hours"), french)
    return (french_template if french else english_template).format(**values)
