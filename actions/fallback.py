"""What the bot says to a message it did not understand, in plain words and without rewinds.

Rasa's two-stage fallback is a loop that rewinds the conversation (``UserUtteranceReverted``)
when it ends, then re-adds the clarified message after an ``action_listen``. Every later copy
of the tracker replays the history once per rewind, and the inserted ``action_listen`` resets
Rasa's limit on actions per turn: after a cut of the tracker (the bounded tracker store hands
Rasa only recent turns) the rewind reached back to a state in which the loop was still
active, and one "hmm" made Rasa run the loop, rewind and replay without end (issue 15).

Here a misunderstood message gets one reply and nothing else: the first in a row asks "Is
this about: ...?" with a button for the best guess (its payload is a real button the bot
offers, so pressing it is taken as that intent), the second asks to say it in other words,
later ones say plainly that the bot did not understand and what it can help with. The count
comes from the conversation itself (the tracker Rasa hands the action), so there is no loop
to activate and no state to undo.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.constants import ACTION_ASK_REPHRASE, ACTION_CLARIFY, ACTION_FALLBACK
from bot.content import intent_labels
from bot.content.notices import ASK_REPHRASE, DID_NOT_UNDERSTAND

FALLBACK_INTENT = "nlu_fallback"
#: The "No, something else" button: a dialogue intent Rasa knows; a rule answers it after
#: the clarifying question with a request to say it another way.
SOMETHING_ELSE = "/out_of_scope"


def misunderstood_in_a_row(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row were not understood (``nlu_fallback``),
    counting the "No, something else" answer to a clarifying question as one more.
    """
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == FALLBACK_INTENT or (event.get("text") or "").strip() == SOMETHING_ELSE:
            count += 1
        else:
            break
    return count


def clarifying_question(ranking: list[dict[str, Any]]) -> dict[str, Any] | None:
    """ "Is this about: ...?" for the best-ranked intent that has a plain-words label, with
    its button, or None when no intent has one.
    """
    labels = intent_labels()
    names = [r.get("name") for r in ranking]
    suggestion = next((n for n in names if n != FALLBACK_INTENT and n in labels), None)
    if suggestion is None:
        return None
    return {
        "text": f"Sorry, I want to be sure I understood. Is this about: {labels[suggestion]}?",
        "buttons": [
            {"title": "Yes", "payload": f"/{suggestion}"},
            {"title": "No, something else", "payload": SOMETHING_ELSE},
        ],
    }


class ActionClarify(Action):
    """A message not understood: ask, then ask again in other words, then say so."""

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_CLARIFY

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Ask what the message was about, then for other words, then say it was not understood."""
        in_a_row = misunderstood_in_a_row(tracker.events)
        question = None
        if in_a_row <= 1:
            question = clarifying_question(tracker.latest_message.get("intent_ranking") or [])
        if question is not None:
            dispatcher.utter_message(text=question["text"], buttons=question["buttons"])
        elif in_a_row <= 2:
            dispatcher.utter_message(text=ASK_REPHRASE)
        else:
            dispatcher.utter_message(text=DID_NOT_UNDERSTAND)
        return []


class ActionDefaultAskRephrase(Action):
    """ "No, something else" after a clarifying question: ask for other words."""

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_ASK_REPHRASE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Ask the person to say it in other words."""
        dispatcher.utter_message(text=ASK_REPHRASE)
        return []


class ActionDefaultFallback(Action):
    """Rasa's core fallback (no rule or story predicts the next action with confidence): say
    so in plain words. Unlike Rasa's default it does not rewind the message: a rewind makes
    every later copy of the tracker replay the history (see the module docstring).
    """

    def name(self) -> str:
        """The name domain.yml knows this action by (actions/constants.py)."""
        return ACTION_FALLBACK

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Say the message was not understood, and how to go on."""
        dispatcher.utter_message(text=DID_NOT_UNDERSTAND)
        return []
