"""Load: simulated survivors playing whole triage conversations, through the gateway (its chat
API and its Socket.IO door) and straight to Rasa's REST webhook, in the same run; then a
saturation search.

    .venv/bin/python -m bench.load                       # starts its own stack
    .venv/bin/python -m bench.load --levels 1 10 20 50 --duration 60 --think 2
    .venv/bin/python -m bench.load --gateway http://127.0.0.1:8000 --rasa http://127.0.0.1:5005
    .venv/bin/python -m bench.load --no-saturation / --saturation-only

Each concurrency level runs each target for ``--duration`` seconds or ``--max-conversations``
conversations, whichever comes first; the order of the targets alternates from level to level
(and round to round with ``--rounds``) so drift on a shared machine does not favour one. A
simulated person waits ``--think`` seconds (x0.5-1.5, random) between turns. When the window
closes, conversations still running are abandoned (not errors). Errors: non-2xx, timeouts,
connection errors, empty replies (Rasa's 200 with ``[]``), and conversations that never
reached a disposition (no recognisable question, or more than 25 turns).

Saturation: no think time, concurrency 1, 2, 3, 4, 6, 8, 12, 16 against direct Rasa (one
replica), ``--step-seconds`` each, stopping once p95 passes 500 ms; the answer is the highest
turn rate with p95 < 500 ms and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from bench.simulated import (
    MAX_TURNS,
    TARGETS,
    Target,
    answer_for,
    make_target,
    new_session_id,
    pick_opening,
)
from bench.support import CpuSampler, cpu_note, ms, save, summary, table

SATURATION_STEPS = (1, 2, 3, 4, 6, 8, 12, 16)
SATURATION_P95 = 0.5
REQUEST_TIMEOUT = 30.0


@dataclass
class Segment:
    target: str
    level: int
    think: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    dispositions: Counter = field(default_factory=Counter)
    conversations_started: int = 0
    conversations_completed: int = 0
    conversations_abandoned: int = 0
    turns_per_conversation: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: dict[str, Any] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        """Total number of errors of every kind."""
        return sum(self.errors.values())

    def merge(self, other: Segment) -> None:
        """Add another segment's turns, errors, conversations, time and CPU seconds to this one."""
        for name, seconds in (other.cpu.get("cpu_seconds") or {}).items():
            mine = self.cpu.setdefault("cpu_seconds", {})
            mine[name] = mine.get(name, 0.0) + seconds
        self.latencies += other.latencies
        self.errors += other.errors
        self.dispositions += other.dispositions
        self.conversations_started += other.conversations_started
        self.conversations_completed += other.conversations_completed
        self.conversations_abandoned += other.conversations_abandoned
        self.turns_per_conversation += other.turns_per_conversation
        self.elapsed += other.elapsed
        self.cpu = other.cpu if not self.cpu else self.cpu

    def report(self) -> dict[str, Any]:
        """Return the segment's figures for the report: counts, turns/s, latency, Rasa CPU/turn."""
        data = asdict(self)
        del data["latencies"]
        data["errors"] = dict(self.errors)
        data["dispositions"] = dict(self.dispositions)
        data["turns"] = len(self.latencies)
        data["turns_per_second"] = len(self.latencies) / self.elapsed if self.elapsed else 0.0
        data["latency"] = summary(self.latencies)
        rasa_cpu = (self.cpu.get("cpu_seconds") or {}).get("rasa")
        data["rasa_cpu_ms_per_turn"] = (
            1000 * rasa_cpu / len(self.latencies) if rasa_cpu and self.latencies else None
        )
        del data["turns_per_conversation"]
        data["mean_turns_per_conversation"] = (
            sum(self.turns_per_conversation) / len(self.turns_per_conversation)
            if self.turns_per_conversation
            else None
        )
        return data


async def run_segment(
    target: Target,
    level: int,
    think: float,
    duration: float,
    max_conversations: int,
    pids: dict[str, int],
    seed: int,
) -> Segment:
    """``level`` simulated people, each playing conversations back to back."""
    seg = Segment(target.name, level, think)
    rng = random.Random(seed)
    started = time.monotonic()
    deadline = started + duration
    limits = httpx.Limits(max_connections=level + 5, max_keepalive_connections=level + 5)

    async def pause(seconds: float) -> bool:
        """Sleeps (bounded by the window); False when the window closed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(seconds, remaining))
        return time.monotonic() < deadline

    async def conversation(client: httpx.AsyncClient) -> None:
        session_id = new_session_id(f"{target.name[0]}{level}")
        try:
            await play(client, session_id)
        finally:
            await target.end(session_id)

    async def play(client: httpx.AsyncClient, session_id: str) -> None:
        message = pick_opening(rng)
        for turn in range(1, MAX_TURNS + 1):
            if time.monotonic() >= deadline:
                seg.conversations_abandoned += 1
                return
            result = await target.send(client, session_id, message)
            if not result.ok:
                seg.errors[result.error or "error"] += 1
                seg.errors["conversation_aborted"] += 1
                return
            seg.latencies.append(result.latency)
            if result.triage is not None:
                seg.conversations_completed += 1
                seg.dispositions[str(result.triage.get("level"))] += 1
                seg.turns_per_conversation.append(turn)
                return
            answer = answer_for(result.texts)
            if answer is None:
                seg.errors["no_disposition"] += 1
                return
            message = answer
            if think and not await pause(think * rng.uniform(0.5, 1.5)):
                seg.conversations_abandoned += 1
                return
        seg.errors["no_disposition"] += 1

    async def person(client: httpx.AsyncClient) -> None:
        # Stagger the first arrivals over one think time so the people don't move in step.
        if think and not await pause(rng.uniform(0, think)):
            return
        while time.monotonic() < deadline and seg.conversations_started < max_conversations:
            seg.conversations_started += 1
            await conversation(client)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        with CpuSampler(pids) as sampler:
            try:
                await asyncio.wait_for(
                    asyncio.gather(*(person(client) for _ in range(level))),
                    timeout=duration + 2 * REQUEST_TIMEOUT,
                )
            except asyncio.TimeoutError:
                seg.errors["window_overrun"] += 1
        seg.cpu = sampler.result()
    seg.elapsed = time.monotonic() - started
    return seg


async def warm_up(
    gateway_url: str, rasa_url: str, pids: dict[str, int], targets: tuple[str, ...] = TARGETS
) -> None:
    """One full conversation per target: the first TensorFlow calls are slow."""
    for name in targets:
        target = make_target(name, gateway_url, rasa_url)
        await run_segment(target, 1, 0.0, 120, 1, pids, seed=0)


async def run_levels(
    gateway_url: str,
    rasa_url: str,
    pids: dict[str, int],
    levels: list[int],
    think: float,
    duration: float,
    max_conversations: int,
    rounds: int,
    targets: tuple[str, ...] = TARGETS,
) -> list[dict[str, Any]]:
    """Run each target at each concurrency level; return per level the reports and p95 ratios."""
    results = []
    for i, level in enumerate(levels):
        merged: dict[str, Segment] = {}
        for r in range(rounds):
            # Each level and round starts with another target, so drift favours none.
            shift = (i + r) % len(targets)
            order = list(targets[shift:] + targets[:shift])
            for name in order:
                target = make_target(name, gateway_url, rasa_url)
                print(f"--> {name} at {level} concurrent (round {r + 1}/{rounds})", flush=True)
                seg = await run_segment(
                    target,
                    level,
                    think,
                    duration / rounds,
                    max(1, max_conversations // rounds),
                    pids,
                    seed=1000 * level + 10 * r + targets.index(name),
                )
                print(
                    f"    {len(seg.latencies)} turns, p95 {ms(summary(seg.latencies)['p95'])} ms,"
                    f" errors {dict(seg.errors)}, cpu {cpu_note(seg.cpu)}",
                    flush=True,
                )
                if name in merged:
                    merged[name].merge(seg)
                else:
                    merged[name] = seg
        entry: dict[str, Any] = {"level": level, "think": think}
        for name, seg in merged.items():
            entry[name] = seg.report()
        d = entry.get("direct", {}).get("latency", {}).get("p95")
        for name in targets:
            if name == "direct":
                continue
            p95 = entry[name]["latency"]["p95"]
            key = "p95_ratio_gateway_direct" if name == "gateway" else f"p95_ratio_{name}_direct"
            entry[key] = p95 / d if p95 and d else None
        results.append(entry)
    return results


async def run_saturation(
    gateway_url: str,
    rasa_url: str,
    pids: dict[str, int],
    target_name: str,
    step_seconds: float,
    steps: tuple[int, ...] = SATURATION_STEPS,
) -> dict[str, Any]:
    """Raise one target's concurrency step by step; return the steps and the best passing rate."""
    target = make_target(target_name, gateway_url, rasa_url)
    rows = []
    for level in steps:
        print(f"--> saturation: {target_name} at {level} concurrent, no think time", flush=True)
        seg = await run_segment(target, level, 0.0, step_seconds, 10**6, pids, seed=level)
        report = seg.report()
        rows.append(report)
        print(
            f"    {report['turns_per_second']:.1f} turns/s, p95 {ms(report['latency']['p95'])} ms,"
            f" errors {dict(seg.errors)}, cpu {cpu_note(seg.cpu)}",
            flush=True,
        )
        if (report["latency"]["p95"] or 0) > SATURATION_P95 * 1.5 or seg.error_count:
            break
    passing = [
        r
        for r in rows
        if r["latency"]["p95"] is not None
        and r["latency"]["p95"] < SATURATION_P95
        and not r["errors"]
    ]
    best = max(passing, key=lambda r: r["turns_per_second"], default=None)
    return {
        "target": target_name,
        "step_seconds": step_seconds,
        "steps": rows,
        "best_turns_per_second": best["turns_per_second"] if best else 0.0,
        "best_level": best["level"] if best else None,
        "best_p95": best["latency"]["p95"] if best else None,
    }


# --- report ------------------------------------------------------------------------------


def _errors(report: dict[str, Any]) -> str:
    errors = {k: v for k, v in report["errors"].items() if k != "conversation_aborted"}
    return ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "0"


def markdown(result: dict[str, Any]) -> str:
    """Render a load result (levels and saturation) as Markdown text and tables."""
    parts = []
    if result.get("levels"):
        rows = []
        for entry in result["levels"]:
            for name in [t for t in TARGETS if t in entry]:
                r = entry[name]
                ratio = entry.get(
                    "p95_ratio_gateway_direct" if name == "gateway" else f"p95_ratio_{name}_direct"
                )
                lat = r["latency"]
                rows.append(
                    [
                        entry["level"],
                        name,
                        ms(lat["p50"]),
                        ms(lat["p95"]),
                        ms(lat["p99"]),
                        f"{r['turns_per_second']:.1f}",
                        r["turns"],
                        f"{r['conversations_completed']}/{r['conversations_started']}",
                        _errors(r),
                        f"{ratio:.2f}" if name != "direct" and ratio else "",
                        cpu_note(r["cpu"]),
                    ]
                )
        parts.append(
            f"Think time {result['think']} s (x0.5-1.5), {result['duration']} s per target and "
            f"level (max {result['max_conversations']} conversations), {result['rounds']} "
            "round(s); latency in ms over successful turns; conversations completed/started "
            "(the rest were still running when the window closed); CPU in % of one core "
            "(mean over the window; 'others' is the rest of the shared machine).\n"
        )
        parts.append(
            table(
                [
                    "concurrent",
                    "target",
                    "p50",
                    "p95",
                    "p99",
                    "turns/s",
                    "turns",
                    "conversations",
                    "errors",
                    "p95 / direct",
                    "CPU %",
                ],
                rows,
            )
        )
    sat = result.get("saturation")
    if sat:
        rows = [
            [
                r["level"],
                f"{r['turns_per_second']:.1f}",
                ms(r["latency"]["p50"]),
                ms(r["latency"]["p95"]),
                ms(r["latency"]["p99"]),
                _errors(r),
                cpu_note(r["cpu"]),
            ]
            for r in sat["steps"]
        ]
        parts.append(
            f"\nSaturation ({sat['target']}, one Rasa replica, no think time, "
            f"{sat['step_seconds']} s per step):\n"
        )
        parts.append(table(["concurrent", "turns/s", "p50", "p95", "p99", "errors", "CPU %"], rows))
        parts.append(
            f"\nHighest rate with p95 < 500 ms: **{sat['best_turns_per_second']:.1f} full triage "
            f"turns/s** (at {sat['best_level']} concurrent, p95 {ms(sat['best_p95'])} ms)."
        )
    return "\n".join(parts)


async def run(
    gateway_url: str,
    rasa_url: str,
    pids: dict[str, int],
    levels: list[int],
    think: float,
    duration: float,
    max_conversations: int,
    rounds: int,
    saturation: bool,
    saturation_target: str,
    step_seconds: float,
    targets: tuple[str, ...] = TARGETS,
) -> dict[str, Any]:
    """Warm up, then run the levels and, if asked, the saturation test; return all the figures."""
    await warm_up(gateway_url, rasa_url, pids, targets)
    result: dict[str, Any] = {
        "think": think,
        "duration": duration,
        "max_conversations": max_conversations,
        "rounds": rounds,
        "levels": [],
    }
    if levels:
        result["levels"] = await run_levels(
            gateway_url, rasa_url, pids, levels, think, duration, max_conversations, rounds, targets
        )
    if saturation:
        result["saturation"] = await run_saturation(
            gateway_url, rasa_url, pids, saturation_target, step_seconds
        )
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the load test's options to ``parser``."""
    parser.add_argument("--levels", type=int, nargs="*", default=[1, 10, 20, 50])
    parser.add_argument("--think", type=float, default=2.0, help="seconds between turns")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per target/level")
    parser.add_argument("--max-conversations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds per level")
    parser.add_argument("--no-saturation", action="store_true")
    parser.add_argument("--saturation-only", action="store_true")
    parser.add_argument("--saturation-target", choices=["direct", "gateway"], default="direct")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument(
        "--targets", nargs="*", choices=list(TARGETS), default=list(TARGETS), help="per level"
    )


def run_with(args: argparse.Namespace, gateway_url: str, rasa_url: str, pids) -> dict:
    """Run the load test with the options in ``args`` against the given gateway and Rasa."""
    return asyncio.run(
        run(
            gateway_url,
            rasa_url,
            pids,
            [] if args.saturation_only else args.levels,
            args.think,
            args.duration,
            args.max_conversations,
            args.rounds,
            not args.no_saturation,
            args.saturation_target,
            args.step_seconds,
            tuple(args.targets),
        )
    )


def main() -> None:
    """Run the load test on a given or a started stack; print and save the result."""
    from bench.common import machine
    from bench.support import pids_by_url, stack

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument(
        "--gateway", help="use a running gateway (loopback) instead of starting one"
    )
    parser.add_argument("--rasa", help="its Rasa server (loopback)")
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the started stack")
    parser.add_argument("--experiment", help="a candidate fix from bench/experiments/")
    args = parser.parse_args()
    if args.gateway and args.rasa:
        pids = pids_by_url({"gateway": args.gateway, "rasa": args.rasa})
        result = run_with(args, args.gateway, args.rasa, pids)
    else:
        env = dict(item.split("=", 1) for item in args.env)
        with stack("load", experiment=args.experiment, **env) as running:
            result = run_with(args, running.gateway_url, running.rasa_url, running.pids())
            result["rss_mb"] = running.rss_mb()
        result["stack_env"] = env
        result["experiment"] = args.experiment
    result["machine"] = machine()
    text = markdown(result)
    print(text)
    save("load", result, text)


if __name__ == "__main__":
    main()
