"""Clinician accounts: argon2id password hashes, two roles, no default account anywhere."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from clinician.schema import accounts

ROLES = ("clinician", "admin")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A request the account rules refuse; the message says what to change."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Whether the account has the admin role."""
        return self.role == "admin"


def validate_username(username: str) -> str:
    """The username when it is 3-64 allowed characters; AccountError otherwise."""
    if not USERNAME_PATTERN.match(username or ""):
        raise AccountError("username: 3-64 characters of letters, digits, '.', '_', '-' or '@'")
    return username


def validate_password(password: str, username: str = "") -> str:
    """The password when long enough, not too long and not the username."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"password: at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"password: at most {MAX_PASSWORD_CHARS} characters")
    if username and password.lower() == username.lower():
        raise AccountError("password: must not be the username")
    return password


def create_account(
    engine: Engine, username: str, password: str, role: str = "clinician"
) -> Account:
    """Create an account with an Argon2 hash of the password."""
    validate_username(username)
    validate_password(password, username)
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    with engine.begin() as conn:
        exists = conn.execute(
            sa.select(accounts.c.id).where(accounts.c.username == username)
        ).first()
        if exists:
            raise AccountError(f"an account named {username!r} already exists")
        result = conn.execute(
            accounts.insert().values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                active=True,
                created_at=time.time(),
            )
        )
        return Account(id=int(result.inserted_primary_key[0]), username=username, role=role)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Replace an account's password (checked like a new one)."""
    validate_password(password, username)
    with engine.begin() as conn:
        updated = conn.execute(
            accounts.update()
            .where(accounts.c.username == username)
            .values(password_hash=_hasher.hash(password))
        ).rowcount
    if not updated:
        raise AccountError(f"no account named {username!r}")


def list_accounts(engine: Engine) -> list[dict]:
    """Every account's username, role and whether it is active, by username."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(accounts.c.username, accounts.c.role, accounts.c.active).order_by(
                accounts.c.username
            )
        ).all()
    return [dict(r._mapping) for r in rows]


def get_account(engine: Engine, account_id: int) -> Account | None:
    """The active account with this id, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(accounts.c.id, accounts.c.username, accounts.c.role).where(
                accounts.c.id == account_id, accounts.c.active.is_(True)
            )
        ).first()
    return Account(id=row.id, username=row.username, role=row.role) if row else None


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account when the password matches, else None (same work either way)."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(accounts).where(accounts.c.username == username, accounts.c.active.is_(True))
        ).first()
    stored = row.password_hash if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(
                accounts.update()
                .where(accounts.c.id == row.id)
                .values(password_hash=_hasher.hash(password))
            )
    return Account(id=row.id, username=row.username, role=row.role)
