"""The names domain.yml declares, in one place: intents, entities, slots and actions.

Intents and entity types are the vocabulary's (bot/vocabulary.py, derived from
bot/vocabulary.yml); slots and custom actions are named here. tests/unit/test_domain_names.py
checks domain.yml against this module.
"""

from __future__ import annotations

from typing import Final

from bot.vocabulary import ALL_INTENTS, ENTITY_TYPES

INTENTS: Final[tuple[str, ...]] = ALL_INTENTS
ENTITIES: Final[tuple[str, ...]] = ENTITY_TYPES

SLOT_CLINICIAN_ATTENTION: Final = "clinician_attention"
SLOT_TRIAGE_STATE: Final = "triage_state"
SLOT_TRIAGE_STEP: Final = "triage_step"
SLOT_TRIAGE_RESULT: Final = "triage_result"
SLOT_TRIAGE_LEVEL: Final = "triage_level"
DONE: Final = "done"

ACTION_ANSWER_QUESTION: Final = "action_answer_question"
ACTION_TRIAGE_START: Final = "action_triage_start"
ACTION_ASK_TRIAGE_STEP: Final = "action_ask_triage_step"
ACTION_TRIAGE_DISPOSITION: Final = "action_triage_disposition"
ACTION_REQUEST_CLINICIAN: Final = "action_request_clinician"
VALIDATE_TRIAGE_FORM: Final = "validate_triage_form"
ACTION_SESSION_START: Final = "action_session_start"
ACTION_CLARIFY: Final = "action_clarify"
ACTION_ASK_REPHRASE: Final = "action_default_ask_rephrase"
ACTION_FALLBACK: Final = "action_default_fallback"

#: Every slot and every custom action above, in the order written.
SLOTS: Final[tuple[str, ...]] = tuple(
    v for k, v in dict(globals()).items() if k.startswith("SLOT_")
)
ACTIONS: Final[tuple[str, ...]] = (
    *(v for k, v in dict(globals()).items() if k.startswith("ACTION_")),
    VALIDATE_TRIAGE_FORM,
)
