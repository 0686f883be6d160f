"""The hardened gateway in front of the real Rasa and action servers.

- Every kind of bad input gets a clear 4xx with ``detail`` and leaves nothing in the tracker
  store (counted in the SQLite ``events`` table, since Rasa's fail-safe store hides failures).
- Rasa's own REST and socketio channels still work and land in the same tracker store.
- With Rasa, and separately the action server, killed or hung, the chat answers 503 with the
  emergency guidance; after they are back the same conversation carries on. The same holds
  for a conversation through the gateway's Socket.IO door. These tests start
  the three processes themselves (``ops.stack``'s commands), because ``bot run``'s supervisor
  stops everything when one process exits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bot.secrets_store import ensure_secret
from bot.settings import Settings
from ops.stack import action_command, gateway_command, process_env, rasa_command
from tests.conftest import ROOT
from tests.contract.recorder import register_gateway
from tests.integration.conftest import Stack, free_port
from tests.socket_client import SocketChat

pytestmark = pytest.mark.integration

RASA_TIMEOUT = 8  # seconds: the gateway's wait for Rasa in the own-stack tests
ACTION_TIMEOUT = 3  # seconds: Rasa's wait for the action server in the own-stack tests


def run_coroutine(coroutine):
    """asyncio.run in its own thread: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def count_events(db: Path, session_id: str | None = None) -> int:
    with sqlite3.connect(db) as conn:
        if session_id is None:
            (n,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        else:
            (n,) = conn.execute(
                "SELECT COUNT(*) FROM events WHERE sender_id = ?", (session_id,)
            ).fetchone()
    return n


# ---- bad input against the real stack -----------------------------------------------------------

JSON = {"content-type": "application/json"}

BAD_REQUESTS = [
    # (name, method, path, kwargs, expected status)
    ("empty", "POST", "/api/v1/chat", {"json": {"message": ""}}, 422),
    ("whitespace", "POST", "/api/v1/chat", {"json": {"message": "  \n\t "}}, 422),
    ("ten_kb", "POST", "/api/v1/chat", {"json": {"message": "back pain " * 1024}}, 413),
    ("huge_body", "POST", "/api/v1/chat", {"json": {"message": "x" * 50_000}}, 413),
    (
        "invalid_json",
        "POST",
        "/api/v1/chat",
        {"content": b'{"message": "hi"', "headers": JSON},
        422,
    ),
    ("number_message", "POST", "/api/v1/chat", {"json": {"message": 42}}, 422),
    ("list_message", "POST", "/api/v1/chat", {"json": {"message": ["my", "back"]}}, 422),
    ("null_message", "POST", "/api/v1/chat", {"json": {"message": None}}, 422),
    ("no_message", "POST", "/api/v1/chat", {"json": {}}, 422),
    ("array_body", "POST", "/api/v1/chat", {"json": ["hi"]}, 422),
    ("extra_field", "POST", "/api/v1/chat", {"json": {"message": "hi", "admin": True}}, 422),
    ("nul_byte", "POST", "/api/v1/chat", {"json": {"message": "hi\x00there"}}, 422),
    ("binary", "POST", "/api/v1/chat", {"content": os.urandom(512), "headers": JSON}, 422),
    (
        "binary_octets",
        "POST",
        "/api/v1/chat",
        {"content": b"\x89PNG\r\n\x1a\n" + bytes(64), "headers": {"content-type": "image/png"}},
        422,
    ),
    ("unknown_path", "POST", "/api/v1/chats", {"json": {"message": "hi"}}, 404),
    ("wrong_method", "PUT", "/api/v1/chat", {"json": {"message": "hi"}}, 405),
    ("get_chat", "GET", "/api/v1/chat", {}, 405),
]

BAD_SESSION_IDS = [
    "short",
    "has spaces in it",
    "x" * 65,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "semi;colon--",
    "ünïcødé-id",
]


@pytest.mark.parametrize(
    ("name", "method", "path", "kwargs", "status"),
    BAD_REQUESTS,
    ids=[r[0] for r in BAD_REQUESTS],
)
def test_bad_input_gets_4xx_with_detail_and_nothing_is_stored(
    stack: Stack, name, method, path, kwargs, status
):
    session_id = f"rejected-{name}".replace("_", "-")
    if isinstance(kwargs.get("json"), dict) and "message" in kwargs["json"]:
        kwargs = {**kwargs, "json": {**kwargs["json"], "session_id": session_id}}
    before = count_events(stack.tracker_db)
    response = httpx.request(method, f"{stack.gateway_url}{path}", timeout=30, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert "Traceback" not in response.text
    assert count_events(stack.tracker_db, session_id) == 0
    assert count_events(stack.tracker_db) == before


@pytest.mark.parametrize("session_id", BAD_SESSION_IDS)
def test_bad_session_id_gets_422_and_nothing_is_stored(stack: Stack, session_id):
    before = count_events(stack.tracker_db)
    response = httpx.post(
        f"{stack.gateway_url}/api/v1/chat",
        json={"session_id": session_id, "message": "my back hurts"},
        timeout=30,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "session_id"]
    assert session_id not in response.text  # never echoed
    assert count_events(stack.tracker_db, session_id) == 0
    assert count_events(stack.tracker_db) == before


def test_a_valid_turn_after_rejections_is_stored(stack: Stack):
    session_id = "accepted-after-rejections"
    assert stack.chat("", session_id).status_code == 422
    assert count_events(stack.tracker_db, session_id) == 0
    response = stack.chat("hello", session_id)
    assert response.status_code == 200
    assert count_events(stack.tracker_db, session_id) > 0


def test_gateway_started_by_bot_run_sends_security_headers(stack: Stack):
    page = httpx.get(f"{stack.gateway_url}/", timeout=10)
    assert "frame-ancestors" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    chat = stack.chat("hello")
    assert chat.headers["cache-control"] == "no-store"
    assert "uvicorn" not in chat.headers.get("server", "")


# ---- Rasa's own channels -------------------------------------------------------------------------


def test_rasa_rest_channel_lands_in_the_same_tracker_store(stack: Stack):
    session_id = "rest-channel-client"
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": session_id, "message": "hello"},
        timeout=60,
    )
    assert response.status_code == 200
    assert any("911" in m.get("text", "") for m in response.json())
    assert count_events(stack.tracker_db, session_id) > 0


def test_rasa_socketio_channel_answers_and_lands_in_the_same_tracker_store(stack: Stack):
    import socketio

    session_id = "socketio-channel-client"

    async def talk() -> list[dict]:
        received: list[dict] = []
        confirmed = asyncio.Event()
        answered = asyncio.Event()
        client = socketio.AsyncClient(reconnection=False)

        @client.on("session_confirm")
        async def _confirm(*_: object) -> None:
            confirmed.set()

        @client.on("bot_uttered")
        async def _bot(message: dict) -> None:
            received.append(message)
            answered.set()

        await client.connect(stack.rasa_url, transports=["polling"], wait_timeout=20)
        try:
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed.wait(), 20)
            await client.emit("user_uttered", {"message": "hello", "session_id": session_id})
            await asyncio.wait_for(answered.wait(), 60)
            await asyncio.sleep(1)  # the rest of the turn's messages
        finally:
            await client.disconnect()
        return received

    messages = run_coroutine(talk())
    assert any("911" in m.get("text", "") for m in messages)
    assert count_events(stack.tracker_db, session_id) > 0


# ---- Rasa and the action server down, then back ------------------------------------------


@dataclass
class OwnStack:
    """Rasa, actions and gateway as three separate processes this test controls."""

    settings: Settings
    model: Path
    tmp: Path
    env: dict[str, str]
    jwt: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    @property
    def tracker_db(self) -> Path:
        return self.settings.state_dir / "rasa.db"

    def command(self, name: str) -> list[str]:
        return {
            "actions": lambda: action_command(self.settings),
            "rasa": lambda: rasa_command(self.settings, self.model, self.jwt),
            "gateway": lambda: gateway_command(self.settings),
        }[name]()

    def start(self, name: str) -> None:
        log = (self.tmp / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            self.command(name),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def pause(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGSTOP)

    def resume(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGCONT)

    def stop_all(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                self.resume(name)
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.logs(name)[-3000:]}")
            try:
                if httpx.get(f"{self.gateway_url}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError("not ready")

    def warm_up(self) -> None:
        """A fresh Rasa takes several seconds over its first message (TensorFlow builds its
        graphs); send one straight to Rasa so the tests measure the gateway, not that."""
        httpx.post(
            f"http://127.0.0.1:{self.settings.rasa_port}/webhooks/rest/webhook",
            json={"sender": "warm-up", "message": "hello"},
            timeout=120,
        )

    def logs(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def chat(self, message: str, session_id: str) -> httpx.Response:
        return httpx.post(
            f"{self.gateway_url}/api/v1/chat",
            json={"session_id": session_id, "message": message},
            timeout=60,
        )


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[OwnStack]:
    tmp = tmp_path_factory.mktemp("own-stack")
    settings = Settings(
        state_dir=tmp / "state",
        rasa_port=free_port(),
        action_port=free_port(),
        gateway_port=free_port(),
        rasa_timeout_seconds=RASA_TIMEOUT,
        action_timeout_seconds=ACTION_TIMEOUT,
        rate_limit_per_session="off",
        rate_limit_per_client="off",
    )
    settings.state_dir.mkdir(parents=True)
    jwt = ensure_secret(settings.state_dir, "rasa_jwt_secret", None)
    env = {
        **process_env(settings),
        "RASA_JWT_SECRET": jwt,
        "STATE_DIR": str(settings.state_dir),
        "RASA_PORT": str(settings.rasa_port),
        "ACTION_PORT": str(settings.action_port),
        "GATEWAY_PORT": str(settings.gateway_port),
        "RASA_TIMEOUT_SECONDS": str(RASA_TIMEOUT),
        "ACTION_TIMEOUT_SECONDS": str(ACTION_TIMEOUT),
        "RATE_LIMIT_PER_SESSION": "off",
        "RATE_LIMIT_PER_CLIENT": "off",
    }
    own = OwnStack(settings=settings, model=model_path, tmp=tmp, env=env, jwt=jwt)
    register_gateway(own.gateway_url)
    for name in ("actions", "rasa", "gateway"):
        own.start(name)
    try:
        own.wait_ready()
        own.warm_up()
        yield own
    finally:
        own.stop_all()


def _start_triage(own: OwnStack, session_id: str) -> str:
    """Opens a triage conversation; returns the first follow-up question."""
    first = own.chat("my hip bone has been aching", session_id)
    assert first.status_code == 200, first.text
    replies = first.json()["replies"]
    assert replies[-1]["buttons"], replies  # a follow-up question with quick replies
    return replies[-1]["text"]


def _assert_safe_503(response: httpx.Response, session_id: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert "911" in body["detail"] and "911" in body["emergency"]
    assert body["session_id"] == session_id
    assert "127.0.0.1" not in response.text
    assert response.headers["retry-after"]


def _assert_continues(own: OwnStack, session_id: str, question: str) -> None:
    """The same conversation goes on: the next question, not a fresh disclaimer."""
    response = own.chat("no", session_id)
    assert response.status_code == 200, response.text
    texts = [r["text"] for r in response.json()["replies"]]
    assert not any("automated symptom checker" in t for t in texts), texts
    assert texts[-1] != question or response.json()["triage"], texts


def test_rasa_killed_gives_503_and_the_session_continues_after_restart(own_stack: OwnStack):
    session_id = "rasa-killed-session"
    question = _start_triage(own_stack, session_id)
    own_stack.kill("rasa")
    started = time.monotonic()
    _assert_safe_503(own_stack.chat("no", session_id), session_id)
    assert time.monotonic() - started < 3  # connection refused: no waiting
    assert httpx.get(f"{own_stack.gateway_url}/readyz").status_code == 503
    own_stack.start("rasa")
    own_stack.wait_ready()
    own_stack.warm_up()
    _assert_continues(own_stack, session_id, question)


def test_action_server_killed_gives_503_stores_nothing_and_the_session_continues(
    own_stack: OwnStack,
):
    session_id = "actions-killed-session"
    question = _start_triage(own_stack, session_id)
    stored = count_events(own_stack.tracker_db, session_id)
    own_stack.kill("actions")
    _assert_safe_503(own_stack.chat("no", session_id), session_id)
    # Not sent (the gateway's watch saw the server down) or not saved (Rasa's call to it
    # failed): either way no half-done turn (a user message without its question) is kept.
    assert count_events(own_stack.tracker_db, session_id) == stored
    # A brand-new conversation would lose its disclaimer (action_session_start): also 503.
    _assert_safe_503(
        own_stack.chat("hello", "actions-down-new-session"), "actions-down-new-session"
    )
    assert count_events(own_stack.tracker_db, "actions-down-new-session") == 0
    own_stack.start("actions")
    own_stack.wait_ready()
    _assert_continues(own_stack, session_id, question)
    fresh = own_stack.chat("hello", "actions-down-new-session")
    assert fresh.status_code == 200
    assert "911" in fresh.json()["replies"][0]["text"]  # the disclaimer, now it can be sent


def test_rasa_hung_gives_503_within_the_timeout_and_the_session_continues(own_stack: OwnStack):
    session_id = "rasa-hung-session"
    question = _start_triage(own_stack, session_id)
    own_stack.pause("rasa")
    try:
        started = time.monotonic()
        _assert_safe_503(own_stack.chat("no", session_id), session_id)
        assert time.monotonic() - started < RASA_TIMEOUT + 3  # the timeout plus the probes
    finally:
        own_stack.resume("rasa")
    # The message sent while Rasa was frozen may still be processed when it resumes; either
    # way the conversation goes on from where it is.
    time.sleep(2)
    response = own_stack.chat("no", session_id)
    assert response.status_code == 200, response.text
    texts = [r["text"] for r in response.json()["replies"]]
    assert not any("automated symptom checker" in t for t in texts), texts
    assert texts[-1] != question or response.json()["triage"]


def test_action_server_hung_gives_503_within_the_action_timeout_and_the_session_continues(
    own_stack: OwnStack,
):
    session_id = "actions-hung-session"
    question = _start_triage(own_stack, session_id)
    stored = count_events(own_stack.tracker_db, session_id)
    own_stack.pause("actions")
    try:
        started = time.monotonic()
        _assert_safe_503(own_stack.chat("no", session_id), session_id)
        # Rasa gives up on the action server after ACTION_TIMEOUT (not its own 300 s)
        assert time.monotonic() - started < ACTION_TIMEOUT + 3
        assert count_events(own_stack.tracker_db, session_id) == stored
        time.sleep(4)  # the gateway's background probe has seen it hang by now
        started = time.monotonic()
        _assert_safe_503(own_stack.chat("no", session_id), session_id)
        assert time.monotonic() - started < 3.5 + 2  # one more probe, then not sent at all
        assert count_events(own_stack.tracker_db, session_id) == stored
    finally:
        own_stack.resume("actions")
    _assert_continues(own_stack, session_id, question)


# ---- the same faults through the Socket.IO door ------------------------------------------------


def _socket_triage(own: OwnStack, session_id: str) -> tuple[SocketChat, str]:
    chat = SocketChat(own.gateway_url, "websocket")
    chat.start(session_id)
    ack, messages = chat.say("my hip bone has been aching")
    assert ack["status"] == 200, ack
    assert messages[-1]["quick_replies"], messages
    return chat, messages[-1]["text"]


def _assert_safe_socket_refusal(ack: dict, messages: list[dict], session_id: str) -> None:
    assert ack["status"] == 503, ack
    assert "911" in ack["detail"] and "911" in ack["emergency"]
    assert ack["session_id"] == session_id and ack["retry_after"] > 0
    assert "911" in messages[-1]["text"]  # what a Rasa Webchat user reads
    assert "127.0.0.1" not in str(ack)


def _assert_socket_continues(chat: SocketChat, question: str) -> None:
    ack, messages = chat.say("no")
    assert ack["status"] == 200, ack
    texts = [m.get("text", "") for m in messages]
    assert not any("automated symptom checker" in t for t in texts), texts
    assert texts[-1] != question or ack["triage"], texts


def test_socketio_turn_with_rasa_killed_gets_503_and_continues_after_restart(own_stack: OwnStack):
    session_id = "sio-rasa-killed-session"
    chat, question = _socket_triage(own_stack, session_id)
    try:
        own_stack.kill("rasa")
        _assert_safe_socket_refusal(*chat.say("no"), session_id)
        own_stack.start("rasa")
        own_stack.wait_ready()
        own_stack.warm_up()
        _assert_socket_continues(chat, question)
    finally:
        chat.close()


def test_socketio_turn_with_action_server_killed_gets_503_and_stores_nothing(
    own_stack: OwnStack,
):
    session_id = "sio-actions-killed-session"
    chat, question = _socket_triage(own_stack, session_id)
    try:
        stored = count_events(own_stack.tracker_db, session_id)
        own_stack.kill("actions")
        _assert_safe_socket_refusal(*chat.say("no"), session_id)
        assert count_events(own_stack.tracker_db, session_id) == stored
        own_stack.start("actions")
        own_stack.wait_ready()
        _assert_socket_continues(chat, question)
    finally:
        chat.close()
