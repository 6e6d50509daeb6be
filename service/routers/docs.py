"""`/docs`: Swagger UI on the app's OpenAPI document, served from this app.

FastAPI's own page loads Swagger UI from a CDN: offline it is blank, and the key a reader
types into "Authorize" would be handed to scripts from elsewhere. The same Swagger UI, from
the swagger-ui-bundle-v2 package, is served here instead, under a policy that lets the page
load and call nothing but this app."""

from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from swagger_ui_bundle import swagger_ui_path

from service.errors import NotFound

router = APIRouter(tags=["docs"], include_in_schema=False)

_OURS = Path(__file__).resolve().parent.parent / "docs"
_SWAGGER_UI = Path(swagger_ui_path)
_FILES = {
    "docs.js": (_OURS, "text/javascript; charset=utf-8"),
    "swagger-ui-bundle.js": (_SWAGGER_UI, "text/javascript; charset=utf-8"),
    "swagger-ui.css": (_SWAGGER_UI, "text/css; charset=utf-8"),
    "favicon-32x32.png": (_SWAGGER_UI, "image/png"),
}
# Swagger UI sets style attributes and draws icons as data: URIs; its scripts, like ours,
# come from this origin only, and it may call this origin only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@router.get("/docs/")
def docs_with_slash() -> Response:
    """A browser's `/docs/` goes to the page (the API's paths do not redirect, see main)."""
    return RedirectResponse("/docs", status_code=308)


@router.get("/docs")
def docs_page() -> Response:
    page = (_OURS / "index.html").read_bytes()
    return Response(page, media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/docs/{name}")
def docs_asset(name: str) -> Response:
    if name not in _FILES:
        raise NotFound("No such file in the documentation.")
    folder, media_type = _FILES[name]
    return Response((folder / name).read_bytes(), media_type=media_type, headers=_HEADERS)
