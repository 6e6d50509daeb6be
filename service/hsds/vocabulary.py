"""The taxonomy an export publishes, and the terms an import recognises.

HSDS has no fields for our categories, eligibility rules, delivery modes or confidential
locations, so they travel as `attribute` records against terms of a taxonomy of our own, which
every export publishes (`taxonomies.csv`, `taxonomy_terms.csv`). Term and taxonomy ids are
UUIDv5 of their codes: the same in every export, so other systems can rely on them.
"""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from schemas.enums import (
    Category,
    Delivery,
    Fees,
    Need,
    ServedGender,
    ServedStatus,
    ServedTraffickingType,
)
from schemas.taxonomy import LABELS

# Fixed forever: every id below derives from it.
NAMESPACE = uuid.UUID("5b0f3c1e-8f3a-4c59-9a51-3e8b1d7c2a64")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy")
TAXONOMY_NAME = "referral-service"
TAXONOMY_VERSION = "1"
TAXONOMY_URI = "https://referral-service.example/hsds/taxonomy"
BED_UNIT_ID = uuid.uuid5(NAMESPACE, "unit:bed")
HSDS_VERSION = "3.1"


class Group(StrEnum):
    """What a term says about the record it is attached to."""

    category = "category"
    gender = "gender"
    newcomer_status = "newcomer_status"
    trafficking_type = "trafficking_type"
    trafficking_focus = "trafficking_focus"
    delivery = "delivery"
    fees = "fees"
    flag = "flag"  # a yes/no fact of the service, `value` "true" or "false"
    location = "location"  # a fact of a location, with a `value`


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    name: str
    description: str
    group: Group
    parent: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return term_id(self.code)

    @property
    def link_type(self) -> str:
        return _LINK_TYPES[self.group]

    @property
    def link_entity(self) -> str:
        return "location" if self.group is Group.location else "service"


_LINK_TYPES = {
    Group.category: "category",
    Group.gender: "eligibility",
    Group.newcomer_status: "eligibility",
    Group.trafficking_type: "eligibility",
    Group.trafficking_focus: "specialisation",
    Group.delivery: "delivery",
    Group.fees: "cost",
    Group.flag: "eligibility",
    Group.location: "location",
}

ELIGIBILITY_STATED = "eligibility_stated"
# Yes/no facts of a service and what each means (`records.FLAG_DEFAULTS`: the value a listing
# has by default, and is exported only when it differs).
FLAGS: dict[str, tuple[str, str]] = {
    "accepts_dependents": ("Accepts dependents", "Children may come with the person."),
    "referral_required": ("Referral required", "A referral is needed to be served."),
    "accepting_referrals": ("Accepting referrals", "The service takes new referrals now."),
    "id_required": ("Identity documents required", "Identity documents are needed."),
    "police_report_required": (
        "Police report required",
        "A police report or cooperation with police is needed.",
    ),
    ELIGIBILITY_STATED: (
        "Eligibility stated",
        "Whom the service serves was stated by its provider. False for a listing imported "
        "from a directory that gave no eligibility rules: its empty rules are unknown, not "
        "open to everyone.",
    ),
}
BEDS_TOTAL = "beds_total"
CONFIDENTIAL = "confidential"
WHEELCHAIR = "wheelchair_accessible"
MUNICIPALITY = "municipality"
PROVINCE = "province"
_LOCATION_TERMS = {
    CONFIDENTIAL: (
        "Confidential location",
        "The address and coordinates of this location are never shared; "
        "contact the service through its intake or a hotline operator.",
    ),
    WHEELCHAIR: ("Wheelchair accessible", "value: true or false."),
    MUNICIPALITY: ("Municipality", "value: the municipality of a location shared without address."),
    PROVINCE: ("Province", "value: the province code of a location shared without address."),
}


def term_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"term:{code}")


def _bilingual(code: str) -> str:
    english, french = LABELS[code]
    return f"{english} / {french}"


def _group_terms(group: Group, values: Iterable[StrEnum], what: str) -> list[Term]:
    parent = Term(group.value, what, f"{what}: a listing's terms in this group.", Group.flag)
    return [
        parent,
        *(
            Term(
                f"{group.value}.{v.value}",
                LABELS[v.value][0],
                _bilingual(v.value),
                group,
                parent.code,
            )
            for v in values
        ),
    ]


def _build_terms() -> tuple[Term, ...]:
    terms: list[Term] = []
    for need in Need:
        terms.append(Term(need.value, LABELS[need.value][0], _bilingual(need.value), Group.flag))
        terms.extend(
            Term(c.value, LABELS[c.value][0], _bilingual(c.value), Group.category, need.value)
            for c in Category
            if c.need is need
        )
    terms += _group_terms(Group.gender, ServedGender, "Genders served")
    terms += _group_terms(Group.newcomer_status, ServedStatus, "Newcomer statuses served")
    terms += _group_terms(Group.trafficking_type, ServedTraffickingType, "Trafficking served")
    terms += _group_terms(Group.trafficking_focus, ServedTraffickingType, "Specialisation")
    terms += _group_terms(Group.delivery, Delivery, "Delivery")
    terms += _group_terms(Group.fees, Fees, "Fees")
    terms.extend(
        Term(code, name, f"{description} value: true or false.", Group.flag)
        for code, (name, description) in FLAGS.items()
    )
    terms.append(
        Term(
            BEDS_TOTAL,
            "Beds in total",
            "value: the number of beds, stated when the number free is not known.",
            Group.flag,
        )
    )
    terms.extend(
        Term(code, name, description, Group.location)
        for code, (name, description) in _LOCATION_TERMS.items()
    )
    return tuple(terms)


TERMS: tuple[Term, ...] = _build_terms()
TERMS_BY_CODE: dict[str, Term] = {term.code: term for term in TERMS}
TERMS_BY_ID: dict[uuid.UUID, Term] = {term.id: term for term in TERMS}
_GROUP_PARENTS = {g.value for g in Group} | {n.value for n in Need}


def is_group(term: Term) -> bool:
    """A term that only groups others; never attached to a record."""
    return term.code in _GROUP_PARENTS


# Terms of other taxonomies that name one of our categories: 211 / AIRS names, Open
# Eligibility and common directory wording. Matched on folded names and on AIRS code prefixes.
_CATEGORY_NAMES: dict[Category, tuple[str, ...]] = {
    Category.housing_emergency_shelter: (
        "emergency shelter",
        "emergency shelters",
        "homeless shelter",
        "homeless shelters",
        "domestic violence shelter",
        "domestic violence shelters",
        "womens shelter",
        "shelter",
        "temporary shelter",
        "refuge d urgence",
    ),
    Category.housing_transitional: (
        "transitional housing",
        "transitional housing shelter",
        "second stage housing",
        "logement de transition",
    ),
    Category.housing_long_term: (
        "supportive housing",
        "affordable housing",
        "long term housing",
        "permanent supportive housing",
        "subsidized housing",
    ),
    Category.legal_immigration: ("immigration", "immigration law", "immigration legal services"),
    Category.legal_criminal_court_support: (
        "court support",
        "victim witness assistance",
        "court accompaniment",
    ),
    Category.legal_employment_rights: ("employment rights", "labour rights", "workers rights"),
    Category.legal_family: ("family law",),
    Category.legal_general: ("legal aid", "legal services", "legal assistance", "legal"),
    Category.specialized_counselling: (
        "counselling",
        "counseling",
        "trauma counselling",
        "trauma counseling",
        "mental health",
    ),
    Category.specialized_medical: ("medical care", "health care", "healthcare", "medical"),
    Category.specialized_case_management: ("case management",),
    Category.specialized_interpretation: (
        "interpretation",
        "translation",
        "translation and interpretation",
        "interpretation translation",
    ),
    Category.specialized_settlement: (
        "settlement",
        "settlement services",
        "newcomer services",
        "refugee services",
    ),
    Category.specialized_employment: ("employment", "job training", "employment services"),
    Category.specialized_financial: ("financial assistance", "financial aid", "income support"),
    Category.specialized_substance_use: (
        "substance use",
        "substance abuse",
        "addiction",
        "addictions",
    ),
    Category.specialized_peer_support: ("peer support", "support groups"),
}
_AIRS_PREFIXES: tuple[tuple[str, Category], ...] = (
    ("BH-1800", Category.housing_emergency_shelter),
    ("BH-8600", Category.housing_transitional),
)
_NAME_TO_CATEGORY = {
    name: category for category, names in _CATEGORY_NAMES.items() for name in names
}
_FOLD = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    return _FOLD.sub(" ", text.casefold().replace("&", " and ")).strip()


def category_for(code: str | None, name: str | None) -> Category | None:
    """The category a term names: one of our codes, a known AIRS code, or a known name."""
    if code:
        try:
            return Category(code)
        except ValueError:
            pass
        for prefix, category in _AIRS_PREFIXES:
            if code.upper().startswith(prefix):
                return category
    if name:
        return _NAME_TO_CATEGORY.get(_fold(name))
    return None
