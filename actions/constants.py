"""Names shared by the actions and domain.yml, in one place."""

from __future__ import annotations

from typing import Final

from bot.vocabulary import QUESTION_INTENTS, SYMPTOM_INTENTS

SLOT_CLINICIAN_ATTENTION: Final = "clinician_attention"

ACTION_ANSWER_QUESTION: Final = "action_answer_question"
ACTION_TRIAGE_START: Final = "action_triage_start"
ACTION_REQUEST_CLINICIAN: Final = "action_request_clinician"

__all__ = [
    "ACTION_ANSWER_QUESTION",
    "ACTION_REQUEST_CLINICIAN",
    "ACTION_TRIAGE_START",
    "QUESTION_INTENTS",
    "SLOT_CLINICIAN_ATTENTION",
    "SYMPTOM_INTENTS",
]
