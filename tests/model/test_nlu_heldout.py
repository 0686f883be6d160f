"""The trained model on frozen held-out messages it was never trained on (measuring only:
these tests print no held-out message), and on the issue's own examples (development checks).
"""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.vocabulary import ALL_INTENTS, SYMPTOM_INTENTS
from ops.evaluation import (
    DEVELOPMENT_SET,
    HELDOUT_DIR,
    HELDOUT_SETS,
    NEGATED_SETS,
    evaluate_model,
    load_examples,
)
from ops.nlu_data import normalise
from ops.training import fallback_threshold
from tests.conftest import ROOT

pytestmark = pytest.mark.model

SETTINGS = Settings()


@pytest.fixture(scope="module")
def evaluation(nlu_predictor):
    return evaluate_model(nlu_predictor, ROOT, fallback_threshold(ROOT))


def test_heldout_sets_cover_every_intent_and_share_nothing_with_the_training_data():
    training = {normalise(e.text) for e in load_examples(ROOT / "data" / "nlu.yml")}
    combined = [e for name in HELDOUT_SETS for e in load_examples(ROOT / HELDOUT_DIR / name)]
    negated = [e for name in NEGATED_SETS for e in load_examples(ROOT / HELDOUT_DIR / name)]
    development = load_examples(ROOT / DEVELOPMENT_SET)
    assert len(combined) >= 300
    assert {e.intent for e in combined} == set(ALL_INTENTS)
    assert len(negated) == 40
    for heldout in (combined, negated, development):
        assert not [1 for e in heldout if normalise(e.text) in training]


def test_heldout_accuracy_and_macro_f1_reach_the_threshold(evaluation):
    report = evaluation.combined.report
    print("\n" + report.table())
    assert report.accuracy >= SETTINGS.eval_min_accuracy
    assert report.macro_f1 >= SETTINGS.eval_min_macro_f1


def test_out_of_scope_read_as_symptom_reports_stays_within_the_limit(evaluation):
    total, _, above_threshold = evaluation.combined.out_of_scope_as_symptom
    assert total >= 40
    assert above_threshold / total <= SETTINGS.eval_max_out_of_scope_as_symptom


def test_negated_only_messages_read_as_symptom_reports_stay_within_the_limit(evaluation):
    assert evaluation.negated.as_report <= SETTINGS.eval_max_negated_as_report


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # the denied symptom comes first; the reported one must pick the intent
        ("no headache, but my back has been aching for weeks", "report_back_neck_pain"),
        (
            "I don't have any cough, but I've had a terrible headache since Monday",
            "report_headache",
        ),
        ("no back pain at all, my vision has gone blurry in one eye", "report_vision_change"),
        ("not tired, but my tummy is swollen and my eyes look yellow", "report_abdominal_symptom"),
        # the examples
        (
            "no pain in my head at all, but my right arm has gone weak since this morning",
            "report_neuro_change",
        ),
        ("had some heartburn after dinner", "report_abdominal_symptom"),
        ("I keep getting sores in my mouth", "report_other_symptom"),
        ("had a funny turn at the shops", "report_seizure"),
    ],
)
def test_the_symptom_reported_picks_the_intent(nlu_predictor, message, intent):
    assert nlu_predictor(message).intent == intent


@pytest.mark.parametrize(
    "message",
    [
        "my car's back light is broken",
        "quiero hablar con una enfermera",
        "my neighbour's dog kept me up all night barking and now i'm shattered lol",
    ],
)
def test_words_shared_with_symptoms_do_not_open_triage(nlu_predictor, message):
    assert nlu_predictor(message).intent in {"out_of_scope", "nlu_fallback"}


def test_something_not_right_is_not_a_goodbye(nlu_predictor):
    assert nlu_predictor("something's not right but I can't explain it").intent != "goodbye"


def test_nerves_about_results_are_not_bone_pain(nlu_predictor):
    message = "bit nervous about my scan results but otherwise I'm doing my normal things"
    assert nlu_predictor(message).intent not in set(SYMPTOM_INTENTS) - {"report_mood_change"}
