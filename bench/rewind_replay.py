"""Why the issue-15 turn never ended: what one tracker copy costs after k rounds of the
two-stage fallback's rewind loop, in-process (no stack).

    .venv/bin/python -m bench.rewind_replay [--rounds 10 50 100 200 400]

Starts from the reproduction's events as the old code stored them
(tests/data/legacy/two_stage_fallback_hang.json) and adds what one round of the loop added
inside the hung turn: the loop action, its deactivation, a rewind, an ``action_listen`` and the
re-added message. Rasa copies the tracker (``DialogueStateTracker.copy``, which re-applies
every event and replays the history at each rewind) for every action it runs, so a round
costs about one copy; the time per copy is reported with the total over all rounds so far.
For comparison, the same tracker with the rewinds resolved (``without_reverts``, what the
tracker store now hands Rasa) and a turn of the fixed bot's conversation of 60 turns.
"""

from __future__ import annotations

import argparse
import json
import time

from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, UserUtteranceReverted
from rasa.shared.core.trackers import DialogueStateTracker

from bench.common import ROOT, machine
from bench.support import save, table
from components.tracker_store import without_reverts

LEGACY = ROOT / "tests" / "data" / "legacy" / "two_stage_fallback_hang.json"


def one_round(message: dict) -> list[dict]:
    """Return the events of one round of the two-stage fallback loop, ending with ``message``."""
    return [
        ActionExecuted("action_two_stage_fallback").as_dict(),
        ActiveLoop(None).as_dict(),
        UserUtteranceReverted().as_dict(),
        ActionExecuted("action_listen").as_dict(),
        message,
    ]


def copy_seconds(events: list[dict], repeat: int = 3) -> float:
    """Return the fastest of ``repeat`` copies of a tracker holding ``events``, in seconds."""
    tracker = DialogueStateTracker("bench", [])
    tracker.events.extend(Event.from_parameters(e) for e in events)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        tracker.copy()
        best = min(best, time.perf_counter() - started)
    return best


def run(rounds: list[int]) -> dict:
    """Time tracker copies after each number of fallback rounds, raw and with rewinds resolved."""
    base = json.loads(LEGACY.read_text())["events"]
    message = next(e for e in reversed(base) if e["event"] == "user")
    rows = []
    for k in rounds:
        events = base + [e for _ in range(k) for e in one_round(message)]
        per_copy = copy_seconds(events)
        # the turn so far: one copy per round, each over the history of that round
        so_far = sum(copy_seconds(base + one_round(message) * i, 1) for i in range(0, k, 10)) * 10
        rows.append(
            {
                "rounds": k,
                "events": len(events),
                "copy_ms": per_copy * 1000,
                "turn_so_far_s": so_far,
                "resolved_copy_ms": copy_seconds(without_reverts(events)) * 1000,
            }
        )
        print(f"--> {rows[-1]}", flush=True)
    return {"rows": rows, "machine": machine()}


def markdown(result: dict) -> str:
    """Render the rewind-replay rows as a Markdown table."""
    return table(
        [
            "rounds of the loop",
            "events",
            "one tracker copy, ms",
            "the turn so far (one copy per round, sampled every 10th), s",
            "one copy with the rewinds resolved, ms",
        ],
        [
            [
                r["rounds"],
                r["events"],
                f"{r['copy_ms']:.1f}",
                f"{r['turn_so_far_s']:.1f}",
                f"{r['resolved_copy_ms']:.2f}",
            ]
            for r in result["rows"]
        ],
    )


def main() -> None:
    """Parse the options, time the rounds, print and save the result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, nargs="*", default=[10, 50, 100, 200, 400])
    result = run(parser.parse_args().rounds)
    text = markdown(result)
    print(text)
    save("rewind_replay", result, text)


if __name__ == "__main__":
    main()
