"""The demo registry: fictional organizations, services and keys for a first look."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from schemas.enums import OrganizationStatus, Role
from schemas.services import ServiceCreate
from service.demo import demo_registry
from service.models import Organization, Service, utcnow
from service.repository import organizations as organizations_repo
from service.repository import services as services_repo
from service.usecases.keys import issue_key
from service.usecases.listings import apply_listing, covers_of, reach_cells_of


@dataclass(frozen=True, slots=True)
class DemoKeys:
    admin: str
    operator: str
    partner: str
    analyst: str
    provider: str
    provider_organization: str


def load_demo_registry(session: Session) -> DemoKeys | None:
    """Load the demo registry into an empty database and issue one key per role.

    Does nothing, and returns None, when the database already holds organizations."""
    if organizations_repo.count_organizations(session) > 0:
        return None
    now = utcnow()
    first: Organization | None = None
    for demo in demo_registry():
        organization = organizations_repo.add_organization(
            session,
            Organization(
                name=demo.name,
                description=demo.description,
                website=demo.website,
                email=demo.email,
                phone=demo.phone,
                status=OrganizationStatus.approved.value,
                created_at=now,
                updated_at=now,
            ),
        )
        first = first or organization
        for raw in demo.services:
            listing = {k: v for k, v in raw.items() if not k.startswith("_")}
            verified = now - timedelta(days=int(raw.get("_verified_days_ago", 0)))
            available = now - timedelta(hours=int(raw.get("_availability_hours_ago", 0)))
            data = ServiceCreate.model_validate({**listing, "organization_id": organization.id})
            service = Service(
                organization_id=organization.id,
                name=data.name,
                categories_mask=0,
                created_at=verified,
                updated_at=verified,
                last_verified_at=verified,
                availability_updated_at=available if data.capacity.beds_total else None,
            )
            apply_listing(service, data)
            services_repo.add_service(session, service)
            services_repo.replace_reach_cells(session, service.id, reach_cells_of(service))
            services_repo.replace_area_covers(session, service.id, covers_of(service))
    assert first is not None
    keys = DemoKeys(
        admin=issue_key(session, role=Role.admin, name="demo admin"),
        operator=issue_key(session, role=Role.operator, name="demo hotline operator"),
        partner=issue_key(session, role=Role.partner, name="demo partner app"),
        analyst=issue_key(session, role=Role.analyst, name="demo analyst"),
        provider=issue_key(
            session, role=Role.provider, name="demo provider", organization_id=first.id
        ),
        provider_organization=first.name,
    )
    session.commit()
    return keys
