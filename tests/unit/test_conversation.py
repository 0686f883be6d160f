"""The triage conversation logic the form delegates to (bot/conversation.py)."""

from __future__ import annotations

from bot.conversation import MAX_RETRIES, TriageState, Turn, advance, on_message, start
from bot.triage import Level, triage_level


def ent(entity: str, value: str, role: str | None = None) -> dict:
    e = {"entity": entity, "value": value}
    if role:
        e["role"] = role
    return e


def begin(intent: str, *entities: dict, text: str = "") -> TriageState:
    result = start(TriageState(), Turn(text, intent, 0.95, tuple(entities), "m0"))
    return result.state


def test_first_message_with_leg_numbness_and_no_pee_is_emergency_without_questions():
    result = start(
        TriageState(),
        Turn(
            "my back hurts and my legs went numb and i can't pee",
            "report_back_neck_pain",
            0.97,
            (
                ent("symptom", "back pain"),
                ent("body_part", "leg"),
                ent("symptom", "numbness"),
                ent("symptom", "urinary retention"),
            ),
            "m0",
        ),
    )
    assert result.done
    assert result.state.pending is None
    assert triage_level(result.state.findings) is Level.EMERGENCY


def test_back_pain_asks_a_red_flag_question_first():
    state = begin("report_back_neck_pain", ent("symptom", "back pain"))
    assert state.pending in {
        "limb_neuro",
        "bladder_bowel",
    }


def test_yes_to_a_spinal_red_flag_ends_triage_as_emergency():
    state = begin("report_back_neck_pain", ent("symptom", "back pain"))
    result = on_message(state, Turn("yes", "affirm", 0.99, (), "m1"))
    assert result.done
    assert triage_level(result.state.findings) is Level.EMERGENCY


def test_same_message_processed_twice_changes_nothing():
    state = begin("report_back_neck_pain", ent("symptom", "back pain"))
    first = on_message(state, Turn("no", "deny", 0.99, (), "m1"))
    pending = first.state.pending
    again = on_message(first.state, Turn("no", "deny", 0.99, (), "m1"))
    assert again.state.pending == pending
    assert again.state.asked == first.state.asked


def test_unclear_reply_is_asked_again_then_recorded_as_not_sure():
    state = begin("report_headache", ent("symptom", "headache"))
    question = state.pending
    first = on_message(state, Turn("banana", "nlu_fallback", 0.2, (), "m1"))
    assert not first.understood
    assert first.state.pending == question
    for i in range(MAX_RETRIES - 1):
        result = on_message(first.state, Turn("banana", "nlu_fallback", 0.2, (), f"m{2 + i}"))
    assert result.state.findings.value_of(question) == "unknown"
    assert result.state.pending != question


def test_question_in_the_middle_is_answered_and_the_question_asked_once_more():
    state = begin("report_headache", ent("symptom", "headache"))
    question = state.pending
    result = on_message(state, Turn("do i need scans?", "ask_routine_tests", 0.9, (), "m1"))
    assert result.interruption == "ask_routine_tests"
    assert result.state.pending == question
    assert result.state.asks[question] == 2


def test_a_second_interruption_records_not_sure_so_no_question_comes_a_third_time():
    state = begin("report_headache", ent("symptom", "headache"))
    question = state.pending
    first = on_message(state, Turn("do i need scans?", "ask_routine_tests", 0.9, (), "m1"))
    second = on_message(first.state, Turn("are you a bot", "bot_challenge", 0.9, (), "m2"))
    assert second.state.findings.value_of(question) == "unknown"
    assert second.state.pending != question


def test_correction_updates_duration_whatever_was_asked():
    state = begin("report_bone_pain", ent("symptom", "bone pain"), ent("duration", "2 days"))
    assert state.findings.duration_days == 2
    result = on_message(
        state,
        Turn(
            "actually it started about 3 weeks ago",
            "inform",
            0.9,
            (ent("duration", "3 weeks"),),
            "m1",
        ),
    )
    assert result.state.findings.duration_days == 21


def test_new_symptom_mid_form_adds_its_category():
    state = begin("report_bone_pain", ent("symptom", "bone pain"))
    result = on_message(
        state,
        Turn("i've also got a cough", "report_breathing", 0.9, (ent("symptom", "cough"),), "m1"),
    )
    assert result.new_symptom
    assert "breathing" in result.state.findings.categories


def test_goodbye_ends_triage_early_with_findings_so_far():
    state = begin("report_headache", ent("symptom", "headache"))
    result = on_message(state, Turn("bye", "goodbye", 0.95, (), "m1"))
    assert result.done and result.stopped


def test_dont_know_never_lowers_the_level():
    state = begin("report_back_neck_pain", ent("symptom", "back pain"))
    question = state.pending
    no = on_message(TriageState.from_dict(state.to_dict()), Turn("no", "deny", 0.99, (), "a"))
    unsure = on_message(
        TriageState.from_dict(state.to_dict()), Turn("not sure", "inform", 0.9, (), "b")
    )
    assert unsure.state.findings.value_of(question) == "unknown"
    assert triage_level(unsure.state.findings) >= triage_level(no.state.findings)


def test_state_round_trips_through_a_slot_value():
    state = begin("report_headache", ent("symptom", "headache"))
    assert TriageState.from_dict(state.to_dict()) == state


def test_advance_without_a_symptom_asks_what_was_noticed_at_most_twice():
    first = advance(TriageState())
    assert first.clarifying and not first.done
    assert advance(first.state).clarifying
    assert advance(first.state).done


def test_answer_labelled_as_a_report_but_naming_no_symptom_opens_no_new_questions():
    state = begin("report_bone_pain", ent("symptom", "bone pain"))
    before = set(state.findings.categories)
    result = on_message(state, Turn("its easing off", "report_bone_pain", 0.68, (), "m1"))
    assert set(result.state.findings.categories) == before
    assert not result.new_symptom


def test_a_body_site_said_to_be_fine_does_not_open_that_sites_questions():
    text = "My back is absolutely fine, but the back tyre on my bike is flat"
    back = {"entity": "body_part", "value": "back", "start": 3, "end": 7}
    result = start(TriageState(), Turn(text, "report_back_neck_pain", 0.68, (back,), "m0"))
    assert "back_neck_pain" not in result.state.findings.categories
    assert result.clarifying


def test_a_body_site_in_pain_still_opens_its_questions_beside_one_said_to_be_fine():
    text = "my legs are fine but my back is agony"
    entities = (
        {"entity": "body_part", "value": "leg", "start": 3, "end": 7},
        {"entity": "body_part", "value": "back", "start": 24, "end": 28},
        {"entity": "symptom", "value": "pain", "start": 32, "end": 37},
    )
    result = start(TriageState(), Turn(text, "report_back_neck_pain", 0.9, entities, "m0"))
    assert "back_neck_pain" in result.state.findings.categories
