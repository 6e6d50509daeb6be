"""A synthetic registry of N services spread over Canada in proportion to population, loaded
fast with bulk inserts. Deterministic for a given N and seed."""

import random
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import SQLModel

from schemas.enums import Category, Delivery, Province, ServedGender, ServedStatus
from service.gazetteer import default_gazetteer
from service.matching.geo import reach_cells
from service.matching.scoring import around_the_clock
from service.matching.types import Point
from service.models import utcnow
from service.policy.visibility import matched_point
from service.usecases.listings import (
    CATEGORIES,
    DELIVERIES,
    GENDERS,
    PROVINCES,
    STATUSES,
    area_covers_of,
    to_mask,
)

_LANGUAGES = ["en", "fr", "es", "tl", "pa", "zh", "ar", "uk", "pt", "vi", "hi", "ta", "fa", "so"]
_HOUSING = [c for c in Category if c.value.startswith("housing.")]


def _service_row(
    rng: random.Random, organization_id: uuid.UUID, province: str, now: object
) -> dict[str, object]:
    housing = rng.random() < 0.3
    categories = (
        rng.sample(_HOUSING, rng.choice([1, 1, 2]))
        if housing
        else rng.sample([c for c in Category if c not in _HOUSING], rng.choice([1, 1, 2, 3]))
    )
    genders = rng.choice([[], [], [], ["woman"], ["woman", "gender_diverse"], ["man"]])
    youth = rng.random() < 0.1
    delivery = rng.choice(
        [
            [Delivery.in_person],
            [Delivery.in_person, Delivery.phone],
            [Delivery.in_person, Delivery.outreach],
            [Delivery.phone, Delivery.virtual, Delivery.in_person],
        ]
    )
    wide = rng.random() < 0.02
    radius = rng.choice([None, None, None, 25.0, 60.0, 120.0]) if not housing else None
    beds_total = rng.randint(4, 40) if housing else None
    assert isinstance(now, object)
    return {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "organization_id": organization_id,
        "version": 1,
        "name": f"Synthetic service {rng.getrandbits(32):08x}",
        "description": "",
        "categories_mask": to_mask(categories, CATEGORIES),
        "genders_mask": to_mask([ServedGender(g) for g in genders], GENDERS),
        "min_age": 16 if youth else rng.choice([None, 18]),
        "max_age": 24 if youth else None,
        "statuses_mask": 0
        if rng.random() < 0.85
        else to_mask([ServedStatus.canadian_citizen, ServedStatus.permanent_resident], STATUSES),
        "trafficking_types_mask": 0 if rng.random() < 0.9 else rng.choice([1, 2]),
        "accepts_dependents": rng.choice([True, False, None]),
        "trafficking_focus_mask": rng.choice([0, 0, 1, 2]),
        "languages": ["en", *rng.sample(_LANGUAGES[1:], rng.randint(0, 3))],
        "delivery_mask": to_mask(delivery, DELIVERIES),
        "service_radius_km": radius,
        "provinces_mask": to_mask([Province(province)], PROVINCES) if wide else 0,
        "nationwide": False,
        "intake_phone": "+1-555-555-0100",
        "intake_email": None,
        "intake_url": None,
        # (drawn here, in the order of the seeded draws the registry has always made)
        "intake_hours": (hours := "24/7" if housing and rng.random() < 0.5 else "Mon-Fri 9-17"),
        "intake_24_7": around_the_clock(hours),
        "referral_required": rng.random() < 0.2,
        "beds_total": beds_total,
        "beds_available": rng.randint(0, beds_total) if beds_total else None,
        "accepting_referrals": rng.random() < 0.95,
        "fees": "free",
        "id_required": rng.random() < 0.1,
        "police_report_required": rng.random() < 0.05,
        "created_at": now,
        "updated_at": now,
        "last_verified_at": now - timedelta(days=rng.randint(0, 400)),  # type: ignore[operator]
        "availability_updated_at": now - timedelta(hours=rng.randint(0, 96)),  # type: ignore[operator]
    }


def load_registry(engine: sa.Engine, size: int, *, seed: int = 2013) -> None:
    """Insert `size` services (and one organization per 10) into an empty, migrated database."""
    rng = random.Random(seed)
    gazetteer = default_gazetteer()
    # (a district's people are counted in its city's population already)
    places = [p for p in gazetteer.places if p.population > 0 and not gazetteer.is_district(p)]
    weights = [p.population for p in places]
    now = utcnow()
    organizations = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "name": f"Synthetic organization {i}",
            "name_key": f"synthetic organization {i}",
            "description": "",
            "status": "approved",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(max(1, size // 10))
    ]
    services: list[dict[str, object]] = []
    locations: list[dict[str, object]] = []
    cells: list[dict[str, object]] = []
    covers: list[dict[str, object]] = []
    for index in range(size):
        place = rng.choices(places, weights)[0]
        organization = organizations[index % len(organizations)]
        row = _service_row(rng, organization["id"], place.province, now)  # type: ignore[arg-type]
        services.append(row)
        covers.extend(
            {"area": area, "category_bit": bit, "service_id": row["id"]}
            for area, bit in area_covers_of(
                categories_mask=row["categories_mask"],  # type: ignore[arg-type]
                provinces_mask=row["provinces_mask"],  # type: ignore[arg-type]
                nationwide=False,
            )
        )
        for position in range(rng.choice([1, 1, 1, 2])):
            point = Point(
                place.latitude + rng.uniform(-0.05, 0.05),
                place.longitude + rng.uniform(-0.07, 0.07),
            )
            location_id = len(locations) + 1
            locations.append(
                {
                    "id": location_id,
                    "service_id": row["id"],
                    "position": position,
                    "municipality": place.name,
                    "province": place.province,
                    "latitude": point.latitude,
                    "longitude": point.longitude,
                    "confidential": (confidential := rng.random() < 0.1),
                    "wheelchair_accessible": rng.choice([True, False, None]),
                    "categories_mask": row["categories_mask"],
                }
            )
            radius = row["service_radius_km"]
            if isinstance(radius, float):
                cells.extend(
                    {"cell": cell, "location_id": location_id, "service_id": row["id"]}
                    for cell in reach_cells(
                        Point(
                            *matched_point(
                                point.latitude, point.longitude, confidential=confidential
                            )
                        ),
                        radius,
                    )
                )
    with engine.begin() as connection:
        tables = SQLModel.metadata.tables
        connection.execute(sa.insert(tables["organization"]), organizations)
        for start in range(0, len(services), 5000):
            connection.execute(sa.insert(tables["service"]), services[start : start + 5000])
        for start in range(0, len(locations), 5000):
            connection.execute(sa.insert(tables["location"]), locations[start : start + 5000])
        for start in range(0, len(cells), 5000):
            connection.execute(sa.insert(tables["reach_cell"]), cells[start : start + 5000])
        if covers:
            connection.execute(sa.insert(tables["area_cover"]), covers)
    # As autovacuum does soon after a bulk load on PostgreSQL: planner statistics for the new
    # rows, and (VACUUM) the visibility map without which no index-only scan is possible.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
