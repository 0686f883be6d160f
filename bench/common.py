"""Shared pieces of the benchmarks: the project root, the stack launcher, the machine.

The stack is started by ``ops.local_stack.launch``, the launcher the integration tests use.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

from ops.local_stack import LocalStack, launch

ROOT = Path(__file__).resolve().parent.parent
BENCH_READY_TIMEOUT = 600  # seconds; a busy shared machine can be slow to start TensorFlow

__all__ = ["BENCH_READY_TIMEOUT", "ROOT", "LocalStack", "against_gateway", "launch", "machine"]

T = TypeVar("T")


def against_gateway(base_url: str | None, prefix: str, play: Callable[[str], T]) -> T:
    """``play(gateway_url)`` on the running gateway at ``base_url``, or on a stack of our own
    started in a temporary folder (and stopped afterwards) when ``base_url`` is None.
    """
    if base_url:
        return play(base_url.rstrip("/"))
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        stack = launch(Path(tmp) / "state", Path(tmp) / "stack.log")
        try:
            return play(stack.gateway_url)
        finally:
            stack.stop()


def machine() -> str:
    """Describe this machine in one line: cores, CPU model, GiB of RAM and Python version."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {sys.version.split()[0]}"
