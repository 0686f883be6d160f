"""Intent evaluation on held-out messages: accuracy, macro-F1, per-intent scores, confusions.

The metric code is plain Python over (expected, predicted) pairs; only ``model_parser``
touches Rasa, to parse messages with a trained model.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def strip_annotations(text: str) -> str:
    """``my [back](body_part) hurts`` -> ``my back hurts``."""
    return _ANNOTATION.sub(r"\1", text)


def load_examples(path: Path) -> list[Example]:
    """Examples of a Rasa NLU YAML file (intents only; annotations removed)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu", []):
        intent = block.get("intent")
        if not intent:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(strip_annotations(line[2:].strip()), intent))
    return examples


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    accuracy: float
    macro_f1: float
    per_intent: tuple[IntentScore, ...]
    confusions: tuple[tuple[str, str, int], ...]  # expected, predicted, count (worst first)
    errors: tuple[tuple[str, str, str], ...]  # text, expected, predicted

    def table(self) -> str:
        lines = [f"{'intent':28} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>4}"]
        for s in self.per_intent:
            lines.append(
                f"{s.intent:28} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f} {s.support:4d}"
            )
        lines.append(f"accuracy {self.accuracy:.3f}   macro-F1 {self.macro_f1:.3f}")
        return "\n".join(lines)


def score(pairs: Sequence[tuple[str, str]], texts: Sequence[str] | None = None) -> Report:
    """Scores (expected, predicted) pairs; macro-F1 averages over the expected intents."""
    if not pairs:
        raise ValueError("nothing to score")
    labels = sorted({e for e, _ in pairs})
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    for expected, predicted in pairs:
        if expected == predicted:
            tp[expected] += 1
        else:
            fp[predicted] += 1
            fn[expected] += 1
            confusions[(expected, predicted)] += 1
    per_intent = []
    for label in labels:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_intent.append(IntentScore(label, p, r, f1, tp[label] + fn[label]))
    errors = tuple((texts[i] if texts else "", e, p) for i, (e, p) in enumerate(pairs) if e != p)
    return Report(
        accuracy=sum(tp.values()) / len(pairs),
        macro_f1=sum(s.f1 for s in per_intent) / len(per_intent),
        per_intent=tuple(per_intent),
        confusions=tuple((e, p, n) for (e, p), n in confusions.most_common()),
        errors=errors,
    )


def evaluate(parse: Callable[[str], str], examples: Iterable[Example]) -> Report:
    examples = list(examples)
    predicted = [parse(ex.text) for ex in examples]
    return score(
        [(ex.intent, p) for ex, p in zip(examples, predicted, strict=True)],
        [ex.text for ex in examples],
    )


def model_parser(model_path: Path) -> Callable[[str], str]:
    """A function text -> predicted intent name, using a trained Rasa model in-process."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> str:
        result = loop.run_until_complete(agent.parse_message(text))
        return (result.get("intent") or {}).get("name") or ""

    return parse
