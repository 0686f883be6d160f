"""Mapping Rasa REST channel messages to the chat API's replies and triage field."""

from __future__ import annotations

from api.rasa_client import parse_rasa_messages


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
