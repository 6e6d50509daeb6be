"""The synchronous client against a live server: every operation, typed errors, the ETag dance."""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from referral_client import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ReferralClient,
    Retry,
    Unreachable,
    ValidationFailed,
)
from schemas.enums import Category, Province
from schemas.services import ServiceUpdate
from tests.e2e.conftest import LiveServer, closed_port_url
from tests.e2e.scenarios import NEEDS, need_profile, new_listing


@pytest.fixture
def operator(live: LiveServer) -> Iterator[ReferralClient]:
    with ReferralClient(live.url, live.operator_key) as referral:
        yield referral


@pytest.fixture
def provider(live: LiveServer) -> Iterator[ReferralClient]:
    with ReferralClient(live.url, live.provider_key) as referral:
        yield referral


def test_match_answers_each_need_in_the_order_asked(operator: ReferralClient) -> None:
    answer = operator.match(need_profile())

    assert answer.location.label == "Elmira, ON"
    assert [result.need for result in answer.results] == NEEDS
    housing = answer.results[0]
    assert 1 <= len(housing.matches) <= 3
    scores = [match.score for match in housing.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(match.reasons for match in housing.matches)


def test_match_in_french_explains_in_french(operator: ReferralClient) -> None:
    english = operator.match(need_profile(needs=["housing"]))
    french = operator.match(need_profile(needs=["housing"]), language="fr")

    assert [m.service_id for m in french.results[0].matches] == [
        m.service_id for m in english.results[0].matches
    ]
    assert "parle espagnol" in french.results[0].matches[0].reasons
    assert "speaks Spanish" in english.results[0].matches[0].reasons


def test_client_level_language_applies_to_every_call(live: LiveServer) -> None:
    with ReferralClient(live.url, live.operator_key, language="fr") as french:
        answer = french.match(need_profile(needs=["housing"]))
    assert "parle espagnol" in answer.results[0].matches[0].reasons


def test_url_and_key_come_from_the_environment(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRAL_URL", live.url)
    monkeypatch.setenv("REFERRAL_API_KEY", live.operator_key)
    with ReferralClient() as referral:
        assert referral.url == live.url
        assert referral.places("elm", limit=1).items[0].label == "Elmira, ON"


def test_places_and_taxonomy(operator: ReferralClient) -> None:
    places = operator.places("elmira", limit=3)
    taxonomy = operator.taxonomy()

    assert places.items[0].label == "Elmira, ON"
    assert {term.code for term in taxonomy.needs} == {"housing", "legal", "specialized"}
    assert any(term.fr == "Refuge d'urgence" for term in taxonomy.categories)


def test_whoami_names_the_key_and_a_providers_organization(
    operator: ReferralClient, live: LiveServer
) -> None:
    me = operator.whoami()
    assert (me.key.role.value, me.organization) == ("operator", None)
    with ReferralClient(live.url, live.provider_key) as provider:
        organization = provider.whoami().organization
    assert organization is not None
    assert str(organization.id) == live.provider_organization_id


def test_an_analyst_reads_the_unmet_need_report(live: LiveServer) -> None:
    with ReferralClient(live.url, live.analyst_key) as analyst:
        report = analyst.unmet_needs(month_from="2000-01", province="NU", per_page=5)
        with pytest.raises(ValidationFailed) as refused:
            analyst.unmet_needs(month_to="26-10")
    assert report.through < datetime.now(UTC).strftime("%Y-%m")
    assert (report.page, report.per_page, report.smallest_shown) == (1, 5, 5)
    assert all(cell.province.value == "NU" for cell in report.items)
    assert [list(error.loc) for error in refused.value.errors] == [["query", "month_to"]]
    with ReferralClient(live.url, live.operator_key) as operator, pytest.raises(PermissionDenied):
        operator.unmet_needs()


def test_list_and_read_services(operator: ReferralClient) -> None:
    page = operator.list_services(
        category=Category.housing_emergency_shelter, province=Province.ON, per_page=2
    )
    assert page.per_page == 2
    assert len(page.items) == 2
    assert page.total >= 2
    assert all(Category.housing_emergency_shelter in s.categories for s in page.items)

    first = page.items[0]
    service, etag = operator.get_service_with_etag(first.id)
    assert service.id == first.id
    assert etag == f'"{first.id}.{first.version}"'
    assert operator.get_service(str(first.id)).name == first.name


def test_a_copy_of_the_registry_follows_cursors_and_drops_what_was_removed(
    live: LiveServer, operator: ReferralClient, provider: ReferralClient
) -> None:
    copy: dict[uuid.UUID, str] = {}
    cursor: str | None = None
    while True:
        page = operator.list_services(cursor=cursor, per_page=50)
        copy.update({service.id: service.name for service in page.items})
        assert page.next_cursor
        cursor = page.next_cursor
        if len(page.items) == page.total:
            break
    assert len(copy) == operator.list_services(per_page=1).total
    began = datetime.now(UTC)
    created = provider.create_service(new_listing(live.provider_organization_id))
    since = operator.list_services(cursor=cursor)
    assert created.id in {service.id for service in since.items}
    provider.delete_service(created.id)
    removed = operator.removed_services(began)
    assert [(item.id, item.reason.value) for item in removed.items] == [(created.id, "deleted")]


def test_a_provider_lists_updates_counts_beds_verifies_and_deletes(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    assert created.version == 1

    patched = provider.update_service(created.id, ServiceUpdate(languages=["en", "tl"]))
    assert patched.languages == ["en", "tl"]
    assert patched.version == 2

    _, etag = provider.get_service_with_etag(created.id)
    replaced = provider.replace_service(
        created.id, new_listing(live.provider_organization_id, name="Renamed Shelter"), etag=etag
    )
    assert replaced.name == "Renamed Shelter"
    assert replaced.languages == ["en", "es"]

    beds = provider.set_availability(created.id, beds_available=1)
    assert beds.capacity.beds_available == 1
    closed = provider.set_availability(created.id, accepting_referrals=False)
    assert closed.accepting_referrals is False
    assert provider.verify_service(created.id).last_verified_at is not None

    actions = [entry.action.value for entry in provider.service_history(created.id).items]
    assert actions == ["create", "patch", "put", "availability", "availability", "verify"]

    provider.delete_service(created.id)
    with pytest.raises(NotFound):
        provider.get_service(created.id)


def test_a_stale_etag_from_the_caller_is_refused_and_changes_nothing(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    _, first_etag = provider.get_service_with_etag(created.id)
    provider.update_service(created.id, ServiceUpdate(description="changed by someone else"))

    with pytest.raises(PreconditionFailed) as refused:
        provider.update_service(created.id, ServiceUpdate(name="Mine"), etag=first_etag)

    assert refused.value.status == 412
    assert provider.get_service(created.id).name == "Test Shelter"
    provider.delete_service(created.id)


class _EditorRace(httpx.BaseTransport):
    """Forwards to the live server, but before a write goes out another editor changes the
    listing (before the first write only, or before every write)."""

    def __init__(self, interfere: Callable[[], object], *, every_time: bool) -> None:
        self._inner = httpx.HTTPTransport()
        self._interfere = interfere
        self._every_time = every_time
        self.write_statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        is_write = request.method in ("PUT", "PATCH")
        if is_write and (self._every_time or not self.write_statuses):
            self._interfere()
        response = self._inner.handle_request(request)
        if is_write:
            self.write_statuses.append(response.status_code)
        return response

    def close(self) -> None:
        self._inner.close()


def test_a_change_made_between_read_and_write_is_kept_and_the_write_retried_once(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    race = _EditorRace(
        lambda: provider.update_service(created.id, ServiceUpdate(description="theirs")),
        every_time=False,
    )
    with ReferralClient(live.url, live.provider_key, transport=race) as racing:
        updated = racing.update_service(created.id, ServiceUpdate(languages=["en", "fr"]))

    assert race.write_statuses == [412, 200]
    assert updated.languages == ["en", "fr"]
    assert updated.description == "theirs"
    assert updated.version == 3
    provider.delete_service(created.id)


def test_a_listing_that_keeps_changing_raises_after_four_tries(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    race = _EditorRace(lambda: provider.verify_service(created.id), every_time=True)
    with (
        ReferralClient(live.url, live.provider_key, transport=race) as racing,
        pytest.raises(PreconditionFailed),
    ):
        racing.update_service(created.id, ServiceUpdate(description="mine"))

    assert race.write_statuses == [412, 412, 412, 412]
    provider.delete_service(created.id)


class _LostAnswer(httpx.BaseTransport):
    """Forwards to the live server; the first write's answer is lost on the way back, as a
    gateway's 504 (the server acted on it), after `meanwhile` has run."""

    def __init__(self, meanwhile: Callable[[], object] = lambda: None) -> None:
        self._inner = httpx.HTTPTransport()
        self._meanwhile = meanwhile
        self.write_statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.method in ("PUT", "PATCH"):
            self.write_statuses.append(response.status_code)
            if len(self.write_statuses) == 1:
                response.read()
                self._meanwhile()
                return httpx.Response(504, text="<html>Gateway Timeout</html>")
        return response

    def close(self) -> None:
        self._inner.close()


@pytest.mark.parametrize(
    ("method", "etag_given"),
    [("PATCH", True), ("PATCH", False), ("PUT", True)],
    ids=["PATCH with the caller's etag", "PATCH with an etag read", "PUT"],
)
def test_a_write_whose_answer_was_lost_is_done_when_its_retry_meets_its_own_version(
    live: LiveServer, provider: ReferralClient, method: str, etag_given: bool
) -> None:
    """The first try landed and its 200 was lost: the retry's 412 is that try's own doing."""
    created = provider.create_service(new_listing(live.provider_organization_id))
    _, etag = provider.get_service_with_etag(created.id)
    lost = _LostAnswer()
    with ReferralClient(
        live.url, live.provider_key, transport=lost, retry=Retry(backoff_seconds=0.01)
    ) as flaky:
        if method == "PATCH":
            changes = ServiceUpdate(
                name="Renamed",
                languages=["fr", "en"],
                categories=[Category.housing_transitional, Category.housing_emergency_shelter],
            )
            written = flaky.update_service(created.id, changes, etag=etag if etag_given else None)
        else:
            listing = new_listing(live.provider_organization_id, name="Replaced")
            listing.locations[0].latitude = listing.locations[0].longitude = None
            written = flaky.replace_service(created.id, listing, etag=etag)

    assert lost.write_statuses == [200, 412]
    assert written.version == 2
    assert written.name == ("Renamed" if method == "PATCH" else "Replaced")
    assert provider.get_service(created.id) == written
    provider.delete_service(created.id)


def test_a_lost_answer_then_another_editors_change_of_the_same_field_is_still_refused(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    _, etag = provider.get_service_with_etag(created.id)
    lost = _LostAnswer(lambda: provider.update_service(created.id, ServiceUpdate(name="Theirs")))
    with (
        ReferralClient(
            live.url, live.provider_key, transport=lost, retry=Retry(backoff_seconds=0.01)
        ) as flaky,
        pytest.raises(PreconditionFailed),
    ):
        flaky.update_service(created.id, ServiceUpdate(name="Mine"), etag=etag)

    assert lost.write_statuses == [200, 412]
    assert provider.get_service(created.id).name == "Theirs"
    provider.delete_service(created.id)


def test_an_unknown_place_is_a_validation_error_naming_the_field(
    operator: ReferralClient,
) -> None:
    canary = "Canaryville-7f3a"
    with pytest.raises(ValidationFailed) as failed:
        operator.match(need_profile(location={"place": canary}))

    error = failed.value
    assert error.status == 422
    assert [item.loc for item in error.errors] == [["body", "location", "place"]]
    assert "location.place" in str(error)
    assert canary not in str(error)
    assert canary not in error.problem.model_dump_json()


def test_keys_are_checked(live: LiveServer) -> None:
    with ReferralClient(live.url, "rk_not-a-key") as stranger, pytest.raises(AuthenticationError):
        stranger.taxonomy()
    with ReferralClient(live.url, live.analyst_key) as analyst, pytest.raises(PermissionDenied):
        analyst.match(need_profile())
    with ReferralClient(live.url, live.operator_key) as operator:
        with pytest.raises(PermissionDenied) as denied:
            operator.set_availability(uuid.uuid4(), beds_available=1)
        assert denied.value.problem.request_id


def test_an_unknown_service_is_not_found(operator: ReferralClient) -> None:
    with pytest.raises(NotFound):
        operator.get_service(uuid.uuid4())


def test_a_malformed_service_id_is_refused_before_sending(operator: ReferralClient) -> None:
    with pytest.raises(ValueError, match="badly formed"):
        operator.get_service("../keys")


def test_an_unreachable_server_raises_unreachable_after_the_retries() -> None:
    url = closed_port_url()
    with (
        ReferralClient(url, "rk_any", retry=Retry(attempts=2, backoff_seconds=0.01)) as nowhere,
        pytest.raises(Unreachable, match=r"cannot connect to http://127\.0\.0\.1"),
    ):
        nowhere.places("elm")


def test_the_key_never_appears_in_a_repr(live: LiveServer) -> None:
    with ReferralClient(live.url, live.operator_key) as referral:
        assert live.operator_key not in repr(referral)
        assert live.operator_key not in repr(referral.connection)


def test_an_administrator_changes_an_organizations_details_as_read(live: LiveServer) -> None:
    """`update_organization` sends the fields set; with the ETag it was read with, another
    administrator's change since is a `PreconditionFailed`, and nothing changes."""
    from schemas.organizations import OrganizationCreate, OrganizationUpdate

    with ReferralClient(live.url, live.admin_key) as admin:
        created = admin.create_organization(
            OrganizationCreate(name=f"Details {uuid.uuid4().hex[:6]}", phone="+1-204-555-0100")
        )
        etag = httpx.get(
            f"{live.url}/v1/organizations/{created.id}",
            headers={"Authorization": f"Bearer {live.admin_key}"},
        ).headers["ETag"]
        changed = admin.update_organization(
            created.id, OrganizationUpdate.model_validate({"phone": "+1-204-555-0199"})
        )
        assert (changed.phone, changed.name) == ("+1-204-555-0199", created.name)
        with pytest.raises(PreconditionFailed):
            admin.update_organization(
                created.id, OrganizationUpdate.model_validate({"website": None}), etag=etag
            )
        assert admin.get_organization(created.id).phone == "+1-204-555-0199"


def test_an_administrator_decides_on_the_organization_as_read(live: LiveServer) -> None:
    """Approving, suspending or deleting with the ETag it was read with: another
    administrator's change since (its details too, which the decision may rest on) is a
    `PreconditionFailed`, and nothing changes; read again, the decision goes through."""
    from schemas.organizations import OrganizationCreate, OrganizationUpdate

    with ReferralClient(live.url, live.admin_key) as admin:
        created = admin.create_organization(
            OrganizationCreate(name=f"Vetted as read {uuid.uuid4().hex[:6]}")
        )
        read, etag = admin.get_organization_with_etag(created.id)
        assert read.id == created.id
        assert etag.startswith(f'"{created.id}.')
        admin.update_organization(
            created.id, OrganizationUpdate.model_validate({"website": "https://elsewhere.ca"})
        )
        with pytest.raises(PreconditionFailed):
            admin.approve_organization(created.id, etag=etag)
        assert admin.get_organization(created.id).status.value == "pending"
        _, etag = admin.get_organization_with_etag(created.id)
        assert admin.approve_organization(created.id, etag=etag).status.value == "approved"

        with pytest.raises(PreconditionFailed):
            admin.suspend_organization(created.id, note="fraud reported", etag=etag)
        assert admin.get_organization(created.id).status.value == "approved"
        _, etag = admin.get_organization_with_etag(created.id)
        suspended = admin.suspend_organization(created.id, note="fraud reported", etag=etag)
        assert suspended.status.value == "suspended"

        with pytest.raises(PreconditionFailed):
            admin.delete_organization(created.id, etag=etag)
        _, etag = admin.get_organization_with_etag(created.id)
        admin.delete_organization(created.id, etag=etag)
        with pytest.raises(NotFound):
            admin.get_organization(created.id)


def test_a_listing_changed_since_it_was_read_is_not_deleted(
    live: LiveServer, provider: ReferralClient
) -> None:
    created = provider.create_service(new_listing(live.provider_organization_id))
    _, etag = provider.get_service_with_etag(created.id)
    provider.update_service(created.id, ServiceUpdate(description="changed by a colleague"))
    with pytest.raises(PreconditionFailed):
        provider.delete_service(created.id, etag=etag)
    _, etag = provider.get_service_with_etag(created.id)
    provider.delete_service(created.id, etag=etag)
    with pytest.raises(NotFound):
        provider.get_service(created.id)


def test_a_safe_house_is_not_published_by_a_whole_listing_that_leaves_confidential_unsaid(
    live: LiveServer, provider: ReferralClient
) -> None:
    """`replace_service` sends what the listing sets, so that a location built without
    `confidential` is refused on a listing with a confidential one, not sent as false (which
    made a safe house's corrected address public to every partner)."""
    from tests.factories import confidential_location

    safe_house = confidential_location()
    created = provider.create_service(
        new_listing(live.provider_organization_id, locations=[safe_house])
    )
    moved = {k: v for k, v in safe_house.items() if k != "confidential"}
    moved["address"] = "77 Cumberland St N"
    _, etag = provider.get_service_with_etag(created.id)
    with pytest.raises(ValidationFailed) as refused:
        provider.replace_service(
            created.id, new_listing(live.provider_organization_id, locations=[moved]), etag=etag
        )
    assert ["body", "locations", 0, "confidential"] in [e.loc for e in refused.value.errors]
    assert provider.get_service(created.id).locations[0].confidential is True
    kept = provider.replace_service(
        created.id,
        new_listing(live.provider_organization_id, locations=[{**moved, "confidential": True}]),
        etag=etag,
    )
    assert kept.locations[0].confidential is True
    assert getattr(kept.locations[0], "address", None) == "77 Cumberland St N"  # (the owner's)
    provider.delete_service(created.id)
