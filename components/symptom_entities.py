"""Entities from the project's spaCy pipeline (lexicon entity ruler + negation).

Negated mentions ("no headache, but ...") are kept with the role ``negated`` so that the
transcript shows them, while triage ignores them.
"""

from __future__ import annotations

import negspacy.negation  # noqa: F401  registers the "negex" factory before SpacyNLP loads
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.spacy_pipeline import extract_entities
from components.stateless import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SymptomEntityExtractor(StatelessComponent, EntityExtractorMixin):
    """Turns the spaCy doc's lexicon entities into Rasa entities with canonical values."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The components this one needs before it: spaCy."""
        return [SpacyNLP]

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the lexicon's entities, negated ones with the role ``negated``."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            found = [{**ent.as_rasa(), "confidence_entity": 1.0} for ent in extract_entities(doc)]
            found = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
