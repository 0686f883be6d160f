"""Short replies to questions asked in the middle of triage, before the question is repeated."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.content import answer_for
from bot.content.notices import CARRY_ON, clinician_contact
from bot.settings import get_settings

_RESPONSES = {
    "bot_challenge": "utter_iamabot",
    "out_of_scope": "utter_out_of_scope",
    "thank": "utter_you_are_welcome",
}


def reply_to_interruption(intent: str, dispatcher: CollectingDispatcher) -> None:
    """Answer a side question or request made in the middle of triage."""
    answer = answer_for(intent)
    if answer is not None:
        dispatcher.utter_message(text=answer.render())
    elif intent == "request_clinician":
        dispatcher.utter_message(text=clinician_contact(get_settings().emergency_number))
    elif intent in _RESPONSES:
        dispatcher.utter_message(response=_RESPONSES[intent])
    if intent != "greet":
        dispatcher.utter_message(text=CARRY_ON)
