"""Only clinician/tracker.py knows Rasa's ``events`` table (issue 17's storage boundary).

The check reads the source (AST, so comments and docstrings may still talk about events) of
every module in clinician/, api/ and migrations/ and refuses, outside clinician/tracker.py:
importing or reaching the table object, and string literals that name the table to the
database (``"events"`` itself, or SQL such as ``FROM events``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from clinician import schema, tracker
from clinician.care_team.schema import CARE_TEAM_TABLES

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("clinician", "api", "migrations")
OWNER = ROOT / "clinician" / "tracker.py"
TABLE_OBJECTS = {"events", "_rasa_metadata"}
STORE_MODULES = {"clinician.tracker", "clinician.schema"}
SQL_NAMING_EVENTS = re.compile(r"\b(from|join|into|update|table)\s+[\"'`]?events\b", re.I)


def _documentation(tree: ast.AST) -> set[int]:
    """Ids of the string statements that only document (docstrings, attribute docs)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def events_table_uses(source: str) -> list[str]:
    """Where a module's source reaches Rasa's events table: one line per use."""
    tree = ast.parse(source)
    docs = _documentation(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in STORE_MODULES:
            found += [
                f"{node.lineno}: imports {node.module}.{a.name}"
                for a in node.names
                if a.name in TABLE_OBJECTS
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in TABLE_OBJECTS
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (getattr(node.value, "id", None) or node.value.attr) in {"tracker", "schema"}
        ):
            found.append(f"{node.lineno}: uses {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and (node.value.strip().lower() == "events" or SQL_NAMING_EVENTS.search(node.value))
        ):
            found.append(f"{node.lineno}: names the table in {node.value!r}")
    return found


def _modules() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py") if p != OWNER)


def test_no_module_but_the_tracker_reaches_rasas_events_table():
    uses = {
        str(path.relative_to(ROOT)): found
        for path in _modules()
        if (found := events_table_uses(path.read_text(encoding="utf-8")))
    }
    assert uses == {}


def test_the_boundary_check_catches_each_way_of_reaching_the_table():
    bad = '''
"""Docstrings may say ``events`` and "FROM events" freely."""
from clinician.schema import events
from clinician.tracker import events as rasa_events
import clinician.tracker
# a comment about the events table is fine too
count = clinician.tracker.events.c.id
rows = tracker.events.select()
exists = inspector.has_table("events")
sql = sa.text("SELECT data FROM events WHERE sender_id = :s")
gone = "delete from  events"
label = "events of the week"
'''
    lines = sorted(int(use.split(":")[0]) for use in events_table_uses(bad))
    assert lines == [3, 4, 7, 8, 9, 10, 11]


def test_the_boundary_check_reads_the_tracker_itself_as_reaching_the_table():
    assert events_table_uses(OWNER.read_text(encoding="utf-8"))


def test_alembic_manages_no_part_of_rasas_events_table():
    assert tracker.events.name == "events"
    assert tracker.events.metadata is not schema.metadata
    assert "events" not in schema.CLINICIAN_TABLES | CARE_TEAM_TABLES
    assert not hasattr(schema, "events")
