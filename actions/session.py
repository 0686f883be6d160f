"""Every conversation, on any channel, starts with the disclaimer and the emergency number."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_SESSION_START
from bot.content.notices import opening_notice
from bot.settings import get_settings


class ActionSessionStart(Action):
    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_SESSION_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Start the session with the not-a-diagnosis notice and the emergency line."""
        dispatcher.utter_message(text=opening_notice(get_settings().emergency_number))
        return [SessionStarted(), ActionExecuted("action_listen")]
