"""Mapping Rasa REST channel messages to the chat API's replies and triage field."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.rasa_client import RasaClient, RasaUnavailable, parse_rasa_messages


def test_text_and_buttons_become_replies():
    turn = parse_rasa_messages(
        [
            {"recipient_id": "s", "text": "First"},
            {
                "recipient_id": "s",
                "text": "Any numbness?",
                "buttons": [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            },
        ]
    )
    assert turn.replies == [
        {"text": "First", "buttons": []},
        {
            "text": "Any numbness?",
            "buttons": [
                {"title": "Yes", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ],
        },
    ]
    assert turn.triage is None


def test_custom_triage_payload_becomes_the_triage_field_not_a_reply():
    triage = {"level": "urgent", "symptoms": ["back pain"], "advice": "Call today."}
    turn = parse_rasa_messages(
        [{"recipient_id": "s", "text": "Please call today."}, {"custom": {"triage": triage}}]
    )
    assert turn.triage == triage
    assert [r["text"] for r in turn.replies] == ["Please call today."]


def test_buttons_without_text_attach_to_the_previous_reply():
    turn = parse_rasa_messages(
        [{"text": "How long?"}, {"buttons": [{"title": "Days", "payload": "days"}]}]
    )
    assert turn.replies == [
        {"text": "How long?", "buttons": [{"title": "Days", "payload": "days"}]}
    ]


def test_empty_rasa_answer_gives_no_replies():
    assert parse_rasa_messages([]).replies == []


def _replicas(down: set[str]):
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in down:
            raise httpx.ConnectError("refused", request=request)
        hits.append(host)
        return httpx.Response(200, json=[{"text": f"from {host}"}])

    client = RasaClient(
        ["http://r1", "http://r2", "http://r3"], 2, transport=httpx.MockTransport(handler)
    )
    return client, hits


def test_each_conversation_sticks_to_one_replica():
    client, hits = _replicas(set())
    for _ in range(3):
        asyncio.run(client._send("conversation-42", "hi"))
    assert len(set(hits)) == 1
    assert hits[0] == client.replicas_for("conversation-42")[0].removeprefix("http://")


def test_conversations_spread_over_replicas():
    client, _ = _replicas(set())
    firsts = {client.replicas_for(f"session-{i:04d}")[0] for i in range(60)}
    assert firsts == {"http://r1", "http://r2", "http://r3"}


def test_a_refused_replica_fails_over_to_the_next_in_order():
    client, hits = _replicas(set())
    order = [u.removeprefix("http://") for u in client.replicas_for("conversation-7")]
    client, hits = _replicas({order[0]})
    turn = asyncio.run(client._send("conversation-7", "hi"))
    assert hits == [order[1]]
    assert turn.replies[0]["text"] == f"from {order[1]}"


def test_all_replicas_down_is_unavailable():
    client, _ = _replicas({"r1", "r2", "r3"})
    with pytest.raises(RasaUnavailable, match="no rasa replica"):
        asyncio.run(client._send("conversation-7", "hi"))


def _dropping(stored: bool):
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(request.url.host)
        if len(hits) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json=[{"text": "ok"}])

    async def stored_since(session: str, since: float) -> bool:
        return stored

    client = RasaClient(
        ["http://r1", "http://r2"],
        2,
        transport=httpx.MockTransport(handler),
        stored_since=stored_since,
    )
    return client, hits


def test_dropped_turn_not_stored_fails_over():
    client, hits = _dropping(stored=False)
    asyncio.run(client._send("conversation-9", "no"))
    assert len(hits) == 2 and hits[0] != hits[1]


def test_dropped_turn_already_stored_is_not_sent_twice():
    client, hits = _dropping(stored=True)
    with pytest.raises(RasaUnavailable, match="dropped the turn"):
        asyncio.run(client._send("conversation-9", "no"))
    assert len(hits) == 1
