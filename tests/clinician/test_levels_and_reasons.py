"""The clinician side reads what the triage engine writes: rule ids and one level numbering."""

from __future__ import annotations

from api.routes.widget import load_asset
from api.schemas import Triage
from bot.triage import Findings, Level, assess
from bot.triage.models import LEVEL_NAMES
from clinician.transcripts import LEVEL_RANK, LEVELS, disposition_from


def test_transcript_reasons_keep_the_rule_id_the_engine_stores() -> None:
    findings = Findings(categories={"back_neck_pain"}).with_answer("bladder_bowel", "yes")
    record = assess(findings).to_record()
    expected = [reason["rule_id"] for reason in record["reasons"]]
    assert expected and all(expected)

    disposition = disposition_from(record)

    assert disposition is not None
    assert [reason["rule_id"] for reason in disposition["reasons"]] == expected
    assert all(reason["version"] for reason in disposition["reasons"])


def test_clinician_level_ranks_are_the_triage_enum_values() -> None:
    assert {name: Level.from_name(name).value for name in LEVELS} == LEVEL_RANK
    assert LEVELS == ("emergency", "urgent", "soon", "routine")
    assert 0 not in LEVEL_RANK.values()  # 0 is kept for "no disposition" in the store


def test_chat_api_schema_lists_the_enum_level_names() -> None:
    assert tuple(Triage.schema()["properties"]["level"]["enum"]) == LEVEL_NAMES


def test_served_widget_gets_the_level_names_from_the_enum() -> None:
    load_asset.cache_clear()
    body = load_asset("widget.js", "text/javascript").body.decode()
    assert 'var LEVELS = ["emergency", "urgent", "soon", "routine"];' in body
    assert "/*TRIAGE_LEVELS*/" not in body
