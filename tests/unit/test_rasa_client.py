"""Mapping Rasa REST channel messages to the chat API's replies and triage field."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.rasa_client import RasaClient, RasaUnavailable, SessionBusy, parse_rasa_messages


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


def _hung(hung: set[str]):
    """Replicas where ``hung`` ones accept the request and never answer (a stuck loop)."""
    hits: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in hung:
            raise httpx.ReadTimeout("no answer", request=request)
        hits.append(f"{request.method} {host}{request.url.path}")
        return httpx.Response(200, json=[{"text": f"from {host}"}])

    client = RasaClient(
        ["http://r1", "http://r2"],
        2,
        transport=httpx.MockTransport(handler),
        replica_probe_seconds=0.01,
    )
    return client, hits


def test_a_replica_that_stops_answering_probes_gets_its_conversations_after_the_other():
    probe, _ = _hung(set())
    own, other = (u.removeprefix("http://") for u in probe.replicas_for("conversation-3"))
    client, hits = _hung({own})

    async def scenario() -> None:
        client.start_watching_actions()
        await asyncio.sleep(0.2)  # a few probe rounds
        assert client.replicas_state() == {f"http://{own}": False, f"http://{other}": True}
        turn = await client.send("conversation-3", "hi")
        assert turn.replies[0]["text"] == f"from {other}"
        await client.close()

    asyncio.run(scenario())
    assert f"POST {other}/webhooks/rest/webhook" in hits


def test_a_replica_still_warming_up_gets_its_conversations_after_the_other_until_it_is_warm():
    probe, _ = _hung(set())
    own, other = probe.replicas_for("conversation-3")
    warming = {own}
    client = RasaClient(
        [own, other],
        2,
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json=[{"text": f"from {r.url.host}"}])
        ),
        replica_probe_seconds=0.01,
        warming_up=lambda: set(warming),
    )

    async def scenario() -> None:
        client.start_watching_actions()
        await asyncio.sleep(0.1)
        assert client.replicas_state() == {own: False, other: True}
        turn = await client.send("conversation-3", "hi")
        assert turn.replies[0]["text"] == f"from {other.removeprefix('http://')}"
        warming.clear()  # its supervisor's warm-up parse has finished
        await asyncio.sleep(0.1)
        turn = await client.send("conversation-3", "hi again")
        assert turn.replies[0]["text"] == f"from {own.removeprefix('http://')}"
        await client.close()

    asyncio.run(scenario())


def test_unreadable_warm_up_states_leave_every_replica_up():
    def broken() -> set[str]:
        raise OSError("no status folder")

    client = RasaClient(
        ["http://r1", "http://r2"],
        2,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])),
        replica_probe_seconds=0.01,
        warming_up=broken,
    )

    async def scenario() -> None:
        client.start_watching_actions()
        await asyncio.sleep(0.1)
        assert client.replicas_state() == {"http://r1": True, "http://r2": True}
        await client.close()

    asyncio.run(scenario())


def test_a_replica_missing_one_probe_keeps_its_conversations():
    client, _ = _hung(set())
    url = client.replicas_for("conversation-3")[0]
    client._missed[url] = 1
    assert client.replicas_for("conversation-3")[0] == url
    client._missed[url] = 2
    assert client.replicas_for("conversation-3")[-1] == url


def test_one_session_sends_one_turn_at_a_time_and_others_are_not_held_up():
    in_flight: dict[str, int] = {}
    most: dict[str, int] = {}
    order: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        import json

        body = json.loads(request.content)
        sender = body["sender"]
        in_flight[sender] = in_flight.get(sender, 0) + 1
        most[sender] = max(most.get(sender, 0), in_flight[sender])
        await asyncio.sleep(0.05)
        order.append(f"{sender}:{body['message']}")
        in_flight[sender] -= 1
        return httpx.Response(200, json=[{"text": "ok"}])

    client = RasaClient("http://r1", 2, transport=httpx.MockTransport(handler))

    async def scenario():
        flood = [client.send("flooder-1", f"m{i}") for i in range(8)]
        results = await asyncio.gather(
            *flood, client.send("person-1", "hi"), return_exceptions=True
        )
        await client.close()
        return results

    results = asyncio.run(scenario())
    busy = [r for r in results if isinstance(r, SessionBusy)]
    assert len(busy) == 3  # one answered at a time, four waiting, the rest refused at once
    assert most["flooder-1"] == 1
    flooder = [m for m in order if m.startswith("flooder-1")]
    assert flooder == [f"flooder-1:m{i}" for i in range(5)]  # in order of arrival
    assert order.index("person-1:hi") < 2  # not queued behind the flood
    assert client._session_locks == {} and client._session_turns == {}


def test_a_single_replica_is_never_held_as_warming_up():
    client = RasaClient("http://r1", 2, warming_up=lambda: {"http://r1"})
    assert client.replicas_state() == {"http://r1": True}
    asyncio.run(client.close())


def test_a_start_logs_no_replica_changes(caplog):
    warming = {"http://r1", "http://r2"}
    client = RasaClient(
        ["http://r1", "http://r2"],
        2,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])),
        replica_probe_seconds=0.01,
        warming_up=lambda: set(warming),
    )

    async def scenario() -> None:
        client.start_watching_actions()
        await asyncio.sleep(0.05)
        warming.clear()  # both warmed up: the start is over
        await asyncio.sleep(0.05)
        assert client.replicas_state() == {"http://r1": True, "http://r2": True}
        assert "rasa replica" not in caplog.text
        warming.add("http://r1")  # restarted later: that is worth a line
        await asyncio.sleep(0.05)
        await client.close()

    with caplog.at_level("WARNING", logger="api.rasa_client"):
        asyncio.run(scenario())
    assert "rasa replica http://r1 is warming up" in caplog.text
