"""The two-stage fallback's "Did you mean ...?" in plain words, not intent names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content import intent_labels
from bot.content.notices import ASK_REPHRASE, DID_NOT_UNDERSTAND


class ActionDefaultAskAffirmation(Action):
    """Overrides Rasa's default, which would show the raw intent name to the person."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ranking = [
            r["name"]
            for r in tracker.latest_message.get("intent_ranking") or []
            if r.get("name") != "nlu_fallback"
        ]
        labels = intent_labels()
        suggestion = next((name for name in ranking if name in labels), None)
        if suggestion is None:
            dispatcher.utter_message(text=ASK_REPHRASE)
            return []
        dispatcher.utter_message(
            text=f"Sorry, I want to be sure I understood. Is this about: {labels[suggestion]}?",
            buttons=[
                {"title": "Yes", "payload": f"/{suggestion}"},
                {"title": "No, something else", "payload": "/out_of_scope"},
            ],
        )
        return []


class ActionDefaultAskRephrase(Action):
    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=ASK_REPHRASE)
        return []


class ActionDefaultFallback(Action):
    """Nothing understood even after asking again: say so, and forget the message so the
    conversation can go on as if it had not been sent (Rasa's default behaviour)."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=DID_NOT_UNDERSTAND)
        return [UserUtteranceReverted()]
