"""What one turn's tracker read costs as a conversation grows, before and after the bounded query.

    .venv/bin/python -m bench.tracker_retrieve [--turns 10 100 200 500] [--repeat 30] [--postgres]

Fills Rasa's ``events`` table (through ``BoundedSQLTrackerStore.save``, as the running bot
does) with one conversation per length: small talk turns with a slot set now and then, the
triage form active, three events per turn plus slots. Then times ``retrieve`` two ways on
the same rows: *whole session*, the store's former read (every row of the session as an ORM
object, each JSON-decoded, then cut to the recent turns by ``recent_events``), and *bounded*,
the store's read now (the rows from the cut on, plus the latest row of each slot and of the
active loop before it). Both hand Rasa the same tracker (checked). Median and p95 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bench.common import ROOT, machine
from bench.support import save, table
from components.tracker_store import BoundedSQLTrackerStore, recent_events
from ops.stack import drop_database, ensure_database

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def fill(store: BoundedSQLTrackerStore, domain: Domain, sender: str, turns: int) -> None:
    """Save a tracker of ``turns`` user turns for ``sender`` in the store."""
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(ActiveLoop("triage_form"))
    for n in range(turns):
        tracker.update(UserUttered(f"message {n}", {"name": "inform", "confidence": 0.9}))
        if n % 5 == 0:
            tracker.update(SlotSet("triage_step", f"step {n}"))
        tracker.update(ActionExecuted("utter_go_ahead"))
        tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))


def whole_session(store: BoundedSQLTrackerStore, sender: str) -> list[dict[str, Any]]:
    """The store's read before the bounded query."""
    with store.session_scope() as session:
        rows = store._event_query(session, sender, fetch_events_from_all_sessions=False).all()
        events = [json.loads(row.data) for row in rows]
    return recent_events(events, store.recent_turns)


def bounded(store: BoundedSQLTrackerStore, sender: str) -> list[dict[str, Any]]:
    """The store's bounded read of the conversation's recent events."""
    with store.session_scope() as session:
        return store._recent_session_events(session, sender)


def timed(read, store, domain: Domain, sender: str, repeat: int) -> list[float]:
    """Return the seconds taken by each of ``repeat`` tracker builds from ``read``'s events."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        DialogueStateTracker.from_dict(sender, read(store, sender), domain.slots)
        times.append(time.perf_counter() - started)
    return times


def run(url: str, turns: list[int], repeat: int, domain: Domain) -> list[dict[str, Any]]:
    """Time the whole-session and the bounded read for each conversation length."""
    store = BoundedSQLTrackerStore(domain=domain, host=url)
    rows = []
    for n in turns:
        sender = f"bench-{n}-{secrets.token_hex(3)}"
        fill(store, domain, sender, n)
        assert whole_session(store, sender) == bounded(store, sender), "different trackers"
        old = timed(whole_session, store, domain, sender, repeat)
        new = timed(bounded, store, domain, sender, repeat)
        rows.append(
            {
                "turns": n,
                "whole_median": statistics.median(old),
                "whole_p95": sorted(old)[int(0.95 * (len(old) - 1))],
                "bounded_median": statistics.median(new),
                "bounded_p95": sorted(new)[int(0.95 * (len(new) - 1))],
            }
        )
        print(
            f"--> {n} turns: whole session {1000 * rows[-1]['whole_median']:.1f} ms, "
            f"bounded {1000 * rows[-1]['bounded_median']:.1f} ms",
            flush=True,
        )
    store.engine.dispose()
    return rows


def run_sqlite(turns: list[int], repeat: int, domain: Domain | None = None) -> list[dict[str, Any]]:
    """``run`` on a temporary SQLite file (the product's default store)."""
    domain = domain or Domain.load(str(ROOT / "domain.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{Path(tmp) / 'rasa.db'}", turns, repeat, domain)


def markdown(results: dict[str, list[dict[str, Any]]]) -> str:
    """Render the results as one Markdown table per store backend."""
    out = []
    for backend, rows in results.items():
        out.append(
            table(
                [
                    f"{backend}: turns in the session",
                    "whole session median / p95 ms",
                    "bounded median / p95 ms",
                ],
                [
                    [
                        r["turns"],
                        f"{1000 * r['whole_median']:.1f} / {1000 * r['whole_p95']:.1f}",
                        f"{1000 * r['bounded_median']:.1f} / {1000 * r['bounded_p95']:.1f}",
                    ]
                    for r in rows
                ],
            )
        )
    return "\n\n".join(out)


def main() -> None:
    """Time the tracker reads on SQLite (and PostgreSQL with ``--postgres``); print and save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, nargs="*", default=[10, 100, 200, 500])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also on 127.0.0.1:5432")
    args = parser.parse_args()
    domain = Domain.load(str(ROOT / "domain.yml"))
    results = {"SQLite": run_sqlite(args.turns, args.repeat, domain)}
    if args.postgres:
        database = f"{POSTGRES}/bench_retrieve_{secrets.token_hex(3)}"
        ensure_database(database)
        try:
            results["PostgreSQL"] = run(database, args.turns, args.repeat, domain)
        finally:
            drop_database(database)
    text = markdown(results)
    print(f"\nMachine: {machine()}\n\n{text}")
    save("tracker_retrieve", {"machine": machine(), "results": results}, text)


if __name__ == "__main__":
    main()
