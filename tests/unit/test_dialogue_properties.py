"""Every assessment ends, whatever the person replies (issue #12), checked with hypothesis.

For every symptom opening of the clinical vignettes, replies are drawn from a generator of
unhelpful, irrelevant, correcting, hedging and noise answers (each read by the real spaCy
pipeline, with an intent that says nothing), and the conversation is played through
bot/conversation.py. Properties:

- it reaches a disposition within the bound (each question at most twice, at most
  MAX_QUESTIONS questions, at most twice the clarifying question);
- the same question never comes a third time in a row;
- the level is never below the level that answering every question "not sure" gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import (
    CLARIFY,
    MAX_ASKS,
    MAX_QUESTIONS,
    TriageState,
    Turn,
    on_message,
    start,
)
from bot.triage import Level, triage_level

VIGNETTES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "triage" / "vignettes.yml").read_text(encoding="utf-8")
)["vignettes"]
OPENINGS = [(v["message"], v["intent"]) for v in VIGNETTES if v.get("intent")]
BOUND = MAX_QUESTIONS * MAX_ASKS + MAX_ASKS + 1

UNHELPFUL = ["hmm", "ok", "what?", "I don't follow", "sorry?", "well", "erm", "k"]
IRRELEVANT = [
    "what's the weather like tomorrow",
    "my grandson starts school next week",
    "I had toast for breakfast",
    "can you order me a taxi",
    "the cat is asleep on the sofa",
]
# Corrections that never make the findings more reassuring (longer, worse, sudden).
CORRECTING = [
    "actually it's been going on for months",
    "sorry, it started about three weeks ago, not days",
    "it's getting worse actually",
    "it came on suddenly, I should have said",
    "it's more like an 8 out of 10",
]
HEDGING = ["not sure", "dunno", "maybe", "hard to say", "I can't remember", "no idea really"]
NOISE = ["??", "...", "asdfgh", "🙂", "lol", "jkjkjk", "!!!", "1234"]
QUIET_INTENTS = ["nlu_fallback", "out_of_scope", "inform", "thank", "greet", "ask_treatment"]

replies = st.lists(
    st.tuples(
        st.sampled_from(UNHELPFUL + IRRELEVANT + CORRECTING + HEDGING + NOISE),
        st.sampled_from(QUIET_INTENTS),
    ),
    min_size=BOUND,
    max_size=BOUND,
)


def _play(entities_of, opening: tuple[str, str], answers: list[tuple[str, str]]):
    text, intent = opening
    result = start(TriageState(), Turn(text, intent, 0.9, entities_of(text), "m0"))
    asked = [result.state.pending]
    for i, (reply, reply_intent) in enumerate(answers, 1):
        if result.done or result.state.pending is None:
            return result, asked, i
        result = on_message(
            result.state, Turn(reply, reply_intent, 0.6, entities_of(reply), f"m{i}")
        )
        asked.append(result.state.pending)
    return result, asked, len(answers) + 1


@pytest.fixture(scope="module")
def all_unsure_levels(entities_of) -> dict[str, Level]:
    levels = {}
    for opening in OPENINGS:
        result, _, _ = _play(entities_of, opening, [("not sure", "inform")] * BOUND)
        levels[opening[0]] = triage_level(result.state.findings)
    return levels


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opening=st.sampled_from(OPENINGS), answers=replies)
def test_any_unhelpful_replies_reach_a_disposition_within_the_bound(
    entities_of, opening, answers
) -> None:
    result, _, turns = _play(entities_of, opening, answers)
    assert result.done or result.state.pending is None, (opening, turns)
    assert turns <= BOUND


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opening=st.sampled_from(OPENINGS), answers=replies)
def test_no_question_is_asked_three_times_in_a_row(entities_of, opening, answers) -> None:
    _, asked, _ = _play(entities_of, opening, answers)
    runs = [asked[i : i + 3] for i in range(len(asked) - 2)]
    assert not [r for r in runs if r[0] is not None and r[0] == r[1] == r[2]], asked


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opening=st.sampled_from(OPENINGS), answers=replies)
def test_unhelpful_replies_never_give_a_lower_level_than_not_sure_to_everything(
    entities_of, all_unsure_levels, opening, answers
) -> None:
    result, _, _ = _play(entities_of, opening, answers)
    if result.state.findings.categories:
        assert triage_level(result.state.findings) >= all_unsure_levels[opening[0]], opening


def test_every_vignette_opening_starts_questions_or_ends_at_once(entities_of) -> None:
    for opening in OPENINGS:
        result, _, _ = _play(entities_of, opening, [])
        assert result.state.findings.categories, opening
        assert result.done or result.state.pending not in (None, CLARIFY), opening
