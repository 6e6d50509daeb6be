"""A deterministic, entirely fictional demo registry.

Every organization, service, address, phone number (the reserved 555-01xx range), e-mail address
and web address (example.org) below is invented. Only the municipalities, their coordinates and
their postal-code prefixes are real, so that matching by place, postal prefix and distance behaves
as it would with a real registry. The data is generated from small tables with a seeded
``random.Random``: every call returns the same registry, byte for byte, without using the clock.

Each service is a listing in the shape of ``POST /v1/services`` (API.md) without
``organization_id``, plus two keys the loader pops before storing it:

- ``_verified_days_ago``: days since the provider last verified the listing (about 10% are
  older than 180 days, i.e. stale);
- ``_availability_hours_ago``: hours since availability was last updated (some shelters more
  than 48 hours ago).
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

SEED = 2013
STALE_VERIFIED_DAYS = 180
STALE_AVAILABILITY_HOURS = 48


@dataclass(frozen=True)
class DemoOrganization:
    """A fictional organization and its listings (each without ``organization_id``)."""

    name: str
    description: str
    website: str | None
    email: str | None
    phone: str | None
    services: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class _Municipality:
    name: str
    province: str
    latitude: float
    longitude: float
    area_type: str  # urban | suburban | rural
    area_code: str
    postal_prefixes: tuple[str, ...]
    languages: tuple[str, ...]  # community languages beyond the province's own


def _m(
    name: str,
    prov: str,
    lat: float,
    lon: float,
    area: str,
    code: str,
    prefixes: str,
    langs: str = "",
) -> _Municipality:
    return _Municipality(
        name, prov, lat, lon, area, code, tuple(prefixes.split()), tuple(langs.split())
    )


# Real municipalities: reference coordinates (4 decimals), area type, telephone area code,
# real forward sortation areas (postal prefixes) and languages commonly spoken there.
_MUNICIPALITIES: tuple[_Municipality, ...] = (
    _m("Kitchener", "ON", 43.4516, -80.4925, "urban", "519", "N2G N2H N2M", "es pt ar so ti uk"),
    _m("Waterloo", "ON", 43.4643, -80.5204, "urban", "519", "N2J N2L N2K", "zh ar fa ko"),
    _m("Cambridge", "ON", 43.3616, -80.3144, "suburban", "519", "N1R N3H N3C", "pt pa es"),
    _m("Elmira", "ON", 43.5996, -80.5576, "rural", "519", "N3B", "es pdt"),
    _m("St. Jacobs", "ON", 43.5372, -80.5536, "rural", "519", "N0B", "es"),
    _m("New Hamburg", "ON", 43.3784, -80.7069, "rural", "519", "N3A", "es"),
    _m("Ayr", "ON", 43.2857, -80.4497, "rural", "519", "N0B", "es"),
    _m("Wellesley", "ON", 43.4766, -80.7647, "rural", "519", "N0B", "es pdt"),
    _m(
        "Toronto",
        "ON",
        43.6532,
        -79.3832,
        "urban",
        "416",
        "M5V M4Y M6K M5A M5B",
        "zh tl es pt ta fa ko vi so ti ar uk hi",
    ),
    _m("Mississauga", "ON", 43.5890, -79.6441, "suburban", "905", "L5B L5A L4Z", "ur pa tl ar pl"),
    _m("Brampton", "ON", 43.7315, -79.7624, "suburban", "905", "L6V L6T L6X", "pa hi gu ur ta"),
    _m("Markham", "ON", 43.8561, -79.3370, "suburban", "905", "L3R L3P L6B", "zh ta fa ko"),
    _m("Vaughan", "ON", 43.8361, -79.4983, "suburban", "905", "L4K L4L L6A", "it ru es fa"),
    _m("Oshawa", "ON", 43.8971, -78.8658, "suburban", "905", "L1H L1G L1J", "es ar"),
    _m("Ottawa", "ON", 45.4215, -75.6972, "urban", "613", "K1P K1N K2P K1R", "fr ar so zh es ti"),
    _m("London", "ON", 42.9849, -81.2453, "urban", "519", "N6A N6B N5Y", "ar es zh pt"),
    _m("Hamilton", "ON", 43.2557, -79.8711, "urban", "905", "L8P L8R L8N L8L", "ar es pl it uk"),
    _m("Guelph", "ON", 43.5448, -80.2482, "urban", "519", "N1H N1E N1G", "es vi zh"),
    _m("Leamington", "ON", 42.0534, -82.5996, "rural", "519", "N8H", "es tl th pdt"),
    _m("Windsor", "ON", 42.3149, -83.0364, "urban", "519", "N9A N8X N9B", "ar es zh"),
    _m("Thunder Bay", "ON", 48.3809, -89.2477, "urban", "807", "P7B P7A P7E", "oj cr"),
    _m("Sudbury", "ON", 46.4917, -80.9930, "urban", "705", "P3E P3A P3C", "fr oj"),
    _m(
        "Montréal",
        "QC",
        45.5017,
        -73.5673,
        "urban",
        "514",
        "H2X H3B H2L H2T",
        "es ar ht zh vi pt tl",
    ),
    _m("Laval", "QC", 45.6066, -73.7124, "suburban", "450", "H7N H7T H7V", "ar el ht es"),
    _m("Québec", "QC", 46.8139, -71.2080, "urban", "418", "G1R G1K G1N", "es ar"),
    _m("Gatineau", "QC", 45.4765, -75.7013, "urban", "819", "J8X J8Y J8T", "ar es"),
    _m("Sherbrooke", "QC", 45.4042, -71.8929, "urban", "819", "J1H J1J J1E", "es ar ne"),
    _m("Trois-Rivières", "QC", 46.3430, -72.5430, "urban", "819", "G9A G8T G8Z", "es"),
    _m("Saint-Rémi", "QC", 45.2634, -73.6159, "rural", "450", "J0L", "es"),
    _m(
        "Winnipeg",
        "MB",
        49.8951,
        -97.1384,
        "urban",
        "204",
        "R3C R3B R2W R3G",
        "tl pa uk am ti so fr",
    ),
    _m("Brandon", "MB", 49.8485, -99.9501, "urban", "204", "R7A R7B", "es zh tl"),
    _m("Steinbach", "MB", 49.5258, -96.6839, "rural", "204", "R5G", "pdt uk ru"),
    _m("Thompson", "MB", 55.7433, -97.8553, "rural", "204", "R8N", "cr"),
    _m("Regina", "SK", 50.4452, -104.6189, "urban", "306", "S4P S4R S4T", "tl uk ar"),
    _m("Saskatoon", "SK", 52.1332, -106.6700, "urban", "306", "S7K S7N S7M", "tl uk zh ur"),
    _m("Humboldt", "SK", 52.2019, -105.1231, "rural", "306", "S0K", "tl uk"),
    _m("Melfort", "SK", 52.8564, -104.6100, "rural", "306", "S0E", "tl"),
    _m("Swift Current", "SK", 50.2851, -107.7972, "rural", "306", "S9H", "tl de"),
    _m("Kindersley", "SK", 51.4677, -109.1568, "rural", "306", "S0L", "tl uk"),
    _m("Prince Albert", "SK", 53.2033, -105.7531, "urban", "306", "S6V S6W", "cr"),
    _m("Calgary", "AB", 51.0447, -114.0719, "urban", "403", "T2P T2G T2R", "tl pa zh es ar ur am"),
    _m("Edmonton", "AB", 53.5461, -113.4938, "urban", "780", "T5J T5H T5K", "tl pa ar so am"),
    _m("Red Deer", "AB", 52.2690, -113.8116, "urban", "403", "T4N T4P T4R", "tl es"),
    _m("Lethbridge", "AB", 49.6935, -112.8418, "urban", "403", "T1J T1H T1K", "es pdt"),
    _m("Brooks", "AB", 50.5642, -111.8989, "rural", "403", "T1R", "so ti am tl ar"),
    _m("Fort McMurray", "AB", 56.7267, -111.3790, "urban", "780", "T9H T9K", "tl ar so"),
    _m(
        "Vancouver", "BC", 49.2827, -123.1207, "urban", "604", "V6B V6A V5L", "zh tl ko vi fa pa es"
    ),
    _m("Surrey", "BC", 49.1913, -122.8490, "suburban", "604", "V3T V3W V3R", "pa hi ur tl"),
    _m("Burnaby", "BC", 49.2488, -122.9805, "suburban", "604", "V5H V5C V5G", "zh ko tl fa"),
    _m("Abbotsford", "BC", 49.0504, -122.3045, "rural", "604", "V2S V2T", "pa es hi"),
    _m("Chilliwack", "BC", 49.1579, -121.9515, "rural", "604", "V2P V2R", "es pa"),
    _m("Kelowna", "BC", 49.8880, -119.4960, "urban", "250", "V1Y V1X", "es pa"),
    _m("Victoria", "BC", 48.4284, -123.3656, "urban", "250", "V8W V8V V8T", "zh tl"),
    _m("Prince George", "BC", 53.9171, -122.7497, "urban", "250", "V2L V2M", "pa"),
    _m("Halifax", "NS", 44.6488, -63.5752, "urban", "902", "B3J B3K B3H", "ar zh fa"),
    _m("Truro", "NS", 45.3647, -63.2800, "rural", "902", "B2N", "ar"),
    _m("Kentville", "NS", 45.0775, -64.4958, "rural", "902", "B4N", "es"),
    _m("Sydney", "NS", 46.1368, -60.1942, "urban", "902", "B1P B1S", "hi"),
    _m("Moncton", "NB", 46.0878, -64.7782, "urban", "506", "E1C E1A", "ar es"),
    _m("Fredericton", "NB", 45.9636, -66.6431, "urban", "506", "E3B E3A", "ar zh"),
    _m("Saint John", "NB", 45.2733, -66.0633, "urban", "506", "E2L E2K", "ar"),
    _m("St. John's", "NL", 47.5615, -52.7126, "urban", "709", "A1C A1B A1E", "ar zh"),
    _m("Corner Brook", "NL", 48.9500, -57.9522, "rural", "709", "A2H", ""),
    _m("Charlottetown", "PE", 46.2382, -63.1311, "urban", "902", "C1A C1E", "zh ar ne"),
    _m("Summerside", "PE", 46.3959, -63.7876, "rural", "902", "C1N", "tl"),
    _m("Whitehorse", "YT", 60.7212, -135.0568, "urban", "867", "Y1A", "tl de"),
    _m("Yellowknife", "NT", 62.4540, -114.3718, "urban", "867", "X1A", "tl"),
    _m("Iqaluit", "NU", 63.7467, -68.5170, "rural", "867", "X0A", ""),
)
_BY_NAME = {m.name: m for m in _MUNICIPALITIES}

# Languages by province: the main language, the other official one and how often a service
# offers it, and Indigenous languages (ISO 639-1 where one exists, else ISO 639-3).
_PROVINCE_LANGUAGES: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    "ON": ("en", "fr", 0.2, ("oj", "cr")),
    "QC": ("fr", "en", 0.7, ("cr", "iu", "moe")),
    "MB": ("en", "fr", 0.3, ("oj", "cr")),
    "SK": ("en", "fr", 0.1, ("cr",)),
    "AB": ("en", "fr", 0.1, ("cr", "bla")),
    "BC": ("en", "fr", 0.1, ("hur",)),
    "NS": ("en", "fr", 0.2, ("mic",)),
    "NB": ("en", "fr", 0.9, ("mic",)),
    "NL": ("en", "fr", 0.1, ("iu",)),
    "PE": ("en", "fr", 0.2, ("mic",)),
    "YT": ("en", "fr", 0.4, ("tce",)),
    "NT": ("en", "fr", 0.4, ("chp", "dgr")),
    "NU": ("iu", "en", 1.0, ()),
}
_REGION = {
    "ON": "on",
    "QC": "qc",
    "MB": "pr",
    "SK": "pr",
    "AB": "pr",
    "BC": "bc",
    "NS": "at",
    "NB": "at",
    "NL": "at",
    "PE": "at",
    "YT": "no",
    "NT": "no",
    "NU": "no",
}
_PREFIXES = {
    "on": "Grand River|Speed River|Harbour Light|Lantern Way|Tall Pines|Willow Bend|Red Oak|"
    "Trillium Path|Blue Heron|Cardinal|Morning Star|Ironwood|Cedar Creek|Maple Hollow|"
    "Stone Bridge|Fieldstone|Riverstone|Sumac|Bur Oak|Kingfisher|Meadowlark|Beacon Hill|"
    "Painted Turtle|Silver Birch|Wild Ginger|Snowy Owl|Lakeview|Milkweed|Pinecone|"
    "Goldenrod|Juniper Bend|Two Rivers",
    "qc": "du Fleuve|de l'Aube|des Érables|du Phare|de la Boussole|des Outardes|de la Rive|"
    "de l'Estuaire|du Bouleau|de la Lanterne|des Hirondelles|du Grand Pin|de l'Éclaircie|"
    "du Trèfle|des Lucioles|du Vieux Moulin",
    "pr": "Prairie Hearth|Aspen Parkland|Red River|Assiniboine Bend|Wheatfield|Chinook|"
    "Bow River|Meadowlark Prairie|Prairie Crocus|Tamarack|Sweetgrass|Big Sky|Coulee|"
    "Sundog|Wild Rose|Golden Prairie|Bison Trail|Lakeland|Canola Row|Saskatoon Berry",
    "bc": "Salish Sea|Cedar Bough|Fraser Bend|Orca Bay|Coho Creek|Arbutus|Sea Glass|"
    "Mountain Ash|Douglas Fir|Kingfisher Cove|Salmonberry|Okanagan Sun|Raven's Rest|"
    "Tidewater|Huckleberry|Stillwater",
    "at": "Harbourside|Sea Smoke|Lighthouse Point|Fundy Tide|Driftwood|Puffin Cove|Lupin Lane|"
    "Saltmarsh|Northeast Wind|Red Sands|Iceberg Alley|Balsam Fir|Fogbank|Anchor Light",
    "no": "Aurora|Midnight Sun|Fireweed|Tundra Willow|Snow Goose|Polar Star|Caribou Trail|"
    "Arctic Char|Ice Road|Northern Lantern",
}
_STREETS_EN = (
    "Example St",
    "Sample Ave",
    "Demo Rd",
    "Placeholder Blvd",
    "Illustration Way",
    "Specimen Lane",
    "Fictitious Cres",
    "Mockup Dr",
    "Prototype Pl",
    "Template Ct",
)
_STREETS_FR = (
    "rue de l'Exemple",
    "boulevard Démo",
    "avenue Fictive",
    "rue du Modèle",
    "chemin de l'Essai",
    "rue Imaginaire",
)
_OFFICE_HOURS = (
    "Mon-Fri 9:00-17:00",
    "Mon-Fri 8:30-16:30",
    "Mon-Fri 10:00-18:00",
    "Mon-Sat 10:00-18:00",
    "Mon-Thu 9:00-20:00",
    "Tue-Sat 11:00-19:00",
)
_LDU_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"  # letters valid in a postal code's last three characters

# Who is served (eligibility.statuses); an empty tuple serves everyone.
_CIT_PR = ("canadian_citizen", "permanent_resident")
_IRCC = ("permanent_resident", "protected_person")  # federally funded settlement programmes
_NEWCOMER = (
    "permanent_resident",
    "refugee_claimant",
    "protected_person",
    "temporary_resident",
    "trafficking_trp",
    "no_status",
)
_W, _WG, _M, _G = ("woman",), ("woman", "gender_diverse"), ("man",), ("gender_diverse",)


@dataclass(frozen=True)
class _Template:
    """One kind of service: defaults for a listing, varied per organization by the generator."""

    en: str
    fr: str
    categories: tuple[str, ...]
    about: str
    genders: tuple[str, ...] = ()
    ages: tuple[int | None, int | None] = (None, None)
    statuses: tuple[str, ...] = ()
    trafficking_types: tuple[str, ...] = ()
    dependents: bool | None = None
    focus: tuple[str, ...] = ()
    delivery: tuple[str, ...] = ("in_person",)
    beds: tuple[int, int] | None = None
    hours: str = ""  # empty: office hours drawn at random
    referral: float = 0.2  # chance that a referral is required
    fees: str = "free"  # space-separated choices, repeated to weight them
    id_required: float = 0.05
    police: float = 0.0
    languages: str = ""
    confidential: float = 0.0  # chance that each location is confidential
    indigenous: bool = False  # always offered in an Indigenous language of the province


_T = _Template
_TEMPLATES: dict[str, _Template] = {
    "ws_em": _T(
        "Emergency Shelter for Women",
        "Hébergement d'urgence pour femmes",
        ("housing.emergency_shelter",),
        "Short-stay emergency beds for women and gender-diverse survivors and their "
        "children; safety planning on arrival.",
        genders=_WG,
        ages=(16, None),
        dependents=True,
        focus=("sex",),
        beds=(8, 30),
        hours="24/7",
        referral=0.0,
        id_required=0.0,
        confidential=0.35,
    ),
    "ws_tr": _T(
        "Second-Stage Housing",
        "Hébergement de deuxième étape",
        ("housing.transitional",),
        "Apartments for up to 18 months with on-site support for women leaving exploitation.",
        genders=_W,
        ages=(18, None),
        dependents=True,
        focus=("sex",),
        beds=(4, 16),
        referral=0.7,
        confidential=0.25,
    ),
    "ws_cm": _T(
        "Survivor Counselling and Case Management",
        "Counselling et gestion de cas pour survivantes",
        ("specialized.counselling", "specialized.case_management"),
        "Trauma-informed counselling, safety planning and accompaniment to appointments.",
        genders=_WG,
        ages=(16, None),
        delivery=("in_person", "phone", "virtual"),
    ),
    "ws_lt": _T(
        "Long-Term Housing for Women",
        "Logement permanent pour femmes",
        ("housing.long_term",),
        "Permanent affordable apartments for women and their children, with a support "
        "worker on call.",
        genders=_WG,
        ages=(18, None),
        dependents=True,
        beds=(6, 24),
        referral=0.7,
        fees="free sliding_scale sliding_scale",
        id_required=0.3,
        confidential=0.1,
    ),
    "mn_em": _T(
        "Men's Emergency Shelter",
        "Hébergement d'urgence pour hommes",
        ("housing.emergency_shelter",),
        "Emergency beds for adult men, including survivors of labour trafficking.",
        genders=_M,
        ages=(18, None),
        dependents=False,
        beds=(10, 40),
        hours="24/7",
        referral=0.0,
        id_required=0.2,
        confidential=0.15,
    ),
    "mn_lab": _T(
        "Safe House for Men Leaving Forced Labour",
        "Maison sécuritaire pour hommes victimes de travail forcé",
        ("housing.emergency_shelter", "housing.transitional"),
        "A small safe house for men who left forced labour, with help to recover "
        "wages and documents.",
        genders=_M,
        ages=(18, None),
        dependents=False,
        focus=("labour",),
        beds=(4, 12),
        hours="24/7",
        referral=0.5,
        confidential=0.35,
    ),
    "yt_em": _T(
        "Youth Shelter (16-24)",
        "Refuge jeunesse (16-24 ans)",
        ("housing.emergency_shelter",),
        "Emergency beds for young people aged 16 to 24 of every gender.",
        ages=(16, 24),
        dependents=False,
        beds=(6, 20),
        hours="24/7",
        referral=0.0,
        id_required=0.0,
        confidential=0.2,
    ),
    "yt_tr": _T(
        "Youth Transitional Housing (16-24)",
        "Logement transitoire jeunesse (16-24 ans)",
        ("housing.transitional", "specialized.case_management"),
        "Supported rooms for up to two years for youth 16 to 24, with school and job coaching.",
        ages=(16, 24),
        dependents=False,
        beds=(4, 12),
        referral=0.6,
    ),
    "yt_peer": _T(
        "Youth Drop-in and Peer Support",
        "Halte-accueil et soutien par les pairs",
        ("specialized.peer_support", "specialized.counselling"),
        "Drop-in, peer mentors with lived experience and a youth counsellor.",
        ages=(16, 24),
        delivery=("in_person", "virtual"),
        referral=0.0,
    ),
    "gd_tr": _T(
        "2SLGBTQ+ Transitional Housing",
        "Logement transitoire 2SLGBTQ+",
        ("housing.transitional",),
        "Transitional housing run by and for Two-Spirit, trans and non-binary people.",
        genders=_G,
        ages=(16, None),
        dependents=False,
        beds=(4, 10),
        referral=0.3,
        confidential=0.25,
    ),
    "gd_peer": _T(
        "2SLGBTQ+ Survivor Peer Circle",
        "Cercle de pairs 2SLGBTQ+",
        ("specialized.peer_support",),
        "Weekly peer circles and one-to-one peer support, in person and online.",
        genders=("gender_diverse", "woman", "man"),
        ages=(16, None),
        delivery=("in_person", "virtual"),
        referral=0.0,
    ),
    "nc_tr": _T(
        "Newcomer Transitional House",
        "Maison d'accueil pour personnes réfugiées",
        ("housing.transitional", "specialized.settlement"),
        "Transitional rooms for refugee claimants and newcomers without status, with "
        "settlement workers on site.",
        statuses=_NEWCOMER,
        dependents=True,
        beds=(6, 24),
        hours="24/7",
        referral=0.4,
    ),
    "nc_set": _T(
        "Settlement and Interpretation Services",
        "Services d'établissement et d'interprétation",
        ("specialized.settlement", "specialized.interpretation"),
        "Orientation, help with forms and appointments, and interpreters on request.",
        delivery=("in_person", "phone"),
        referral=0.0,
        languages="es ar",
    ),
    "nc_emp": _T(
        "Employment and Language Training",
        "Emploi et francisation",
        ("specialized.employment",),
        "Job search coaching and language classes, funded for permanent residents and "
        "protected persons.",
        statuses=_IRCC,
        ages=(18, None),
        delivery=("in_person", "virtual"),
        id_required=0.8,
    ),
    "nc_fin": _T(
        "Financial Literacy for Newcomers",
        "Littératie financière",
        ("specialized.financial",),
        "Help opening a bank account, filing taxes and applying for benefits.",
        delivery=("in_person", "virtual"),
        id_required=0.3,
    ),
    "lc_imm": _T(
        "Immigration and Refugee Law Services",
        "Droit de l'immigration et des réfugiés",
        ("legal.immigration",),
        "Advice and representation for refugee claims, temporary resident permits for "
        "trafficking victims and humanitarian applications.",
        delivery=("in_person", "phone", "virtual"),
        referral=0.1,
        languages="es",
    ),
    "lc_gen": _T(
        "General Legal Advice",
        "Conseils juridiques généraux",
        ("legal.general", "legal.family"),
        "Free or low-cost advice on housing, income support, family and criminal record matters.",
        ages=(18, None),
        delivery=("in_person", "phone"),
        fees="free free sliding_scale",
        id_required=0.2,
    ),
    "lc_emp": _T(
        "Workers' Rights Clinic",
        "Clinique des droits des travailleurs",
        ("legal.employment_rights",),
        "Unpaid wages, unsafe work and employer-tied permits; claims and open work "
        "permits for vulnerable workers.",
        focus=("labour",),
        delivery=("in_person", "phone", "virtual"),
    ),
    "lc_fam": _T(
        "Family Law Project",
        "Projet de droit de la famille",
        ("legal.family",),
        "Custody, support and protection orders for survivors with children.",
        ages=(18, None),
        delivery=("in_person", "virtual"),
        fees="free sliding_scale",
        referral=0.3,
    ),
    "mw_out": _T(
        "Farm Worker Outreach",
        "Intervention de proximité auprès des travailleurs",
        ("specialized.case_management", "specialized.interpretation"),
        "Outreach workers visit farms, bunkhouses and plants, in Spanish and Tagalog, "
        "evenings and weekends.",
        focus=("labour",),
        delivery=("outreach", "phone"),
        hours="Mon-Sat 16:00-22:00",
        referral=0.0,
        languages="es tl",
    ),
    "mw_leg": _T(
        "Migrant Worker Legal Clinic",
        "Clinique juridique pour travailleurs migrants",
        ("legal.employment_rights", "legal.immigration"),
        "Open work permits for vulnerable workers, wage claims and trafficking victim permits.",
        trafficking_types=("labour",),
        focus=("labour",),
        delivery=("in_person", "phone", "outreach"),
        languages="es tl",
    ),
    "mw_hs": _T(
        "Farm Worker Safe Housing",
        "Hébergement sécuritaire pour travailleurs agricoles",
        ("housing.emergency_shelter", "housing.transitional"),
        "Rooms for men who left exploitative farm or plant work while claims are processed.",
        genders=_M,
        ages=(18, None),
        trafficking_types=("labour",),
        dependents=False,
        focus=("labour",),
        beds=(4, 10),
        hours="24/7",
        referral=0.3,
        languages="es tl",
        confidential=0.2,
    ),
    "hc_med": _T(
        "Community Health Clinic",
        "Clinique de santé communautaire",
        ("specialized.medical",),
        "Primary care with or without a health card, sexual health and dental referrals.",
        referral=0.0,
        id_required=0.0,
    ),
    "hc_cou": _T(
        "Trauma Counselling",
        "Psychothérapie post-traumatique",
        ("specialized.counselling",),
        "Short- and long-term trauma counselling, individual and group.",
        delivery=("in_person", "virtual"),
        fees="free free sliding_scale fee",
        referral=0.3,
    ),
    "hc_sub": _T(
        "Substance Use Outreach",
        "Intervention en dépendances",
        ("specialized.substance_use", "specialized.medical"),
        "Harm reduction, withdrawal support and treatment referrals, on the street and in clinic.",
        delivery=("in_person", "outreach"),
        referral=0.0,
        id_required=0.0,
    ),
    "at_cm": _T(
        "Anti-Trafficking Case Management",
        "Gestion de cas en matière de traite",
        ("specialized.case_management", "specialized.financial"),
        "Case managers meet survivors where they are and coordinate housing, legal and "
        "health help.",
        focus=("sex", "labour"),
        delivery=("outreach", "phone", "in_person"),
        referral=0.0,
    ),
    "at_peer": _T(
        "Survivor Peer Mentors",
        "Mentorat par les pairs",
        ("specialized.peer_support",),
        "Mentors with lived experience of trafficking; groups and one-to-one.",
        ages=(18, None),
        focus=("sex",),
        delivery=("in_person", "virtual"),
        referral=0.0,
    ),
    "at_fin": _T(
        "Economic Empowerment Program",
        "Programme d'autonomie économique",
        ("specialized.financial", "specialized.employment"),
        "Budgeting, credit repair after coerced debt, and paid job placements.",
        ages=(18, None),
        delivery=("in_person", "virtual"),
        referral=0.4,
    ),
    "at_court": _T(
        "Court Accompaniment",
        "Accompagnement à la cour",
        ("legal.criminal_court_support",),
        "Support before, during and after testifying; help with victim impact statements.",
        delivery=("in_person", "phone"),
        police=0.5,
    ),
    "in_tr": _T(
        "Healing Lodge",
        "Pavillon de guérison",
        ("housing.transitional", "specialized.counselling"),
        "Culturally grounded transitional housing with Elders and land-based healing "
        "for Indigenous women, girls and Two-Spirit people.",
        genders=_WG,
        ages=(16, None),
        dependents=True,
        focus=("sex",),
        beds=(4, 14),
        hours="24/7",
        referral=0.3,
        confidential=0.35,
        indigenous=True,
    ),
    "in_out": _T(
        "Indigenous Outreach and Peer Support",
        "Intervention autochtone et pairs aidants",
        ("specialized.peer_support", "specialized.case_management"),
        "Outreach to reserves, settlements and the city; peer helpers and navigators.",
        delivery=("outreach", "phone", "in_person"),
        referral=0.0,
        indigenous=True,
    ),
    "vs_court": _T(
        "Victim Services Court Support",
        "Aide aux victimes et soutien judiciaire",
        ("legal.criminal_court_support", "specialized.case_management"),
        "Court preparation and accompaniment for victims in a criminal case.",
        delivery=("in_person", "phone"),
        police=0.8,
        id_required=0.3,
    ),
    "hs_lt": _T(
        "Supportive Long-Term Housing",
        "Logement permanent avec soutien",
        ("housing.long_term",),
        "Rent-geared-to-income apartments with a support worker; waiting list applies.",
        statuses=_CIT_PR,
        ages=(18, None),
        dependents=True,
        beds=(12, 60),
        referral=0.8,
        fees="sliding_scale",
        id_required=0.9,
    ),
    "hs_lt2": _T(
        "Affordable Housing for Survivors",
        "Logement abordable pour survivant·es",
        ("housing.long_term",),
        "Permanent affordable units set aside for survivors of trafficking, whatever their status.",
        ages=(18, None),
        dependents=True,
        beds=(6, 30),
        referral=0.6,
        fees="free sliding_scale",
    ),
    "pr_leg": _T(
        "Legal Advice by Phone and Video",
        "Conseils juridiques par téléphone et vidéo",
        ("legal.immigration", "legal.general", "legal.employment_rights"),
        "Free legal advice by phone and video anywhere in the province.",
        delivery=("phone", "virtual"),
        hours="Mon-Fri 8:00-20:00",
        referral=0.0,
        languages="es ar zh",
    ),
    "pr_cou": _T(
        "Crisis and Counselling Line",
        "Ligne de crise et d'écoute",
        ("specialized.counselling",),
        "Crisis counselling by phone and text, any time.",
        delivery=("phone", "virtual"),
        hours="24/7",
        referral=0.0,
    ),
    "na_hot": _T(
        "24/7 Referral Line",
        "Ligne d'orientation 24/7",
        ("specialized.case_management", "specialized.interpretation"),
        "Confidential referrals to shelters and services anywhere in Canada, with "
        "interpreters in over 200 languages.",
        delivery=("phone", "virtual"),
        hours="24/7",
        referral=0.0,
        id_required=0.0,
    ),
    "na_leg": _T(
        "Virtual Immigration Law Clinic",
        "Clinique virtuelle de droit de l'immigration",
        ("legal.immigration", "legal.general"),
        "Video consultations with immigration lawyers for survivors anywhere in Canada.",
        statuses=_NEWCOMER,
        delivery=("virtual", "phone"),
        referral=0.5,
    ),
    "na_peer": _T(
        "Online Survivor Community",
        "Communauté virtuelle de survivant·es",
        ("specialized.peer_support", "specialized.counselling"),
        "Moderated online groups and video counselling.",
        ages=(18, None),
        delivery=("virtual",),
        referral=0.0,
    ),
    "na_fin": _T(
        "Coerced Debt Help",
        "Aide en cas de dettes contractées sous la contrainte",
        ("specialized.financial",),
        "Help disputing debts and credit taken out in a survivor's name.",
        ages=(18, None),
        delivery=("phone", "virtual"),
    ),
    "na_sub": _T(
        "Virtual Recovery Support",
        "Soutien virtuel au rétablissement",
        ("specialized.substance_use",),
        "Recovery coaching and virtual groups.",
        ages=(18, None),
        delivery=("virtual", "phone"),
        hours="24/7",
        referral=0.0,
    ),
}

# Kinds of local organization: (English noun, French noun, description, service templates).
# A template marked "?" is offered by about half of the organizations of that kind.
_KINDS: dict[str, tuple[str, str, str, str]] = {
    "W": (
        "Women's Shelter",
        "Maison d'hébergement pour femmes",
        "A shelter and support agency for women and gender-diverse survivors of violence and "
        "exploitation.",
        "ws_em ws_tr? ws_cm ws_lt? at_court?",
    ),
    "M": (
        "Men's Housing Society",
        "Maison d'hébergement pour hommes",
        "Housing and support for men, including survivors of labour trafficking.",
        "mn_em mn_lab at_cm?",
    ),
    "Y": (
        "Youth Services",
        "Services jeunesse",
        "Shelter, housing and peer support for young people 16 to 24.",
        "yt_em yt_tr? yt_peer hc_sub?",
    ),
    "G": (
        "Rainbow Collective",
        "Collectif arc-en-ciel",
        "A 2SLGBTQ+ organization offering housing, peer support and counselling.",
        "gd_tr gd_peer hc_cou?",
    ),
    "N": (
        "Newcomer Centre",
        "Centre d'accueil des personnes immigrantes",
        "A settlement agency for immigrants, refugees and migrant workers.",
        "nc_set nc_emp nc_tr nc_fin?",
    ),
    "L": (
        "Community Legal Clinic",
        "Clinique juridique",
        "A community legal clinic serving low-income residents and newcomers.",
        "lc_imm lc_gen lc_emp lc_fam?",
    ),
    "F": (
        "Migrant Worker Support Centre",
        "Centre d'appui aux travailleurs migrants",
        "Support for migrant farm and plant workers, including those leaving forced labour.",
        "mw_out mw_leg? mw_hs hc_med?",
    ),
    "H": (
        "Community Health Centre",
        "Centre de santé communautaire",
        "Primary care, counselling and harm reduction for people without a family doctor.",
        "hc_med hc_cou? hc_sub",
    ),
    "A": (
        "Anti-Trafficking Network",
        "Réseau contre la traite",
        "A coalition providing case management and survivor-led support.",
        "at_cm at_peer at_fin? at_court?",
    ),
    "I": (
        "Indigenous Friendship Lodge",
        "Centre d'amitié autochtone",
        "An Indigenous-led centre offering healing, housing and outreach.",
        "in_tr in_out hc_med? hc_cou?",
    ),
    "V": (
        "Victim Services",
        "Services aux victimes",
        "Support for victims of crime through the justice process.",
        "vs_court ws_cm?",
    ),
    "S": (
        "Housing Society",
        "Société d'habitation",
        "A non-profit landlord providing affordable and supportive housing.",
        "hs_lt hs_lt2 yt_tr?",
    ),
}

# Which kinds of organization are based in each municipality.
_PLAN: tuple[tuple[str, str], ...] = (
    ("Kitchener", "W Y N L M"),
    ("Waterloo", "H G"),
    ("Cambridge", "W S"),
    ("Elmira", "F"),
    ("St. Jacobs", "A"),
    ("New Hamburg", "H"),
    ("Ayr", "W"),
    ("Wellesley", "N"),
    ("Toronto", "W M Y G N L H I"),
    ("Mississauga", "W"),
    ("Brampton", "F Y"),
    ("Markham", "N"),
    ("Vaughan", "M"),
    ("Oshawa", "W"),
    ("Ottawa", "W L"),
    ("London", "W"),
    ("Hamilton", "W"),
    ("Guelph", "A"),
    ("Leamington", "F L"),
    ("Windsor", "W"),
    ("Thunder Bay", "I"),
    ("Sudbury", "Y"),
    ("Montréal", "W Y N L H G S"),
    ("Laval", "W"),
    ("Québec", "W L"),
    ("Gatineau", "N"),
    ("Sherbrooke", "W"),
    ("Trois-Rivières", "V"),
    ("Saint-Rémi", "F"),
    ("Winnipeg", "W Y N I S"),
    ("Brandon", "W"),
    ("Steinbach", "N"),
    ("Thompson", "I"),
    ("Regina", "W L"),
    ("Saskatoon", "Y I"),
    ("Humboldt", "A"),
    ("Melfort", "H"),
    ("Swift Current", "W"),
    ("Kindersley", "F"),
    ("Prince Albert", "I"),
    ("Calgary", "W Y N M"),
    ("Edmonton", "W I S"),
    ("Red Deer", "W"),
    ("Lethbridge", "I"),
    ("Brooks", "F"),
    ("Fort McMurray", "W"),
    ("Vancouver", "W Y L G S"),
    ("Surrey", "W"),
    ("Burnaby", "H"),
    ("Abbotsford", "F"),
    ("Chilliwack", "I"),
    ("Kelowna", "F"),
    ("Victoria", "W"),
    ("Prince George", "I"),
    ("Halifax", "W N L"),
    ("Truro", "W"),
    ("Kentville", "F"),
    ("Sydney", "V"),
    ("Moncton", "W N"),
    ("Fredericton", "L"),
    ("Saint John", "A"),
    ("St. John's", "W L"),
    ("Corner Brook", "W"),
    ("Charlottetown", "W"),
    ("Summerside", "A"),
    ("Whitehorse", "W I"),
    ("Yellowknife", "W"),
    ("Iqaluit", "W I"),
)


# Province-wide organizations: provinces served, home municipality ("" for none), templates.
_PROVINCIAL: tuple[tuple[str, str, str], ...] = (
    ("ON", "Toronto", "pr_leg pr_cou"),
    ("QC", "Montréal", "pr_leg pr_cou"),
    ("BC", "Vancouver", "pr_leg pr_cou"),
    ("AB", "Edmonton", "pr_leg"),
    ("SK", "", "pr_leg"),
    ("MB", "Winnipeg", "pr_leg pr_cou"),
    ("NS", "Halifax", "pr_leg"),
    ("NB", "", "pr_leg"),
    ("NL", "", "pr_leg pr_cou"),
    ("PE", "", "pr_leg"),
    ("NT YT NU", "Yellowknife", "pr_leg pr_cou"),
)

# Nationwide organizations: name, description, home municipality ("" for none), templates.
_NATIONAL: tuple[tuple[str, str, str, str], ...] = (
    (
        "Lanternway National Referral Line",
        "A fictional national line that connects survivors "
        "and the people helping them to services anywhere in Canada.",
        "",
        "na_hot",
    ),
    (
        "Northern Compass Virtual Legal Project",
        "Fictional pro bono immigration lawyers working online with survivors across Canada.",
        "Ottawa",
        "na_leg",
    ),
    ("Kindred Circle Online", "A fictional survivor-led online community.", "", "na_peer na_sub"),
    (
        "Steady Ground Financial Recovery",
        "Fictional financial counsellors helping survivors repair coerced debt.",
        "Toronto",
        "na_fin",
    ),
)
_NATIONAL_LANGUAGES = (
    "en",
    "fr",
    "es",
    "tl",
    "pa",
    "zh",
    "ar",
    "uk",
    "pt",
    "vi",
    "ko",
    "hi",
    "ta",
    "fa",
    "so",
    "ti",
    "am",
    "ur",
    "ru",
    "ro",
    "th",
    "iu",
    "cr",
    "oj",
)


def demo_registry() -> list[DemoOrganization]:
    """Build the demo registry: the same organizations and listings on every call.

    A fresh structure is returned each time, so a caller may pop the ``_`` keys freely.
    """
    builder = _Builder(random.Random(SEED))
    organizations: list[DemoOrganization] = []
    for municipality, kinds in _PLAN:
        for kind in kinds.split():
            organizations.append(builder.local(_BY_NAME[municipality], kind))
    for provinces, home, templates in _PROVINCIAL:
        organizations.append(builder.provincial(tuple(provinces.split()), home, templates))
    for name, description, home, templates in _NATIONAL:
        organizations.append(builder.national(name, description, home, templates))
    return organizations


def _slug(text: str) -> str:
    """A lowercase ASCII slug of at most 50 characters, cut between words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug if len(slug) <= 50 else slug[:51].rsplit("-", 1)[0]


def _distance_km(a: _Municipality, b: _Municipality) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _neighbour(home: _Municipality) -> _Municipality | None:
    """The nearest other municipality of the same province within 120 km, for a satellite."""
    others = [m for m in _MUNICIPALITIES if m.province == home.province and m is not home]
    best = min(others, key=lambda m: (_distance_km(home, m), m.name), default=None)
    return best if best is not None and _distance_km(home, best) <= 120 else None


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()

    # -- small pieces ----------------------------------------------------------------------
    def phone(self, area_code: str) -> str:
        return f"+1-{area_code}-555-01{self.rng.randrange(100):02d}"

    def postal_code(self, m: _Municipality) -> str:
        r = self.rng
        return (
            f"{r.choice(m.postal_prefixes)} {r.randrange(10)}"
            f"{r.choice(_LDU_LETTERS)}{r.randrange(10)}"
        )

    def address(self, m: _Municipality) -> str:
        number = self.rng.randrange(10, 2400, 2)
        if m.province == "QC":
            return f"{number}, {self.rng.choice(_STREETS_FR)}"
        return f"{number} {self.rng.choice(_STREETS_EN)}"

    def location(self, m: _Municipality, name: str, confidential: bool) -> dict[str, Any]:
        """A site in the municipality: jittered up to 3 km (1.5 km in small places)."""
        r = self.rng
        radius_km = (1.5 if m.area_type == "rural" else 3.0) * math.sqrt(r.random())
        angle = r.uniform(0.0, 2.0 * math.pi)
        latitude = m.latitude + radius_km * math.cos(angle) / 111.32
        longitude = m.longitude + radius_km * math.sin(angle) / (
            111.32 * math.cos(math.radians(m.latitude))
        )
        accessible = r.choices((True, False, None), weights=(55, 25, 20))[0]
        return {
            "name": name,
            "address": self.address(m),
            "municipality": m.name,
            "province": m.province,
            "postal_code": self.postal_code(m),
            "latitude": round(latitude, 4),
            "longitude": round(longitude, 4),
            "confidential": confidential,
            "wheelchair_accessible": accessible,
        }

    def stem(self, m: _Municipality | None, kind: str, region: str) -> str:
        """A unique, obviously fictional organization name without the "(demo)" mark."""
        noun_en, noun_fr = _KINDS[kind][:2] if kind in _KINDS else (kind, kind)
        prefixes = _PREFIXES[region].split("|")
        for _ in range(40):
            prefix = self.rng.choice(prefixes)
            stem = f"{noun_fr} {prefix}" if region == "qc" else f"{prefix} {noun_en}"
            if stem not in self.used_names:
                break
        else:  # every draw taken: add the place name (or a counter) to the last one
            stem = f"{stem} {m.name if m else len(self.used_names)}"
        self.used_names.add(stem)
        return stem

    def pick_templates(self, spec: str) -> list[_Template]:
        chosen = []
        for code in spec.split():
            if code.endswith("?") and self.rng.random() < 0.5:
                continue
            chosen.append(_TEMPLATES[code.rstrip("?")])
        return chosen

    def languages(
        self, t: _Template, provinces: tuple[str, ...], m: _Municipality | None
    ) -> list[str]:
        r = self.rng
        main, other, other_share, indigenous = _PROVINCE_LANGUAGES[provinces[0]]
        community = list(m.languages) if m else ["es", "ar", "zh", "tl"]
        base = [main] + [code for code in community if code in ("en", "fr")]
        if r.random() < other_share:
            base.append(other)
        if indigenous and (t.indigenous or r.random() < 0.25):
            base.append(r.choice(indigenous))
        community = [code for code in community if code not in ("en", "fr")]
        extra = r.sample(community, k=r.randint(0, min(4, len(community))))
        if t.languages and r.random() < 0.8:
            extra.extend(t.languages.split())
        return list(dict.fromkeys(base + extra))[:30]

    # -- a listing -------------------------------------------------------------------------
    def service(
        self,
        t: _Template,
        stem: str,
        slug: str,
        provinces: tuple[str, ...],
        m: _Municipality | None,
        area_code: str,
        *,
        french: bool = False,
        reach: str = "local",
    ) -> dict[str, Any]:
        """A listing; ``reach`` is "local", "province" (all of ``provinces``) or "nation"."""
        r = self.rng
        label = t.fr if french else t.en
        min_age, max_age = t.ages
        if min_age == 18 and provinces[0] in ("BC", "NB", "NS", "NL", "YT", "NT", "NU"):
            min_age = 19 if r.random() < 0.3 else 18  # the age of majority there is 19
        dependents = t.dependents
        if dependents is None and r.random() < 0.25:
            dependents = True
        locations: list[dict[str, Any]] = []
        if m is not None:
            site = f"{stem} - {m.name}"
            locations.append(self.location(m, site, r.random() < t.confidential))
            satellite = _neighbour(m)
            if t.beds is None and satellite is not None and r.random() < 0.15:
                locations.append(self.location(satellite, f"{stem} - {satellite.name}", False))
        delivery = list(t.delivery)
        if not locations and "in_person" in delivery:
            delivery.remove("in_person")
        radius: int | None = None
        area_provinces: list[str] = []
        if reach == "province" or (reach == "local" and m is None):
            area_provinces = list(provinces)
        elif reach == "nation" or m is None:
            pass
        elif "outreach" in delivery:
            radius = r.randrange(60, 155, 5) if m.area_type == "rural" else r.randrange(20, 65, 5)
        elif "phone" in delivery or "virtual" in delivery:
            if r.random() < 0.4:
                area_provinces = list(provinces)
            else:
                radius = r.randrange(40, 105, 5)
        if t.beds is not None:
            total = r.randint(*t.beds)
            available = 0 if r.random() < 0.2 else r.randint(0, total)
            capacity: dict[str, int | None] = {"beds_total": total, "beds_available": available}
        else:
            capacity = {"beds_total": None, "beds_available": None}
        hours = t.hours or r.choice(_OFFICE_HOURS)
        stale = r.random() < 0.1
        verified = r.randint(STALE_VERIFIED_DAYS + 1, 420) if stale else r.randint(0, 170)
        late = t.beds is not None and r.random() < 0.15
        updated = r.randint(STALE_AVAILABILITY_HOURS + 1, 240) if late else r.randint(0, 36)
        service_slug = _slug(t.en)
        return {
            "name": f"{stem} - {label} (demo)",
            "description": f"{t.about} Fictional demo listing.",
            "categories": list(t.categories),
            "eligibility": {
                "genders": list(t.genders),
                "min_age": min_age,
                "max_age": max_age,
                "statuses": list(t.statuses),
                "trafficking_types": list(t.trafficking_types),
                "accepts_dependents": dependents,
            },
            "trafficking_focus": list(t.focus),
            "languages": list(_NATIONAL_LANGUAGES)
            if reach == "nation" and "specialized.interpretation" in t.categories
            else self.languages(t, provinces, m),
            "delivery": delivery,
            "locations": locations,
            "service_area": {
                "radius_km": radius,
                "provinces": area_provinces,
                "nationwide": reach == "nation",
            },
            "intake": {
                "phone": self.phone(area_code),
                # A confidential service's own address: the one its public siblings show
                # would give partners, who may not see it here, the way in (a privacy review
                # found every confidential demo listing sharing one).
                "email": f"intake-{service_slug}@{slug}.example.org"
                if any(location["confidential"] for location in locations)
                else f"intake@{slug}.example.org",
                "url": f"https://example.org/{slug}/{service_slug}",
                "hours": hours,
                "referral_required": r.random() < t.referral,
            },
            "capacity": capacity,
            "accepting_referrals": r.random() < 0.92,
            "fees": r.choice(t.fees.split()),
            "id_required": r.random() < t.id_required,
            "police_report_required": r.random() < t.police,
            "_verified_days_ago": verified,
            "_availability_hours_ago": updated,
        }

    # -- organizations ---------------------------------------------------------------------
    def organization(
        self, stem: str, description: str, area_code: str, services: list[dict[str, Any]]
    ) -> DemoOrganization:
        slug = _slug(stem)
        return DemoOrganization(
            name=f"{stem} (demo)",
            description=description,
            website=f"https://{slug}.example.org",
            email=f"info@{slug}.example.org",
            phone=self.phone(area_code),
            services=tuple(services),
        )

    def local(self, m: _Municipality, kind: str) -> DemoOrganization:
        french = m.province == "QC"
        stem = self.stem(m, kind, _REGION[m.province])
        slug = _slug(stem)
        services = [
            self.service(t, stem, slug, (m.province,), m, m.area_code, french=french)
            for t in self.pick_templates(_KINDS[kind][3])
        ]
        description = f"{_KINDS[kind][2]} Based in {m.name}, {m.province}. Fictional demo data."
        return self.organization(stem, description, m.area_code, services)

    def provincial(self, provinces: tuple[str, ...], home: str, templates: str) -> DemoOrganization:
        m = _BY_NAME[home] if home else None
        region = _REGION[provinces[0]]
        noun = "Ligne juridique" if region == "qc" else "Provincial Legal Line"
        if len(provinces) > 1:
            noun = "Territorial Legal Line"
        stem = self.stem(m, noun, region)
        slug = _slug(stem)
        area_code = m.area_code if m else _area_code(provinces[0])
        services = []
        for t in self.pick_templates(templates):
            # Province-wide lines keep their office, if any, off the person's map: no site.
            site = m if t is _TEMPLATES["pr_leg"] else None
            services.append(
                self.service(
                    t,
                    stem,
                    slug,
                    provinces,
                    site,
                    area_code,
                    french=region == "qc",
                    reach="province",
                )
            )
        where = ", ".join(provinces)
        description = (
            f"Free phone and video legal help for survivors anywhere in {where}. "
            "Fictional demo data."
        )
        return self.organization(stem, description, area_code, services)

    def national(self, name: str, description: str, home: str, templates: str) -> DemoOrganization:
        m = _BY_NAME[home] if home else None
        slug = _slug(name)
        services = [
            self.service(t, name, slug, ("ON",), m, "888", reach="nation")
            for t in self.pick_templates(templates)
        ]
        return self.organization(name, f"{description} Fictional demo data.", "888", services)


def _area_code(province: str) -> str:
    return next(m.area_code for m in _MUNICIPALITIES if m.province == province)
