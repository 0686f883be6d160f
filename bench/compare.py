"""What a change buys: the same load on a baseline stack and on a variant, interleaved.

    .venv/bin/python -m bench.compare --experiment jsonschema_cache
    .venv/bin/python -m bench.compare --env TF_INTRA_OP_PARALLELISM_THREADS=1 --concurrency 4

Starts both stacks (each with its own state folder and model copy), then runs the same
bounded load (no think time by default: the saturation case) on them in ABBA order for
``--rounds`` rounds, so drift in the load of a shared machine hits both alike. Reports
turns/s, p50/p95 and the Rasa process's CPU milliseconds per turn, the figure that depends
least on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import ExitStack
from typing import Any

from bench.load import Segment, run_segment, warm_up
from bench.simulated import make_target
from bench.support import ms, save, stack, table


async def _measure(stacks, args) -> dict[str, Segment]:
    for s in stacks.values():
        await warm_up(s.gateway_url, s.rasa_url, s.pids())
    merged: dict[str, Segment] = {}
    order = []
    for r in range(args.rounds):
        order += ["baseline", "variant"] if r % 2 == 0 else ["variant", "baseline"]
    for i, name in enumerate(order):
        s = stacks[name]
        target = make_target(args.target, s.gateway_url, s.rasa_url)
        seg = await run_segment(
            target, args.concurrency, args.think, args.seconds, 10**6, s.pids(), seed=i
        )
        rep = seg.report()
        cpu = rep["rasa_cpu_ms_per_turn"] or 0
        print(
            f"--> {name}: {rep['turns_per_second']:.1f} turns/s, "
            f"p95 {ms(rep['latency']['p95'])} ms, rasa {cpu:.0f} ms CPU/turn, "
            f"errors {dict(seg.errors)}",
            flush=True,
        )
        if name in merged:
            merged[name].merge(seg)
        else:
            merged[name] = seg
    return merged


def markdown(result: dict[str, Any]) -> str:
    """Render a comparison result as a heading line and a Markdown table, one row per stack."""
    rows = []
    for name in ("baseline", "variant"):
        r = result[name]
        rows.append(
            [
                name,
                f"{r['turns_per_second']:.1f}",
                ms(r["latency"]["p50"]),
                ms(r["latency"]["p95"]),
                f"{r['rasa_cpu_ms_per_turn']:.0f}" if r["rasa_cpu_ms_per_turn"] else "-",
                sum(v for k, v in r["errors"].items() if k != "conversation_aborted"),
            ]
        )
    head = (
        f"Variant: {result['variant_description']}; {result['target']}, {result['concurrency']} "
        f"concurrent, think {result['think']} s, {result['rounds']} x {result['seconds']} s "
        "per stack (ABBA).\n"
    )
    return head + table(
        ["stack", "turns/s", "p50 ms", "p95 ms", "Rasa CPU ms/turn", "errors"], rows
    )


def main() -> None:
    """Measure the baseline and the variant stack in alternating rounds; print and save both."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--experiment", help="a candidate fix from bench/experiments/")
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the variant stack")
    parser.add_argument(
        "--baseline-env", nargs="*", default=[], help="KEY=VALUE for the baseline stack"
    )
    parser.add_argument("--baseline-experiment", help="candidate fixes applied to both stacks")
    parser.add_argument("--target", choices=["direct", "gateway"], default="direct")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--seconds", type=float, default=20.0, help="per stack and round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    base_env = dict(item.split("=", 1) for item in args.baseline_env)
    variant_experiment = ",".join(filter(None, [args.baseline_experiment, args.experiment]))
    with ExitStack() as stacks_cm:
        stacks = {
            "baseline": stacks_cm.enter_context(
                stack("baseline", experiment=args.baseline_experiment, **base_env)
            ),
            "variant": stacks_cm.enter_context(
                stack("variant", experiment=variant_experiment or None, **env)
            ),
        }
        merged = asyncio.run(_measure(stacks, args))
    description = " ".join(
        ([f"experiment {args.experiment}"] if args.experiment else [])
        + [f"{k}={v}" for k, v in env.items()]
    )
    if base_env or args.baseline_experiment:
        both = [f"{k}={v}" for k, v in base_env.items()]
        if args.baseline_experiment:
            both.append(f"experiment {args.baseline_experiment}")
        description += " (baseline: " + " ".join(both) + ")"
    result = {
        "variant_description": description,
        "target": args.target,
        "concurrency": args.concurrency,
        "think": args.think,
        "seconds": args.seconds,
        "rounds": args.rounds,
        **{name: seg.report() for name, seg in merged.items()},
    }
    text = markdown(result)
    print(text)
    save("compare", result, text)


if __name__ == "__main__":
    main()
