"""The enums of API.md. Their values are fixed: partner apps are written against them."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    provider = "provider"
    operator = "operator"
    partner = "partner"
    analyst = "analyst"


class OrganizationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    suspended = "suspended"


class Gender(StrEnum):
    woman = "woman"
    man = "man"
    gender_diverse = "gender_diverse"
    undisclosed = "undisclosed"


class ServedGender(StrEnum):
    """A gender a service serves: the genders of API.md less `undisclosed`."""

    woman = "woman"
    man = "man"
    gender_diverse = "gender_diverse"


class NewcomerStatus(StrEnum):
    canadian_citizen = "canadian_citizen"
    permanent_resident = "permanent_resident"
    refugee_claimant = "refugee_claimant"
    protected_person = "protected_person"
    temporary_resident = "temporary_resident"
    trafficking_trp = "trafficking_trp"
    no_status = "no_status"
    undisclosed = "undisclosed"


class ServedStatus(StrEnum):
    """A newcomer status a service serves: the statuses of API.md less `undisclosed`."""

    canadian_citizen = "canadian_citizen"
    permanent_resident = "permanent_resident"
    refugee_claimant = "refugee_claimant"
    protected_person = "protected_person"
    temporary_resident = "temporary_resident"
    trafficking_trp = "trafficking_trp"
    no_status = "no_status"


class TraffickingType(StrEnum):
    labour = "labour"
    sex = "sex"
    both = "both"
    undisclosed = "undisclosed"


class ServedTraffickingType(StrEnum):
    """A form of trafficking a service serves or specialises in."""

    labour = "labour"
    sex = "sex"


class Need(StrEnum):
    housing = "housing"
    legal = "legal"
    specialized = "specialized"


class Category(StrEnum):
    housing_emergency_shelter = "housing.emergency_shelter"
    housing_transitional = "housing.transitional"
    housing_long_term = "housing.long_term"
    legal_immigration = "legal.immigration"
    legal_criminal_court_support = "legal.criminal_court_support"
    legal_employment_rights = "legal.employment_rights"
    legal_family = "legal.family"
    legal_general = "legal.general"
    specialized_counselling = "specialized.counselling"
    specialized_medical = "specialized.medical"
    specialized_case_management = "specialized.case_management"
    specialized_interpretation = "specialized.interpretation"
    specialized_settlement = "specialized.settlement"
    specialized_employment = "specialized.employment"
    specialized_financial = "specialized.financial"
    specialized_substance_use = "specialized.substance_use"
    specialized_peer_support = "specialized.peer_support"

    @property
    def need(self) -> Need:
        return Need(self.value.split(".", 1)[0])


class Delivery(StrEnum):
    in_person = "in_person"
    outreach = "outreach"
    phone = "phone"
    virtual = "virtual"


class Reach(StrEnum):
    """How a matched service reaches the person."""

    location = "location"  # the person goes to its location, `distance_km` away
    phone_or_online = "phone_or_online"
    outreach = "outreach"  # its staff travel to the person
    service_area = "service_area"  # the person is in its area; it has no location to go to


class AreaType(StrEnum):
    urban = "urban"
    suburban = "suburban"
    rural = "rural"


class Fees(StrEnum):
    free = "free"
    sliding_scale = "sliding_scale"
    fee = "fee"


class Province(StrEnum):
    AB = "AB"
    BC = "BC"
    MB = "MB"
    NB = "NB"
    NL = "NL"
    NS = "NS"
    NT = "NT"
    NU = "NU"
    ON = "ON"
    PE = "PE"
    QC = "QC"
    SK = "SK"
    YT = "YT"


class OrganizationAction(StrEnum):
    """What an entry of an organization's history records."""

    create = "create"
    update = "update"
    approve = "approve"
    suspend = "suspend"
    hsds_import = "import"
    delete = "delete"


class ChangeAction(StrEnum):
    create = "create"
    put = "put"
    patch = "patch"
    availability = "availability"
    verify = "verify"
    delete = "delete"
    hsds_import = "import"
