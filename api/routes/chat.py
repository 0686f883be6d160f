"""POST /api/v1/chat: the public chat API (fixed by the design)."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ClientLimitDep, RasaDep, RateLimitsDep, SettingsDep
from api.rasa_client import RasaUnavailable, SessionBusy
from api.schemas import (
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    UnavailableResponse,
    ValidationErrorResponse,
)
from bot.content.notices import emergency_line, unavailable

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["chat"])

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}

CHAT_ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorResponse, "description": "Malformed request (e.g. a bad Content-Length)."},
    413: {
        "model": ErrorResponse,
        "description": "The message is longer than MAX_MESSAGE_CHARS, or the body is larger "
        "than MAX_REQUEST_BYTES. Nothing is stored.",
    },
    422: {
        "model": ValidationErrorResponse,
        "description": "Invalid body: not JSON, wrong types, empty or blank message, bad "
        "session_id, unknown fields. Nothing is stored.",
    },
    429: {
        "model": ErrorResponse,
        "description": "Over RATE_LIMIT_PER_SESSION or RATE_LIMIT_PER_CLIENT, or several "
        "messages of one session still waiting for their answers; the detail includes the "
        "emergency guidance.",
        "headers": _RETRY_AFTER,
    },
    503: {
        "model": UnavailableResponse,
        "description": "Rasa or the action server cannot answer (down, timed out, or an "
        "incomplete turn); the body says what to do in an emergency.",
        "headers": _RETRY_AFTER,
    },
}


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses=CHAT_ERRORS,
    summary="Send a message and get the bot's replies",
    description=(
        "Send what the person typed (or a button's payload) and get the bot's replies. "
        "Omit `session_id` to start a conversation; reuse the returned one to continue it. "
        "`triage` is set in the turn in which the bot gives its disposition."
    ),
)
async def chat(
    _: ClientLimitDep,
    body: ChatRequest,
    settings: SettingsDep,
    rasa: RasaDep,
    limits: RateLimitsDep,
) -> ChatResponse:
    if len(body.message) > settings.max_message_chars:
        return JSONResponse(  # type: ignore[return-value]
            status_code=413,
            content={
                "detail": f"message is too long: at most {settings.max_message_chars} characters"
            },
        )
    if body.session_id:
        limits.check_session(body.session_id)
    session_id = body.session_id or new_session_id()
    try:
        turn = await rasa.send(session_id, body.message)
    except SessionBusy:
        # A session sending faster than anyone types: its earlier turns are still waiting.
        return JSONResponse(  # type: ignore[return-value]
            status_code=429,
            headers={"Retry-After": "2"},
            content={
                "detail": "Please wait for the answer to your previous message before sending "
                f"another. {emergency_line(settings.emergency_number)}"
            },
        )
    except RasaUnavailable as err:
        logger.warning("chat unavailable for a session: %s", err.reason)
        return JSONResponse(  # type: ignore[return-value]
            status_code=503,
            headers={"Retry-After": "30"},
            content={
                "detail": unavailable(settings.emergency_number),
                "emergency": emergency_line(settings.emergency_number),
                "session_id": session_id,
            },
        )
    return ChatResponse(session_id=session_id, replies=turn.replies, triage=turn.triage)
