"""Free-text conversation sets played through the chat API by the shared simulated survivor.

    python -m bench.conversations                  # the frozen held-out sets, own stack
    python -m bench.conversations --set dev        # the development set
    python -m bench.conversations --base-url http://127.0.0.1:8000 --set all

Each set is a file in the format of ``bench/score_conversations.py`` (the player independent
evaluations use). The figures per set: conversations, exact agreement, emergency recall,
unsafe (an emergency missed, or two levels too low, or no disposition), no disposition,
over-triage, and the median number of bot questions to a disposition. The held-out sets are
for measuring only: never change the product because of what one of their conversations did.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Iterable
from pathlib import Path

from bench import score_conversations as player
from bench.common import ROOT, against_gateway

DATA = ROOT / "tests" / "data"
SETS = {
    "heldout": sorted((DATA / "heldout").glob("conversations_*.yml")),
    "dev": sorted((DATA / "dev").glob("conversations_*.yml")),
}
SETS["all"] = SETS["heldout"] + SETS["dev"]


def _questions(result: dict, opening_messages: int) -> int:
    """Bot questions answered before the disposition (each reply answers one)."""
    return max(0, result["turns"] - opening_messages)


def score_set(base_url: str, path: Path, max_turns: int = 10) -> dict:
    """Plays every conversation of one file; returns the figures and the failures' ids."""
    vignettes = player.load_vignettes(path)
    results = [player.judge(player.run_vignette(base_url, v, max_turns)) for v in vignettes]
    triaged = [r for r in results if r["expected"] != "info"]
    emergencies = [r for r in results if r["expected"] == "emergency"]
    questions = [
        _questions(r, len(v["opening"]))
        for r, v in zip(results, vignettes, strict=True)
        if r["expected"] != "info" and r["got"] in player.RANK
    ]
    return {
        "set": path.name,
        "n": len(results),
        "exact": sum(r["passed"] for r in results) / len(results),
        "emergency_recall": (
            sum(r["got"] == "emergency" for r in emergencies) / len(emergencies)
            if emergencies
            else 1.0
        ),
        "unsafe": sum(r["unsafe"] for r in results),
        "no_disposition": sum(r["got"] not in player.RANK for r in triaged),
        "over": sum(r["over"] for r in results) / len(results),
        "median_questions": statistics.median(questions) if questions else 0,
        "failed": [r["id"] for r in results if not r["passed"]],
    }


def table(rows: Iterable[dict]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| set | n | exact | emergency recall | unsafe | no disposition | over-triage "
        "| median questions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['n']} | {r['exact']:.2f} | {r['emergency_recall']:.2f} "
            f"| {r['unsafe']} | {r['no_disposition']} | {r['over']:.2f} "
            f"| {r['median_questions']:g} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Score the conversation sets against a gateway; return 1 if any outcome was unsafe, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running gateway (default: start our own stack)")
    parser.add_argument("--set", default="heldout", choices=sorted(SETS))
    parser.add_argument("--file", type=Path, action="append", default=[], help="other set files")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    files = args.file or SETS[args.set]

    def run(base_url: str) -> list[dict]:
        rows = []
        for path in files:
            row = score_set(base_url, path)
            print(
                f"{row['set']}: exact={row['exact']:.2f} recall={row['emergency_recall']:.2f} "
                f"unsafe={row['unsafe']} none={row['no_disposition']} n={row['n']}",
                flush=True,
            )
            rows.append(row)
        return rows

    rows = against_gateway(args.base_url, "bench-conversations-", run)
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    unsafe = sum(r["unsafe"] for r in rows)
    return 0 if unsafe == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
