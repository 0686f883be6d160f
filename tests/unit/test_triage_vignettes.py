"""Clinical vignettes (tests/triage/vignettes.yml) played through the whole engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.triage import (
    CATEGORIES,
    Findings,
    Level,
    assess,
    next_question,
    parse_answer,
    prefill,
)
from bot.triage.questions import load_questions

VIGNETTES_FILE = Path(__file__).resolve().parents[1] / "triage" / "vignettes.yml"
DATA = yaml.safe_load(VIGNETTES_FILE.read_text(encoding="utf-8"))
TODAY = date.fromisoformat(DATA["today"])
VIGNETTES: list[dict[str, Any]] = DATA["vignettes"]
DEFAULT_REPLY = {"yes_no": "no"}  # modifiers: "not sure"


def _entity(row: list[str]) -> dict[str, Any]:
    kind, value, *rest = row
    return {
        "entity": kind,
        "value": value,
        "text": rest[0] if rest else value,
        "role": rest[1] if len(rest) > 1 else None,
    }


@dataclass(frozen=True)
class Outcome:
    id: str
    expected: Level
    actual: Level
    asked: tuple[str, ...]
    findings: Findings


def play(vignette: dict[str, Any]) -> Outcome:
    """First message -> prefill; then answer each next question from the vignette's replies."""
    findings = prefill(
        [_entity(r) for r in vignette["entities"]], vignette.get("intent"), today=TODAY
    )
    replies: dict[str, str] = vignette.get("answers") or {}
    asked: list[str] = []
    while (question := next_question(findings)) is not None:
        assert question.id not in asked, f"{vignette['id']}: asked {question.id} twice"
        asked.append(question.id)
        reply = replies.get(question.id, DEFAULT_REPLY.get(question.type, "not sure"))
        value = parse_answer(question, reply, None, [], today=TODAY)
        assert value is not None, f"{vignette['id']}: could not parse {reply!r} for {question.id}"
        findings = findings.with_answer(question.id, value)
    return Outcome(
        id=vignette["id"],
        expected=Level.from_name(vignette["expected"]),
        actual=assess(findings).level,
        asked=tuple(asked),
        findings=findings,
    )


OUTCOMES = [play(v) for v in VIGNETTES]


def test_vignettes_are_at_least_sixty_and_cover_every_category_and_level() -> None:
    assert len(VIGNETTES) >= 60
    assert len({v["id"] for v in VIGNETTES}) == len(VIGNETTES)
    assert {o.expected for o in OUTCOMES} == set(Level)
    covered = set().union(*(o.findings.categories for o in OUTCOMES))
    assert covered == set(CATEGORIES)
    for vignette in VIGNETTES:
        assert vignette.get("reference"), vignette["id"]


def test_vignette_replies_name_real_questions() -> None:
    known = set(load_questions().questions)
    for vignette in VIGNETTES:
        assert set(vignette.get("answers") or {}) <= known, vignette["id"]


@pytest.mark.parametrize(
    "outcome", [o for o in OUTCOMES if o.expected is Level.EMERGENCY], ids=lambda o: o.id
)
def test_every_emergency_vignette_is_emergency(outcome: Outcome) -> None:
    assert outcome.actual is Level.EMERGENCY, outcome


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.id)
def test_no_vignette_is_two_or_more_levels_too_low(outcome: Outcome) -> None:
    assert outcome.actual >= outcome.expected - 1, outcome


def test_vignettes_at_least_95_percent_exact() -> None:
    wrong = [
        (o.id, o.expected.value_name, o.actual.value_name)
        for o in OUTCOMES
        if o.actual != o.expected
    ]
    exact = 1 - len(wrong) / len(OUTCOMES)
    assert exact >= 0.95, wrong


def test_vignette_notes_match_the_known_differences() -> None:
    """A vignette with a `note` documents a known difference; keep the notes honest."""
    noted = {v["id"] for v in VIGNETTES if v.get("note")}
    differing = {o.id for o in OUTCOMES if o.actual != o.expected}
    assert differing == noted
