"""Clinicians' review: messages flagged as misunderstood (with the right intent), and notes."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.vocabulary import ALL_INTENTS
from clinician import tracker
from clinician.schema import flags, notes

MAX_NOTE_CHARS = 4000
# Event ids are the events table's integer primary key (64-bit signed in PostgreSQL and
# SQLite); a larger number can name no message and would overflow the query.
MAX_EVENT_ID = 2**63 - 1


class AnnotationError(ValueError):
    """An annotation the rules refuse; the message says why."""


class NotFound(LookupError):
    pass


def add_flag(
    engine: Engine, sender_id: str, event_id: int, correct_intent: str, by: str
) -> dict[str, Any]:
    """Flag one user message of this conversation as misunderstood, giving the right intent."""
    if correct_intent not in ALL_INTENTS:
        raise AnnotationError("correct_intent: one of the bot's intents")
    with engine.begin() as conn:
        row = tracker.user_turn(conn, sender_id, event_id)
        if row is None:
            raise NotFound("no such message in this conversation")
        values = {
            "sender_id": sender_id,
            "event_id": event_id,
            "predicted_intent": row.intent_name,
            "correct_intent": correct_intent,
            "created_by": by,
            "created_at": time.time(),
        }
        result = conn.execute(flags.insert().values(**values))
    return {"id": int(result.inserted_primary_key[0]), **values}


def add_note(engine: Engine, sender_id: str, body: str, by: str) -> dict[str, Any]:
    """Store a clinician's note on a conversation."""
    body = (body or "").strip()
    if not body:
        raise AnnotationError("note: must not be empty")
    if len(body) > MAX_NOTE_CHARS:
        raise AnnotationError(f"note: at most {MAX_NOTE_CHARS} characters")
    values = {"sender_id": sender_id, "body": body, "created_by": by, "created_at": time.time()}
    with engine.begin() as conn:
        result = conn.execute(notes.insert().values(**values))
    return {"id": int(result.inserted_primary_key[0]), **values}


def for_conversation(engine: Engine, sender_id: str) -> dict[str, list[dict[str, Any]]]:
    """A conversation's flags and notes."""
    with engine.connect() as conn:
        flag_rows = conn.execute(
            sa.select(flags).where(flags.c.sender_id == sender_id).order_by(flags.c.id)
        ).all()
        note_rows = conn.execute(
            sa.select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.id)
        ).all()
    return {
        "flags": [dict(r._mapping) for r in flag_rows],
        "notes": [dict(r._mapping) for r in note_rows],
    }
