"""The gateway in-process, on a tracker store with Rasa's own ``events`` table, on SQLite and
on PostgreSQL (a database made for the test and dropped after it)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from bot.settings import Settings
from clinician import summary
from clinician.accounts import create_account
from clinician.migrate import upgrade
from tests.clinician.factory import Conversation, create_events_table, insert, realistic
from tests.integration.conftest import free_port

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PASSWORDS = {"ada": "ada-admin-passphrase-1", "cleo": "cleo-clinician-passphrase-2"}


def _pg_admin():
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    return conn


@pytest.fixture()
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards."""
    name = f"clinician_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = _pg_admin()
    except Exception as err:  # the server is part of the environment: say so plainly
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {err}")
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rasa.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    create_events_table(url)
    return url


@pytest.fixture()
def settings(store_url: str, tmp_path) -> Settings:
    return Settings(
        state_dir=tmp_path,
        tracker_store_url=store_url,
        rasa_port=free_port(),
        action_port=free_port(),
        rate_limit_per_session="off",
        rate_limit_per_client="off",
    )


@pytest.fixture()
def engine(settings: Settings) -> Iterator[sa.engine.Engine]:
    eng = sa.create_engine(settings.effective_tracker_store_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture()
def accounts(engine) -> dict[str, str]:
    create_account(engine, "ada", PASSWORDS["ada"], "admin")
    create_account(engine, "cleo", PASSWORDS["cleo"], "clinician")
    return PASSWORDS


@pytest.fixture()
def client(settings: Settings, engine, accounts) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, username: str = "cleo") -> str:
    """Log in through the JSON API; returns the CSRF token."""
    r = client.post(
        "/api/v1/clinician/login",
        json={"username": username, "password": PASSWORDS[username]},
    )
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


NOW = time.time()
DAY = 86400.0


@pytest.fixture()
def conversations(engine, stored_conversations) -> dict[str, Conversation]:
    """The known set, listed: summaries refreshed as the gateway does after writing events."""
    summary.refresh(engine)
    return stored_conversations


@pytest.fixture()
def stored_conversations(engine) -> dict[str, Conversation]:
    """A small, known set, written to the tracker store only (summaries not refreshed): an
    emergency, a request for a clinician, a routine one, one with markup in the text, one
    abandoned before any disposition, and an old one."""
    emergency = Conversation("emergency-session-01", NOW - 2 * DAY)
    emergency.user("hi", "greet", 0.98).bot("Hello.")
    emergency.user(
        "my back hurts and my legs went numb",
        "report_back_neck_pain",
        0.91,
        [
            {"entity": "symptom", "value": "back pain", "start": 3, "end": 12},
            {"entity": "symptom", "value": "numbness", "start": 27, "end": 31},
        ],
    )
    emergency.ask_yes_no("Do you have any new problems with your bladder or bowels?")
    emergency.user("yes", "affirm", 0.95)
    emergency.disposition(
        "emergency",
        ["back pain", "numbness"],
        reasons=[
            {
                "rule_id": "mscc-neuro",
                "description": "back pain with numbness in the legs",
                "level": "emergency",
                "source": "NICE NG234",
            }
        ],
        questions=["Do you have any new problems with your bladder or bowels?"],
    )

    asks = Conversation("asks-for-nurse-02", NOW - 1 * DAY)
    asks.user(
        "so tired all the time these days, even after a rest",
        "report_fatigue",
        0.62,
        [{"entity": "symptom", "value": "fatigue", "start": 3, "end": 8}],
    )
    asks.disposition("soon", ["fatigue"])
    asks.user("can i talk to a nurse", "request_clinician", 0.97)
    asks.bot("I've marked this conversation for a clinician.").slot("clinician_attention", True)

    routine = Conversation("routine-session-03", NOW - 3 * DAY)
    routine.user(
        "bit of a cough after my cold, getting better",
        "report_breathing",
        0.88,
        [
            {"entity": "symptom", "value": "cough", "start": 9, "end": 14},
            {"entity": "symptom", "value": "headache", "start": 0, "end": 1, "role": "negated"},
        ],
    )
    routine.disposition("routine", ["cough"])

    hostile = Conversation("markup-session-04", NOW - 4 * DAY)
    hostile.user(
        '<script>alert("x")</script> and "><img src=x onerror=alert(1)> my head hurts',
        "report_headache",
        0.55,
        [{"entity": "symptom", "value": "headache", "start": 60, "end": 70}],
    )
    hostile.disposition("urgent", ["headache"], advice='Call today. <b>bold</b> "quoted"')

    abandoned = Conversation("abandoned-session-05", NOW - 5 * DAY)
    abandoned.user(
        "i had a seizure",
        "report_seizure",
        0.99,
        [{"entity": "symptom", "value": "seizure", "start": 8, "end": 15}],
    )

    old = Conversation("old-session-06", NOW - 400 * DAY)
    old.user("my hip aches", "report_bone_pain", 0.9)
    old.disposition("soon", ["bone pain"])

    known = [emergency, asks, routine, hostile, abandoned, old]
    insert(engine, known)
    return {c.sender_id: c for c in known}


def many(engine, n: int, seed: int = 7, span_days: float = 90) -> None:
    """Writes ``n`` realistic conversations and refreshes the summaries, as the gateway does."""
    rng = random.Random(seed)
    insert(
        engine,
        [realistic(f"bulk-{i:06d}", NOW - rng.uniform(0, span_days) * DAY, rng) for i in range(n)],
    )
    summary.refresh(engine)


def user_event_id(engine, sender_id: str, text: str) -> int:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, data FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender_id},
        ).all()
    import json

    return next(r.id for r in rows if json.loads(r.data)["text"] == text)
