"""One chat turn, whichever public door it came through (the chat API or Socket.IO).

Both doors validate the same request model (``api.schemas.ChatRequest``), then hand the turn
to ``take_turn``: the message length limit, the per-session rate limit, the one ``RasaClient``
(replica affinity, failover, the action-server watch) and the safe answer with the emergency
guidance when Rasa or the action server cannot answer. A refusal is a ``TurnRefused`` with the
HTTP status and body the chat API answers; the Socket.IO door sends the same body.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException
from pydantic import ValidationError

from api.rasa_client import BotTurn, RasaClient, RasaUnavailable, SessionBusy
from api.schemas import ChatRequest
from api.security import RateLimits
from bot.content.notices import busy, emergency_line, unavailable
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait after a 503.
UNAVAILABLE_RETRY_AFTER = 30
#: Seconds a session is asked to wait when its earlier turns are still being answered.
BUSY_RETRY_AFTER = 2


class TurnRefused(Exception):
    """A turn that was not taken: ``status`` and ``body`` as the chat API answers them."""

    def __init__(self, status: int, body: dict[str, Any], retry_after: int | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """The ``Retry-After`` header, when the refusal asks the client to wait."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


def new_session_id() -> str:
    """An unguessable session id (24 characters of the session-id alphabet)."""
    return secrets.token_urlsafe(18)


def validation_detail(errors: list[dict[str, Any]], prefix: tuple[str, ...] = ()) -> list[dict]:
    """Validation errors without echoing the submitted input back."""
    return [
        {"loc": [*prefix, *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]


def parse_request(data: dict[str, Any]) -> ChatRequest:
    """The chat API's request model applied to another door's input (422 when invalid)."""
    try:
        return ChatRequest.parse_obj(data)
    except ValidationError as err:
        raise TurnRefused(422, {"detail": validation_detail(err.errors(), ("body",))}) from None


def rate_limited(err: HTTPException) -> TurnRefused:
    """The rate limit's 429 as a refused turn."""
    retry_after = int((err.headers or {}).get("Retry-After", "1"))
    return TurnRefused(err.status_code, {"detail": err.detail}, retry_after)


def unavailable_body(settings: Settings, session_id: str) -> dict[str, str]:
    """The 503 body: what to do now, with the emergency line."""
    return {
        "detail": unavailable(settings.emergency_number),
        "emergency": emergency_line(settings.emergency_number),
        "session_id": session_id,
    }


async def take_turn(
    settings: Settings,
    rasa: RasaClient,
    limits: RateLimits,
    session_id: str | None,
    message: str,
    stored: Callable[[], Awaitable[None]] | None = None,
) -> tuple[str, BotTurn]:
    """Sends one validated message to Rasa: the session id used and the bot's turn.

    ``stored`` is awaited once the reply is in (Rasa has written the turn to the tracker
    store): the gateway refreshes the clinicians' conversation list there, so a conversation
    is listed by the time its caller has the answer.
    """
    if len(message) > settings.max_message_chars:
        raise TurnRefused(
            413, {"detail": f"message is too long: at most {settings.max_message_chars} characters"}
        )
    if session_id:
        try:
            limits.check_session(session_id)
        except HTTPException as err:
            raise rate_limited(err) from None
    session_id = session_id or new_session_id()
    try:
        turn = await rasa.send(session_id, message)
    except SessionBusy:
        # A session sending faster than anyone types: its earlier turns are still waiting.
        raise TurnRefused(
            429,
            {"detail": busy(settings.emergency_number)},
            BUSY_RETRY_AFTER,
        ) from None
    except RasaUnavailable as err:
        logger.warning(
            "chat unavailable for a session: %s",
            err.reason,
            extra={"event": "chat.unavailable", "session_id": session_id},
        )
        raise TurnRefused(
            503, unavailable_body(settings, session_id), UNAVAILABLE_RETRY_AFTER
        ) from None
    if stored is not None:
        await stored()
    # One line per answered turn at INFO: which session, never what was said.
    logger.info(
        "chat turn answered",
        extra={"event": "chat.turn", "session_id": session_id},
    )
    return session_id, turn


def chat_body(session_id: str, turn: BotTurn) -> dict[str, Any]:
    """The chat API's 200 body (``ChatResponse``): ``triage`` is always present."""
    return {"session_id": session_id, "replies": turn.replies, "triage": turn.triage}
