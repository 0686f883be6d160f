"""Reading, checking and merging Rasa NLU training data (``data/nlu.yml``), in plain Python.

Used by ``bot validate`` (our checks beside ``rasa data validate``) and ``bot nlu add`` (merge
clinician-reviewed messages). Errors carry the file and line so a developer can go straight
to the problem.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class NluDataError(ValueError):
    """A problem in a training data file, with where it is."""


@dataclass(frozen=True)
class NluExample:
    intent: str
    text: str  # as written, annotations included
    line: int  # 1-based line in the file

    @property
    def plain(self) -> str:
        """The example's text without its entity annotations."""
        return _ANNOTATION.sub(r"\1", self.text)

    @property
    def key(self) -> str:
        """Case-, space- and punctuation-insensitive identity used to find duplicates."""
        return normalise(self.plain)


def normalise(text: str) -> str:
    """Lowercase letters and digits, single spaces; a message with neither (``???``, emoji)
    keeps its own characters, so two such messages are not taken for one another.
    """
    kept = "".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace())
    return " ".join(kept.split()) or " ".join(text.split())


def read_examples(path: Path) -> list[NluExample]:
    """Every intent example in a Rasa 3 NLU YAML file; raises NluDataError with a line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise NluDataError(f"{path}: cannot read: {err}") from err
    try:
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise NluDataError(f"{where}: invalid YAML: {err.problem or err}") from err
    if root is None:
        return []
    nlu = _mapping_value(root, "nlu")
    if nlu is None:
        return []
    if not isinstance(nlu, yaml.SequenceNode):
        raise NluDataError(f"{path}:{nlu.start_mark.line + 1}: 'nlu' must be a list of blocks")
    examples: list[NluExample] = []
    for block in nlu.value:
        if not isinstance(block, yaml.MappingNode):
            raise NluDataError(f"{path}:{block.start_mark.line + 1}: each nlu entry is a mapping")
        intent = _mapping_value(block, "intent")
        if intent is None:
            continue  # synonyms, regexes, lookups
        body = _mapping_value(block, "examples")
        if body is None or not isinstance(body, yaml.ScalarNode):
            raise NluDataError(
                f"{path}:{block.start_mark.line + 1}: intent {intent.value!r} has no examples"
            )
        first_line = body.start_mark.line + (2 if body.style == "|" else 1)
        for offset, line in enumerate(body.value.splitlines()):
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise NluDataError(
                    f"{path}:{first_line + offset}: examples must start with '- ': {stripped!r}"
                )
            examples.append(NluExample(intent.value, stripped[2:].strip(), first_line + offset))
    return examples


def _mapping_value(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def check_examples(examples: Iterable[NluExample], intents: Iterable[str], path: Path) -> list[str]:
    """Problems: unknown intents, intents without examples, one message under two intents,
    duplicates within an intent.
    """
    examples = list(examples)
    intents = list(intents)
    problems: list[str] = []
    seen: dict[str, NluExample] = {}
    per_intent: dict[str, int] = defaultdict(int)
    for ex in examples:
        per_intent[ex.intent] += 1
        if ex.intent not in intents:
            problems.append(f"{path}:{ex.line}: unknown intent {ex.intent!r}")
        first = seen.get(ex.key)
        if first is None:
            seen[ex.key] = ex
        elif first.intent != ex.intent:
            problems.append(
                f"{path}:{ex.line}: {ex.plain!r} is under {ex.intent!r} and also under "
                f"{first.intent!r} (line {first.line})"
            )
        else:
            problems.append(f"{path}:{ex.line}: duplicate of line {first.line}: {ex.plain!r}")
    for intent in intents:
        if per_intent[intent] == 0:
            problems.append(f"{path}: intent {intent!r} has no training examples")
    return problems


def check_heldout(
    training: Iterable[NluExample], heldout: Iterable[NluExample], path: Path
) -> list[str]:
    """A problem line for every held-out message that is also in the training data."""
    keys = {ex.key for ex in training}
    return [
        f"{path}:{ex.line}: held-out message is also in the training data: {ex.plain!r}"
        for ex in heldout
        if ex.key in keys
    ]


def merge_examples(
    nlu_path: Path, additions: Iterable[NluExample], intents: Iterable[str]
) -> tuple[int, list[str]]:
    """Appends new examples under their intents in ``nlu_path``; refuses the whole merge when
    any addition has an unknown intent or is already in the data. Returns (added, problems).
    """
    existing = read_examples(nlu_path)
    intents = set(intents)
    known = {ex.key: ex for ex in existing}
    problems: list[str] = []
    new: list[NluExample] = []
    batch: set[str] = set()
    for ex in additions:
        if ex.intent not in intents:
            problems.append(f"line {ex.line}: unknown intent {ex.intent!r}")
        elif ex.key in known:
            problems.append(
                f"line {ex.line}: {ex.plain!r} is already in the training data under "
                f"{known[ex.key].intent!r} ({nlu_path.name}:{known[ex.key].line})"
            )
        elif ex.key in batch:
            problems.append(f"line {ex.line}: {ex.plain!r} appears twice in the additions")
        else:
            batch.add(ex.key)
            new.append(ex)
    if problems:
        return 0, problems
    lines = nlu_path.read_text(encoding="utf-8").splitlines()
    by_intent: dict[str, list[str]] = defaultdict(list)
    for ex in new:
        by_intent[ex.intent].append(ex.text)
    last_line = {}
    for ex in existing:
        last_line[ex.intent] = ex.line  # examples of an intent are contiguous in our file
    insertions = sorted(((last_line[i], i) for i in by_intent if i in last_line), reverse=True)
    for line_no, intent in insertions:
        indent = re.match(r"\s*", lines[line_no - 1]).group(0)
        lines[line_no:line_no] = [f"{indent}- {t}" for t in by_intent[intent]]
    for intent in sorted(set(by_intent) - set(last_line)):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {t}" for t in by_intent[intent]]
    nlu_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(new), []
