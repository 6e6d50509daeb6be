"""Human labels, in English and French, for every enum of the contract."""

from pydantic import BaseModel

from schemas.enums import (
    AreaType,
    Category,
    Delivery,
    Fees,
    Gender,
    Need,
    NewcomerStatus,
    Province,
    Role,
    TraffickingType,
)

LABELS: dict[str, tuple[str, str]] = {
    # needs
    "housing": ("Housing", "Hébergement"),
    "legal": ("Legal help", "Aide juridique"),
    "specialized": ("Specialized services", "Services spécialisés"),
    # categories
    "housing.emergency_shelter": ("Emergency shelter", "Refuge d'urgence"),
    "housing.transitional": ("Transitional housing", "Logement de transition"),
    "housing.long_term": ("Long-term housing", "Logement à long terme"),
    "legal.immigration": ("Immigration law", "Droit de l'immigration"),
    "legal.criminal_court_support": (
        "Criminal court support",
        "Accompagnement à la cour criminelle",
    ),
    "legal.employment_rights": ("Employment rights", "Droits du travail"),
    "legal.family": ("Family law", "Droit de la famille"),
    "legal.general": ("General legal help", "Aide juridique générale"),
    "specialized.counselling": ("Trauma counselling", "Counseling en traumatisme"),
    "specialized.medical": ("Medical care", "Soins médicaux"),
    "specialized.case_management": ("Case management", "Gestion de cas"),
    "specialized.interpretation": ("Interpretation", "Interprétation"),
    "specialized.settlement": ("Settlement services", "Services d'établissement"),
    "specialized.employment": ("Employment help", "Aide à l'emploi"),
    "specialized.financial": ("Financial help", "Aide financière"),
    "specialized.substance_use": ("Substance use support", "Soutien en toxicomanie"),
    "specialized.peer_support": ("Peer support", "Soutien par les pairs"),
    # genders
    "woman": ("Woman", "Femme"),
    "man": ("Man", "Homme"),
    "gender_diverse": ("Gender diverse", "Diversité de genre"),
    "undisclosed": ("Not disclosed", "Non divulgué"),
    # newcomer statuses
    "canadian_citizen": ("Canadian citizen", "Citoyen canadien"),
    "permanent_resident": ("Permanent resident", "Résident permanent"),
    "refugee_claimant": ("Refugee claimant", "Demandeur d'asile"),
    "protected_person": ("Protected person", "Personne protégée"),
    "temporary_resident": (
        "Temporary resident (work, study or visitor)",
        "Résident temporaire (travail, études ou visite)",
    ),
    "trafficking_trp": (
        "Temporary resident permit for victims of trafficking",
        "Permis de séjour temporaire pour victimes de la traite",
    ),
    "no_status": ("No status", "Sans statut"),
    # trafficking types
    "labour": ("Labour trafficking", "Traite à des fins de travail forcé"),
    "sex": ("Sex trafficking", "Traite à des fins d'exploitation sexuelle"),
    "both": ("Labour and sex trafficking", "Traite à des fins de travail et sexuelles"),
    # delivery
    "in_person": ("In person", "En personne"),
    "outreach": ("Outreach (staff travel)", "Intervention de proximité"),
    "phone": ("By phone", "Par téléphone"),
    "virtual": ("Online", "En ligne"),
    # area types
    "urban": ("Urban", "Urbain"),
    "suburban": ("Suburban", "Banlieue"),
    "rural": ("Rural", "Rural"),
    # fees
    "free": ("Free", "Gratuit"),
    "sliding_scale": ("Sliding scale", "Selon le revenu"),
    "fee": ("Fee", "Payant"),
    # roles
    "admin": ("Administrator", "Administrateur"),
    "provider": ("Provider", "Fournisseur"),
    "operator": ("Hotline operator", "Intervenant de ligne d'écoute"),
    "partner": ("Partner app", "Application partenaire"),
    "analyst": ("Analyst", "Analyste"),
    # provinces and territories
    "AB": ("Alberta", "Alberta"),
    "BC": ("British Columbia", "Colombie-Britannique"),
    "MB": ("Manitoba", "Manitoba"),
    "NB": ("New Brunswick", "Nouveau-Brunswick"),
    "NL": ("Newfoundland and Labrador", "Terre-Neuve-et-Labrador"),
    "NS": ("Nova Scotia", "Nouvelle-Écosse"),
    "NT": ("Northwest Territories", "Territoires du Nord-Ouest"),
    "NU": ("Nunavut", "Nunavut"),
    "ON": ("Ontario", "Ontario"),
    "PE": ("Prince Edward Island", "Île-du-Prince-Édouard"),
    "QC": ("Quebec", "Québec"),
    "SK": ("Saskatchewan", "Saskatchewan"),
    "YT": ("Yukon", "Yukon"),
}


class Term(BaseModel):
    code: str
    en: str
    fr: str


class CategoryTerm(Term):
    need: str


class Taxonomy(BaseModel):
    needs: list[Term]
    categories: list[CategoryTerm]
    genders: list[Term]
    newcomer_statuses: list[Term]
    trafficking_types: list[Term]
    delivery: list[Term]
    area_types: list[Term]
    fees: list[Term]
    roles: list[Term]
    provinces: list[Term]


def _terms(values: type[object]) -> list[Term]:
    return [Term(code=str(v), en=LABELS[str(v)][0], fr=LABELS[str(v)][1]) for v in values]  # type: ignore[attr-defined]


def taxonomy() -> Taxonomy:
    return Taxonomy(
        needs=_terms(Need),
        categories=[
            CategoryTerm(code=c.value, need=c.need.value, en=LABELS[c][0], fr=LABELS[c][1])
            for c in Category
        ],
        genders=_terms(Gender),
        newcomer_statuses=_terms(NewcomerStatus),
        trafficking_types=_terms(TraffickingType),
        delivery=_terms(Delivery),
        area_types=_terms(AreaType),
        fees=_terms(Fees),
        roles=_terms(Role),
        provinces=_terms(Province),
    )


def label(code: str, language: str = "en") -> str:
    english, french = LABELS.get(code, (code, code))
    return french if language == "fr" else english
