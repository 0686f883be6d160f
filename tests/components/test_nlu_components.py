"""Our NLU components' plain-Python parts: the token masker and the ensemble average."""

from __future__ import annotations

import pytest
from rasa.nlu.tokenizers.tokenizer import Token

from components.linear_intent_classifier import average_rankings
from components.negation_mask import EMPTY
from components.negation_masker import masked_tokens


def tokens(text: str) -> list[Token]:
    out, pos = [], 0
    for word in text.split():
        start = text.index(word, pos)
        out.append(Token(word, start))
        pos = start + len(word)
    return out


def test_tokens_inside_a_denied_mention_are_dropped():
    text = "no headache but my back hurts"
    kept = masked_tokens(tokens(text), [(0, 11)])
    assert [t.text for t in kept] == ["but", "my", "back", "hurts"]


def test_when_every_token_is_dropped_one_denial_token_is_left():
    assert [t.text for t in masked_tokens(tokens("no headache"), [(0, 11)])] == [EMPTY]


def test_the_average_weighs_both_classifiers_and_ranks_best_first():
    diet = {"report_headache": 0.6, "greet": 0.4}
    lr = {"report_headache": 0.2, "greet": 0.7, "thank": 0.1}
    ranking = average_rankings(diet, lr, weight=0.5)
    assert [r["name"] for r in ranking] == ["greet", "report_headache", "thank"]
    assert ranking[0]["confidence"] == pytest.approx(0.55)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_weight_zero_is_diet_alone():
    ranking = average_rankings({"a": 0.9, "b": 0.1}, {"a": 0.0, "b": 1.0}, weight=0.0)
    assert ranking[0] == {"name": "a", "confidence": pytest.approx(0.9)}
