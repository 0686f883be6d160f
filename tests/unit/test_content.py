"""Answer content: every question intent answered, each with its source named."""

from __future__ import annotations

import pytest

from bot.content import answer_for, load_answers, unwrap
from bot.content.notices import opening_notice, unavailable
from bot.vocabulary import QUESTION_INTENTS


@pytest.mark.parametrize("intent", QUESTION_INTENTS)
def test_every_question_intent_has_an_answer_naming_its_source(intent):
    answer = answer_for(intent)
    assert answer is not None
    assert answer.render().endswith(answer.source)
    assert "Johns Hopkins" in answer.source


def test_routine_tests_answer_advises_against_scans_without_symptoms_and_keeps_follow_ups():
    text = answer_for("ask_routine_tests").text.lower()
    assert "do not recommend routine tests" in text
    assert "surgeon, medical oncologist and primary care doctor" in text


def test_no_answer_recommends_routine_scans():
    for answer in load_answers().values():
        assert "you should get regular scans" not in answer.text.lower()


def test_unwrap_joins_wrapped_lines_but_keeps_list_items():
    assert unwrap("one\n  two\n\n- a\n  b\n- c\nafter") == "one two\n\n- a b\n- c\nafter"


def test_opening_notice_and_unavailable_message_carry_the_emergency_number():
    assert "999" in opening_notice("999")
    assert "can't diagnose" in opening_notice("999")
    assert "999" in unavailable("999")
