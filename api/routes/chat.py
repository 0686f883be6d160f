"""POST /api/v1/chat: the public chat API (fixed by the design)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import ClientLimitDep, RasaDep, RateLimitsDep, SettingsDep
from api.routes.appointment_summary import add_summary_url
from api.routing import ApiRoute
from api.schemas import (
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    UnavailableResponse,
    ValidationErrorResponse,
)
from api.turns import TurnRefused, take_turn

router = APIRouter(prefix="/api/v1", tags=["chat"], route_class=ApiRoute)

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


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses=CHAT_ERRORS,
    summary="Send a message and get the bot's replies",
    description=(
        "Send what the person typed (or a button's payload) and get the bot's replies. "
        "Omit `session_id` to start a conversation; reuse the returned one to continue it. "
        "`triage` is set in the turn in which the bot gives its disposition, else null."
    ),
)
async def chat(
    _: ClientLimitDep,
    request: Request,
    body: ChatRequest,
    settings: SettingsDep,
    rasa: RasaDep,
    limits: RateLimitsDep,
) -> ChatResponse:
    """Take one chat turn and answer the bot's replies (or the refusal's status and body)."""
    try:
        session_id, turn = await take_turn(
            settings,
            rasa,
            limits,
            body.session_id,
            body.message,
            stored=request.app.state.clinician.refresher.request,
        )
    except TurnRefused as refused:
        return JSONResponse(  # type: ignore[return-value]
            status_code=refused.status, content=refused.body, headers=refused.headers
        )
    # Validated here, once; answered as is, without FastAPI validating and encoding it
    # again (gateway CPU per turn 2.6 -> 2.4 ms in one bench.gateway_profile run).
    triage = await add_summary_url(request, session_id, turn.triage)
    answer = ChatResponse(session_id=session_id, replies=turn.replies, triage=triage)
    return JSONResponse(content=answer.dict())  # type: ignore[return-value]
