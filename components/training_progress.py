"""Training progress: how many steps of Rasa's training graph are done, and the time left.

The ``rasa train`` process (``components.rasa_entry``) appends one JSON line per finished graph node
to the file named by ``TRAINING_PROGRESS_ENV``; ``bot train`` follows that file and prints a
progress line. The time left comes from how long each step took in the previous training
(kept beside the models), or, the first time, from the average step so far.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

TRAINING_PROGRESS_ENV = "BOT_TRAINING_PROGRESS_FILE"
TIMINGS_FILE = ".training-steps.json"
#: Without a terminal (CI, a log file) a line at each of these fractions, not one per step.
PLAIN_STEPS = (0.25, 0.5, 0.75)


def install_progress_hook() -> None:
    """In the ``rasa train`` process: report every finished graph node to the progress
    file (Rasa's own LoggingHook is extended; it runs once per node of the pruned graph).
    """
    target = os.environ.get(TRAINING_PROGRESS_ENV)
    if not target:
        return
    from rasa.engine.training import graph_trainer

    base = graph_trainer.LoggingHook

    class ProgressHook(base):  # type: ignore[misc, valid-type]
        def __init__(self, pruned_schema: Any) -> None:
            super().__init__(pruned_schema)
            self._total = len(pruned_schema.nodes)
            self._done = 0
            _append(target, {"done": 0, "total": self._total})

        def on_after_node(self, node_name: str, *args: Any, **kwargs: Any) -> None:
            super().on_after_node(node_name, *args, **kwargs)
            self._done += 1
            _append(target, {"done": self._done, "total": self._total, "node": node_name})

    graph_trainer.LoggingHook = ProgressHook
    _report_encoding(target)


#: Examples encoded between two reports (a multiple of the encoder's batch of 32, so that
#: the batches, and therefore the embeddings, are exactly those of one call).
ENCODE_CHUNK = 256


def _report_encoding(target: str) -> None:
    """The MiniLM featurizer's pass over the training examples is most of a training's
    time: report it chunk by chunk (the encoder's own code and results unchanged).
    """
    import numpy as np

    from components.encoder import SentenceEncoder

    encode = SentenceEncoder.encode

    def encode_reporting(self: SentenceEncoder, texts: Any, batch_size: int = 32) -> Any:
        if len(texts) <= ENCODE_CHUNK or ENCODE_CHUNK % batch_size:
            return encode(self, texts, batch_size)
        parts = []
        for start in range(0, len(texts), ENCODE_CHUNK):
            parts.append(encode(self, texts[start : start + ENCODE_CHUNK], batch_size))
            _append(target, {"encoded": start + len(parts[-1]), "of": len(texts)})
        return np.concatenate(parts)

    SentenceEncoder.encode = encode_reporting  # type: ignore[method-assign]


def _append(path: str, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def time_left(
    done: list[str], total: int, elapsed: float, previous: dict[str, float]
) -> float | None:
    """Seconds left after the steps in ``done`` (names), ``elapsed`` seconds in: the previous
    training's durations of the steps still to run, scaled by how this run compares so far;
    without those, the average step so far times the steps left.
    """
    left = total - len(done)
    if left <= 0:
        return 0.0
    known = [previous[n] for n in done if n in previous]
    if previous and len(known) == len(done):
        before = sum(known)
        pace = elapsed / before if before > 0 else 1.0
        remaining = sum(previous.values()) - before
        return max(0.0, remaining * pace)
    if not done:
        return None
    return elapsed / len(done) * left


def format_seconds(seconds: float) -> str:
    """Seconds for people: ``42 s`` or ``3 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


class ProgressPrinter:
    """Follows the progress file in a thread and prints the progress line."""

    def __init__(self, path: Path, timings: Path, out: TextIO = sys.stdout) -> None:
        self.path = path
        self.timings = timings
        self.out = out
        self.tty = out.isatty()
        self.started = time.monotonic()
        self.steps: dict[str, float] = {}
        self.encoded: tuple[int, int] = (0, 0)  # examples encoded so far, of how many
        self.encoding_since: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._printed_fraction = 0.0
        try:
            self.previous: dict[str, float] = json.loads(timings.read_text())
        except (OSError, ValueError):
            self.previous = {}

    def __enter__(self) -> ProgressPrinter:
        self.path.write_text("")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        if self.tty:
            self.out.write("\n")
            self.out.flush()
        if exc[0] is None and self.steps:
            self.timings.write_text(json.dumps(self.steps))

    def _follow(self) -> None:
        offset = 0
        last = self.started
        total = 0
        while not self._stop.wait(0.5):
            with self.path.open(encoding="utf-8") as source:
                source.seek(offset)
                chunk = source.read()
            complete, _, _ = chunk.rpartition("\n")
            if not complete:
                self._show(total)
                continue
            offset += len(complete) + 1
            for line in complete.splitlines():
                record = json.loads(line)
                if "encoded" in record:
                    if self.encoding_since is None:
                        self.encoding_since = last
                    self.encoded = (record["encoded"], record["of"])
                    continue
                total = record["total"]
                if record.get("node"):
                    self.encoded = (0, 0)
                    now = time.monotonic()
                    self.steps[record["node"]] = now - last
                    last = now
            self._show(total)

    def _show(self, total: int) -> None:
        if not total:
            return
        done = len(self.steps)
        now = time.monotonic()
        left = time_left(list(self.steps), total, now - self.started, self.previous)
        encoded, of = self.encoded
        fraction = done / total
        detail = ""
        if of and encoded < of and self.encoding_since is not None:
            # Inside the encoding step: its own pace, plus the steps after it.
            fraction = (done + encoded / of) / total
            rate = (now - self.encoding_since) / encoded
            after = (left or 0.0) * (total - done - 1) / max(1, total - done)
            left = rate * (of - encoded) + after
            detail = f", encoding examples {encoded}/{of}"
        eta = f", about {format_seconds(left)} left" if left is not None and done else ""
        line = f"    training: {done}/{total} steps ({fraction:.0%}){detail}{eta}"
        if self.tty:
            self.out.write(f"\r{line:<72}")
            self.out.flush()
        elif any(self._printed_fraction < s <= fraction for s in PLAIN_STEPS):
            self._printed_fraction = fraction
            print(line, file=self.out, flush=True)
