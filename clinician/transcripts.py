"""Rasa's tracker store events, read into transcripts and per-conversation summaries.

Rasa 3.6's ``SQLTrackerStore`` keeps one row per event in ``events`` (``sender_id`` is the chat
session id, ``data`` the whole event as JSON). The triage actions' contract with this module:

- slot ``triage_result`` is set at each disposition to ``{"level", "symptoms", "advice",
  "reasons": [{"rule_id", "version", "description", "level", "source"}], "questions": [...]}``
  (``Disposition.to_record`` in bot/triage/engine.py); the bot message
  of that turn also carries ``custom: {"triage": {"level", "symptoms", "advice"}}``;
- slot ``clinician_attention`` is set true when the person asked for a clinician or the
  disposition is an emergency.

A conversation's level is the highest level of its dispositions; its symptoms are the union of
the dispositions' symptoms (or, when the person left before any disposition, the symptoms they
mentioned and did not negate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from bot.triage.entities import is_negated
from bot.triage.models import LEVEL_NAMES, Level
from clinician import tracker

LEVELS = LEVEL_NAMES  # highest first
#: The stored ``level_rank`` is the triage enum's value; 0 means no disposition.
LEVEL_RANK = {level.value_name: int(level) for level in Level}
RANK_LEVEL = {rank: level for level, rank in LEVEL_RANK.items()}

WEEK_SECONDS = 7 * 86400
MONDAY_OFFSET = 4 * 86400  # 1970-01-01 was a Thursday; weeks start on Mondays (UTC)

# Event types read for summaries and transcripts (others: actions, featurization, loops).
READ_TYPES = ("user", "bot", "slot", "session_started")
TRIAGE_SLOT = "triage_result"
ATTENTION_SLOT = "clinician_attention"


def week_of(timestamp: float) -> int:
    """The week number (weeks start on Mondays, UTC) of a time."""
    return int((timestamp - MONDAY_OFFSET) // WEEK_SECONDS)


def week_start(week: int) -> float:
    """The start of a week number, as a Unix time."""
    return week * WEEK_SECONDS + MONDAY_OFFSET


def _loads(data: str | None) -> dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _level(value: Any) -> str | None:
    return value if isinstance(value, str) and value in LEVEL_RANK else None


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, str | int | float) and str(v).strip()]


#: The fields of a triage reason as ``Reason.to_dict`` (bot/triage/engine.py) stores them.
REASON_FIELDS = ("rule_id", "version", "description", "level", "source")


def _reasons(value: Any) -> list[dict[str, str]]:
    out = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                reason = {k: str(item.get(k) or "") for k in REASON_FIELDS}
                # Records written before the engine named the field rule_id used "id".
                reason["rule_id"] = reason["rule_id"] or str(item.get("id") or "")
                out.append(reason)
    return out


def _answers(value: Any) -> list[dict[str, Any]]:
    """The recorded answers: ``[{"id", "text", "answer"}]`` (absent before issue 16)."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("id"):
            answer = item.get("answer")
            out.append(
                {
                    "id": str(item["id"]),
                    "text": str(item.get("text") or ""),
                    "answer": answer if isinstance(answer, str | int | float) else None,
                }
            )
    return out


def disposition_from(value: Any) -> dict[str, Any] | None:
    """A triage result (slot value or custom payload), normalised; None if it is not one."""
    if not isinstance(value, dict) or _level(value.get("level")) is None:
        return None
    return {
        "level": value["level"],
        "symptoms": _str_list(value.get("symptoms")),
        "advice": str(value.get("advice") or ""),
        "reasons": _reasons(value.get("reasons")),
        "questions": _str_list(value.get("questions")),
        "answers": _answers(value.get("answers")),
        "ruleset_version": str(value.get("ruleset_version") or ""),
    }


@dataclass
class EventRow:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    data: dict[str, Any]


@dataclass
class Summary:
    sender_id: str
    started_at: float = float("inf")
    last_at: float = 0.0
    level_rank: int = 0
    symptoms: list[str] = field(default_factory=list)
    mentioned: list[str] = field(default_factory=list)
    attention: bool = False
    user_messages: int = 0
    event_count: int = 0
    max_event_id: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        """The conversation's highest level name, or None before any disposition."""
        return RANK_LEVEL.get(self.level_rank)

    @property
    def shown_symptoms(self) -> list[str]:
        """The dispositions' symptoms, else the ones mentioned and not negated."""
        return self.symptoms or self.mentioned

    def row(self) -> dict[str, Any]:
        """The summary as a row of the summary table."""
        return {
            "sender_id": self.sender_id,
            "started_at": self.started_at,
            "last_at": self.last_at,
            "week": week_of(self.started_at),
            "level": self.level,
            "level_rank": self.level_rank,
            "symptoms": json.dumps(self.shown_symptoms),
            "attention": self.attention or self.level_rank == LEVEL_RANK["emergency"],
            "user_messages": self.user_messages,
            "event_count": self.event_count,
            "max_event_id": self.max_event_id,
            "search_text": "\n".join(self.texts).lower(),
        }


def _add_unique(target: list[str], values: list[str]) -> None:
    for v in values:
        if v not in target:
            target.append(v)


def _user_symptoms(data: dict[str, Any]) -> list[str]:
    entities = (data.get("parse_data") or {}).get("entities") or []
    return [
        str(e.get("value"))
        for e in entities
        if isinstance(e, dict)
        and e.get("entity") == "symptom"
        and not is_negated(e)
        and e.get("value")
    ]


def summarize(sender_id: str, rows: list[EventRow], event_count: int | None = None) -> Summary:
    """The summary of one conversation from its events (any types), in id order."""
    s = Summary(sender_id=sender_id)
    for ev in rows:
        if ev.timestamp is not None:
            s.started_at = min(s.started_at, ev.timestamp)
            s.last_at = max(s.last_at, ev.timestamp)
        s.max_event_id = max(s.max_event_id, ev.id)
        d = ev.data
        if ev.type_name == "user":
            s.user_messages += 1
            text = d.get("text")
            if isinstance(text, str) and text and not text.startswith("/"):
                s.texts.append(text)
            _add_unique(s.mentioned, _user_symptoms(d))
        elif ev.type_name == "slot" and d.get("name") == TRIAGE_SLOT:
            disp = disposition_from(d.get("value"))
            if disp:
                s.level_rank = max(s.level_rank, LEVEL_RANK[disp["level"]])
                _add_unique(s.symptoms, disp["symptoms"])
        elif ev.type_name == "slot" and d.get("name") == ATTENTION_SLOT:
            s.attention = s.attention or d.get("value") is True
        elif ev.type_name == "bot":
            custom = (d.get("data") or {}).get("custom")
            disp = disposition_from(custom.get("triage")) if isinstance(custom, dict) else None
            if disp:
                s.level_rank = max(s.level_rank, LEVEL_RANK[disp["level"]])
                _add_unique(s.symptoms, disp["symptoms"])
    if s.started_at == float("inf"):
        s.started_at = 0.0
    s.event_count = len(rows) if event_count is None else event_count
    return s


def read_events(conn: Connection, sender_id: str) -> list[EventRow]:
    """A conversation's events of the types read here, in order."""
    rows = tracker.session_events(conn, sender_id, READ_TYPES)
    return [
        EventRow(r.id, sender_id, r.type_name, r.timestamp or 0.0, _loads(r.data)) for r in rows
    ]


def transcript_turns(rows: list[EventRow]) -> list[dict[str, Any]]:
    """What a clinician reads: messages with intents, dispositions with their rules."""
    turns: list[dict[str, Any]] = []
    for ev in rows:
        d = ev.data
        base = {"event_id": ev.id, "timestamp": ev.timestamp}
        if ev.type_name == "user":
            parse = d.get("parse_data") or {}
            intent = parse.get("intent") or {}
            confidence = intent.get("confidence")
            turns.append(
                {
                    **base,
                    "kind": "user",
                    "text": str(d.get("text") or ""),
                    "intent": intent.get("name"),
                    "confidence": float(confidence)
                    if isinstance(confidence, int | float)
                    else None,
                    "entities": [
                        {
                            "entity": str(e.get("entity") or ""),
                            "value": str(e.get("value") or ""),
                            "negated": is_negated(e),
                        }
                        for e in parse.get("entities") or []
                        if isinstance(e, dict)
                    ],
                }
            )
        elif ev.type_name == "bot":
            data = d.get("data") or {}
            buttons = data.get("buttons") or []
            custom = data.get("custom")
            if not d.get("text") and not buttons:
                continue  # a data-only message (the chat API's triage payload)
            turns.append(
                {
                    **base,
                    "kind": "bot",
                    "text": str(d.get("text") or ""),
                    "buttons": [str(b.get("title") or "") for b in buttons if isinstance(b, dict)],
                    "triage": disposition_from(custom.get("triage"))
                    if isinstance(custom, dict)
                    else None,
                }
            )
        elif ev.type_name == "slot" and d.get("name") == TRIAGE_SLOT:
            disp = disposition_from(d.get("value"))
            if disp:
                turns.append({**base, "kind": "disposition", **disp})
        elif ev.type_name == "slot" and d.get("name") == ATTENTION_SLOT and d.get("value") is True:
            turns.append({**base, "kind": "attention"})
        elif ev.type_name == "session_started":
            turns.append({**base, "kind": "session_started"})
    return turns
