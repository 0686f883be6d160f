"""Typed payloads are text (issue 15): Rasa's "/intent{entities}" syntax typed by a person goes
through NLU like any other words; only a button the bot has just offered is taken as its
payload. Checked through the chat API and through Rasa's own REST channel (the rule lives in
Rasa's message handling, which every channel passes)."""

from __future__ import annotations

import json
import secrets
import sqlite3

import httpx
import pytest

from tests.integration.conftest import Stack
from tests.integration.conversation_walks import stored_event_types

pytestmark = pytest.mark.integration


def user_events(stack: Stack, session_id: str) -> list[dict]:
    with sqlite3.connect(stack.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (session_id,),
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def parsed_by_nlu(event: dict) -> bool:
    """Rasa's payload handler gives one intent at confidence 1 and no ranking of the others;
    the NLU pipeline ranks every intent."""
    data = event["parse_data"]
    return len(data.get("intent_ranking") or []) > 1 and not any(
        e.get("extractor") == "RegexMessageHandler" for e in data.get("entities") or []
    )


def session() -> str:
    return f"typed-{secrets.token_hex(6)}"


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_typed_restart_mid_triage_does_not_restart_the_conversation(stack: Stack):
    sid = session()
    first = ok(stack.chat("my back has been aching for about 3 weeks", sid))
    assert first["replies"][-1]["buttons"]  # a triage question
    ok(stack.chat("/restart", sid))
    kinds = stored_event_types(stack.tracker_db, sid)
    assert "restart" not in kinds
    assert kinds.count("session_started") == 1
    typed = user_events(stack, sid)[-1]
    assert typed["text"] == "/restart" and parsed_by_nlu(typed)
    assert typed["parse_data"]["intent"]["name"] != "restart"
    # still the same triage: answering goes on to the next question or the disposition
    after = ok(stack.chat("no", sid))
    assert after["triage"] or after["replies"][-1]["buttons"]
    assert "restart" not in stored_event_types(stack.tracker_db, sid)


@pytest.mark.parametrize(
    "typed", ["/report_seizure", '/inform{"severity": "1"}', "/back", "/affirm", "/restart"]
)
def test_typed_payloads_are_understood_as_text(stack: Stack, typed: str):
    sid = session()
    ok(stack.chat("hello", sid))
    ok(stack.chat(typed, sid))
    event = user_events(stack, sid)[-1]
    assert event["text"] == typed
    assert parsed_by_nlu(event), event["parse_data"]
    intent = event["parse_data"]["intent"]
    assert intent.get("confidence", 0) < 1.0  # not Rasa's payload certainty
    entities = event["parse_data"].get("entities") or []
    assert not [e for e in entities if e.get("entity") == "severity" and e.get("value") == "1"]
    assert not {"restart", "rewind", "undo"} & set(stored_event_types(stack.tracker_db, sid))


def test_typed_payload_through_rasas_own_rest_channel_is_text(stack: Stack):
    sid = session()
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sid, "message": "/report_seizure"},
        timeout=60,
    )
    assert response.status_code == 200
    event = user_events(stack, sid)[-1]
    assert event["text"] == "/report_seizure" and parsed_by_nlu(event)


def test_a_button_the_bot_offered_is_its_payload(stack: Stack):
    sid = session()
    question = ok(stack.chat("my back has been aching for about 3 weeks", sid))
    offered = [b["payload"] for r in question["replies"] for b in r["buttons"]]
    assert "/deny" in offered  # a red-flag question of the back-pain triage
    ok(stack.chat("/deny", sid))
    pressed = user_events(stack, sid)[-1]
    assert pressed["parse_data"]["intent"] == {"name": "deny", "confidence": 1.0}


def test_a_button_offered_earlier_is_text_once_the_questions_have_ended(stack: Stack):
    sid = session()
    done = ok(stack.chat("my back hurts and my legs have gone numb and I can't pee", sid))
    assert done["triage"]["level"] == "emergency"  # no question, so no yes/no buttons now
    ok(stack.chat("/affirm", sid))
    assert parsed_by_nlu(user_events(stack, sid)[-1])
