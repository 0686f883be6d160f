"""The Socket.IO door (/socket.io/) of a gateway served by a real uvicorn (wsproto), with
Rasa and the action server not running: the protocol over both transports, the origin
allow-list, bad input, size and rate limits, and the safe answer with emergency guidance.
Conversations with the real Rasa are in tests/integration/test_socket_door_stack.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
import socketio
import websocket

from api.rasa_client import BotTurn
from api.socket_door import bot_messages
from tests.browser.conftest import ThreadedServer, gateway_app
from tests.integration.conftest import free_port
from tests.socket_client import SocketChat as Client

SITE = "http://127.0.0.1:9"  # an allowed site (nothing needs to listen there)
OTHER = "http://127.0.0.1:10"  # a site not in CORS_ORIGINS
SECRET_WORDS = "my-private-symptom-words"


@pytest.fixture(scope="module")
def door(tmp_path_factory) -> Iterator[ThreadedServer]:
    app = gateway_app(
        state_dir=tmp_path_factory.mktemp("door"),
        rasa_port=free_port(),
        action_port=free_port(),
        emergency_number="999",
        rasa_timeout_seconds=2,
        cors_origins=[SITE],
        rate_limit_per_session="off",
        rate_limit_per_client="off",
    )
    with ThreadedServer(app) as server:
        yield server


@pytest.fixture()
def client(door) -> Iterator[Client]:
    c = Client(door.url)
    yield c
    c.close()


# ---- Rasa's message format -------------------------------------------------------------------


def test_bot_messages_use_rasa_socketio_format_for_text_buttons_and_triage():
    turn = BotTurn(
        replies=[
            {"text": "Hello.", "buttons": []},
            {
                "text": "One thing first.\n\nDo your legs feel weak?",
                "buttons": [{"title": "Yes", "payload": "/affirm"}],
            },
        ],
        triage={"level": "urgent", "symptoms": ["back pain"], "advice": "Call today."},
    )
    assert bot_messages(turn) == [
        {"text": "Hello."},
        {"text": "One thing first."},
        {
            "text": "Do your legs feel weak?",
            "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}],
        },
        {"custom": {"triage": turn.triage}},
    ]


def test_a_disposition_with_a_summary_brings_a_markdown_link_in_the_clients_language():
    url = "https://gw.example/summary/abcdefghijklmnopqrstuvwx"
    advice = "Please contact your care team within the next few days.\nWhy this advice: ..."
    turn = BotTurn(
        replies=[
            {"text": advice, "buttons": []},
            {"text": "Is there anything else you'd like to tell me?", "buttons": []},
        ],
        triage={"level": "soon", "advice": advice, "summary_url": url},
    )
    assert bot_messages(turn) == [
        {"text": advice},
        {"text": f"[Summary for my appointment]({url})"},  # after the advice, not the question
        {"text": "Is there anything else you'd like to tell me?"},
        {"custom": {"triage": turn.triage}},
    ]
    assert bot_messages(turn, "es")[1] == {"text": f"[Resumen para mi cita]({url})"}
    assert bot_messages(turn, "xx")[1] == bot_messages(turn, None)[1]  # unknown: English


# ---- the protocol over both transports -------------------------------------------------------


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_session_request_is_confirmed_with_a_new_or_the_given_id(door, transport):
    c = Client(door.url, transport)
    try:
        assert c.sio.transport() == transport
        fresh = c.call("session_request", {"session_id": None})
        assert fresh["status"] == 200
        assert 8 <= len(fresh["session_id"]) <= 64
        given = c.call("session_request", {"session_id": "webchat-session-0001"})
        assert given == {"status": 200, "session_id": "webchat-session-0001"}
        confirms = [d for n, d in c.events if n == "session_confirm"]
        assert confirms == [fresh["session_id"], "webchat-session-0001"]
    finally:
        c.close()


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_turn_with_rasa_down_gets_503_with_emergency_guidance(door, transport):
    c = Client(door.url, transport)
    try:
        session = c.call("session_request", {})["session_id"]
        ack = c.call("user_uttered", {"message": "my back hurts", "session_id": session})
        assert ack["status"] == 503
        assert "999" in ack["emergency"] and ack["session_id"] == session
        assert ack["retry_after"] > 0
        assert c.bot.wait(10)
        assert any("999" in t for t in c.texts())  # what a Rasa Webchat user reads
        assert ("chat_error", ack) in c.events
    finally:
        c.close()


def test_gateway_serves_socketio_only_under_its_path(door):
    assert httpx.get(f"{door.url}/socket.io/?EIO=4&transport=polling").status_code == 200
    assert httpx.get(f"{door.url}/socket.io/?EIO=3&transport=polling").status_code == 400


# ---- origins -------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_listed_origin_connects_and_other_origins_are_refused(door, transport):
    allowed = Client(door.url, transport, origin=SITE)
    assert allowed.call("session_request", {})["status"] == 200
    allowed.close()
    with pytest.raises(socketio.exceptions.ConnectionError):
        Client(door.url, transport, origin=OTHER)


def test_polling_answers_carry_cors_headers_for_listed_origins_only(door):
    url = f"{door.url}/socket.io/?EIO=4&transport=polling"
    ok = httpx.get(url, headers={"Origin": SITE})
    assert ok.status_code == 200
    assert ok.headers.get_list("access-control-allow-origin") == [SITE]
    assert "access-control-allow-credentials" not in ok.headers
    refused = httpx.get(url, headers={"Origin": OTHER})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    preflight = httpx.options(
        url, headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400


def test_websocket_handshake_from_another_origin_is_refused(door):
    url = door.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketException):
        websocket.create_connection(url, origin=OTHER, timeout=10)
    ok = websocket.create_connection(url, origin=SITE, timeout=10)
    assert ok.recv().startswith("0{")  # Engine.IO's open packet
    ok.close()


# ---- bad input -----------------------------------------------------------------------------------

BAD_EVENTS = [
    ("empty", {"message": ""}, 422),
    ("whitespace", {"message": " \n\t "}, 422),
    ("number", {"message": 42}, 422),
    ("list", {"message": ["my", "back"]}, 422),
    ("nul_byte", {"message": "hi\x00there"}, 422),
    ("too_long", {"message": "back pain " * 1024}, 413),
]


@pytest.mark.parametrize(("name", "data", "status"), BAD_EVENTS, ids=[b[0] for b in BAD_EVENTS])
def test_bad_user_uttered_gets_4xx_with_detail(client, name, data, status):
    session = client.call("session_request", {})["session_id"]
    ack = client.call("user_uttered", {"session_id": session, **data})
    assert ack["status"] == status, ack
    assert ack["detail"]
    assert client.bot.wait(10)
    assert "999" in client.texts()[-1]  # the person still reads what to do in an emergency


@pytest.mark.parametrize(
    "session_id", ["short", "has spaces in it", "x" * 65, "../../etc/passwd", "ünïcødé-id", 12345]
)
def test_bad_session_id_is_refused_with_422_and_never_echoed(client, session_id):
    ack = client.call("session_request", {"session_id": session_id})
    assert ack["status"] == 422
    assert ack["detail"][0]["loc"] == ["body", "session_id"]
    ack = client.call("user_uttered", {"message": "my back hurts", "session_id": session_id})
    assert ack["status"] == 422
    assert str(session_id) not in str(ack)
    assert not [n for n, _ in client.events if n == "session_confirm"]


def test_message_without_any_session_is_refused(client):
    ack = client.call("user_uttered", {"message": "my back hurts"})
    assert ack["status"] == 422
    assert "session_request" in ack["detail"][0]["msg"]


def test_null_init_payload_of_rasa_webchat_is_refused_without_a_bot_message(client):
    session = client.call("session_request", {"session_id": None})["session_id"]
    ack = client.call("user_uttered", {"message": None, "customData": {}, "session_id": session})
    assert ack["status"] == 422
    client.sio.sleep(0.5)
    assert client.bot_messages() == []


def test_event_data_that_is_not_an_object_is_refused(client):
    assert client.call("user_uttered", "my back hurts")["status"] == 422
    assert client.call("session_request", "nonsense")["status"] == 200  # like Rasa: a new id


def test_websocket_frame_over_the_body_limit_closes_only_that_connection(door):
    big = Client(door.url, "websocket")
    small = Client(door.url, "websocket")
    try:
        big.sio.emit("user_uttered", {"message": "x" * 40_000, "session_id": "a" * 12})
        big.sio.sleep(1)
        assert not big.sio.connected
        assert small.call("session_request", {})["status"] == 200
    finally:
        small.close()


def test_polling_body_over_the_limit_gets_413(door):
    handshake = httpx.get(f"{door.url}/socket.io/?EIO=4&transport=polling").text
    sid = handshake[handshake.index('"sid":"') + 7 :].split('"')[0]
    response = httpx.post(
        f"{door.url}/socket.io/?EIO=4&transport=polling&sid={sid}",
        content=b"4" + b"x" * 40_000,
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 413


def test_no_message_text_in_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    session = client.call("session_request", {})["session_id"]
    client.call("user_uttered", {"message": f"{SECRET_WORDS} hurt", "session_id": session})
    client.call("user_uttered", {"message": f"{SECRET_WORDS}\x00", "session_id": session})
    assert SECRET_WORDS not in caplog.text


# ---- rate limits ---------------------------------------------------------------------------------


def test_rate_limits_apply_per_client_and_per_session(tmp_path):
    app = gateway_app(
        state_dir=tmp_path,
        rasa_port=free_port(),
        action_port=free_port(),
        emergency_number="999",
        rate_limit_per_session="2/minute",
        rate_limit_per_client="6/minute",
    )
    with ThreadedServer(app) as server:
        c = Client(server.url)  # the connection counts: 1 of 6
        try:
            session = c.call("session_request", {})["session_id"]  # 2
            statuses = [
                c.call("user_uttered", {"message": "hello", "session_id": session})["status"]
                for _ in range(3)
            ]  # 3, 4, 5
            assert statuses == [503, 503, 429]  # Rasa is down; the third is over 2/minute
            other = c.call("user_uttered", {"message": "hello", "session_id": "other-session"})
            assert other["status"] == 503  # 6: another session has its own limit
            over = c.call("user_uttered", {"message": "hello", "session_id": "third-session"})
            assert over["status"] == 429  # 7: over the client's 6/minute
            assert over["retry_after"] >= 1 and "999" in over["detail"]
        finally:
            c.close()
        with pytest.raises(socketio.exceptions.ConnectionError):
            Client(server.url)  # the client's limit applies to new connections too
