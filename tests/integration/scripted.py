"""A simulated person for end-to-end triage conversations through /api/v1/chat.

A script gives the opening message, replies keyed by question id, and a default reply for
any other question. The runner recognises which question the bot asked by its text (from
bot/triage/questions.yml), so scripts don't depend on the order of questions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.triage.questions import load_questions

MAX_TURNS = 25


@dataclass
class Script:
    name: str
    opening: str
    expect: str
    replies: dict[str, str] = field(default_factory=dict)
    default: str = "no"
    then: list[str] = field(default_factory=list)  # extra messages after the first question
    source: str = ""


@dataclass
class Outcome:
    level: str | None
    triage: dict[str, Any] | None
    asked: list[str]
    transcript: list[tuple[str, str]]
    session_id: str


def load_scripts(path: Path) -> list[Script]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Script(**item) for item in data["conversations"]]


def _question_index() -> dict[str, str]:
    bank = load_questions()
    index = {q.text: q.id for q in bank.questions.values()}
    for questions in bank.by_category.values():
        for q in questions:
            index[q.text] = q.id
    return index


def recognise(text: str, index: dict[str, str]) -> str | None:
    """The question id of a bot reply (a repeated question may carry a hint after it)."""
    text = text.strip()
    if text in index:
        return index[text]
    return next((qid for qtext, qid in index.items() if text.startswith(qtext)), None)


def play(chat, script: Script) -> Outcome:
    """``chat(message, session_id) -> response json``; runs until a disposition arrives."""
    index = _question_index()
    session_id = "scripted-" + secrets.token_hex(8)
    transcript: list[tuple[str, str]] = []
    asked: list[str] = []
    pending = [script.opening, *script.then]
    message = pending.pop(0)
    for _ in range(MAX_TURNS):
        body = chat(message, session_id)
        bot_texts = [r["text"] for r in body["replies"]]
        transcript.append((message, " | ".join(bot_texts)))
        if body.get("triage"):
            return Outcome(body["triage"]["level"], body["triage"], asked, transcript, session_id)
        question = next((q for t in bot_texts if (q := recognise(t, index))), None)
        if pending:
            message = pending.pop(0)
        elif question is None:
            raise AssertionError(f"{script.name}: no question and no disposition: {transcript}")
        else:
            asked.append(question)
            message = script.replies.get(question, script.default)
    raise AssertionError(f"{script.name}: no disposition after {MAX_TURNS} turns: {transcript}")
