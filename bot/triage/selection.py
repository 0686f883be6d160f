"""Which question to ask next: only questions whose answer could still change the advice.

A triage nurse does not ask about night pain once the answers already mean "call today", and
does not ask how long a symptom has lasted once it is clearly not minor. Asking only what can
change the disposition keeps an assessment short enough to finish (people leave long ones),
without ever skipping a question that could raise the level:

1. **Red flags that could raise the level to urgent or emergency**, the highest first. A
   question "could raise" the level when a rule that reads it fires once every unanswered
   question of the reported categories is given its most concerning answer, at a level above
   the current one. This counts combinations ("limb weakness *and* bladder problems") as well
   as single red flags.
2. **What could show the symptom is minor** (duration, severity, trend, an obvious cause),
   while the answers so far still allow the routine outcome: a question is asked when, with
   every other unanswered question given its reassuring answer, its own answer decides
   between two levels.
3. **Lower red flags** ("soon") once the level has come down to routine.

Nothing is asked once the level is emergency: the person should be calling for help.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache

from bot.triage.engine import triage_level
from bot.triage.models import CATEGORIES, MODIFIER_FIELDS, UNKNOWN, Findings, Level
from bot.triage.questions import Question, load_questions, questions_for
from bot.triage.rules import Rule, load_rules

#: Answers used to explore what a question could still change.
_CONCERNING_MODIFIERS = {"duration": 365.0, "severity": 10, "onset": "sudden", "trend": "worse"}
_REASSURING_MODIFIERS = {"duration": 0.0, "severity": 0, "onset": "gradual", "trend": "better"}


def pooled_questions(findings: Findings) -> list[Question]:
    """Every question of the reported categories once, with its first category's wording."""
    seen: set[str] = set()
    pooled: list[Question] = []
    for category in CATEGORIES:
        if category in findings.categories:
            for question in questions_for(category):
                if question.id not in seen:
                    seen.add(question.id)
                    pooled.append(question)
    return pooled


def _with(findings: Findings, question: Question, concerning: bool) -> Findings:
    if question.is_modifier:
        table = _CONCERNING_MODIFIERS if concerning else _REASSURING_MODIFIERS
        return replace(findings, **{MODIFIER_FIELDS[question.id]: table[question.id]})
    yes = concerning != question.reassuring
    return replace(findings, answers={**findings.answers, question.id: "yes" if yes else "no"})


def _completed(
    findings: Findings, open_questions: Iterable[Question], concerning: bool
) -> Findings:
    for question in open_questions:
        findings = _with(findings, question, concerning)
    return findings


@lru_cache(maxsize=1)
def _rules_reading() -> Mapping[str, tuple[Rule, ...]]:
    """Question id -> the rules whose condition reads it (answers or modifier values)."""
    out: dict[str, list[Rule]] = {}
    for rule in load_rules().rules:
        refs = rule.when.references
        for qid in refs.questions | refs.modifiers:
            out.setdefault(qid, []).append(rule)
    return {qid: tuple(rules) for qid, rules in out.items()}


def reach(question: Question, findings: Findings, open_questions: list[Question]) -> Level | None:
    """The highest level a rule reading ``question`` could still give, or None."""
    worst = _completed(findings, open_questions, concerning=True)
    worst = _with(worst, question, concerning=True)
    levels = [rule.level for rule in _rules_reading().get(question.id, ()) if rule.fires(worst)]
    return max(levels) if levels else None


def is_open(question: Question, findings: Findings) -> bool:
    """Not answered yet (an "unknown" answer counts as answered)."""
    return not findings.is_answered(question.id)


def open_questions(
    findings: Findings, exhausted: Iterable[str] = (), *, applicable_only: bool = True
) -> list[Question]:
    """Unanswered questions of the reported categories (that apply now), in category order."""
    done = set(exhausted)
    return [
        q
        for q in pooled_questions(findings)
        if is_open(q, findings)
        and q.id not in done
        and (q.applies(findings) or not applicable_only)
    ]


def next_question(
    findings: Findings, category: str | None = None, *, exhausted: Iterable[str] = ()
) -> Question | None:
    """The next question to ask, or None when no answer could change the disposition.

    ``category`` limits the choice to that category's questions; ``exhausted`` are questions
    that must not be asked again (asked twice without an answer).
    """
    level = triage_level(findings)
    if level is Level.EMERGENCY:
        return None
    candidates = open_questions(findings, exhausted)
    if category is not None:
        own = {q.id for q in questions_for(category)}
        candidates = [q for q in candidates if q.id in own]
    if not candidates:
        return None
    # What is still unknown includes questions that do not apply yet ("any obvious reason?" is
    # asked only once routine is possible): they still count when exploring what could change.
    unknown = open_questions(findings, exhausted, applicable_only=False)
    reaches = {q.id: reach(q, findings, unknown) for q in candidates}

    raising = [
        q
        for q in candidates
        if (r := reaches[q.id]) is not None and r > level and r >= Level.URGENT
    ]
    if raising:
        # Highest reach first; at equal reach a red-flag question before a modifier, then the
        # category order.
        return min(raising, key=lambda q: (-reaches[q.id], q.is_modifier, candidates.index(q)))

    reassured = _completed(findings, unknown, concerning=False)
    floor = triage_level(reassured)
    if floor < level:
        for question in candidates:
            if not (question.is_modifier or question.reassuring):
                continue
            others = [q for q in unknown if q is not question]
            base = _completed(findings, others, concerning=False)
            high = triage_level(_with(base, question, concerning=True))
            low = triage_level(_with(base, question, concerning=False))
            if high > low:
                return question

    for question in candidates:
        r = reaches[question.id]
        if r is not None and r > level:
            return question
    return None


def question_in_context(question_id: str, findings: Findings) -> Question:
    """The question with the wording of the first reported category that asks it."""
    for question in pooled_questions(findings):
        if question.id == question_id:
            return question
    return load_questions().questions[question_id]


def unanswerable_as_unknown(findings: Findings, question: Question) -> Findings:
    """Record "not sure" for a question asked twice without an answer."""
    return findings.with_answer(question.id, UNKNOWN)


__all__ = [
    "is_open",
    "next_question",
    "open_questions",
    "pooled_questions",
    "question_in_context",
    "reach",
    "unanswerable_as_unknown",
]
