"""`bot nlu export-reviewed`: messages clinicians flagged, under the intent they gave, as Rasa
NLU YAML (format 3.1) ready for a developer to review and merge into data/nlu.yml.

- When several clinicians flagged the same message, the latest flag wins.
- Messages already in the training data (under any intent) are left out, so merging never puts
  one example under two intents; so are duplicates and button payloads ("/affirm").
- Newlines become spaces, and the characters Rasa reads as entity markup (``[ ] { }``) become
  round brackets, so that each example is read back as exactly its text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from bot.vocabulary import ALL_INTENTS
from clinician import tracker

_MARKUP = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")"})


def clean_example(text: str) -> str:
    """A flagged message as a training example: no markup, printable, single spaces."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text.translate(_MARKUP))
    return " ".join(printable.split())


def _training_examples(nlu_path: Path | None) -> set[str]:
    """Normalised texts of the examples already in the training data."""
    if nlu_path is None or not nlu_path.exists():
        return set()
    import re

    doc = yaml.safe_load(nlu_path.read_text(encoding="utf-8")) or {}
    known: set[str] = set()
    for block in doc.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                # [text](entity) and [text]{...} markup back to plain text
                plain = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:])
                known.add(" ".join(plain.lower().split()))
    return known


def reviewed_examples(engine: Engine, nlu_path: Path | None = None) -> dict[str, list[str]]:
    """Intent -> corrected example texts, in intent order of the vocabulary."""
    if not tracker.table_exists(engine):
        return {}
    with engine.connect() as conn:
        rows = tracker.flagged_messages(conn)
    known = _training_examples(nlu_path)
    seen: set[str] = set()
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, data in rows:
        if intent not in ALL_INTENTS:
            continue
        try:
            text = json.loads(data or "{}").get("text") or ""
        except ValueError:
            continue
        example = clean_example(str(text))
        key = example.lower()
        if not example or example.startswith("/") or key in seen or key in known:
            continue
        seen.add(key)
        by_intent[intent].append(example)
    return {i: by_intent[i] for i in ALL_INTENTS if by_intent.get(i)}


def to_yaml(examples: dict[str, list[str]]) -> str:
    """Rasa NLU YAML with one block per intent."""
    lines = [
        "# Messages clinicians flagged as misunderstood, under the intent they gave.",
        "# Review each one, then merge into data/nlu.yml (`bot nlu export-reviewed`).",
        'version: "3.1"',
        "nlu:" if examples else "nlu: []",
    ]
    for intent, texts in examples.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in texts)
    return "\n".join(lines) + "\n"
