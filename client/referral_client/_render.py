"""Rich tables for an operator's terminal. What they show is the server's answer only."""

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas.common import FieldChange
from schemas.enums import OrganizationStatus, Reach
from schemas.keys import CallerPublic, KeyCreated, KeyList, KeyPublic
from schemas.match import Availability, MatchResponse, NeedResult, PlaceList, ServiceMatch
from schemas.organizations import OrganizationHistory, OrganizationPage, OrganizationPublic
from schemas.reports import NeedCountPage
from schemas.services import (
    Capacity,
    Intake,
    IntakeRedacted,
    ServiceChangePublic,
    ServiceHistory,
    ServicePage,
    ServicePublic,
)
from schemas.taxonomy import label

_UUID_WIDTH = 36  # 32 hex digits and 4 hyphens


def _beds(beds_available: int | None, beds_total: int | None, accepting: bool) -> str:
    count = (
        None
        if beds_available is None
        else f"{beds_available} free" + (f" / {beds_total}" if beds_total is not None else "")
    )
    if not accepting:
        # (the count too: a provider who just sent it saw it hidden, as if not taken)
        return "not accepting" + (f" ({count})" if count else "")
    return count or "-"


def _age(moment: datetime | None, *, now: datetime) -> str:
    """Whole minutes, hours or days gone by, rounded down as the server rounds the age it
    writes in a reason: beside its "updated 2 days ago" (71 hours), "3 d ago" read as if the
    count were a day older than it is."""
    if moment is None:
        return "never"
    minutes = max(0, math.floor((now - moment).total_seconds() / 60))
    hours = minutes // 60
    if hours < 1:
        return f"{minutes} min ago"
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} d ago"


def _contact(intake: Intake | IntakeRedacted) -> str:
    if isinstance(intake, IntakeRedacted):
        return intake.message
    call = " · ".join(part for part in (intake.phone, intake.hours) if part)
    lines = [line for line in (call, intake.email) if line]
    return "\n".join(lines) or "no intake contact listed"


def _service_cell(match: ServiceMatch) -> Text:
    cell = Text(match.name, style="bold")
    cell.append(f"\n{match.organization.name}", style="dim")
    cell.append(f"\n{_contact(match.intake)}")
    return cell


def _freshness(availability: Availability, last_verified_at: datetime | None, now: datetime) -> str:
    beds = _beds(
        availability.beds_available, availability.beds_total, availability.accepting_referrals
    )
    if availability.beds_available is not None:
        beds += f"\nbeds {_age(availability.updated_at, now=now)}"
    return f"{beds}\nverified {_age(last_verified_at, now=now)}"


def _reach(match: ServiceMatch) -> str:
    """Where the person goes, or how the service comes to them: a phone line's office 300 km
    away is no distance to travel."""
    if match.reach is Reach.phone_or_online:
        return "phone/online"
    if match.reach is Reach.outreach:
        return "comes to you"
    if match.distance_km is None:
        return "in its area"
    return f"{match.distance_km:g} km"


# The sentences around the tables, in English and French (`--french`); the tables' labels
# stay English.
_SAID: dict[str, tuple[str, str]] = {
    "near": ("Near {place} ({area})", "Près {of}{place} ({area})"),
    "within": ("{need}: within {km} km", "{need} : dans un rayon de {km} km"),
    "widened": (
        "{need}: too few nearby, radius widened to {km} km",
        "{need} : pas assez à proximité, rayon élargi à {km} km",
    ),
    "nothing": (
        "{need}: nothing eligible within {km} km",
        "{need} : rien d'admissible dans un rayon de {km} km",
    ),
    "farther": ("The nearest farther away:", "Les plus proches, plus loin :"),
    "beyond": (
        "{need}: beyond {km} km, nearest first",
        "{need} : au-delà de {km} km, les plus proches d'abord",
    ),
    "unmet": (
        "Unmet needs, nothing eligible within 500 km: {needs}",
        "Besoins non comblés, rien d'admissible à moins de 500 km : {needs}",
    ),
}


def _say(key: str, french: bool, **values: str) -> str:
    english, in_french = _SAID[key]
    return (in_french if french else english).format(**values)


def _km(value: float, french: bool) -> str:
    """A radius as the server gives it, `200` or `12.5`; in French with a decimal comma."""
    text = f"{value:g}"
    return text.replace(".", ",") if french else text


def _need_name(need: str, french: bool) -> str:
    return f"{label(need, 'fr' if french else 'en')} ({need})"


def _need_heading(result: NeedResult, *, french: bool = False) -> str:
    key = "widened" if result.expanded else "within"
    return _say(key, french, need=_need_name(result.need, french), km=_km(result.radius_km, french))


def _beyond_heading(result: NeedResult, *, french: bool = False) -> str:
    return _say(
        "beyond", french, need=_need_name(result.need, french), km=_km(result.radius_km, french)
    )


def _near(answer: MatchResponse, french: bool) -> str:
    where = answer.location
    if not french:
        return _say("near", french, place=where.label, area=where.area_type.value, of="")
    # "Près d'Elmira", "Près de Kitchener": "de" elides before a vowel.
    of = "d'" if where.label[:1].lower() in "aeiouyàâéèêîïôûœ" else "de "
    area = label(where.area_type.value, "fr").lower()
    return _say("near", french, place=where.label, area=area, of=of)


def _longest_contact(result: NeedResult) -> int:
    """The length of the longest phone number or e-mail address among the matches."""
    said = [
        text
        for match in result.matches
        if isinstance(match.intake, Intake)
        for text in (match.intake.phone, match.intake.email)
        if text
    ]
    return max(map(len, said), default=0)


# The share of the terminal the service column may take to hold the longest phone number or
# e-mail address on one line; past it the address folds, and the other columns keep room.
_CONTACT_SHARE = 0.4


def need_table(
    result: NeedResult,
    *,
    now: datetime,
    heading: str | None = None,
    width: int | None = None,
    french: bool = False,
) -> Table:
    """The matches of one need as a table; `width` is the terminal's, when known."""
    table = Table(
        title=heading or _need_heading(result, french=french),
        title_justify="left",
        show_lines=True,
        expand=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    # A phone number or an e-mail address is never cut: one too long for the column folds
    # onto the next line ("intake@maison-d-hebergement-pour-femmes-du-grand-pin.exam…"
    # left the operator nothing to write to), and where the terminal has room the column is
    # made wide enough to hold the longest on one line.
    longest = _longest_contact(result)
    roomy = width is not None and longest <= width * _CONTACT_SHARE
    table.add_column(
        "service and contact", ratio=3, overflow="fold", width=longest if roomy else None
    )
    table.add_column("distance", justify="right", no_wrap=True)
    table.add_column("beds", no_wrap=True)
    table.add_column("why", ratio=3)
    table.add_column("caveats", ratio=2)
    for rank, match in enumerate(result.matches, start=1):
        table.add_row(
            str(rank),
            _service_cell(match),
            _reach(match),
            _freshness(match.availability, match.last_verified_at, now),
            "\n".join(match.reasons),
            Text("\n".join(match.caveats), style="yellow"),
        )
    return table


# Below this many columns the six columns of `need_table` squeeze a phone number until it
# is cut; each match is then a block of labelled lines instead.
WIDE_ENOUGH_FOR_TABLES = 110


def need_blocks(
    result: NeedResult,
    *,
    now: datetime,
    heading: str | None = None,
    width: int | None = None,
    french: bool = False,
) -> Table:
    """The same as `need_table`, one match under another, for a narrow terminal: nothing
    is cut, long words fold onto the next line (`width` is not needed to see to that)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("", Text(heading or _need_heading(result, french=french), style="bold"))
    for rank, match in enumerate(result.matches, start=1):
        availability = match.availability
        fresh = f"verified {_age(match.last_verified_at, now=now)}"
        if availability.beds_available is not None:
            fresh = f"beds {_age(availability.updated_at, now=now)}; {fresh}"
        rows = [
            (f"{rank}.", Text(match.name, style="bold")),
            ("", Text(match.organization.name, style="dim")),
            ("call", Text(_contact(match.intake))),
            ("where", Text(_reach(match))),
        ]
        if availability.beds_total is not None or not availability.accepting_referrals:
            beds = _beds(
                availability.beds_available,
                availability.beds_total,
                availability.accepting_referrals,
            )
            rows.append(("beds", Text(beds)))
        rows += [("updated", Text(fresh)), ("why", Text("; ".join(match.reasons)))]
        if match.caveats:
            rows.append(("but", Text("; ".join(match.caveats), style="yellow")))
        for name, value in rows:
            table.add_row(name, value)
        table.add_row("", "")
    return table


def print_match(console: Console, answer: MatchResponse, *, french: bool = False) -> None:
    """The answer, need by need; with `french`, the sentences around the tables in French,
    as the server's reasons and caveats are."""
    now = datetime.now(UTC)
    show = need_blocks if console.width < WIDE_ENOUGH_FOR_TABLES else need_table
    console.print(_near(answer, french), style="bold")
    for result in answer.results:
        if result.matches:
            console.print(show(result, now=now, width=console.width, french=french))
        else:
            need, km = _need_name(result.need, french), _km(result.radius_km, french)
            console.print(_say("nothing", french, need=need, km=km), style="red")
        if result.beyond:
            # (also after matches: for a bed tonight, when none of them takes people tonight)
            # The nearest help farther than 500 km: something for the caller to try,
            # headed as what it is, not as a radius widened to 500 km that holds none.
            console.print(_say("farther", french), style="bold")
            nearest = result.model_copy(update={"matches": result.beyond})
            heading = _beyond_heading(result, french=french)
            console.print(
                show(nearest, now=now, heading=heading, width=console.width, french=french)
            )
    if answer.unmet_needs:
        needs = ", ".join(_need_name(need, french) for need in answer.unmet_needs)
        console.print(Text(_say("unmet", french, needs=needs), style="red"))


def print_caller(console: Console, caller: CallerPublic) -> None:
    key = caller.key
    now = datetime.now(UTC)
    console.print(f"{key.role.value} key {key.name!r} ({key.prefix}…)", style="bold")
    console.print(
        f"created {_age(key.created_at, now=now)}, last used {_age(key.last_used_at, now=now)}"
    )
    if caller.organization is not None:
        organization = caller.organization
        console.print(
            f"for {organization.name} ({organization.status.value}), id {organization.id}"
        )


def print_places(console: Console, places: PlaceList) -> None:
    table = Table("place", "area", "population", title="Places", title_justify="left")
    for place in places.items:
        table.add_row(place.label, place.area_type.value, f"{place.population:,}")
    console.print(table if places.items else Text("No place starts with that."))


def _capacity(capacity: Capacity, accepting: bool) -> str:
    return _beds(capacity.beds_available, capacity.beds_total, accepting)


def print_services(console: Console, page: ServicePage) -> None:
    table = Table(title=f"Services {_page_range(page)} of {page.total}", title_justify="left")
    # A provider copies the id into `availability set`: it is never cut, whatever the width;
    # the rest wraps, and folds a long category rather than cut it.
    table.add_column("id", no_wrap=True, min_width=_UUID_WIDTH)
    table.add_column("service", overflow="fold")
    table.add_column("beds", no_wrap=True)
    for service in page.items:
        table.add_row(
            str(service.id),
            Text(service.name, style="bold")
            + Text("".join(f"\n{category.value}" for category in service.categories))
            + Text(f"\n{service.organization.name}", style="dim")
            + _unlisted(service.organization.status),
            _capacity(service.capacity, service.accepting_referrals),
        )
    if page.items:
        console.print(table)
    elif page.total:
        console.print(Text(f"No services on page {page.page}: {page.total} in all."))
    else:
        console.print(Text("No services."))


def _count(value: int | None) -> str:
    return "withheld" if value is None else f"{value:,}"


def _share(part: int | None, whole: int) -> str:
    return "" if part is None or whole == 0 else f" ({part / whole:.0%})"


def print_unmet_needs(console: Console, report: NeedCountPage) -> None:
    title = f"Unmet needs through {report.through}: {_page_range(report)} of {report.total}"
    urgent = any(cell.urgent for cell in report.items)
    table = Table(title=title, title_justify="left")
    table.add_column("month", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("need", overflow="fold", min_width=16)
    table.add_column("asked", justify="right", no_wrap=True)
    table.add_column("none\nnear", justify="right", no_wrap=True)
    table.add_column("unmet", justify="right", no_wrap=True)
    if urgent:  # the column only where a cell of the page counts beds
        table.add_column("no bed\ntonight", justify="right", no_wrap=True)
    for cell in report.items:
        row = [
            cell.month,
            f"{cell.province.value} {cell.area_type.value}",
            f"{label(cell.need)} ({cell.need})" + (", urgent" if cell.urgent else ""),
            _count(cell.asked),
            _count(cell.none_near) + _share(cell.none_near, cell.asked),
            _count(cell.unmet) + _share(cell.unmet, cell.asked),
        ]
        if urgent:
            row.append(
                _count(cell.no_bed_tonight) + _share(cell.no_bed_tonight, cell.asked)
                if cell.urgent
                else "-"
            )
        table.add_row(*row)
    console.print(table if report.items else Text(f"No month through {report.through} to show."))
    console.print(
        Text(
            "Counts of match requests, not of people"
            + ("; urgent: a bed asked for tonight, counted apart" if urgent else "")
            + f". A cell asked for fewer than {report.smallest_shown} times is not listed; a "
            "count is withheld when it, or its difference from another count of its cell, is "
            f"1 to {report.smallest_shown - 1}.",
            style="dim",
        )
    )


def _page_range(page: ServicePage | NeedCountPage | OrganizationPage) -> str:
    if not page.items:
        return "none"
    first = (page.page - 1) * page.per_page + 1
    return f"{first}-{first + len(page.items) - 1}"


def _lines(values: Iterable[str]) -> str:
    return ", ".join(values) or "-"


def _facts(title: str, rows: Sequence[tuple[str, str | Text]]) -> Table:
    """A record as named lines, under its title."""
    table = Table(show_header=False, title=title, title_justify="left")
    for name, value in rows:
        table.add_row(Text(name, style="dim"), value)
    return table


def print_service(console: Console, service: ServicePublic) -> None:
    now = datetime.now(UTC)
    places = [
        f"{location.municipality}, {location.province.value}" for location in service.locations
    ]
    rows: list[tuple[str, str | Text]] = [
        ("id", str(service.id)),
        ("organization", _organization_line(service)),
        ("categories", _lines(category.value for category in service.categories)),
        ("languages", _lines(service.languages)),
        ("delivery", _lines(mode.value for mode in service.delivery)),
        ("locations", _lines(places)),
        ("contact", _contact(service.intake)),
        ("beds", _capacity(service.capacity, service.accepting_referrals)),
        ("beds updated", _age(service.availability_updated_at, now=now)),
        ("verified", _age(service.last_verified_at, now=now)),
        ("version", str(service.version)),
    ]
    console.print(_facts(service.name, rows))


# Administrators


def print_organizations(console: Console, page: OrganizationPage) -> None:
    table = Table(title=f"Organizations {_page_range(page)} of {page.total}", title_justify="left")
    # The id is what `organizations approve` takes: never cut.
    table.add_column("id", no_wrap=True, min_width=_UUID_WIDTH)
    table.add_column("organization", overflow="fold")
    table.add_column("status", no_wrap=True)
    for organization in page.items:
        contact = " · ".join(
            part for part in (organization.email, organization.phone) if part is not None
        )
        table.add_row(
            str(organization.id),
            Text(organization.name, style="bold") + Text(f"\n{contact}" if contact else ""),
            organization.status.value,
        )
    console.print(table if page.items else Text("No organization to show."))


def _value(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _change(change: FieldChange) -> str:
    return f"{change.field}: {_value(change.old)} -> {_value(change.new)}"


def print_organization(
    console: Console, organization: OrganizationPublic, history: OrganizationHistory | None
) -> None:
    now = datetime.now(UTC)
    rows = [
        ("id", str(organization.id)),
        ("status", organization.status.value),
        ("website", organization.website or "-"),
        ("email", organization.email or "-"),
        ("phone", organization.phone or "-"),
        ("registered", _age(organization.created_at, now=now)),
        ("changed", _age(organization.updated_at, now=now)),
    ]
    if organization.description:
        rows.append(("about", organization.description))
    console.print(_facts(organization.name, rows))
    if history is not None:
        print_history(console, history)


def print_history(console: Console, history: OrganizationHistory | ServiceHistory) -> None:
    """An organization's or a listing's history, oldest first (all there is of one
    deleted)."""
    if not history.items:
        console.print(Text("No history: written before histories were kept.", style="dim"))
        return
    record = Table(title="History, oldest first", title_justify="left")
    record.add_column("when", no_wrap=True)
    record.add_column("what", no_wrap=True)
    record.add_column("who", overflow="fold")
    record.add_column("changes and note", overflow="fold")
    for entry in history.items:
        details = [_change(change) for change in entry.changes]
        what = entry.action.value
        if isinstance(entry, ServiceChangePublic):
            what = f"{what} (v{entry.version})"
        elif entry.note:
            details.append(f"note: {entry.note}")
        record.add_row(
            entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            what,
            # (the key's id tells apart two keys given one name)
            f"{entry.actor_name} ({entry.actor_role.value}"
            + (f", key {str(entry.actor_key_id)[:8]})" if entry.actor_key_id else ")"),
            "\n".join(details) or "-",
        )
    console.print(record)


def _organization_line(service: ServicePublic) -> Text:
    return Text(service.organization.name) + _unlisted(service.organization.status)


def _unlisted(status: OrganizationStatus) -> Text:
    """Said of a listing its readers other than an administrator or its owner never see."""
    if status is OrganizationStatus.approved:
        return Text("")
    return Text(f"\n{status.value}: not matched nor shown to partners", style="yellow")


def print_key_created(console: Console, key: KeyCreated) -> None:
    # The secret first: it can never be read again, whatever happens to the rest.
    console.print("The key, shown this once (store it now; it cannot be read again):")
    console.print(key.key, style="bold", soft_wrap=True)
    owner = f" for organization {key.organization_id}" if key.organization_id else ""
    console.print(f"{key.role.value} key {key.name!r}{owner}, id {key.id}", style="bold")
    if key.organization_status is OrganizationStatus.suspended:
        console.print(
            "Its organization is suspended: the key is refused until it is approved again.",
            style="yellow",
        )


def print_key(console: Console, key: KeyPublic) -> None:
    print_keys(console, KeyList(items=[key]), title="Key")
    if key.rate_limit_per_minute is None:
        console.print("Requests a minute: the service's limit.")


def print_keys(console: Console, keys: KeyList, *, title: str | None = None) -> None:
    now = datetime.now(UTC)
    table = Table(title=title or f"Keys: {len(keys.items)}", title_justify="left")
    table.add_column("id", no_wrap=True, min_width=_UUID_WIDTH)
    table.add_column("key", overflow="fold")
    table.add_column("used", no_wrap=True)
    for key in keys.items:
        about = Text(f"{key.role.value} {key.name!r}", style="bold")
        about.append(f"\n{key.prefix}…" if key.prefix else "")
        if key.organization_id:
            about.append(f"\norganization {key.organization_id}", style="dim")
        if key.rate_limit_per_minute is not None:
            limit = key.rate_limit_per_minute
            about.append(f"\n{limit} requests a minute" if limit else "\nno request limit")
        if key.issued_by:
            about.append(f"\nissued by {key.issued_by}", style="dim")
        if key.revoked_at is not None:
            by = f" by {key.revoked_by}" if key.revoked_by else ""
            about.append(f"\nrevoked {_age(key.revoked_at, now=now)}{by}", style="red")
        elif key.organization_status is OrganizationStatus.suspended:
            about.append("\nrefused: its organization is suspended", style="yellow")
        table.add_row(str(key.id), about, _age(key.last_used_at, now=now))
    console.print(table if keys.items else Text("No key to show."))
