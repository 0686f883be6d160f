"""What the gateway keeps for the clinician side: the store, the session policy, the secret,
and the conversation record a clinician reads (the transcript).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.secrets_store import ensure_secret
from bot.settings import Settings
from clinician import annotations, summary
from clinician.auth import Policy
from clinician.migrate import upgrade
from clinician.transcripts import read_events, transcript_turns


@dataclass
class ClinicianService:
    engine: Engine
    settings: Settings
    policy: Policy
    secret: str
    refresher: summary.RefreshScheduler = field(init=False)

    def __post_init__(self) -> None:
        self.refresher = summary.RefreshScheduler(self.refresh)

    @classmethod
    def start(cls, settings: Settings, engine: Engine) -> ClinicianService:
        """Migrate the clinician tables (an empty database included) and load the secret."""
        if engine.url.get_backend_name() == "sqlite":
            settings.state_dir.mkdir(parents=True, exist_ok=True)
        upgrade(engine)
        secret = ensure_secret(
            settings.state_dir, "clinician_secret_key", settings.clinician_secret_key
        )
        return cls(
            engine=engine, settings=settings, policy=Policy.from_settings(settings), secret=secret
        )

    def refresh(self) -> int:
        """Bring the conversation summaries up to date with the tracker store (blocking).

        Returns:
            How many conversations were recomputed.
        """
        return summary.refresh(self.engine)

    def conversation_exists(self, session_id: str) -> bool:
        """Whether the conversation list has this conversation."""
        return summary.get_summary(self.engine, session_id) is not None

    def transcript(self, session_id: str) -> dict[str, Any] | None:
        """The whole record of one conversation, or None when there is none.

        The summary head (level, symptoms, attention) comes from the list as last refreshed;
        the turns, flags and notes are read from the store now.
        """
        head = summary.get_summary(self.engine, session_id)
        if head is None and not summary.has_events_table(self.engine):
            return None  # Rasa has not stored anything yet
        with self.engine.connect() as conn:
            rows = read_events(conn, session_id)
        if head is None and not rows:
            return None
        turns = transcript_turns(rows)
        notes_and_flags = annotations.for_conversation(self.engine, session_id)
        flagged: dict[int, dict] = {}
        for f in notes_and_flags["flags"]:
            flagged[f["event_id"]] = f  # latest flag of each message
        for turn in turns:
            if turn["kind"] == "user":
                turn["flag"] = flagged.get(turn["event_id"])
        head = head or {
            "session_id": session_id,
            "level": None,
            "symptoms": [],
            "attention": False,
        }
        return {
            **head,
            "turns": turns,
            "dispositions": [t for t in turns if t["kind"] == "disposition"],
            "questions": [q for t in turns if t["kind"] == "disposition" for q in t["questions"]],
            "flags": notes_and_flags["flags"],
            "notes": notes_and_flags["notes"],
        }
