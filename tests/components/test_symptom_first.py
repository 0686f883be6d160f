"""A message naming a symptom is triaged even when the intent prediction is uncertain."""

from __future__ import annotations

from components.symptom_first import symptom_report_override

FALLBACK = {"name": "nlu_fallback", "confidence": 0.3}
RANKING = [
    FALLBACK,
    {"name": "report_bone_pain", "confidence": 0.49},
    {"name": "report_abdominal_symptom", "confidence": 0.48},
    {"name": "greet", "confidence": 0.01},
]


def test_ambiguous_message_naming_symptoms_goes_to_the_best_symptom_report():
    chosen = symptom_report_override(
        FALLBACK, RANKING, [{"entity": "symptom", "value": "jaundice"}]
    )
    assert chosen["name"] == "report_bone_pain"


def test_without_a_symptom_the_fallback_stays():
    assert symptom_report_override(FALLBACK, RANKING, []) is None


def test_a_negated_symptom_does_not_count():
    entities = [{"entity": "symptom", "value": "headache", "role": "negated"}]
    assert symptom_report_override(FALLBACK, RANKING, entities) is None


def test_when_no_symptom_report_is_among_the_two_best_the_fallback_stays():
    ranking = [FALLBACK, {"name": "greet"}, {"name": "thank"}, {"name": "report_headache"}]
    assert symptom_report_override(FALLBACK, ranking, [{"entity": "symptom"}]) is None


def test_confident_predictions_are_left_alone():
    intent = {"name": "report_headache", "confidence": 0.9}
    assert symptom_report_override(intent, [intent], [{"entity": "symptom"}]) is None
