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


def test_further_down_the_report_the_named_symptom_belongs_to_wins_over_the_fallback():
    ranking = [
        FALLBACK,
        {"name": "request_clinician", "confidence": 0.23},
        {"name": "ask_routine_tests", "confidence": 0.17},
        {"name": "report_headache", "confidence": 0.15},
        {"name": "report_breathing", "confidence": 0.14},
    ]
    chosen = symptom_report_override(FALLBACK, ranking, [{"entity": "symptom", "value": "cough"}])
    assert chosen["name"] == "report_breathing"


def test_a_denied_symptom_lower_in_the_ranking_leaves_the_fallback():
    ranking = [FALLBACK, {"name": "greet"}, {"name": "thank"}, {"name": "report_breathing"}]
    entities = [{"entity": "symptom", "value": "cough", "role": "negated"}]
    assert symptom_report_override(FALLBACK, ranking, entities) is None


def test_confident_predictions_are_left_alone():
    intent = {"name": "report_headache", "confidence": 0.9}
    assert symptom_report_override(intent, [intent], [{"entity": "symptom"}]) is None


def test_other_intents_are_left_as_the_classifier_gave_them():
    for name in ("out_of_scope", "inform", "ask_routine_tests", "goodbye"):
        intent = {"name": name, "confidence": 0.7}
        ranking = [intent, {"name": "report_back_neck_pain", "confidence": 0.3}]
        entities = [{"entity": "symptom", "value": "back pain"}]
        assert symptom_report_override(intent, ranking, entities) is None, name


def test_payload_syntax_typed_as_text_is_a_command_not_a_report():
    from components.symptom_first import looks_like_a_typed_command

    assert looks_like_a_typed_command("/report_seizure")
    assert looks_like_a_typed_command(' /inform{"severity": "1"}')
    assert not looks_like_a_typed_command("my back hurts / 3 weeks")
    assert not looks_like_a_typed_command("1/10")
