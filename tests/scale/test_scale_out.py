"""Rasa's own scale-out: replicas sharing the PostgreSQL tracker store and Redis locks, the
gateway keeping each conversation on one replica and failing over when it is down."""

from __future__ import annotations

import concurrent.futures
import secrets

import pytest

from api.rasa_client import RasaClient
from tests.integration.conftest import Stack
from tests.scale.conftest import (
    kill_listener,
    pg_count_user_events,
    pg_event_types,
    wait_listening,
)
from tests.socket_client import SocketChat

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]


def replica_port(stack: Stack, session_id: str) -> int:
    rasa_port = int(stack.rasa_url.rsplit(":", 1)[1])
    urls = [f"http://127.0.0.1:{rasa_port + i}" for i in range(2)]
    first = RasaClient(urls, 1).replicas_for(session_id)[0]
    return int(first.rsplit(":", 1)[1])


def test_both_replicas_serve_conversations(scaled):
    stack, _ = scaled
    ports = {replica_port(stack, f"spread-{i:04d}") for i in range(20)}
    assert len(ports) == 2
    for i in range(4):
        assert stack.chat("hello", f"spread-{i:04d}").status_code == 200


def test_conversation_whose_replica_dies_completes_on_the_other(scaled):
    stack, db = scaled
    session = "failover-" + secrets.token_hex(6)
    ok = 0
    body = stack.chat("my back has been aching for about 3 weeks", session).json()
    ok += 1
    assert body["triage"] is None
    port = replica_port(stack, session)
    kill_listener(port)
    triage = None
    for _ in range(20):
        response = stack.chat("no", session)
        assert response.status_code == 200, response.text
        ok += 1
        triage = response.json()["triage"]
        if triage:
            break
    assert triage is not None and triage["level"] == "soon"
    assert pg_count_user_events(db, session) == ok
    wait_listening(port)


def test_concurrent_messages_to_one_conversation_are_processed_one_after_another(scaled):
    stack, db = scaled
    session = "ordered-" + secrets.token_hex(6)
    assert stack.chat("hello", session).status_code == 200
    messages = ["what is metastatic breast cancer", "thanks", "how is it treated", "bye"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda m: stack.chat(m, session).status_code, messages))
    assert codes == [200] * 4
    events = pg_event_types(db, session)
    # Each user message is followed by its own actions and a listen before the next one.
    turns = []
    for kind, action in events:
        if kind == "user":
            turns.append([])
        elif turns and kind == "action":
            turns[-1].append(action)
    assert len(turns) == 5
    assert all(t and t[-1] == "action_listen" for t in turns)


def test_twenty_concurrent_conversations_across_replicas_lose_nothing(scaled):
    stack, db = scaled
    sessions = [f"crowd-{secrets.token_hex(4)}-{i:02d}" for i in range(20)]

    def converse(session: str) -> int:
        ok = 0
        for message in ("hello", "my hip aches", "no", "no"):
            if stack.chat(message, session).status_code == 200:
                ok += 1
        return ok

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answered = dict(zip(sessions, pool.map(converse, sessions), strict=True))
    for session, ok in answered.items():
        assert ok == 4
        assert pg_count_user_events(db, session) == ok


def test_socketio_conversation_whose_replica_dies_completes_on_the_other(scaled):
    stack, db = scaled
    session = "sio-failover-" + secrets.token_hex(6)
    with SocketChat(stack.gateway_url, "websocket") as chat:
        chat.start(session)
        ack, _ = chat.say("my back has been aching for about 3 weeks")
        assert ack["status"] == 200 and ack["triage"] is None
        ok = 1
        port = replica_port(stack, session)
        kill_listener(port)
        triage = None
        for _ in range(20):
            ack, messages = chat.say("no")
            assert ack["status"] == 200, ack
            ok += 1
            triage = ack["triage"]
            if triage:
                assert {"triage": triage} in [m.get("custom") for m in messages]
                break
    assert triage is not None and triage["level"] == "soon"
    assert pg_count_user_events(db, session) == ok
    wait_listening(port)
