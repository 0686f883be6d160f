"""Keeps one server process running: restarts it when it dies or hangs, stops it with the stack.

honcho stops every process as soon as one exits. For Rasa replicas and the action server a
crash should instead cost only that process's own restart (like a service manager's restart
policy), while the gateway fails over or answers a safe 503 in the meantime.

A process can also stay alive and answer no one: a Rasa replica whose event loop is stuck in
one conversation's turn (issue 15) holds every other conversation on that replica. With
``--watch URL`` the supervisor asks that URL every second once the process has first
answered; when it has not answered for ``--hang-seconds`` it kills the process (SIGKILL, which
also ends a stopped one) and starts it again. With ``--warm-up URL`` (Rasa's ``/model/parse``)
each restarted process parses one message before it is watched, so TensorFlow traces its graphs
then, not during a person's message or while the watchdog is looking.

Each start and restart is written to ``--status-file`` (JSON: restarts, hangs, exits, the
last reason and time; never anything a person wrote), which the gateway's ``/readyz`` reports.

Usage: ``python -m ops.supervise [--name N] [--watch URL] [--warm-up URL] [--hang-seconds S]
[--status-file PATH] -- COMMAND ...``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

RESTART_DELAY_SECONDS = 2.0
#: More exits than this within the window means something is broken: give up and exit. A
#: process killed because it hung had answered before, so hangs do not count here.
MAX_RESTARTS = 5
WINDOW_SECONDS = 120.0
PROBE_INTERVAL_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 2.0
WARM_UP_TIMEOUT_SECONDS = 180.0
DEFAULT_HANG_SECONDS = 10.0

logger = logging.getLogger("ops.supervise")


@dataclass
class Status:
    """What the supervisor has done to its process, as the status file holds it."""

    name: str
    pid: int | None = None
    starts: int = 0
    restarts: int = 0
    hangs: int = 0
    exits: int = 0
    watching: bool = False
    """The watchdog is looking at the current process (it has answered and been warmed up)."""
    watch: str | None = None
    """The URL the watchdog asks (``--watch``): the gateway knows a replica by it."""
    last_reason: str | None = None
    last_restart_at: float | None = None
    history: list[dict] = field(default_factory=list)

    def write(self, path: Path | None) -> None:
        """Write the status atomically (nothing when there is no status file)."""
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, path)


def read_status_files(folder: Path) -> dict[str, dict]:
    """Every supervisor's status in a folder, by process name (unreadable files left out)."""
    found: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text())
            found[str(data.get("name") or path.stem)] = data
    return found


def warming_up(folder: Path) -> set[str]:
    """The watched URLs (without a trailing ``/``) of processes started but not yet warmed up:
    their first parse may still hold their event loop.
    """
    return {
        str(s["watch"]).rstrip("/")
        for s in read_status_files(folder).values()
        if s.get("watch") and s.get("pid") and not s.get("watching")
    }


def answers(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    """The URL answers (any status below 500) within ``timeout``."""
    try:
        return httpx.get(url, timeout=timeout).status_code < 500
    except httpx.HTTPError:
        return False


def warm_up(url: str) -> None:
    """One parse on a fresh Rasa process (the JWT from ``RASA_JWT_SECRET``)."""
    from ops.rasa_api import auth_headers

    secret = os.environ.get("RASA_JWT_SECRET")
    headers = auth_headers(secret) if secret else {}
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(
            url, json={"text": "my back hurts"}, headers=headers, timeout=WARM_UP_TIMEOUT_SECONDS
        )


class Watchdog:
    """Decides, probe by probe, whether a watched process has hung."""

    def __init__(self, hang_seconds: float) -> None:
        self.hang_seconds = hang_seconds
        self.last_answer: float | None = None

    def observe(self, answered: bool, now: float) -> bool:
        """Records one probe; True when the process, having answered before, has not
        answered for ``hang_seconds``.
        """
        if answered:
            self.last_answer = now
            return False
        return self.last_answer is not None and now - self.last_answer >= self.hang_seconds


def run_once(
    cmd: list[str],
    watch: str | None,
    warm: str | None,
    hang_seconds: float,
    on_start: Callable[[subprocess.Popen], None],
    stopping: Callable[[], bool],
    on_watching: Callable[[], None] = lambda: None,
) -> tuple[int, bool, float]:
    """Runs the command until it exits or hangs: (exit code, hung, seconds without answer).

    ``on_watching`` is called once the watchdog looks at the process: after its first answer
    and the warm-up parse (a hang before then is not seen until the warm-up times out).
    """
    child = subprocess.Popen(cmd)
    on_start(child)
    if watch is None:
        return child.wait(), False, 0.0
    watchdog = Watchdog(hang_seconds)
    warmed = warm is None
    watching = False
    while True:
        try:
            return child.wait(timeout=PROBE_INTERVAL_SECONDS), False, 0.0
        except subprocess.TimeoutExpired:
            pass
        if stopping():
            continue
        now = time.monotonic()
        answered = answers(watch)
        if answered and not warmed:
            warm_up(warm)
            warmed = True
            now = time.monotonic()
        if answered and warmed and not watching:
            watching = True
            on_watching()
        if watchdog.observe(answered, now):
            silent = now - (watchdog.last_answer or now)
            child.kill()  # SIGKILL: a stopped or stuck process cannot ignore it
            child.wait()
            return -signal.SIGKILL, True, silent


def supervise(
    cmd: list[str],
    name: str | None = None,
    watch: str | None = None,
    warm: str | None = None,
    hang_seconds: float = DEFAULT_HANG_SECONDS,
    status_file: Path | None = None,
) -> int:
    """Run a command, restarting it when it exits or hangs; its exit code when stopped."""
    stopping = False
    child: subprocess.Popen | None = None
    status = Status(name=name or Path(cmd[0]).name, watch=watch)

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    def started(process: subprocess.Popen) -> None:
        nonlocal child
        child = process
        status.pid = process.pid
        status.starts += 1
        status.watching = False
        status.write(status_file)

    def watched() -> None:
        status.watching = True
        status.write(status_file)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    exits: deque[float] = deque()
    while True:
        # The first start too: the first parse traces TensorFlow's graphs on Rasa's event
        # loop (16 s measured on a loaded machine), and watching before it has finished
        # took that for a hang and killed a healthy Rasa during `bot run`'s own warm-up.
        code, hung, silent = run_once(
            cmd, watch, warm, hang_seconds, started, lambda: stopping, watched
        )
        status.watching = False  # that process is gone
        if stopping:
            return code
        now = time.monotonic()
        if hung:
            status.hangs += 1
            reason = f"answered nothing for {silent:.0f} s"
        else:
            status.exits += 1
            reason = f"exited with {code}"
            exits.append(now)
            while exits and now - exits[0] > WINDOW_SECONDS:
                exits.popleft()
            if len(exits) > MAX_RESTARTS:
                logger.error(
                    "%s keeps exiting (%s); giving up",
                    status.name,
                    code,
                    extra={"event": "process.gave_up"},
                )
                return code or 1
        status.restarts += 1
        status.last_reason = "hung" if hung else "exited"
        status.last_restart_at = time.time()
        status.history = [
            *status.history[-9:],
            {"at": status.last_restart_at, "reason": status.last_reason},
        ]
        status.write(status_file)
        logger.warning(
            "%s %s; restarting it (restart %d)",
            status.name,
            reason,
            status.restarts,
            extra={"event": f"process.restarted.{status.last_reason}"},
        )
        time.sleep(RESTART_DELAY_SECONDS)
        if stopping:
            return code


def main() -> None:
    """The supervisor's command line (``python -m ops.supervise``)."""
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit("usage: python -m ops.supervise [options] -- COMMAND ...")
    split = args.index("--")
    parser = argparse.ArgumentParser(prog="python -m ops.supervise")
    parser.add_argument("--name")
    parser.add_argument("--watch", help="URL to ask every second once it has answered")
    parser.add_argument("--warm-up", help="Rasa /model/parse URL to call on each new process")
    parser.add_argument("--hang-seconds", type=float, default=DEFAULT_HANG_SECONDS)
    parser.add_argument("--status-file", type=Path)
    options = parser.parse_args(args[:split])
    from bot import logs

    logs.configure(options.name or "supervise")
    cmd = args[split + 1 :]
    if not cmd:
        sys.exit("usage: python -m ops.supervise [options] -- COMMAND ...")
    sys.exit(
        supervise(
            cmd,
            name=options.name,
            watch=options.watch,
            warm=options.warm_up,
            hang_seconds=options.hang_seconds,
            status_file=options.status_file,
        )
    )


if __name__ == "__main__":
    main()
