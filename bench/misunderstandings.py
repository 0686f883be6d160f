"""What a turn costs in a conversation the bot keeps not understanding (issue 15).

    .venv/bin/python -m bench.misunderstandings [--turns 60] [--turn-timeout 120]

Two conversations, each alone against Rasa's REST webhook (no gateway timeout in the way):

- **the reproduction**: "had a banging head after my sisters 60th (too much wine lol), drank
  lots of water and its gone today, just checking thats ok", answered by "hmm" four times
  (the two-stage fallback asks "Is this about: A headache?" first);
- **misunderstandings**: the same opening, then noise for ``--turns`` turns in all ("hmm",
  "??", emoji, keyboard mash, half-sentences), cycling through a fixed list.

Each turn records its wall-clock latency, the CPU time the Rasa process spent on it, and the
events the tracker store holds for the conversation afterwards (with the rewinds among them).
A turn that does not answer within ``--turn-timeout`` seconds is recorded as hung; then the
benchmark measures how long Rasa then answers no one (``GET /`` within a second, tried each
second, for at most ``--busy-limit`` seconds), stops that conversation, and starts the next
on a fresh stack (a hung Rasa answers nobody).
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.simulated import new_session_id
from bench.support import median, save, table

OPENING = (
    "had a banging head after my sisters 60th (too much wine lol), drank lots of water and "
    "its gone today, just checking thats ok"
)
REPRODUCTION = (OPENING, "hmm", "hmm", "hmm", "hmm")
NOISE = (
    "hmm",
    "??",
    "\U0001f914",
    "asdfghjkl",
    "hmm",
    "what",
    "...",
    "qwertyuiop",
    "\U0001f642\U0001f642",
    "erm not sure",
    "??!",
    "zxcvbnm",
    "hm",
    "\U0001f937",
    "uh",
    "lkjhg",
)


def misunderstandings(turns: int) -> tuple[str, ...]:
    """Return the opening followed by ``turns - 1`` noise messages the bot cannot understand."""
    return (OPENING, *(NOISE[i % len(NOISE)] for i in range(turns - 1)))


def stored_events(db: Path, session_id: str) -> tuple[int, int]:
    """(events, rewinds) the SQLite tracker store holds for the conversation."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type_name, COUNT(*) FROM events WHERE sender_id = ? GROUP BY type_name",
            (session_id,),
        ).fetchall()
    counts = dict(rows)
    return sum(counts.values()), counts.get("rewind", 0)


def unresponsive_seconds(rasa_url: str, limit: float) -> float:
    """Seconds until Rasa answers ``GET /`` within a second again (a hung event loop answers
    no one), at most ``limit``.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if httpx.get(f"{rasa_url}/", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    return time.monotonic() - started


def play(
    rasa_url: str,
    rasa_pid: int,
    db: Path,
    name: str,
    messages: tuple[str, ...],
    turn_timeout: float,
    busy_limit: float,
) -> dict[str, Any]:
    """Play the messages into Rasa's REST webhook; return per-turn figures, or where it hung."""
    rasa = psutil.Process(rasa_pid)
    session_id = new_session_id(f"mis-{name}")
    records: list[dict[str, Any]] = []
    hung: dict[str, Any] | None = None
    with httpx.Client(timeout=httpx.Timeout(turn_timeout, connect=5)) as client:
        for turn, message in enumerate(messages, start=1):
            cpu_before = sum(rasa.cpu_times()[:2])
            started = time.perf_counter()
            try:
                response = client.post(
                    f"{rasa_url}/webhooks/rest/webhook",
                    json={"sender": session_id, "message": message},
                )
                status: int | str = response.status_code
            except httpx.TimeoutException:
                status = "timeout"
            latency = time.perf_counter() - started
            if status == "timeout":
                busy = unresponsive_seconds(rasa_url, busy_limit)
                hung = {
                    "turn": turn,
                    "after_seconds": latency,
                    "unresponsive_seconds_after": busy,
                    "rasa_cpu": sum(rasa.cpu_times()[:2]) - cpu_before,
                    "still_busy": busy >= busy_limit,
                }
                print(f"--> {name}: turn {turn} hung, then {busy:.0f} s unanswered", flush=True)
                break
            events, rewinds = stored_events(db, session_id)
            records.append(
                {
                    "turn": turn,
                    "message": message,
                    "status": status,
                    "latency": latency,
                    "rasa_cpu": sum(rasa.cpu_times()[:2]) - cpu_before,
                    "events": events,
                    "rewinds": rewinds,
                }
            )
            print(
                f"--> {name}: turn {turn} {status} {latency * 1000:.0f} ms, "
                f"{events} events ({rewinds} rewinds)",
                flush=True,
            )
            time.sleep(0.05)
    return {"name": name, "turns": len(messages), "records": records, "hung": hung}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def markdown(result: dict[str, Any]) -> str:
    """Render the result as a paragraph and a Markdown table, one row per conversation."""
    rows = []
    for conv in result["conversations"]:
        recs = conv["records"]
        by_turn = {r["turn"]: r for r in recs}
        last = recs[-1] if recs else None
        hung = conv["hung"]
        late = [r for r in recs if r["turn"] > conv["turns"] - 10]
        rows.append(
            [
                conv["name"],
                f"{len(recs)}/{conv['turns']}",
                ", ".join(
                    f"{t}: {_ms(by_turn[t]['latency'])} ({_ms(by_turn[t]['rasa_cpu'])})"
                    for t in (1, 2, 3, 4, 5)
                    if t in by_turn
                ),
                "-"
                if not late
                else f"{_ms(median(r['latency'] for r in late))} "
                f"({_ms(max(r['rasa_cpu'] for r in late))})",
                "-"
                if not recs
                else f"{_ms(max(r['latency'] for r in recs))} "
                f"({_ms(max(r['rasa_cpu'] for r in recs))})",
                "-" if last is None else f"{last['events']} ({last['rewinds']})",
                "none"
                if hung is None
                else f"turn {hung['turn']}: no answer in {hung['after_seconds']:.0f} s, then Rasa "
                f"answered no one for {hung['unresponsive_seconds_after']:.0f} s"
                + (" (still hung when stopped)" if hung["still_busy"] else "")
                + f", {hung['rasa_cpu']:.0f} s of Rasa CPU",
            ]
        )
    return (
        "Each conversation alone against Rasa's REST webhook; wall-clock ms per turn (Rasa CPU "
        f"ms in brackets); a turn without an answer in {result['turn_timeout']:.0f} s is hung.\n\n"
        + table(
            [
                "conversation",
                "turns answered",
                "turns 1-5: ms (CPU ms)",
                "last 10 turns: median ms (max CPU ms)",
                "slowest turn ms (max CPU ms)",
                "stored events (rewinds)",
                "hung",
            ],
            rows,
        )
    )


def main() -> None:
    """Play each conversation on a fresh stack of its own; print and save the result."""
    from bench.common import machine
    from bench.support import stack

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--turn-timeout", type=float, default=120.0)
    parser.add_argument("--busy-limit", type=float, default=300.0)
    parser.add_argument("--label", default="", help="a note for the results file")
    args = parser.parse_args()
    cases = [("reproduction", REPRODUCTION), ("misunderstandings", misunderstandings(args.turns))]
    result: dict[str, Any] = {
        "turn_timeout": args.turn_timeout,
        "label": args.label,
        "conversations": [],
    }
    started = time.monotonic()
    for name, messages in cases:
        with stack(f"mis-{name}") as running:
            pid = running.pids()["rasa"]
            result["conversations"].append(
                play(
                    running.rasa_url,
                    pid,
                    running.running.tracker_db,
                    name,
                    messages,
                    args.turn_timeout,
                    args.busy_limit,
                )
            )
    result["minutes"] = (time.monotonic() - started) / 60
    result["machine"] = machine()
    text = markdown(result)
    print(text)
    save("misunderstandings", result, text)


if __name__ == "__main__":
    main()
