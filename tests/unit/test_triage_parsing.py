"""Free-text answers to follow-up questions (bot/triage/parsing.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.triage import (
    parse_answer,
    parse_corrections,
    parse_duration,
    parse_onset,
    parse_severity,
    parse_trend,
    parse_yes_no,
    question_by_id,
)
from bot.triage.questions import load_questions
from tests.unit.cases import parametrize_from_cases

TODAY = date(2024, 5, 15)  # a Wednesday


@parametrize_from_cases(__file__, ("text", "intent", "expected"))
def test_parse_yes_no_reads_free_text(text: str, intent: str | None, expected: str | None) -> None:
    assert parse_yes_no(text, intent) == expected


def test_parse_yes_no_counts_a_mentioned_symptom_as_yes() -> None:
    question = question_by_id("limb_neuro")
    entities = [{"entity": "symptom", "value": "numbness", "text": "numb"}]
    assert parse_answer(question, "my legs feel numb", "inform", entities) == "yes"


def test_parse_yes_no_ignores_a_negated_symptom() -> None:
    question = question_by_id("limb_neuro")
    entities = [{"entity": "symptom", "value": "numbness", "text": "numb", "role": "negated"}]
    assert parse_answer(question, "they don't feel numb", "inform", entities) is None


@parametrize_from_cases(__file__, ("text", "days"))
def test_parse_duration_reads_free_text(text: str, days: float) -> None:
    assert parse_duration(text, TODAY) == pytest.approx(days)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("not sure", "unknown"), ("can't remember", "unknown"), ("blue", None), ("", None)],
)
def test_parse_duration_uncertain_or_no_answer(text: str, expected: str | None) -> None:
    assert parse_duration(text, TODAY) == expected


@parametrize_from_cases(__file__, ("text", "score"))
def test_parse_severity_reads_free_text(text: str, score: int) -> None:
    assert parse_severity(text) == score


@pytest.mark.parametrize(("text", "expected"), [("not sure", "unknown"), ("purple", None)])
def test_parse_severity_uncertain_or_no_answer(text: str, expected: str | None) -> None:
    assert parse_severity(text) == expected


@parametrize_from_cases(__file__, ("text", "expected"))
def test_parse_onset_reads_free_text(text: str, expected: str | None) -> None:
    assert parse_onset(text) == expected


@parametrize_from_cases(__file__, ("text", "expected"))
def test_parse_trend_reads_free_text(text: str, expected: str | None) -> None:
    assert parse_trend(text) == expected


def test_parse_answer_dispatches_on_question_type() -> None:
    assert parse_answer("duration", "about 3 weeks") == 21
    assert parse_answer("severity", "pretty bad, maybe 7") == 7
    assert parse_answer("onset", "out of nowhere") == "sudden"
    assert parse_answer("trend", "on and off") == "comes and goes"
    assert parse_answer("chest_pain", "nope", "deny") == "no"


def test_parse_answer_prefers_entities_over_text() -> None:
    entities = [{"entity": "duration", "value": "3 weeks", "text": "3 weeks"}]
    assert parse_answer("duration", "hmm about 3 weeks i think", "inform", entities) == 21
    entities = [{"entity": "trend", "value": "worse", "text": "worse"}]
    assert parse_answer("trend", "worse I'd say", "inform", entities) == "worse"


def test_parse_answer_yes_to_a_modifier_question_is_not_an_answer() -> None:
    assert parse_answer("trend", "yes", "affirm") is None
    assert parse_answer("duration", "yes", "affirm") is None


def test_every_button_payload_parses_to_an_answer() -> None:
    for question in load_questions().questions.values():
        for button in question.buttons:
            text = button.payload
            intent = {"/affirm": "affirm", "/deny": "deny"}.get(text)
            assert parse_answer(question, text, intent, []) is not None, (question.id, text)
            assert parse_answer(question, button.title, intent, []) is not None, (
                question.id,
                button.title,
            )


def test_parse_corrections_finds_modifiers_anywhere() -> None:
    assert parse_corrections("actually it started last week", [], today=TODAY) == {
        "duration_days": 7
    }
    found = parse_corrections("it came on suddenly and is getting worse, 8/10", [])
    assert found == {"onset": "sudden", "trend": "worse", "severity": 8}


def test_parse_corrections_ignores_bare_numbers_and_uncertainty() -> None:
    assert parse_corrections("I'm 57 and not sure", []) == {}


def test_parse_corrections_uses_entities() -> None:
    entities = [
        {"entity": "duration", "value": "since monday", "text": "since monday"},
        {"entity": "severity", "value": "pretty bad", "text": "pretty bad"},
    ]
    assert parse_corrections(
        "oh and it's been since monday, pretty bad", entities, today=TODAY
    ) == {
        "duration_days": 2,
        "severity": 6,
    }
