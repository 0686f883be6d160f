"""The Socket.IO door at ``/socket.io/``: Rasa's socketio channel, served by the gateway.

Existing Rasa web clients (Rasa Webchat and other socketio clients) set ``socketUrl`` to the
gateway and work unchanged. The events are those of Rasa's ``socketio`` channel with
``session_persistence: true`` (``rasa/core/channels/socketio.py``):

- ``session_request`` ``{"session_id": <id or null>}`` is answered by ``session_confirm`` with
  the id (a new one when none was given). The socket joins that conversation's room, so every
  tab of one conversation gets its replies.
- ``user_uttered`` ``{"message": …, "session_id": …}`` is answered by one ``bot_uttered`` per
  reply, in the format of Rasa's ``SocketIOOutput``: ``{"text": …}``, or ``{"text": …,
  "quick_replies": [{"content_type": "text", "title": …, "payload": …}]}`` with buttons, and
  ``{"custom": {"triage": …}}`` with the disposition (the chat API's ``triage``, with its
  ``summary_url``). Before it comes a text with a Markdown link to that summary, which Rasa
  Webchat shows as a link, in the ``customData.language`` the client sent (else English).

A turn takes the chat API's path (``api.turns``): the same request model, message and size
limits and rate limits, the one ``RasaClient`` (so replica affinity and failover under
``make run-scaled``, and the same tracker store), and the same safe answer with the emergency
guidance when Rasa or the action server cannot answer. Browsers may connect only from the
gateway's own origin and ``CORS_ORIGINS``; python-socketio refuses the others (400), for
polling and for the websocket handshake alike. A refused event is answered with the chat API's
error body plus its ``status``: as the event's acknowledgement when the client asked for one,
as a ``chat_error`` event, and as a ``bot_uttered`` text the person can read. Message text is
never logged; python-socketio's own logging is off.

python-socketio is pinned at 5.9.0 (requirements.lock; tests/api/test_socket_door.py): there
``enter_room`` is a plain function, from 5.10 on a coroutine, which Rasa's own channel never
awaits. ``_maybe_await`` takes both.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import socketio
from fastapi import FastAPI, HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.rasa_client import BotTurn
from api.routes.appointment_summary import base_url, with_summary_url
from api.schemas import SESSION_ID_PATTERN
from api.turns import (
    TurnRefused,
    chat_body,
    new_session_id,
    parse_request,
    rate_limited,
    take_turn,
)
from bot.content.notices import emergency_line
from bot.content.widget import DEFAULT_LANGUAGE, widget_strings

logger = logging.getLogger(__name__)

USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
REFUSED_EVENT = "chat_error"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def summary_link(url: str, language: Any = None) -> dict[str, str]:
    """A text message with a Markdown link to the person's summary (Rasa Webchat renders it).

    The link's words are the widget's (``bot/content/widget.yml``), in the language the client
    sent in ``customData``, else in English.
    """
    words = widget_strings()
    chosen = words.get(language) if isinstance(language, str) else None
    label = (chosen or words[DEFAULT_LANGUAGE])["summary"]
    return {"text": f"[{label}]({url})"}


def bot_messages(turn: BotTurn, language: Any = None) -> list[dict[str, Any]]:
    """The turn's replies as Rasa's socketio channel sends them (``SocketIOOutput``), and with a
    disposition the link to the person's summary and the disposition itself.
    """
    messages: list[dict[str, Any]] = []
    for reply in turn.replies:
        if not reply["buttons"]:
            messages.append({"text": reply["text"]})
            continue
        # Rasa splits the text on blank lines and attaches the buttons to the last part.
        *first, last = reply["text"].strip().split("\n\n")
        messages += [{"text": part} for part in first]
        quick_replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]}
            for b in reply["buttons"]
        ]
        messages.append({"text": last, "quick_replies": quick_replies})
    if turn.triage is not None:
        if turn.triage.get("summary_url"):
            # Right after the advice, so that the turn still ends with the bot's question.
            advice = str(turn.triage.get("advice") or "").strip().split("\n")[0]
            at = next(
                (i + 1 for i, m in enumerate(messages) if advice and advice in m.get("text", "")),
                len(messages),
            )
            messages.insert(at, summary_link(turn.triage["summary_url"], language))
        messages.append({"custom": {"triage": turn.triage}})
    return messages


def _invalid(loc: list[str], msg: str, kind: str) -> TurnRefused:
    return TurnRefused(422, {"detail": [{"loc": loc, "msg": msg, "type": kind}]})


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


class LowercaseHeaders:
    """Engine.IO answers with header names like ``Access-Control-Allow-Origin``; the ASGI
    spec has them lowercased, and Starlette's CORS middleware (outside this app) then
    replaces its header instead of adding a second one, which browsers refuse.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its answer's header names lowercased (ASGI)."""

        async def lowercased(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k.lower(), v) for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, lowercased if scope["type"] == "http" else send)


class SocketDoor:
    """The Socket.IO server of one gateway app; ``asgi`` is mounted at ``/socket.io``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.settings = app.state.settings
        self._allowed = {o.rstrip("/") for o in self.settings.cors_origins}
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=self._origin_allowed,
            # No cookies are read here; the clinician cookie is SameSite=Strict anyway.
            cors_credentials=False,
            max_http_buffer_size=self.settings.max_request_bytes,
            logger=False,
            engineio_logger=False,
        )
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self.sio.on("connect", self._guarded(self.connect))
        self.sio.on("session_request", self._guarded(self.session_request))
        self.sio.on(USER_EVENT, self._guarded(self.user_uttered))
        # Routing happens in FastAPI (the mount), so every request here is Engine.IO's.
        self.asgi = LowercaseHeaders(socketio.ASGIApp(self.sio, socketio_path=None))

    # ------------------------------------------------------------------ origins and limits
    def _origin_allowed(self, origin: str | None, environ: dict[str, Any]) -> bool:
        """The gateway's own origin and the CORS_ORIGINS allow-list, as for the chat API."""
        if not origin:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in self._allowed or origin == own

    def _count_client(self, client: str) -> None:
        try:
            self.app.state.rate_limits.check_client_address(client)
        except HTTPException as err:
            raise rate_limited(err) from None

    # ------------------------------------------------------------------ events
    def _guarded(self, handler):
        """No exception (and so no message text in a traceback) leaves a handler."""

        async def run(sid: str, *args: Any) -> Any:
            try:
                return await handler(sid, *args)
            except (TurnRefused, socketio.exceptions.ConnectionRefusedError):
                raise
            except Exception as err:
                logger.error("socketio %s failed: %s", handler.__name__, type(err).__name__)
                if handler.__name__ == "connect":
                    raise socketio.exceptions.ConnectionRefusedError("internal error") from None
                return await self._refuse(sid, TurnRefused(500, {"detail": "internal error"}))

        run.__name__ = handler.__name__
        return run

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Accept a Socket.IO connection from a listed origin (within the client rate limit)."""
        client = (environ.get("asgi.scope") or {}).get("client") or ("unknown", 0)
        try:
            self._count_client(client[0])
        except TurnRefused as refused:
            raise socketio.exceptions.ConnectionRefusedError(
                {"status": refused.status, **refused.body}
            ) from None
        here = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        await self.sio.save_session(
            sid,
            {
                "client": client[0],
                "session_id": None,
                "base_url": base_url(self.settings, here),
            },
        )
        return True

    async def session_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Confirm the conversation the socket joins: the given session id or a new one."""
        state = await self.sio.get_session(sid)
        try:
            self._count_client(state["client"])
            requested = data.get("session_id") if isinstance(data, dict) else None
            if requested in (None, ""):
                session_id = new_session_id()
            elif isinstance(requested, str) and _SESSION_ID.match(requested):
                session_id = requested
            else:
                raise _invalid(
                    ["body", "session_id"],
                    "session_id must be 8-64 characters of A-Z, a-z, 0-9, _ and -",
                    "value_error.str.regex",
                )
        except TurnRefused as refused:
            return await self._refuse(sid, refused)
        await self._join(sid, state, session_id)
        await self.sio.emit("session_confirm", session_id, to=sid)
        return {"status": 200, "session_id": session_id}

    async def user_uttered(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Take one message as a chat turn and emit the bot's replies to the session's room."""
        state = await self.sio.get_session(sid)
        try:
            self._count_client(state["client"])
            if not isinstance(data, dict):
                raise _invalid(
                    ["body"], "send an object with message and session_id", "type_error.dict"
                )
            request = parse_request(
                {
                    "session_id": data.get("session_id") or state["session_id"],
                    "message": data.get("message"),
                }
            )
            if request.session_id is None:
                raise _invalid(
                    ["body", "session_id"],
                    "no session: send session_request first, or a session_id with the message",
                    "value_error.missing",
                )
            await self._join(sid, state, request.session_id)
            async with self._in_order(request.session_id):
                session_id, turn = await take_turn(
                    self.settings,
                    self.app.state.rasa,
                    self.app.state.rate_limits,
                    request.session_id,
                    request.message,
                    stored=self.app.state.clinician.refresher.request,
                )
                turn = replace(
                    turn,
                    triage=await with_summary_url(
                        self.app.state.engine, state["base_url"], session_id, turn.triage
                    ),
                )
                custom = data.get("customData")
                language = custom.get("language") if isinstance(custom, dict) else None
                for message in bot_messages(turn, language):
                    await self.sio.emit(BOT_EVENT, message, room=session_id)
        except TurnRefused as refused:
            # Rasa Webchat sends a null "init payload" on connecting unless the site sets
            # one: refused like any invalid message, but there is nothing to tell the person.
            typed = isinstance(data, dict) and data.get("message") is not None
            return await self._refuse(sid, refused, tell_person=typed)
        return {"status": 200, **chat_body(session_id, turn)}

    # ------------------------------------------------------------------ helpers
    async def _join(self, sid: str, state: dict[str, Any], session_id: str) -> None:
        """One socket, one conversation: its room (Rasa's session persistence)."""
        current = state.get("session_id")
        if current == session_id:
            return
        if current:
            await _maybe_await(self.sio.leave_room(sid, current))
        await _maybe_await(self.sio.enter_room(sid, session_id))
        state["session_id"] = session_id
        await self.sio.save_session(sid, state)

    @asynccontextmanager
    async def _in_order(self, session_id: str) -> AsyncIterator[None]:
        """One conversation's turns one after another, in arrival order (python-socketio
        runs each event in a task of its own).
        """
        lock, users = self._locks.setdefault(session_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(session_id, None)

    def refusal_text(self, refused: TurnRefused) -> str:
        """What a person using a Rasa web client reads when a message was refused."""
        detail = refused.body.get("detail")
        if refused.status in (429, 503) and isinstance(detail, str):
            return detail  # both already carry the emergency guidance
        if refused.status == 413 and isinstance(detail, str):
            reason = f"Sorry, your {detail}. Please send a shorter message."
        elif refused.status == 422:
            reason = "Sorry, that message could not be read. Please type it again."
        else:
            reason = "Sorry, something went wrong. Please try again."
        return f"{reason} {emergency_line(self.settings.emergency_number)}"

    async def _refuse(
        self, sid: str, refused: TurnRefused, tell_person: bool = True
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"status": refused.status, **refused.body}
        if refused.retry_after is not None:
            body["retry_after"] = refused.retry_after
        await self.sio.emit(REFUSED_EVENT, body, to=sid)
        if tell_person:
            await self.sio.emit(BOT_EVENT, {"text": self.refusal_text(refused)}, to=sid)
        return body
