"""What the intent classifier reads: the message without the symptoms the person denies.

Built on the project's spaCy pipeline (lexicon + negex), once per module; no Rasa model.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from components.negation_mask import EMPTY, classifier_text, negated_char_spans, remove_spans
from components.spacy_pipeline import build_pipeline


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


@pytest.mark.parametrize(
    ("message", "reads"),
    [
        # the example: the arm weakness is the point, not the head
        (
            "no pain in my head at all, but my right arm has gone weak since this morning",
            ", but my right arm has gone weak since this morning",
        ),
        ("No headache, but I have back pain", ", but I have back pain"),
        ("my headache went away but now my vision is blurry", "but now my vision is blurry"),
        ("no headache i have back pain", "no i have back pain"),
    ],
)
def test_a_denied_symptom_is_taken_out_and_the_reported_one_stays(nlp, message, reads):
    assert classifier_text(nlp(message)) == reads


def test_a_message_that_only_denies_a_symptom_reads_as_a_denial(nlp):
    assert classifier_text(nlp("no headache")) == EMPTY


@pytest.mark.parametrize(
    "message",
    [
        "I can't stop coughing",
        "my back hurts and I feel sick",
        "not sleeping well and no energy",  # lexicon phrases that contain a cue
        "bit nervous about my scan results but otherwise I'm doing my normal things",
    ],
)
def test_messages_without_a_denied_symptom_are_read_as_written(nlp, message):
    assert classifier_text(nlp(message)) == message


def test_a_symptom_that_negex_over_negates_past_the_clause_stays(nlp):
    # negex lets "no" reach "numb" (no termination term between); the clause "just this
    # weird numb feeling" has no cue of its own, so the real symptom stays in the text.
    doc = nlp("no pain just this weird numb feeling in my fingers")
    assert classifier_text(doc) == "just this weird numb feeling in my fingers"


def test_a_cue_inside_a_symptom_phrase_is_not_a_negation_of_the_clause(nlp):
    text = classifier_text(nlp("Not sad or anything, I just can't sleep, maybe 3 hours."))
    assert "can't sleep" in text
    assert "sad" not in text


def _is_subsequence(small: str, big: str) -> bool:
    rest = iter(big)
    return all(ch in rest for ch in small)


WORDS = ["no", "not", "never", "headache", "back", "pain", "cough", "but", "and", "my", ","]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12))
def test_the_masked_text_only_ever_removes_parts_of_the_message(nlp, words):
    text = " ".join(words)
    doc = nlp(text)
    assert all(0 <= a < b <= len(text) for a, b in negated_char_spans(doc))
    masked = classifier_text(doc)
    if masked != EMPTY:
        assert _is_subsequence(masked.replace(" ", ""), text.replace(" ", ""))


def test_remove_spans_collapses_spaces_and_merges_overlaps():
    assert remove_spans("a bb cc d", [(2, 4), (3, 7)]) == "a d"
    assert remove_spans("abc", []) == "abc"
