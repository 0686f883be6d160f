"""The assessments of one conversation, read from its transcript turns: for each disposition,
what the person reported, each question asked with the person's reply, and the outcome.

Shared by the FHIR export and the person's summary page, so both say the same thing. A reply
is the person's next message after the question was (last) asked, exactly as they sent it; the
bot's reading of it (``yes``, ``no``, ``unknown``...) comes from the disposition's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.triage.questions import load_questions


@dataclass
class QuestionAnswer:
    question_id: str | None
    question: str
    reply: str | None = None
    """What the person sent, exactly as the transcript has it (a tapped button's payload)."""
    reply_label: str | None = None
    """The same for reading: a tapped button's title ("Yes") instead of its payload."""
    reading: Any = None
    """The bot's reading of the answer: ``yes``/``no``/``unknown``, a number of days..."""


@dataclass
class Assessment:
    reported: list[str] = field(default_factory=list)
    answers: list[QuestionAnswer] = field(default_factory=list)
    level: str = ""
    symptoms: list[str] = field(default_factory=list)
    advice: str = ""
    reasons: list[dict[str, str]] = field(default_factory=list)
    ruleset_version: str = ""
    started_at: float = 0.0
    at: float = 0.0
    event_id: int = 0


def _matches(bot_text: str, question: str) -> bool:
    # A question asked again carries a hint after it; the text itself is unchanged.
    return bool(question) and bot_text.strip().startswith(question.strip())


@lru_cache(maxsize=1)
def button_titles() -> dict[str, str]:
    """Payload -> title of every button a triage question offers."""
    titles: dict[str, str] = {}
    for question in load_questions().questions.values():
        for button in question.buttons:
            titles.setdefault(button.payload, button.title)
    return titles


def assessments(turns: list[dict[str, Any]]) -> list[Assessment]:
    """One ``Assessment`` per disposition, in order."""
    found: list[Assessment] = []
    segment: list[dict[str, Any]] = []
    for turn in turns:
        if turn.get("kind") == "disposition":
            found.append(_assessment(segment, turn))
            segment = []
        elif turn.get("kind") == "session_started":
            segment = []
        else:
            segment.append(turn)
    return found


def _assessment(segment: list[dict[str, Any]], disposition: dict[str, Any]) -> Assessment:
    questions: list[str] = list(disposition.get("questions") or [])
    recorded = {a["text"]: a for a in disposition.get("answers") or [] if a.get("text")}
    if not questions:
        questions = list(recorded)
    answers = {q: QuestionAnswer(recorded.get(q, {}).get("id"), q) for q in questions}
    for q, qa in answers.items():
        qa.reading = recorded.get(q, {}).get("answer")
    reported: list[str] = []
    pending: str | None = None
    first_user_at = 0.0
    for turn in segment:
        if turn.get("kind") == "bot":
            text = str(turn.get("text") or "")
            asked = next((q for q in questions if _matches(text, q)), None)
            if asked is not None:
                pending = asked
        elif turn.get("kind") == "user":
            first_user_at = first_user_at or float(turn.get("timestamp") or 0)
            text = str(turn.get("text") or "")
            if pending is None:
                if not any(a.reply for a in answers.values()):
                    reported.append(text)
            else:
                answers[pending].reply = text
                answers[pending].reply_label = button_titles().get(text, text)
    return Assessment(
        reported=reported,
        answers=list(answers.values()),
        level=str(disposition.get("level") or ""),
        symptoms=list(disposition.get("symptoms") or []),
        advice=str(disposition.get("advice") or ""),
        reasons=list(disposition.get("reasons") or []),
        ruleset_version=str(disposition.get("ruleset_version") or ""),
        started_at=first_user_at,
        at=float(disposition.get("timestamp") or 0),
        event_id=int(disposition.get("event_id") or 0),
    )
