"""The hotline operator's web console, which also shows providers their listings, analysts
the unmet-need report, and administrators the vetting of organizations and keys: one static
page that calls the public API from the browser with the user's key. No build step, nothing
loaded from anywhere but this app, and nothing about the caller kept: the page stores only
the key, in sessionStorage (a new key's secret is shown, never stored)."""

from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from service.errors import NotFound

router = APIRouter(tags=["console"], include_in_schema=False)

_FILES = Path(__file__).resolve().parent.parent / "console"
_MEDIA_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
# Scripts and styles from this origin only, no inline code, requests to this origin only:
# the page can neither load nor send anything elsewhere, even if a listing held markup.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _serve(name: str) -> Response:
    return Response((_FILES / name).read_bytes(), media_type=_MEDIA_TYPES[name], headers=_HEADERS)


@router.get("/console/")
def console_with_slash() -> Response:
    """A browser's `/console/` goes to the page (the API's paths do not redirect, see main)."""
    return RedirectResponse("/console", status_code=308)


@router.get("/console")
def console_page() -> Response:
    return _serve("index.html")


@router.get("/console/{name}")
def console_asset(name: str) -> Response:
    if name not in _MEDIA_TYPES or name == "index.html":
        raise NotFound("No such file in the console.")
    return _serve(name)
