"""An intent classifier on the sentence embedding, averaged with DIET's confidences.

Logistic regression on the MiniLM sentence feature (the same, negation-masked feature DIET
reads) is a different kind of model from DIET: linear, trained to convergence, with
probabilities that are calibrated by construction (log loss). Averaging the two is the
ensemble member the pipeline comparison measured (see BENCHMARKS.md). Placed after DIET (with
``ranking_length: 0``, so DIET reports every intent) and before ``FallbackClassifier``, which
then reads the averaged confidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MODEL_FILE = "logistic_regression.joblib"


def average_rankings(
    first: dict[str, float], second: dict[str, float], weight: float
) -> list[dict[str, Any]]:
    """``weight`` x ``second`` + (1 - ``weight``) x ``first`` for every intent of either,
    best first (an intent missing from one counts 0 there)."""
    names = set(first) | set(second)
    merged = {n: (1 - weight) * first.get(n, 0.0) + weight * second.get(n, 0.0) for n in names}
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"name": n, "confidence": float(c)} for n, c in ranked]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingIntentEnsemble(GraphComponent, IntentClassifier):
    """Logistic regression on the dense sentence feature, averaged with DIET's ranking."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Rasa trains classifiers side by side, so DIET cannot be declared as required here;
        # at parse time the components run in config order, DIET first.
        return [DenseFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # weight: the logistic regression's share of the average; C: its inverse L2 strength.
        return {"weight": 0.5, "C": 20.0, "max_iter": 3000}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "joblib"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmbeddingIntentEnsemble:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmbeddingIntentEnsemble:
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            model = None  # trained without intents: DIET's ranking passes through
        return cls(config, model_storage, resource, model)

    @staticmethod
    def _feature(message: Message) -> np.ndarray | None:
        _, sentence = message.get_dense_features(TEXT)
        return None if sentence is None else np.asarray(sentence.features).reshape(-1)

    def train(self, training_data: TrainingData) -> Resource:
        import joblib
        from sklearn.linear_model import LogisticRegression

        rows, labels = [], []
        for message in training_data.intent_examples:
            feature = self._feature(message)
            if feature is not None:
                rows.append(feature)
                labels.append(message.get(INTENT))
        if len(set(labels)) < 2:
            return self._resource
        self._model = LogisticRegression(
            C=float(self._config["C"]), max_iter=int(self._config["max_iter"])
        ).fit(np.stack(rows), labels)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            feature = self._feature(message)
            if feature is None:
                continue
            probabilities = self._model.predict_proba(feature.reshape(1, -1))[0]
            lr = dict(zip(self._model.classes_, probabilities.tolist(), strict=True))
            ranking = message.get(INTENT_RANKING_KEY) or []
            diet = {r["name"]: float(r["confidence"]) for r in ranking}
            # Without DIET before it (a pipeline of its own), the regression decides alone.
            weight = float(self._config["weight"]) if diet else 1.0
            merged = average_rankings(diet, lr, weight)
            message.set(INTENT, dict(merged[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, merged, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
