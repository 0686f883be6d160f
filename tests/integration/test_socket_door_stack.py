"""The gateway's Socket.IO door in front of the real Rasa and action server, with the gateway
started the way `make run` starts it (`bot run`: uvicorn with the wsproto websocket
implementation, since Rasa pins websockets 10.x). A socketio turn takes the chat API's path:
the same conversations, the same tracker store, the same refusals."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.integration.conftest import Stack
from tests.socket_client import SocketChat

pytestmark = pytest.mark.integration

RED_FLAG = "my back hurts and my legs have gone numb and I can't pee"
SYMPTOM = "my hip bone has been aching"
PASSWORD = "socketio-passphrase-1"


def count_events(stack: Stack, session_id: str, kind: str | None = None) -> int:
    query = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
    args: tuple = (session_id,)
    if kind:
        query += " AND type_name = ?"
        args += (kind,)
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute(query, args).fetchone()[0]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_socketio_conversation_through_the_gateway_started_by_bot_run(stack: Stack, transport):
    with SocketChat(stack.gateway_url, transport) as chat:
        assert chat.sio.transport() == transport
        session_id = chat.start()
        ack, messages = chat.say("hello")
        assert ack["status"] == 200, ack
        assert ack["triage"] is None
        assert messages and all(set(m) == {"text"} for m in messages)
        assert any("911" in m["text"] for m in messages)  # the notice, from the first turn
        assert count_events(stack, session_id, "user") == 1


def test_symptom_report_gets_quick_replies_and_both_buttons_and_text_answer(stack: Stack):
    with SocketChat(stack.gateway_url, "websocket") as chat:
        session_id = chat.start()
        _, messages = chat.say(SYMPTOM)
        question = messages[-1]
        assert question["text"] and question["quick_replies"], messages
        assert set(question) == {"text", "quick_replies"}  # what Rasa Webchat renders
        button = question["quick_replies"][0]
        assert button["content_type"] == "text" and button["title"] and button["payload"]
        by_button, after_button = chat.say(button["payload"])
        assert by_button["status"] == 200 and after_button
        assert after_button[-1].get("text") != question["text"]
        by_text, after_text = chat.say("no, not really")
        assert by_text["status"] == 200 and after_text
        assert count_events(stack, session_id, "user") == 3


def test_red_flag_message_gets_the_emergency_disposition(stack: Stack):
    with SocketChat(stack.gateway_url, "websocket") as chat:
        chat.start()
        ack, messages = chat.say(RED_FLAG)
        assert ack["status"] == 200, ack
        assert ack["triage"]["level"] == "emergency"
        custom = [m["custom"] for m in messages if "custom" in m]
        assert custom == [{"triage": ack["triage"]}]
        assert any(ack["triage"]["advice"].split("\n")[0] in t for t in chat.texts())
        assert any("911" in t for t in chat.texts())
        url = ack["triage"]["summary_url"]
        assert url.startswith(stack.gateway_url + "/summary/")
        assert f"[Summary for my appointment]({url})" in chat.texts()
        page = httpx.get(url)
        assert page.status_code == 200 and "Summary for my appointment" in page.text


def test_reconnecting_with_the_session_id_continues_the_conversation(stack: Stack):
    with SocketChat(stack.gateway_url, "websocket") as first:
        session_id = first.start()
        _, opening = first.say(SYMPTOM)
    question = opening[-1]["text"]
    with SocketChat(stack.gateway_url, "polling") as again:
        assert again.start(session_id) == session_id
        ack, messages = again.say("no")
    assert ack["status"] == 200
    texts = [m.get("text", "") for m in messages]
    assert not any("automated symptom checker" in t for t in texts)  # not a fresh start
    assert texts[-1] != question or ack["triage"]
    assert count_events(stack, session_id, "user") == 2


def test_every_socket_of_a_conversation_gets_its_replies(stack: Stack):
    with SocketChat(stack.gateway_url, "websocket") as tab1:
        session_id = tab1.start()
        with SocketChat(stack.gateway_url, "polling") as tab2:
            tab2.start(session_id)
            ack, messages = tab1.say("hello")
            assert ack["status"] == 200
            assert tab2.bot.wait(10)
            for _ in range(100):
                if len(tab2.bot_messages()) >= len(messages):
                    break
                tab2.sio.sleep(0.05)
            assert tab2.bot_messages() == messages


BAD_MESSAGES = [
    ("empty", "", 422),
    ("whitespace", "  \n\t ", 422),
    ("nul", "hi\x00there", 422),
    ("number", 42, 422),
    ("too_long", "back pain " * 1024, 413),
]


@pytest.mark.parametrize(
    ("name", "message", "status"), BAD_MESSAGES, ids=[b[0] for b in BAD_MESSAGES]
)
def test_bad_socketio_input_is_refused_and_nothing_is_stored(stack: Stack, name, message, status):
    with SocketChat(stack.gateway_url, "websocket") as chat:
        session_id = chat.start(f"sio-rejected-{name}".replace("_", "-"))
        ack = chat.call("user_uttered", {"message": message, "session_id": session_id})
        assert ack["status"] == status, ack
        assert ack["detail"]
        assert count_events(stack, session_id) == 0
        good, _ = chat.say("hello")  # the connection and the session still work
        assert good["status"] == 200
        assert count_events(stack, session_id, "user") == 1


def test_socketio_conversation_shows_in_the_clinician_api_and_no_text_in_logs(stack: Stack):
    marker = "zebra-crossing-ache"
    with SocketChat(stack.gateway_url, "websocket") as chat:
        session_id = chat.start()
        chat.say(RED_FLAG)
        ack, _ = chat.say(f"and a {marker} in my knee")
        assert ack["status"] == 200
    with stack.clinician_client("sio-nurse", PASSWORD) as client:
        listing = client.get("/api/v1/clinician/conversations", params={"q": session_id})
        (item,) = listing.json()["items"]
        assert item["level"] == "emergency"
        assert item["user_messages"] == 2
        transcript = client.get(f"/api/v1/clinician/conversations/{session_id}").json()
        users = [t["text"] for t in transcript["turns"] if t["kind"] == "user"]
        assert users[0] == RED_FLAG
    assert marker not in stack.logs()
