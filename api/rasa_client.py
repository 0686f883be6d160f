"""Talks to Rasa's REST channel and turns its messages into the chat API's replies.

Rasa 3.6 can answer 200 with an empty list when handling failed (an action server that is
down, a timeout, a lock error). In this bot every user turn produces at least one reply, so an
empty list is treated as a failure, like a connection error or a timeout.

A *partial* list is the harder case: with the action server down Rasa still runs the turn,
drops the custom actions' messages (``action_session_start``'s disclaimer, the triage
questions and disposition) and answers 200 with whatever its own responses said. So the
client asks the action server's ``/health`` before the turn (a known-down server means the
turn is not sent at all, so nothing half-done is stored) and again after it (a server that
died during the turn means its replies may be incomplete). Either way the person gets the
503 with the emergency guidance instead of a reply that silently lacks the triage. Both
probes are loopback GETs on a kept-alive connection, about a millisecond each.

With several Rasa replicas (``RASA_REPLICAS``) each conversation stays on one replica, chosen
by a hash of its id, so its turns are processed in order by one process; when that replica
refuses the connection (down, restarting) the turn goes to the next one. Both share the
PostgreSQL tracker store and the Redis lock store, so the conversation continues there. When
a replica drops the connection instead, it may have died after storing the turn: the
tracker store is asked first (``stored_since``), and only a turn that is not there is sent to
the next replica, so no answer is ever counted twice ("no" to two red-flag questions). A
timeout is never retried elsewhere: the first replica may still be working on the turn.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) could not answer; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class BotTurn:
    replies: list[dict[str, Any]] = field(default_factory=list)
    triage: dict[str, Any] | None = None


def parse_rasa_messages(messages: list[dict[str, Any]]) -> BotTurn:
    """Maps REST channel messages to replies and the triage payload (custom JSON)."""
    turn = BotTurn()
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            turn.triage = custom["triage"]
        text = message.get("text")
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or []
            if isinstance(b, dict)
        ]
        if text or buttons:
            if not text and turn.replies and not turn.replies[-1]["buttons"]:
                turn.replies[-1]["buttons"] = buttons
            else:
                turn.replies.append({"text": text or "", "buttons": buttons})
    return turn


class RasaClient:
    """One pooled HTTP client for the gateway's lifetime."""

    def __init__(
        self,
        base_url: str | list[str],
        timeout_seconds: float,
        action_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        stored_since: Callable[[str, float], Awaitable[bool]] | None = None,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self._urls = [url.rstrip("/") for url in urls]
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds, connect=2.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            transport=transport,
        )
        self._action_health = f"{action_url}/health" if action_url else None
        self._stored_since = stored_since

    async def close(self) -> None:
        await self._client.aclose()

    async def actions_ready(self) -> bool:
        """The action server answers its health check (always true when none is configured)."""
        if self._action_health is None:
            return True
        # Asked once more before a 503 (a busy machine can be slow to answer), within 3.5 s
        # in all, so a hung action server still gets the person an answer quickly.
        for timeout in (2.0, 1.5):
            try:
                response = await self._client.get(self._action_health, timeout=timeout)
                if response.status_code == 200:
                    return True
            except httpx.HTTPError:
                continue
        return False

    async def send(self, session_id: str, message: str) -> BotTurn:
        if not await self.actions_ready():
            raise RasaUnavailable("action server not ready (turn not sent)")
        turn = await self._send(session_id, message)
        if not await self.actions_ready():
            raise RasaUnavailable("action server went down during the turn")
        return turn

    def replicas_for(self, session_id: str) -> list[str]:
        """The replicas in the order this conversation tries them: its own one first."""
        start = int(hashlib.sha256(session_id.encode()).hexdigest()[:8], 16) % len(self._urls)
        return self._urls[start:] + self._urls[:start]

    async def _send(self, session_id: str, message: str) -> BotTurn:
        body = {"sender": session_id, "message": message}
        for url in self.replicas_for(session_id):
            sent_at = time.time()
            try:
                response = await self._client.post(f"{url}/webhooks/rest/webhook", json=body)
                break
            except httpx.ConnectError:
                logger.warning("rasa replica %s refused the connection; trying the next", url)
            except (httpx.NetworkError, httpx.RemoteProtocolError) as err:
                # A dropped connection: the replica died, maybe after storing this turn.
                if self._stored_since is None or await self._stored_since(session_id, sent_at):
                    raise RasaUnavailable(
                        f"rasa replica dropped the turn ({type(err).__name__})"
                    ) from err
                logger.warning("rasa replica %s dropped an unstored turn; trying the next", url)
            except httpx.TimeoutException as err:
                raise RasaUnavailable("rasa timeout") from err
            except httpx.HTTPError as err:
                raise RasaUnavailable(f"rasa unreachable ({type(err).__name__})") from err
        else:
            raise RasaUnavailable("no rasa replica reachable")
        if response.status_code != 200:
            raise RasaUnavailable(f"rasa answered {response.status_code}")
        try:
            messages = response.json()
        except ValueError as err:
            raise RasaUnavailable("rasa answered invalid JSON") from err
        if not isinstance(messages, list):
            raise RasaUnavailable("rasa answered an unexpected payload")
        turn = parse_rasa_messages(messages)
        if not turn.replies:
            raise RasaUnavailable("rasa answered no reply (action server down?)")
        return turn

    async def ping(self) -> bool:
        """At least one replica answers (the others' conversations fail over to it)."""
        for url in self._urls:
            try:
                if (await self._client.get(f"{url}/", timeout=2.0)).status_code == 200:
                    return True
            except httpx.HTTPError:
                continue
        return False
