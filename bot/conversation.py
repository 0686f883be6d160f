"""One triage conversation step by step, in plain Python (the form's logic without Rasa).

The Rasa form keeps a ``TriageState`` in a slot. ``start`` takes the symptom report, and
``on_message`` every reply after it:

- Every message is read for every finding a question asks about (``bot.triage.reading``),
  so what people say in passing is recorded and not asked again, and a red flag anywhere
  ends the questions at once.
- The reply is also matched against the question asked. A reply that does not answer it is a
  miss, even when it says something else (which is recorded). Each question is asked at most
  twice; after that it is recorded as "not sure", which never lowers the level, and the
  next question comes. The number of questions is bounded, so every assessment ends.
- The line of questions follows the symptoms the person named: when the intent and the
  named symptom disagree, or the intent is not confident, the symptom decides; with neither,
  the bot asks what the person has noticed.

``on_message`` is idempotent per message id, because Rasa may run a form's validation more
than once for the same user turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.triage import Level, assess, category_for_intent, triage_level
from bot.triage.engine import Disposition
from bot.triage.lexicon import load_lexicon
from bot.triage.models import MODIFIER_FIELDS, UNKNOWN, Findings
from bot.triage.questions import Question, load_questions
from bot.triage.reading import Reading, answer_to, most_concerning, negated_categories, read
from bot.triage.selection import next_question, question_in_context
from bot.vocabulary import QUESTION_INTENTS

#: A question is asked at most this many times; then its answer is recorded as "not sure".
MAX_ASKS = 2
#: Kept for callers that speak of retries: a question gets this many tries in all.
MAX_RETRIES = MAX_ASKS
#: How many different questions a single assessment may ask at most, whatever the findings.
MAX_QUESTIONS = 12
#: Below this confidence a symptom intent alone (no symptom named) does not pick the questions.
INTENT_ALONE_CONFIDENCE = 0.5
#: With a symptom named, the intent adds its own line of questions only above this confidence.
INTENT_BESIDE_SYMPTOM_CONFIDENCE = 0.9
#: A goodbye ends the questions only when it is this confident and says nothing else.
STOP_CONFIDENCE = 0.8
#: Id of the clarifying question asked when no symptom can be told from the report.
CLARIFY = "clarify"

STOP_INTENTS = frozenset({"goodbye"})
#: Intents that interrupt the questions without answering them: the bot replies to them,
#: then asks the same question again (which counts as asking it).
INTERRUPTION_INTENTS = frozenset(
    {*QUESTION_INTENTS, "bot_challenge", "out_of_scope", "request_clinician", "thank", "greet"}
)


@dataclass
class TriageState:
    """What the form keeps between turns (serialised into a slot)."""

    findings: Findings = field(default_factory=Findings)
    stated: dict[str, str] = field(default_factory=dict)
    """Question id -> what messages stated without being asked (counted while relevant)."""
    direct: dict[str, str] = field(default_factory=dict)
    """Question id -> the answer given when it was asked."""
    pending: str | None = None
    asks: dict[str, int] = field(default_factory=dict)
    """Question id -> how many times it was asked in this assessment."""
    asked: list[str] = field(default_factory=list)
    last_message_id: str | None = None
    fallback_category: str | None = None
    """The report intent's category when it was too unsure to choose the questions: used if
    asking what the person noticed does not tell either (triage rather than none)."""

    def to_dict(self) -> dict[str, Any]:
        """The state as the JSON the ``triage_state`` slot stores."""
        return {
            "findings": self.findings.to_dict(),
            "stated": dict(self.stated),
            "direct": dict(self.direct),
            "pending": self.pending,
            "asks": dict(self.asks),
            "asked": list(self.asked),
            "last_message_id": self.last_message_id,
            "fallback_category": self.fallback_category,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TriageState:
        """The state a ``triage_state`` slot holds; a fresh one when it is empty."""
        data = dict(data or {})
        return cls(
            findings=Findings.from_dict(data.get("findings")),
            stated=dict(data.get("stated") or {}),
            direct=dict(data.get("direct") or {}),
            pending=data.get("pending"),
            asks={str(k): int(v) for k, v in (data.get("asks") or {}).items()},
            asked=list(data.get("asked") or []),
            last_message_id=data.get("last_message_id"),
            fallback_category=data.get("fallback_category"),
        )

    @property
    def exhausted(self) -> frozenset[str]:
        """Questions asked the maximum number of times."""
        return frozenset(q for q, n in self.asks.items() if n >= MAX_ASKS)


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
    #: True when no symptom could be told: the bot asks what the person has noticed.
    clarifying: bool = False
    #: True when the question now pending is asked again after a reply that missed it.
    repeated: bool = False


# --------------------------------------------------------------------------- helpers


def _choose_categories(reading: Reading, intent: str | None, confidence: float) -> frozenset[str]:
    """The line of questions for a report: the symptoms named decide, the intent helps.

    A symptom intent whose symptom is mentioned only negated ("no headache, but my arm has
    gone weak") never picks the questions.
    """
    named = reading.findings.categories
    intent_category = category_for_intent(intent)
    denied = negated_categories(reading)
    if intent_category is None:
        return named
    if intent_category in named:
        return named
    if intent_category in denied:
        return named
    if named:
        if confidence >= INTENT_BESIDE_SYMPTOM_CONFIDENCE:
            return named | {intent_category}
        return named
    if confidence >= INTENT_ALONE_CONFIDENCE:
        return frozenset({intent_category})
    return _categories_of_stated(reading)


def _categories_of_stated(reading: Reading) -> frozenset[str]:
    """With no symptom word, the findings a message states can still tell the line of
    questions: "my right arm went heavy and useless" states one-sided weakness (neurological).
    Only findings asked in a single category count.
    """
    bank = load_questions()
    found: set[str] = set()
    for qid, answer in reading.stated.items():
        if answer != "yes":
            continue
        homes = [
            c for c, questions in bank.by_category.items() if any(q.id == qid for q in questions)
        ]
        if len(homes) == 1:
            found.add(homes[0])
    return frozenset(found)


def _relevant_stated(state: TriageState) -> dict[str, str]:
    relevant = load_questions().relevant_ids(state.findings.categories)
    return {q: a for q, a in state.stated.items() if q in relevant}


def _refresh_answers(state: TriageState) -> None:
    """Findings' answers = direct answers combined with what was stated (most concerning)."""
    bank = load_questions()
    answers: dict[str, str] = {}
    stated = _relevant_stated(state)
    for qid in set(state.direct) | set(stated):
        values = [v for v in (state.direct.get(qid), stated.get(qid)) if v is not None]
        question = bank.questions[qid]
        if question.reassuring and qid in state.direct:
            answers[qid] = state.direct[qid]
        else:
            answers[qid] = most_concerning(question, values)
    state.findings = replace(state.findings, answers=answers)


def _absorb(state: TriageState, reading: Reading, *, open_categories: bool) -> bool:
    """Adds what a message says; returns True when it named a new line of questions."""
    found = reading.findings
    before = state.findings.categories
    categories = before | found.categories if open_categories else before
    updates: dict[str, Any] = {
        "symptoms": state.findings.symptoms | found.symptoms,
        "body_parts": state.findings.body_parts | found.body_parts,
        "categories": categories,
    }
    for name in MODIFIER_FIELDS.values():
        value = getattr(found, name)
        if value is not None:
            updates[name] = value
    state.findings = replace(state.findings, **updates)
    bank = load_questions()
    for qid, value in reading.stated.items():
        previous = state.stated.get(qid)
        values = [value] if previous is None else [previous, value]
        state.stated[qid] = most_concerning(bank.questions[qid], values)
    _refresh_answers(state)
    return bool(categories - before)


def _record(state: TriageState, question: Question, value: Any) -> None:
    if question.is_modifier:
        state.findings = state.findings.with_answer(question.id, value)
    else:
        state.direct[question.id] = value
        _refresh_answers(state)


def _symptom_categories(
    state: TriageState, reading: Reading, pending: Question | None
) -> frozenset[str]:
    """Lines of questions a reply opens: symptoms it names that do not answer the question."""
    lexicon = load_lexicon()
    answering = set(pending.yes_symptoms) if pending else set()
    extra = set(reading.findings.symptoms) - answering
    found: set[str] = set()
    for symptom in extra:
        found |= set(lexicon.symptom_categories.get(symptom, ()))
    found &= set(reading.findings.categories)
    return frozenset(found - state.findings.categories)


def advance(state: TriageState) -> StepResult:
    """Picks the next question (or finishes) from the findings as they stand."""
    if not state.findings.categories:
        return _clarify(state)
    while True:
        distinct = len({q for q in state.asks if q != CLARIFY})
        question = next_question(state.findings, exhausted=state.exhausted)
        if question is None or (distinct >= MAX_QUESTIONS and question.id not in state.asks):
            state.pending = None
            return StepResult(state, done=True)
        if state.asks.get(question.id, 0) >= MAX_ASKS:  # pragma: no cover - excluded above
            _record(state, question, UNKNOWN)
            continue
        repeated = state.pending == question.id
        state.pending = question.id
        state.asks[question.id] = state.asks.get(question.id, 0) + 1
        if question.id not in state.asked:
            state.asked.append(question.id)
        return StepResult(state, done=False, repeated=repeated)


def _give_up_on_exhausted(state: TriageState) -> None:
    """Questions asked twice without an answer are recorded as "not sure"."""
    bank = load_questions()
    for qid in state.exhausted - {CLARIFY}:
        question = bank.questions[qid]
        if not state.findings.is_answered(qid):
            _record(state, question, UNKNOWN)


# --------------------------------------------------------------------------- steps


def start(state: TriageState, turn: Turn) -> StepResult:
    """A symptom report: read it, choose the line of questions, pick the first question."""
    reading = read(turn.text, turn.entities)
    categories = _choose_categories(reading, turn.intent, turn.confidence)
    state.pending = None
    state.asks = {}
    state.asked = []
    state.last_message_id = turn.message_id
    state.findings = replace(state.findings, categories=state.findings.categories | categories)
    _absorb(state, reading, open_categories=False)
    if not categories:
        intent_category = category_for_intent(turn.intent)
        if intent_category not in negated_categories(reading):
            state.fallback_category = intent_category
        return _clarify(state)
    return advance(state)


def _clarify(state: TriageState) -> StepResult:
    """Asks what the person has noticed (at most twice), then triages on the report's own
    intent if there was one, or finishes without triage.
    """
    if state.asks.get(CLARIFY, 0) >= MAX_ASKS:
        if state.fallback_category and not state.findings.categories:
            state.findings = replace(
                state.findings, categories=frozenset({state.fallback_category})
            )
            _refresh_answers(state)
            state.pending = None
            return advance(state)
        state.pending = None
        return StepResult(state, done=True, understood=False)
    state.pending = CLARIFY
    state.asks[CLARIFY] = state.asks.get(CLARIFY, 0) + 1
    return StepResult(state, done=False, clarifying=True)


def on_message(state: TriageState, turn: Turn) -> StepResult:
    """One reply inside the form."""
    if turn.message_id is not None and turn.message_id == state.last_message_id:
        return StepResult(state, done=state.pending is None)
    state.last_message_id = turn.message_id
    reading = read(turn.text, turn.entities)

    if (
        turn.intent in STOP_INTENTS
        and turn.confidence >= STOP_CONFIDENCE
        and not reading.has_content
    ):
        state.pending = None
        return StepResult(state, done=True, stopped=True)

    if state.pending == CLARIFY:
        categories = _choose_categories(reading, turn.intent, turn.confidence)
        if categories:
            state.findings = replace(state.findings, categories=categories)
            _absorb(state, reading, open_categories=False)
            state.pending = None
            result = advance(state)
            result.new_symptom = True
            return result
        _absorb(state, reading, open_categories=False)
        result = _clarify(state)
        if turn.intent in INTERRUPTION_INTENTS and not reading.has_content:
            result.interruption = turn.intent
        return result

    pending = question_in_context(state.pending, state.findings) if state.pending else None
    answered = False
    opened = _symptom_categories(state, reading, pending)
    if pending is not None:
        value = answer_to(pending, reading, turn.intent)
        if value is not None:
            _record(state, pending, value)
            answered = True
    if not answered and not opened:
        opened = _categories_of_stated(reading) - state.findings.categories
    if opened:
        state.findings = replace(state.findings, categories=state.findings.categories | opened)
    _absorb(state, reading, open_categories=False)
    _give_up_on_exhausted(state)

    interruption = None
    if not answered and not reading.has_content and turn.intent in INTERRUPTION_INTENTS:
        interruption = turn.intent
    result = advance(state)
    result.understood = answered or (pending is None)
    result.new_symptom = bool(opened)
    result.interruption = interruption
    return result


def is_emergency(state: TriageState) -> bool:
    """Whether the findings so far already give an emergency."""
    return triage_level(state.findings) is Level.EMERGENCY


def disposition(state: TriageState, emergency_number: str) -> Disposition:
    """The triage result for the findings gathered so far."""
    return assess(state.findings, emergency_number=emergency_number)


def questions_asked(state: TriageState) -> list[str]:
    """The texts of the questions asked, in order, for the clinicians' record."""
    return [question_in_context(q, state.findings).text for q in state.asked]


def answers_recorded(state: TriageState) -> list[dict[str, Any]]:
    """Each question asked, with the answer the bot recorded for it (``yes``, ``no``,
    ``unknown``, a duration in days...; None when it was never answered), for the record.
    """
    out = []
    for qid in state.asked:
        if qid == CLARIFY:
            continue
        value = state.findings.value_of(qid)
        out.append(
            {
                "id": qid,
                "text": question_in_context(qid, state.findings).text,
                "answer": value if isinstance(value, str | int | float) else None,
            }
        )
    return out
