"""The base of our Rasa components that keep no state: nothing to train, store or load."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self


class StatelessComponent(GraphComponent):
    """A graph component built the same way every time, whatever the model storage holds."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """A new instance; these components take no configuration."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data as it is: a stateless component learns nothing from it."""
        return training_data
