"""Server-side login sessions, CSRF tokens and login throttling for the clinician side.

- The session cookie carries a random token; the database keeps only its SHA-256, with the
  account, a per-session CSRF token, and the creation and last-seen times (idle and absolute
  expiry). Logout deletes the row, so a copied cookie stops working at once.
- The login form, used before there is a session, carries a signed double-submit token: a
  random nonce in a short-lived cookie and HMAC(secret, nonce) in the form.
- Throttling counts failed logins per username and per client address within a window, kept
  in the database so that it holds across gateway workers and restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinician.accounts import Account
from clinician.schema import accounts, login_attempts, sessions

TOUCH_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Policy:
    idle_seconds: float
    max_seconds: float
    max_failures_per_user: int
    max_failures_per_client: int
    window_seconds: float

    @classmethod
    def from_settings(cls, settings) -> Policy:
        """The session and login-throttling policy from the settings."""
        return cls(
            idle_seconds=settings.clinician_session_idle_minutes * 60.0,
            max_seconds=settings.clinician_session_max_hours * 3600.0,
            max_failures_per_user=settings.clinician_login_max_failures,
            max_failures_per_client=settings.clinician_login_max_failures_per_client,
            window_seconds=settings.clinician_login_window_minutes * 60.0,
        )


@dataclass(frozen=True)
class Session:
    account: Account
    csrf_token: str
    created_at: float
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, account: Account, now: float | None = None) -> tuple[str, str]:
    """A new session: (cookie token, CSRF token)."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            sessions.insert().values(
                token_hash=_hash(token),
                account_id=account.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
    return token, csrf


def load_session(
    engine: Engine, token: str | None, policy: Policy, now: float | None = None
) -> Session | None:
    """The live session for this cookie token, touched; None when absent or expired."""
    if not token or len(token) > 128:
        return None
    now = time.time() if now is None else now
    token_hash = _hash(token)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sessions.c.csrf_token,
                sessions.c.created_at,
                sessions.c.last_seen_at,
                accounts.c.id,
                accounts.c.username,
                accounts.c.role,
                accounts.c.active,
            )
            .select_from(sessions.join(accounts, accounts.c.id == sessions.c.account_id))
            .where(sessions.c.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    expired = (
        now - row.last_seen_at > policy.idle_seconds
        or now - row.created_at > policy.max_seconds
        or not row.active
    )
    if expired:
        end_session(engine, token)
        return None
    if now - row.last_seen_at > TOUCH_EVERY_SECONDS:
        with engine.begin() as conn:
            conn.execute(
                sessions.update()
                .where(sessions.c.token_hash == token_hash)
                .values(last_seen_at=now)
            )
    return Session(
        account=Account(id=row.id, username=row.username, role=row.role),
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        token_hash=token_hash,
    )


def end_session(engine: Engine, token: str) -> None:
    """End a session (logout)."""
    with engine.begin() as conn:
        conn.execute(sessions.delete().where(sessions.c.token_hash == _hash(token)))


def purge_expired(engine: Engine, policy: Policy, now: float | None = None) -> int:
    """Delete idle or too-old sessions and old login attempts; the sessions removed."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        removed = conn.execute(
            sessions.delete().where(
                sa.or_(
                    sessions.c.last_seen_at < now - policy.idle_seconds,
                    sessions.c.created_at < now - policy.max_seconds,
                )
            )
        ).rowcount
        conn.execute(
            login_attempts.delete().where(login_attempts.c.at < now - 2 * policy.window_seconds)
        )
    return removed


def csrf_matches(expected: str, given: str | None) -> bool:
    """Whether the CSRF token sent matches the session's, compared in constant time."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


# The login form's signed double-submit token.
def new_login_nonce() -> str:
    """A fresh random nonce for the login form."""
    return secrets.token_urlsafe(24)


def sign_login_nonce(secret: str, nonce: str) -> str:
    """The HMAC of a login nonce under the server's secret."""
    return hmac.new(secret.encode(), b"clinician-login:" + nonce.encode(), "sha256").hexdigest()


def login_token_valid(secret: str, nonce: str | None, token: str | None) -> bool:
    """Whether the login form's token is the signature of its nonce."""
    if not nonce or not token or len(nonce) > 128:
        return False
    return hmac.compare_digest(sign_login_nonce(secret, nonce), str(token))


# Throttling
def throttled_for(
    engine: Engine, username: str, client: str, policy: Policy, now: float | None = None
) -> float:
    """Seconds until another attempt is allowed (0 when allowed now)."""
    now = time.time() if now is None else now
    since = now - policy.window_seconds
    with engine.connect() as conn:
        last_success = conn.execute(
            sa.select(sa.func.max(login_attempts.c.at)).where(
                login_attempts.c.username == username, login_attempts.c.success.is_(True)
            )
        ).scalar()
        user_since = max(since, last_success or 0.0)
        user_failures = conn.execute(
            sa.select(sa.func.count(), sa.func.min(login_attempts.c.at)).where(
                login_attempts.c.username == username,
                login_attempts.c.success.is_(False),
                login_attempts.c.at > user_since,
            )
        ).first()
        client_failures = conn.execute(
            sa.select(sa.func.count(), sa.func.min(login_attempts.c.at)).where(
                login_attempts.c.client == client,
                login_attempts.c.success.is_(False),
                login_attempts.c.at > since,
            )
        ).first()
    wait = 0.0
    for (count, oldest), limit in (
        (user_failures, policy.max_failures_per_user),
        (client_failures, policy.max_failures_per_client),
    ):
        if count >= limit and oldest is not None:
            wait = max(wait, oldest + policy.window_seconds - now)
    return max(wait, 0.0) and max(wait, 1.0)


def record_attempt(
    engine: Engine, username: str, client: str, success: bool, now: float | None = None
) -> None:
    """Record one login attempt (for throttling), username and client truncated."""
    with engine.begin() as conn:
        conn.execute(
            login_attempts.insert().values(
                username=username[:64],
                client=client[:64],
                at=time.time() if now is None else now,
                success=success,
            )
        )
