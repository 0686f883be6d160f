"""One long conversation (220 turns by default): does turn 200 cost more than turn 5?

    .venv/bin/python -m bench.long_conversation [--turns 220] [--targets direct gateway]

The simulated person keeps the bot busy the way a long chat would, in one session (no pause
long enough to expire it): questions and small talk ("what is metastatic breast cancer",
"thanks", scans, symptoms to watch) on turns 1-10 and between triages, and a triage of a
new symptom, answered question by question to its disposition, at turns 11, 51, 91, ...
For each target the conversation runs alone (sequential turns, no other load), and each turn
records its wall-clock latency and the CPU time the Rasa process spent on it (less sensitive
to what else a shared machine is doing). Reported, comparing the same kind of turns: small
talk on turns 1-10 ("turn 5") against turns 195-205 ("turn 200"), target ratio <= 1.2; and
the opening symptom report of each triage (turns 11, 51, ...).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import httpx
import psutil

from bench.simulated import OPENINGS, answer_for, make_target, new_session_id
from bench.support import median, save, table

#: Questions and small talk between triages, in this order, over and over.
CHAT = (
    "what is metastatic breast cancer",
    "thanks, that's helpful",
    "should I be having regular scans even though I feel fine?",
    "which symptoms should I look out for?",
)
#: A new triage (a different symptom each time) starts at these turns; none runs into the
#: turn-200 window (a triage takes 8-15 turns here).
TRIAGE_EVERY = 40
TRIAGE_FIRST = 11
EARLY = (1, 10)  # around turn 5
LATE = (195, 205)  # around turn 200


def play(target, rasa_pid: int | None, turns: int) -> list[dict[str, Any]]:
    """Small talk on turns 1-10, a triage at turn 11, 51, 91, ..., small talk in between.

    Each record says whether the turn was small talk or part of a triage, so windows compare
    like with like.
    """
    rasa = psutil.Process(rasa_pid) if rasa_pid else None
    session_id = new_session_id(f"long-{target.name}")
    records: list[dict[str, Any]] = []
    chat_index = 0
    triage_count = 0
    answer: str | None = None  # the reply to the bot's pending triage question
    with httpx.Client(timeout=60) as client:
        for turn in range(1, turns + 1):
            if answer is not None:
                message, kind = answer, "triage"
            elif turn >= TRIAGE_FIRST and (turn - TRIAGE_FIRST) % TRIAGE_EVERY == 0:
                message, kind = OPENINGS[triage_count % len(OPENINGS)], "triage"
                triage_count += 1
            else:
                message, kind = CHAT[chat_index % len(CHAT)], "chat"
                chat_index += 1
            cpu_before = sum(rasa.cpu_times()[:2]) if rasa else 0.0
            result = target.send_sync(client, session_id, message)
            cpu = sum(rasa.cpu_times()[:2]) - cpu_before if rasa else None
            records.append(
                {
                    "turn": turn,
                    "kind": kind,
                    "triage_number": triage_count if kind == "triage" else None,
                    "message": message,
                    "ok": result.ok,
                    "error": result.error,
                    "latency": result.latency,
                    "rasa_cpu": cpu,
                    "disposition": (result.triage or {}).get("level"),
                }
            )
            answer = None
            if kind == "triage" and result.ok and result.triage is None:
                answer = answer_for(result.texts)
            time.sleep(0.05)
    return records


def _stats(chosen: list[dict[str, Any]]) -> dict[str, Any]:
    cpu = [r["rasa_cpu"] for r in chosen if r["rasa_cpu"] is not None]
    return {
        "latency": median(r["latency"] for r in chosen),
        # CPU times tick in 10 ms steps: the mean resolves them better than the median
        "rasa_cpu": sum(cpu) / len(cpu) if cpu else None,
        "n": len(chosen),
    }


def _ratio(late: dict[str, Any], early: dict[str, Any], key: str) -> float | None:
    return late[key] / early[key] if late[key] and early[key] else None


def windows(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the chat turns' stats early and late, the triage openings and late/early ratios."""
    ok = [r for r in records if r["ok"]]
    early = _stats([r for r in ok if EARLY[0] <= r["turn"] <= EARLY[1] and r["kind"] == "chat"])
    late = _stats([r for r in ok if LATE[0] <= r["turn"] <= LATE[1] and r["kind"] == "chat"])
    # The first turn of each triage (the symptom report) is the same kind of turn each time;
    # later triages ask fewer questions (red flags already answered in this conversation).
    openings = [r for r in ok if r["kind"] == "triage" and r["message"] in OPENINGS]
    return {
        "chat, turns 1-10": early,
        "chat, turns 195-205": late,
        "triage openings": [
            {"turn": r["turn"], "latency": r["latency"], "rasa_cpu": r["rasa_cpu"]}
            for r in openings
        ],
        "ratio_latency": _ratio(late, early, "latency"),
        "ratio_rasa_cpu": _ratio(late, early, "rasa_cpu"),
    }


def run(gateway_url: str, rasa_url: str, rasa_pid: int | None, turns: int, targets) -> dict:
    """Play one long conversation through each target; return the windows, counts and records."""
    result: dict[str, Any] = {"turns": turns, "targets": {}}
    for name in targets:
        target = make_target(name, gateway_url, rasa_url)
        print(f"--> long conversation, {turns} turns, {name}", flush=True)
        records = play(target, rasa_pid, turns)
        errors = [r for r in records if not r["ok"]]
        result["targets"][name] = {
            "windows": windows(records),
            "errors": len(errors),
            "dispositions": sum(1 for r in records if r["disposition"]),
            "records": records,
        }
    return result


def markdown(result: dict[str, Any]) -> str:
    """Render a long-conversation result as a paragraph and a Markdown table, one row per target."""
    rows = []
    spans: list[str] = []
    for name, data in result["targets"].items():
        w = data["windows"]
        spans = [k for k in w if k.startswith("chat")]
        cells = [name]
        for span in spans:
            lat, cpu = w[span]["latency"], w[span]["rasa_cpu"]
            cells.append(
                "-"
                if lat is None
                else f"{lat * 1000:.0f} ms" + (f" ({cpu * 1000:.0f} ms CPU)" if cpu else "")
            )

        def r(key: str, w: dict[str, Any] = w) -> str:
            return f"{w[key]:.2f}" if w[key] else "-"

        cells.append(f"{r('ratio_latency')} (CPU {r('ratio_rasa_cpu')})")
        cells.append(
            ", ".join(
                f"{o['turn']}: {o['latency'] * 1000:.0f}"
                + (f" ({o['rasa_cpu'] * 1000:.0f})" if o["rasa_cpu"] is not None else "")
                for o in w["triage openings"]
            )
        )
        cells.append(f"{data['dispositions']} / {data['errors']}")
        rows.append(cells)
    headers = [
        "target",
        *spans,
        "turn 200 / turn 5 (chat)",
        "symptom report at turn: ms (Rasa CPU ms)",
        "dispositions / errors",
    ]
    return (
        f"One conversation of {result['turns']} turns per target, sequential (no other load "
        "from the benchmark): small talk and questions (what is metastatic breast cancer, "
        "thanks, scans, symptoms to watch) on turns 1-10 and between triages, a new triage at "
        f"turns {TRIAGE_FIRST}, {TRIAGE_FIRST + TRIAGE_EVERY}, ... Median wall-clock latency "
        "per turn (mean Rasa CPU time per turn); ratios compare the same kind of turns.\n\n"
        + table(headers, rows)
    )


def main() -> None:
    """Play the long conversation on a given or a started stack; print and save the result."""
    from bench.common import machine
    from bench.support import pids_by_url, stack

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=220)
    parser.add_argument("--targets", nargs="*", default=["direct", "gateway"])
    parser.add_argument("--gateway", help="use a running gateway (loopback)")
    parser.add_argument("--rasa", help="its Rasa server (loopback)")
    parser.add_argument("--experiment", help="a candidate fix from bench/experiments/")
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the started stack")
    args = parser.parse_args()
    if args.gateway and args.rasa:
        pid = pids_by_url({"rasa": args.rasa}).get("rasa")
        result = run(args.gateway, args.rasa, pid, args.turns, args.targets)
    else:
        env = dict(item.split("=", 1) for item in args.env)
        with stack("long", experiment=args.experiment, **env) as running:
            result = run(
                running.gateway_url,
                running.rasa_url,
                running.pids().get("rasa"),
                args.turns,
                args.targets,
            )
    result["machine"] = machine()
    text = markdown(result)
    print(text)
    save("long_conversation", result, text)


if __name__ == "__main__":
    main()
