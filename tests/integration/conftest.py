"""The real stack (Rasa, action server, gateway) for the integration tests, started through
the same entry point as `make run` (`bot run`) on free loopback ports by the one launcher the
benchmarks use too (``ops.local_stack``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ops.local_stack import LocalStack, free_port, launch
from tests.contract.recorder import register_gateway

__all__ = ["Stack", "free_port", "start_stack", "stop_stack"]


class Stack(LocalStack):
    """A launched stack with a chat helper for the tests."""

    def chat(self, message: str, session_id: str | None = None, **kw) -> httpx.Response:
        body: dict = {"message": message}
        if session_id:
            body["session_id"] = session_id
        return httpx.post(f"{self.gateway_url}/api/v1/chat", json=body, timeout=60, **kw)

    def add_clinician(self, username: str, password: str) -> None:
        """``bot clinician add`` against this stack's database, the password on stdin."""
        bot = str(Path(sys.executable).with_name("bot"))
        made = subprocess.run(
            [bot, "clinician", "add", username],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=self.env,
            cwd=Path(__file__).resolve().parents[2],
            timeout=120,
        )
        assert made.returncode == 0, made.stderr

    @contextmanager
    def clinician_client(self, username: str, password: str) -> Iterator[httpx.Client]:
        """A client of the gateway logged in as a new clinician ``username``."""
        self.add_clinician(username, password)
        with httpx.Client(base_url=self.gateway_url, timeout=30) as client:
            login = client.post(
                "/api/v1/clinician/login", json={"username": username, "password": password}
            )
            assert login.status_code == 200, login.text
            yield client


def start_stack(tmp: Path, **extra_env: str) -> Stack:
    stack = launch(tmp / "state", tmp / "stack.log", stack_class=Stack, **extra_env)
    register_gateway(stack.gateway_url)  # its answers are checked against the OpenAPI document
    return stack


def stop_stack(stack: Stack, timeout: float = 30) -> int:
    """Ctrl-C, as a person would; returns the exit code."""
    return stack.stop(timeout)


# The session-wide `stack` fixture lives in tests/conftest.py, so that integration and browser
# tests share one running stack.
