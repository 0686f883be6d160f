"""The gateway's own cost per turn, without Rasa: CPU time per turn and a cProfile of it.

    .venv/bin/python -m bench.gateway_profile                 # chat API and Socket.IO door
    .venv/bin/python -m bench.gateway_profile --turns 3000 --top 30

The gateway runs as `bot run` starts it (uvicorn, httptools, uvloop, wsproto) under cProfile,
in front of a stand-in for Rasa that answers every REST webhook call at once with a canned
triage turn (a question with five buttons) and the action server's /health. Turns are sent
by ``--concurrency`` clients; the gateway's CPU time (psutil) is divided by the turns, first
without and then with the profiler, so the profile's overhead does not inflate the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
import socketio

from bench.common import ROOT
from ops.local_stack import free_port

CANNED = json.dumps(
    [
        {"recipient_id": "x", "text": "Thank you. Has the pain been getting worse?"},
        {
            "recipient_id": "x",
            "text": "Is the pain worse at night or when you lie down?",
            "buttons": [
                {"title": t, "payload": p}
                for t, p in [
                    ("Yes", "/affirm"),
                    ("No", "/deny"),
                    ("Not sure", "/inform"),
                    ("Sometimes", "/inform"),
                    ("Skip", "/inform"),
                ]
            ],
        },
    ]
).encode()


def fake_rasa(port: int) -> threading.Thread:
    """Rasa's REST webhook and the action server's /health, answering at once."""
    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        body = CANNED if scope["path"].endswith("/webhook") else b'{"status":"ok"}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="none", log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return thread


def start_gateway(port: int, rasa_port: int, state: Path, profile: Path | None):
    """Start the gateway (under cProfile if ``profile``); return its process once it is healthy."""
    from bot.settings import Settings
    from ops.stack import gateway_command

    settings = Settings(gateway_port=port, rasa_port=rasa_port, action_port=rasa_port)
    cmd = gateway_command(settings)
    if profile is not None:  # the same command (python -m api.entry ...), under cProfile
        cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), *cmd[1:]]
    env = {
        **os.environ,
        "STATE_DIR": str(state),
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(rasa_port),
        "RATE_LIMIT_PER_SESSION": "off",
        "RATE_LIMIT_PER_CLIENT": "off",
    }
    process = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the gateway did not start")


async def chat_turns(url: str, turns: int, concurrency: int) -> None:
    """Send ``turns`` messages through the chat API from ``concurrency`` concurrent sessions."""
    async with httpx.AsyncClient(timeout=30) as client:

        async def person(n: int) -> None:
            session = f"profile-chat-{n:04d}"
            for _ in range(turns // concurrency):
                r = await client.post(
                    f"{url}/api/v1/chat", json={"session_id": session, "message": "no"}
                )
                assert r.status_code == 200, r.text

        await asyncio.gather(*(person(n) for n in range(concurrency)))


def socket_turns(url: str, turns: int, concurrency: int) -> None:
    """Send ``turns`` messages through Socket.IO from ``concurrency`` threads, one client each."""

    def person(n: int) -> None:
        client = socketio.Client(websocket_extra_options={"suppress_origin": True})
        client.connect(url, transports=["websocket"])
        session = client.call("session_request", {"session_id": f"profile-sio-{n:04d}"})
        for _ in range(turns // concurrency):
            ack = client.call(
                "user_uttered", {"message": "no", "session_id": session["session_id"]}
            )
            assert ack["status"] == 200, ack
        client.disconnect()

    threads = [threading.Thread(target=person, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def measure(url: str, pid: int, door: str, turns: int, concurrency: int) -> float:
    """Gateway CPU milliseconds per turn through one door."""
    process = psutil.Process(pid)
    before = sum(process.cpu_times()[:2])
    if door == "chat":
        asyncio.run(chat_turns(url, turns, concurrency))
    else:
        socket_turns(url, turns, concurrency)
    return 1000 * (sum(process.cpu_times()[:2]) - before) / turns


def run(turns: int, concurrency: int, top: int) -> dict:
    """Measure gateway CPU ms per turn per door, plain and under cProfile; print the profile."""
    rasa_port = free_port()
    fake_rasa(rasa_port)
    results: dict = {"turns": turns, "concurrency": concurrency}
    with tempfile.TemporaryDirectory(prefix="bench-gw-profile-") as tmp:
        for profiled in (False, True):
            port = free_port()
            profile = Path(tmp) / "gateway.prof" if profiled else None
            gateway = start_gateway(port, rasa_port, Path(tmp) / "state", profile)
            url = f"http://127.0.0.1:{port}"
            try:
                for door in ("chat", "socketio"):
                    measure(url, gateway.pid, door, min(200, turns), concurrency)  # warm-up
                    key = f"{door}{'_profiled' if profiled else ''}_cpu_ms_per_turn"
                    results[key] = measure(url, gateway.pid, door, turns, concurrency)
                    print(f"{key}: {results[key]:.2f}", flush=True)
            finally:
                gateway.send_signal(signal.SIGINT)
                gateway.wait(30)
        stats = pstats.Stats(str(Path(tmp) / "gateway.prof"))
        stats.dump_stats("/tmp/gateway-last.prof")
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    return results


def main() -> None:
    """Parse the options, run the profile and save its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    from bench.support import save

    save("gateway_profile", run(args.turns, args.concurrency, args.top))


if __name__ == "__main__":
    main()
