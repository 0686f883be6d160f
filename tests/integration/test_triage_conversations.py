"""Scripted triage conversations played end to end through the real stack's /api/v1/chat.

Each script (tests/integration/conversations.yml) is one simulated survivor: an opening
message, free-text or button replies to the follow-up questions, and the level the references
say the conversation must end with. See tests/integration/scripted.py for the runner.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from bot.vocabulary import SYMPTOM_INTENTS
from tests.integration.conftest import Stack
from tests.integration.scripted import Outcome, Script, load_scripts, play

pytestmark = pytest.mark.integration

CONVERSATIONS = Path(__file__).with_name("conversations.yml")
SCRIPTS = load_scripts(CONVERSATIONS)
LEVELS = ("emergency", "urgent", "soon", "routine")
#: Scripts whose opening already states an emergency red flag: no question may be asked.
FIRST_MESSAGE_SUFFIX = "in the first message"

#: Advice a symptom checker must never give: routine scans or tumour markers. The doctor
#: decides on tests (Johns Hopkins Medicine, Habibi; ASCO follow-up guideline, JCO 2013).
ROUTINE_TEST_ADVICE = re.compile(
    r"\b(?:you\s+(?:should|need\s+to|ought\s+to|must)\s+(?:ask\s+for|get|have|request|book|arrange)"
    r"|(?:we|i)\s+(?:would\s+)?(?:recommend|suggest|advise)|ask\s+(?:your\s+\w+\s+)?for"
    r"|request|book|get|have)"
    r"(?:\s+(?:a|an|some|regular|routine|yearly|annual|pet|ct|mri|bone|body|full|tumou?r|blood))*"
    r"\s+(?:scans?|markers?|marker\s+tests?|ca\s*15-3|cea)\b",
    re.IGNORECASE,
)


def test_scripts_cover_every_symptom_intent_and_level():
    assert len(SCRIPTS) >= 48
    assert len({s.name for s in SCRIPTS}) == len(SCRIPTS), "script names must be unique"
    assert {s.expect for s in SCRIPTS} == set(LEVELS)
    assert all(s.source for s in SCRIPTS), "every script names its reference"
    assert [s for s in SCRIPTS if s.name.endswith(FIRST_MESSAGE_SUFFIX)]


def test_routine_test_advice_pattern_catches_recommendations_only():
    for advice in (
        "You should ask for a PET scan to check.",
        "We recommend regular scans every year.",
        "Ask your oncologist for tumour marker tests.",
    ):
        assert ROUTINE_TEST_ADVICE.search(advice), advice
    for safe in (
        "Specialists usually do not recommend routine tests to look for spread (such as "
        "regular PET, CT or bone scans, or tumour-marker blood tests).",
        "They may arrange blood tests, or arrange imaging if they think it is needed.",
    ):
        assert not ROUTINE_TEST_ADVICE.search(safe), safe


def _chat(stack: Stack):
    def chat(message: str, session_id: str) -> dict:
        response = stack.chat(message, session_id)
        assert response.status_code == 200, (message, response.status_code, response.text)
        return response.json()

    return chat


def _transcript(outcome: Outcome) -> str:
    return "\n".join(f"  > {user}\n  < {bot}" for user, bot in outcome.transcript)


@pytest.fixture(scope="module")
def outcomes(stack: Stack) -> dict[str, Outcome | Exception]:
    """Every script played once (shared by the per-script tests and the store checks)."""
    played: dict[str, Outcome | Exception] = {}
    for script in SCRIPTS:
        try:
            played[script.name] = play(_chat(stack), script)
        except AssertionError as error:  # no disposition: reported by the script's own test
            played[script.name] = error
    return played


def _outcome(outcomes: dict[str, Outcome | Exception], script: Script) -> Outcome:
    outcome = outcomes[script.name]
    if isinstance(outcome, Exception):
        pytest.fail(str(outcome), pytrace=False)
    return outcome


def _problems(script: Script, outcome: Outcome) -> list[str]:
    problems = []
    if outcome.level != script.expect:
        problems.append(f"level {outcome.level!r}, expected {script.expect!r}")
    triage = outcome.triage or {}
    if not triage.get("symptoms"):
        problems.append("triage.symptoms is empty")
    if not triage.get("advice"):
        problems.append("triage.advice is empty")
    disposition_text = outcome.transcript[-1][1]
    if "911" not in disposition_text:
        problems.append("the disposition does not give the emergency number 911")
    if "not a diagnosis" not in disposition_text:
        problems.append('the disposition does not say "not a diagnosis"')
    for _, bot_text in outcome.transcript:
        found = ROUTINE_TEST_ADVICE.search(bot_text)
        if found:
            problems.append(f"a reply recommends routine tests: {found.group()!r}")
    first_message = script.name.endswith(FIRST_MESSAGE_SUFFIX)
    if first_message and (outcome.asked or len(outcome.transcript) > 1):
        problems.append(f"questions asked before the emergency advice: {outcome.asked}")
    return problems


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_conversation_ends_with_the_expected_disposition(outcomes, script: Script):
    outcome = _outcome(outcomes, script)
    problems = _problems(script, outcome)
    if problems:
        pytest.fail(
            f"{script.name} ({script.source}):\n- "
            + "\n- ".join(problems)
            + f"\nquestions asked: {outcome.asked}\n{_transcript(outcome)}",
            pytrace=False,
        )


def _events(stack: Stack, session_id: str) -> list[tuple[str, dict]]:
    with sqlite3.connect(stack.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (session_id,),
        ).fetchall()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def test_tracker_store_holds_every_message_and_the_triage_result(stack, outcomes):
    """The tracker store is the record clinicians read: every message the person sent, and
    the disposition with the rules that produced it (count stored events, don't trust a 200)."""
    problems = []
    for script in SCRIPTS:
        outcome = outcomes[script.name]
        if isinstance(outcome, Exception):
            continue  # reported by the script's own test
        events = _events(stack, outcome.session_id)
        sent = [user for user, _ in outcome.transcript]
        stored = [data.get("text") for type_name, data in events if type_name == "user"]
        if stored != sent:
            problems.append(f"{script.name}: stored user messages {stored} != sent {sent}")
        results = [
            data["value"]
            for type_name, data in events
            if type_name == "slot" and data.get("name") == "triage_result" and data.get("value")
        ]
        if not results:
            problems.append(f"{script.name}: no triage_result slot event stored")
        elif results[-1].get("level") != outcome.level or not results[-1].get("reasons"):
            problems.append(f"{script.name}: stored triage_result {results[-1]}")
    assert not problems, "\n".join(problems)


def test_every_symptom_intent_is_scripted(stack, outcomes):
    """Each report_* intent opens at least one script (as the stored NLU parse shows)."""
    opened: set[str] = set()
    for script in SCRIPTS:
        outcome = outcomes[script.name]
        if isinstance(outcome, Exception):
            continue
        first = next(
            (data for type_name, data in _events(stack, outcome.session_id) if type_name == "user"),
            None,
        )
        if first:
            opened.add((first.get("parse_data") or {}).get("intent", {}).get("name"))
    assert set(SYMPTOM_INTENTS) <= opened, sorted(set(SYMPTOM_INTENTS) - opened)
