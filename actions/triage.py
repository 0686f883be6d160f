"""Triage through a Rasa form: start, one question at a time, and the disposition.

The form ``triage_form`` has one required slot, ``triage_step``, filled from the person's
text. ``validate_triage_step`` hands each reply to ``bot.conversation`` and sets the slot back
to empty while questions remain (so the form asks again, through ``action_ask_triage_step``)
or to ``done``. All clinical decisions live in ``bot/``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.constants import (
    ACTION_ASK_TRIAGE_STEP,
    ACTION_TRIAGE_DISPOSITION,
    ACTION_TRIAGE_START,
    DONE,
    SLOT_CLINICIAN_ATTENTION,
    SLOT_TRIAGE_LEVEL,
    SLOT_TRIAGE_RESULT,
    SLOT_TRIAGE_STATE,
    SLOT_TRIAGE_STEP,
    VALIDATE_TRIAGE_FORM,
)
from actions.replies import reply_to_interruption
from bot import conversation
from bot.content.notices import (
    ANSWER_HINT,
    CLARIFY_SYMPTOM,
    DID_NOT_CATCH,
    NOTED_TOO,
    STARTING_QUESTIONS,
    no_symptom_found,
)
from bot.conversation import CLARIFY, TriageState, Turn
from bot.settings import get_settings
from bot.triage import Level
from bot.triage.selection import question_in_context


def turn_from(tracker: Tracker) -> Turn:
    """The latest user message as the conversation module reads it."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=tuple(message.get("entities") or ()),
        message_id=message.get("message_id"),
    )


def state_from(tracker: Tracker) -> TriageState:
    """The triage state the ``triage_state`` slot holds."""
    return TriageState.from_dict(tracker.get_slot(SLOT_TRIAGE_STATE))


class ActionTriageStart(Action):
    """A symptom report: record what it says; the form then asks, or ends at once if the
    message already describes an emergency (red flags first).
    """

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_TRIAGE_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Record what the report says, then let the form ask (or end at once on a red flag)."""
        result = conversation.start(state_from(tracker), turn_from(tracker))
        if not result.done and not result.clarifying:
            dispatcher.utter_message(text=STARTING_QUESTIONS)
        return [
            SlotSet(SLOT_TRIAGE_STATE, result.state.to_dict()),
            SlotSet(SLOT_TRIAGE_STEP, DONE if result.done else None),
        ]


class ValidateTriageForm(FormValidationAction):
    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return VALIDATE_TRIAGE_FORM

    async def validate_triage_step(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Read the reply to the current step and set the next one (done when triaged)."""
        if slot_value in (None, DONE):  # set by the start action, not typed by the person
            return {SLOT_TRIAGE_STEP: slot_value}
        result = conversation.on_message(state_from(tracker), turn_from(tracker))
        events: dict[str, Any] = {SLOT_TRIAGE_STATE: result.state.to_dict()}
        if result.interruption:
            reply_to_interruption(result.interruption, dispatcher)
            if result.interruption == "request_clinician":
                events[SLOT_CLINICIAN_ATTENTION] = True
        elif result.repeated:
            dispatcher.utter_message(text=DID_NOT_CATCH)
        elif result.new_symptom and not result.done:
            dispatcher.utter_message(text=NOTED_TOO)
        events[SLOT_TRIAGE_STEP] = DONE if result.done else None
        return events


class ActionAskTriageStep(Action):
    """Asks the pending question, with quick-reply buttons (free text always works too)."""

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_ASK_TRIAGE_STEP

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Ask the current triage question, with its buttons."""
        state = state_from(tracker)
        if state.pending is None:
            state = conversation.advance(state).state
        if state.pending is None:  # nothing left to ask: let the form finish
            return [SlotSet(SLOT_TRIAGE_STATE, state.to_dict()), SlotSet(SLOT_TRIAGE_STEP, DONE)]
        if state.pending == CLARIFY:
            dispatcher.utter_message(text=CLARIFY_SYMPTOM)
            return [SlotSet(SLOT_TRIAGE_STATE, state.to_dict())]
        question = question_in_context(state.pending, state.findings)
        message = question.to_message()
        text = message["text"]
        if state.asks.get(question.id, 0) > 1 and question.type == "yes_no":
            text = f"{text} {ANSWER_HINT}"
        dispatcher.utter_message(text=text, buttons=message["buttons"])
        return [SlotSet(SLOT_TRIAGE_STATE, state.to_dict())]


class ActionTriageDisposition(Action):
    """The disposition: level in plain words, who to contact, why; sent to the gateway as the
    chat API's ``triage`` field and kept in a slot for the clinicians' record.
    """

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_TRIAGE_DISPOSITION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Give the disposition: the advice, and the triage result for the API and the record."""
        settings = get_settings()
        state = state_from(tracker)
        if not state.findings.categories:
            dispatcher.utter_message(text=no_symptom_found(settings.emergency_number))
            state.pending = None
            return [SlotSet(SLOT_TRIAGE_STATE, state.to_dict()), SlotSet(SLOT_TRIAGE_STEP, None)]
        result = conversation.disposition(state, settings.emergency_number)
        # One reply, not one per paragraph (Rasa splits texts on blank lines).
        dispatcher.utter_message(text=result.advice.replace("\n\n", "\n"))
        dispatcher.utter_message(json_message={"triage": result.to_api()})
        dispatcher.utter_message(response="utter_anything_else")
        record = {
            **result.to_record(),
            "questions": conversation.questions_asked(state),
            "answers": conversation.answers_recorded(state),
        }
        state = TriageState(findings=state.findings, stated=state.stated, direct=state.direct)
        events = [
            SlotSet(SLOT_TRIAGE_RESULT, record),
            SlotSet(SLOT_TRIAGE_LEVEL, result.level.value_name),
            SlotSet(SLOT_TRIAGE_STATE, state.to_dict()),
            SlotSet(SLOT_TRIAGE_STEP, None),
        ]
        if result.level is Level.EMERGENCY:
            events.append(SlotSet(SLOT_CLINICIAN_ATTENTION, True))
        return events
