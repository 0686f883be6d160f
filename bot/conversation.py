"""One triage conversation step by step, in plain Python (the form's logic without Rasa).

The Rasa form keeps a ``TriageState`` in a slot; each user turn goes through ``on_message``,
which records the answer to the pending question, any corrections ("actually it started
last week") and any new symptoms, then picks the next question. ``on_message`` is
idempotent per message id, because Rasa may run a form's validation more than once for the
same user turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.triage import (
    Findings,
    Level,
    assess,
    category_for_intent,
    next_question,
    parse_answer,
    parse_corrections,
    prefill,
    question_by_id,
    triage_level,
)
from bot.triage.engine import Disposition
from bot.vocabulary import QUESTION_INTENTS

#: After this many replies that don't answer a question, record "not sure" and move on
#: (uncertainty never lowers the level, so this is the safe default).
MAX_RETRIES = 2
#: A report_* intent inside the form counts as a new symptom only above this confidence.
NEW_SYMPTOM_CONFIDENCE = 0.6
#: How many questions a single assessment may ask at most, whatever the findings.
MAX_QUESTIONS = 14

STOP_INTENTS = frozenset({"goodbye"})
#: Intents that interrupt the questions without answering them: the bot replies to them,
#: then asks the same question again (they don't count as a misunderstanding).
INTERRUPTION_INTENTS = frozenset(
    {*QUESTION_INTENTS, "bot_challenge", "out_of_scope", "request_clinician", "thank", "greet"}
)


@dataclass
class TriageState:
    findings: Findings = field(default_factory=Findings)
    pending: str | None = None
    asked: list[str] = field(default_factory=list)
    retries: int = 0
    last_message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": self.findings.to_dict(),
            "pending": self.pending,
            "asked": list(self.asked),
            "retries": self.retries,
            "last_message_id": self.last_message_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TriageState:
        data = data or {}
        return cls(
            findings=Findings.from_dict(data.get("findings")),
            pending=data.get("pending"),
            asked=list(data.get("asked") or []),
            retries=int(data.get("retries") or 0),
            last_message_id=data.get("last_message_id"),
        )


@dataclass(frozen=True)
class Turn:
    """What the user said, as the NLU understood it."""

    text: str
    intent: str | None = None
    confidence: float = 0.0
    entities: tuple[dict[str, Any], ...] = ()
    message_id: str | None = None


@dataclass
class StepResult:
    state: TriageState
    done: bool
    understood: bool = True
    stopped: bool = False
    new_symptom: bool = False
    interruption: str | None = None


def _names_symptom(turn: Turn) -> bool:
    return any(e.get("entity") == "symptom" and e.get("role") != "negated" for e in turn.entities)


def _is_report(turn: Turn) -> bool:
    """A new symptom report inside the form: a report intent *and* a symptom named, so an
    answer like "it's easing off" (however the model labels it) opens no new questions."""
    return (
        category_for_intent(turn.intent) is not None
        and turn.confidence >= NEW_SYMPTOM_CONFIDENCE
        and _names_symptom(turn)
    )


def advance(state: TriageState) -> StepResult:
    """Picks the next question (or finishes) from the findings as they stand."""
    question = next_question(state.findings)
    if question is None or len(state.asked) >= MAX_QUESTIONS:
        state.pending = None
        return StepResult(state, done=True)
    state.pending = question.id
    if question.id not in state.asked:
        state.asked.append(question.id)
    return StepResult(state, done=False)


def start(state: TriageState, turn: Turn) -> StepResult:
    """A symptom report: merge what the message already says, then pick the first question."""
    found = prefill(list(turn.entities), turn.intent)
    state.findings = state.findings.merge(found)
    state.last_message_id = turn.message_id
    state.retries = 0
    state.asked = []
    return advance(state)


def on_message(state: TriageState, turn: Turn) -> StepResult:
    """One reply inside the form."""
    if turn.message_id is not None and turn.message_id == state.last_message_id:
        return StepResult(state, done=state.pending is None)
    state.last_message_id = turn.message_id
    if turn.intent in STOP_INTENTS:
        state.pending = None
        return StepResult(state, done=True, stopped=True)

    findings = state.findings
    understood = False
    if state.pending:
        question = question_by_id(state.pending)
        value = parse_answer(question, turn.text, turn.intent, list(turn.entities))
        if value is not None:
            findings = findings.with_answer(question.id, value)
            understood = True

    corrections = parse_corrections(turn.text, list(turn.entities))
    if corrections:
        findings = replace(findings, **corrections)
        understood = True

    mentioned = prefill(list(turn.entities), turn.intent if _is_report(turn) else None)
    new_symptom = bool(mentioned.symptoms - findings.symptoms) or bool(
        mentioned.categories - findings.categories
    )
    if not _is_report(turn) and understood:
        # An answer that happens to name a symptom ("yes it hurts") adds what it says but
        # opens no new line of questions.
        mentioned = replace(mentioned, categories=frozenset())
    findings = findings.merge(mentioned)
    understood = understood or new_symptom

    if not understood and turn.intent in INTERRUPTION_INTENTS:
        return StepResult(state, done=False, understood=False, interruption=turn.intent)
    if not understood:
        state.retries += 1
        if state.retries < MAX_RETRIES:
            return StepResult(state, done=False, understood=False)
        if state.pending:
            findings = findings.with_answer(state.pending, "unknown")
    state.retries = 0
    state.findings = findings
    result = advance(state)
    result.new_symptom = new_symptom
    return result


def is_emergency(state: TriageState) -> bool:
    return triage_level(state.findings) is Level.EMERGENCY


def disposition(state: TriageState, emergency_number: str) -> Disposition:
    return assess(state.findings, emergency_number=emergency_number)


def questions_asked(state: TriageState) -> list[str]:
    return [question_by_id(q).text for q in state.asked]
