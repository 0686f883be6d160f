"""NLU parse time per message (Rasa's HTTP API) and the time to train a model.

    .venv/bin/python -m bench.nlu_parse [--repeat 2] [--no-train]

Parse: every held-out message of tests/data/nlu_heldout.yml sent to ``POST /model/parse`` of
a running Rasa server (JWT from the stack's state folder), one at a time, ``--repeat`` passes;
the figure includes Rasa's HTTP handling (about a millisecond on loopback). Training:
``bot train --force`` with MODELS_DIR in a temporary folder (the spaCy pipeline is reused
when unchanged), wall-clock time of the whole command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT
from bench.support import ms, save, summary, table

HELDOUT = ROOT / "tests" / "data" / "nlu_heldout.yml"


def parse_times(rasa_url: str, state_dir: Path, repeat: int) -> dict[str, Any]:
    """Time ``POST /model/parse`` over the held-out messages; return latency and accuracy."""
    from bot.secrets_store import ensure_secret
    from ops.evaluation import load_examples
    from ops.rasa_api import auth_headers

    secret = ensure_secret(state_dir, "rasa_jwt_secret", None)
    examples = load_examples(HELDOUT)
    latencies, correct, total = [], 0, 0
    with httpx.Client(base_url=rasa_url, timeout=60) as client:
        client.post("/model/parse", json={"text": "warm up"}, headers=auth_headers(secret))
        for _ in range(repeat):
            headers = auth_headers(secret)
            for example in examples:
                started = time.perf_counter()
                response = client.post("/model/parse", json={"text": example.text}, headers=headers)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                total += 1
                correct += (response.json().get("intent") or {}).get("name") == example.intent
    return {
        "messages": len(examples),
        "repeat": repeat,
        "latency": summary(latencies),
        "accuracy": correct / total if total else None,
    }


def train_time() -> dict[str, Any]:
    """Time ``bot train --force`` into a temporary MODELS_DIR; return seconds and return code."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-train-"))
    env = {**os.environ, "MODELS_DIR": str(tmp / "models")}
    bot = str(Path(sys.executable).with_name("bot"))
    print("--> bot train --force (MODELS_DIR in a temp folder)", flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [bot, "train", "--force"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )
    seconds = time.monotonic() - started
    shutil.rmtree(tmp, ignore_errors=True)
    if done.returncode:
        print(done.stdout[-3000:], flush=True)
    return {"seconds": seconds, "returncode": done.returncode, "loadavg_1m": os.getloadavg()[0]}


def markdown(result: dict[str, Any]) -> str:
    """Render the parse and training figures as a Markdown table (one line for training alone)."""
    parts = []
    parse = result.get("parse")
    if parse:
        lat = parse["latency"]
        parts.append(
            table(
                ["measure", "value"],
                [
                    [
                        "NLU parse per message (POST /model/parse, "
                        f"{parse['messages']} held-out messages x {parse['repeat']})",
                        f"p50 {ms(lat['p50'])} ms, p95 {ms(lat['p95'])} ms, "
                        f"mean {ms(lat['mean'])} ms",
                    ],
                    ["held-out intent accuracy (same run)", f"{parse['accuracy']:.3f}"],
                ]
                + (
                    [
                        [
                            "training time (`bot train --force`)",
                            f"{result['train']['seconds']:.0f} s"
                            + (" (FAILED)" if result["train"]["returncode"] else ""),
                        ]
                    ]
                    if result.get("train")
                    else []
                ),
            )
        )
    elif result.get("train"):
        parts.append(f"training time: {result['train']['seconds']:.0f} s")
    return "\n".join(parts)


def run(rasa_url: str | None, state_dir: Path | None, repeat: int, train: bool) -> dict:
    """Measure parse times if given a Rasa URL and state folder, training time if ``train``."""
    result: dict[str, Any] = {}
    if rasa_url and state_dir:
        print("--> NLU parse times on the held-out messages", flush=True)
        result["parse"] = parse_times(rasa_url, state_dir, repeat)
    if train:
        result["train"] = train_time()
    return result


def main() -> None:
    """Time parsing on a started stack, then training unless ``--no-train``; print and save."""
    from bench.common import machine
    from bench.support import stack

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-train", action="store_true")
    parser.add_argument("--experiment", help="a candidate fix from bench/experiments/")
    args = parser.parse_args()
    with stack("nlu", experiment=args.experiment) as running:
        result = run(running.rasa_url, running.running.state_dir, args.repeat, False)
    if not args.no_train:
        result.update(run(None, None, 0, True))
    result["machine"] = machine()
    text = markdown(result)
    print(text)
    save("nlu_parse", result, text)


if __name__ == "__main__":
    main()
