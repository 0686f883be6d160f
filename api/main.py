"""The gateway application factory: ``uvicorn --factory api.main:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.rasa_client import RasaClient
from api.routes import chat, health
from bot.settings import Settings, get_settings


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    """Validation errors without echoing the submitted input back."""
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
        app.state.engine = create_engine(settings.effective_tracker_store_url, pool_pre_ping=True)
        try:
            yield
        finally:
            await app.state.rasa.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Survivor symptom checker gateway",
        version="0.1.0",
        description=(
            "Chat API for the breast cancer survivors' symptom checker, and the clinician "
            "review API. Not a diagnosis tool: every conversation carries the emergency number."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_detail(exc)})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content={"detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    app.include_router(health.router)
    app.include_router(chat.router)
    return app
