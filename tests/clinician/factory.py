"""Conversations in Rasa 3.6's tracker store format, for tests and the benchmark.

Rows mirror what the real stack writes (checked against a SQLite store after chatting through
`bot run`): ``events(id, sender_id, type_name, timestamp, intent_name, action_name, data)``,
with ``data`` the whole event as JSON. The triage actions' contract: slot ``triage_result``
``{"level", "symptoms", "advice", "reasons", "questions", "ruleset_version"}``, the bot's
``custom: {"triage": {...}}`` message, and slot ``clinician_attention``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

META = {"model_id": "fc192e4970c242f8baf818e38e7705e5", "assistant_id": "survivor-symptom-checker"}


def create_events_table(url: str) -> None:
    """The events table exactly as Rasa creates it (its own SQLTrackerStore on this URL)."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(host=url)
    store.engine.dispose()


YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


@dataclass
class Conversation:
    sender_id: str
    start: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    clock: float = 0.0

    def __post_init__(self) -> None:
        self.clock = self.start
        self.action("action_session_start")
        self.bot(
            "I'm an automated symptom checker. I can't diagnose anything. "
            "If you think it's an emergency, call 911 now."
        )
        self._add("session_started", {})
        self.action("action_listen")

    def _add(self, type_name: str, payload: dict[str, Any], intent=None, action=None) -> None:
        self.clock += 0.7
        data = {"event": type_name, "timestamp": self.clock, "metadata": dict(META), **payload}
        self.rows.append(
            {
                "sender_id": self.sender_id,
                "type_name": type_name,
                "timestamp": self.clock,
                "intent_name": intent,
                "action_name": action,
                "data": json.dumps(data),
            }
        )

    def action(self, name: str) -> Conversation:
        self._add(
            "action",
            {
                "name": name,
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            },
            action=name,
        )
        return self

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.93,
        entities: list[dict[str, Any]] | None = None,
    ) -> Conversation:
        ents = [
            {"confidence_entity": 1.0, "extractor": "SymptomEntityExtractor", **e}
            for e in entities or []
        ]
        parse = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": ents,
            "text": text,
            "message_id": "0" * 32,
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
        self._add(
            "user",
            {"text": text, "parse_data": parse, "input_channel": "rest", "message_id": "0" * 32},
            intent=intent,
        )
        self._add("user_featurization", {"use_text_for_featurization": False})
        return self

    def ask_yes_no(self, question: str) -> Conversation:
        """The bot asks a yes/no question with the Yes and No buttons triage offers."""
        return self.bot(question, buttons=YES_NO_BUTTONS)

    def bot(
        self,
        text: str | None,
        buttons: list[dict[str, str]] | None = None,
        custom: dict[str, Any] | None = None,
    ) -> Conversation:
        self._add(
            "bot",
            {
                "text": text,
                "data": {
                    "elements": None,
                    "quick_replies": None,
                    "buttons": buttons,
                    "attachment": None,
                    "image": None,
                    "custom": custom,
                },
            },
        )
        return self

    def slot(self, name: str, value: Any) -> Conversation:
        self._add("slot", {"name": name, "value": value}, action=name)
        return self

    def disposition(
        self,
        level: str,
        symptoms: list[str],
        reasons: list[dict[str, str]] | None = None,
        questions: list[str] | None = None,
        advice: str | None = None,
    ) -> Conversation:
        advice = advice or f"Advice for a {level} problem."
        api = {"level": level, "symptoms": symptoms, "advice": advice}
        self.action("action_triage_disposition")
        self.bot(advice)
        self.bot(None, custom={"triage": api})
        record = {
            **api,
            "reasons": reasons
            or [
                {
                    "rule_id": f"{level}-rule",
                    "description": f"a {level} finding",
                    "level": level,
                    "source": "NICE NG234",
                }
            ],
            "ruleset_version": "2026.11",
            "questions": questions or [],
        }
        self.slot("triage_result", record)
        self.slot("triage_level", level)
        if level == "emergency":
            self.slot("clinician_attention", True)
        self.action("action_listen")
        return self


def scripted(sender_id: str, start: float, script: list[dict[str, Any]]) -> Conversation:
    """A conversation from a script: each step names one builder method and its arguments."""
    conversation = Conversation(sender_id, start)
    for step in script:
        ((method, arguments),) = step.items()
        getattr(conversation, method)(**arguments)
    return conversation


def insert(engine: Engine, conversations: list[Conversation]) -> None:
    events = sa.table(
        "events",
        sa.column("sender_id"),
        sa.column("type_name"),
        sa.column("timestamp"),
        sa.column("intent_name"),
        sa.column("action_name"),
        sa.column("data"),
    )
    rows = [r for c in conversations for r in c.rows]
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(events.insert(), rows[start : start + 5000])


SCENARIOS = [
    (
        "my back has been killing me for weeks and now my legs feel weak and numb",
        "report_back_neck_pain",
        "emergency",
        ["back pain", "weakness", "numbness"],
    ),
    ("i had a fit this morning, never had one before", "report_seizure", "emergency", ["seizure"]),
    (
        "headaches every morning and i was sick twice",
        "report_headache",
        "urgent",
        ["headache", "vomiting"],
    ),
    ("my hip aches all the time, worse at night", "report_bone_pain", "soon", ["bone pain"]),
    ("so tired all the time, no energy at all", "report_fatigue", "soon", ["fatigue"]),
    (
        "bit of a cough since my cold last week, getting better",
        "report_breathing",
        "routine",
        ["cough"],
    ),
    ("my skin and eyes look a bit yellow", "report_abdominal_symptom", "urgent", ["jaundice"]),
]


def realistic(sender_id: str, start: float, rng: random.Random) -> Conversation:
    """One conversation like the real ones: a greeting, a report, questions, a disposition."""
    text, intent, level, symptoms = rng.choice(SCENARIOS)
    c = Conversation(sender_id, start)
    c.user("hello", "greet", 0.97).action("utter_greet").bot("Hello. What would you like to check?")
    c.action("action_listen")
    ents = [{"entity": "symptom", "value": s, "start": 0, "end": 3} for s in symptoms]
    c.user(text, intent, round(rng.uniform(0.5, 0.99), 3), ents)
    questions = [
        "Do you have any new weakness or numbness in your arms or legs?",
        "How long has this been going on?",
    ]
    for q in questions:
        c.action("action_triage_ask").bot(
            q, buttons=[{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        )
        c.action("action_listen").user(rng.choice(["yes", "no", "a few weeks"]), "inform", 0.9)
    c.disposition(level, symptoms, questions=questions)
    if rng.random() < 0.05:
        c.user("can i talk to a nurse", "request_clinician", 0.96)
        c.action("action_request_clinician").bot("I've marked this conversation for a clinician.")
        c.slot("clinician_attention", True)
    return c
