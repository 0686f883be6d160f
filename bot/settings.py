"""All settings in one place, read from the environment (and an optional ``.env`` file).

Every variable is documented in ``.env.example``. Secrets have no defaults: ``bot run``
creates a random one per installation under the state folder when none is set.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseSettings, Field, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_COMMA_LISTS = frozenset({"alert_levels", "alert_email_to"})


class Settings(BaseSettings):
    # Where things live
    project_root: Path = PROJECT_ROOT
    state_dir: Path = Field(PROJECT_ROOT / "var", description="Git-ignored runtime state.")
    models_dir: Path = PROJECT_ROOT / "models"
    spacy_pipeline_dir: Path = PROJECT_ROOT / "build" / "spacy_pipeline"
    models_to_keep: int = 3

    # Processes (loopback by default: Rasa's REST/socketio channels have no auth)
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rasa_replicas: int = Field(
        1, ge=1, le=8, description="Rasa servers on consecutive ports from RASA_PORT."
    )
    rasa_jwt_secret: str | None = Field(None, description="Protects Rasa's HTTP API.")
    log_level: str = Field(
        "WARNING", description="Level of all three processes' logs (DEBUG, INFO, WARNING, ...)."
    )
    log_format: str = Field(
        "text", description='"json": one JSON object per line, never message text (bot.logs).'
    )

    # Stores
    tracker_store_url: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file in the state folder."
    )
    lock_store_url: str | None = Field(
        None, description="redis://host:port/db for several Rasa replicas; default in-memory."
    )

    # Gateway behaviour
    rasa_timeout_seconds: float = 20.0
    action_timeout_seconds: float = Field(
        8.0,
        gt=0,
        description="Rasa's wait for one custom action call (Rasa's own default is 300 s). "
        "Keep it under RASA_TIMEOUT_SECONDS: a hung action server then gets the person the "
        "safe 503 from Rasa itself, and the half-done turn is not saved.",
    )
    action_probe_seconds: float = Field(
        1.0,
        gt=0,
        description="How often the gateway asks the action server's /health; while it is "
        "down, turns get the safe 503 without being sent to Rasa.",
    )
    watchdog_hang_seconds: float = Field(
        10.0,
        gt=0,
        description="A Rasa replica or the action server that has answered before and then "
        "answers nothing for this long is killed and restarted by its supervisor.",
    )
    replica_probe_seconds: float = Field(
        1.0,
        gt=0,
        description="How often the gateway asks each Rasa replica whether it answers; a "
        "replica that missed two answers in a row gets no new turns until it answers again.",
    )
    emergency_number: str = "911"
    max_message_chars: int = 2000
    max_request_bytes: int = Field(
        32_768, description="Largest request body the gateway reads (413 above it)."
    )
    rate_limit_per_session: str = Field(
        # The second limit is about how fast a person can type or tap: a session sending
        # faster is turned away before its messages reach Rasa.
        "30/minute;6/10 seconds",
        description='Chat turns per session id, e.g. "20/minute" or "30/minute;6/10 seconds" '
        '(every limit applies); "off" disables.',
    )
    rate_limit_per_client: str = Field(
        "300/minute", description='Chat requests per client address; "off" disables.'
    )
    rate_limit_storage_url: str = Field(
        "memory://", description="limits storage URL; redis://host:port/db for several gateways."
    )
    cors_origins: list[str] = Field(
        [],
        description="Sites (scheme://host[:port]) allowed to call the chat API and the "
        "Socket.IO door from a browser.",
    )
    frame_ancestors: list[str] = Field(
        ["'self'"], description="CSP frame-ancestors: who may put the gateway's pages in a frame."
    )
    widget_title: str = "Symptom checker"
    widget_color: str = "#0b5cad"

    # Clinician dashboard and API (clinician/, api/clinician/)
    clinician_secret_key: str | None = Field(
        None, description="Signs the login form's CSRF token; default: generated per install."
    )
    clinician_session_idle_minutes: int = Field(30, ge=1)
    clinician_session_max_hours: int = Field(12, ge=1)
    clinician_cookie_secure: bool | None = Field(
        None, description="Secure cookie flag; default: on when the request came over HTTPS."
    )
    clinician_login_max_failures: int = Field(5, ge=1, description="Per username, per window.")
    clinician_login_max_failures_per_client: int = Field(20, ge=1)
    clinician_login_window_minutes: int = Field(15, ge=1)
    clinician_page_size: int = Field(50, ge=1, le=500)
    # The conversation list is refreshed after every chat turn; this periodic refresh picks up
    # events written another way (another gateway replica, Rasa's own REST channel, imports).
    clinician_refresh_seconds: float = Field(2.0, gt=0, le=3600)
    retention_days: int = Field(365, ge=1, description="Days conversations are kept.")

    # Alerts to the care team (clinician/care_team): off until a webhook URL or an SMTP URL is set.
    public_base_url: str | None = Field(
        None,
        description="How people and clinicians reach the gateway (https://host), for the "
        "dashboard links in alerts; default: http://GATEWAY_HOST:GATEWAY_PORT.",
    )
    alert_levels: list[str] = Field(
        ["emergency", "urgent"], description="Dispositions at these levels send an alert."
    )
    alert_webhook_url: str | None = Field(None, description="POSTs each alert here (JSON).")
    alert_webhook_secret: str | None = Field(
        None, description="Keys the HMAC-SHA256 Symptom-Checker-Signature header."
    )
    alert_smtp_url: str | None = Field(
        None,
        description="smtp://user:password@host:587 ; e-mail always goes over STARTTLS.",
    )
    alert_smtp_ca_file: Path | None = Field(
        None, description="CA bundle that signs the SMTP server's certificate (default: system)."
    )
    alert_email_from: str | None = None
    alert_email_to: list[str] = Field([], description="Recipients of the alert e-mails.")
    alert_poll_seconds: float = Field(
        2.0, gt=0, description="How often the gateway looks for new alerts and due retries."
    )
    alert_retry_base_seconds: float = Field(
        # Short at first: an emergency alert matters in minutes, and a receiver that blipped
        # is usually back within seconds; the doubling spaces out the rest.
        5.0,
        gt=0,
        description="First retry delay; doubled after each failed attempt.",
    )
    alert_retry_max_seconds: float = Field(3600.0, gt=0)
    alert_max_attempts: int = Field(
        20, ge=1, description="Attempts per receiver before an alert is marked failed."
    )
    alert_max_age_hours: float = Field(
        24.0, gt=0, description="Dispositions older than this when first seen send no alert."
    )
    alert_timeout_seconds: float = Field(10.0, gt=0)

    # Developer workflow (bot evaluate): fail under these scores on the frozen held-out sets
    # (strict: nlu_fallback is wrong), or over these rates. Accuracy and macro-F1 are issue
    # 13's targets. Out of scope: the target itself (2%; 0 of 60 today). Negated-only read as
    # a symptom report: today's 3 of 40 with a margin of two; what the issue asks (no such
    # message opens that symptom's questions) is measured behaviourally by
    # bench.negated_openers (0 of 40), since the dialogue reads the denial whatever the intent.
    eval_min_accuracy: float = Field(0.96, ge=0, le=1)
    eval_min_macro_f1: float = Field(0.96, ge=0, le=1)
    eval_max_out_of_scope_as_symptom: float = Field(
        0.02, ge=0, le=1, description="Share of out_of_scope read as a symptom at >= threshold."
    )
    eval_max_negated_as_report: int = Field(
        5, ge=0, description="Negated-only held-out messages read as a symptom report."
    )
    eval_folds: int = Field(5, ge=2, description="Folds of `bot evaluate`'s cross-validation.")
    embedding_cache_dir: Path | None = Field(
        None,
        description="Sentence embeddings of training messages kept here between trainings; "
        "set by cross-validation for its folds (`bot train` computes them afresh).",
    )
    reports_dir: Path = PROJECT_ROOT / "reports"

    class Config:
        env_file = ".env"
        env_file_encoding = "utf-8"

        @classmethod
        def parse_env_var(cls, field_name: str, raw_val: str) -> Any:
            """A setting's value from its environment variable (JSON, or a comma list)."""
            # Lists of plain words may also be given comma-separated
            # (ALERT_EMAIL_TO=a@example.org,b@example.org); JSON works everywhere.
            if field_name in _COMMA_LISTS and not raw_val.lstrip().startswith("["):
                return [item.strip() for item in raw_val.split(",") if item.strip()]
            return json.loads(raw_val)

    @validator("state_dir", "models_dir", "spacy_pipeline_dir", "reports_dir", pre=False)
    def _absolute(cls, value: Path) -> Path:
        return value if value.is_absolute() else (PROJECT_ROOT / value)

    @validator("alert_levels", each_item=True)
    def _alert_level(cls, value: str) -> str:
        from bot.triage.models import LEVEL_NAMES  # the triage enum names the levels

        if value not in LEVEL_NAMES:
            raise ValueError(f"{value!r} is not a triage level")
        return value

    @validator("rate_limit_per_session", "rate_limit_per_client")
    def _rate_limit(cls, value: str) -> str:
        value = value.strip()
        if value.lower() == "off":
            return "off"
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as err:
            raise ValueError(
                f'{value!r} is not a rate limit: use e.g. "20/minute" or "off"'
            ) from err
        return value

    @property
    def effective_tracker_store_url(self) -> str:
        """The tracker store's URL: the configured one, else the SQLite file in the state folder."""
        return self.tracker_store_url or f"sqlite:///{self.state_dir / 'rasa.db'}"

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa replica; the gateway keeps each conversation on one of them."""
        return [f"http://{self.rasa_host}:{self.rasa_port + i}" for i in range(self.rasa_replicas)]

    @property
    def supervise_dir(self) -> Path:
        """Where each process's supervisor records its restarts (read by ``/readyz``)."""
        return self.state_dir / "supervise"

    @property
    def alerts_configured(self) -> bool:
        """Alerts are off until a receiver is configured."""
        webhook = self.alert_webhook_url and self.alert_webhook_secret
        return bool(webhook or (self.alert_smtp_url and self.alert_email_to))

    @property
    def public_url(self) -> str:
        """The gateway's public base URL, without a trailing slash."""
        base = self.public_base_url or f"http://{self.gateway_host}:{self.gateway_port}"
        return base.rstrip("/")

    @property
    def rasa_url(self) -> str:
        """The base URL of the first Rasa server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """The base URL of the action server."""
        return f"http://{self.action_host}:{self.action_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(...)`` instead."""
    return Settings()
