"""Follow-up questions (``questions.yml``): their wording, buttons, and what states each finding.

The choice of the next question is in ``selection.py``; reading a message is ``reading.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeAlias

from bot.triage._data import load_yaml, require_keys
from bot.triage.conditions import Condition, compile_condition, compile_named
from bot.triage.cues import Phrase, compile_phrases
from bot.triage.models import (
    CATEGORIES,
    MODIFIER_FIELDS,
    ONSET_VALUES,
    TREND_VALUES,
    Answer,
    Findings,
    Level,
    normalise_answer,
)
from bot.vocabulary import SYMPTOMS

QUESTIONS_FILE = "questions.yml"

QuestionType: TypeAlias = Literal["yes_no", "duration", "severity", "onset", "trend"]
QUESTION_TYPES: frozenset[str] = frozenset({"yes_no", "duration", "severity", "onset", "trend"})


@dataclass(frozen=True)
class AnswerButton:
    """A suggested answer to a question: the words shown on the button, and what it sends."""

    title: str
    payload: str

    def to_dict(self) -> dict[str, str]:
        """The button in the form of a Rasa reply's ``buttons`` (and so of the chat API's)."""
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Question:
    """One follow-up question, as asked within one category (texts may differ per category)."""

    id: str
    type: QuestionType
    text: str
    buttons: tuple[AnswerButton, ...]
    red_flag: Level | None = None
    reassuring: bool = False
    finding: str | None = None
    yes_symptoms: frozenset[str] = frozenset()
    """Symptom values that, mentioned in a reply to this question, answer it."""
    said_when: Condition | None = None
    """Any message whose own findings satisfy this states "yes"."""
    present_anywhere: tuple[Phrase, ...] = ()
    present_in_reply: tuple[Phrase, ...] = ()
    absent_anywhere: tuple[Phrase, ...] = ()
    absent_in_reply: tuple[Phrase, ...] = ()
    from_onset: Mapping[str, Answer] = field(default_factory=dict, compare=False)
    from_trend: Mapping[str, Answer] = field(default_factory=dict, compare=False)
    replies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """Example replies by meaning ("yes", "no", "unknown"), checked by the tests."""
    ask_if: Condition | None = None
    category: str | None = None

    @property
    def is_modifier(self) -> bool:
        """Whether the question asks duration, severity, onset or trend."""
        return self.id in MODIFIER_FIELDS

    def is_answered(self, findings: Findings) -> bool:
        """Whether the findings already answer this question."""
        return findings.is_answered(self.id)

    def applies(self, findings: Findings) -> bool:
        """False when ``ask_if`` says the question is not relevant (yet) for these findings."""
        return self.ask_if is None or self.ask_if.holds(findings)

    def to_message(self) -> dict[str, Any]:
        """``{"text": ..., "buttons": [{"title", "payload"}]}`` for a bot reply."""
        return {"text": self.text, "buttons": [b.to_dict() for b in self.buttons]}


@dataclass(frozen=True)
class QuestionBank:
    version: int
    questions: Mapping[str, Question]
    by_category: Mapping[str, tuple[Question, ...]]
    labels: Mapping[str, str]

    def relevant_ids(self, categories: Iterable[str]) -> frozenset[str]:
        """Ids of the questions asked in any of these categories."""
        return frozenset(
            q.id for c in categories if c in self.by_category for q in self.by_category[c]
        )

    def for_category(self, category: str) -> tuple[Question, ...]:
        """The questions a category may ask, in the order listed."""
        try:
            return self.by_category[category]
        except KeyError:
            raise ValueError(
                f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}"
            ) from None


_REPLY_MEANINGS = {"yes": "yes", "no": "no", "unsure": "unknown"}


def _phrases(node: Any, key: str, where: str) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    """The (anywhere, in_reply) phrases of a ``present`` or ``absent`` node."""
    if node is None:
        return (), ()
    require_keys(
        node,
        set(),
        {"anywhere", "in_reply"} | ({"symptoms", "when"} if key == "present" else set()),
        f"{where}.{key}",
    )
    return (
        compile_phrases(str(p) for p in node.get("anywhere") or ()),
        compile_phrases(str(p) for p in node.get("in_reply") or ()),
    )


def _answer_map(node: Any, allowed: frozenset[str], where: str) -> dict[str, Answer]:
    if node is None:
        return {}
    if not isinstance(node, Mapping) or set(node) - allowed:
        raise ValueError(f"{where}: expected a mapping from {sorted(allowed)} to yes/no/unknown")
    return {str(k): normalise_answer(v) for k, v in node.items()}


def _parse_question(
    qid: str,
    node: Any,
    buttons: Mapping[str, tuple[AnswerButton, ...]],
    named: Mapping[str, Condition],
) -> Question:
    where = f"{QUESTIONS_FILE} question {qid!r}"
    require_keys(
        node,
        {"type", "text", "buttons"},
        {
            "red_flag",
            "reassuring",
            "finding",
            "present",
            "absent",
            "onset",
            "trend",
            "replies",
            "ask_if",
        },
        where,
    )
    qtype = node["type"]
    if qtype not in QUESTION_TYPES:
        raise ValueError(f"{where}: type must be one of {sorted(QUESTION_TYPES)}")
    if (qtype == "yes_no") == (qid in MODIFIER_FIELDS):
        raise ValueError(f"{where}: modifier ids {sorted(MODIFIER_FIELDS)} need their own type")
    if qtype != "yes_no" and qid != qtype:
        raise ValueError(f"{where}: a {qtype} question must have the id {qtype!r}")
    if node["buttons"] not in buttons:
        raise ValueError(f"{where}: unknown button set {node['buttons']!r}")
    present = node.get("present") or {}
    yes_symptoms = frozenset(present.get("symptoms") or ())
    if yes_symptoms - SYMPTOMS:
        raise ValueError(f"{where}: unknown present.symptoms {sorted(yes_symptoms - SYMPTOMS)}")
    present_anywhere, present_in_reply = _phrases(node.get("present"), "present", where)
    absent_anywhere, absent_in_reply = _phrases(node.get("absent"), "absent", where)
    replies_node = node.get("replies") or {}
    if set(replies_node) - set(_REPLY_MEANINGS):
        raise ValueError(f"{where}: replies may only have {sorted(_REPLY_MEANINGS)}")
    ask_if = node.get("ask_if")
    said_when = present.get("when")
    return Question(
        id=qid,
        type=qtype,
        text=" ".join(str(node["text"]).split()),
        buttons=buttons[node["buttons"]],
        red_flag=Level.from_name(node["red_flag"]) if node.get("red_flag") else None,
        reassuring=bool(node.get("reassuring", False)),
        finding=node.get("finding"),
        yes_symptoms=yes_symptoms,
        said_when=(
            compile_condition(said_when, named=named, where=f"{where}.present.when")
            if said_when
            else None
        ),
        present_anywhere=present_anywhere,
        present_in_reply=present_in_reply,
        absent_anywhere=absent_anywhere,
        absent_in_reply=absent_in_reply,
        from_onset=_answer_map(node.get("onset"), ONSET_VALUES, f"{where}.onset"),
        from_trend=_answer_map(node.get("trend"), TREND_VALUES, f"{where}.trend"),
        replies={
            _REPLY_MEANINGS[k]: tuple(str(r) for r in v or ()) for k, v in replies_node.items()
        },
        ask_if=compile_condition(ask_if, named=named, where=f"{where}.ask_if") if ask_if else None,
    )


def parse_questions(data: Any) -> QuestionBank:
    """Check and compile the question file's content."""
    require_keys(
        data, {"version", "button_sets", "questions", "categories"}, {"conditions"}, QUESTIONS_FILE
    )
    buttons = {
        name: tuple(AnswerButton(str(b["title"]), str(b["payload"])) for b in items)
        for name, items in data["button_sets"].items()
    }
    named = compile_named(data.get("conditions"), f"{QUESTIONS_FILE} conditions")
    questions = {
        str(qid): _parse_question(str(qid), node, buttons, named)
        for qid, node in data["questions"].items()
    }
    missing = sorted(set(CATEGORIES) - set(data["categories"]))
    extra = sorted(set(data["categories"]) - set(CATEGORIES))
    if missing or extra:
        raise ValueError(f"{QUESTIONS_FILE}: categories missing {missing}, unknown {extra}")
    by_category: dict[str, tuple[Question, ...]] = {}
    labels: dict[str, str] = {}
    for category in CATEGORIES:
        node = require_keys(
            data["categories"][category], {"label", "questions"}, set(), f"category {category}"
        )
        labels[category] = str(node["label"])
        ordered = []
        for entry in node["questions"]:
            override = dict(entry) if isinstance(entry, Mapping) else {"id": entry}
            qid = str(override.pop("id"))
            if qid not in questions:
                raise ValueError(f"{QUESTIONS_FILE} category {category}: unknown question {qid!r}")
            bad = sorted(set(override) - {"text", "red_flag", "ask_if"})
            if bad:
                raise ValueError(f"{QUESTIONS_FILE} category {category}: cannot override {bad}")
            question = replace(questions[qid], category=category)
            if "text" in override:
                question = replace(question, text=" ".join(str(override["text"]).split()))
            if "red_flag" in override:
                question = replace(question, red_flag=Level.from_name(override["red_flag"]))
            if "ask_if" in override:
                where = f"{QUESTIONS_FILE} category {category} {qid}.ask_if"
                question = replace(
                    question, ask_if=compile_condition(override["ask_if"], named=named, where=where)
                )
            ordered.append(question)
        ids = [q.id for q in ordered]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{QUESTIONS_FILE} category {category}: a question is listed twice")
        by_category[category] = tuple(ordered)
    return QuestionBank(
        version=int(data["version"]), questions=questions, by_category=by_category, labels=labels
    )


@lru_cache(maxsize=4)
def load_questions(path: str | Path = QUESTIONS_FILE) -> QuestionBank:
    """The question bank from ``questions.yml`` (cached)."""
    return parse_questions(load_yaml(path))


def questions_for(category: str) -> tuple[Question, ...]:
    """All follow-up questions of a category, in the order they are asked."""
    return load_questions().for_category(category)


def question_by_id(question_id: str, category: str | None = None) -> Question:
    """A question by id, with the category's wording when ``category`` is given."""
    bank = load_questions()
    if category is not None:
        for question in bank.for_category(category):
            if question.id == question_id:
                return question
    try:
        return bank.questions[question_id]
    except KeyError:
        raise ValueError(f"unknown question id {question_id!r}") from None
