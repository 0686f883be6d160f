"""The person's summary for the appointment: an unguessable link and what the page shows.

The link carries a random 256-bit token (``secrets.token_urlsafe(32)``); the store keeps only
its SHA-256, so a copy of the database opens no summary. A token leads to one conversation,
and only while the conversation is within ``RETENTION_DAYS`` (after that the conversation is
deleted by retention, and the token is refused even before then).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.triage.advice import load_advice, not_a_diagnosis_notice
from bot.triage.models import Level
from clinician import tracker
from clinician.care_team.assessments import Assessment, assessments
from clinician.care_team.content import level_label, summary_words
from clinician.care_team.schema import summary_tokens

TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128
PATH_PREFIX = "/summary/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(engine: Engine, session_id: str, now: float | None = None) -> str:
    """A new token for this conversation's summary (stored hashed)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with engine.begin() as conn:
        conn.execute(
            summary_tokens.insert().values(
                token_hash=_hash(token),
                session_id=session_id,
                created_at=time.time() if now is None else now,
            )
        )
    return token


def resolve(
    engine: Engine, token: str, retention_days: int, now: float | None = None
) -> str | None:
    """The conversation a token opens, or None (unknown, or older than retention)."""
    if not token or len(token) > 128:
        return None
    cutoff = (time.time() if now is None else now) - retention_days * 86400
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(summary_tokens.c.session_id, summary_tokens.c.created_at).where(
                summary_tokens.c.token_hash == _hash(token)
            )
        ).first()
    if row is None or row.created_at < cutoff:
        return None
    return row.session_id


def forget(
    engine: Engine, session_ids: list[str] | None = None, before: float | None = None
) -> int:
    """Deletes the tokens of these conversations, or those created before a time."""
    query = summary_tokens.delete()
    if session_ids is not None:
        query = query.where(summary_tokens.c.session_id.in_(session_ids))
    if before is not None:
        query = query.where(summary_tokens.c.created_at < before)
    with engine.begin() as conn:
        return conn.execute(query).rowcount


def conversation_exists(engine: Engine, session_id: str) -> bool:
    """Whether the tracker store still holds this conversation (retention may have removed it)."""
    return tracker.has_events(engine, session_id)


@dataclass(frozen=True)
class SummaryView:
    """Everything the page prints, in plain words."""

    words: dict[str, str]
    date: str
    level: str
    level_label: str
    who_and_when: str
    contact: str
    advice: str
    symptoms: list[str]
    reported: list[str]
    answers: list[dict[str, str]]
    notice: str
    emergency: str
    emergency_number: str


def view(turns: list[dict[str, Any]], emergency_number: str) -> SummaryView | None:
    """The latest assessment of a conversation as the page shows it; None without one."""
    found = assessments(turns)
    if not found:
        return None
    a: Assessment = found[-1]
    words = summary_words()
    advice = load_advice()
    level = Level[a.level.upper()] if a.level.upper() in Level.__members__ else None
    part = advice.levels[level] if level is not None else None

    def fill(text: str) -> str:
        return text.replace("{emergency_number}", emergency_number)

    return SummaryView(
        words=words,
        date=datetime.fromtimestamp(a.at or time.time(), tz=timezone.utc).strftime("%d %B %Y"),
        level=a.level,
        level_label=level_label(a.level),
        who_and_when=fill(part.headline) if part else "",
        contact=fill(part.contact) if part else "",
        advice=a.advice,
        symptoms=a.symptoms,
        reported=a.reported,
        answers=[
            {"question": qa.question, "answer": qa.reply_label or qa.reply or ""}
            for qa in a.answers
            if qa.reply is not None
        ],
        notice=not_a_diagnosis_notice(emergency_number),
        emergency=words["emergency"].replace("{emergency_number}", emergency_number),
        emergency_number=emergency_number,
    )
