"""POST /api/v1/chat: the public chat API (fixed by the design)."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import RasaDep, SettingsDep
from api.rasa_client import RasaUnavailable
from api.schemas import ChatRequest, ChatResponse, ErrorResponse, UnavailableResponse
from bot.content.notices import emergency_line, unavailable

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["chat"])


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        413: {"model": ErrorResponse, "description": "Message or request too large."},
        422: {"model": ErrorResponse, "description": "Invalid request body."},
        429: {"model": ErrorResponse, "description": "Too many requests; see Retry-After."},
        503: {
            "model": UnavailableResponse,
            "description": "The assistant cannot answer now; the body says what to do in an "
            "emergency.",
        },
    },
    summary="Send a message and get the bot's replies",
)
async def chat(body: ChatRequest, settings: SettingsDep, rasa: RasaDep) -> ChatResponse:
    if len(body.message) > settings.max_message_chars:
        return JSONResponse(  # type: ignore[return-value]
            status_code=413,
            content={
                "detail": f"message is too long: at most {settings.max_message_chars} characters"
            },
        )
    session_id = body.session_id or new_session_id()
    try:
        turn = await rasa.send(session_id, body.message)
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
