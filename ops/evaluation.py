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
FALLBACK = "nlu_fallback"


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
        """The per-intent precision, recall and F1 as a Markdown table."""
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
    """Score a parser on labelled examples."""
    examples = list(examples)
    predicted = [parse(ex.text) for ex in examples]
    return score(
        [(ex.intent, p) for ex, p in zip(examples, predicted, strict=True)],
        [ex.text for ex in examples],
    )


@dataclass(frozen=True)
class Prediction:
    """What the model made of one message: the final intent (``nlu_fallback`` included) and
    its confidence, and the classifier's own best intent before any fallback.
    """

    intent: str
    confidence: float
    top_intent: str
    top_confidence: float
    parse_ms: float = 0.0


def prediction_from_parse(result: dict, parse_ms: float = 0.0) -> Prediction:
    """A :class:`Prediction` from Rasa's parse result (``POST /model/parse``'s body)."""
    intent = result.get("intent") or {}
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    top = ranking[0] if ranking else intent
    return Prediction(
        intent=intent.get("name") or "",
        confidence=float(intent.get("confidence") or 0.0),
        top_intent=top.get("name") or "",
        top_confidence=float(top.get("confidence") or 0.0),
        parse_ms=parse_ms,
    )


def model_predictor(model_path: Path) -> Callable[[str], Prediction]:
    """A function text -> :class:`Prediction`, parsing with a trained Rasa model in-process
    (what ``POST /model/parse`` does, without the HTTP hop), timed per message.
    """
    import logging
    import time

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structlog prints every parsed message's text at debug level unless configured:
    # held-out and training messages must not reach the console or any log.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def predict(text: str) -> Prediction:
        started = time.perf_counter()
        result = loop.run_until_complete(agent.parse_message(text))
        return prediction_from_parse(result, (time.perf_counter() - started) * 1000)

    return predict


def model_parser(model_path: Path) -> Callable[[str], str]:
    """A function text -> predicted intent name, using a trained Rasa model in-process."""
    predict = model_predictor(model_path)
    return lambda text: predict(text).intent


def lenient(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs with ``nlu_fallback`` counted right for ``out_of_scope`` messages (the bot then
    says it did not understand, which is a right answer to them); everywhere else the fallback
    stays wrong, as in the strict count.
    """
    return [(e, e if e == "out_of_scope" and p == FALLBACK else p) for e, p in pairs]


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    confidence: float  # mean top-intent confidence in the bin
    accuracy: float  # share of the bin whose top intent is the expected one


def calibration(
    expected: Sequence[str], predictions: Sequence[Prediction], bins: int = 10
) -> tuple[list[CalibrationBin], float]:
    """Reliability of the classifier's top-intent confidence (before any fallback): equal-width
    confidence bins, and the expected calibration error (bin-size-weighted mean of
    |accuracy - confidence|).
    """
    if not predictions:
        raise ValueError("nothing to calibrate")
    table, ece = [], 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            (e, p)
            for e, p in zip(expected, predictions, strict=True)
            if low <= p.top_confidence < high or (b == bins - 1 and p.top_confidence >= high)
        ]
        if not members:
            continue
        confidence = sum(p.top_confidence for _, p in members) / len(members)
        accuracy = sum(e == p.top_intent for e, p in members) / len(members)
        ece += len(members) / len(predictions) * abs(accuracy - confidence)
        table.append(CalibrationBin(low, high, len(members), confidence, accuracy))
    return table, ece


def calibration_table(bins: Sequence[CalibrationBin]) -> str:
    """The reliability table of top-intent confidence, as Markdown."""
    lines = [f"{'confidence':12} {'n':>4} {'mean conf':>10} {'accuracy':>9}"]
    lines += [
        f"{b.low:.1f}-{b.high:.1f}     {b.count:4d} {b.confidence:10.3f} {b.accuracy:9.3f}"
        for b in bins
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class HeldoutResult:
    """Everything measured on one held-out set (see :func:`measure`)."""

    name: str
    report: Report  # strict: nlu_fallback is wrong for every message
    lenient: Report  # nlu_fallback counted right for out_of_scope messages
    predictions: tuple[Prediction, ...]
    expected: tuple[str, ...]
    threshold: float

    @property
    def out_of_scope_as_symptom(self) -> tuple[int, int, int]:
        """(out_of_scope messages, classified as a symptom report, of those at or above the
        fallback threshold).
        """
        from bot.vocabulary import SYMPTOM_INTENTS

        oos = [
            p for e, p in zip(self.expected, self.predictions, strict=True) if e == "out_of_scope"
        ]
        reports = [p for p in oos if p.intent in SYMPTOM_INTENTS]
        return len(oos), len(reports), sum(p.confidence >= self.threshold for p in reports)

    @property
    def as_report(self) -> int:
        """Messages classified as a symptom report (for the negated-only sets)."""
        from bot.vocabulary import SYMPTOM_INTENTS

        return sum(p.intent in SYMPTOM_INTENTS for p in self.predictions)

    @property
    def parse_ms(self) -> list[float]:
        """Parse time of each held-out message, in milliseconds."""
        return [p.parse_ms for p in self.predictions]


def measure(
    predict: Callable[[str], Prediction], examples: Sequence[Example], name: str, threshold: float
) -> HeldoutResult:
    """Parses every message once and scores it strictly and leniently."""
    predictions = tuple(predict(ex.text) for ex in examples)
    pairs = [(ex.intent, p.intent) for ex, p in zip(examples, predictions, strict=True)]
    texts = [ex.text for ex in examples]
    return HeldoutResult(
        name=name,
        report=score(pairs, texts),
        lenient=score(lenient(pairs), texts),
        predictions=predictions,
        expected=tuple(ex.intent for ex in examples),
        threshold=threshold,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def confusion_matrix(pairs: Sequence[tuple[str, str]]) -> tuple[list[str], list[list[int]]]:
    """The labels and the counts of (expected, predicted) pairs."""
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
    train_seconds: tuple[float, ...] = ()  # per fold, wall clock of `rasa train nlu`
    parse_ms: tuple[float, ...] = ()  # per test message, in-process parse
    pairs: tuple[tuple[str, str], ...] = ()


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


def cross_validate(
    project_root: Path, folds: int, out_dir: Path, config: Path = Path("config.yml")
) -> CrossValidation:
    """k-fold cross-validation of an NLU pipeline (``config``) on the training data.

    Each fold is trained (``rasa train nlu``) and evaluated (``python -m ops.evaluation``) in
    processes of its own, so one fold's TensorFlow state (about 1 GB) is released before the
    next, and the folds are stratified by intent with a fixed seed, so runs (and pipelines)
    are compared on the same folds. ``nlu_fallback`` counts as wrong (strict).
    """
    import json
    import subprocess
    import sys
    import time

    from ops.nlu_data import read_examples
    from ops.stack import rasa_cli
    from ops.training import training_env

    out_dir.mkdir(parents=True, exist_ok=True)
    # Every fold encodes mostly the same messages: keep their sentence embeddings.
    env = {**training_env(), "EMBEDDING_CACHE_DIR": str(out_dir / "embedding_cache")}
    raw = read_examples(project_root / "data" / "nlu.yml")
    examples = [Example(strip_annotations(r.text), r.intent) for r in raw]
    pairs: list[tuple[str, str]] = []
    train_seconds: list[float] = []
    parse_ms: list[float] = []
    for n, test_indices in enumerate(stratified_folds(examples, folds), 1):
        held = set(test_indices)
        train_file = out_dir / f"fold{n}_train.yml"
        test_file = out_dir / f"fold{n}_test.yml"
        _write_nlu(train_file, [(r.intent, r.text) for i, r in enumerate(raw) if i not in held])
        _write_nlu(test_file, [(r.intent, r.text) for i, r in enumerate(raw) if i in held])
        started = time.monotonic()
        subprocess.run(
            [
                *rasa_cli(),
                "train",
                "nlu",
                "--nlu",
                str(train_file),
                "--config",
                str(config),
                "--out",
                str(out_dir),
                "--fixed-model-name",
                f"fold{n}",
                "--quiet",
            ],
            cwd=project_root,
            check=True,
            capture_output=True,
            env=env,
        )
        train_seconds.append(time.monotonic() - started)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ops.evaluation",
                str(out_dir / f"fold{n}.tar.gz"),
                str(test_file),
            ],
            cwd=project_root,
            check=True,
            capture_output=True,
            text=True,
            env=training_env(),
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        pairs += [
            (e, p["intent"]) for e, p in zip(result["expected"], result["predictions"], strict=True)
        ]
        parse_ms += [p["parse_ms"] for p in result["predictions"]]
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
        train_seconds=tuple(train_seconds),
        parse_ms=tuple(parse_ms),
        pairs=tuple(pairs),
    )


#: The frozen held-out NLU sets (tests/data/heldout/README.md): measuring only.
HELDOUT_DIR = Path("tests/data/heldout")
HELDOUT_SETS = ("nlu_a.yml", "nlu_b.yml")
NEGATED_SETS = ("nlu_negated_a.yml", "nlu_negated_b.yml")
#: The project's first held-out set: spent (training data was chosen from its errors), so a
#: development check only.
DEVELOPMENT_SET = Path("tests/data/nlu_heldout.yml")


@dataclass(frozen=True)
class Evaluation:
    """`bot evaluate`'s measurements of one model."""

    sets: tuple[HeldoutResult, ...]  # set a, set b
    combined: HeldoutResult  # a + b
    negated: HeldoutResult  # negated-only a + b
    development: HeldoutResult | None
    calibration: tuple[CalibrationBin, ...]
    ece: float
    parse_p50_ms: float
    parse_p95_ms: float


def evaluate_model(
    predict: Callable[[str], Prediction], root: Path, threshold: float
) -> Evaluation:
    """Parses every held-out message once (and the development set) and measures."""
    predict("warm up")  # TensorFlow builds its graphs on the first parse: not a message's time
    sets, examples = [], []
    for name in HELDOUT_SETS:
        loaded = load_examples(root / HELDOUT_DIR / name)
        sets.append(measure(predict, loaded, name, threshold))
        examples += loaded
    predictions = tuple(p for r in sets for p in r.predictions)
    pairs = [(ex.intent, p.intent) for ex, p in zip(examples, predictions, strict=True)]
    texts = [ex.text for ex in examples]
    combined = HeldoutResult(
        name="+".join(HELDOUT_SETS),
        report=score(pairs, texts),
        lenient=score(lenient(pairs), texts),
        predictions=predictions,
        expected=tuple(ex.intent for ex in examples),
        threshold=threshold,
    )
    negated_examples = [ex for n in NEGATED_SETS for ex in load_examples(root / HELDOUT_DIR / n)]
    negated = measure(predict, negated_examples, "+".join(NEGATED_SETS), threshold)
    development = None
    if (root / DEVELOPMENT_SET).exists():
        development = measure(
            predict, load_examples(root / DEVELOPMENT_SET), DEVELOPMENT_SET.name, threshold
        )
    bins, ece = calibration(combined.expected, combined.predictions)
    times = combined.parse_ms
    return Evaluation(
        sets=tuple(sets),
        combined=combined,
        negated=negated,
        development=development,
        calibration=tuple(bins),
        ece=ece,
        parse_p50_ms=percentile(times, 50),
        parse_p95_ms=percentile(times, 95),
    )


def summary_lines(ev: Evaluation) -> list[str]:
    """The headline figures, one per line (strict: nlu_fallback is wrong for every message;
    lenient: it is right for out_of_scope messages).
    """
    lines = []
    for r in (*ev.sets, ev.combined):
        lines.append(
            f"{r.name}: accuracy {r.report.accuracy:.3f}, macro-F1 {r.report.macro_f1:.3f} "
            f"(lenient {r.lenient.accuracy:.3f} / {r.lenient.macro_f1:.3f}), "
            f"{len(r.expected)} messages"
        )
    total, as_symptom, above = ev.combined.out_of_scope_as_symptom
    lines.append(
        f"out_of_scope read as a symptom report: {above} of {total} at or above the fallback "
        f"threshold {ev.combined.threshold} ({as_symptom} in all)"
    )
    lines.append(
        f"negated-only messages read as a symptom report: {ev.negated.as_report} of "
        f"{len(ev.negated.expected)} (intent accuracy {ev.negated.report.accuracy:.3f})"
    )
    lines.append(f"expected calibration error (top intent, 10 bins): {ev.ece:.3f}")
    lines.append(
        f"parse per message (in-process): p50 {ev.parse_p50_ms:.1f} ms, "
        f"p95 {ev.parse_p95_ms:.1f} ms"
    )
    if ev.development:
        d = ev.development.report
        lines.append(
            f"development check (spent set {ev.development.name}): accuracy {d.accuracy:.3f}, "
            f"macro-F1 {d.macro_f1:.3f}"
        )
    return lines


def per_intent_table(report: Report, cv: CrossValidation | None) -> str:
    """Held-out precision / recall / F1 per intent, with the cross-validation F1 beside."""
    head = f"{'intent':26} {'prec':>5} {'rec':>5} {'f1':>5} {'n':>4}"
    lines = [head + (f" {'cv f1':>6}" if cv else "")]
    for s in report.per_intent:
        row = f"{s.intent:26} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} {s.support:4d}"
        if cv:
            row += f" {cv.per_intent.get(s.intent, {}).get('f1-score', 0.0):6.2f}"
        lines.append(row)
    total = f"{'held-out':26} accuracy {report.accuracy:.3f}  macro-F1 {report.macro_f1:.3f}"
    lines.append(total)
    if cv:
        lines.append(
            f"{f'{cv.folds}-fold CV':26} accuracy {cv.accuracy:.3f}  macro-F1 {cv.macro_f1:.3f}"
        )
    return "\n".join(lines)


def markdown_report(ev: Evaluation, model_name: str, cv: CrossValidation | None) -> str:
    """The full report: headline figures, per intent with CV beside, calibration, confusions.
    Lists no held-out message: the sets are for measuring, not for reading errors from.
    """
    lines = [
        "# NLU evaluation",
        "",
        f"Model `{model_name}` on the frozen held-out sets `{ev.combined.name}` "
        f"({len(ev.combined.expected)} messages never trained on) and `{ev.negated.name}`.",
        "Strict counting: `nlu_fallback` is wrong for every message; lenient: it is right for "
        "`out_of_scope` messages.",
        "",
    ]
    lines += [f"- {line}" for line in summary_lines(ev)]
    if cv:
        lines.append(
            f"- {cv.folds}-fold cross-validation on the training data: accuracy "
            f"{cv.accuracy:.3f}, macro-F1 {cv.macro_f1:.3f}"
        )
    lines += ["", "| intent | precision | recall | F1 | n | CV F1 |", "|---|---|---|---|---|---|"]
    for s in ev.combined.report.per_intent:
        cv_f1 = f"{cv.per_intent.get(s.intent, {}).get('f1-score', 0.0):.2f}" if cv else ""
        lines.append(
            f"| {s.intent} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | {s.support} "
            f"| {cv_f1} |"
        )
    lines += ["", "## Reliability of the top-intent confidence", ""]
    lines += ["| confidence | messages | mean confidence | accuracy |", "|---|---|---|---|"]
    lines += [
        f"| {b.low:.1f}-{b.high:.1f} | {b.count} | {b.confidence:.3f} | {b.accuracy:.3f} |"
        for b in ev.calibration
    ]
    lines += ["", f"Expected calibration error: {ev.ece:.3f}.", "", "## Worst confusions", ""]
    confusions = ev.combined.report.confusions
    lines += [f"- {e} → {p}: {n}" for e, p, n in confusions[:10]] or ["none"]
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
    """``python -m ops.evaluation MODEL NLU_FILE``: prints one JSON line,
    ``{"expected": [...], "predictions": [{intent, confidence, top_intent, ...}, ...]}``.
    """
    import json
    import sys
    from dataclasses import asdict

    model, data = Path(sys.argv[1]), Path(sys.argv[2])
    predict = model_predictor(model)
    predict("warm up")  # the first parse builds TensorFlow's graphs
    examples = load_examples(data)
    predictions = [asdict(predict(ex.text)) for ex in examples]
    print(json.dumps({"expected": [ex.intent for ex in examples], "predictions": predictions}))


if __name__ == "__main__":
    _main()
