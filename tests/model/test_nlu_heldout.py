"""The trained model on held-out messages it was never trained on."""

from __future__ import annotations

import pytest

from bot.evaluation import evaluate, load_examples
from bot.nlu_data import normalise
from bot.vocabulary import ALL_INTENTS
from tests.conftest import ROOT, TEST_DATA

pytestmark = pytest.mark.model

HELDOUT = TEST_DATA / "nlu_heldout.yml"
THRESHOLD = 0.93


def test_heldout_set_covers_every_intent_and_is_not_in_training_data():
    heldout = load_examples(HELDOUT)
    training = {normalise(e.text) for e in load_examples(ROOT / "data" / "nlu.yml")}
    assert len(heldout) >= 150
    assert {e.intent for e in heldout} == set(ALL_INTENTS)
    assert not [e.text for e in heldout if normalise(e.text) in training]


def test_heldout_intent_accuracy_and_macro_f1_reach_threshold(nlu_parser):
    report = evaluate(nlu_parser, load_examples(HELDOUT))
    print("\n" + report.table())
    for text, expected, predicted in report.errors:
        print(f"  {expected} -> {predicted}: {text}")
    assert report.accuracy >= THRESHOLD
    assert report.macro_f1 >= THRESHOLD
