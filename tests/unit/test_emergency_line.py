"""Every disposition and every "not available" answer says what to do in an emergency."""

from __future__ import annotations

import pytest

from api.turns import unavailable_body
from bot.content import notices
from bot.content.widget import widget_strings
from bot.settings import Settings
from bot.triage import Level, assess, load_rules

NUMBER = "112"


def _one_case_per_level() -> dict[Level, object]:
    cases = {}
    for rule in load_rules().rules:
        for case in rule.cases:
            cases.setdefault(case.level, case.findings)
    return cases


CASES = _one_case_per_level()


def test_rule_cases_reach_every_level() -> None:
    assert set(CASES) == set(Level)


@pytest.mark.parametrize("level", sorted(Level, reverse=True), ids=lambda lv: lv.value_name)
def test_every_disposition_tells_when_to_call_the_emergency_number(level: Level) -> None:
    disposition = assess(CASES[level], emergency_number=NUMBER)
    assert disposition.level is level
    assert f"call {NUMBER}" in disposition.advice


@pytest.mark.parametrize(
    "say",
    [notices.unavailable, notices.no_symptom_found, notices.clinician_contact, notices.busy],
    ids=lambda f: f.__name__,
)
def test_every_not_available_answer_carries_the_emergency_line(say) -> None:
    assert notices.emergency_line(NUMBER) in say(NUMBER)


def test_the_opening_notice_carries_the_emergency_line() -> None:
    assert notices.emergency_line(NUMBER) in notices.opening_notice(NUMBER)


def test_the_gateways_503_body_carries_the_emergency_line() -> None:
    body = unavailable_body(Settings(emergency_number=NUMBER), "session-0001")
    assert body["emergency"] == notices.emergency_line(NUMBER)
    assert notices.emergency_line(NUMBER) in body["detail"]


def test_every_notice_names_its_source() -> None:
    for name in ("emergency_line", "unavailable", "no_symptom_found", "busy", "not_a_diagnosis"):
        assert notices.source(name)


@pytest.mark.parametrize("lang", sorted(widget_strings()))
def test_the_widgets_unavailable_answers_tell_when_to_call_the_emergency_number(lang) -> None:
    words = widget_strings()[lang]
    for name in ("offline", "failed", "callNow"):
        assert "{n}" in words[name], name
    assert "{n}" in words["levels"]["emergency"]
