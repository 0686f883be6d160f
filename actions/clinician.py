"""A person asks for a human: tell them how, and mark the conversation for a clinician."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_REQUEST_CLINICIAN, SLOT_CLINICIAN_ATTENTION
from bot.content.notices import clinician_contact
from bot.settings import get_settings


class ActionRequestClinician(Action):
    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_REQUEST_CLINICIAN

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Mark the conversation for a clinician and say how to reach one."""
        dispatcher.utter_message(text=clinician_contact(get_settings().emergency_number))
        return [SlotSet(SLOT_CLINICIAN_ATTENTION, True)]
