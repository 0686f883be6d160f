"""Free-text replies and openings read as findings (bot/triage/reading.py), with the entities
of the real spaCy pipeline. The example replies beside each question in questions.yml are
checked here, and so are the failure classes of issue #12."""

from __future__ import annotations

import pytest

from bot.triage import UNKNOWN
from bot.triage.questions import load_questions
from bot.triage.reading import answer_to, read

BANK = load_questions()
EXAMPLES = [
    (question.id, meaning, reply)
    for question in BANK.questions.values()
    for meaning, replies in question.replies.items()
    for reply in replies
]


def reading_of(entities_of, text: str):
    return read(text, entities_of(text))


def test_every_yes_no_question_has_example_replies_for_yes_and_no() -> None:
    for question in BANK.questions.values():
        if question.type == "yes_no":
            assert question.replies.get("yes") and question.replies.get("no"), question.id


@pytest.mark.parametrize(("question_id", "meaning", "reply"), EXAMPLES)
def test_example_reply_beside_the_question_means_what_it_says(
    entities_of, question_id: str, meaning: str, reply: str
) -> None:
    question = BANK.questions[question_id]
    assert answer_to(question, reading_of(entities_of, reply)) == meaning


@pytest.mark.parametrize(
    ("question_id", "reply"),
    [
        ("trivial_injury", "It was just a tiny bump on the cupboard door"),
        ("spine_night_pain", "the nights are the worst"),
        ("bone_night_pain", "the nights are the worst"),
        ("headache_worst_ever_sudden", "it hit me all at once, worst pain ever"),
    ],
)
def test_a_reply_that_restates_the_finding_is_yes(entities_of, question_id, reply) -> None:
    assert answer_to(BANK.questions[question_id], reading_of(entities_of, reply)) == "yes"


@pytest.mark.parametrize(
    ("question_id", "reply"),
    [
        ("self_harm_thoughts", "My mood is fine"),
        ("sudden_vision_loss", "my eyes are OK"),
        ("limb_neuro", "I'm walking normally"),
        ("breathless_worsening_daily", "it's easing off"),
        ("bladder_bowel", "no problems with the toilet"),
        ("spine_night_pain", "it's not worse at night"),
    ],
)
def test_an_all_is_well_statement_is_no(entities_of, question_id, reply) -> None:
    assert answer_to(BANK.questions[question_id], reading_of(entities_of, reply)) == "no"


@pytest.mark.parametrize("reply", ["not sure", "dunno really", "hard to say", "I can't remember"])
def test_a_hedge_is_not_sure(entities_of, reply) -> None:
    assert answer_to(BANK.questions["limb_neuro"], reading_of(entities_of, reply)) == UNKNOWN


@pytest.mark.parametrize(
    ("question_id", "reply"),
    [
        ("headache_worst_ever_sudden", "it started this morning"),
        ("trivial_injury", "sorry, it was Friday not Saturday, it's easing off anyway"),
        ("sudden_vision_loss", "yes two of everything when I look to the left"),
        ("spine_thoracic", "actually it's been three weeks"),
    ],
)
def test_a_reply_about_something_else_does_not_answer_the_question(
    entities_of, question_id, reply
) -> None:
    assert answer_to(BANK.questions[question_id], reading_of(entities_of, reply)) is None


def test_red_flags_said_in_passing_are_read_from_the_opening(entities_of) -> None:
    reading = reading_of(
        entities_of,
        "My head has been pounding for 3 days, I've thrown up twice this morning and my "
        "husband says I'm not making sense",
    )
    assert {"headache", "vomiting", "confusion"} <= reading.findings.symptoms
    assert reading.stated["headache_vomiting"] == "yes"


def test_a_negated_or_fine_mention_is_not_a_symptom(entities_of) -> None:
    reading = reading_of(entities_of, "No yellowing, and my eyesight is fine")
    assert "vision_change" not in reading.findings.categories
    assert reading.stated.get("jaundice") == "no"


def test_negation_is_checked_by_scope_where_the_entity_missed_it(entities_of) -> None:
    reading = reading_of(entities_of, "no, not been sick")
    assert reading.symptom_polarity["vomiting"] == "absent"
    assert answer_to(BANK.questions["headache_vomiting"], reading) == "no"


def test_a_start_within_the_last_day_counts_as_sudden_but_does_not_answer_thunderclap(
    entities_of,
) -> None:
    reading = reading_of(entities_of, "it started this morning")
    assert reading.findings.onset == "sudden" and reading.onset_inferred
    assert answer_to(BANK.questions["onset"], reading) == "sudden"
    assert answer_to(BANK.questions["headache_worst_ever_sudden"], reading) is None


def test_a_body_site_said_to_be_fine_is_denied_even_with_an_intensifier(entities_of) -> None:
    reading = reading_of(entities_of, "my back is absolutely fine")
    assert "back" in reading.denied_sites


@pytest.mark.parametrize("reply", ["ok", "OK.", "okay", "k", "alright"])
def test_a_bare_acknowledgement_is_not_an_answer_to_a_yes_no_question(reply: str) -> None:
    from bot.triage.questions import question_by_id
    from bot.triage.reading import answer_to, read

    assert answer_to(question_by_id("fever"), read(reply)) is None
