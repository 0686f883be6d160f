"""Per-installation secrets kept in the git-ignored state folder, never in the repo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def ensure_secret(state_dir: Path, name: str, current: str | None) -> str:
    """The configured secret, or one generated once and stored with owner-only permissions."""
    if current:
        return current
    path = state_dir / "secrets" / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value
