"""Names shared by the actions and domain.yml, in one place."""

from __future__ import annotations

from typing import Final

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
