"""A hung Rasa replica comes back by itself (issue 15).

A replica is frozen with SIGSTOP (alive, accepting connections, answering no one: what a
stuck event loop looks like from outside) while conversations on both replicas go on. The
sessions get an answer or the safe 503, its supervisor restarts it within 30 s and counts it
in /readyz, and every conversation then finishes its triage.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import secrets
import signal
import time

import httpx
import pytest

from api.rasa_client import RasaClient
from ops.supervise import read_status_files
from tests.integration.conftest import Stack
from tests.scale.conftest import listener_pid, pg_count_user_events, wait_listening

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]

RESTART_WITHIN = 30.0
#: The gateway gives up on Rasa after RASA_TIMEOUT_SECONDS (20 s): an answer comes before this.
ANSWER_WITHIN = 25.0


def sessions_by_replica(stack: Stack, per_replica: int) -> dict[str, list[str]]:
    urls = [f"http://127.0.0.1:{stack.ports['rasa'] + i}" for i in range(2)]
    client = RasaClient(urls, 1)
    found: dict[str, list[str]] = {url: [] for url in urls}
    while any(len(v) < per_replica for v in found.values()):
        sid = f"watchdog-{secrets.token_hex(5)}"
        own = client.replicas_for(sid)[0]
        if len(found[own]) < per_replica:
            found[own].append(sid)
    asyncio.run(client.close())
    return found


def wait_watched(stack: Stack, name: str = "rasa1", within: float = 240.0) -> None:
    """Until the replica's supervisor is watching it (answered and warmed up): freezing it
    before then, during the supervisor's own warm-up parse, is not a hang it can see yet."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if read_status_files(stack.state_dir / "supervise").get(name, {}).get("watching"):
            return
        time.sleep(0.5)
    pytest.fail(f"the supervisor of {name} did not start watching within {within:.0f} s")


def hung_restarts(stack: Stack) -> int:
    with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
        details = httpx.get(f"{stack.gateway_url}/readyz", timeout=5).json()["details"]
        return int(details["hung_restarts"].get("rasa1", 0))
    return -1


def test_a_frozen_replica_is_restarted_and_its_conversations_go_on(scaled):
    stack, db = scaled
    port = stack.ports["rasa"]
    wait_listening(port)
    by_replica = sessions_by_replica(stack, 3)
    sessions = [s for group in by_replica.values() for s in group]
    sent = dict.fromkeys(sessions, 0)
    answered = dict.fromkeys(sessions, 0)
    dispositions: dict[str, str] = {}

    def say(sid: str, message: str) -> dict:
        started = time.monotonic()
        response = stack.chat(message, sid)
        assert time.monotonic() - started < ANSWER_WITHIN
        assert response.status_code in (200, 503), response.text
        sent[sid] += 1
        body = response.json()
        if response.status_code == 200:
            answered[sid] += 1
        else:
            assert "911" in body["emergency"]
        return body

    # A replica restarted by an earlier test may still be in its supervisor's warm-up parse,
    # which holds its event loop: a turn sent then can time out its action call (a safe 503).
    for name in ("rasa1", "rasa2"):
        wait_watched(stack, name)
    for sid in sessions:
        assert "replies" in say(sid, "my back has been aching for about 3 weeks")
    before = hung_restarts(stack)
    frozen = listener_pid(port)
    os.kill(frozen, signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:

        def converse(sid: str) -> None:
            deadline = frozen_at + 240
            while time.monotonic() < deadline and sid not in dispositions:
                body = say(sid, "no")
                if body.get("triage"):
                    dispositions[sid] = body["triage"]["level"]
                elif "replies" not in body:
                    time.sleep(1)

        with concurrent.futures.ThreadPoolExecutor(len(sessions)) as pool:
            futures = [pool.submit(converse, sid) for sid in sessions]
            restarted_after = None
            while restarted_after is None and time.monotonic() - frozen_at < RESTART_WITHIN + 5:
                if hung_restarts(stack) > before:
                    restarted_after = time.monotonic() - frozen_at
                time.sleep(0.5)
            for future in futures:
                future.result()
    finally:
        for sig in (signal.SIGCONT, signal.SIGKILL):  # never leave a frozen process behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(frozen, sig)
    assert restarted_after is not None and restarted_after <= RESTART_WITHIN, (
        restarted_after,
        read_status_files(stack.state_dir / "supervise").get("rasa1"),
    )
    wait_listening(port)  # the restarted replica may still be loading its model
    assert listener_pid(port) != frozen
    assert "rasa1 answered nothing for" in stack.logs()
    missing = [sid for sid in sessions if sid not in dispositions]
    assert not missing, f"no disposition for {missing}:\n{stack.logs()[-4000:]}"
    assert set(dispositions.values()) == {"soon"}
    # Back on its own replica once that answers again: the conversation goes on there.
    own = by_replica[f"http://127.0.0.1:{port}"][0]
    deadline = time.monotonic() + 180
    while (
        time.monotonic() < deadline
        and not httpx.get(f"{stack.gateway_url}/readyz", timeout=5).json()["details"][
            "rasa_replicas_answering"
        ][f"http://127.0.0.1:{port}"]
    ):
        time.sleep(1)
    assert "replies" in say(own, "thanks, that's helpful")
    for sid in sessions:
        stored = pg_count_user_events(db, sid)
        # every answered message is stored, and none twice (a 503'd one may be stored)
        assert answered[sid] <= stored <= sent[sid]
