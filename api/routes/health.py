"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EngineDep, RasaDep, SettingsDep
from api.rasa_client import RasaClient
from api.routing import ApiRoute
from api.schemas import Readiness
from bot.settings import Settings
from clinician.tracker import store_ready
from ops.supervise import read_status_files

router = APIRouter(tags=["health"], route_class=ApiRoute)


@router.get("/healthz", summary="The gateway process is up")
async def healthz() -> dict[str, str]:
    """Liveness: the gateway process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Rasa, the action server and the tracker store are reachable",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "At least one dependency is not ready."}},
)
async def readyz(rasa: RasaDep, engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    """Readiness: Rasa, the action server and the tracker store all answer (else 503)."""
    rasa_ok, actions_ok, store_ok = await asyncio.gather(
        rasa.ping(),
        rasa.actions_ready(),
        asyncio.to_thread(store_ready, engine),
    )
    checks = {"rasa": rasa_ok, "actions": actions_ok, "tracker_store": store_ok}
    ready = all(checks.values())
    return JSONResponse(
        status_code=200 if ready else 503,
        content={
            "status": "ready" if ready else "not ready",
            "checks": checks,
            "details": details(rasa, settings),
        },
    )


def details(rasa: RasaClient, settings: Settings) -> dict:
    """Restarts of each supervised process (ops/supervise.py: after it exited or hung) and
    which Rasa replicas the gateway currently sends turns to first.
    """
    supervised = read_status_files(settings.supervise_dir)
    return {
        "restarts": {name: s.get("restarts", 0) for name, s in supervised.items()},
        "hung_restarts": {name: s.get("hangs", 0) for name, s in supervised.items()},
        "rasa_replicas_answering": rasa.replicas_state(),
    }
