"""Logistic regression on the sentence embedding (and, optionally, TF-IDF word and character
n-grams), alone or averaged with DIET's confidences.

A linear model on the MiniLM sentence feature, the same negation-masked feature DIET reads, is
trained to convergence in seconds and its probabilities come from log loss, so they mean
something. With ``ngrams: true`` it also reads TF-IDF word (1-2) and character (2-4, within
words) n-grams of the message's tokens, after ``NegatedMentionMasker`` took the negated
mentions away. Alone it is a whole intent classifier; placed after DIET (with
``ranking_length: 0``, so DIET reports every intent) its probabilities are averaged with
DIET's (``weight`` is its share). ``FallbackClassifier`` after it reads the final confidence.
The pipeline comparison in BENCHMARKS.md measured each of these.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MODEL_FILE = "logistic_regression.joblib"


def average_rankings(
    first: dict[str, float], second: dict[str, float], weight: float
) -> list[dict[str, Any]]:
    """``weight`` x ``second`` + (1 - ``weight``) x ``first`` for every intent of either,
    best first (an intent missing from one counts 0 there).
    """
    names = set(first) | set(second)
    merged = {n: (1 - weight) * first.get(n, 0.0) + weight * second.get(n, 0.0) for n in names}
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"name": n, "confidence": float(c)} for n, c in ranked]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression on the sentence embedding (+ n-grams), alone or with DIET."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The components this one needs before it: a dense featurizer."""
        # Rasa trains classifiers side by side, so DIET cannot be declared as required here;
        # at parse time the components run in config order, DIET first.
        return [DenseFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The configuration used where config.yml gives none."""
        # weight: the regression's share of the average with DIET; C: its inverse L2
        # strength; ngrams: add TF-IDF word and character n-grams of the (masked) tokens.
        return {"weight": 0.5, "C": 20.0, "max_iter": 3000, "ngrams": False}

    @staticmethod
    def required_packages() -> list[str]:
        """The Python packages this component imports."""
        return ["sklearn", "joblib", "scipy"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
        vectorizers: list[Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._vectorizers = vectorizers or []

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """A new, untrained classifier."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """The classifier as trained, from the model storage."""
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                model, vectorizers = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            model, vectorizers = None, []  # trained without intents: DIET's ranking stays
        return cls(config, model_storage, resource, model, vectorizers)

    @staticmethod
    def _embedding(message: Message) -> np.ndarray | None:
        _, sentence = message.get_dense_features(TEXT)
        return None if sentence is None else np.asarray(sentence.features).reshape(-1)

    @staticmethod
    def _token_text(message: Message) -> str:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return " ".join(t.text for t in tokens) if tokens else (message.get(TEXT) or "")

    def _matrix(self, embeddings: list[np.ndarray], texts: list[str], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        dense = np.stack(embeddings)
        if not self._config["ngrams"]:
            return dense
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._vectorizers = [
                TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2
                ),
            ]
            sparse = [v.fit_transform(texts) for v in self._vectorizers]
        else:
            sparse = [v.transform(texts) for v in self._vectorizers]
        return hstack([csr_matrix(dense), *sparse]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the regression on the intent examples and persist it."""
        import joblib
        from sklearn.linear_model import LogisticRegression

        rows, texts, labels = [], [], []
        for message in training_data.intent_examples:
            embedding = self._embedding(message)
            if embedding is not None:
                rows.append(embedding)
                texts.append(self._token_text(message))
                labels.append(message.get(INTENT))
        if len(set(labels)) < 2:
            return self._resource
        self._model = LogisticRegression(
            C=float(self._config["C"]), max_iter=int(self._config["max_iter"])
        ).fit(self._matrix(rows, texts, fit=True), labels)
        with self._storage.write_to(self._resource) as directory:
            joblib.dump((self._model, self._vectorizers), directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Average the regression's intent ranking with the one already set."""
        if self._model is None:
            return messages
        for message in messages:
            embedding = self._embedding(message)
            if embedding is None:
                continue
            features = self._matrix([embedding], [self._token_text(message)])
            probabilities = self._model.predict_proba(features)[0]
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
        """Training data as it is: this component adds no features."""
        return training_data
