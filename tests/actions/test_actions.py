"""Every custom action, run with rasa_sdk's real Tracker and CollectingDispatcher."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion
from actions.clinician import ActionRequestClinician
from actions.fallback import (
    ActionClarify,
    ActionDefaultAskRephrase,
    ActionDefaultFallback,
    misunderstood_in_a_row,
)
from actions.session import ActionSessionStart
from actions.triage import (
    ActionAskTriageStep,
    ActionTriageDisposition,
    ActionTriageStart,
    ValidateTriageForm,
)
from bot.conversation import TriageState
from tests.actions.helpers import DOMAIN, make_tracker, run, slot_events

BACK_PAIN = [{"entity": "symptom", "value": "back pain", "start": 3, "end": 12}]
RED_FLAGS = [
    *BACK_PAIN,
    {"entity": "body_part", "value": "leg"},
    {"entity": "symptom", "value": "numbness"},
    {"entity": "symptom", "value": "urinary retention"},
]


def validate(tracker, value):
    dispatcher = CollectingDispatcher()
    result = asyncio.new_event_loop().run_until_complete(
        ValidateTriageForm().validate_triage_step(value, dispatcher, tracker, DOMAIN)
    )
    return result, dispatcher.messages


def test_session_start_shows_disclaimer_and_emergency_number_and_starts_the_session():
    events, messages = run(ActionSessionStart(), make_tracker())
    assert "911" in messages[0]["text"] and "can't diagnose" in messages[0]["text"]
    assert [e["event"] for e in events] == ["session_started", "action"]


def test_triage_start_with_red_flags_in_first_message_finishes_at_once():
    tracker = make_tracker(
        "back pain, legs numb, can't pee", "report_back_neck_pain", entities=RED_FLAGS
    )
    events, messages = run(ActionTriageStart(), tracker)
    slots = slot_events(events)
    assert slots["triage_step"] == "done"
    assert messages == []  # no "I'll ask a few questions": the disposition comes next


def test_triage_start_sets_a_pending_red_flag_question():
    tracker = make_tracker("my back hurts", "report_back_neck_pain", entities=BACK_PAIN)
    events, messages = run(ActionTriageStart(), tracker)
    slots = slot_events(events)
    assert slots["triage_step"] is None
    state = TriageState.from_dict(slots["triage_state"])
    assert state.pending in {
        "limb_neuro",
        "bladder_bowel",
    }
    assert "one at a time" in messages[0]["text"]


def test_ask_triage_step_sends_the_question_with_buttons():
    tracker = make_tracker("my back hurts", "report_back_neck_pain", entities=BACK_PAIN)
    state = slot_events(run(ActionTriageStart(), tracker)[0])["triage_state"]
    _, messages = run(ActionAskTriageStep(), make_tracker(slots={"triage_state": state}))
    assert messages[0]["text"].endswith("?")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes", "No", "Not sure"]


def test_validate_yes_to_a_spinal_red_flag_completes_the_form():
    start = make_tracker(
        "my back hurts", "report_back_neck_pain", entities=BACK_PAIN, message_id="m0"
    )
    state = slot_events(run(ActionTriageStart(), start)[0])["triage_state"]
    answer = make_tracker("yes", "affirm", slots={"triage_state": state}, message_id="m1")
    result, _ = validate(answer, "yes")
    assert result["triage_step"] == "done"


def test_validate_unclear_reply_asks_again_kindly():
    start = make_tracker(
        "my back hurts", "report_back_neck_pain", entities=BACK_PAIN, message_id="m0"
    )
    state = slot_events(run(ActionTriageStart(), start)[0])["triage_state"]
    reply = make_tracker(
        "purple", "nlu_fallback", 0.2, slots={"triage_state": state}, message_id="m1"
    )
    result, messages = validate(reply, "purple")
    assert result["triage_step"] is None
    assert "didn't quite catch that" in messages[0]["text"]


def test_validate_question_mid_form_is_answered_and_clinician_request_marks_attention():
    start = make_tracker(
        "my back hurts", "report_back_neck_pain", entities=BACK_PAIN, message_id="m0"
    )
    state = slot_events(run(ActionTriageStart(), start)[0])["triage_state"]
    asked = make_tracker(
        "do i need scans", "ask_routine_tests", slots={"triage_state": state}, message_id="m1"
    )
    result, messages = validate(asked, "do i need scans")
    assert any("Source: Johns Hopkins" in m["text"] for m in messages)
    assert result["triage_step"] is None
    nurse = make_tracker(
        "i want a nurse", "request_clinician", slots={"triage_state": state}, message_id="m2"
    )
    result, _ = validate(nurse, "i want a nurse")
    assert result["clinician_attention"] is True


def test_validate_ignores_values_set_by_actions():
    assert validate(make_tracker(), "done")[0] == {"triage_step": "done"}
    assert validate(make_tracker(), None)[0] == {"triage_step": None}


def test_disposition_sends_advice_triage_payload_and_records_reasons():
    tracker = make_tracker(
        "back pain, legs numb, can't pee", "report_back_neck_pain", entities=RED_FLAGS
    )
    state = slot_events(run(ActionTriageStart(), tracker)[0])["triage_state"]
    events, messages = run(ActionTriageDisposition(), make_tracker(slots={"triage_state": state}))
    assert "911" in messages[0]["text"] and "not a diagnosis" in messages[0]["text"]
    triage = next(m["custom"]["triage"] for m in messages if m.get("custom"))
    assert triage["level"] == "emergency"
    assert "back pain" in triage["symptoms"]
    slots = slot_events(events)
    assert slots["triage_level"] == "emergency"
    assert slots["clinician_attention"] is True
    assert slots["triage_result"]["reasons"][0]["source"]
    assert slots["triage_step"] is None


def test_answer_question_names_the_source():
    _, messages = run(ActionAnswerQuestion(), make_tracker("do i need scans", "ask_routine_tests"))
    assert "Source: Johns Hopkins Medicine" in messages[0]["text"]


def test_request_clinician_marks_the_conversation():
    events, messages = run(
        ActionRequestClinician(), make_tracker("a nurse please", "request_clinician")
    )
    assert slot_events(events) == {"clinician_attention": True}
    assert "911" in messages[0]["text"]


def test_did_you_mean_uses_plain_words_not_intent_names():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "report_vision_change", "confidence": 0.28},
    ]
    tracker = make_tracker("things look odd", "nlu_fallback", 0.3, ranking=ranking)
    events, messages = run(ActionClarify(), tracker)
    assert "A change in your vision" in messages[0]["text"]
    assert "report_vision_change" not in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/report_vision_change"
    assert events == []  # no rewind, no loop: nothing to replay or undo later


def _user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def _misunderstood_after(history: list[dict]):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "report_headache", "confidence": 0.2},
    ]
    tracker = make_tracker("hmm", "nlu_fallback", 0.3, ranking=ranking)
    tracker.events = [*history, _user("hmm", "nlu_fallback")]
    return run(ActionClarify(), tracker)


def test_misunderstood_in_a_row_counts_back_to_the_last_understood_message():
    events = [
        _user("hello", "greet"),
        _user("hmm", "nlu_fallback"),
        {"event": "bot", "text": "Is this about ...?"},
        _user("/out_of_scope", "out_of_scope"),
        {"event": "action", "name": "action_listen"},
        _user("??", "nlu_fallback"),
    ]
    assert misunderstood_in_a_row(events) == 3
    assert misunderstood_in_a_row(events[:1]) == 0


def test_second_misunderstanding_asks_for_other_words_and_later_ones_say_so():
    _, first = _misunderstood_after([_user("hello", "greet")])
    assert first[0]["buttons"]
    events, second = _misunderstood_after([_user("hmm", "nlu_fallback")])
    assert "different words" in second[0]["text"] and not second[0].get("buttons")
    assert events == []
    events, later = _misunderstood_after([_user("hmm", "nlu_fallback")] * 3)
    assert "didn't quite understand" in later[0]["text"]
    assert events == []


def test_rephrase_and_final_fallback_say_so_in_plain_words_without_rewinding():
    assert "different words" in run(ActionDefaultAskRephrase(), make_tracker())[1][0]["text"]
    events, messages = run(ActionDefaultFallback(), make_tracker())
    assert "didn't quite understand" in messages[0]["text"]
    assert events == []
