"""Shared pieces of the benchmarks: starting the real stack, finding its processes, memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningStack:
    process: subprocess.Popen
    gateway_url: str
    rasa_url: str
    ports: dict[str, int]
    state_dir: Path
    ready_seconds: float

    def pids(self) -> dict[str, int]:
        """PID of each server process, found by the port it listens on."""
        found: dict[str, int] = {}
        for conn in psutil.net_connections("tcp"):
            if conn.status != psutil.CONN_LISTEN or conn.pid is None:
                continue
            for name, port in self.ports.items():
                if conn.laddr.port == port:
                    found[name] = conn.pid
        return found

    def rss_mb(self) -> dict[str, float]:
        return {
            name: psutil.Process(pid).memory_info().rss / 2**20 for name, pid in self.pids().items()
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def start(state_dir: Path, log: Path, **env: str) -> RunningStack:
    """`bot run` on free loopback ports (the same entry point as `make run`)."""
    ports = {"rasa": free_port(), "actions": free_port(), "gateway": free_port()}
    environment = {
        **os.environ,
        "STATE_DIR": str(state_dir),
        "RASA_PORT": str(ports["rasa"]),
        "ACTION_PORT": str(ports["actions"]),
        "GATEWAY_PORT": str(ports["gateway"]),
        "RATE_LIMIT_PER_SESSION": "off",
        "RATE_LIMIT_PER_CLIENT": "off",
        **env,
    }
    bot = str(Path(sys.executable).with_name("bot"))
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [bot, "run"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{ports['gateway']}"
    deadline = started + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bot run exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    else:
        raise TimeoutError("stack not ready")
    return RunningStack(
        process,
        url,
        f"http://127.0.0.1:{ports['rasa']}",
        ports,
        state_dir,
        time.monotonic() - started,
    )


def machine() -> str:
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
