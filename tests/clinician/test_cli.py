"""`bot clinician add`, `bot retention apply`, `bot nlu export-reviewed` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from clinician import annotations
from clinician.accounts import authenticate
from tests.clinician.conftest import user_event_id
from tests.conftest import ROOT

BOT = str(Path(sys.executable).with_name("bot"))


def run_bot(settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "STATE_DIR": str(settings.state_dir),
        "TRACKER_STORE_URL": settings.effective_tracker_store_url,
    }
    return subprocess.run(
        [BOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_clinician_add_reads_the_password_from_stdin(settings, engine):
    r = run_bot(
        settings,
        "clinician",
        "add",
        "nurse.jo",
        "--role",
        "admin",
        stdin="a long enough passphrase\n",
    )
    assert r.returncode == 0, r.stderr
    assert "created admin account 'nurse.jo'" in r.stdout
    account = authenticate(engine, "nurse.jo", "a long enough passphrase")
    assert account is not None and account.role == "admin"
    again = run_bot(settings, "clinician", "add", "nurse.jo", stdin="a long enough passphrase\n")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_clinician_add_refuses_weak_passwords_and_unknown_roles(settings, engine):
    short = run_bot(settings, "clinician", "add", "sam", stdin="short\n")
    assert short.returncode == 1 and "at least 12" in short.stderr
    role = run_bot(settings, "clinician", "add", "sam", "--role", "boss", stdin="x" * 20)
    assert role.returncode == 2
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM clinician_accounts")).scalar() == 0


def test_retention_apply_reports_counts(settings, engine, conversations):
    r = run_bot(settings, "retention", "apply")
    assert r.returncode == 0, r.stderr
    events = len(conversations["old-session-06"].rows)
    assert f"deleted 1 conversations older than 365 days: {events} events" in r.stdout


def test_nlu_export_reviewed_writes_yaml(settings, engine, conversations, tmp_path):
    eid = user_event_id(
        engine, "asks-for-nurse-02", "so tired all the time these days, even after a rest"
    )
    annotations.add_flag(engine, "asks-for-nurse-02", eid, "report_mood_change", "cleo")
    out = tmp_path / "reviewed.yml"
    r = run_bot(settings, "nlu", "export-reviewed", "--output", str(out))
    assert r.returncode == 0, r.stderr
    assert (
        "- intent: report_mood_change\n  examples: |\n"
        "    - so tired all the time these days, even after a rest" in out.read_text()
    )
