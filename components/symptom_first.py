"""A message that names a symptom goes to triage, even when the intent says otherwise.

Rasa's ``FallbackClassifier`` turns low-confidence or ambiguous predictions into
``nlu_fallback``, and the two-stage fallback then asks "did you mean ...?" before anything
else. For "my hip aches and my eyes have gone yellow" (bone pain and tummy symptoms scored
0.49 each) that would put a clarifying question before red-flag screening. When the lexicon
found a symptom that is not negated, this component restores a symptom report:

- after ``nlu_fallback`` or a question intent, when a symptom report is among the two best
  intents ("my back hurts, should I ask for a scan?");
- after a question intent, when the message tells of the person's own symptom (a duration,
  or "my", "I've had", "she's been": "I'm on herceptin and for 3 weeks I've had a cough, is
  this the herceptin?"), the best-ranked symptom report;
It also reads payload syntax typed as text ("/report_seizure", which Rasa hands to NLU when it
is not a button the bot offered) as out of scope rather than as what its words look like.

- after an intent that carries no request of its own (out of scope, inform, a greeting,
  thanks, yes or no), the best-ranked symptom report ("hi, no fever but my calf is swollen").

The triage questions that follow confirm the details, and every symptom named in the message
is assessed (bot.conversation chooses the line of questions from the symptoms named).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.triage.lexicon import load_lexicon
from bot.vocabulary import QUESTION_INTENTS, SYMPTOM_INTENTS

FALLBACK = "nlu_fallback"
#: Words that tell a message is about the writer's (or someone close's) own symptom.
_OWN_SYMPTOM = re.compile(
    r"\b(?:my|i'?ve|ive|i\s+(?:have|had|get|keep|feel|am|was)|i'?m|im|she'?s|he'?s|her|his"
    r"|mum'?s|mom'?s|wife'?s|husband'?s)\b",
    re.IGNORECASE,
)
#: Intents that ask for nothing themselves: a symptom named with them is a report.
NO_REQUEST_INTENTS = frozenset({"out_of_scope", "inform", "greet", "thank", "affirm", "deny"})


_TYPED_COMMAND = re.compile(r"^\s*/[A-Za-z_]")


def looks_like_a_typed_command(text: str) -> bool:
    """Payload syntax typed as text ("/restart", "/inform{...}"): never a symptom report."""
    return bool(_TYPED_COMMAND.match(text))


def symptom_report_override(
    intent: dict[str, Any] | None,
    ranking: list[dict[str, Any]],
    entities: list[dict[str, Any]],
    text: str = "",
) -> dict[str, Any] | None:
    """The symptom-report intent to use instead of ``intent``, or None to keep it."""
    name = (intent or {}).get("name")
    if name is None or name in SYMPTOM_INTENTS:
        return None
    named = any(e.get("entity") == "symptom" and e.get("role") != "negated" for e in entities)
    if not named:
        return None
    own = _OWN_SYMPTOM.search(text or "") or any(e.get("entity") == "duration" for e in entities)
    if name in QUESTION_INTENTS and own:
        candidates = ranking
    elif name == FALLBACK or name in QUESTION_INTENTS:
        candidates = [r for r in ranking if r.get("name") != FALLBACK][:2]
    elif name in NO_REQUEST_INTENTS:
        candidates = ranking
    else:
        return None
    chosen = next((r for r in candidates if r.get("name") in SYMPTOM_INTENTS), None)
    if chosen is None and candidates is ranking:
        chosen = _report_for_symptoms(entities)
    return chosen


def _report_for_symptoms(entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The report intent of the first named symptom's category (when none was ranked)."""
    lexicon = load_lexicon()
    for entity in entities:
        if entity.get("entity") == "symptom" and entity.get("role") != "negated":
            categories = sorted(lexicon.categories_of(str(entity.get("value"))))
            if categories:
                return {"name": f"report_{categories[0]}", "confidence": 0.0}
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SymptomFirst(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [FallbackClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SymptomFirst:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if looks_like_a_typed_command(message.get(TEXT) or ""):
                # A typed "/report_seizure" that was not a button the bot offered reaches NLU
                # as text (bot.rasa_patches); its words are a command, not a report.
                typed = {"name": "out_of_scope", "confidence": 1.0}
                message.set(INTENT, typed, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [typed, *[r for r in ranking if r.get("name") != "out_of_scope"]],
                    add_to_output=True,
                )
                continue
            chosen = symptom_report_override(
                message.get(INTENT), ranking, message.get(ENTITIES) or [], message.get(TEXT) or ""
            )
            if chosen:
                message.set(INTENT, dict(chosen), add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [r for r in ranking if r.get("name") != FALLBACK],
                    add_to_output=True,
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
