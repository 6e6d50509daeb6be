"""One JSON log line and Prometheus metrics per request, labelled by route template only.

Nothing from the request's body, query string or headers is logged, except a request id the
caller may send as `X-Request-ID` (kept only when it is a UUID or a hexadecimal trace id).
"""

import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import NO_KEY, Unauthorized, problem_response
from service.ratelimit import Quota

# A caller's `X-Request-ID` is kept (answered, logged) when it is an opaque id: a UUID, or 16
# to 64 hexadecimal digits (a trace id), with at least one letter. Words are not: a partner's
# app that put a case's details there ("woman.age67.N2L3G1") would have had them in the log
# (a review); nor are digits and dashes alone, which a telephone number or a date of birth
# also are ("613-555-0100", "1999-04-12", another review).
_HEX = "[0-9A-Fa-f]"
_REQUEST_ID = re.compile(
    rf"^(?=[0-9-]*[A-Fa-f])(?:{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}|{_HEX}{{16,64}})$"
)
access_logger = logging.getLogger("referral.access")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the `extra` fields."""

    # (and uvicorn's `color_message`, its message again with terminal colours)
    _STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {
        "message",
        "asctime",
        "color_message",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD:
                entry[key] = value
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("referral")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own lines ("Started server process", "Child process died") as JSON too, as
    `configure_logging` writes the service's: logs are one JSON object per line. Its access
    log stays off (`RequestMiddleware` writes one without query values)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """The service's Prometheus collectors, in a registry of their own per app.

    With several workers (`referral serve` sets `PROMETHEUS_MULTIPROC_DIR` for them),
    prometheus-client keeps every worker's values in files of that directory and `/metrics`,
    whichever worker answers, sums the requests of all of them and lists each live worker's
    match index (`pid` label)."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIRECTORY))
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "referral_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "referral_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        # What fails without failing a request, for an alert to notice.
        self.rate_limit_unavailable = Counter(
            "referral_rate_limit_unavailable",
            "Requests let through unlimited because the shared rate-limit store (Redis) did "
            "not answer.",
            registry=self.registry,
        )
        self.need_count_flush_failures = Counter(
            "referral_need_count_flush_failures",
            "Times a worker could not write its unmet-need counts to the database (they are "
            "kept for the next try, and lost if the worker stops first).",
            registry=self.registry,
        )
        self.need_count_cells_dropped = Counter(
            "referral_need_count_cells_dropped",
            "Unmet-need cells dropped because their month had been reported before they "
            "could be written.",
            registry=self.registry,
        )
        self._index_gauges: tuple[Gauge, Gauge] | None = None
        self._index_readings: tuple[Callable[[], float], Callable[[], float]] | None = None

    def watch_match_index(
        self, size: Callable[[], float], whole_reads: Callable[[], float]
    ) -> None:
        """Gauges of the worker's match index (the latest index watched, if the app is started
        again): read when scraped, or with several workers written after each request."""
        if self._index_gauges is None:
            self._index_gauges = (
                Gauge(
                    "referral_match_index_services",
                    "Matchable services held in this worker's match index (0 until read).",
                    registry=self.registry,
                    multiprocess_mode="liveall",
                ),
                Gauge(
                    "referral_match_index_whole_reads",
                    "Times this worker read the whole registry into its match index since it "
                    "started (at start, then after an import of many listings or a restore).",
                    registry=self.registry,
                    multiprocess_mode="liveall",
                ),
            )
        self._index_readings = (size, whole_reads)
        if not self.multiprocess:  # (a function gauge has no file to be read from)
            self._index_gauges[0].set_function(size)
            self._index_gauges[1].set_function(whole_reads)
        self.after_request()

    def after_request(self) -> None:
        """With several workers, write this worker's gauges for the others' scrapes."""
        if self.multiprocess and self._index_gauges and self._index_readings:
            for gauge, reading in zip(self._index_gauges, self._index_readings, strict=True):
                gauge.set(reading())

    def exposition(self) -> bytes:
        """The Prometheus text of this worker, or of every worker with several."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        self.after_request()
        _drop_dead_workers(os.environ[MULTIPROCESS_DIRECTORY])
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        return generate_latest(every_worker)

    def worker_stopped(self) -> None:
        """Drop a stopped worker's gauges (its counts stay in the sums)."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _drop_dead_workers(directory: str) -> None:
    """Drop the gauges of workers no longer alive: one killed (out of memory, `kill -9`) never
    stopped to drop its own, and its last index size was listed beside its replacement's for
    ever. (Counts stay in the sums, as for a worker stopped.)"""
    for path in Path(directory).glob("gauge_live*_*.db"):  # (prometheus-client's names)
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)  # (another worker's scrape may have come first)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # (another user's: alive)
    return True


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    # Routing did not happen (unknown path, or an error before it); find what would match.
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        match, _ = candidate.matches(scope)
        if match is not Match.NONE and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return "<unmatched>"


class RequestMiddleware:
    """Request id, the key's rate limit, body size limit, access log, metrics, and a
    last-resort 500 problem."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        response_started = False

        private = scope["path"].startswith(_PRIVATE_PATHS) or scope["path"] in _PRIVATE_ROOTS

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                extra = [(b"x-request-id", request_id.encode())]
                quota: Quota | None = state.get("rate_limit")  # (`deps.get_caller`)
                if quota is not None:
                    extra += [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()]
                if private and not any(
                    k.lower() == b"cache-control" for k, _ in message["headers"]
                ):
                    # Answers by role (intake contacts, owners' views): never kept by a proxy
                    # or a browser's cache for whoever asks next.
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message["headers"], *extra]
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # An HTTPException passes through FastAPI's body reader to the problem
                    # handler; anything else would become a 400 there.
                    raise HTTPException(413, "The request body is too large.")
            return message

        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        try:
            if (
                scope["method"] in _WRITES
                and scope["path"].startswith(_KEYED_PATHS)
                and not headers.get(b"authorization", b"").strip()
            ):
                raise _NoKey
            if declared > self.max_body_bytes:
                raise _TooLarge
            if (
                scope["method"] in _WRITES
                and (declared > 0 or b"chunked" in headers.get(b"transfer-encoding", b"").lower())
                and not _is_json(headers.get(b"content-type", b""))
            ):
                raise _NotJson
            await self.app(scope, receive_limited, send_wrapper)
        except _NoKey:
            # Before the body is read: no one without a key makes the server parse a
            # mebibyte of JSON, or learns whether it is valid before being asked who they are.
            await self._problem(scope, send_wrapper, 401, NO_KEY, code=Unauthorized.code)
        except _TooLarge:
            if not response_started:
                await self._problem(scope, send_wrapper, 413, "The request body is too large.")
        except _NotJson:
            # Read as a form or as text, a JSON object would be refused as "not an object".
            await self._problem(
                scope,
                send_wrapper,
                415,
                "Send the body as JSON, with the header Content-Type: application/json.",
            )
        except Exception as error:
            # Only the exception's type and frames: its message may hold data.
            frames = traceback.extract_tb(error.__traceback__)[-6:]
            access_logger.error(
                "unhandled error",
                extra={
                    "request_id": request_id,
                    "error_type": type(error).__name__,
                    "frames": [f"{f.filename}:{f.lineno} {f.name}" for f in frames],
                },
            )
            if not response_started:
                await self._problem(
                    scope,
                    send_wrapper,
                    500,
                    "Something went wrong on our side. Quote the request id when reporting it.",
                )
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(elapsed)
            self.metrics.after_request()
            access_logger.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id,
                },
            )

    async def _problem(
        self, scope: Scope, send: Send, status: int, detail: str, *, code: str | None = None
    ) -> None:
        """`code`: the problem's type, as the service's own refusal of the same kind names it
        (a write without a key is refused here, a read in `deps.get_caller`: one type)."""
        response = problem_response(Request(scope), status=status, detail=detail, code=code)
        await response(scope, _empty_receive, send)


class _TooLarge(Exception):
    pass


class _NoKey(Exception):
    pass


class _NotJson(Exception):
    pass


# Answered by role or holding what only some roles see: not for shared caches.
_PRIVATE_PATHS = ("/v1/", "/hsds/")
_PRIVATE_ROOTS = frozenset({"/v1", "/hsds"})  # (`/hsds` answers as `/hsds/` does)
_WRITES = frozenset({"POST", "PUT", "PATCH"})
# Every write here needs a key (`deps.get_caller`, whose words a write without one is told).
_KEYED_PATHS = ("/v1/",)


def _is_json(content_type: bytes) -> bool:
    """application/json, or any +json type (application/merge-patch+json, say)."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}
