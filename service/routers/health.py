"""Liveness and readiness, unversioned, without authentication. Neither waits for the thread
pool that requests share: while a held lock keeps its 40 threads waiting, a liveness probe
that waited with them timed out after 9 s (an SRE's review), and an orchestrator would
restart an instance that was only waiting."""

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.routers._responses import problems
from service.usecases.health import check_ready

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """200 whenever the process answers, at once: no database, no thread. For liveness
    probes."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses=problems(503))
async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 problem while it does not. For load balancers.
    (In threads of its own, two at a time: `app.state.probe_limiter`.)"""
    limiter: anyio.CapacityLimiter = request.app.state.probe_limiter
    await anyio.to_thread.run_sync(check_ready, request.app.state.engine, limiter=limiter)
    return JSONResponse({"status": "ready"})
