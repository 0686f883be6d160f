"""Answer content for the bot's question intents, with the sources they come from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ANSWERS_FILE = Path(__file__).with_name("answers.yml")


@dataclass(frozen=True)
class Answer:
    intent: str
    text: str
    source: str

    def render(self) -> str:
        """The answer with its source named, as every answer must be."""
        return f"{self.text.strip()}\n\nSource: {self.source}"


def unwrap(text: str) -> str:
    """Joins hard-wrapped YAML lines into paragraphs, keeping list items on their own lines."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            stripped = line.strip()
            continues = line.startswith(" ") or not lines or not lines[-1].startswith("- ")
            if lines and not stripped.startswith("- ") and continues:
                lines[-1] += " " + stripped
            else:
                lines.append(stripped)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


@lru_cache(maxsize=1)
def load_answers(path: Path = ANSWERS_FILE) -> dict[str, Answer]:
    """The answers to the question intents, by intent, with their sources."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = raw["sources"]
    answers: dict[str, Answer] = {}
    for intent, item in raw["answers"].items():
        if item["source"] not in sources:
            raise ValueError(f"answers.yml: {intent} cites unknown source {item['source']!r}")
        answers[intent] = Answer(intent, unwrap(item["text"]), sources[item["source"]])
    return answers


def answer_for(intent: str) -> Answer | None:
    """The answer to a question intent, or None when the intent has none."""
    return load_answers().get(intent)


INTENT_LABELS_FILE = Path(__file__).with_name("intent_labels.yml")


@lru_cache(maxsize=1)
def intent_labels() -> dict[str, str]:
    """Plain-words meaning of each intent, for "Did you mean ...?" buttons."""
    return dict(yaml.safe_load(INTENT_LABELS_FILE.read_text(encoding="utf-8"))["intents"])
