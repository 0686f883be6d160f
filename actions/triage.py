"""Hand-off from a symptom report to triage (replaced by the triage form)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_TRIAGE_START
from bot.content.notices import emergency_line
from bot.settings import get_settings


class ActionTriageStart(Action):
    def name(self) -> str:
        return ACTION_TRIAGE_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=(
                "Thank you for telling me. New symptoms that don't go away are worth checking "
                "with your care team. " + emergency_line(get_settings().emergency_number)
            )
        )
        return []
