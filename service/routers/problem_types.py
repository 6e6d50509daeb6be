"""`/problems`: what each problem `type` means and what a client does about it, for the
developer who meets one (RFC 9457 asks that a type be documented for people to read). A
plain page from `schemas.problem.PROBLEM_TYPES`, the list the OpenAPI document names too."""

from html import escape

from fastapi import APIRouter, Response

from schemas.problem import BLANK_STATUSES, PROBLEM_TYPE_BASE, PROBLEM_TYPES, ProblemType
from service.errors import NotFound

router = APIRouter(tags=["docs"], include_in_schema=False)

_BY_CODE = {kind.code: kind for kind in PROBLEM_TYPES}
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _text(value: str) -> str:
    """Escaped, with `code` spans."""
    parts = escape(value).split("`")
    return "".join(f"<code>{part}</code>" if n % 2 else part for n, part in enumerate(parts))


def _section(kind: ProblemType) -> str:
    statuses = ", ".join(str(status) for status in kind.statuses)
    return (
        f'<section id="{kind.code}"><h2><a href="/problems/{kind.code}">{kind.code}</a> '
        f"({statuses} {escape(kind.title)})</h2>"
        f"<p><code>{escape(kind.uri)}</code></p>"
        f"<p><strong>When:</strong> {_text(kind.when)}</p>"
        f"<p><strong>Then:</strong> {_text(kind.then)}</p></section>"
    )


def _page(title: str, body: str) -> Response:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>{body}</body></html>"
    )
    return Response(page, media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/problems")
def problem_types() -> Response:
    blank = "".join(
        f"<li>{status}: {_text(meaning)}</li>" for status, meaning in BLANK_STATUSES.items()
    )
    return _page(
        "referral-service: problem types",
        "<h1>Problem types</h1>"
        "<p>Every error is an RFC 9457 problem (<code>application/problem+json</code>). Its "
        f"<code>type</code> is <code>{escape(PROBLEM_TYPE_BASE)}</code> and one of the codes "
        "below: a name to compare as it is, the same wherever the service runs.</p>"
        + "".join(_section(kind) for kind in PROBLEM_TYPES)
        + "<h2>about:blank</h2><p>The status means what HTTP says it means:</p>"
        f"<ul>{blank}</ul>",
    )


@router.get("/problems/{code}")
def problem_type(code: str) -> Response:
    kind = _BY_CODE.get(code)
    if kind is None:
        raise NotFound("No such problem type; /problems lists them.")
    return _page(
        f"referral-service: {kind.code}",
        _section(kind) + '<p><a href="/problems">Every problem type</a></p>',
    )
