"""Shared dependencies, as ``Annotated`` aliases (FastAPI full-stack template style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from api.rasa_client import RasaClient
from api.security import RateLimits
from bot.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    """The gateway's settings."""
    return request.app.state.settings


def get_rasa(request: Request) -> RasaClient:
    """The one Rasa client (replica affinity, failover, the action-server watch)."""
    return request.app.state.rasa


def get_engine(request: Request) -> Engine:
    """The tracker store's engine."""
    return request.app.state.engine


def get_rate_limits(request: Request) -> RateLimits:
    """The per-session and per-client rate limits."""
    return request.app.state.rate_limits


async def limit_client(request: Request) -> None:
    """Counts every chat request per client address, valid or not (runs before validation)."""
    request.app.state.rate_limits.check_client(request)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]
ClientLimitDep = Annotated[None, Depends(limit_client)]
