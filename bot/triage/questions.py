"""Follow-up questions (``questions.yml``) and the choice of the next one to ask."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeAlias

from bot.triage._data import load_yaml, require_keys
from bot.triage.conditions import Condition, compile_condition, compile_named
from bot.triage.models import CATEGORIES, MODIFIER_FIELDS, Findings, Level
from bot.vocabulary import SYMPTOMS

QUESTIONS_FILE = "questions.yml"

QuestionType: TypeAlias = Literal["yes_no", "duration", "severity", "onset", "trend"]
QUESTION_TYPES: frozenset[str] = frozenset({"yes_no", "duration", "severity", "onset", "trend"})


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Question:
    """One follow-up question, as asked within one category (texts may differ per category)."""

    id: str
    type: QuestionType
    text: str
    buttons: tuple[Button, ...]
    red_flag: Level | None = None
    reassuring: bool = False
    finding: str | None = None
    yes_symptoms: frozenset[str] = frozenset()
    ask_if: Condition | None = None
    category: str | None = None

    @property
    def is_modifier(self) -> bool:
        return self.id in MODIFIER_FIELDS

    def is_answered(self, findings: Findings) -> bool:
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

    def for_category(self, category: str) -> tuple[Question, ...]:
        try:
            return self.by_category[category]
        except KeyError:
            raise ValueError(
                f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}"
            ) from None


def _parse_question(
    qid: str, node: Any, buttons: Mapping[str, tuple[Button, ...]], named: Mapping[str, Condition]
) -> Question:
    where = f"{QUESTIONS_FILE} question {qid!r}"
    require_keys(
        node,
        {"type", "text", "buttons"},
        {"red_flag", "reassuring", "finding", "yes_symptoms", "ask_if"},
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
    yes_symptoms = frozenset(node.get("yes_symptoms") or ())
    if yes_symptoms - SYMPTOMS:
        raise ValueError(f"{where}: unknown yes_symptoms {sorted(yes_symptoms - SYMPTOMS)}")
    ask_if = node.get("ask_if")
    return Question(
        id=qid,
        type=qtype,
        text=" ".join(str(node["text"]).split()),
        buttons=buttons[node["buttons"]],
        red_flag=Level.from_name(node["red_flag"]) if node.get("red_flag") else None,
        reassuring=bool(node.get("reassuring", False)),
        finding=node.get("finding"),
        yes_symptoms=yes_symptoms,
        ask_if=compile_condition(ask_if, named=named, where=f"{where}.ask_if") if ask_if else None,
    )


def parse_questions(data: Any) -> QuestionBank:
    require_keys(
        data, {"version", "button_sets", "questions", "categories"}, {"conditions"}, QUESTIONS_FILE
    )
    buttons = {
        name: tuple(Button(str(b["title"]), str(b["payload"])) for b in items)
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
            bad = sorted(set(override) - {"text", "red_flag"})
            if bad:
                raise ValueError(f"{QUESTIONS_FILE} category {category}: cannot override {bad}")
            question = replace(questions[qid], category=category)
            if "text" in override:
                question = replace(question, text=" ".join(str(override["text"]).split()))
            if "red_flag" in override:
                question = replace(question, red_flag=Level.from_name(override["red_flag"]))
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


def _phase(question: Question) -> int:
    """Across categories: red-flag questions, then modifiers, then reassuring questions."""
    if question.reassuring:
        return 2
    return 1 if question.is_modifier else 0


def next_question(findings: Findings, category: str | None = None) -> Question | None:
    """The next question to ask, or ``None`` when there is nothing more to ask.

    With a ``category``, its questions in order. Without one, the questions of every reported
    category (red flags of all of them first, then modifiers, then ``obvious_cause``).
    Answered questions (including answers already given in the first message) and questions
    whose ``ask_if`` is false are skipped. Once the findings reach EMERGENCY nothing more is
    asked: the person should be calling for help, not answering questions.
    """
    from bot.triage.engine import triage_level  # local import: engine imports this module

    if triage_level(findings) is Level.EMERGENCY:
        return None
    candidates: Iterable[Question]
    if category is not None:
        candidates = questions_for(category)
    else:
        seen: set[str] = set()
        pooled: list[Question] = []
        for cat in CATEGORIES:
            if cat in findings.categories:
                for question in questions_for(cat):
                    if question.id not in seen:
                        seen.add(question.id)
                        pooled.append(question)
        candidates = sorted(pooled, key=_phase)  # stable: keeps the per-category order
    for question in candidates:
        if not question.is_answered(findings) and question.applies(findings):
            return question
    return None
