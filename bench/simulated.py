"""A simulated survivor for the benchmarks, and the two ways to reach the bot.

The person opens with a symptom report, then answers each follow-up question the way a
worried but unremarkable person would (the ideas of tests/integration/scripted.py): "no" to
red-flag questions, "about 3 weeks", "moderate (4-6)", "gradually", "about the same". The
question is recognised by its text (bot/triage/questions.yml), so the script does not depend
on the order of questions. A conversation ends with a disposition (the chat API's ``triage``,
or Rasa's ``custom.triage`` message).

Targets: ``gateway`` (POST /api/v1/chat), ``socketio`` (the gateway's Socket.IO door, as a
Rasa web client uses it: one websocket per conversation, ``session_request`` once, then
``user_uttered``; a turn ends with the acknowledgement, which the door sends after the turn's
``bot_uttered`` messages) and ``direct`` (Rasa's REST webhook). All classify a turn the same
way: ok, or an error kind (``http_<code>``, ``timeout``, ``connect``, ``empty_reply``), so
their figures compare.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.triage.questions import load_questions

#: Opening reports that lead through the full list of questions (no red flag in the first
#: message), one per symptom category the bot triages.
OPENINGS = (
    "my back hurts, 3 weeks now",
    "I've had a dull ache in my hip for a few weeks, it's deep in the bone",
    "i keep getting headaches, they come and go",
    "I've been so tired all the time lately, even after a full night's sleep",
    "I have had a dry cough for a while now",
    "my neck has been stiff and sore for about a month, no better",
    "I've lost my appetite and I think I've lost some weight",
    "I have been feeling really low and flat for weeks",
    "I get out of breath walking up the stairs these days",
    "there's an ache in my ribs on the right side",
)

#: Answers by question type (questions.yml ``type``).
ANSWERS = {
    "yes_no": "no",
    "duration": "about 3 weeks",
    "severity": "moderate (4-6)",
    "onset": "gradually",
    "trend": "about the same",
}

#: A triage never needs more turns than this (MAX_QUESTIONS is 14, plus re-asks).
MAX_TURNS = 25


@lru_cache(maxsize=1)
def question_types() -> dict[str, str]:
    """Question text -> question type, for every question and per-category wording."""
    bank = load_questions()
    index = {q.text.strip(): q.type for q in bank.questions.values()}
    for questions in bank.by_category.values():
        for q in questions:
            index[q.text.strip()] = q.type
    return index


def answer_for(texts: list[str]) -> str | None:
    """The person's reply to the last question among the bot's messages, if any."""
    index = question_types()
    for text in reversed(texts):
        kind = index.get(text.strip())
        if kind is not None:
            return ANSWERS[kind]
    return None


def check_loopback(url: str) -> str:
    """Return ``url`` without a trailing slash; exit if its host is not a loopback address."""
    host = urlsplit(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"benchmarks target loopback only, not {url}")
    return url.rstrip("/")


def new_session_id(tag: str) -> str:
    """Return a new random session id ``bench-TAG-HEX``, at most 64 characters."""
    return f"bench-{tag}-{secrets.token_hex(8)}"[:64]


@dataclass
class TurnResult:
    ok: bool
    latency: float  # seconds
    texts: list[str] = field(default_factory=list)
    triage: dict[str, Any] | None = None
    error: str | None = None


class Target:
    """One way to send a user message and read the bot's turn."""

    name = "?"

    def __init__(self, base_url: str) -> None:
        self.base_url = check_loopback(base_url)

    def request(self, session_id: str, message: str) -> tuple[str, dict[str, Any]]:
        """Return the path and JSON payload that send ``message`` (subclasses define it)."""
        raise NotImplementedError

    def parse(self, body: Any) -> tuple[list[str], dict[str, Any] | None]:
        """Return a response body's reply texts and triage or None (subclasses define it)."""
        raise NotImplementedError

    async def send(self, client: httpx.AsyncClient, session_id: str, message: str) -> TurnResult:
        """Send one message and return the turn's result, its latency and any error."""
        path, payload = self.request(session_id, message)
        started = time.perf_counter()
        try:
            response = await client.post(self.base_url + path, json=payload)
            body = response.json() if response.status_code // 100 == 2 else None
        except httpx.TimeoutException:
            return TurnResult(False, time.perf_counter() - started, error="timeout")
        except httpx.HTTPError as err:
            return TurnResult(False, time.perf_counter() - started, error=type(err).__name__)
        except ValueError:
            return TurnResult(False, time.perf_counter() - started, error="invalid_json")
        return self._result(response.status_code, body, time.perf_counter() - started)

    def _result(self, status: int, body: Any, latency: float) -> TurnResult:
        """The turn's result from its HTTP status and (2xx) JSON body."""
        if body is None:
            return TurnResult(False, latency, error=f"http_{status}")
        texts, triage = self.parse(body)
        if not texts and triage is None:
            return TurnResult(False, latency, error="empty_reply")
        return TurnResult(True, latency, texts, triage)

    async def end(self, session_id: str) -> None:
        """The conversation is over (or abandoned)."""

    def send_sync(self, client: httpx.Client, session_id: str, message: str) -> TurnResult:
        """The same as :meth:`send` for the sequential benchmarks."""
        path, payload = self.request(session_id, message)
        started = time.perf_counter()
        try:
            response = client.post(self.base_url + path, json=payload)
            body = response.json() if response.status_code // 100 == 2 else None
        except httpx.TimeoutException:
            return TurnResult(False, time.perf_counter() - started, error="timeout")
        except httpx.HTTPError as err:
            return TurnResult(False, time.perf_counter() - started, error=type(err).__name__)
        return self._result(response.status_code, body, time.perf_counter() - started)


class GatewayTarget(Target):
    name = "gateway"

    def request(self, session_id: str, message: str) -> tuple[str, dict[str, Any]]:
        """Return the chat API's path and payload for the message."""
        return "/api/v1/chat", {"session_id": session_id, "message": message}

    def parse(self, body: Any) -> tuple[list[str], dict[str, Any] | None]:
        """Return the reply texts and the triage of a chat API response."""
        replies = body.get("replies") or [] if isinstance(body, dict) else []
        texts = [r.get("text") or "" for r in replies if isinstance(r, dict)]
        triage = body.get("triage") if isinstance(body, dict) else None
        return [t for t in texts if t], triage


class DirectTarget(Target):
    name = "direct"

    def request(self, session_id: str, message: str) -> tuple[str, dict[str, Any]]:
        """Return Rasa's REST webhook path and payload for the message."""
        return "/webhooks/rest/webhook", {"sender": session_id, "message": message}

    def parse(self, body: Any) -> tuple[list[str], dict[str, Any] | None]:
        """Return the reply texts and the triage (in ``custom``) of a REST webhook response."""
        if not isinstance(body, list):
            return [], None
        texts, triage = [], None
        for message in body:
            if not isinstance(message, dict):
                continue
            if message.get("text"):
                texts.append(message["text"])
            custom = message.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
                triage = custom["triage"]
        return texts, triage


class SocketIOTarget(Target):
    """The gateway's Socket.IO door over websocket, with python-socketio's client.

    The client is the synchronous one (python-engineio's asyncio client needs aiohttp 3.10+
    for websockets; Rasa pins 3.9), one thread per simulated person, so its waiting does not
    queue behind other people's.
    """

    name = "socketio"

    def __init__(self, base_url: str, people: int = 64) -> None:
        super().__init__(base_url)
        self._clients: dict[str, Any] = {}
        self._pool = ThreadPoolExecutor(max_workers=people + 4, thread_name_prefix="socketio")

    def _connect(self, session_id: str) -> Any:
        import socketio

        client = socketio.Client(
            reconnection=False, websocket_extra_options={"suppress_origin": True}
        )
        client.connect(self.base_url, transports=["websocket"], wait_timeout=30)
        client.call("session_request", {"session_id": session_id}, timeout=30)
        self._clients[session_id] = client
        return client

    def _turn(self, session_id: str, message: str) -> TurnResult:
        import socketio

        try:
            client = self._clients.get(session_id) or self._connect(session_id)
        except (socketio.exceptions.SocketIOError, OSError) as err:
            return TurnResult(False, 0.0, error=type(err).__name__)
        started = time.perf_counter()
        try:
            ack = client.call(
                "user_uttered", {"message": message, "session_id": session_id}, timeout=30
            )
        except socketio.exceptions.TimeoutError:
            return TurnResult(False, time.perf_counter() - started, error="timeout")
        except socketio.exceptions.SocketIOError as err:
            return TurnResult(False, time.perf_counter() - started, error=type(err).__name__)
        latency = time.perf_counter() - started
        if ack.get("status") != 200:
            return TurnResult(False, latency, error=f"http_{ack.get('status')}")
        texts = [r["text"] for r in ack["replies"] if r.get("text")]
        if not texts and ack.get("triage") is None:
            return TurnResult(False, latency, error="empty_reply")
        return TurnResult(True, latency, texts, ack.get("triage"))

    async def send(self, client: httpx.AsyncClient, session_id: str, message: str) -> TurnResult:
        """Send one message over the session's Socket.IO client in the thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._turn, session_id, message)

    def _close(self, session_id: str) -> None:
        client = self._clients.pop(session_id, None)
        if client is not None:
            client.disconnect()

    async def end(self, session_id: str) -> None:
        """Disconnect the session's Socket.IO client, if it has one, in the thread pool."""
        await asyncio.get_running_loop().run_in_executor(self._pool, self._close, session_id)


TARGETS = ("direct", "gateway", "socketio")


def make_target(name: str, gateway_url: str, rasa_url: str) -> Target:
    """Return the target called ``name``: the gateway's Socket.IO or chat API, or Rasa directly."""
    if name == "socketio":
        return SocketIOTarget(gateway_url)
    return GatewayTarget(gateway_url) if name == "gateway" else DirectTarget(rasa_url)


def pick_opening(rng: random.Random) -> str:
    """Return a random opening message."""
    return rng.choice(OPENINGS)
