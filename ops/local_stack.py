"""Starts the product as a child process on free loopback ports, the way a user starts it.

The integration tests and the benchmarks both need the real stack (``bot run``, the entry
point of ``make run``) with a state folder of their own, on ports nobody else uses, and must
know when it is ready to answer a person. This is that one launcher. Ready means the
gateway's ``/readyz`` answers 200 *and* ``bot run`` has announced "==> ready in", which it
does after every Rasa replica has parsed a warm-up message (``ops.stack.warm_up``).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import psutil

from bot.settings import PROJECT_ROOT

READY_ANNOUNCEMENT = "==> ready in"
#: The same announcement with LOG_FORMAT=json (``ops.run_printer.ready_record``).
READY_JSON_EVENT = '"event": "run.ready"'


#: Where ``free_port`` looks: below the kernel's ephemeral range, which is where every
#: outgoing connection and every ``bind(0)`` takes its local port. A port chosen there could be
#: taken by a test's own HTTP client before the server it was chosen for binds it.
_PORT_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PORT = 10_000


def _ports_outside_ephemeral_range() -> range:
    try:
        ephemeral_low = int(_PORT_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return range(0)
    return range(_LOWEST_PORT, ephemeral_low) if ephemeral_low > _LOWEST_PORT + 1000 else range(0)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range
    where one can be (else one the kernel picks).
    """
    candidates = _ports_outside_ephemeral_range()
    for _ in range(50 if candidates else 0):
        port = random.choice(candidates)  # noqa: S311 (a port, not a secret)
        if _bindable(port):
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_pids(ports: dict[str, int]) -> dict[str, int]:
    """PID of the process listening on each named port (names without a listener left out)."""
    found: dict[str, int] = {}
    for conn in psutil.net_connections("tcp"):
        if conn.status != psutil.CONN_LISTEN or conn.pid is None:
            continue
        for name, port in ports.items():
            if conn.laddr.port == port:
                found[name] = conn.pid
    return found


def free_ports(count: int, attempts: int = 100) -> int:
    """The first of ``count`` consecutive free ports (Rasa replicas listen on consecutive
    ports). The kernel hands out single ports only, and the one after it is often some
    client's connection, so each candidate run is checked by binding every port of it.
    """
    for _ in range(attempts):
        first = free_port()
        if all(_bindable(first + i) for i in range(1, count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class LocalStack:
    """A ``bot run`` started by ``launch``."""

    process: subprocess.Popen
    ports: dict[str, int]
    state_dir: Path
    log_path: Path
    env: dict[str, str]
    ready_seconds: float = 0.0

    @property
    def gateway_url(self) -> str:
        """The launched gateway's base URL."""
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def rasa_url(self) -> str:
        """The launched (first) Rasa server's base URL."""
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def action_url(self) -> str:
        """The launched action server's base URL."""
        return f"http://127.0.0.1:{self.ports['actions']}"

    @property
    def tracker_db(self) -> Path:
        """The embedded tracker store (unless TRACKER_STORE_URL points elsewhere)."""
        return self.state_dir / "rasa.db"

    def logs(self) -> str:
        """Everything the stack has logged so far."""
        return self.log_path.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """PID of each server process (first replica for Rasa), found by its listening port."""
        return listening_pids(self.ports)

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each server process, in MiB."""
        return {
            name: psutil.Process(pid).memory_info().rss / 2**20 for name, pid in self.pids().items()
        }

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as a person would (then SIGKILL after ``timeout``); the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


S = TypeVar("S", bound=LocalStack)


def stack_env(state_dir: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    """The environment of a launched stack: its state folder and ports, rate limits off
    (tests and load generators send from one address), then ``extra``.
    """
    return {
        **os.environ,
        "STATE_DIR": str(state_dir),
        "RASA_PORT": str(ports["rasa"]),
        "ACTION_PORT": str(ports["actions"]),
        "GATEWAY_PORT": str(ports["gateway"]),
        "RATE_LIMIT_PER_SESSION": "off",
        "RATE_LIMIT_PER_CLIENT": "off",
        **extra,
    }


def launch(
    state_dir: Path,
    log_path: Path,
    ready_timeout: float = 420,
    stack_class: type[S] = LocalStack,  # type: ignore[assignment]
    **extra_env: str,
) -> S:
    """Starts ``bot run`` on free loopback ports and returns once it is ready, as an instance
    of ``stack_class``; on failure stops it and raises with the end of its log.
    """
    replicas = int(extra_env.get("RASA_REPLICAS") or os.environ.get("RASA_REPLICAS") or 1)
    ports = {"rasa": free_ports(replicas)}
    taken = set(range(ports["rasa"], ports["rasa"] + replicas))
    for name in ("actions", "gateway"):
        ports[name] = next(p for p in iter(free_port, None) if p not in taken)
        taken.add(ports[name])
    env = stack_env(state_dir, ports, **extra_env)
    bot = str(Path(sys.executable).with_name("bot"))
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [bot, "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = stack_class(process, ports, state_dir, log_path, env)
    try:
        _wait_ready(stack, started + ready_timeout)
    except Exception as err:
        stack.stop()
        raise RuntimeError(f"{err}; the end of {log_path}:\n{stack.logs()[-5000:]}") from err
    stack.ready_seconds = time.monotonic() - started
    return stack


def _wait_ready(stack: LocalStack, deadline: float) -> None:
    gateway_ready = False
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"bot run exited early with {stack.process.returncode}")
        if not gateway_ready:
            try:
                response = httpx.get(f"{stack.gateway_url}/readyz", timeout=2)
                gateway_ready = response.status_code == 200
            except httpx.HTTPError:
                pass
        logs = stack.logs() if gateway_ready else ""
        if READY_ANNOUNCEMENT in logs or READY_JSON_EVENT in logs:
            return
        time.sleep(0.25)
    raise TimeoutError("bot run did not become ready in time")
