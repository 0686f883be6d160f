"""CPU time of the triage dialogue logic per user turn (bot/conversation.py), in-process.

    python -m bench.dialogue_step [--repeat 5]

Plays the openings and the first replies of the development conversations through
``conversation.start`` / ``conversation.on_message`` with entities from our spaCy pipeline
computed beforehand, so the figure is the action server's own work per turn (reading the
message for every finding, matching the reply, choosing the next question), without NLU or
HTTP. Run it from another checkout (PYTHONPATH) to compare two versions in one session.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench import score_conversations as player
from bot import conversation
from components.spacy_pipeline import build_pipeline, extract_entities

DEV = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev"
REPLIES = ["no", "not sure", "yes", "about two weeks", "5 out of 10", "getting worse", "no, fine"]


def _entities(nlp, text: str) -> tuple[dict, ...]:
    return tuple({**e.as_rasa(), "text": e.text} for e in extract_entities(nlp(text)))


def main(argv: list[str] | None = None) -> int:
    """Time the dialogue logic per turn on the dev openings and fixed replies; print median, p95."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    nlp = build_pipeline()
    openings = [
        v["opening"][0]
        for path in sorted(DEV.glob("conversations_*.yml"))
        for v in player.load_vignettes(path)
        if v["expected"] != "info"
    ]
    parsed = [(t, _entities(nlp, t)) for t in openings]
    replies = [(t, _entities(nlp, t)) for t in REPLIES]
    timings: list[float] = []
    for _ in range(args.repeat):
        for text, entities in parsed:
            turn = conversation.Turn(text, "report_other_symptom", 0.9, entities, "m0")
            started = time.process_time()
            result = conversation.start(conversation.TriageState(), turn)
            timings.append(time.process_time() - started)
            for i, (reply, reply_entities) in enumerate(replies, 1):
                if result.done:
                    break
                turn = conversation.Turn(reply, "inform", 0.6, reply_entities, f"m{i}")
                started = time.process_time()
                result = conversation.on_message(result.state, turn)
                timings.append(time.process_time() - started)
    timings.sort()
    print(
        f"dialogue step: n={len(timings)} median={statistics.median(timings) * 1000:.2f} ms "
        f"p95={timings[int(len(timings) * 0.95)] * 1000:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
