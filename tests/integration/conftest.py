"""The real stack (Rasa, action server, gateway) started once for all integration tests,
through the same entry point as `make run` (`bot run`), on free loopback ports."""

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

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    process: subprocess.Popen
    gateway_url: str
    rasa_url: str
    action_url: str
    state_dir: Path
    log_path: Path
    env: dict[str, str]

    @property
    def tracker_db(self) -> Path:
        return self.state_dir / "rasa.db"

    def chat(self, message: str, session_id: str | None = None, **kw) -> httpx.Response:
        body: dict = {"message": message}
        if session_id:
            body["session_id"] = session_id
        return httpx.post(f"{self.gateway_url}/api/v1/chat", json=body, timeout=60, **kw)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


def stack_env(state_dir: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "STATE_DIR": str(state_dir),
        "RASA_PORT": str(ports["rasa"]),
        "ACTION_PORT": str(ports["actions"]),
        "GATEWAY_PORT": str(ports["gateway"]),
        "RATE_LIMIT_PER_SESSION": "off",
        "RATE_LIMIT_PER_CLIENT": "off",
    }
    env.update(extra)
    return env


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bot run exited early with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError("the stack did not become ready")


def wait_announced(stack: Stack, timeout: float = 180) -> None:
    """`bot run` announces "ready" once Rasa has parsed a warm-up message on every replica."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "==> ready in" in stack.logs():
            return
        time.sleep(0.5)
    raise TimeoutError("bot run did not announce that it is ready")


def start_stack(tmp: Path, **extra_env: str) -> Stack:
    ports = {"rasa": free_port(), "actions": free_port(), "gateway": free_port()}
    state_dir = tmp / "state"
    log_path = tmp / "stack.log"
    env = stack_env(state_dir, ports, **extra_env)
    bot = str(Path(sys.executable).with_name("bot"))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [bot, "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(
        process=process,
        gateway_url=f"http://127.0.0.1:{ports['gateway']}",
        rasa_url=f"http://127.0.0.1:{ports['rasa']}",
        action_url=f"http://127.0.0.1:{ports['actions']}",
        state_dir=state_dir,
        log_path=log_path,
        env=env,
    )
    try:
        wait_ready(stack.gateway_url, process)
        wait_announced(stack)
    except Exception:
        stop_stack(stack)
        print(stack.logs()[-5000:])
        raise
    return stack


def stop_stack(stack: Stack, timeout: float = 30) -> int:
    """Ctrl-C, as a person would; returns the exit code."""
    if stack.process.poll() is None:
        os.killpg(stack.process.pid, signal.SIGINT)
        try:
            stack.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()
    return stack.process.returncode


# The session-wide `stack` fixture lives in tests/conftest.py, so that integration and browser
# tests share one running stack.
