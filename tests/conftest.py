"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model trained from the current data (make test trains it before pytest runs)."""
    from bot.settings import Settings
    from ops.training import current_model

    model = current_model(Settings())
    if model is None:
        pytest.fail("no model for the current data: run `make model` (make test does it)")
    return model


@pytest.fixture(scope="session")
def nlu_predictor(model_path: Path):
    """text -> ops.evaluation.Prediction (intent, confidence, ...) from the trained model."""
    from ops.evaluation import model_predictor

    return model_predictor(model_path)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, model_path: Path):
    """The real stack (Rasa, actions, gateway) started once, shared by integration and
    browser tests (see tests/integration/conftest.py)."""
    from tests.integration.conftest import start_stack, stop_stack

    s = start_stack(tmp_path_factory.mktemp("stack"))
    yield s
    stop_stack(s)


@pytest.fixture(scope="session", autouse=True)
def record_gateway_answers() -> None:
    """Keeps real gateways' answers for the OpenAPI contract check (tests/contract/)."""
    from tests.contract import recorder as contract

    contract.install()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last but one: Playwright's sync API keeps an event loop running in
    the main thread for the rest of the session, which breaks later tests that run
    coroutines. Last of all, the contract check of every answer recorded until then."""

    def rank(item: pytest.Item) -> int:
        return 2 if "tests/contract/" in item.nodeid else "tests/browser/" in item.nodeid

    items.sort(key=rank)


@pytest.fixture(scope="session")
def entities_of():
    """Text -> the Rasa-style entities our spaCy pipeline gives it (built from the lexicon)."""
    from components.spacy_pipeline import build_pipeline, extract_entities

    nlp = build_pipeline()

    def entities(text: str) -> tuple[dict, ...]:
        return tuple({**e.as_rasa(), "text": e.text} for e in extract_entities(nlp(text)))

    return entities
