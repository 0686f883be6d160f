"""Answers to survivors' questions, from the article, with the source named."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_ANSWER_QUESTION
from bot.content import answer_for
from bot.content.notices import DID_NOT_UNDERSTAND


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_ANSWER_QUESTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Answer the question intent from the content with its source."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answer = answer_for(intent or "")
        if answer is None:
            dispatcher.utter_message(text=DID_NOT_UNDERSTAND)
        else:
            dispatcher.utter_message(text=answer.render())
        return []
