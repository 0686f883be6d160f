"""Candidate NLU pipelines compared on the same cross-validation folds of data/nlu.yml.

    .venv/bin/python -m bench.nlu_pipelines bench/nlu_pipelines/a_today.yml [--folds 5]
    .venv/bin/python -m bench.nlu_pipelines --table      # the comparison of saved results
    .venv/bin/python -m bench.nlu_pipelines --parse OLD.tar.gz NEW.tar.gz   # parse time, paired

Each candidate is a Rasa config (pipeline only matters) under ``bench/nlu_pipelines/``. For each
it runs ``ops.evaluation.cross_validate`` (stratified folds with a fixed seed, so every
candidate sees the same folds): accuracy and macro-F1 with ``nlu_fallback`` counted wrong,
training time per fold (``rasa train nlu``, one TensorFlow thread, deterministic kernels) and
in-process parse time per message (what ``POST /model/parse`` does, without HTTP). Results go to
``results/nlu_pipelines/<name>.json``. The machine is shared: the load average at the start and
the end is saved beside the times; compare training times measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from bench.common import ROOT

RESULTS = ROOT / "results" / "nlu_pipelines"


def run(config: Path, folds: int) -> dict:
    """Cross-validate one pipeline config; save its figures as JSON in RESULTS and return them."""
    from ops.evaluation import cross_validate, percentile, score

    name = config.stem
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    cv = cross_validate(ROOT, folds, RESULTS / f"{name}-work", config=config)
    result = {
        "name": name,
        "config": str(config.relative_to(ROOT)) if config.is_absolute() else str(config),
        "folds": folds,
        "accuracy": cv.accuracy,
        "macro_f1": cv.macro_f1,
        "train_seconds": list(cv.train_seconds),
        "train_seconds_median": statistics.median(cv.train_seconds),
        "parse_ms_p50": percentile(cv.parse_ms, 50),
        "parse_ms_p95": percentile(cv.parse_ms, 95),
        "wall_seconds": time.monotonic() - started,
        "loadavg_1m": [load_start, os.getloadavg()[0]],
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "per_intent_f1": {k: v["f1-score"] for k, v in cv.per_intent.items()},
        "lenient_accuracy": score(
            [(e, e if e == "out_of_scope" and p == "nlu_fallback" else p) for e, p in cv.pairs]
        ).accuracy,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1))
    return result


def parse_compare(models: list[Path], rounds: int = 4) -> dict:
    """Parse time per held-out message of each model, in-process, in one run: the models take
    turns (ABBA...) over every message of the frozen held-out sets, so the shared machine's
    load falls on both alike. Only times are kept, never a message or a prediction.
    """
    from ops.evaluation import HELDOUT_DIR, HELDOUT_SETS, load_examples, model_predictor, percentile

    texts = [e.text for n in HELDOUT_SETS for e in load_examples(ROOT / HELDOUT_DIR / n)]
    predictors = [model_predictor(m) for m in models]
    for predict in predictors:
        predict("warm up")
    times: list[list[float]] = [[] for _ in models]
    for r in range(rounds):
        order = list(range(len(models)))
        if r % 2:
            order.reverse()
        for i in order:
            times[i] += [predictors[i](t).parse_ms for t in texts]
    result = {
        "messages": len(texts),
        "rounds": rounds,
        "loadavg_1m": os.getloadavg()[0],
        "models": [
            {"model": m.name, "p50": percentile(t, 50), "p95": percentile(t, 95)}
            for m, t in zip(models, times, strict=True)
        ],
    }
    result["p50_ratio"] = result["models"][-1]["p50"] / result["models"][0]["p50"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "parse_compare.txt").write_text(json.dumps(result, indent=1))
    return result


def table() -> str:
    """Render every saved pipeline result as one Markdown table."""
    rows = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    lines = [
        "| pipeline | CV accuracy | CV macro-F1 | training per fold (median) | parse p50 / p95 |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['config']}` | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
            f"{r['train_seconds_median']:.0f} s | {r['parse_ms_p50']:.1f} / "
            f"{r['parse_ms_p95']:.1f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    """Compare the parse times of given models, or cross-validate each config; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--parse", nargs="+", type=Path, metavar="MODEL")
    args = parser.parse_args()
    if args.parse:
        print(json.dumps(parse_compare(args.parse), indent=1))
        return
    for config in args.configs:
        r = run(config, args.folds)
        print(
            f"{r['name']}: accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}, "
            f"training {r['train_seconds_median']:.0f} s/fold, "
            f"parse p50 {r['parse_ms_p50']:.1f} ms",
            flush=True,
        )
    if args.table or not args.configs:
        print(table())


if __name__ == "__main__":
    main()
