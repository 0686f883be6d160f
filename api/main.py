"""The gateway application factory: ``uvicorn --factory api.main:create_app``.

The one public door: the chat API, the Socket.IO door for Rasa web clients (``/socket.io/``),
the widget, the clinician dashboard and API, and the health probes. Rasa and the action
server stay on loopback behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.clinician import care_team_alerts, export, page_deps, pages
from api.clinician import routes as clinician_routes
from api.clinician.schemas import document_filters
from api.rasa_client import RasaClient
from api.routes import appointment_summary, chat, health, widget
from api.security import BodyLimitMiddleware, RateLimits, SecurityHeadersMiddleware, add_cors
from api.socket_door import SocketDoor
from api.turns import validation_detail
from bot.settings import Settings, get_settings
from clinician.care_team import delivery as care_team_delivery
from clinician.service import ClinicianService
from clinician.tracker import latest_user_message_at
from ops.supervise import warming_up

# What FastAPI says (as a 400) when a JSON body cannot even be decoded as text.
FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"
NOT_JSON_TEXT = [
    {"loc": ["body"], "msg": "the body must be JSON text (UTF-8)", "type": "json_invalid"}
]


BODY_TOO_LARGE = {
    "description": "The body is larger than MAX_REQUEST_BYTES. Nothing is stored.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document states this deployment's message length limit."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document_filters(schema)
            chat = schema.get("components", {}).get("schemas", {}).get("ChatRequest")
            if chat:
                chat["properties"]["message"]["maxLength"] = settings.max_message_chars
            # BodyLimitMiddleware answers 413 to any request with a body over the limit.
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        operation["responses"].setdefault("413", BODY_TOO_LARGE)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def user_turn_stored_since(engine: Engine) -> Callable[[str, float], Awaitable[bool]]:
    """Whether the tracker store holds a user message of this conversation sent after a time
    (used before failing a dropped turn over to another replica).
    """

    def check(sender: str, since: float) -> bool:
        try:
            latest = latest_user_message_at(engine, sender)
        except Exception:  # database unreachable: assume stored, answer 503, never resend
            return True
        return latest is not None and latest >= since - 0.05

    async def stored(sender: str, since: float) -> bool:
        return await asyncio.to_thread(check, sender, since)

    return stored


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway application: routes, middleware, and the lifespan that starts the
    Rasa client, the clinician service, its refresh schedule and the care-team alerts.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.effective_tracker_store_url, pool_pre_ping=True)
        app.state.rasa = RasaClient(
            settings.rasa_urls,
            settings.rasa_timeout_seconds,
            action_url=settings.action_url,
            stored_since=user_turn_stored_since(app.state.engine),
            action_probe_seconds=settings.action_probe_seconds,
            replica_probe_seconds=settings.replica_probe_seconds,
            warming_up=partial(warming_up, settings.supervise_dir),
        )
        app.state.rasa.start_watching_actions()
        # Clinician tables: Alembic migrations up to date (an empty database included).
        app.state.clinician = ClinicianService.start(settings, app.state.engine)
        # The conversation list is refreshed after each chat turn (api.turns) and on this
        # schedule for events written another way; never while answering a read.
        refreshing = asyncio.create_task(
            app.state.clinician.refresher.every(settings.clinician_refresh_seconds)
        )
        # Alerts to the care team: off until a receiver is configured (clinician/care_team).
        alerts = care_team_delivery.start(settings, app.state.engine)
        try:
            yield
        finally:
            if alerts is not None:
                alerts.cancel()
            refreshing.cancel()
            await app.state.clinician.refresher.drain()
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
    app.state.rate_limits = RateLimits(settings)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": validation_detail(exc.errors())})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == FASTAPI_BODY_PARSE_ERROR:
            # A body that is not even text (binary, not UTF-8) is invalid JSON like any other.
            return JSONResponse(status_code=422, content={"detail": NOT_JSON_TEXT})
        return JSONResponse(
            status_code=exc.status_code,
            content={"detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    _document_limits(app, settings)
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(widget.router)
    app.include_router(clinician_routes.router)
    app.include_router(export.router)
    app.include_router(pages.router)
    page_deps.install(app)
    # The care team (issue 16): alerts in the dashboard, the person's summary.
    app.include_router(care_team_alerts.router)
    app.include_router(care_team_alerts.pages)
    app.include_router(appointment_summary.router)
    # Rasa's socketio channel events for existing Rasa web clients, behind the same
    # middleware (body limit, CORS allow-list, security headers) as the chat API.
    app.mount("/socket.io", SocketDoor(app).asgi, name="socketio")
    # Added last = outermost: every answer, even a 413 or a CORS preflight, gets the headers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    add_cors(app, settings)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    return app
