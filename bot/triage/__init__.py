"""Clinical triage engine for the breast cancer survivor symptom checker (pure Python).

Rules, questions and advice are versioned YAML data next to this file, the symptoms are in
bot/vocabulary.yml; this package only evaluates them. No Rasa or web imports here (pyproject's
import-linter contracts check it): the actions call these functions and translate.

Typical use by a form::

    findings = prefill(entities, intent)                    # first message
    question = next_question(findings)                      # None -> done
    value = parse_answer(question, text, intent, entities)  # None -> ask again
    findings = findings.with_answer(question.id, value)
    disposition = assess(findings, emergency_number="999")
    disposition.to_api()  # {"level": ..., "symptoms": [...], "advice": ...}
"""

from bot.triage.advice import not_a_diagnosis_notice
from bot.triage.engine import (
    Disposition,
    Reason,
    assess,
    check_consistency,
    fired_rules,
    symptom_labels,
    triage_level,
)
from bot.triage.models import (
    CATEGORIES,
    UNKNOWN,
    Answer,
    Findings,
    Level,
    category_for_intent,
)
from bot.triage.parsing import (
    parse_answer,
    parse_corrections,
    parse_duration,
    parse_onset,
    parse_severity,
    parse_trend,
    parse_yes_no,
)
from bot.triage.prefill import prefill
from bot.triage.questions import (
    AnswerButton,
    Question,
    question_by_id,
    questions_for,
)
from bot.triage.reading import Reading, answer_to, read
from bot.triage.rules import Rule, RuleSet, load_rules
from bot.triage.selection import next_question

__all__ = [
    "CATEGORIES",
    "UNKNOWN",
    "Answer",
    "AnswerButton",
    "Disposition",
    "Findings",
    "Level",
    "Question",
    "Reading",
    "Reason",
    "Rule",
    "RuleSet",
    "answer_to",
    "assess",
    "category_for_intent",
    "check_consistency",
    "fired_rules",
    "load_rules",
    "next_question",
    "not_a_diagnosis_notice",
    "parse_answer",
    "parse_corrections",
    "parse_duration",
    "parse_onset",
    "parse_severity",
    "parse_trend",
    "parse_yes_no",
    "prefill",
    "question_by_id",
    "questions_for",
    "read",
    "symptom_labels",
    "triage_level",
]
