"""Scoring of held-out intent predictions."""

from __future__ import annotations

import pytest

from bot.evaluation import load_examples, score, strip_annotations


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
