"""Rule cases from rules.yml, data consistency, and behaviour of assess / prefill / questions."""

from __future__ import annotations

import pytest

from bot.triage import (
    CATEGORIES,
    Findings,
    Level,
    assess,
    category_for_intent,
    check_consistency,
    fired_rules,
    load_rules,
    next_question,
    not_a_diagnosis_notice,
    prefill,
    questions_for,
)
from bot.triage.lexicon import load_lexicon
from bot.triage.questions import load_questions
from bot.vocabulary import SYMPTOM_INTENTS, SYMPTOMS

RULES = load_rules()
CASES = [
    pytest.param(rule, case, id=f"{rule.id}-{i}")
    for rule in RULES.rules
    for i, case in enumerate(rule.cases)
]


def ent(entity: str, value: str, text: str | None = None, role: str | None = None) -> dict:
    return {"entity": entity, "value": value, "text": text or value, "role": role}


def symptom(value: str, role: str | None = None) -> dict:
    return ent("symptom", value, role=role)


def part(value: str) -> dict:
    return ent("body_part", value)


NO_SPINE_FLAGS = {
    "limb_neuro": "no",
    "bladder_bowel": "no",
}
MINOR = {"duration_days": 4, "severity": 2, "trend": "better"}


# --------------------------------------------------------------------------- the data


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_rule_case_gives_expected_level(rule, case) -> None:
    disposition = assess(case.findings)
    assert disposition.level == case.level, [r.rule_id for r in disposition.reasons]
    assert rule.fires(case.findings) is case.fires


def test_rules_every_rule_has_a_source_version_and_at_least_one_case() -> None:
    for rule in RULES.rules:
        assert rule.source and rule.version >= 1 and rule.cases, rule.id


def test_rules_every_level_has_a_rule() -> None:
    assert {rule.level for rule in RULES.rules} == set(Level)


def test_data_files_are_consistent_with_each_other() -> None:
    assert check_consistency() == []


def test_lexicon_maps_every_vocabulary_symptom() -> None:
    assert set(load_lexicon().symptom_categories) == SYMPTOMS


def test_every_category_asks_a_red_flag_first_and_obvious_cause_last() -> None:
    for category in CATEGORIES:
        questions = questions_for(category)
        assert questions[0].type == "yes_no" and questions[0].red_flag is not None, category
        modifiers = [i for i, q in enumerate(questions) if q.is_modifier]
        assert modifiers, category
        ids = [q.id for q in questions]
        if "obvious_cause" in ids:
            assert ids[-1] == "obvious_cause", category


def test_yes_no_questions_offer_yes_no_and_not_sure_buttons() -> None:
    for question in load_questions().questions.values():
        if question.type == "yes_no":
            payloads = [b.payload for b in question.buttons]
            assert payloads == ["/affirm", "/deny", "not sure"], question.id


def test_category_for_intent_maps_every_symptom_intent() -> None:
    assert category_for_intent("report_back_neck_pain") == "back_neck_pain"
    assert {category_for_intent(i) for i in SYMPTOM_INTENTS} == set(CATEGORIES)
    assert category_for_intent("affirm") is None
    assert category_for_intent(None) is None


# --------------------------------------------------------------------------- spine (NG234)


def test_back_pain_with_leg_numbness_is_emergency() -> None:
    findings = prefill([symptom("back pain"), symptom("numbness"), part("leg")])
    assert findings.answer("limb_neuro") == "yes"
    assert assess(findings).level is Level.EMERGENCY


def test_legs_numb_and_cannot_pee_is_emergency_from_prefill_alone() -> None:
    findings = prefill([symptom("numbness"), part("leg"), symptom("urinary retention")])
    assert assess(findings).level is Level.EMERGENCY
    assert next_question(findings) is None


def test_back_pain_with_new_bladder_problem_answer_is_emergency() -> None:
    findings = Findings(categories={"back_neck_pain"}).with_answer("bladder_bowel", "yes")
    assert assess(findings).level is Level.EMERGENCY


def test_dont_know_for_limb_weakness_or_numbness_gives_at_least_urgent() -> None:
    findings = Findings(categories={"back_neck_pain"}).with_answer("limb_neuro", "unknown")
    assert assess(findings).level >= Level.URGENT


def test_new_thoracic_back_pain_at_night_is_urgent() -> None:
    findings = prefill([symptom("back pain"), part("upper back")], "report_back_neck_pain")
    findings = Findings.from_dict(
        {**findings.to_dict(), "answers": {**findings.answers, **NO_SPINE_FLAGS}}
    ).with_answer("spine_night_pain", "yes")
    disposition = assess(findings)
    assert disposition.level is Level.URGENT
    assert disposition.top_reasons[0].rule_id == "spinal_metastasis_pain"
    assert "NG234" in disposition.top_reasons[0].source


def test_musculoskeletal_ache_after_gardening_improving_is_routine() -> None:
    findings = Findings(
        categories={"back_neck_pain"},
        symptoms={"back pain"},
        body_parts={"lower back"},
        answers={
            **NO_SPINE_FLAGS,
            "spine_thoracic": "no",
            "spine_night_pain": "no",
            "spine_progressive": "no",
            "obvious_cause": "yes",
        },
        onset="gradual",
        **MINOR,
    )
    assert assess(findings).level is Level.ROUTINE


@pytest.mark.parametrize(
    "change",
    [
        {"severity": 4},
        {"duration_days": 14},
        {"trend": "same"},
        {"trend": "comes and goes"},
        {"severity": "unknown"},
        {"duration_days": None},
        {"answers": {"obvious_cause": "no"}},
        {"answers": {"obvious_cause": "unknown"}},
    ],
)
def test_minor_symptom_missing_any_routine_condition_is_soon(change: dict) -> None:
    base = {"categories": ["bone_pain"], "answers": {"obvious_cause": "yes"}, **MINOR}
    findings = Findings.from_dict({**base, **change})
    assert assess(findings).level is Level.SOON


def test_back_pain_without_red_flags_is_soon() -> None:
    findings = Findings(categories={"back_neck_pain"}, answers=NO_SPINE_FLAGS, duration_days=20)
    assert assess(findings).level is Level.SOON


# --------------------------------------------------------------------------- brain, vision


def test_first_seizure_is_emergency() -> None:
    findings = prefill([symptom("seizure")], "report_seizure").with_answer("first_seizure", "yes")
    assert assess(findings).level is Level.EMERGENCY


def test_usual_seizure_in_known_epilepsy_is_urgent() -> None:
    findings = Findings(
        categories={"seizure"}, answers={"first_seizure": "no", "unusual_seizure": "no"}
    )
    assert assess(findings).level is Level.URGENT


def test_seizure_asks_about_epilepsy_first() -> None:
    findings = prefill([symptom("seizure")])
    assert next_question(findings).id == "first_seizure"
    assert next_question(findings.with_answer("first_seizure", "no")).id == "unusual_seizure"
    assert next_question(findings.with_answer("first_seizure", "unknown")) is None


def test_facial_droop_is_emergency() -> None:
    assert assess(prefill([symptom("facial droop")])).level is Level.EMERGENCY


@pytest.mark.parametrize("value", ["weakness", "numbness", "confusion", "speech difficulty"])
def test_neuro_finding_sudden_is_emergency_gradual_is_urgent(value: str) -> None:
    sudden = prefill([symptom(value), ent("onset", "sudden")])
    gradual = prefill([symptom(value), ent("onset", "gradual")])
    unknown = prefill([symptom(value)])
    assert assess(sudden).level is Level.EMERGENCY
    assert assess(gradual).level is Level.URGENT
    assert assess(unknown).level is Level.URGENT


def test_vision_loss_sudden_is_emergency_otherwise_urgent() -> None:
    sudden = prefill([symptom("vision loss"), ent("onset", "sudden")])
    assert sudden.answer("sudden_vision_loss") == "yes"
    assert assess(sudden).level is Level.EMERGENCY
    assert assess(prefill([symptom("vision loss")])).level is Level.URGENT


def test_double_vision_is_urgent() -> None:
    assert assess(prefill([symptom("double vision")])).level is Level.URGENT


def test_thunderclap_headache_is_emergency() -> None:
    findings = Findings(categories={"headache"}, answers={"headache_worst_ever_sudden": "yes"})
    assert assess(findings).level is Level.EMERGENCY


def test_headache_with_morning_vomiting_is_urgent() -> None:
    findings = prefill([symptom("headache"), symptom("vomiting")], "report_headache")
    assert findings.answer("headache_vomiting") == "yes"
    assert assess(findings).level is Level.URGENT


# --------------------------------------------------------------------------- chest, other


@pytest.mark.parametrize("value", ["chest pain", "coughing blood"])
def test_chest_pain_or_coughing_blood_is_emergency(value: str) -> None:
    assert assess(prefill([symptom(value)])).level is Level.EMERGENCY


def test_breathless_with_swollen_calf_is_emergency() -> None:
    findings = Findings(categories={"breathing"}, answers={"calf_swelling": "yes"})
    assert assess(findings).level is Level.EMERGENCY


def test_cough_for_four_weeks_is_soon() -> None:
    findings = prefill([symptom("cough"), ent("duration", "4 weeks")])
    assert findings.duration_days == 28
    assert assess(findings).level is Level.SOON


def test_jaundice_is_urgent() -> None:
    assert assess(prefill([symptom("jaundice")])).level is Level.URGENT


def test_self_harm_thoughts_urgent_and_with_plan_emergency() -> None:
    thoughts = Findings(categories={"mood_change"}, answers={"self_harm_thoughts": "yes"})
    assert assess(thoughts).level is Level.URGENT
    assert next_question(thoughts, "mood_change").id == "self_harm_plan"
    assert assess(thoughts.with_answer("self_harm_plan", "yes")).level is Level.EMERGENCY


def test_low_mood_under_two_weeks_is_routine_and_over_two_weeks_soon() -> None:
    base = Findings(
        categories={"mood_change"}, answers={"self_harm_thoughts": "no"}, severity=4, trend="same"
    )
    assert assess(base.with_answer("duration", 7)).level is Level.ROUTINE
    assert assess(base.with_answer("duration", 21)).level is Level.SOON


def test_fever_on_chemotherapy_is_emergency() -> None:
    findings = prefill([symptom("fever")]).with_answer("on_chemotherapy", "yes")
    assert assess(findings).level is Level.EMERGENCY


# --------------------------------------------------------------------------- prefill


def test_prefill_headache_and_cough_gives_two_categories() -> None:
    findings = prefill([symptom("headache"), symptom("cough")])
    assert findings.categories == {"headache", "breathing"}


def test_prefill_ignores_negated_entities() -> None:
    findings = prefill([symptom("back pain"), symptom("numbness", role="negated"), part("leg")])
    assert findings.symptoms == {"back pain"}
    assert "limb_neuro" not in findings.answers
    assert assess(findings).level < Level.EMERGENCY


def test_prefill_pain_site_decides_category() -> None:
    assert prefill([symptom("pain"), part("hip")]).categories == {"bone_pain"}
    assert prefill([symptom("pain"), part("lower back")]).categories == {"back_neck_pain"}
    assert prefill([symptom("bone pain")], "report_bone_pain").categories == {"bone_pain"}


def test_prefill_reads_modifiers_and_ignores_unknown_values() -> None:
    findings = prefill(
        [
            symptom("bone pain"),
            symptom("not a real symptom"),
            ent("duration", "3 weeks"),
            ent("severity", "7/10"),
            ent("onset", "gradual"),
            ent("trend", "worse"),
        ]
    )
    assert (findings.duration_days, findings.severity, findings.onset, findings.trend) == (
        21,
        7,
        "gradual",
        "worse",
    )


def test_prefill_intent_adds_its_category() -> None:
    assert prefill([], "report_fatigue").categories == {"fatigue"}


# --------------------------------------------------------------------------- next_question


def test_next_question_skips_what_the_first_message_answered() -> None:
    findings = prefill(
        [symptom("back pain"), ent("duration", "2 weeks")], "report_back_neck_pain"
    ).with_answer("limb_neuro", "no")
    asked = []
    while (question := next_question(findings, "back_neck_pain")) is not None:
        asked.append(question.id)
        findings = findings.with_answer(question.id, "no" if question.type == "yes_no" else None)
        if question.type != "yes_no":
            findings = findings.with_answer(
                question.id, {"severity": 5, "onset": "gradual", "trend": "same"}[question.id]
            )
    assert "limb_neuro" not in asked and "duration" not in asked
    assert asked[:2] == ["bladder_bowel", "spine_thoracic"]
    assert "obvious_cause" not in asked  # severity 5: routine impossible, so not asked


def test_next_question_asks_obvious_cause_only_when_routine_is_possible() -> None:
    findings = Findings(
        categories={"bone_pain"},
        answers={"trivial_injury": "no", "bone_night_pain": "no", "high_calcium_signs": "no"},
        onset="gradual",
        **MINOR,
    )
    assert next_question(findings, "bone_pain").id == "obvious_cause"


def test_next_question_without_category_asks_red_flags_of_all_categories_first() -> None:
    findings = prefill([symptom("headache"), symptom("cough")])
    ids = []
    while (question := next_question(findings)) is not None and len(ids) < 40:
        ids.append(question.id)
        value = {"duration": 3, "severity": 2, "onset": "gradual", "trend": "better"}.get(
            question.id, "no"
        )
        findings = findings.with_answer(question.id, value)
    assert ids.index("breathless_at_rest") < ids.index("duration")
    assert ids.count("duration") == 1


# --------------------------------------------------------------------------- advice / API


def test_assess_to_api_has_the_fixed_shape() -> None:
    api = assess(prefill([symptom("back pain"), symptom("numbness")])).to_api()
    assert set(api) == {"level", "symptoms", "advice"}
    assert api["level"] == "emergency"
    assert api["symptoms"][:2] == ["back pain", "numbness"]


def test_advice_names_the_emergency_number_given() -> None:
    advice = assess(Findings(categories={"fatigue"}), emergency_number="999").advice
    assert "999" in advice and "911" not in advice


def test_urgent_advice_says_contact_care_team_today_and_why() -> None:
    advice = assess(prefill([symptom("jaundice")])).advice
    assert "today" in advice and "cancer care team" in advice
    assert "yellowing" in advice


def test_not_a_diagnosis_notice_names_the_emergency_number() -> None:
    notice = not_a_diagnosis_notice("112")
    assert "not a doctor" in notice and "112" in notice


def test_disposition_reasons_list_top_level_first() -> None:
    findings = Findings(
        categories={"back_neck_pain"}, answers={"spine_night_pain": "yes", "limb_neuro": "yes"}
    )
    reasons = assess(findings).reasons
    assert reasons[0].level is Level.EMERGENCY
    assert [r.level for r in reasons] == sorted((r.level for r in reasons), reverse=True)
    assert {r.rule_id for r in reasons} == {r.id for r in fired_rules(findings)}
