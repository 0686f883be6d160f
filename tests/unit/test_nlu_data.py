"""Reading, checking and merging NLU training data, with file and line in every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.nlu_data import NluDataError, check_examples, check_heldout, merge_examples, read_examples

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
- intent: report_headache
  examples: |
    - my [head](body_part) hurts
"""


def write(tmp_path: Path, text: str, name: str = "nlu.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_examples_carry_their_line_numbers(tmp_path):
    examples = read_examples(write(tmp_path, NLU))
    assert [(e.intent, e.plain, e.line) for e in examples] == [
        ("greet", "hello", 5),
        ("greet", "hi there", 6),
        ("report_headache", "my head hurts", 9),
    ]


def test_broken_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, NLU.replace("- intent: report_headache", "- intent: [broken"))
    with pytest.raises(NluDataError, match=r"nlu\.yml:8: invalid YAML: expected .,. or .\]."):
        read_examples(path)


def test_example_without_dash_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, NLU.replace("    - hi there", "    hi there"))
    with pytest.raises(NluDataError, match=r"nlu\.yml:6: examples must start with '- '"):
        read_examples(path)


def test_unknown_intent_and_missing_intent_are_problems(tmp_path):
    path = write(tmp_path, NLU)
    problems = check_examples(read_examples(path), ["greet", "goodbye"], path)
    assert any("nlu.yml:9: unknown intent 'report_headache'" in p for p in problems)
    assert any("intent 'goodbye' has no training examples" in p for p in problems)


def test_same_message_under_two_intents_is_a_problem(tmp_path):
    path = write(tmp_path, NLU + "- intent: goodbye\n  examples: |\n    - Hello!\n")
    problems = check_examples(read_examples(path), ["greet", "report_headache", "goodbye"], path)
    assert problems == [f"{path}:12: 'Hello!' is under 'goodbye' and also under 'greet' (line 5)"]


def test_heldout_overlap_is_a_problem(tmp_path):
    training = read_examples(write(tmp_path, NLU))
    held = write(tmp_path, NLU.replace("hello", "good day"), "held.yml")
    problems = check_heldout(training, read_examples(held), held)
    assert len(problems) == 2  # "hi there" and "my head hurts"


def test_merge_appends_under_the_intent_and_keeps_the_file_valid(tmp_path):
    path = write(tmp_path, NLU)
    adds = read_examples(
        write(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - good morning\n", "add.yml")
    )
    added, problems = merge_examples(path, adds, ["greet", "report_headache"])
    assert (added, problems) == (1, [])
    assert [(e.intent, e.plain) for e in read_examples(path)][:3] == [
        ("greet", "hello"),
        ("greet", "hi there"),
        ("greet", "good morning"),
    ]


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ("- intent: greet\n  examples: |\n    - HELLO.\n", "already in the training data"),
        ("- intent: order_pizza\n  examples: |\n    - pizza now\n", "unknown intent 'order_pizza'"),
    ],
)
def test_merge_refuses_duplicates_and_unknown_intents_and_changes_nothing(
    tmp_path, addition, message
):
    path = write(tmp_path, NLU)
    adds = read_examples(write(tmp_path, "nlu:\n" + addition, "add.yml"))
    added, problems = merge_examples(path, adds, ["greet", "report_headache"])
    assert added == 0
    assert message in problems[0]
    assert path.read_text() == NLU


def test_messages_without_letters_or_digits_are_not_duplicates_of_each_other(tmp_path):
    text = "nlu:\n- intent: out_of_scope\n  examples: |\n    - ???\n    - 😂😂😂\n    - 🙃🙃\n"
    path = write(tmp_path, text)
    assert check_examples(read_examples(path), ["out_of_scope"], path) == []
    again = write(tmp_path, text + "    - ???\n", "again.yml")
    assert check_examples(read_examples(again), ["out_of_scope"], again) == [
        f"{again}:7: duplicate of line 4: '???'"
    ]
