"""Retries, backoff and problem parsing, against scripted answers (httpx.MockTransport): the
statuses a live server of ours seldom gives on demand (503, 502, a proxy's HTML page)."""

import asyncio
import email.utils
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import httpx
import pytest

from referral_client import (
    AsyncReferralClient,
    AuthenticationError,
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    ReferralClient,
    Retry,
    ServerError,
    TooManyRequests,
    Unavailable,
    UnexpectedResponse,
    Unreachable,
    ValidationFailed,
)
from referral_client._operations import Operations
from referral_client._protocol import Call, Flow, Outcome, Sleep, Step
from referral_client.cli import _failure
from tests.e2e.scenarios import new_listing

FAST = Retry(attempts=3, backoff_seconds=0.001, max_delay_seconds=1)
TAXONOMY: dict[str, list[object]] = {
    name: []
    for name in (
        "needs",
        "categories",
        "genders",
        "newcomer_statuses",
        "trafficking_types",
        "delivery",
        "area_types",
        "fees",
        "roles",
        "provinces",
    )
}
ORGANIZATION = "7ef060bb-62eb-406c-8682-ce1d57aea4be"


def problem(status: int, **extra: object) -> httpx.Response:
    body = {"type": "about:blank", "title": f"status {status}", "status": status, **extra}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


class Script:
    """Answers requests in turn from a list of responses or transport errors."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def scripted(
    *answers: httpx.Response | Exception, retry: Retry = FAST
) -> tuple[ReferralClient, Script]:
    script = Script(*answers)
    referral = ReferralClient(
        "http://referral.test", "rk_key", retry=retry, transport=httpx.MockTransport(script)
    )
    return referral, script


def test_503_is_retried_until_it_answers() -> None:
    referral, script = scripted(problem(503), problem(503), httpx.Response(200, json=TAXONOMY))
    assert referral.taxonomy().needs == []
    assert len(script.requests) == 3


def test_503_after_the_last_try_raises_unavailable_with_the_problem() -> None:
    referral, script = scripted(*[problem(503, detail="The database does not answer.")] * 3)
    with pytest.raises(Unavailable, match="503 status 503: The database does not answer") as error:
        referral.taxonomy()
    assert error.value.detail == "The database does not answer."
    assert len(script.requests) == 3


def test_a_create_is_retried_on_503_and_on_a_refused_connection() -> None:
    refused = httpx.ConnectError("refused")
    created = httpx.Response(201, json={})
    referral, script = scripted(problem(503), refused, created)
    with pytest.raises(UnexpectedResponse, match="201 answer is not a ServicePublic"):
        referral.create_service(new_listing(ORGANIZATION))
    assert len(script.requests) == 3


def test_a_create_is_not_retried_once_the_request_may_have_arrived() -> None:
    referral, script = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(Unreachable, match="did not answer in time"):
        referral.create_service(new_listing(ORGANIZATION))
    assert len(script.requests) == 1

    referral, script = scripted(problem(502))
    with pytest.raises(Unavailable):
        referral.create_service(new_listing(ORGANIZATION))
    assert len(script.requests) == 1


def test_reads_are_retried_after_any_transport_error() -> None:
    referral, script = scripted(
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("broken"),
        httpx.Response(200, json={"items": []}),
    )
    assert referral.places("elm").items == []
    assert len(script.requests) == 3

    referral, _ = scripted(*[httpx.RemoteProtocolError("broken")] * 3)
    with pytest.raises(Unreachable, match=r"the connection to http://referral\.test broke"):
        referral.places("elm")


def test_429_is_retried_after_a_short_retry_after_and_raised_after_a_long_one() -> None:
    """Over the key's requests per minute: nothing was done, so even a create is retried,
    when the wait is short; an operator is not kept waiting for the next minute."""
    busy = problem(429)
    busy.headers["Retry-After"] = "0"
    referral, script = scripted(busy, httpx.Response(201, json={}))
    with pytest.raises(UnexpectedResponse, match="201 answer is not a ServicePublic"):
        referral.create_service(new_listing(ORGANIZATION))
    assert len(script.requests) == 2
    later = problem(429)
    later.headers["Retry-After"] = "50"
    referral, script = scripted(later, retry=Retry(max_delay_seconds=5))
    with pytest.raises(TooManyRequests) as error:
        referral.taxonomy()
    assert error.value.status == 429
    assert _failure(error.value)[0] == 4  # the command line: try again later
    assert len(script.requests) == 1


def test_a_long_retry_after_is_not_waited_for() -> None:
    referral, script = scripted(
        httpx.Response(503, headers={"Retry-After": "120"}), retry=Retry(max_delay_seconds=5)
    )
    with pytest.raises(Unavailable) as error:
        referral.taxonomy()
    assert error.value.problem.title == "Service Unavailable"
    assert len(script.requests) == 1


def _drive(flow_of: Callable[[Operations], Flow[Any]], outcomes: list[Outcome]) -> list[Step]:
    """The steps a flow yields when fed `outcomes`, without any I/O."""
    flow = flow_of(Operations(Retry()))
    steps = [flow.send(None)]
    for outcome in outcomes:
        try:
            steps.append(flow.send(outcome))
        except (StopIteration, ProblemError):
            break
    return steps


def test_backoff_doubles_and_retry_after_is_respected() -> None:
    request = httpx.Request("GET", "http://referral.test/v1/taxonomy")
    refused = httpx.ConnectError("refused", request=request)
    in_two_seconds = email.utils.formatdate(time.time() + 2, usegmt=True)
    steps = _drive(
        lambda operations: operations.taxonomy(),
        [refused, None, httpx.Response(503, headers={"Retry-After": in_two_seconds}), None],
    )

    assert isinstance(steps[0], Call)
    assert steps[1] == Sleep(0.5)
    sleep = steps[3]
    assert isinstance(sleep, Sleep)
    assert 0 < sleep.seconds <= 2


@pytest.mark.parametrize(
    ("attempt", "retry_after", "delay"),
    [
        (1, None, 0.5),
        (2, None, 1.0),
        (3, None, None),
        (1, "3", 3.0),
        (1, "60", None),
        (1, "soon", 0.5),
        (1, "Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_retry_delays(attempt: int, retry_after: str | None, delay: float | None) -> None:
    assert Retry(attempts=3, backoff_seconds=0.5).delay(attempt, retry_after) == delay


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequest),
        (401, AuthenticationError),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Conflict),
        (412, PreconditionFailed),
        (413, BadRequest),
        (422, ValidationFailed),
        (428, PreconditionRequired),
        (500, ServerError),
        (504, Unavailable),
    ],
)
def test_each_problem_status_has_its_exception(status: int, kind: type[ProblemError]) -> None:
    referral, _ = scripted(*[problem(status, request_id="r1")] * 3)
    with pytest.raises(kind) as error:
        referral.taxonomy()
    assert error.value.status == status
    assert error.value.request_id == "r1"


def test_a_validation_error_lists_its_fields() -> None:
    errors = [{"loc": ["body", "age"], "msg": "too old"}, {"loc": ["body", "needs", 0], "msg": "?"}]
    referral, _ = scripted(problem(422, errors=errors))
    with pytest.raises(ValidationFailed) as failed:
        referral.taxonomy()
    assert str(failed.value) == "422 status 422 (body.age: too old; body.needs.0: ?)"
    assert [e.msg for e in failed.value.errors] == ["too old", "?"]


def test_a_validation_error_says_each_message_once() -> None:
    """The server's detail of a 422 restates its one error: the message said it twice,
    "…: location.place: no such place known (body.location.place: no such place known)"."""
    message = "no such place known; check the spelling"
    errors = [{"loc": ["body", "location", "place"], "msg": message}]
    detail = f"location.place: {message}"
    referral, _ = scripted(problem(422, title="Invalid request", detail=detail, errors=errors))
    with pytest.raises(ValidationFailed) as failed:
        referral.taxonomy()
    said = str(failed.value)
    assert said == f"422 Invalid request (body.location.place: {message})"
    assert said.count(message) == 1

    # A detail that says something of its own is kept.
    other = "The request is not valid; see errors."
    referral, _ = scripted(problem(422, title="Invalid request", detail=other, errors=errors))
    with pytest.raises(ValidationFailed) as failed:
        referral.taxonomy()
    assert str(failed.value) == f"422 Invalid request: {other} (body.location.place: {message})"


def test_a_429_keeps_how_long_the_server_asked_to_wait() -> None:
    later = problem(429)
    later.headers["Retry-After"] = "120"
    referral, _ = scripted(later, retry=Retry(max_delay_seconds=5))
    with pytest.raises(TooManyRequests) as error:
        referral.taxonomy()
    assert error.value.retry_after_seconds == 120

    referral, _ = scripted(problem(429), retry=Retry(attempts=1))
    with pytest.raises(TooManyRequests) as error:
        referral.taxonomy()
    assert error.value.retry_after_seconds is None


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.RemoteProtocolError("broken"), "broken"),
    ],
)
def test_unreachable_says_where_and_why_for_a_caller_to_word_it(
    failure: httpx.TransportError, reason: str
) -> None:
    referral, _ = scripted(*[failure] * 3)
    with pytest.raises(Unreachable) as error:
        referral.places("elm")
    assert (error.value.server, error.value.reason) == ("http://referral.test", reason)


def test_an_error_page_that_is_not_a_problem_still_raises_by_status() -> None:
    referral, _ = scripted(httpx.Response(404, text="<html>nope</html>"))
    with pytest.raises(NotFound, match="404 Not Found"):
        referral.taxonomy()


def test_the_async_client_sleeps_between_tries() -> None:
    script = Script(problem(503), httpx.ConnectError("refused"), httpx.Response(200, json=TAXONOMY))

    async def scenario() -> None:
        async with AsyncReferralClient(
            "http://referral.test", "rk", retry=FAST, transport=httpx.MockTransport(script)
        ) as referral:
            await referral.taxonomy()

    asyncio.run(scenario())
    assert len(script.requests) == 3


def test_requests_carry_the_key_language_and_agent() -> None:
    referral, script = scripted(httpx.Response(200, json=TAXONOMY))
    with referral:
        referral.taxonomy()
    sent = script.requests[0]
    assert sent.headers["Authorization"] == "Bearer rk_key"
    assert sent.headers["User-Agent"].startswith("referral-client/")
    assert "Accept-Language" not in sent.headers


def test_approving_suspending_and_issuing_are_never_sent_twice_once_they_may_have_arrived() -> None:
    """Each approval or suspension with a note is an entry of the vetting record, and each
    issue a new key: a retry after a timeout could do either twice."""
    operations: list[Callable[[ReferralClient], object]] = [
        lambda client: client.approve_organization(ORGANIZATION, note="vetted"),
        lambda client: client.suspend_organization(ORGANIZATION, note="reported"),
        lambda client: client.issue_key("provider", "beds", organization_id=ORGANIZATION),
    ]
    for operation in operations:
        referral, script = scripted(httpx.ReadTimeout("slow"))
        with pytest.raises(Unreachable):
            operation(referral)
        assert len(script.requests) == 1
        referral, script = scripted(problem(503), httpx.ConnectError("refused"), problem(404))
        with pytest.raises(NotFound):
            operation(referral)
        assert len(script.requests) == 3  # not handled, or never arrived: sent again


def test_an_approval_sends_its_note_and_a_revocation_is_retried_like_a_read() -> None:
    referral, script = scripted(problem(404))
    with pytest.raises(NotFound):
        referral.approve_organization(ORGANIZATION)
    assert script.requests[0].content == b""  # no note, no body
    referral, script = scripted(problem(404))
    with pytest.raises(NotFound):
        referral.approve_organization(ORGANIZATION, note="charity number checked")
    assert script.requests[0].url.path == f"/v1/organizations/{ORGANIZATION}/approve"
    assert json.loads(script.requests[0].content) == {"note": "charity number checked"}
    referral, script = scripted(problem(409))
    with pytest.raises(Conflict):
        referral.suspend_organization(ORGANIZATION, note="fees", expected_status="approved")
    assert script.requests[0].url.path == f"/v1/organizations/{ORGANIZATION}/suspend"
    assert json.loads(script.requests[0].content) == {
        "note": "fees",
        "expected_status": "approved",
    }
    assert len(script.requests) == 1  # a stale decision is never sent again

    referral, script = scripted(httpx.ReadTimeout("slow"), httpx.Response(204))
    referral.revoke_key(ORGANIZATION)
    assert [r.method for r in script.requests] == ["DELETE", "DELETE"]


def test_the_async_client_vets_and_issues_keys_as_the_sync_one() -> None:
    organization = {
        "id": ORGANIZATION,
        "name": "Haven",
        "description": "",
        "website": None,
        "email": None,
        "phone": None,
        "status": "approved",
        "created_at": "2026-11-30T12:00:00Z",
        "updated_at": "2026-11-30T12:00:00Z",
    }
    script = Script(
        httpx.Response(200, json=organization),
        httpx.Response(200, json={"items": []}),
        httpx.Response(200, json={"items": []}),
    )

    async def scenario() -> None:
        async with AsyncReferralClient(
            "http://referral.test", "rk", retry=FAST, transport=httpx.MockTransport(script)
        ) as referral:
            approved = await referral.approve_organization(
                ORGANIZATION, note="ok", expected_status="pending"
            )
            assert approved.status.value == "approved"
            assert (await referral.organization_history(ORGANIZATION)).items == []
            assert (await referral.list_keys(organization_id=ORGANIZATION)).items == []

    asyncio.run(scenario())
    assert [(r.method, r.url.path) for r in script.requests] == [
        ("POST", f"/v1/organizations/{ORGANIZATION}/approve"),
        ("GET", f"/v1/organizations/{ORGANIZATION}/history"),
        ("GET", "/v1/keys"),
    ]
    assert json.loads(script.requests[0].content) == {"note": "ok", "expected_status": "pending"}
    assert script.requests[2].url.params["organization_id"] == ORGANIZATION


def test_a_profile_given_as_a_dict_is_refused_without_its_values_and_nothing_is_sent() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    transport = httpx.MockTransport(answer)
    profile = {"needs": ["housing"], "location": {"place": "Canaryville-7f3a, ON"}}
    with (
        ReferralClient("http://referral.test", "rk", transport=transport) as client,
        pytest.raises(TypeError, match=r"NeedProfile\.model_validate") as refused,
    ):
        client.match(profile)  # type: ignore[arg-type]
    assert "Canaryville" not in str(refused.value)
    assert sent == []


def _deletes(client: ReferralClient | AsyncReferralClient) -> list[Callable[[], object]]:
    return [
        lambda: client.delete_service(ORGANIZATION),
        lambda: client.delete_organization(ORGANIZATION),
    ]


@pytest.mark.parametrize(
    "unknown",
    [lambda: problem(502), lambda: problem(504), lambda: httpx.ReadTimeout("slow")],
    ids=["502", "504", "timeout"],
)
@pytest.mark.parametrize("which", [0, 1], ids=["service", "organization"])
def test_a_delete_retried_after_an_unknown_outcome_takes_a_404_as_done(
    unknown: Callable[[], httpx.Response | Exception], which: int
) -> None:
    """The first try may have deleted it: the retry's 404 says it is gone, as asked."""
    referral, script = scripted(unknown(), problem(404))
    assert _deletes(referral)[which]() is None
    assert [r.method for r in script.requests] == ["DELETE", "DELETE"]

    script = Script(unknown(), problem(404))

    async def scenario() -> None:
        async with AsyncReferralClient(
            "http://referral.test", "rk", retry=FAST, transport=httpx.MockTransport(script)
        ) as referral:
            deleted = _deletes(referral)[which]()
            assert isinstance(deleted, Coroutine)
            assert await deleted is None

    asyncio.run(scenario())
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "answers",
    [
        [problem(404)],
        # Not handled, or never sent: the 404 after them is the listing's own.
        [problem(503), problem(404)],
        [httpx.ConnectError("refused"), problem(404)],
    ],
    ids=["first try", "after a 503", "after a refused connection"],
)
@pytest.mark.parametrize("which", [0, 1], ids=["service", "organization"])
def test_a_delete_of_nothing_raises_not_found(
    answers: list[httpx.Response | Exception], which: int
) -> None:
    referral, script = scripted(*answers)
    with pytest.raises(NotFound):
        _deletes(referral)[which]()
    assert len(script.requests) == len(answers)


def test_a_revocation_retried_after_a_timeout_still_says_no_such_key() -> None:
    """Revoking a revoked key answers 204 again: a 404 is never the first try's doing."""
    referral, _ = scripted(httpx.ReadTimeout("slow"), problem(404))
    with pytest.raises(NotFound):
        referral.revoke_key(ORGANIZATION)
