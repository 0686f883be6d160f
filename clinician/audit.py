"""The append-only audit log: who did what, when, from where. Never message text.

There is no update or delete path in the product, and the migration adds database triggers
that refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinician.schema import audit

ACTIONS = (
    "login_success",
    "login_failure",
    "login_throttled",
    "logout",
    "view_list",
    "view_transcript",
    "view_audit",
    "export",
    "flag_message",
    "add_note",
    "account_created",
    "password_set",
    "retention_apply",
    "nlu_export",
    # The care team (clinician/care_team): alert attempts and resends, the alerts list.
    "alert_delivery",
    "alert_resend",
    "alert_test",
    "view_alerts",
)


def record(
    engine: Engine,
    action: str,
    *,
    actor: str | None = None,
    role: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Append one entry to the audit log (unknown actions are refused)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with engine.begin() as conn:
        conn.execute(
            audit.insert().values(
                at=time.time(),
                actor=(actor or None) and actor[:64],
                role=role,
                action=action,
                target=(target or None) and target[:255],
                detail=json.dumps(detail, sort_keys=True) if detail else None,
                client=(client or None) and client[:64],
            )
        )


def entries(
    engine: Engine,
    *,
    page: int = 1,
    page_size: int = 100,
    action: str | None = None,
    actor: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, newest first page of entries)."""
    where = []
    if action:
        where.append(audit.c.action == action)
    if actor:
        where.append(audit.c.actor == actor)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(audit).where(*where)).scalar()
        rows = conn.execute(
            sa.select(audit)
            .where(*where)
            .order_by(audit.c.id.desc())
            .limit(page_size)
            .offset((max(page, 1) - 1) * page_size)
        ).all()
    out = []
    for r in rows:
        item = dict(r._mapping)
        item["detail"] = json.loads(item["detail"]) if item["detail"] else None
        out.append(item)
    return int(total or 0), out
