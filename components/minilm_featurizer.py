"""Dense sentence features from all-MiniLM-L6-v2 for the intent classifier (``components.encoder``).

With ``mask_negated: true`` the sentence is encoded without its negated symptom mentions
(``components.negation_mask``), read from the spaCy doc that ``SpacyNLP`` made, in training as in
parsing: "no headache, but my arm has gone weak" is encoded as ", but my arm has gone weak".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.encoder import EmbeddingCache, default_model_dir, shared_encoder
from components.negation_mask import classifier_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one mean-pooled, normalised 384-d sentence feature per user message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The configuration used where config.yml gives none."""
        return {**DenseFeaturizer.get_default_config(), "model_dir": None, "mask_negated": False}

    @staticmethod
    def required_packages() -> list[str]:
        """The Python packages this component imports."""
        return ["tensorflow", "transformers"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model_dir = config.get("model_dir") or default_model_dir()
        self._encoder = shared_encoder(config.get("model_dir"))
        self._mask_negated = bool(config.get("mask_negated"))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        """A featurizer with the shared sentence encoder."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate: the model directory is optional."""

    def _featurize(self, messages: list[Message], cache: EmbeddingCache | None = None) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        texts = [self._text(m) for m in todo]
        embeddings = cache.encode(self._encoder, texts) if cache else self._encoder.encode(texts)
        for message, vector in zip(todo, embeddings, strict=True):
            self.add_features_to_message(
                sequence=None,
                sentence=np.expand_dims(vector, 0),
                attribute=TEXT,
                message=message,
            )

    def _text(self, message: Message) -> str:
        doc = message.get(SPACY_DOCS[TEXT]) if self._mask_negated else None
        return classifier_text(doc) if doc is not None else message.get(TEXT)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the sentence embedding to each message."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Add the sentence embedding to each training example, cached when configured."""
        from bot.settings import get_settings

        directory = get_settings().embedding_cache_dir
        cache = EmbeddingCache(directory, f"{self._model_dir}") if directory else None
        self._featurize(training_data.training_examples, cache)
        return training_data
