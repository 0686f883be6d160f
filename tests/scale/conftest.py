"""Two Rasa replicas on a PostgreSQL tracker store (a database of its own per run) and a
Redis lock store (a redis-server of its own, so a test can restart it), started with
`bot run` like `make run-scaled`."""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import psutil
import psycopg2
import pytest

from ops.local_stack import listening_pids
from ops.stack import drop_database
from tests.integration.conftest import Stack, free_port, start_stack, stop_stack

PG = "postgresql://postgres@127.0.0.1:5432"


def pg_count_user_events(db: str, session_id: str) -> int:
    with psycopg2.connect(f"{PG}/{db}") as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = %s AND type_name = 'user'",
            (session_id,),
        )
        return cur.fetchone()[0]


def pg_event_types(db: str, session_id: str) -> list[tuple[str, str | None]]:
    with psycopg2.connect(f"{PG}/{db}") as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT type_name, action_name FROM events WHERE sender_id = %s ORDER BY id",
            (session_id,),
        )
        return cur.fetchall()


def listener_pid(port: int) -> int:
    pid = listening_pids({"server": port}).get("server")
    if pid is None:
        raise LookupError(f"nothing listens on {port}")
    return pid


def kill_listener(port: int) -> None:
    """Kills the server process on a port (its supervisor restarts it) and returns once it
    is gone, so that its listening socket is not taken for the restarted server's."""
    wait_listening(port)  # a server restarted by an earlier test may still be starting
    process = psutil.Process(listener_pid(port))
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def wait_listening(port: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            listener_pid(port)
            return
        except LookupError:
            time.sleep(1)
    raise TimeoutError(f"port {port} did not come back")


class PrivateRedis:
    """A redis-server on a free loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_listening(self.port, timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="package")
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def scaled(tmp_path_factory, model_path, redis_server) -> Iterator[tuple[Stack, str]]:
    db = "scale_" + secrets.token_hex(4)
    stack = start_stack(
        tmp_path_factory.mktemp("scaled"),
        RASA_REPLICAS="2",
        TRACKER_STORE_URL=f"{PG}/{db}",
        LOCK_STORE_URL=f"redis://127.0.0.1:{redis_server.port}/1",
    )
    try:
        yield stack, db
    finally:
        stop_stack(stack)
        drop_database(f"{PG}/{db}")
