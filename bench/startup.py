"""Time from `bot run` (model present) to ready, and resident memory of each process.

.venv/bin/python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import httpx

from bench.common import BENCH_READY_TIMEOUT, launch, machine


def main() -> None:
    """Start the stack ``--runs`` times; print median time to ready and each process's RSS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ready, memory = [], []
    for _ in range(args.runs):
        tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
        stack = launch(tmp / "state", tmp / "stack.log", BENCH_READY_TIMEOUT)
        try:
            ready.append(stack.ready_seconds)
            for i in range(5):
                httpx.post(
                    f"{stack.gateway_url}/api/v1/chat",
                    json={"session_id": f"warm-{i:04d}", "message": "my back hurts"},
                    timeout=60,
                )
            memory.append(stack.rss_mb())
        finally:
            stack.stop()
    print(f"machine: {machine()}")
    print(
        f"ready after `bot run` (model present): median {statistics.median(ready):.1f} s "
        f"(min {min(ready):.1f}, max {max(ready):.1f}, {len(ready)} runs)"
    )
    for name in ("rasa", "actions", "gateway"):
        values = [m[name] for m in memory if name in m]
        print(f"RSS {name}: median {statistics.median(values):.0f} MB")


if __name__ == "__main__":
    main()
