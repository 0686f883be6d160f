"""Scoring of held-out intent predictions."""

from __future__ import annotations

import pytest

from ops.evaluation import (
    Example,
    Prediction,
    calibration,
    lenient,
    load_examples,
    measure,
    percentile,
    prediction_from_parse,
    score,
    strip_annotations,
)


def test_perfect_predictions_score_one():
    report = score([("a", "a"), ("b", "b")])
    assert report.accuracy == 1.0
    assert report.macro_f1 == 1.0
    assert report.confusions == ()


def test_one_confusion_lowers_both_intents_f1_and_is_listed():
    report = score([("a", "a"), ("a", "b"), ("b", "b")], ["x", "y", "z"])
    assert report.accuracy == pytest.approx(2 / 3)
    by_intent = {s.intent: s for s in report.per_intent}
    assert by_intent["a"].recall == 0.5
    assert by_intent["b"].precision == 0.5
    assert report.confusions == (("a", "b", 1),)
    assert report.errors == (("y", "a", "b"),)


def test_fallback_predictions_count_as_errors():
    report = score([("a", "nlu_fallback")])
    assert report.accuracy == 0.0


def test_annotations_are_stripped():
    assert strip_annotations("my [lower back](body_part) [aches](symptom)") == "my lower back aches"


def test_load_examples_reads_rasa_yaml(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - [hello](x) there\n'
    )
    assert [(e.text, e.intent) for e in load_examples(path)] == [
        ("hi", "greet"),
        ("hello there", "greet"),
    ]


def prediction(intent: str, confidence: float, top: str | None = None) -> Prediction:
    return Prediction(intent, confidence, top or intent, confidence)


def test_lenient_count_takes_the_fallback_as_right_only_for_out_of_scope():
    pairs = [("out_of_scope", "nlu_fallback"), ("report_headache", "nlu_fallback")]
    assert lenient(pairs) == [("out_of_scope", "out_of_scope"), ("report_headache", "nlu_fallback")]


def test_a_perfectly_calibrated_classifier_has_zero_expected_calibration_error():
    expected = ["a"] * 4 + ["b"] * 4
    # confidence 0.75 in the bin, and 3 of those 4 right; 0.25 with 1 of 4 right
    predictions = [prediction("a", 0.75)] * 3 + [prediction("b", 0.75)]
    predictions += [prediction("a", 0.25, "a")] * 3 + [prediction("b", 0.25)]
    bins, ece = calibration(expected, predictions)
    assert ece == pytest.approx(0.0)
    assert [(b.count, b.accuracy) for b in bins] == [(4, 0.25), (4, 0.75)]


def test_an_overconfident_classifier_has_the_gap_as_its_error():
    bins, ece = calibration(["a", "b"], [prediction("a", 0.95), prediction("a", 0.95)])
    assert ece == pytest.approx(0.45)
    assert bins[-1].count == 2


def test_heldout_result_counts_out_of_scope_read_as_symptoms_and_reports():
    examples = [
        Example("my car's back light is broken", "out_of_scope"),
        Example("what time is it", "out_of_scope"),
        Example("gibberish", "out_of_scope"),
        Example("no headache today, thanks", "thank"),
    ]
    answers = {
        "my car's back light is broken": prediction("report_back_neck_pain", 0.8),
        "what time is it": prediction("out_of_scope", 0.9),
        "gibberish": prediction("report_other_symptom", 0.2),  # restored below the threshold
        "no headache today, thanks": prediction("report_headache", 0.6),
    }
    result = measure(answers.__getitem__, examples, "t", threshold=0.3)
    assert result.out_of_scope_as_symptom == (3, 2, 1)
    assert result.as_report == 3
    assert result.report.accuracy == 0.25


def test_percentile_interpolates_like_numpy():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5


def test_prediction_from_parse_separates_the_fallback_from_the_classifiers_best():
    result = {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "greet", "confidence": 0.28},
        ],
    }
    p = prediction_from_parse(result, 4.0)
    assert (p.intent, p.top_intent, p.top_confidence, p.parse_ms) == (
        "nlu_fallback",
        "greet",
        0.28,
        4.0,
    )
