"""The supervisor restarts a process that dies or stops answering, and records each restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ops.supervise import Status, Watchdog, read_status_files, warming_up
from tests.integration.conftest import free_port


def test_watchdog_waits_for_a_first_answer_then_for_the_whole_silence():
    dog = Watchdog(hang_seconds=5)
    assert not dog.observe(False, 0.0)  # still starting: never answered
    assert not dog.observe(False, 100.0)
    assert not dog.observe(True, 101.0)
    assert not dog.observe(False, 104.0)
    assert dog.observe(False, 106.0)
    assert not dog.observe(True, 107.0)  # answering again resets it


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


def _status(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture()
def supervised_server(tmp_path):
    port = free_port()
    status = tmp_path / "supervise" / "web.json"
    url = f"http://127.0.0.1:{port}/"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops.supervise",
            "--name",
            "web",
            "--watch",
            url,
            "--hang-seconds",
            "2",
            "--status-file",
            str(status),
            "--",
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(lambda: _answers(url), 30, "the server answers")
        _wait_for(lambda: _status(status).get("watching"), 30, "the supervisor watches it")
        yield supervisor, status, url
    finally:
        child = _status(status).get("pid")
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(20)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        if child:
            for sig in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(child, sig)
                except ProcessLookupError:
                    break


def test_a_stopped_process_is_killed_restarted_and_counted(supervised_server):
    _, status, url = supervised_server
    first = _status(status)["pid"]
    os.kill(first, signal.SIGSTOP)  # alive, accepting connections, answering no one
    frozen_at = time.monotonic()
    after = _wait_for(
        lambda: (s := _status(status)).get("restarts") == 1 and s.get("pid") != first and s,
        20,
        "a restart",
    )
    assert after["hangs"] == 1 and after["exits"] == 0 and after["last_reason"] == "hung"
    _wait_for(lambda: _answers(url), 30, "the restarted server answers")
    assert time.monotonic() - frozen_at < 30
    _wait_for(lambda: _status(status).get("watching"), 30, "the restarted one is watched")
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the frozen process is gone, not left behind
    assert read_status_files(status.parent)["web"]["restarts"] == 1


def test_a_process_that_exits_is_restarted_and_counted_as_an_exit(supervised_server):
    supervisor, status, url = supervised_server
    first = _status(status)["pid"]
    os.kill(first, signal.SIGKILL)
    after = _wait_for(
        lambda: (s := _status(status)).get("pid") not in (None, first) and s, 20, "a restart"
    )
    assert after["exits"] == 1 and after["hangs"] == 0 and after["last_reason"] == "exited"
    _wait_for(lambda: _answers(url), 30, "the restarted server answers")
    supervisor.send_signal(signal.SIGTERM)
    output = supervisor.communicate(timeout=20)[0]
    assert "web exited with" in output and "restarting it (restart 1)" in output


SLOW_FIRST_PARSE = """
import http.server, sys, time
traced = []
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
    def do_POST(self):  # the first parse traces graphs on the only thread, like Rasa's loop
        if not traced:
            time.sleep(8)
            traced.append(True)
        self.send_response(200); self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_a_first_start_is_not_watched_until_its_warm_up_parse_has_answered(tmp_path):
    # `bot run` sends its own warm-up parse to a fresh Rasa; the supervisor must not take
    # the seconds that parse holds Rasa's event loop for a hang.
    port = free_port()
    status = tmp_path / "rasa.json"
    url = f"http://127.0.0.1:{port}/"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops.supervise",
            "--name",
            "rasa",
            "--watch",
            url,
            "--warm-up",
            f"{url}model/parse",
            "--hang-seconds",
            "2",
            "--status-file",
            str(status),
            "--",
            sys.executable,
            "-c",
            SLOW_FIRST_PARSE,
            str(port),
        ],
    )
    try:
        _wait_for(lambda: _answers(url), 30, "the server answers")
        time.sleep(1.5)  # the supervisor has seen it answer
        httpx.post(f"{url}model/parse", json={"text": "my back hurts"}, timeout=30)
        time.sleep(4)  # a few probes after the warm-up
        assert _status(status)["restarts"] == 0
        assert _status(status)["starts"] == 1
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(20)


def test_warming_up_names_the_watched_urls_of_started_processes_not_yet_watched(tmp_path):
    folder = tmp_path / "supervise"
    Status("rasa1", pid=11, watch="http://127.0.0.1:5005/").write(folder / "rasa1.json")
    Status("rasa2", pid=12, watch="http://127.0.0.1:5006/", watching=True).write(
        folder / "rasa2.json"
    )
    Status("actions", watch="http://127.0.0.1:5055/health").write(folder / "actions.json")
    assert warming_up(folder) == {"http://127.0.0.1:5005"}
    assert warming_up(tmp_path / "none") == set()
