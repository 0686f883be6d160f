"""Takes the tokens of negated symptom mentions away from the word and character n-gram
features, as ``MiniLMFeaturizer(mask_negated: true)`` does for the sentence embedding.

Placed after the tokenizer and before ``CountVectorsFeaturizer``: the count vectors then see
"no headache, but my back hurts" as ", but my back hurts", so a denied symptom's words cannot
pick the intent. Entities come from the spaCy doc, not from these tokens, so the transcript and
triage still see the negated mention (with the role ``negated``).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.negation_mask import EMPTY, negated_char_spans
from components.stateless import StatelessComponent


def masked_tokens(tokens: list[Token], spans: list[tuple[int, int]]) -> list[Token]:
    """The tokens outside every span; one ``EMPTY`` token when none is left."""
    kept = [t for t in tokens if not any(start <= t.start < end for start, end in spans)]
    return kept or [Token(EMPTY, 0, len(EMPTY))]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class NegatedMentionMasker(StatelessComponent):
    """Removes negated symptom mentions from the message's tokens (see the module docstring)."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The components this one needs before it: a tokenizer."""
        return [Tokenizer]

    def process(self, messages: list[Message]) -> list[Message]:
        """Drop the tokens of negated symptom mentions from each message."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            tokens = message.get(TOKENS_NAMES[TEXT])
            if doc is None or not tokens:
                continue
            spans = negated_char_spans(doc)
            if spans:
                message.set(TOKENS_NAMES[TEXT], masked_tokens(tokens, spans))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Mask the training examples' tokens as at parse time."""
        self.process(training_data.training_examples)
        return training_data
