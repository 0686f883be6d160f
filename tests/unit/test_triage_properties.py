"""Safety properties of the triage engine, checked with hypothesis.

The partial order on findings ("more concerning"):
- more categories, symptoms or body parts (superset);
- red-flag answers: not asked = no < unknown < yes;
- reassuring answers (obvious_cause): yes < no < unknown = not asked;
- severity higher, duration longer; trend better < same = comes and goes < worse;
  for these three, not asked / unknown is above every value;
- onset (itself a red flag): gradual < unknown = not asked < sudden.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.triage import (
    CATEGORIES,
    UNKNOWN,
    Findings,
    Level,
    assess,
    next_question,
    questions_for,
    triage_level,
)
from bot.triage.questions import load_questions
from bot.vocabulary import BODY_PARTS, SYMPTOMS

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BANK = load_questions()
YES_NO = sorted(q.id for q in BANK.questions.values() if q.type == "yes_no")
REASSURING = {q.id for q in BANK.questions.values() if q.reassuring}
TRENDS = ["better", "same", "comes and goes", "worse"]

# ranks: higher = more concerning; None and "unknown" placed per the order above
RED_FLAG_RANK = {None: 0, "no": 0, UNKNOWN: 1, "yes": 2}
REASSURING_RANK = {"yes": 0, "no": 1, UNKNOWN: 2, None: 2}
TREND_RANK = {"better": 0, "same": 1, "comes and goes": 1, "worse": 2, UNKNOWN: 3, None: 3}
ONSET_RANK = {"gradual": 0, UNKNOWN: 1, None: 1, "sudden": 2}

answers_st = st.dictionaries(
    st.sampled_from(YES_NO), st.sampled_from(["no", "no", "no", UNKNOWN, "yes"]), max_size=8
)
duration_st = st.one_of(st.none(), st.just(UNKNOWN), st.floats(0, 400, allow_nan=False))
severity_st = st.one_of(st.none(), st.just(UNKNOWN), st.integers(0, 10))
onset_st = st.sampled_from([None, UNKNOWN, "sudden", "gradual"])
trend_st = st.sampled_from([None, UNKNOWN, *TRENDS])


@st.composite
def findings_st(draw, min_categories: int = 0) -> Findings:
    return Findings(
        categories=frozenset(
            draw(st.sets(st.sampled_from(CATEGORIES), min_size=min_categories, max_size=3))
        ),
        symptoms=frozenset(draw(st.sets(st.sampled_from(sorted(SYMPTOMS)), max_size=3))),
        body_parts=frozenset(draw(st.sets(st.sampled_from(sorted(BODY_PARTS)), max_size=3))),
        answers=draw(answers_st),
        duration_days=draw(duration_st),
        severity=draw(severity_st),
        onset=draw(onset_st),
        trend=draw(trend_st),
    )


def _up(draw, current, rank: dict, values: list) -> object:
    """Any value at least as concerning as ``current`` under ``rank``."""
    return draw(st.sampled_from([v for v in values if rank[v] >= rank[current]]))


@st.composite
def raised_st(draw, base: Findings) -> Findings:
    """Findings at least as concerning as ``base``: one to three single steps up the order.

    Small steps find violations far better than raising everything at once (which nearly
    always reaches EMERGENCY anyway); by transitivity they cover every larger move.
    """
    current = base
    for _ in range(draw(st.integers(1, 3))):
        current = draw(_one_step_up(current))
    return current


@st.composite
def _one_step_up(draw, f: Findings) -> Findings:
    kind = draw(
        st.sampled_from(
            ["category", "symptom", "body_part", "answer", "duration", "severity", "onset", "trend"]
        )
    )
    if kind == "category":
        return f.with_categories(draw(st.sampled_from(CATEGORIES)))
    if kind == "symptom":
        return replace(f, symptoms=f.symptoms | {draw(st.sampled_from(sorted(SYMPTOMS)))})
    if kind == "body_part":
        return replace(f, body_parts=f.body_parts | {draw(st.sampled_from(sorted(BODY_PARTS)))})
    if kind == "answer":
        qid = draw(st.sampled_from(YES_NO))
        rank = REASSURING_RANK if qid in REASSURING else RED_FLAG_RANK
        new = _up(draw, f.answers.get(qid), rank, [None, "no", UNKNOWN, "yes"])
        answers = {k: v for k, v in f.answers.items() if k != qid}
        if new is not None:
            answers[qid] = new
        return replace(f, answers=answers)
    if kind in ("duration", "severity"):
        name, upper = ("duration_days", 1000) if kind == "duration" else ("severity", 10)
        value = getattr(f, name)
        if value in (None, UNKNOWN):
            return replace(f, **{name: draw(st.sampled_from([None, UNKNOWN]))})
        bigger = st.integers(int(value), 10) if kind == "severity" else st.floats(value, upper)
        return replace(f, **{name: draw(st.one_of(st.none(), st.just(UNKNOWN), bigger))})
    if kind == "onset":
        return replace(
            f, onset=_up(draw, f.onset, ONSET_RANK, [None, UNKNOWN, "sudden", "gradual"])
        )
    return replace(f, trend=_up(draw, f.trend, TREND_RANK, [None, UNKNOWN, *TRENDS]))


# (1) ---------------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_adding_a_finding_never_lowers_the_level(data) -> None:
    base = data.draw(findings_st())
    raised = data.draw(raised_st(base))
    assert triage_level(raised) >= triage_level(base), (base, raised)


def _chains(f: Findings) -> list[list[Findings]]:
    """For every single component, its values in increasing order of concern (equal ranks
    listed both ways, so they must give equal levels)."""
    chains: list[list[Findings]] = []
    for qid in YES_NO:
        if qid in REASSURING:
            order = ["yes", "no", UNKNOWN, None, UNKNOWN]
        else:
            order = [None, "no", None, UNKNOWN, "yes"]
        chains.append([_set_answer(f, qid, v) for v in order])
    chains.append([f.with_answer("onset", v) for v in ["gradual", None, UNKNOWN, None, "sudden"]])
    chains.append(
        [
            f.with_answer("trend", v)
            for v in ["better", "same", "comes and goes", "same", "worse", UNKNOWN, None, UNKNOWN]
        ]
    )
    chains.append([f.with_answer("severity", v) for v in [*range(11), UNKNOWN, None, UNKNOWN]])
    chains.append(
        [
            f.with_answer("duration", v)
            for v in [0, 0.5, 1, 3, 7, 13.9, 14, 30, 365, UNKNOWN, None, UNKNOWN]
        ]
    )
    for category in CATEGORIES:
        chains.append([f, f.with_categories(category)])
    for symptom in sorted(SYMPTOMS):
        chains.append([f, replace(f, symptoms=f.symptoms | {symptom})])
    for body_part in sorted(BODY_PARTS):
        chains.append([f, replace(f, body_parts=f.body_parts | {body_part})])
    return chains


def _set_answer(f: Findings, qid: str, value: str | None) -> Findings:
    answers = {k: v for k, v in f.answers.items() if k != qid}
    if value is not None:
        answers[qid] = value
    return replace(f, answers=answers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(findings_st())
def test_moving_any_single_finding_up_never_lowers_the_level(findings: Findings) -> None:
    for chain in _chains(findings):
        levels = [triage_level(f) for f in chain]
        assert levels == sorted(levels), (chain[-1], levels)


# (2) ---------------------------------------------------------------------------------


@SETTINGS
@given(findings_st(), st.sampled_from(YES_NO))
def test_unknown_never_gives_a_lower_level_than_no(findings: Findings, qid: str) -> None:
    no = triage_level(findings.with_answer(qid, "no"))
    unknown = triage_level(findings.with_answer(qid, UNKNOWN))
    assert unknown >= no


@SETTINGS
@given(
    findings_st(),
    st.sampled_from(["duration", "severity", "trend"]),
    st.data(),
)
def test_unknown_modifier_is_at_least_as_concerning_as_any_value(findings, qid, data) -> None:
    value = data.draw(
        {
            "duration": st.floats(0, 400),
            "severity": st.integers(0, 10),
            "trend": st.sampled_from(TRENDS),
        }[qid]
    )
    unknown = triage_level(findings.with_answer(qid, UNKNOWN))
    assert unknown >= triage_level(findings.with_answer(qid, value))
    assert triage_level(findings.with_answer(qid, None)) == unknown


@SETTINGS
@given(findings_st())
def test_unknown_onset_is_at_least_as_concerning_as_gradual(findings: Findings) -> None:
    gradual = triage_level(findings.with_answer("onset", "gradual"))
    assert triage_level(findings.with_answer("onset", UNKNOWN)) >= gradual


# (3) ---------------------------------------------------------------------------------

RED_FLAGS = [
    (category, question)
    for category in CATEGORIES
    for question in questions_for(category)
    if question.type == "yes_no" and question.red_flag is not None
]


@SETTINGS
@given(findings_st(), st.sampled_from(RED_FLAGS))
def test_a_red_flag_answered_yes_gives_at_least_its_level(findings, flag) -> None:
    category, question = flag
    findings = findings.with_categories(category).with_answer(question.id, "yes")
    assert triage_level(findings) >= question.red_flag, (category, question.id)


@SETTINGS
@given(
    findings_st(),
    st.sampled_from([(c, q) for c, q in RED_FLAGS if q.red_flag is Level.EMERGENCY]),
)
def test_an_emergency_red_flag_answered_unknown_gives_at_least_urgent(findings, flag) -> None:
    category, question = flag
    findings = findings.with_categories(category).with_answer(question.id, UNKNOWN)
    assert triage_level(findings) >= Level.URGENT, (category, question.id)


# (4) ---------------------------------------------------------------------------------

FORBIDDEN = [
    re.compile(r"routine\s+scan", re.IGNORECASE),
    re.compile(r"\bPET\b"),
    re.compile(r"tumou?r\s+marker", re.IGNORECASE),
]


@SETTINGS
@given(findings_st(min_categories=1), st.sampled_from(["911", "999", "112", "000", "111"]))
def test_every_reported_category_gets_safe_non_empty_advice(findings, number: str) -> None:
    disposition = assess(findings, emergency_number=number)
    assert disposition.level >= Level.ROUTINE
    assert "reported_symptom" in {r.rule_id for r in disposition.reasons}
    assert disposition.symptoms
    assert disposition.advice.strip()
    assert number in disposition.advice
    for pattern in FORBIDDEN:
        assert not pattern.search(disposition.advice), pattern.pattern
    api = disposition.to_api()
    assert api["level"] == disposition.level.value_name
    assert api["level"] in {"routine", "soon", "urgent", "emergency"}


# (5) ---------------------------------------------------------------------------------


@SETTINGS
@given(findings_st(min_categories=1), st.sampled_from([None, *CATEGORIES]))
def test_next_question_is_unanswered_and_none_once_emergency(findings, category) -> None:
    question = next_question(findings, category)
    if triage_level(findings) is Level.EMERGENCY:
        assert question is None
    elif question is not None:
        assert not findings.is_answered(question.id)
        assert question.applies(findings)


@SETTINGS
@given(findings_st(min_categories=1), st.data())
def test_answering_every_question_ends_and_never_repeats_one(findings, data) -> None:
    asked: list[str] = []
    values = {
        "yes_no": st.sampled_from(["yes", "no", UNKNOWN]),
        "duration": duration_st.filter(lambda v: v is not None),
        "severity": severity_st.filter(lambda v: v is not None),
        "onset": onset_st.filter(lambda v: v is not None),
        "trend": trend_st.filter(lambda v: v is not None),
    }
    while (question := next_question(findings)) is not None:
        assert question.id not in asked
        asked.append(question.id)
        findings = findings.with_answer(question.id, data.draw(values[question.type]))
        assert len(asked) <= len(BANK.questions)
    assert next_question(findings) is None


# other invariants --------------------------------------------------------------------


@SETTINGS
@given(findings_st())
def test_findings_round_trip_through_a_dict(findings: Findings) -> None:
    assert Findings.from_dict(findings.to_dict()) == findings


@SETTINGS
@given(findings_st(), findings_st())
def test_merge_never_lowers_the_level_of_the_first_when_adding_only_sets(a, b) -> None:
    only_sets = Findings(categories=b.categories, symptoms=b.symptoms, body_parts=b.body_parts)
    assert triage_level(a.merge(only_sets)) >= triage_level(a)
