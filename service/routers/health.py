"""Liveness and readiness, unversioned, without authentication."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.routers._responses import problems
from service.usecases.health import check_ready

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """200 whenever the process answers. For liveness probes."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses=problems(503))
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 problem while it does not. For load balancers."""
    check_ready(request.app.state.engine)
    return JSONResponse({"status": "ready"})
