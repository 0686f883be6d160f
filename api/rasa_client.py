"""Talks to Rasa's REST channel and turns its messages into the chat API's replies.

Rasa 3.6 can answer 200 with an empty list when handling failed (an action server that is
down, a timeout, a lock error). In this bot every user turn produces at least one reply, so an
empty list is treated as a failure, like a connection error or a timeout.

A *partial* list is the harder case: when a custom action fails (action server down, hung or
erroring) Rasa 3.6 logs it, drops that action's messages (``action_session_start``'s
disclaimer, the triage questions and disposition) and answers 200 with whatever else it had.
Inside Rasa such a failure is recorded for the conversation (``components.turn_failures``):
the turn is not saved and the REST channel answers 503, which this client passes on as the
safe answer with the emergency guidance. The client also watches the action server's
``/health`` in the background (every ``ACTION_PROBE_SECONDS``): while it is known to be down,
each turn asks once more and, if it is still down, gets that answer without being sent
(within 3.5 s even for a hung server, instead of Rasa's wait for the action server). While
the action server is up, no probe sits on a turn's path.

With several Rasa replicas (``RASA_REPLICAS``) each conversation stays on one replica, chosen
by a hash of its id, so its turns are processed in order by one process; when that replica
refuses the connection (down, restarting) the turn goes to the next one. Both share the
PostgreSQL tracker store and the Redis lock store, so the conversation continues there. When
a replica drops the connection instead, it may have died after storing the turn: the
tracker store is asked first (``stored_since``), and only a turn that is not there is sent to
the next replica, so no answer is ever counted twice ("no" to two red-flag questions). A
timeout is never retried elsewhere: the first replica may still be working on the turn.

A replica can also hang: its event loop stuck, it accepts connections and answers nothing.
The client asks each replica's ``/`` in the background (every ``replica_probe_seconds``); a
replica that missed two answers in a row gets its conversations' new turns after the others
until it answers again, so they fail over while its supervisor restarts it (ops/supervise.py).
A restarted replica that answers but has not finished its supervisor's warm-up parse (which
holds its event loop, long enough to time out a turn's action call) counts as not up either:
``warming_up`` names them, read with the same probes.

One session's messages cannot crowd out the others: the client sends one turn per session at
a time (in order of arrival, as Rasa's lock store would process them) and refuses more than
``MAX_QUEUED_PER_SESSION`` waiting turns of one session (``SessionBusy``, a 429), so a session
sending faster than a person can type holds at most one of Rasa's turns and one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
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


class SessionBusy(Exception):
    """Too many of this session's turns are waiting for the one before them."""


#: Turns of one session waiting behind the one being answered, at most.
MAX_QUEUED_PER_SESSION = 4
#: Probes a replica may miss in a row before its conversations go to the others first.
MISSED_PROBES_DOWN = 2


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
        action_probe_seconds: float = 1.0,
        replica_probe_seconds: float = 1.0,
        warming_up: Callable[[], set[str]] | None = None,
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
        self._probe_seconds = action_probe_seconds
        # Until the first probe answers, turns go through: a failed custom action still
        # gets the 503 from Rasa itself.
        self.actions_up = True
        self._watch: asyncio.Task | None = None
        self._replica_probe_seconds = replica_probe_seconds
        self._missed: dict[str, int] = dict.fromkeys(self._urls, 0)
        self._warming_up = warming_up
        # With several replicas (probed), each counts as warming up until the first read: bot
        # run starts the gateway before they have warmed up. Changes are logged only for
        # replicas that have been up once, so a start logs nothing.
        probed = warming_up is not None and len(self._urls) > 1
        self._warming: set[str] = set(self._urls) if probed else set()
        self._been_up: set[str] = set()
        self._watch_replicas_task: asyncio.Task | None = None
        self._session_locks: dict[str, asyncio.Lock] = {}
        self._session_turns: dict[str, int] = {}

    def start_watching_actions(self) -> None:
        """Probes the action server (and, with several, the Rasa replicas) in the background
        until ``close``.
        """
        loop = asyncio.get_running_loop()
        if self._action_health and self._watch is None:
            self._watch = loop.create_task(self._watch_actions())
        if len(self._urls) > 1 and self._watch_replicas_task is None:
            self._watch_replicas_task = loop.create_task(self._watch_replicas())

    def replica_up(self, url: str) -> bool:
        """The replica answered at least one of its last ``MISSED_PROBES_DOWN`` probes, and is
        not warming up.
        """
        return self._missed.get(url, 0) < MISSED_PROBES_DOWN and url not in self._warming

    def replicas_state(self) -> dict[str, bool]:
        """Whether each Rasa replica is up, by URL."""
        return {url: self.replica_up(url) for url in self._urls}

    def _state_words(self, url: str) -> str:
        if self.replica_up(url):
            return "answers again"
        return "is warming up" if url in self._warming else "does not answer"

    async def _probe_replica(self, url: str) -> None:
        try:
            answered = (await self._client.get(f"{url}/", timeout=1.5)).status_code == 200
        except httpx.HTTPError:
            answered = False
        self._missed[url] = 0 if answered else self._missed[url] + 1

    async def _watch_replicas(self) -> None:
        while True:
            before = self.replicas_state()
            await asyncio.gather(*(self._probe_replica(url) for url in self._urls))
            if self._warming_up is not None:
                try:
                    self._warming = await asyncio.to_thread(self._warming_up)
                except Exception as err:  # the files are advice: never stop the probes
                    logger.warning("replica warm-up states unreadable: %s", type(err).__name__)
                    self._warming = set()
            for url, up in self.replicas_state().items():
                if up != before[url] and url in self._been_up:
                    logger.warning("rasa replica %s %s", url, self._state_words(url))
                if up:
                    self._been_up.add(url)
            await asyncio.sleep(self._replica_probe_seconds)

    async def _watch_actions(self) -> None:
        seen: bool | None = None  # nothing to report before the first answer (start-up)
        while True:
            up = await self.actions_ready()
            if seen is not None and up != seen:
                logger.warning("action server is %s", "up again" if up else "down")
            seen = self.actions_up = up
            await asyncio.sleep(self._probe_seconds)

    async def close(self) -> None:
        """Stop the watches and close the HTTP client."""
        for task in (self._watch, self._watch_replicas_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._client.aclose()

    async def actions_ready(self) -> bool:
        """The action server answers its health check (always true when none is configured)."""
        if self._action_health is None:
            return True
        # Asked once more before calling it down (a busy machine can be slow to answer).
        for timeout in (2.0, 1.5):
            try:
                response = await self._client.get(self._action_health, timeout=timeout)
                if response.status_code == 200:
                    return True
            except httpx.HTTPError:
                continue
        return False

    async def send(self, session_id: str, message: str) -> BotTurn:
        """One turn of the session, after the session's earlier turns (``SessionBusy`` when
        too many are waiting already).
        """
        waiting = self._session_turns.get(session_id, 0)
        if waiting > MAX_QUEUED_PER_SESSION:
            raise SessionBusy
        self._session_turns[session_id] = waiting + 1
        lock = self._session_locks.setdefault(session_id, asyncio.Lock())
        try:
            async with lock:
                return await self._send_turn(session_id, message)
        finally:
            self._session_turns[session_id] -= 1
            if not self._session_turns[session_id]:
                del self._session_turns[session_id]
                del self._session_locks[session_id]

    async def _send_turn(self, session_id: str, message: str) -> BotTurn:
        if not self.actions_up:
            # Known down: ask again now (it may just have come back) rather than send a turn
            # whose custom actions cannot run.
            self.actions_up = await self.actions_ready()
            if not self.actions_up:
                raise RasaUnavailable("action server down (turn not sent)")
        return await self._send(session_id, message)

    def replicas_for(self, session_id: str) -> list[str]:
        """The replicas in the order this conversation tries them: its own one first."""
        start = int(hashlib.sha256(session_id.encode()).hexdigest()[:8], 16) % len(self._urls)
        ordered = self._urls[start:] + self._urls[:start]
        # Replicas that stopped answering go last (not out: one may just have come back).
        return sorted(ordered, key=lambda url: not self.replica_up(url))

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
        if response.status_code == 503:
            # The turn was not completed (a custom action or the tracker store failed) and
            # not saved: see components/channels.py.
            raise RasaUnavailable("rasa could not complete the turn (503)")
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
