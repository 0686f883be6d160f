"""Throughput with one and with two Rasa replicas, in the scale-out configuration.

    .venv/bin/python -m bench.scale_out [--replicas 1 2] [--step-seconds 20]

Each configuration is what ``make run-scaled`` starts: Rasa replicas sharing a PostgreSQL
tracker store and a Redis lock store on 127.0.0.1, the gateway keeping each conversation on
one replica. Only ``RASA_REPLICAS`` differs, and each configuration gets a database of its
own (dropped afterwards). The load is the saturation search of ``bench.load`` (simulated
people, no think time) through the gateway, since the gateway is what spreads conversations
over the replicas; the answer is the highest turn rate with p95 < 500 ms and no errors.
On a 2-core machine both replicas share the two cores with the gateway, the action server,
PostgreSQL and the load generator, so the gain is bounded by the cores, not by Rasa.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from typing import Any

from bench.load import run_saturation, warm_up
from bench.support import ms, save, stack, table
from ops.local_stack import listening_pids
from ops.stack import drop_database

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/3"
STEPS = (1, 2, 4, 6, 8, 12, 16, 24)


def measure(replicas: int, step_seconds: float) -> dict[str, Any]:
    """Saturate ``replicas`` Rasa replicas (PostgreSQL) through the gateway; return the steps."""
    database = f"{POSTGRES}/bench_scale_{replicas}_{secrets.token_hex(3)}"
    env = {
        "RASA_REPLICAS": str(replicas),
        "TRACKER_STORE_URL": database,
        "LOCK_STORE_URL": REDIS,
    }
    try:
        with stack(f"scale{replicas}", **env) as running:
            ports = dict(running.running.ports)
            for i in range(1, replicas):
                ports[f"rasa{i + 1}"] = ports["rasa"] + i
            pids = listening_pids(ports)
            asyncio.run(warm_up(running.gateway_url, running.rasa_url, pids))
            result = asyncio.run(
                run_saturation(
                    running.gateway_url, running.rasa_url, pids, "gateway", step_seconds, STEPS
                )
            )
    finally:
        drop_database(database)
    result["replicas"] = replicas
    return result


def _cpu(step: dict[str, Any]) -> str:
    means = step["cpu"]["cpu_percent_mean"]
    names = [*sorted(n for n in means if n.startswith("rasa")), "gateway", "actions"]
    parts = [f"{n} {means[n]:.0f}" for n in names if means.get(n) is not None]
    others = step["cpu"].get("others_cpu_percent")
    if others is not None:
        parts.append(f"others {others:.0f}")
    return " / ".join(parts)


def markdown(results: list[dict[str, Any]]) -> str:
    """Render the results as a Markdown table, with the turn-rate ratio when there are two."""
    rows = []
    for r in results:
        best = next((s for s in r["steps"] if s["level"] == r["best_level"]), None)
        rows.append(
            [
                r["replicas"],
                f"{r['best_turns_per_second']:.1f}",
                r["best_level"] or "-",
                ms(r["best_p95"]),
                _cpu(best) if best else "-",
            ]
        )
    lines = [
        "Saturation through the gateway (no think time), PostgreSQL tracker store and Redis "
        "lock store on 127.0.0.1; CPU in % of one core at the best step.",
        "",
        table(["Rasa replicas", "turns/s (p95 < 500 ms)", "concurrent", "p95 ms", "CPU %"], rows),
    ]
    if len(results) == 2 and results[0]["best_turns_per_second"]:
        ratio = results[1]["best_turns_per_second"] / results[0]["best_turns_per_second"]
        lines += ["", f"{results[1]['replicas']} replicas / 1: **{ratio:.2f}x** the turn rate."]
    return "\n".join(lines)


def main() -> None:
    """Parse the options, measure each number of replicas, print and save the results."""
    from bench.common import machine

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicas", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--step-seconds", type=float, default=20.0)
    args = parser.parse_args()
    results = [measure(n, args.step_seconds) for n in args.replicas]
    text = markdown(results)
    print(f"\nMachine: {machine()}\n\n{text}")
    save("scale_out", {"machine": machine(), "results": results}, text)


if __name__ == "__main__":
    main()
