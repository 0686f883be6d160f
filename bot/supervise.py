"""Keeps one server process running: restarts it when it dies, stops it with the stack.

honcho stops every process as soon as one exits. For Rasa replicas and the action server a
crash should instead cost only that process's own restart (like a service manager's restart
policy), while the gateway fails over or answers a safe 503 in the meantime.

Usage: ``python -m bot.supervise -- COMMAND ...``
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import deque

RESTART_DELAY_SECONDS = 2.0
#: More restarts than this within the window means something is broken: give up and exit.
MAX_RESTARTS = 5
WINDOW_SECONDS = 120.0


def supervise(cmd: list[str]) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    restarts: deque[float] = deque()
    while True:
        child = subprocess.Popen(cmd)
        code = child.wait()
        if stopping:
            return code
        now = time.monotonic()
        restarts.append(now)
        while restarts and now - restarts[0] > WINDOW_SECONDS:
            restarts.popleft()
        if len(restarts) > MAX_RESTARTS:
            print(f"supervise: {cmd[0]} keeps exiting ({code}); giving up", flush=True)
            return code or 1
        print(f"supervise: process exited with {code}; restarting", flush=True)
        time.sleep(RESTART_DELAY_SECONDS)
        if stopping:
            return code


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage: python -m bot.supervise -- COMMAND ...")
    sys.exit(supervise(args))


if __name__ == "__main__":
    main()
