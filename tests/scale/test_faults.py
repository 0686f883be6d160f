"""Faults under way: the person always gets an answer (at worst the safe 503 with emergency
guidance), and every user message that got a 2xx is in the tracker store."""

from __future__ import annotations

import concurrent.futures
import secrets
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.integration.conftest import Stack
from tests.scale.conftest import kill_listener, pg_count_user_events, wait_listening

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]


def chat_counting(stack: Stack, session: str, message: str, tally: dict) -> dict:
    response = stack.chat(message, session)
    assert response.status_code in (200, 503), response.text
    body = response.json()
    if response.status_code == 200:
        tally[session] = tally.get(session, 0) + 1
    else:
        assert "911" in body["detail"] and "911" in body["emergency"]
    return body


def open_triage(stack: Stack, session: str, tally: dict) -> None:
    """The opening report, repeated until answered (the previous fault may still be clearing)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if "replies" in chat_counting(
            stack, session, "my back has been aching for about 3 weeks", tally
        ):
            return
        time.sleep(2)
    raise AssertionError("the opening message was never answered")


def finish_triage(stack: Stack, session: str, tally: dict, deadline: float) -> dict | None:
    """Answers "no" until the disposition; a 503 meanwhile is allowed (then wait a second)."""
    while time.monotonic() < deadline:
        body = chat_counting(stack, session, "no", tally)
        if body.get("triage"):
            return body["triage"]
        if "replies" not in body:
            time.sleep(1)
    print(stack.logs()[-4000:])  # shown by pytest when the assertion below fails
    return None


def test_action_server_crash_mid_form(scaled):
    stack, db = scaled
    tally: dict = {}
    session = "actions-crash-" + secrets.token_hex(4)
    first = chat_counting(stack, session, "my back has been aching for about 3 weeks", tally)
    assert first["replies"]
    port = int(stack.action_url.rsplit(":", 1)[1])
    kill_listener(port)
    during = stack.chat("no", session)
    assert during.status_code == 503
    assert "911" in during.json()["emergency"]
    wait_listening(port)
    triage = finish_triage(stack, session, tally, time.monotonic() + 240)
    assert triage is not None and triage["level"] == "soon"
    assert pg_count_user_events(db, session) == tally[session]


def test_rasa_replica_killed_under_load(scaled):
    stack, db = scaled
    tally: dict = {}
    lock = threading.Lock()
    sessions = [f"load-kill-{secrets.token_hex(3)}-{i:02d}" for i in range(10)]

    def converse(session: str) -> None:
        local: dict = {}
        for message in ("hello", "my hip aches", "no", "no", "no"):
            chat_counting(stack, session, message, local)
        with lock:
            tally.update(local)

    rasa_port = int(stack.rasa_url.rsplit(":", 1)[1])
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(converse, s) for s in sessions]
        time.sleep(0.5)  # the conversations are under way
        kill_listener(rasa_port)
        for f in futures:
            f.result()
    for session in sessions:
        stored = pg_count_user_events(db, session)
        # Nothing answered 2xx is lost, and no message is processed twice (at most the one
        # a dying replica stored before it could answer, which the person saw as a 503).
        assert tally.get(session, 0) <= stored <= 5
    assert sum(tally.values()) > 0
    wait_listening(rasa_port)


def test_database_restarted(scaled):
    stack, db = scaled
    tally: dict = {}
    session = "db-restart-" + secrets.token_hex(4)
    open_triage(stack, session, tally)
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        timeout=120,
    )
    triage = finish_triage(stack, session, tally, time.monotonic() + 240)
    assert triage is not None and triage["level"] == "soon"
    assert pg_count_user_events(db, session) == tally[session]


def test_redis_restarted(scaled, redis_server):
    stack, db = scaled
    tally: dict = {}
    session = "redis-restart-" + secrets.token_hex(4)
    open_triage(stack, session, tally)
    redis_server.stop()
    down = stack.chat("no", session)
    assert down.status_code == 503
    assert "911" in down.json()["emergency"]
    redis_server.start()
    triage = finish_triage(stack, session, tally, time.monotonic() + 240)
    assert triage is not None and triage["level"] == "soon"
    assert pg_count_user_events(db, session) == tally[session]
