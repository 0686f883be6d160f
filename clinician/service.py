"""What the gateway keeps for the clinician side: the store, the session policy, the secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.secrets_store import ensure_secret
from bot.settings import Settings
from clinician import summary
from clinician.auth import Policy
from clinician.migrate import upgrade


@dataclass
class ClinicianService:
    engine: Engine
    settings: Settings
    policy: Policy
    secret: str
    refresher: summary.Refresher = field(default_factory=lambda: summary.Refresher(0.0))

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

    def refresh(self) -> None:
        """Bring the conversation summaries up to date with the tracker store."""
        self.refresher(self.engine)
