"""The durable alert outbox: alerts found in the tracker store, stored before any sending.

``scan`` reads the tracker store's new events (every channel's conversations end up there) and
turns each disposition at a level in ``ALERT_LEVELS``, and each request for a clinician, into an
alert row plus one delivery row per configured receiver, in one transaction with the scan's
cursor. An event makes at most one alert (``dedupe_key`` is unique), so scanning again after a
crash, or from two gateways, adds nothing. Senders then claim due deliveries with a lease
(``claim``), so two senders never try the same one at once, and mark them sent or schedule the
next attempt with exponential backoff (``record_attempt``).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.settings import Settings
from clinician import tracker
from clinician.care_team.schema import alerts, deliveries, scan_state

DISPOSITION = "triage.disposition"
CLINICIAN_REQUESTED = "clinician.requested"
TRIAGE_SLOT = "triage_result"
ATTENTION_SLOT = "clinician_attention"
#: The action that sets ``clinician_attention`` along with an emergency disposition: that
#: attention is the disposition's own alert, not a request for a clinician.
DISPOSITION_ACTION = "action_triage_disposition"

WEBHOOK = "webhook"
EMAIL = "email"
PENDING, RETRYING, SENT, FAILED = "pending", "retrying", "sent", "failed"
#: Event ids read again on each scan: on PostgreSQL a lower id can commit after a higher one.
LOOKBACK_IDS = 200


@dataclass(frozen=True)
class Alert:
    """One alert as stored; ``body`` is the webhook's JSON body, byte for byte."""

    id: str
    type: str
    session_id: str
    level: str | None
    symptoms: list[str]
    created_at: float
    body: str

    def payload(self) -> dict[str, Any]:
        """The webhook body, parsed."""
        return json.loads(self.body)


def iso(timestamp: float) -> str:
    """A Unix time as ISO 8601 UTC to the second (``2026-01-31T09:30:00Z``)."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dashboard_url(settings: Settings, session_id: str) -> str:
    """The conversation's page in the clinician dashboard."""
    return f"{settings.public_url}/clinician/conversations/{session_id}"


def alert_body(
    alert_id: str,
    alert_type: str,
    session_id: str,
    level: str | None,
    symptoms: list[str],
    created_at: float,
    link: str,
    extra: dict[str, Any] | None = None,
) -> str:
    """The webhook body (design.md): no message text, only what the care team needs to act."""
    body = {
        "id": alert_id,
        "type": alert_type,
        "session_id": session_id,
        "level": level,
        "symptoms": symptoms,
        "created_at": iso(created_at),
        "dashboard_url": link,
        **(extra or {}),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def channels(settings: Settings) -> list[str]:
    """The receivers configured now."""
    found = []
    # A webhook without its secret would be unsigned: receivers must refuse it, so none is sent.
    if settings.alert_webhook_url and settings.alert_webhook_secret:
        found.append(WEBHOOK)
    if settings.alert_smtp_url and settings.alert_email_to:
        found.append(EMAIL)
    return found


def enqueue(
    conn: Connection,
    settings: Settings,
    dedupe_key: str,
    alert_type: str,
    session_id: str,
    level: str | None,
    symptoms: list[str],
    created_at: float,
    extra: dict[str, Any] | None = None,
    now: float | None = None,
) -> str | None:
    """Stores one alert and its deliveries; None when this key already has its alert."""
    exists = conn.execute(sa.select(alerts.c.id).where(alerts.c.dedupe_key == dedupe_key)).scalar()
    if exists is not None:
        return None
    alert_id = str(uuid.uuid4())
    body = alert_body(
        alert_id,
        alert_type,
        session_id,
        level,
        symptoms,
        created_at,
        dashboard_url(settings, session_id),
        extra,
    )
    conn.execute(
        alerts.insert().values(
            id=alert_id,
            dedupe_key=dedupe_key[:255],
            type=alert_type,
            session_id=session_id,
            level=level,
            symptoms=json.dumps(symptoms),
            created_at=created_at,
            body=body,
        )
    )
    due = time.time() if now is None else now
    for channel in channels(settings):
        conn.execute(
            deliveries.insert().values(
                alert_id=alert_id, channel=channel, status=PENDING, attempts=0, next_attempt_at=due
            )
        )
    return alert_id


# ---------------------------------------------------------------- the scan
def _cursor(conn: Connection) -> int:
    value = conn.execute(sa.select(scan_state.c.last_event_id).where(scan_state.c.id == 1))
    found = value.scalar()
    return int(found) if found is not None else 0


def _set_cursor(conn: Connection, last_event_id: int) -> None:
    updated = conn.execute(
        scan_state.update().where(scan_state.c.id == 1).values(last_event_id=last_event_id)
    )
    if updated.rowcount == 0:
        conn.execute(scan_state.insert().values(id=1, last_event_id=last_event_id))


def _value(data: str | None) -> Any:
    try:
        return (json.loads(data or "{}") or {}).get("value")
    except (TypeError, ValueError, AttributeError):
        return None


def _symptoms(value: Any) -> list[str]:
    items = value.get("symptoms") if isinstance(value, dict) else None
    return [str(s) for s in items if isinstance(s, str)] if isinstance(items, list) else []


def scan(engine: Engine, settings: Settings, now: float | None = None) -> list[str]:
    """Turns new tracker-store events into alerts; returns the new alerts' ids."""
    now = time.time() if now is None else now
    oldest = now - settings.alert_max_age_hours * 3600
    created: list[str] = []
    with engine.begin() as conn:
        cursor = _cursor(conn)
        rows = tracker.slot_events_after(
            conn, max(0, cursor - LOOKBACK_IDS), (TRIAGE_SLOT, ATTENTION_SLOT)
        )
        last = cursor
        for row in rows:
            last = max(last, row.id)
            if (row.timestamp or 0) < oldest:
                continue
            value = _value(row.data)
            if row.action_name == TRIAGE_SLOT:
                level = value.get("level") if isinstance(value, dict) else None
                if level not in settings.alert_levels:
                    continue
                new = enqueue(
                    conn,
                    settings,
                    f"{DISPOSITION}:{row.sender_id}:{row.id}",
                    DISPOSITION,
                    row.sender_id,
                    level,
                    _symptoms(value),
                    row.timestamp,
                    now=now,
                )
            else:
                if value is not True:
                    continue
                action = tracker.previous_event(conn, row.sender_id, row.id, "action")
                if action is not None and action.action_name == DISPOSITION_ACTION:
                    continue
                # One request alert per conversation session, however often it is asked.
                session = tracker.previous_event(conn, row.sender_id, row.id, "session_started")
                key = f"{CLINICIAN_REQUESTED}:{row.sender_id}:{session.id if session else 0}"
                new = enqueue(
                    conn,
                    settings,
                    key,
                    CLINICIAN_REQUESTED,
                    row.sender_id,
                    _latest_level(conn, row.sender_id, row.id),
                    [],
                    row.timestamp,
                    now=now,
                )
            if new:
                created.append(new)
        _set_cursor(conn, last)
    return created


def _latest_level(conn: Connection, sender: str, event_id: int) -> str | None:
    """The conversation's latest disposition level before the request, if any."""
    value = _value(tracker.previous_slot_data(conn, sender, event_id, TRIAGE_SLOT))
    return value.get("level") if isinstance(value, dict) else None


# ---------------------------------------------------------------- deliveries
@dataclass(frozen=True)
class Due:
    delivery_id: int
    channel: str
    attempts: int
    alert: Alert


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id,
        type=row.type,
        session_id=row.session_id,
        level=row.level,
        symptoms=json.loads(row.symptoms or "[]"),
        created_at=row.created_at,
        body=row.body,
    )


def due(
    engine: Engine, now: float | None = None, limit: int = 20, alert_id: str | None = None
) -> list[Due]:
    """Deliveries whose next attempt is due and that no sender holds (of one alert, or all)."""
    now = time.time() if now is None else now
    query = (
        sa.select(
            deliveries.c.id.label("delivery_id"),
            deliveries.c.channel,
            deliveries.c.attempts,
            alerts,
        )
        .join(alerts, alerts.c.id == deliveries.c.alert_id)
        .where(
            deliveries.c.status.in_((PENDING, RETRYING)),
            deliveries.c.next_attempt_at <= now,
            sa.or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
        )
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if alert_id is not None:
        query = query.where(deliveries.c.alert_id == alert_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Due(r.delivery_id, r.channel, r.attempts, _alert(r)) for r in rows]


def claim(engine: Engine, delivery_id: int, lease_seconds: float, now: float | None = None) -> bool:
    """Takes a due delivery for one attempt; False when another sender has it (or it is done)."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        result = conn.execute(
            deliveries.update()
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.status.in_((PENDING, RETRYING)),
                sa.or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            )
            .values(lease_until=now + lease_seconds)
        )
    return result.rowcount == 1


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Delay after the ``attempts``-th failed attempt: doubling from the base, capped, with
    up to 10% added at random so that receivers coming back are not hit all at once.
    """
    delay = min(
        settings.alert_retry_max_seconds, settings.alert_retry_base_seconds * 2 ** (attempts - 1)
    )
    return delay * (1 + random.uniform(0, 0.1))  # noqa: S311 (jitter, not a secret)


def record_attempt(
    engine: Engine,
    settings: Settings,
    delivery_id: int,
    ok: bool,
    error: str | None = None,
    now: float | None = None,
) -> tuple[str, int]:
    """Marks an attempt's outcome; returns the new status and the number of attempts."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        attempts = (
            conn.execute(
                sa.select(deliveries.c.attempts).where(deliveries.c.id == delivery_id)
            ).scalar_one()
            + 1
        )
        if ok:
            values: dict[str, Any] = {"status": SENT, "sent_at": now, "last_error": None}
        elif attempts >= settings.alert_max_attempts:
            values = {"status": FAILED, "last_error": (error or "")[:255]}
        else:
            values = {
                "status": RETRYING,
                "next_attempt_at": now + backoff_seconds(settings, attempts),
                "last_error": (error or "")[:255],
            }
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id)
            .values(attempts=attempts, lease_until=None, **values)
        )
    return values["status"], attempts


def resend(engine: Engine, alert_id: str, now: float | None = None) -> list[str]:
    """A clinician's manual resend: the alert's unsent deliveries are tried again now, with a
    fresh count of attempts. Returns the channels rescheduled (none when all were sent).
    """
    now = time.time() if now is None else now
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(deliveries.c.id, deliveries.c.channel).where(
                deliveries.c.alert_id == alert_id, deliveries.c.status != SENT
            )
        ).all()
        for row in rows:
            conn.execute(
                deliveries.update()
                .where(deliveries.c.id == row.id)
                .values(status=PENDING, attempts=0, next_attempt_at=now, lease_until=None)
            )
    return [row.channel for row in rows]


def get_alert(engine: Engine, alert_id: str) -> Alert | None:
    """One stored alert, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert(row) if row else None


def overall_status(statuses: Iterable[str]) -> str:
    """One word for the dashboard: failed > retrying > pending > sent."""
    found = set(statuses)
    for status in (FAILED, RETRYING, PENDING):
        if status in found:
            return status
    return SENT if found else "no receiver"


def list_alerts(engine: Engine, limit: int = 100, offset: int = 0) -> tuple[int, list[dict]]:
    """Alerts newest first, each with its deliveries (no message text anywhere)."""
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar_one()
        rows = conn.execute(
            sa.select(alerts).order_by(alerts.c.created_at.desc()).limit(limit).offset(offset)
        ).all()
        ids = [r.id for r in rows]
        found = (
            conn.execute(
                sa.select(deliveries)
                .where(deliveries.c.alert_id.in_(ids))
                .order_by(deliveries.c.id)
            ).all()
            if ids
            else []
        )
    by_alert: dict[str, list[dict]] = {}
    for d in found:
        by_alert.setdefault(d.alert_id, []).append(
            {
                "channel": d.channel,
                "status": d.status,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at if d.status in (PENDING, RETRYING) else None,
                "last_error": d.last_error,
                "sent_at": d.sent_at,
            }
        )
    items = []
    for r in rows:
        sent = by_alert.get(r.id, [])
        items.append(
            {
                "id": r.id,
                "type": r.type,
                "session_id": r.session_id,
                "level": r.level,
                "symptoms": json.loads(r.symptoms or "[]"),
                "created_at": r.created_at,
                "status": overall_status(d["status"] for d in sent),
                "deliveries": sent,
            }
        )
    return total, items
