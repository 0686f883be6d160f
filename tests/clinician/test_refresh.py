"""The conversation list is refreshed by the writers (after each chat turn, on a schedule),
never by a read, and refreshes are coalesced: one at a time, at most one more queued."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.rasa_client import BotTurn
from clinician.summary import RefreshScheduler
from tests.clinician.conftest import NOW, login
from tests.clinician.factory import Conversation, insert

API = "/api/v1/clinician"


def test_requests_during_a_refresh_share_one_more_refresh_afterwards():
    started, release = threading.Event(), threading.Event()
    runs: list[float] = []

    def slow_refresh() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            started.set()
            release.wait(5)

    async def scenario() -> None:
        scheduler = RefreshScheduler(slow_refresh)
        first = asyncio.create_task(scheduler.request())
        await asyncio.to_thread(started.wait, 5)
        later = [asyncio.create_task(scheduler.request()) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in later)  # they wait for a refresh begun after them
        release.set()
        await asyncio.gather(first, *later)
        await scheduler.drain()

    asyncio.run(scenario())
    assert len(runs) == 2


def test_a_failing_refresh_is_logged_and_does_not_fail_the_writer(caplog):
    def broken() -> None:
        raise RuntimeError("database gone")

    async def scenario() -> None:
        await RefreshScheduler(broken).request()

    asyncio.run(scenario())
    assert "conversation summary refresh failed" in caplog.text


def test_a_hung_refresh_does_not_hold_up_the_writer_beyond_the_wait_limit(caplog):
    release = threading.Event()
    finished = []

    def hung() -> None:
        release.wait(10)
        finished.append(True)

    async def scenario() -> float:
        scheduler = RefreshScheduler(hung, wait_limit=0.2)
        started = time.monotonic()
        await scheduler.request()
        waited = time.monotonic() - started
        release.set()
        await scheduler.drain()
        return waited

    waited = asyncio.run(scenario())
    assert waited < 5
    assert finished == [True]  # the refresh itself was not cancelled
    assert "slower than 0.2 s" in caplog.text


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_reads_do_not_refresh_the_list(settings, engine, accounts):
    settings.clinician_refresh_seconds = 3600  # only the refresh at start-up
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client)
        later = Conversation("written-elsewhere-08", NOW)
        later.user("my arm is swollen", "report_lymphoedema", 0.9)
        insert(engine, [later])
        ids = [i["session_id"] for i in client.get(f"{API}/conversations").json()["items"]]
        assert "written-elsewhere-08" not in ids
        client.app.state.clinician.refresh()
        ids = [i["session_id"] for i in client.get(f"{API}/conversations").json()["items"]]
        assert "written-elsewhere-08" in ids


def test_a_chat_turn_is_listed_once_its_answer_is_returned(client, engine, monkeypatch):
    async def rasa_writes_the_turn(session_id: str, message: str) -> BotTurn:
        turn = Conversation(session_id, time.time())
        turn.user(message, "report_fatigue", 0.9).bot("I'm sorry to hear that.")
        await asyncio.to_thread(insert, engine, [turn])
        return BotTurn(replies=[{"text": "I'm sorry to hear that."}])

    monkeypatch.setattr(client.app.state.rasa, "send", rasa_writes_the_turn)
    r = client.post("/api/v1/chat", json={"message": "so tired all the time"})
    assert r.status_code == 200, r.text
    session_id = r.json()["session_id"]
    login(client)
    ids = [i["session_id"] for i in client.get(f"{API}/conversations").json()["items"]]
    assert session_id in ids


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_events_written_another_way_are_listed_by_the_periodic_refresh(settings, engine, accounts):
    settings.clinician_refresh_seconds = 0.1
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client)
        c = Conversation("from-another-replica-09", NOW)
        c.user("i feel sick", "report_nausea", 0.9)
        insert(engine, [c])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            items = client.get(f"{API}/conversations").json()["items"]
            if any(i["session_id"] == "from-another-replica-09" for i in items):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the periodic refresh did not list the conversation")
