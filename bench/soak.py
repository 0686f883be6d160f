"""Soak: resident memory of Rasa, the action server and the gateway under steady load, and
across repeated model reloads.

    .venv/bin/python -m bench.soak                  # 10 minutes, then 10 reloads
    .venv/bin/python -m bench.soak --minutes 2 --reloads 3

Load: ``--concurrency`` simulated people (default 10) playing triage conversations through
the gateway with a 2 s think time, for ``--minutes``. RSS of each process every 15 s; growth
is the median of the last minute against the median of the first minute (target < 5%).
Reloads: ``bot reload`` (the stack's own environment) ``--reloads`` times, a short
conversation after each to prove the model answers, RSS of each process after each; growth
is after the last reload against before the first (target < 10%).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.load import run_segment, warm_up
from bench.simulated import make_target
from bench.support import median, save, table

SAMPLE_SECONDS = 15.0


def rss(pids: dict[str, int]) -> dict[str, float]:
    """Return the resident memory in MB of each named process still running."""
    out = {}
    for name, pid in pids.items():
        with contextlib.suppress(psutil.Error):
            out[name] = psutil.Process(pid).memory_info().rss / 2**20
    return out


def growth(samples: list[dict[str, Any]], name: str, window: float) -> dict[str, Any]:
    """Return the median RSS of ``name`` in the first and last ``window`` s, and its growth."""
    start = samples[0]["t"]
    end = samples[-1]["t"]
    first = median(s["rss"][name] for s in samples if s["t"] - start <= window and name in s["rss"])
    last = median(s["rss"][name] for s in samples if end - s["t"] <= window and name in s["rss"])
    return {
        "first_mb": first,
        "last_mb": last,
        "growth_pct": 100 * (last - first) / first if first and last else None,
    }


async def soak(gateway_url: str, rasa_url: str, pids: dict[str, int], args) -> dict[str, Any]:
    """Run conversations through the gateway while sampling RSS; return figures and growth."""
    await warm_up(gateway_url, rasa_url, pids)
    duration = args.minutes * 60
    samples: list[dict[str, Any]] = []
    started = time.monotonic()

    async def sampler() -> None:
        while True:
            samples.append({"t": time.monotonic() - started, "rss": rss(pids)})
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.get_running_loop().create_task(sampler())
    target = make_target("gateway", gateway_url, rasa_url)
    seg = await run_segment(target, args.concurrency, args.think, duration, 10**6, pids, seed=99)
    samples.append({"t": time.monotonic() - started, "rss": rss(pids)})
    task.cancel()
    window = min(60.0, duration / 4)
    report = seg.report()
    return {
        "minutes": args.minutes,
        "concurrency": args.concurrency,
        "think": args.think,
        "window_seconds": window,
        "turns": report["turns"],
        "turns_per_second": report["turns_per_second"],
        "latency": report["latency"],
        "errors": report["errors"],
        "conversations_completed": report["conversations_completed"],
        "samples": samples,
        "growth": {name: growth(samples, name, window) for name in pids},
    }


def reloads(stack, count: int) -> dict[str, Any]:
    """Run ``bot reload`` ``count`` times, checking the bot answers; return times and RSS."""
    bot = str(Path(sys.executable).with_name("bot"))
    pids = stack.pids()
    for i in range(3):  # the first turns allocate TensorFlow's buffers: not a reload's doing
        _answers(stack.gateway_url, 900 + i)
    before = rss(pids)
    rows = []
    for i in range(1, count + 1):
        started = time.monotonic()
        done = subprocess.run(
            [bot, "reload"], env=stack.env, capture_output=True, text=True, timeout=400
        )
        seconds = time.monotonic() - started
        answered = _answers(stack.gateway_url, i)
        after = rss(stack.pids())
        rows.append(
            {
                "reload": i,
                "seconds": seconds,
                "ok": done.returncode == 0,
                "answered": answered,
                "rss": after,
            }
        )
        print(
            f"--> reload {i}: {'ok' if done.returncode == 0 else 'FAILED'} in {seconds:.0f} s, "
            f"rasa {after.get('rasa', 0):.0f} MB, answered={answered}",
            flush=True,
        )
    last = rows[-1]["rss"] if rows else before
    return {
        "count": count,
        "before": before,
        "rows": rows,
        "growth_pct": {
            name: 100 * (last[name] - before[name]) / before[name]
            for name in before
            if name in last
        },
    }


def _answers(gateway_url: str, i: int) -> bool:
    try:
        response = httpx.post(
            f"{gateway_url}/api/v1/chat",
            json={"session_id": f"bench-reload-{i:03d}-check", "message": "my back hurts"},
            timeout=60,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and bool(response.json().get("replies"))


def markdown(result: dict[str, Any]) -> str:
    """Render the soak and reload results as Markdown text and tables."""
    parts = []
    s = result.get("soak")
    if s:
        lat = s["latency"]
        errors = {k: v for k, v in s["errors"].items() if k != "conversation_aborted"}
        parts.append(
            f"Soak: {s['minutes']} min, {s['concurrency']} concurrent conversations through the "
            f"gateway, think {s['think']} s: {s['turns']} turns ({s['turns_per_second']:.1f}/s), "
            f"{s['conversations_completed']} conversations completed, p95 "
            f"{(lat['p95'] or 0) * 1000:.0f} ms, errors {sum(errors.values())}"
            f"{' ' + str(errors) if errors else ''}. RSS sampled every {SAMPLE_SECONDS:.0f} s; "
            f"growth = median of the last {s['window_seconds']:.0f} s vs the first "
            f"{s['window_seconds']:.0f} s.\n"
        )
        rows = [
            [
                name,
                f"{g['first_mb']:.0f}",
                f"{g['last_mb']:.0f}",
                f"{g['growth_pct']:+.1f}%" if g["growth_pct"] is not None else "-",
            ]
            for name, g in s["growth"].items()
        ]
        parts.append(table(["process", "RSS first (MB)", "RSS last (MB)", "growth"], rows))
    r = result.get("reloads")
    if r:
        names = list(r["before"])
        rows = [["before", "", "", *(f"{r['before'][n]:.0f}" for n in names)]]
        for row in r["rows"]:
            rows.append(
                [
                    row["reload"],
                    f"{row['seconds']:.0f} s" + ("" if row["ok"] else " FAILED"),
                    "yes" if row["answered"] else "NO",
                    *(f"{row['rss'].get(n, 0):.0f}" for n in names),
                ]
            )
        rows.append(["growth", "", "", *(f"{r['growth_pct'][n]:+.1f}%" for n in names)])
        parts.append(f"\nModel reloads (`bot reload` x {r['count']}), RSS in MB:\n")
        parts.append(table(["reload", "time", "answers", *names], rows))
    return "\n".join(parts)


def run(stack, args) -> dict[str, Any]:
    """Run the soak and the reloads on ``stack`` as ``args`` asks; return their results."""
    result: dict[str, Any] = {}
    pids = stack.pids()
    if args.minutes > 0:
        print(f"--> soak for {args.minutes} min", flush=True)
        result["soak"] = asyncio.run(soak(stack.gateway_url, stack.rasa_url, pids, args))
    if args.reloads > 0:
        result["reloads"] = reloads(stack, args.reloads)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the soak test's options to ``parser``."""
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--reloads", type=int, default=10)


def main() -> None:
    """Parse the options, soak and reload a started stack, print and save the result."""
    from bench.common import machine
    from bench.support import stack

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--experiment", help="a candidate fix from bench/experiments/")
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the started stack")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    with stack("soak", experiment=args.experiment, **env) as running:
        result = run(running, args)
    result["machine"] = machine()
    result["experiment"] = args.experiment
    result["stack_env"] = env
    text = markdown(result)
    print(text)
    save("soak", result, text)


if __name__ == "__main__":
    main()
