"""Helpers shared by the benchmarks: a private copy of the model, the stack, statistics,
CPU sampling, results files and Markdown tables.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.common import BENCH_READY_TIMEOUT, ROOT, LocalStack, launch
from ops.local_stack import listening_pids

RESULTS_DIR = ROOT / "results"  # git-ignored


# --- the stack ---------------------------------------------------------------------------


def private_models_dir(tmp: Path) -> Path:
    """A models folder of our own holding the current model (trained when missing).

    Other developers train into ``models/`` and prune old models; the benchmark stack must
    not have its model swapped or deleted under it, and ``bot reload`` must reload the same
    model each time.
    """
    from bot.settings import Settings
    from ops.training import current_model

    target = tmp / "models"
    target.mkdir(parents=True, exist_ok=True)
    model = current_model(Settings())
    if model is None:
        print("==> no model for the current inputs: training one (`bot train`)", flush=True)
        env = {**os.environ, "MODELS_DIR": str(target)}
        subprocess.run([str(Path(sys.executable).with_name("bot")), "train"], cwd=ROOT, env=env)
        model = current_model(Settings(models_dir=target))
        if model is None:
            raise SystemExit("training failed: see the output above")
        return target
    shutil.copy2(model, target / model.name)
    return target


@dataclass
class Stack:
    """A running stack plus what the benchmarks need to operate it (env for `bot reload`)."""

    running: LocalStack
    tmp: Path

    @property
    def env(self) -> dict[str, str]:
        """The stack's environment (what `bot reload` needs to find it)."""
        return self.running.env

    @property
    def gateway_url(self) -> str:
        """The stack gateway's base URL."""
        return self.running.gateway_url

    @property
    def rasa_url(self) -> str:
        """The stack Rasa server's base URL."""
        return self.running.rasa_url

    def pids(self) -> dict[str, int]:
        """Return the PIDs of the stack's processes by name."""
        return self.running.pids()

    def rss_mb(self) -> dict[str, float]:
        """Return the resident memory in MB of the stack's processes by name."""
        return self.running.rss_mb()

    def stop(self) -> None:
        """Stop the stack."""
        self.running.stop()


EXPERIMENTS_DIR = Path(__file__).resolve().parent / "experiments"


def experiment_env(names: str | None) -> dict[str, str]:
    """Environment that makes every process of the stack load candidate fixes
    (``bench/experiments/NAME.py``, comma-separated) through experiments/site/sitecustomize.py.
    """
    if not names:
        return {}
    for name in names.split(","):
        if not (EXPERIMENTS_DIR / f"{name}.py").exists():
            raise SystemExit(f"no experiment {name!r} in {EXPERIMENTS_DIR}")
    rest = os.environ.get("PYTHONPATH")
    site = str(EXPERIMENTS_DIR / "site")
    return {"PYTHONPATH": site + (os.pathsep + rest if rest else ""), "BENCH_EXPERIMENTS": names}


@contextmanager
def stack(label: str, experiment: str | None = None, **extra_env: str):
    """Starts `bot run` with a private state folder and model copy; stops it afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
    env = {
        "MODELS_DIR": str(private_models_dir(tmp)),
        **experiment_env(experiment),
        **extra_env,
    }
    print(f"==> starting the stack ({label}) in {tmp}", flush=True)
    running = launch(tmp / "state", tmp / "stack.log", BENCH_READY_TIMEOUT, **env)
    print(f"==> ready in {running.ready_seconds:.0f} s: {running.gateway_url}", flush=True)
    try:
        yield Stack(running, tmp)
    finally:
        running.stop()
        shutil.rmtree(tmp / "models", ignore_errors=True)


def pids_by_url(urls: dict[str, str]) -> dict[str, int]:
    """PIDs of the processes listening on these loopback URLs' ports."""
    from urllib.parse import urlsplit

    return listening_pids({name: urlsplit(url).port for name, url in urls.items()})


# --- statistics --------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile of ``values``, or None if there are none."""
    return float(np.percentile(values, q)) if len(values) else None


def ms(value: float | None) -> str:
    """Format seconds as whole milliseconds, or "-" for None."""
    return "-" if value is None else f"{value * 1000:.0f}"


def summary(latencies: Sequence[float]) -> dict[str, float | None]:
    """Return the p50, p95, p99 and mean of the latencies, and their count."""
    return {
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "mean": float(np.mean(latencies)) if len(latencies) else None,
        "n": len(latencies),
    }


def median(values: Iterable[float]) -> float | None:
    """Return the median of ``values``, or None if there are none."""
    values = list(values)
    return float(np.median(values)) if values else None


# --- CPU of the stack's processes and of everything else -------------------------------


class CpuSampler:
    """Samples CPU % (of one core) of each stack process, the whole machine and load avg."""

    def __init__(self, pids: dict[str, int], interval: float = 1.0) -> None:
        self.processes = {}
        for name, pid in pids.items():
            with suppress(psutil.Error):
                self.processes[name] = psutil.Process(pid)
        self.processes["loadgen"] = psutil.Process()
        self.interval = interval
        self.samples: dict[str, list[float]] = {name: [] for name in self.processes}
        self.samples["machine"] = []
        self._task: asyncio.Task | None = None
        self.load_start = os.getloadavg()[0]
        self.cpu_start = self._cpu_seconds()

    def _cpu_seconds(self) -> dict[str, float]:
        seconds = {}
        for name, p in self.processes.items():
            try:
                t = p.cpu_times()
                seconds[name] = t.user + t.system
            except psutil.Error:
                pass
        return seconds

    async def _loop(self) -> None:
        for p in self.processes.values():
            p.cpu_percent(None)
        psutil.cpu_percent(None)
        while True:
            await asyncio.sleep(self.interval)
            for name, p in self.processes.items():
                with suppress(psutil.Error):
                    self.samples[name].append(p.cpu_percent(None))
            # whole machine, in % of one core, to compare with the processes
            self.samples["machine"].append(psutil.cpu_percent(None) * (os.cpu_count() or 1))

    def __enter__(self) -> CpuSampler:
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        end = self._cpu_seconds()
        self.cpu_seconds = {k: end[k] - self.cpu_start[k] for k in end if k in self.cpu_start}

    def result(self) -> dict[str, Any]:
        """Return mean CPU % per process and machine, others' share, load and CPU seconds."""
        means = {k: float(np.mean(v)) if v else None for k, v in self.samples.items()}
        ours = sum(v for k, v in means.items() if k != "machine" and v is not None)
        machine = means.get("machine")
        return {
            "cpu_percent_mean": means,
            "others_cpu_percent": None if machine is None else max(0.0, machine - ours),
            "loadavg_1m": [self.load_start, os.getloadavg()[0]],
            "cpu_seconds": getattr(self, "cpu_seconds", {}),
        }


# --- output ------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render ``headers`` and ``rows`` as a Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def save(name: str, data: dict[str, Any], markdown: str | None = None) -> Path:
    """Write ``data`` as JSON (``markdown`` as .md) to results/, timestamped; return the path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    if markdown is not None:
        path.with_suffix(".md").write_text(markdown + "\n")
    print(f"==> results: {path}", flush=True)
    return path


def cpu_note(cpu: dict[str, Any]) -> str:
    """Summarize mean CPU % per process (rasa, actions, gateway, loadgen, others) in one line."""
    means = cpu["cpu_percent_mean"]

    def f(key: str) -> str:
        v = means.get(key)
        return "-" if v is None else f"{v:.0f}"

    others = cpu.get("others_cpu_percent")
    return (
        f"rasa {f('rasa')} / actions {f('actions')} / gateway {f('gateway')} / "
        f"loadgen {f('loadgen')} / others {'-' if others is None else f'{others:.0f}'}"
    )
