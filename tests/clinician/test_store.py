"""Migrations, the incremental summaries, retention and the NLU export, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
import yaml

from clinician import annotations, migrate, nlu_export, retention, summary
from clinician.care_team.schema import CARE_TEAM_TABLES
from clinician.schema import CLINICIAN_TABLES, summary_state
from clinician.schema import conversations as summaries
from clinician.tracker import events
from tests.clinician.conftest import NOW, user_event_id
from tests.clinician.factory import Conversation, insert


def test_migration_from_an_empty_database_creates_only_clinician_tables(store_url):
    engine = sa.create_engine(store_url)
    # store_url already has Rasa's events table; an empty database must work as well
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    assert sa.inspect(engine).get_table_names() == []
    migrate.upgrade(engine)
    assert migrate.current(engine) == "0002_care_team"
    tables = set(sa.inspect(engine).get_table_names())
    assert tables == CLINICIAN_TABLES | CARE_TEAM_TABLES | {"clinician_alembic_version"}
    migrate.upgrade(engine)  # idempotent
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) == {"clinician_alembic_version"}
    engine.dispose()


def test_migrations_leave_rasas_events_alone(store_url):
    engine = sa.create_engine(store_url)
    c = Conversation("kept-session-1", NOW)
    c.user("hello", "greet")
    insert(engine, [c])
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() == len(c.rows)
    engine.dispose()


def test_refresh_is_incremental_and_idempotent(engine, stored_conversations):
    assert summary.refresh(engine) == 6
    assert summary.refresh(engine) == 0
    more = Conversation("emergency-session-01", NOW)
    more.user("and now i feel confused", "report_neuro_change", 0.8)
    insert(engine, [more])
    assert summary.refresh(engine) == 1
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(summaries).where(summaries.c.sender_id == "emergency-session-01")
        ).one()
    assert row.user_messages == 4 and row.level == "emergency"


def test_a_refresh_racing_another_for_the_first_state_row_still_stores_its_state(
    engine, stored_conversations, monkeypatch
):
    """Two refreshes (the periodic one and a writer's) both find no state row and insert it;
    one insert loses with a duplicate key. That refresh must still record where it got to."""
    real = summary._set_state
    raced: list[bool] = []

    def other_refresh_inserts_first(conn, last_event_id):
        if not raced:
            raced.append(True)
            with engine.begin() as other:  # the other refresh, committing its first row now
                other.execute(summary_state.insert().values(id=1, last_event_id=1))
            conn.execute(summary_state.insert().values(id=1, last_event_id=last_event_id))
        real(conn, last_event_id)

    monkeypatch.setattr(summary, "_set_state", other_refresh_inserts_first)
    assert summary.refresh(engine) == 6
    assert raced
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(events.c.id))).scalar()
        assert conn.execute(sa.select(summary_state.c.last_event_id)).scalars().all() == [newest]
    assert summary.refresh(engine) == 0


def test_refresh_catches_events_committed_late_with_a_lower_id(engine, conversations):
    summary.refresh(engine)
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(events.c.id))).scalar()
    # Simulate a concurrent writer whose smaller id became visible after the refresh.
    late = Conversation("routine-session-03", NOW)
    late.disposition("urgent", ["jaundice"])
    rows = late.rows[:]
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE clinician_summary_state SET last_event_id = :n"),
            {"n": newest + len(rows)},
        )
        conn.execute(events.insert(), [{**r, "id": newest + 1 + n} for n, r in enumerate(rows)])
    summary.refresh(engine)
    with engine.connect() as conn:
        level = conn.execute(
            sa.select(summaries.c.level).where(summaries.c.sender_id == "routine-session-03")
        ).scalar()
    assert level == "urgent"


def test_level_never_goes_down_within_a_conversation(engine):
    c = Conversation("mixed-levels-1", NOW)
    c.disposition("urgent", ["headache"]).disposition("routine", ["cough"])
    insert(engine, [c])
    summary.refresh(engine)
    _, items = summary.list_page(engine, summary.Filters())
    assert items[0]["level"] == "urgent"
    assert items[0]["symptoms"] == ["headache", "cough"]


def test_retention_deletes_old_conversations_with_their_annotations(engine, conversations):
    summary.refresh(engine)
    eid = user_event_id(engine, "old-session-06", "my hip aches")
    annotations.add_flag(engine, "old-session-06", eid, "report_bone_pain", "cleo")
    annotations.add_note(engine, "old-session-06", "seen", "cleo")
    annotations.add_note(engine, "emergency-session-01", "kept", "cleo")
    old_events = len(conversations["old-session-06"].rows)

    dry = retention.apply(engine, 365, dry_run=True)
    assert (dry.conversations, dry.events, dry.flags, dry.notes) == (1, old_events, 1, 1)
    report = retention.apply(engine, 365)
    assert (report.conversations, report.events, report.flags, report.notes) == (
        1,
        old_events,
        1,
        1,
    )
    summary.refresh(engine)
    total, items = summary.list_page(engine, summary.Filters())
    assert total == 5 and "old-session-06" not in {i["session_id"] for i in items}
    assert annotations.for_conversation(engine, "emergency-session-01")["notes"]
    assert retention.apply(engine, 365).conversations == 0


def test_nlu_export_writes_corrected_examples_rasa_can_read(engine, conversations, tmp_path):
    eid = user_event_id(
        engine, "asks-for-nurse-02", "so tired all the time these days, even after a rest"
    )
    annotations.add_flag(engine, "asks-for-nurse-02", eid, "report_fatigue", "cleo")
    annotations.add_flag(engine, "asks-for-nurse-02", eid, "report_mood_change", "ada")  # wins
    hostile = user_event_id(
        engine,
        "markup-session-04",
        '<script>alert("x")</script> and "><img src=x onerror=alert(1)> my head hurts',
    )
    annotations.add_flag(engine, "markup-session-04", hostile, "report_headache", "cleo")
    hi = user_event_id(engine, "emergency-session-01", "hi")
    annotations.add_flag(engine, "emergency-session-01", hi, "greet", "cleo")
    training = tmp_path / "nlu.yml"
    training.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - [hi](x)\n')

    examples = nlu_export.reviewed_examples(engine, training)
    assert examples["report_mood_change"] == ["so tired all the time these days, even after a rest"]
    assert "report_fatigue" not in examples
    assert "greet" not in examples  # already in the training data
    text = nlu_export.to_yaml(examples)
    out = tmp_path / "reviewed.yml"
    out.write_text(text)

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(out)
    by_intent = {m.get("intent"): m.get("text") for m in data.training_examples}
    assert by_intent["report_mood_change"] == "so tired all the time these days, even after a rest"
    assert by_intent["report_headache"].startswith("<script>alert")
    assert not data.entities  # brackets were neutralised: no accidental entity markup
    assert yaml.safe_load(text)["version"] == "3.1"


def test_before_rasa_stores_anything_the_list_is_empty_not_an_error(settings, accounts):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.clinician.conftest import login

    engine = sa.create_engine(settings.effective_tracker_store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        login(client)
        assert client.get("/api/v1/clinician/conversations").json()["total"] == 0
        assert client.get("/api/v1/clinician/conversations/anyone-at-all").status_code == 404
        assert client.get("/clinician").status_code == 200
