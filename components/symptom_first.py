"""A message that names a symptom goes to triage even when the intent is uncertain.

Rasa's ``FallbackClassifier`` turns low-confidence or ambiguous predictions into
``nlu_fallback``, and the two-stage fallback then asks "did you mean ...?" before anything
else. For "my hip aches and my eyes have gone yellow" (bone pain and tummy symptoms scored
0.49 each) that would put a clarifying question before red-flag screening. When the lexicon
found a symptom that is not negated, and a symptom report is among the two best intents, or
further down the ranking is the report of the category the named symptoms belong to, this
component restores that symptom report.

It also reads payload syntax typed as text ("/report_seizure", which Rasa hands to NLU when it
is not a button the bot offered) as out of scope rather than as what its words look like.
Other intents are left as the classifier gave them: the intent says what a message is, and the
line of questions is chosen from the symptoms named (bot/conversation.py).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.triage.entities import is_negated
from bot.triage.models import category_for_intent
from bot.triage.prefill import findings_from_entities
from bot.vocabulary import SYMPTOM_INTENTS
from components.stateless import StatelessComponent

FALLBACK = "nlu_fallback"
_TYPED_COMMAND = re.compile(r"^\s*/[A-Za-z_]")
TYPED_COMMAND_CONFIDENCE = 0.95


def looks_like_a_typed_command(text: str) -> bool:
    """Payload syntax typed as text ("/restart", "/inform{...}"): never a symptom report."""
    return bool(_TYPED_COMMAND.match(text))


def symptom_report_override(
    intent: dict[str, Any] | None,
    ranking: list[dict[str, Any]],
    entities: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The symptom-report intent to use instead of ``nlu_fallback``, or None to keep it."""
    if (intent or {}).get("name") != FALLBACK:
        return None
    named = any(e.get("entity") == "symptom" and not is_negated(e) for e in entities)
    if not named:
        return None
    candidates = [r for r in ranking if r.get("name") != FALLBACK]
    best_two = next((r for r in candidates[:2] if r.get("name") in SYMPTOM_INTENTS), None)
    if best_two is not None:
        return best_two
    # Lower in the ranking, a symptom report still wins when it is the one the named
    # symptoms belong to ("a cold ... a little cough. Do I need to call anyone?": cough is
    # breathing): a fallback there would ask "is this about talking to your care team?"
    # before anyone asked about the cough.
    named_categories = findings_from_entities(entities).categories
    return next(
        (r for r in candidates if category_for_intent(r.get("name")) in named_categories),
        None,
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SymptomFirst(StatelessComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        """The components this one needs before it: the fallback classifier."""
        return [FallbackClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        """Restore a symptom report over ``nlu_fallback``; read typed commands as out of scope."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if looks_like_a_typed_command(message.get(TEXT) or ""):
                # A typed "/report_seizure" that was not a button the bot offered reaches NLU
                # as text (components.rasa_patches); its words are a command, not a report.
                # Not 1.0: that is Rasa's certainty for a real payload, and this is a reading.
                typed = {"name": "out_of_scope", "confidence": TYPED_COMMAND_CONFIDENCE}
                message.set(INTENT, typed, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [typed, *[r for r in ranking if r.get("name") != "out_of_scope"]],
                    add_to_output=True,
                )
                continue
            chosen = symptom_report_override(
                message.get(INTENT), ranking, message.get(ENTITIES) or []
            )
            if chosen:
                message.set(INTENT, dict(chosen), add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [r for r in ranking if r.get("name") != FALLBACK],
                    add_to_output=True,
                )
        return messages
