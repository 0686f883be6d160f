"""The whole product started as `make run` starts it, and a short conversation."""

from __future__ import annotations

import sqlite3

import httpx
import psutil
import pytest

from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def count_user_events(stack: Stack, session_id: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        (n,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            (session_id,),
        ).fetchone()
    return n


def test_health_and_readiness_are_ok(stack: Stack):
    assert httpx.get(f"{stack.gateway_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{stack.gateway_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"rasa": True, "actions": True, "tracker_store": True}


def test_short_conversation_through_the_chat_api_is_stored(stack: Stack):
    first = stack.chat("hello")
    assert first.status_code == 200
    body = first.json()
    session_id = body["session_id"]
    text = " ".join(r["text"] for r in body["replies"])
    assert "911" in text  # the emergency number, from the very first turn
    assert "can't diagnose" in text
    assert body["triage"] is None

    answer = stack.chat("should i be having regular pet scans to check its not back?", session_id)
    assert answer.status_code == 200
    text = " ".join(r["text"] for r in answer.json()["replies"])
    assert "Source: Johns Hopkins Medicine" in text

    bye = stack.chat("thanks, bye", session_id)
    assert bye.status_code == 200
    assert count_user_events(stack, session_id) == 3


def test_rasa_and_action_server_listen_on_loopback_only(stack: Stack):
    listening = [c for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
    for url in (stack.rasa_url, stack.action_url, stack.gateway_url):
        port = int(url.rsplit(":", 1)[1])
        hosts = {c.laddr.ip for c in listening if c.laddr.port == port}
        assert hosts == {"127.0.0.1"}, (port, hosts)


def test_ctrl_c_stops_all_three_cleanly_and_a_second_start_does_not_retrain(tmp_path, model_path):
    from tests.integration.conftest import start_stack, stop_stack

    own = start_stack(tmp_path)
    ports = [int(u.rsplit(":", 1)[1]) for u in (own.rasa_url, own.action_url, own.gateway_url)]
    assert "training model" not in own.logs()
    code = stop_stack(own)
    assert code in (0, 130), own.logs()[-3000:]  # 130: the conventional exit after Ctrl-C
    assert "SIGKILL" not in own.logs()  # every process stopped when asked
    listening = {
        c.laddr.port for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN
    }
    assert not set(ports) & listening
