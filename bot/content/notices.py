"""The notices every conversation carries, read from ``notices.yml`` (text with its source).

Not a diagnosis, the emergency line, what is said when the assistant cannot answer or cannot
tell the symptom, and the short lines between triage questions. ``{emergency_number}`` is
filled in from settings by the functions below.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

import yaml

NOTICES_FILE: Final[Path] = Path(__file__).with_name("notices.yml")


@cache
def _notices() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(NOTICES_FILE.read_text(encoding="utf-8"))
    return {name: entry for name, entry in data.items() if isinstance(entry, dict)}


def text(name: str) -> str:
    """The text of one notice, as written in notices.yml (placeholders not filled in)."""
    return _notices()[name]["text"].strip()


def source(name: str) -> str:
    """Why a notice says what it says (its ``source`` in notices.yml)."""
    return _notices()[name]["source"].strip()


def emergency_line(emergency_number: str) -> str:
    """What to do in an emergency, with the number to call."""
    return text("emergency_line").format(emergency_number=emergency_number)


def _with_emergency_line(name: str, emergency_number: str) -> str:
    return text(name).format(emergency_line=emergency_line(emergency_number))


def opening_notice(emergency_number: str) -> str:
    """Sent when a conversation (session) starts, whatever the channel."""
    return f"{NOT_A_DIAGNOSIS} {emergency_line(emergency_number)}"


def unavailable(emergency_number: str) -> str:
    """Said by the gateway when the assistant cannot answer (a dependency is down)."""
    return _with_emergency_line("unavailable", emergency_number)


def clinician_contact(emergency_number: str) -> str:
    """When a person asks for a human: how to reach one (the bot cannot connect them)."""
    return _with_emergency_line("clinician_contact", emergency_number)


def busy(emergency_number: str) -> str:
    """When a session sends a message before its previous one was answered."""
    return _with_emergency_line("busy", emergency_number)


def no_symptom_found(emergency_number: str) -> str:
    """When, after asking, the bot still cannot tell which symptom the person means."""
    return _with_emergency_line("no_symptom_found", emergency_number)


NOT_A_DIAGNOSIS: Final[str] = text("not_a_diagnosis")
DID_NOT_UNDERSTAND: Final[str] = text("did_not_understand")
ASK_REPHRASE: Final[str] = text("ask_rephrase")
# Said during the triage questions.
STARTING_QUESTIONS: Final[str] = text("starting_questions")
DID_NOT_CATCH: Final[str] = text("did_not_catch")
ANSWER_HINT: Final[str] = text("answer_hint")
NOTED_TOO: Final[str] = text("noted_too")
CARRY_ON: Final[str] = text("carry_on")
CLARIFY_SYMPTOM: Final[str] = text("clarify_symptom")
