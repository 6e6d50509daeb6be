"""The application factory: wiring only, no logic."""

import hmac
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import SecretStr

from service.config import Settings, get_settings
from service.db import create_db_engine
from service.errors import Forbidden, Unauthorized, install_problem_handlers
from service.gazetteer import default_gazetteer
from service.http_head import HeadAsGet
from service.observability import Metrics, RequestMiddleware, configure_logging
from service.ratelimit import rate_limiter
from service.routers import (
    console,
    docs,
    health,
    hsds,
    keys,
    match,
    organizations,
    places,
    problem_types,
    reports,
    services,
    taxonomy,
)
from service.routers._responses import problems_only
from service.startup import prepare_database, prepared_by_supervisor
from service.usecases.availability_writer import AvailabilityWriter
from service.usecases.keys import RecentCallers
from service.usecases.match_index import MatchIndex
from service.usecases.reports import NeedTally, TallyWriter

DESCRIPTION = """
Matches anonymized need profiles of trafficked persons to housing, legal and specialized
services in Canada, from a registry that providers keep current themselves.

Every `/v1` endpoint needs `Authorization: Bearer <key>`. Errors are RFC 9457
`application/problem+json`; a 422 lists each invalid field and never echoes the value sent.
A `/v1` endpoint refuses a query parameter it does not take (422), rather than ignore a
misspelt filter, and a body field of another JSON type than its schema's (`"age": "24"`).
"""


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}".replace("_", "-")


NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


# What a proxy adds to say whom it forwards: a scrape with any of them came from elsewhere.
_FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")


def _from_this_host(request: Request) -> bool:
    """Whether the request came from this host itself, not through a proxy: a loopback peer
    (127.0.0.0/8, ::1, or 127.0.0.1 as a dual-stack socket gives it, ::ffff:127.0.0.1)
    that sent no proxy's headers."""
    if request.client is None or any(name in request.headers for name in _FORWARDED):
        return False
    try:
        peer = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        return peer.ipv4_mapped.is_loopback
    return peer.is_loopback


def _check_scraper(request: Request, token: SecretStr | None) -> None:
    """`/metrics` to a scraper with the token, or, without one set, to this host alone: its
    counters, read every few seconds, would tell anyone that a match was just made."""
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise Unauthorized(
                "Send the metrics token (REFERRAL_METRICS_TOKEN) as a bearer token.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    elif not _from_this_host(request):
        raise Forbidden(
            "Metrics are answered to this host only; set REFERRAL_METRICS_TOKEN to scrape "
            "them from elsewhere."
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(settings.database_url, pool_size=settings.db_pool_size)
        if not prepared_by_supervisor(settings.database_url):
            prepare_database(engine, settings)
        app.state.engine = engine
        app.state.gazetteer = default_gazetteer()
        app.state.match_limiter = anyio.CapacityLimiter(settings.match_concurrency)
        app.state.probe_limiter = anyio.CapacityLimiter(2)  # (`routers.health`)
        app.state.rate_limiter = rate_limiter(
            settings.rate_limit_per_minute,
            settings.redis_url,
            on_unavailable=metrics.rate_limit_unavailable.inc,
        )
        app.state.recent_callers = RecentCallers(settings.key_cache_seconds)
        availability = app.state.availability_writer = AvailabilityWriter(engine)
        tally = app.state.need_tally = NeedTally()
        writer = TallyWriter(
            tally,
            engine,
            seconds=settings.report_flush_seconds,
            on_failure=metrics.need_count_flush_failures.inc,
            on_dropped=metrics.need_count_cells_dropped.inc,
        )
        index = app.state.match_index = None
        if settings.match_search == "memory":
            index = app.state.match_index = MatchIndex(
                background=True, on_read=metrics.after_request
            )
            metrics.watch_match_index(lambda: index.size, lambda: index.whole_reads)
            index.warm(engine)
        try:
            yield
        finally:
            if index is not None:
                index.close(timeout=60)
            writer.close()
            availability.close()
            engine.dispose()
            metrics.worker_stopped()

    app = FastAPI(
        title="referral-service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # Served by routers.docs from this app's own files; ReDoc would load from a CDN.
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry stays off whatever the environment says
        # (FASTAPI_OTEL_AUTO_CONFIGURE, a global provider): nothing of a request is sent
        # anywhere. Operations read /metrics and the access log, which hold no profile.
        telemetry=NO_TELEMETRY,
        # `/v1/services/` is a 404 problem that names the path without the slash, rather than
        # Starlette's bodiless 307 to an address built from the Host header, which a client
        # that does not follow redirects reads as nothing.
        redirect_slashes=False,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    # Each router carries its full `/v1/...` prefix, so the route template that logs and
    # metrics see is the public path. The busiest first: a request is matched against every
    # route before its own, twice (4% of an availability update's instructions when the
    # listings' routes came fourth; issue #6), and the paths of two routers never overlap,
    # so the order decides nothing else but that of the operations in /openapi.json.
    for router in (
        match.router,
        services.router,
        services.removed_router,
        organizations.router,
        keys.router,
        keys.me_router,
        places.router,
        reports.router,
        taxonomy.router,
        hsds.router,
        hsds.import_router,
        health.router,
        console.router,
        docs.router,
        problem_types.router,
    ):
        app.include_router(router)

    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems_only(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint(request: Request) -> Response:
        _check_scraper(request, settings.metrics_token)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(HeadAsGet)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Accept-Language"],
            expose_headers=[
                "ETag",
                "Location",
                "X-Request-ID",
                "Retry-After",
                "RateLimit",
                "RateLimit-Policy",
            ],
        )
    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    return app
