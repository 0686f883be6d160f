"""The conversation list: an incrementally refreshed summary table, filters, paging, the chart.

Listing must stay fast with tens of thousands of conversations, so the dashboard never scans
the events. ``clinician_conversations`` keeps one row per conversation (dates, level,
symptoms, attention, the users' text lowercased for search) and
``clinician_conversation_symptoms`` one row per (conversation, symptom) for the symptom filter.

``refresh`` brings them up to date from the events whose id is above the last one seen. Rows
are recomputed from all of a conversation's events, so refreshing is idempotent; and because
on PostgreSQL a transaction holding a smaller id can commit after a larger one, each refresh
looks again at a window of recent ids and recomputes any conversation whose stored event count
no longer matches.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from clinician import tracker
from clinician.schema import conversation_symptoms, conversations, summary_state
from clinician.transcripts import (
    LEVEL_RANK,
    LEVELS,
    READ_TYPES,
    EventRow,
    _loads,
    summarize,
    week_start,
)

logger = logging.getLogger(__name__)

RECHECK_WINDOW = 500  # event ids looked at again on every refresh (late commits)
CHUNK = 400  # conversations recomputed per query and transaction
BIG_REBUILD = 1000  # conversations recomputed at once after which statistics are refreshed


_seen_events_table: weakref.WeakSet[Engine] = weakref.WeakSet()


def has_events_table(engine: Engine) -> bool:
    """Rasa creates ``events`` when it first starts; until then there is nothing to read."""
    if engine in _seen_events_table:
        return True
    if tracker.table_exists(engine):
        _seen_events_table.add(engine)
        return True
    return False


def _state(conn: Connection) -> int:
    value = conn.execute(sa.select(summary_state.c.last_event_id).where(summary_state.c.id == 1))
    return int(value.scalar() or 0)


def _set_state(conn: Connection, last_event_id: int) -> None:
    updated = conn.execute(
        summary_state.update().where(summary_state.c.id == 1).values(last_event_id=last_event_id)
    ).rowcount
    if not updated:
        conn.execute(summary_state.insert().values(id=1, last_event_id=last_event_id))


def _recompute(engine: Engine, sender_ids: list[str]) -> None:
    for start in range(0, len(sender_ids), CHUNK):
        chunk = sender_ids[start : start + CHUNK]
        with engine.connect() as conn:
            counts = tracker.event_counts(conn, chunk)
            grouped: dict[str, list[EventRow]] = defaultdict(list)
            for r in tracker.events_of_sessions(conn, chunk, READ_TYPES):
                grouped[r.sender_id].append(
                    EventRow(r.id, r.sender_id, r.type_name, r.timestamp or 0.0, _loads(r.data))
                )
        summaries = [
            summarize(sid, grouped.get(sid, []), counts.get(sid, 0))
            for sid in chunk
            if sid in counts
        ]
        _store(engine, chunk, summaries)


def _store(engine: Engine, chunk: list[str], summaries: list) -> None:
    rows = [s.row() for s in summaries]
    symptom_rows = [
        {"sender_id": s.sender_id, "symptom": sym[:64]}
        for s in summaries
        for sym in dict.fromkeys(x[:64] for x in s.shown_symptoms)
    ]
    for _attempt in range(3):
        try:
            with engine.begin() as conn:
                conn.execute(conversations.delete().where(conversations.c.sender_id.in_(chunk)))
                conn.execute(
                    conversation_symptoms.delete().where(
                        conversation_symptoms.c.sender_id.in_(chunk)
                    )
                )
                if rows:
                    conn.execute(conversations.insert(), rows)
                if symptom_rows:
                    conn.execute(conversation_symptoms.insert(), symptom_rows)
            return
        except IntegrityError:  # another gateway worker stored the same rows meanwhile
            continue


def refresh(engine: Engine) -> int:
    """Update the summaries from new events; returns how many conversations were recomputed."""
    if not has_events_table(engine):
        return 0
    with engine.connect() as conn:
        last_seen = _state(conn)
        newest = tracker.newest_event_id(conn)
        low = max(0, min(last_seen, newest) - RECHECK_WINDOW)
        changed = tracker.senders_after(conn, last_seen)
        recent = tracker.newest_ids_between(conn, low, last_seen)
        recent_ids = [sid for sid in recent if sid not in changed]
        if recent_ids:
            stored = dict(
                conn.execute(
                    sa.select(conversations.c.sender_id, conversations.c.event_count).where(
                        conversations.c.sender_id.in_(recent_ids)
                    )
                ).all()
            )
            actual = tracker.event_counts(conn, recent_ids)
            changed.update(sid for sid in recent_ids if stored.get(sid) != actual.get(sid))
    if changed:
        _recompute(engine, sorted(changed))
        if len(changed) >= BIG_REBUILD and engine.dialect.name == "postgresql":
            # Fresh statistics after a large build, or the planner guesses from an empty table.
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE clinician_conversations"))
                conn.execute(sa.text("ANALYZE clinician_conversation_symptoms"))
    if newest != last_seen:
        try:
            with engine.begin() as conn:
                _set_state(conn, newest)
        except IntegrityError:
            # Another refresh (the periodic one, another gateway worker) stored the first
            # state row between our update and insert: the row is there now, so update it.
            with engine.begin() as conn:
                _set_state(conn, newest)
    return len(changed)


def forget(conn: Connection, sender_ids: list[str]) -> None:
    """Drop summaries of deleted conversations (retention)."""
    conn.execute(conversations.delete().where(conversations.c.sender_id.in_(sender_ids)))
    conn.execute(
        conversation_symptoms.delete().where(conversation_symptoms.c.sender_id.in_(sender_ids))
    )


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


def parse_when(value: str | None, *, end: bool = False) -> float | None:
    """A date (YYYY-MM-DD, a whole UTC day) or an ISO 8601 time, as a unix timestamp."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return moment.timestamp() + (86400 if end else 0)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise FilterError("dates are YYYY-MM-DD or ISO 8601 times") from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


@dataclass
class Filters:
    levels: list[str] = field(default_factory=list)  # "none" = no disposition
    symptom: str | None = None
    since: float | None = None
    until: float | None = None
    flagged: bool | None = None
    q: str | None = None

    @classmethod
    def parse(
        cls,
        level: list[str] | str | None = None,
        symptom: str | None = None,
        since: str | None = None,
        until: str | None = None,
        flagged: bool | None = None,
        q: str | None = None,
    ) -> Filters:
        """Filters from query parameters; FilterError names a bad one."""
        raw = [level] if isinstance(level, str) else list(level or [])
        levels = [v.strip().lower() for item in raw for v in item.split(",") if v.strip()]
        bad = [v for v in levels if v not in (*LEVELS, "none")]
        if bad:
            raise FilterError(f"level: one of {', '.join((*LEVELS, 'none'))}")
        return cls(
            levels=levels,
            symptom=(symptom or "").strip().lower()[:64] or None,
            since=parse_when(since),
            until=parse_when(until, end=True),
            flagged=flagged,
            q=(q or "").strip().lower()[:200] or None,
        )

    def describe(self) -> dict[str, Any]:
        """For the audit log: which filters were used (never the search text itself)."""
        out: dict[str, Any] = {}
        if self.levels:
            out["level"] = self.levels
        if self.symptom:
            out["symptom"] = self.symptom
        if self.since is not None:
            out["since"] = self.since
        if self.until is not None:
            out["until"] = self.until
        if self.flagged is not None:
            out["flagged"] = self.flagged
        if self.q:
            out["q"] = True
        return out

    def where(self) -> list:
        """The SQL conditions on the summary table."""
        c = conversations.c
        clauses: list = []
        if self.levels:
            ranks = [0 if v == "none" else LEVEL_RANK[v] for v in self.levels]
            clauses.append(c.level_rank.in_(ranks))
        if self.symptom:
            clauses.append(
                c.sender_id.in_(
                    sa.select(conversation_symptoms.c.sender_id).where(
                        conversation_symptoms.c.symptom == self.symptom
                    )
                )
            )
        if self.since is not None:
            clauses.append(c.started_at >= self.since)
        if self.until is not None:
            clauses.append(c.started_at < self.until)
        if self.flagged is not None:
            clauses.append(c.attention.is_(self.flagged))
        if self.q:
            pattern = "%" + _escape_like(self.q) + "%"
            clauses.append(
                sa.or_(
                    c.search_text.like(pattern, escape="\\"),
                    c.sender_id.like(pattern, escape="\\"),
                )
            )
        return clauses


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


LIST_COLUMNS = (
    conversations.c.sender_id,
    conversations.c.started_at,
    conversations.c.last_at,
    conversations.c.level,
    conversations.c.symptoms,
    conversations.c.attention,
    conversations.c.user_messages,
)


def _item(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    item["session_id"] = item.pop("sender_id")
    item["symptoms"] = json.loads(item["symptoms"] or "[]")
    item["attention"] = bool(item["attention"])
    return item


def list_page(
    engine: Engine, filters: Filters, page: int = 1, page_size: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page newest first)."""
    where = filters.where()
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(conversations).where(*where)
        ).scalar()
        rows = conn.execute(
            sa.select(*LIST_COLUMNS)
            .where(*where)
            .order_by(conversations.c.started_at.desc(), conversations.c.sender_id)
            .limit(page_size)
            .offset((max(page, 1) - 1) * page_size)
        ).all()
    return int(total or 0), [_item(r) for r in rows]


def iter_all(engine: Engine, filters: Filters, batch: int = 1000):
    """Every matching conversation, newest first (for exports)."""
    where = filters.where()
    offset = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(*LIST_COLUMNS)
                .where(*where)
                .order_by(conversations.c.started_at.desc(), conversations.c.sender_id)
                .limit(batch)
                .offset(offset)
            ).all()
        yield from (_item(r) for r in rows)
        if len(rows) < batch:
            return
        offset += batch


def get_summary(engine: Engine, sender_id: str) -> dict[str, Any] | None:
    """One conversation's summary row, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*LIST_COLUMNS).where(conversations.c.sender_id == sender_id)
        ).first()
    return _item(row) if row else None


def weekly_counts(engine: Engine, filters: Filters, weeks: int = 12) -> list[dict[str, Any]]:
    """Conversations per triage level per week (UTC, Monday first) for the last weeks that
    have any conversation matching the filters.
    """
    where = filters.where()
    c = conversations.c
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(c.week)).where(*where)).scalar()
        if newest is None:
            return []
        first = newest - weeks + 1
        rows = conn.execute(
            sa.select(c.week, c.level_rank, sa.func.count())
            .where(*where, c.week >= first)
            .group_by(c.week, c.level_rank)
        ).all()
    table = {w: dict.fromkeys((*LEVELS, "none"), 0) for w in range(first, newest + 1)}
    for week, rank, count in rows:
        level = next((lv for lv, rk in LEVEL_RANK.items() if rk == rank), "none")
        table[week][level] += int(count)
    return [
        {
            "week_start": datetime.fromtimestamp(week_start(w), tz=timezone.utc).date().isoformat(),
            "counts": counts,
        }
        for w, counts in table.items()
    ]


def known_symptoms(engine: Engine) -> list[str]:
    """Every symptom some conversation has, sorted (the dashboard's filter list)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(conversation_symptoms.c.symptom)
            .distinct()
            .order_by(conversation_symptoms.c.symptom)
        ).all()
    return [r[0] for r in rows]


class RefreshScheduler:
    """Runs a blocking refresh off the event loop, one at a time, coalescing requests.

    A request while no refresh runs starts one; requests made while one runs share a single
    next run, started when the current one ends, so every caller waits for a refresh that
    began after its own request (it sees what was written before it asked).
    """

    def __init__(self, refresh: Callable[[], object], wait_limit: float = 2.0) -> None:
        self._refresh = refresh
        # A slow or locked store must not hold up the person's answer: after this long the
        # caller goes on and the refresh finishes on its own.
        self._wait_limit = wait_limit
        self._next: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None

    async def request(self) -> None:
        """Ask for a refresh and wait until one started after this call has finished.

        A failed refresh is logged, never raised: the writer's own work has succeeded. The
        wait is bounded by ``wait_limit``; the refresh itself is not cancelled.
        """
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._runner is None:
            self._runner = asyncio.create_task(self._run())
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self._wait_limit)
        except asyncio.TimeoutError:
            logger.warning(
                "conversation summary refresh slower than %.1f s; not waiting for it",
                self._wait_limit,
                extra={"event": "clinician.refresh_slow"},
            )

    async def _run(self) -> None:
        try:
            while self._next is not None:
                current, self._next = self._next, None
                try:
                    await asyncio.to_thread(self._refresh)
                except Exception as err:  # the store is down: the next request tries again
                    logger.warning(
                        "conversation summary refresh failed: %s",
                        err.__class__.__name__,
                        extra={"event": "clinician.refresh_failed"},
                    )
                if not current.done():
                    current.set_result(None)
        finally:
            self._runner = None
            if self._next is not None and not self._next.done():
                self._next.cancel()  # shutting down: nobody will run it
                self._next = None

    async def every(self, seconds: float) -> None:
        """Refresh now and then every ``seconds``, for events written by other processes."""
        while True:
            await self.request()
            await asyncio.sleep(seconds)

    async def drain(self) -> None:
        """Wait for the refresh in progress, if any (before the engine is disposed)."""
        runner = self._runner
        if runner is not None:
            await asyncio.gather(runner, return_exceptions=True)
