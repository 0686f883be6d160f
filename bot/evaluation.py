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
    pairs: tuple[tuple[str, str], ...] = ()  # (expected, predicted) for every message

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
        pairs=tuple(pairs),
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


def confusion_matrix(pairs: Sequence[tuple[str, str]]) -> tuple[list[str], list[list[int]]]:
    labels = sorted({e for e, _ in pairs} | {p for _, p in pairs})
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, predicted in pairs:
        matrix[index[expected]][index[predicted]] += 1
    return labels, matrix


def plot_confusion(pairs: Sequence[tuple[str, str]], path: Path, title: str) -> Path:
    """The confusion matrix as a PNG (rows: expected intent; columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = confusion_matrix(pairs)
    size = max(6.0, 0.38 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels=labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            if n:
                colour = "white" if n > peak / 2 else "black"
                ax.text(j, i, str(n), ha="center", va="center", fontsize=6, color=colour)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]


def stratified_folds(
    examples: Sequence[Example], folds: int, seed: int = 20241125
) -> list[list[int]]:
    """Indices of each fold; every intent spread evenly over the folds (deterministic)."""
    import random

    by_intent: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_intent.setdefault(ex.intent, []).append(i)
    rng = random.Random(seed)  # noqa: S311 - shuffles folds, not a secret
    result: list[list[int]] = [[] for _ in range(folds)]
    offset = 0
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        rng.shuffle(indices)
        for j, index in enumerate(indices):
            result[(offset + j) % folds].append(index)
        offset += len(indices)
    return result


def _write_nlu(path: Path, raw_lines: Sequence[tuple[str, str]]) -> None:
    """Rasa NLU YAML from (intent, example as written, annotations kept) pairs."""
    blocks: dict[str, list[str]] = {}
    for intent, text in raw_lines:
        blocks.setdefault(intent, []).append(text)
    out = ['version: "3.1"', "nlu:"]
    for intent, texts in blocks.items():
        out += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in texts]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def cross_validate(project_root: Path, folds: int, out_dir: Path) -> CrossValidation:
    """k-fold cross-validation of the NLU pipeline on the training data.

    Each fold is trained (``rasa train nlu``) and evaluated (``python -m bot.evaluation``) in
    processes of its own, so one fold's TensorFlow state (about 1 GB) is released before the
    next, and the folds are stratified by intent with a fixed seed, so runs are comparable.
    """
    import json
    import subprocess
    import sys

    from bot.nlu_data import read_examples
    from bot.stack import rasa_cli
    from bot.training import training_env

    out_dir.mkdir(parents=True, exist_ok=True)
    raw = read_examples(project_root / "data" / "nlu.yml")
    examples = [Example(strip_annotations(r.text), r.intent) for r in raw]
    pairs: list[tuple[str, str]] = []
    for n, test_indices in enumerate(stratified_folds(examples, folds), 1):
        held = set(test_indices)
        train_file = out_dir / f"fold{n}_train.yml"
        test_file = out_dir / f"fold{n}_test.yml"
        _write_nlu(train_file, [(r.intent, r.text) for i, r in enumerate(raw) if i not in held])
        _write_nlu(test_file, [(r.intent, r.text) for i, r in enumerate(raw) if i in held])
        subprocess.run(
            [
                *rasa_cli(),
                "train",
                "nlu",
                "--nlu",
                str(train_file),
                "--config",
                "config.yml",
                "--out",
                str(out_dir),
                "--fixed-model-name",
                f"fold{n}",
                "--quiet",
            ],
            cwd=project_root,
            check=True,
            capture_output=True,
            env=training_env(),
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.evaluation",
                str(out_dir / f"fold{n}.tar.gz"),
                str(test_file),
            ],
            cwd=project_root,
            check=True,
            capture_output=True,
            text=True,
        )
        pairs += [tuple(p) for p in json.loads(done.stdout.strip().splitlines()[-1])]
        (out_dir / f"fold{n}.tar.gz").unlink(missing_ok=True)
    report = score(pairs)
    return CrossValidation(
        folds=folds,
        accuracy=report.accuracy,
        macro_f1=report.macro_f1,
        per_intent={
            s.intent: {"precision": s.precision, "recall": s.recall, "f1-score": s.f1}
            for s in report.per_intent
        },
    )


def markdown_report(
    report: Report, model_name: str, heldout_name: str, cv: CrossValidation | None
) -> str:
    lines = [
        "# NLU evaluation",
        "",
        f"Model `{model_name}` on the held-out set `{heldout_name}` "
        f"({sum(s.support for s in report.per_intent)} messages never trained on).",
        "",
        f"**Accuracy {report.accuracy:.3f} · macro-F1 {report.macro_f1:.3f}**",
    ]
    if cv:
        lines.append(
            f"\n{cv.folds}-fold cross-validation on the training data: accuracy "
            f"{cv.accuracy:.3f}, macro-F1 {cv.macro_f1:.3f}."
        )
    lines += ["", "| intent | precision | recall | F1 | n |", "|---|---|---|---|---|"]
    for s in report.per_intent:
        lines.append(
            f"| {s.intent} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | {s.support} |"
        )
    lines += ["", "## Worst confusions", ""]
    if report.confusions:
        lines += [f"- {e} → {p}: {n}" for e, p, n in report.confusions[:10]]
    else:
        lines.append("none")
    lines += ["", "## Misclassified held-out messages", ""]
    lines += [f"- `{e}` → `{p}`: {t}" for t, e, p in report.errors] or ["none"]
    lines += ["", "![confusion matrix](confusion_matrix.png)", ""]
    return "\n".join(lines)


def html_report(markdown: str) -> str:
    """A self-contained HTML page of the Markdown report (escaped, no external assets)."""
    import html

    body: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        is_row = line.startswith("|")
        if in_table and not is_row:
            body.append("</table>")
        in_table = is_row
        if is_row:
            if line.startswith("|---"):
                continue
            if body and not body[-1].startswith("<tr>") and body[-1] != "<table>":
                body.append("<table>")
            cells = "".join(
                f"<td>{html.escape(c.strip())}</td>" for c in line.strip("|").split("|")
            )
            body.append(f"<tr>{cells}</tr>")
        elif line.startswith("![") and "(" in line:
            src = line[line.index("(") + 1 : -1]
            body.append(f'<img src="{html.escape(src)}" alt="confusion matrix">')
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    return (
        "<!doctype html><meta charset=utf-8><title>NLU evaluation</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "td{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}</style>" + "\n".join(body)
    )


def _main() -> None:
    """``python -m bot.evaluation MODEL NLU_FILE``: prints [[expected, predicted], ...]."""
    import json
    import sys

    model, data = Path(sys.argv[1]), Path(sys.argv[2])
    parse = model_parser(model)
    print(json.dumps([[ex.intent, parse(ex.text)] for ex in load_examples(data)]))


if __name__ == "__main__":
    _main()
