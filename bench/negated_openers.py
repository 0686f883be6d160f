"""Does a message whose only symptom is denied open a line of triage questions?

    python -m bench.negated_openers                      # own stack
    python -m bench.negated_openers --base-url http://127.0.0.1:8000

Each held-out negated-only message (``tests/data/heldout/nlu_negated_*.yml``) opens a fresh
conversation through the chat API. The message "opens questions" when the bot's answer asks
any triage question of ``bot/triage/questions.yml`` or gives a disposition. The intent the
classifier gives such a message is reported by ``bot evaluate``; this measures what the
person sees, which is what issue 13 asks: such a message must not open that symptom's
questions.
"""

from __future__ import annotations

import argparse
import uuid

from bench import score_conversations as player
from bench.common import ROOT, against_gateway
from bot.triage.questions import load_questions
from ops.evaluation import NEGATED_SETS, load_examples

HELDOUT = ROOT / "tests" / "data" / "heldout"


def question_texts() -> frozenset[str]:
    """Every text the triage asks a question with, in any category."""
    bank = load_questions()
    return frozenset(q.text for qs in bank.by_category.values() for q in qs)


def opens_questions(base_url: str, message: str, questions: frozenset[str]) -> str | None:
    """The first triage question (or disposition level) the bot answers ``message`` with."""
    answer = player.chat(base_url, f"neg-{uuid.uuid4().hex[:16]}", message)
    if answer.get("triage"):
        return f"disposition {answer['triage']['level']}"
    return next((r["text"] for r in answer["replies"] if r.get("text") in questions), None)


def run(base_url: str) -> dict:
    """Plays every negated-only message; returns the count and the ones that opened questions."""
    questions = question_texts()
    examples = [ex for name in NEGATED_SETS for ex in load_examples(HELDOUT / name)]
    opened = []
    for example in examples:
        asked = opens_questions(base_url, example.text, questions)
        if asked:
            opened.append({"text": example.text, "asked": asked})
    return {"n": len(examples), "opened": opened}


def main(argv: list[str] | None = None) -> int:
    """Play the negated-only messages; return 1 if any opened triage questions, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running gateway (default: start our own stack)")
    args = parser.parse_args(argv)
    result = against_gateway(args.base_url, "bench-negated-", run)
    print(
        f"negated-only messages that opened triage questions: {len(result['opened'])} "
        f"of {result['n']}"
    )
    for item in result["opened"]:
        print(f"  {item['asked']!r:.70}  <- {item['text']!r}")
    return 0 if not result["opened"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
