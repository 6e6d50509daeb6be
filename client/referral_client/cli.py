"""`referral-client`: matching, places, listings, beds, reports, vetting and keys from a terminal.

Exit codes: 0 success, 2 bad input (an unknown place included), 3 no key or a key without
the right, 4 server unreachable or unavailable, or the key over its requests per minute,
1 anything else. An error is one line on stderr, never a traceback. Nothing of the need
profile is printed or logged: only the answer.
"""

import csv
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

# Typer 0.29 bundles its own click; parsing errors are its UsageError subclasses.
from typer._click.exceptions import (
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from referral_client import _render, _wording
from referral_client._config import KEY_VARIABLE
from referral_client._operations import KeyChanges, ReportFilters
from referral_client.client import ReferralClient
from referral_client.errors import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    ProblemError,
    ReferralError,
    ServerError,
    TooManyRequests,
    Unavailable,
    UnexpectedResponse,
    Unreachable,
    ValidationFailed,
)
from schemas.enums import (
    AreaType,
    Category,
    Gender,
    NewcomerStatus,
    OrganizationStatus,
    Province,
    Role,
    TraffickingType,
)
from schemas.folding import normalise_name
from schemas.match import NeedCode, NeedProfile
from schemas.organizations import OrganizationCreate, OrganizationPublic, OrganizationUpdate
from schemas.services import ServicePublic

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_AUTH, EXIT_UNREACHABLE = 1, 2, 3, 4
PROGRAM = "referral-client"

M = TypeVar("M", bound=BaseModel)

app = typer.Typer(
    name=PROGRAM,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Match need profiles and read the registry of referral-service over its HTTP API. "
    "The server and key come from --url and --api-key, else REFERRAL_URL and REFERRAL_API_KEY.",
)
services_app = typer.Typer(no_args_is_help=True, help="Read listings; providers verify theirs.")
availability_app = typer.Typer(no_args_is_help=True, help="Providers: tonight's free beds.")
report_app = typer.Typer(no_args_is_help=True, help="Analysts: aggregate reports.")
organizations_app = typer.Typer(
    no_args_is_help=True, help="Administrators: register, vet, approve and suspend."
)
keys_app = typer.Typer(no_args_is_help=True, help="Administrators: issue, list and revoke keys.")
app.add_typer(services_app, name="services")
app.add_typer(availability_app, name="availability")
app.add_typer(report_app, name="report")
app.add_typer(organizations_app, name="organizations")
app.add_typer(keys_app, name="keys")

Url = Annotated[
    str | None,
    typer.Option("--url", help="Server; default $REFERRAL_URL, else http://127.0.0.1:8000."),
]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", help="API key; default $REFERRAL_API_KEY.")
]
Json = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of tables.")]
ServiceIdArgument = Annotated[
    UUID, typer.Argument(metavar="SERVICE_ID", help="The listing's id.", show_default=False)
]
OrganizationIdArgument = Annotated[
    UUID,
    typer.Argument(metavar="ORGANIZATION_ID", help="The organization's id.", show_default=False),
]
Note = Annotated[
    str | None,
    typer.Option(
        help="What the decision rests on, kept in the organization's history; required to "
        "reinstate a suspended organization."
    ),
]
ExpectedStatus = Annotated[
    OrganizationStatus | None,
    typer.Option(
        help="The status you decided on, as you last read it: if another administrator has "
        "changed it since, nothing changes and the command fails with the 409.",
    ),
]


class CommandFailed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _client(url: str | None, api_key: str | None, *, french: bool = False) -> ReferralClient:
    if not (api_key or os.environ.get(KEY_VARIABLE)):
        raise CommandFailed(EXIT_AUTH, _wording.no_key(KEY_VARIABLE, french=french))
    return ReferralClient(url, api_key, language="fr" if french else None)


def _console() -> Console:
    """The terminal, printing the server's text as it is: a name with `[bold]` or `[/]` in it
    is neither styled nor an error (Rich would read it as markup)."""
    return Console(highlight=False, markup=False)


@contextmanager
def _options_named(options: Mapping[str, str]) -> Iterator[None]:
    """The server's problems in the words of this command: an API parameter a message names
    (`later than month_to`) is named as the option that sets it (`--to`). Per command, as a
    name may be another option, or none, elsewhere."""
    try:
        yield
    except ProblemError as error:
        code, message = _failure(error)
        named = re.compile(r"\b(" + "|".join(map(re.escape, options)) + r")\b")
        renamed = named.sub(lambda found: options[found.group(1)], message)
        raise CommandFailed(code, renamed) from error


_PAGES = {"per_page": "--per-page"}


def _show(answer: M, as_json: bool, render: Callable[[Console, M], None]) -> None:
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
    else:
        render(_console(), answer)


# Two numbers, apart by a comma or by spaces ("49.9, -97.1", "49.9 -97.1"), as the console
# takes them: no place name is two numbers.
_COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_POSTAL = re.compile(r"^\s*[A-Za-z]\d[A-Za-z](\s*-?\s*\d[A-Za-z]\d)?\s*$")


def location_of(near: str) -> dict[str, object]:
    """`--near` as a match location: "43.45,-80.49" or "43.45 -80.49", a postal prefix or
    code, else a place."""
    coordinates = _COORDINATES.match(near)
    if coordinates:
        return {"latitude": float(coordinates[1]), "longitude": float(coordinates[2])}
    if _POSTAL.match(near):
        return {"postal_prefix": near.strip()}
    return {"place": near.strip()}


@app.command()
def match(
    near: Annotated[
        str,
        typer.Option(
            help='Where the person is: a postal prefix (N2L), a place ("Elmira, ON") or '
            '"latitude,longitude" ("43.45,-80.49" or "43.45 -80.49").',
            show_default=False,
        ),
    ],
    need: Annotated[
        list[str],
        typer.Option(
            help="A need (housing, legal, specialized) or a category (legal.immigration); "
            "repeat for several, in order of importance.",
            show_default=False,
        ),
    ],
    gender: Annotated[Gender, typer.Option(help="As the person states it.")] = Gender.undisclosed,
    age: Annotated[int | None, typer.Option(min=0, max=120, help="Whole years.")] = None,
    status: Annotated[
        NewcomerStatus, typer.Option("--status", help="Newcomer status.")
    ] = NewcomerStatus.undisclosed,
    trafficking_type: Annotated[
        TraffickingType, typer.Option("--type", help="Form of trafficking.")
    ] = TraffickingType.undisclosed,
    lang: Annotated[
        list[str] | None, typer.Option(help="A language the person speaks (es); repeatable.")
    ] = None,
    urgent: Annotated[bool, typer.Option("--urgent", help="Needs a bed tonight.")] = False,
    dependents: Annotated[bool, typer.Option("--dependents", help="Children come along.")] = False,
    no_id: Annotated[bool, typer.Option("--no-id", help="Has no identity documents.")] = False,
    no_police: Annotated[
        bool, typer.Option("--no-police-report", help="Will not make a police report.")
    ] = False,
    wheelchair: Annotated[
        bool, typer.Option("--wheelchair", help="Needs wheelchair access.")
    ] = False,
    max_distance: Annotated[
        float, typer.Option("--max-distance", help="Search radius in km before widening.")
    ] = 50,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Matches per need.")] = 5,
    french: Annotated[
        bool,
        typer.Option(
            "--french",
            help="Reasons, caveats, problems and the sentences around the tables in French "
            "(the tables' labels stay English).",
        ),
    ] = False,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """For each need, the eligible services ranked, with why and caveats, and the intake
    contact to call."""
    profile = NeedProfile.model_validate(
        {
            "needs": need,
            "location": location_of(near),
            "gender": gender,
            "age": age,
            "newcomer_status": status,
            "trafficking_type": trafficking_type,
            "languages": lang or [],
            "urgent": urgent,
            "with_dependents": dependents,
            "no_identification": no_id,
            "no_police_report": no_police,
            "wheelchair": wheelchair,
            "max_distance_km": max_distance,
            "limit": limit,
        }
    )
    with _client(url, api_key, french=french) as client:
        try:
            answer = client.match(profile)
        except ValidationFailed as error:
            place = profile.location.place
            candidates = _places_named(client, place) if place and _ambiguous(error) else []
            raise CommandFailed(
                EXIT_BAD_INPUT, _problem_message(error, french=french, candidates=candidates)
            ) from error
    _show(
        answer, as_json, lambda console, shown: _render.print_match(console, shown, french=french)
    )


def _ambiguous(error: ValidationFailed) -> bool:
    """Whether the place was refused as a name several places bear, without a province."""
    return any(_wording.location_kind(item.loc, item.msg) == "ambiguous" for item in error.errors)


def _places_named(client: ReferralClient, name: str) -> list[str]:
    """The places that bear `name`, most populous first, for the operator to pick one by
    its province ("Rockland, BC", "Rockland, NB", "Rockland, ON"); none when they cannot be
    read, and the operator is told to add the province without them. What is looked up is
    what the operator typed; it is sent to /v1/places only, as the console's suggestions
    are, and shown on no other screen than theirs."""
    try:
        found = client.places(name, limit=50)
    except ReferralError:
        return []
    # The search gives names that start with the one typed ("Rockland Lake"): only the
    # places of that very name, compared as the server compares them.
    wanted = normalise_name(name)
    return [place.label for place in found.items if normalise_name(place.name) == wanted]


@app.command()
def whoami(as_json: Json = False, url: Url = None, api_key: ApiKey = None) -> None:
    """The key in use: its role and name, and a provider key's organization."""
    with _client(url, api_key) as client:
        caller = client.whoami()
    _show(caller, as_json, _render.print_caller)


@app.command()
def places(
    query: Annotated[str, typer.Argument(metavar="NAME", help='Start of a name: "elm", "st-j".')],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 10,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Places whose name starts with NAME, most populous first."""
    with _client(url, api_key) as client:
        found = client.places(query, limit=limit)
    _show(found, as_json, _render.print_places)


@services_app.command("list")
def list_services(
    category: Annotated[Category | None, typer.Option(help="Only this category.")] = None,
    province: Annotated[Province | None, typer.Option(help="In or serving this province.")] = None,
    organization: Annotated[UUID | None, typer.Option(help="Only this organization's.")] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Providers: only your organization's listings.")
    ] = False,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale", help="Only listings not verified for long: matches call them stale."
        ),
    ] = False,
    beds_stale: Annotated[
        bool,
        typer.Option(
            "--beds-stale",
            help="Only listings with beds whose free-bed count is old or was never given.",
        ),
    ] = False,
    page: Annotated[int, typer.Option(min=1)] = 1,
    per_page: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """One page of the listings this key may see."""
    if mine and organization is not None:
        raise CommandFailed(EXIT_BAD_INPUT, "--mine and --organization: give one of them")
    options = {**_PAGES, "organization_id": "--organization", "beds_stale": "--beds-stale"}
    with _client(url, api_key) as client, _options_named(options):
        if mine:
            own = client.whoami().organization
            if own is None:
                raise CommandFailed(EXIT_BAD_INPUT, "--mine: this key has no organization")
            organization = own.id
        found = client.list_services(
            category=category,
            province=province,
            organization_id=organization,
            stale=stale or None,
            beds_stale=beds_stale or None,
            page=page,
            per_page=per_page,
        )
    _show(found, as_json, _render.print_services)


@report_app.command("unmet-needs")
def unmet_needs(
    since: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM", help="From this month on.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM", help="Up to this month.")
    ] = None,
    province: Annotated[Province | None, typer.Option(help="Only this province.")] = None,
    area: Annotated[AreaType | None, typer.Option(help="Only this area type.")] = None,
    need: Annotated[
        NeedCode | None,
        typer.Option(help="Only this need; a top-level need takes in its categories."),
    ] = None,
    urgent: Annotated[
        bool | None,
        typer.Option(
            "--urgent/--not-urgent",
            help="Only urgent housing requests (a bed tonight), or only the others.",
        ),
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    per_page: Annotated[int, typer.Option(min=1)] = 50,
    as_csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Every cell the filters select, all pages, as CSV for a spreadsheet "
            "(withheld counts empty).",
        ),
    ] = False,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Where needs went unmet, by month, province, area type and need: counts only, ended
    months only, small counts withheld."""
    filters: ReportFilters = {
        "month_from": since,
        "month_to": until,
        "province": province,
        "area_type": area,
        "need": need.value if need else None,
        "urgent": urgent,
    }
    options = {**_PAGES, "month_from": "--from", "month_to": "--to", "area_type": "--area"}
    with _client(url, api_key) as client, _options_named(options):
        if as_csv:
            _write_csv(client, filters)
            return
        one_page: ReportFilters = {**filters, "page": page, "per_page": per_page}
        found = client.unmet_needs(**one_page)
    _show(found, as_json, _render.print_unmet_needs)


_CSV_COLUMNS = (
    "month",
    "province",
    "area_type",
    "need",
    "urgent",
    "asked",
    "none_near",
    "unmet",
    "no_bed_tonight",
)


def _csv_value(value: object) -> object:
    """Withheld counts empty, flags as the API writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _write_csv(client: ReferralClient, filters: ReportFilters) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    page = 1
    while True:
        this_page: ReportFilters = {**filters, "page": page, "per_page": 200}
        report = client.unmet_needs(**this_page)
        if page == 1:
            # Only once a page is read: a refusal leaves no file of a header alone, which
            # would read as "no cell".
            writer.writerow(_CSV_COLUMNS)
        for cell in report.items:
            row = cell.model_dump(mode="json")
            writer.writerow([_csv_value(row[name]) for name in _CSV_COLUMNS])
        if page * report.per_page >= report.total or not report.items:
            return
        page += 1


def _on_service(
    action: Callable[[ReferralClient, UUID], ServicePublic],
    service_id: UUID,
    *,
    as_json: bool,
    url: str | None,
    api_key: str | None,
) -> None:
    with _client(url, api_key) as client:
        service = action(client, service_id)
    _show(service, as_json, _render.print_service)


@services_app.command("get")
def get_service(
    service_id: ServiceIdArgument, as_json: Json = False, url: Url = None, api_key: ApiKey = None
) -> None:
    """One listing as this key's role may see it."""
    _on_service(ReferralClient.get_service, service_id, as_json=as_json, url=url, api_key=api_key)


@services_app.command("delete")
def delete_service(service_id: ServiceIdArgument, url: Url = None, api_key: ApiKey = None) -> None:
    """Remove a listing (a provider its own; an administrator any, before deleting its
    organization). Its history stays readable; partners' syncs are told to drop it."""
    with _client(url, api_key) as client:
        client.delete_service(service_id)
    typer.echo(f"Listing {service_id} deleted.")


@services_app.command("verify")
def verify_service(
    service_id: ServiceIdArgument, as_json: Json = False, url: Url = None, api_key: ApiKey = None
) -> None:
    """Providers: confirm the listing is accurate today."""
    _on_service(
        ReferralClient.verify_service, service_id, as_json=as_json, url=url, api_key=api_key
    )


@services_app.command("history")
def service_history(
    service_id: ServiceIdArgument,
    since: Annotated[
        str | None,
        typer.Option(
            help="Only the entries from this instant (ISO 8601: 2026-11-01, "
            "2026-11-01T08:00-05:00; UTC when no zone is given).",
        ),
    ] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Providers and administrators: who changed what in the listing, and when, oldest
    first (every page of it: each count of beds is an entry)."""
    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise CommandFailed(
                EXIT_BAD_INPUT, "--since: not an ISO 8601 date or instant"
            ) from None
        if start.utcoffset() is None:
            start = start.replace(tzinfo=UTC)
    with _client(url, api_key) as client:
        history = client.service_history(service_id, since=start)
    _show(history, as_json, _render.print_history)


@availability_app.command("set")
def set_availability(
    service_id: ServiceIdArgument,
    beds: Annotated[int | None, typer.Option(min=0, help="Beds free now.")] = None,
    accepting: Annotated[
        bool | None,
        typer.Option("--accepting/--not-accepting", help="Whether referrals are taken."),
    ] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Providers: set the free beds and/or whether referrals are taken. No ETag needed."""
    if beds is None and accepting is None:
        raise CommandFailed(EXIT_BAD_INPUT, "give --beds, --accepting/--not-accepting or both")
    options = {"beds_available": "--beds", "accepting_referrals": "--accepting"}
    with _client(url, api_key) as client, _options_named(options):
        updated = client.set_availability(
            service_id, beds_available=beds, accepting_referrals=accepting
        )
    _show(updated, as_json, _render.print_service)
    if not updated.accepting_referrals:
        # Said on every count sent: a colleague's "not accepting" left in place keeps the
        # listing out of every match while the nightly script reports success.
        sys.stderr.write(
            f"{PROGRAM}: note: this listing takes no referrals, so no match shows it; "
            "send --accepting when it takes them again\n"
        )


@organizations_app.command("list")
def list_organizations(
    status: Annotated[
        OrganizationStatus | None,
        typer.Option(help="Only this status: pending for those waiting to be vetted."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Only those whose name contains this, ignoring case and accents."),
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    per_page: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """One page of organizations, by name."""
    with _client(url, api_key) as client, _options_named(_PAGES):
        found = client.list_organizations(status=status, name=name, page=page, per_page=per_page)
    _show(found, as_json, _render.print_organizations)


@organizations_app.command("show")
def show_organization(
    organization_id: OrganizationIdArgument,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """The organization and its vetting record: who registered, changed, approved or
    suspended it, when, and why."""
    with _client(url, api_key) as client:
        history = client.organization_history(organization_id)
        try:
            organization = client.get_organization(organization_id)
        except NotFound:
            # Deleted: its history says so, and is all there is to show.
            if as_json:
                items = history.model_dump(mode="json")["items"]
                typer.echo(json.dumps({"organization": None, "history": items}, indent=2))
            else:
                _render.print_history(_console(), history)
            return
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "organization": organization.model_dump(mode="json"),
                    "history": history.model_dump(mode="json")["items"],
                },
                indent=2,
            )
        )
        return
    _render.print_organization(_console(), organization, history)


@organizations_app.command("delete")
def delete_organization(
    organization_id: OrganizationIdArgument,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Remove one registered by mistake or closed for good: only once it has no listings
    (suspend it instead to keep them). Its keys are revoked; its history stays."""
    with _client(url, api_key) as client:
        client.delete_organization(organization_id)
    typer.echo(f"Organization {organization_id} deleted; its keys are revoked.")


@organizations_app.command("update")
def update_organization(
    organization_id: OrganizationIdArgument,
    name: Annotated[str | None, typer.Option(help="A new name.", show_default=False)] = None,
    description: Annotated[
        str | None, typer.Option(help="What it does.", show_default=False)
    ] = None,
    website: Annotated[
        str | None, typer.Option(help='https://… ("" removes it)', show_default=False)
    ] = None,
    email: Annotated[
        str | None, typer.Option(help='Its contact address ("" removes it).', show_default=False)
    ] = None,
    phone: Annotated[
        str | None, typer.Option(help='+1-… ("" removes it).', show_default=False)
    ] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Change what it says of itself (its phone, its website): only the options given, each
    an entry in its history. A change of contact details after vetting is for the
    administrator to check again."""
    given: dict[str, str | None] = {
        field: value
        for field, value in {
            "name": name,
            "description": description,
            "website": website,
            "email": email,
            "phone": phone,
        }.items()
        if value is not None
    }
    if not given:
        raise UsageError("give at least one of --name, --description, --website, --email, --phone")
    for field in ("website", "email", "phone"):
        if given.get(field) == "":
            given[field] = None  # (removed)
    changes = OrganizationUpdate.model_validate(given)
    with _client(url, api_key) as client:
        changed = client.update_organization(organization_id, changes)
    _show(changed, as_json, lambda console, o: _render.print_organization(console, o, None))


@organizations_app.command("add")
def add_organization(
    name: Annotated[str, typer.Option(help="Its name, as people know it.", show_default=False)],
    description: Annotated[str, typer.Option(help="What it does.")] = "",
    website: Annotated[str | None, typer.Option(help="https://…")] = None,
    email: Annotated[str | None, typer.Option(help="Its contact address.")] = None,
    phone: Annotated[str | None, typer.Option(help="+1-…")] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Register an organization: pending until approved."""
    organization = OrganizationCreate(
        name=name, description=description, website=website, email=email, phone=phone
    )
    with _client(url, api_key) as client:
        created = client.create_organization(organization)
    _show(created, as_json, lambda console, o: _render.print_organization(console, o, None))


def _decide(
    decision: Callable[..., OrganizationPublic],
    organization_id: UUID,
    note: str | None,
    expected_status: OrganizationStatus | None,
    *,
    as_json: bool,
    url: str | None,
    api_key: str | None,
) -> None:
    with _client(url, api_key) as client:
        organization = decision(client, organization_id, note=note, expected_status=expected_status)
    _show(organization, as_json, lambda console, o: _render.print_organization(console, o, None))


@organizations_app.command("approve")
def approve_organization(
    organization_id: OrganizationIdArgument,
    note: Note = None,
    expected_status: ExpectedStatus = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """After vetting: its services match (its provider keys work unless it is suspended)."""
    _decide(
        ReferralClient.approve_organization,
        organization_id,
        note,
        expected_status,
        as_json=as_json,
        url=url,
        api_key=api_key,
    )


@organizations_app.command("suspend")
def suspend_organization(
    organization_id: OrganizationIdArgument,
    note: Note = None,
    expected_status: ExpectedStatus = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """At once: its services stop matching and its provider keys are refused (by every
    worker of the service within a couple of seconds)."""
    _decide(
        ReferralClient.suspend_organization,
        organization_id,
        note,
        expected_status,
        as_json=as_json,
        url=url,
        api_key=api_key,
    )


@keys_app.command("issue")
def issue_key(
    role: Annotated[Role, typer.Option(help="What the key may do.", show_default=False)],
    name: Annotated[
        str,
        typer.Option(help='Who or what uses it, such as "nightly bed script".', show_default=False),
    ],
    organization: Annotated[
        UUID | None, typer.Option(help="A provider key's organization.")
    ] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(
            min=0, help="Its own requests per minute (0: none); else the service's limit."
        ),
    ] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """A new key. Its secret is printed this once: hand it over now."""
    options = {"organization_id": "--organization", "rate_limit_per_minute": "--rate-limit"}
    with _client(url, api_key) as client, _options_named(options):
        created = client.issue_key(
            role, name, organization_id=organization, rate_limit_per_minute=rate_limit
        )
    _show(created, as_json, _render.print_key_created)


@keys_app.command("update")
def update_key(
    key_id: Annotated[
        UUID, typer.Argument(metavar="KEY_ID", help="The key's id.", show_default=False)
    ],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(min=0, help="Its own requests per minute (0: none)."),
    ] = None,
    service_limit: Annotated[
        bool,
        typer.Option("--service-limit", help="Back to the service's requests per minute."),
    ] = False,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Rename a key or set its own requests per minute; only what is given changes."""
    if rate_limit is not None and service_limit:
        raise CommandFailed(EXIT_BAD_INPUT, "--rate-limit and --service-limit: give one of them")
    changes: KeyChanges = {}
    if name is not None:
        changes["name"] = name
    if rate_limit is not None or service_limit:
        changes["rate_limit_per_minute"] = rate_limit
    if not changes:
        raise CommandFailed(
            EXIT_BAD_INPUT, "nothing to change: give --name, --rate-limit or --service-limit"
        )
    with _client(url, api_key) as client, _options_named({"rate_limit_per_minute": "--rate-limit"}):
        updated = client.update_key(key_id, **changes)
    _show(updated, as_json, _render.print_key)


@keys_app.command("list")
def list_keys(
    organization: Annotated[UUID | None, typer.Option(help="Only this organization's.")] = None,
    role: Annotated[Role | None, typer.Option(help="Only the keys of this role.")] = None,
    revoked: Annotated[
        bool | None,
        typer.Option(
            "--revoked/--working",
            help="Only the revoked keys, or only those not revoked (a suspended "
            "organization's are refused while it is, and say so).",
            show_default=False,
        ),
    ] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Every key with its role, owner and last use; never a secret."""
    with _client(url, api_key) as client:
        found = client.list_keys(organization_id=organization, role=role, revoked=revoked)
    _show(found, as_json, _render.print_keys)


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[
        UUID, typer.Argument(metavar="KEY_ID", help="The key's id.", show_default=False)
    ],
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Refused from its next request on (by every worker of the service within a couple of
    seconds)."""
    with _client(url, api_key) as client:
        client.revoke_key(key_id)
    typer.echo(f"Key {key_id} revoked.")


# What each field of the API is called on this command line, for error messages.
_OPTIONS = {
    "needs": "--need",
    "location": "--near",
    "gender": "--gender",
    "age": "--age",
    "newcomer_status": "--status",
    "trafficking_type": "--type",
    "languages": "--lang",
    "max_distance_km": "--max-distance",
    "limit": "--limit",
    "q": "Q",
    "per_page": "--per-page",
    "beds_available": "--beds",
    "accepting_referrals": "--accepting",
    "rate_limit_per_minute": "--rate-limit",
    "month_from": "--from",
    "month_to": "--to",
    "area_type": "--area",
    "name": "--name",
    "description": "--description",
    "website": "--website",
    "email": "--email",
    "phone": "--phone",
    "note": "--note",
    "role": "--role",
    "organization_id": "--organization",
    "status": "--status",
}


def _field(loc: Sequence[str | int]) -> str:
    names = [str(part) for part in loc if part not in ("body", "query", "path")]
    if not names:
        return ""
    return _OPTIONS.get(names[0]) or ".".join(names)


def _fields(errors: Sequence[tuple[Sequence[str | int], str]], *, french: bool = False) -> str:
    return _wording.joined(
        [
            _wording.field_and_message(where, message, french=french)
            if (where := _field(loc))
            else message
            for loc, message in errors
        ],
        french=french,
    )


def _server_said(
    loc: Sequence[str | int], message: str, *, french: bool, candidates: Sequence[str]
) -> str:
    """A field error of the server's: a location problem in the words of `--near` (the
    server names fields this command line does not have), any other as the server said it."""
    kind = _wording.location_kind(loc, message)
    if kind is None:
        return message
    return _wording.location_message(kind, french=french, candidates=candidates)


def _problem_message(
    error: ProblemError, *, french: bool = False, candidates: Sequence[str] = ()
) -> str:
    if isinstance(error, ValidationFailed) and error.errors:
        said = [
            (item.loc, _server_said(item.loc, item.msg, french=french, candidates=candidates))
            for item in error.errors
        ]
        return _fields(said, french=french)
    if french and isinstance(error, TooManyRequests) and not _wording.is_french(error.detail):
        return _wording.too_many_requests(error)
    title = error.problem.title
    if error.detail:
        return _wording.field_and_message(title, error.detail, french=french)
    return f"{title} ({error.status})"


def _exit_code(error: ReferralError) -> int:
    if isinstance(error, AuthenticationError | PermissionDenied):
        return EXIT_AUTH
    if isinstance(error, Unreachable | Unavailable | TooManyRequests):
        return EXIT_UNREACHABLE
    if isinstance(error, ServerError | UnexpectedResponse):
        return EXIT_FAILED
    return EXIT_BAD_INPUT


_NOT_ONE_OF = re.compile(r"^'.*' is not one of (.*)$", re.DOTALL)


def _without_value(message: str) -> str:
    """A parsing error's message without the value typed, which may be of the person's
    profile (`--gender`, `--near`) and would stay in a terminal's scrollback or a log:
    "Invalid value for '--gender': must be one of 'woman', ...", or the kind of value wanted
    ("Input should be a valid UUID"), never what was found."""
    name, colon, detail = message.partition(": ")
    if not colon:
        return message
    detail = detail.removeprefix("Value error, ")
    choices = _NOT_ONE_OF.match(detail)
    if choices:
        return f"{name}: must be one of {choices.group(1)}"
    return f"{name}: {detail.split(', ', 1)[0].rstrip('.')}"


def _checked(error: ValidationError, *, french: bool) -> str:
    """A check made before sending, naming the option and never the value."""
    problems = []
    for item in error.errors(include_input=False):
        loc = tuple(item["loc"])
        said = _wording.checked(
            _field(loc), item["type"], item.get("ctx"), item["msg"], french=french
        )
        problems.append((loc, said))
    return _fields(problems, french=french)


def _usage(error: UsageError, *, french: bool) -> str:
    """A command line Typer could not parse. A value refused is said without the value (it
    may be of the person's profile); in French (`--french`), the refusals an operator meets
    most are worded by their kind and a pydantic check's type, and the rest stay English
    rather than be half translated."""
    if not french:
        if isinstance(error, BadParameter):
            return _wording.see_help(_without_value(error.format_message()), french=False)
        return _wording.see_help(error.format_message(), french=False)
    if isinstance(error, NoSuchOption):
        # (the option's name as Typer gives it, control characters escaped)
        name = error.message.partition(": ")[2] or error.option_name
        return _wording.see_help(f"option inconnue : {name}", french=True)
    if not isinstance(error, BadParameter) or error.param is None:
        return _wording.see_help(error.format_message(), french=False)
    hint = error.param.get_error_hint()
    if isinstance(error, MissingParameter):
        option = error.param.param_type_name == "option"
        missing = "option manquante" if option else "argument manquant"
        return _wording.see_help(f"{missing} : {hint}", french=True)
    cause = error.__cause__
    if not isinstance(cause, ValidationError):
        return _wording.see_help(f"valeur invalide pour {hint}", french=True)
    said = _wording.joined(
        [
            _wording.checked(hint, item["type"], item.get("ctx"), item["msg"], french=True)
            for item in cause.errors(include_input=False)
        ],
        french=True,
    )
    return _wording.see_help(f"valeur invalide pour {hint} : {said}", french=True)


def _failure(error: Exception, *, french: bool = False) -> tuple[int, str]:
    """The exit code and the one line to print for anything a command may raise; in French
    with `french` (`match --french`), where French is known."""
    if isinstance(error, CommandFailed):
        return error.code, str(error)
    if isinstance(error, UsageError):
        return EXIT_BAD_INPUT, _usage(error, french=french)
    if isinstance(error, ValidationError):
        return EXIT_BAD_INPUT, _checked(error, french=french)
    if isinstance(error, ProblemError):
        return _exit_code(error), _problem_message(error, french=french)
    if isinstance(error, Unreachable):
        return _exit_code(error), _wording.unreachable(error, french=french)
    if isinstance(error, ReferralError):
        return _exit_code(error), str(error)
    return EXIT_FAILED, f"unexpected {type(error).__name__}"


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line on `argv` (default: the process's) and return the exit code."""
    command = typer.main.get_command(app)
    arguments = list(argv) if argv is not None else sys.argv[1:]
    # Read here, not from the parsed option: a value refused while parsing fails before
    # `match` has its options, and is said in French too.
    french = "--french" in arguments
    try:
        result = command.main(
            args=arguments,
            prog_name=PROGRAM,
            standalone_mode=False,
        )
    except NoArgsIsHelpError as error:
        # The help, which Typer may already have printed itself.
        sys.stderr.write(error.format_message().strip())
        return EXIT_BAD_INPUT
    except typer.Abort:
        return EXIT_FAILED
    except Exception as error:
        code, message = _failure(error, french=french)
        sys.stderr.write(f"{PROGRAM}: {message}\n")
        return code
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
