"""The care team's words (``content.yml``), loaded once and filled in."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_FILE = Path(__file__).with_name("content.yml")


@lru_cache(maxsize=1)
def load_content() -> dict[str, Any]:
    """The parsed ``content.yml``; every section the code reads must be there."""
    data = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    missing = {"sources", "levels", "alert_types", "email", "summary_page"} - set(data)
    if missing:
        raise ValueError(f"{CONTENT_FILE.name}: missing sections {sorted(missing)}")
    for section in ("email", "summary_page"):
        if data[section].get("source") not in data["sources"]:
            raise ValueError(f"{CONTENT_FILE.name}: {section} names an unknown source")
    return data


def level_label(level: str | None) -> str:
    """The plain words for a triage level (the e-mail's "no level" words when there is none)."""
    content = load_content()
    return content["levels"].get(level or "", content["email"]["no_level"])


def type_label(alert_type: str) -> str:
    """The plain words for an alert type (the type itself when it has none)."""
    return load_content()["alert_types"].get(alert_type, alert_type)


def summary_words() -> dict[str, str]:
    """The summary page's labels."""
    return dict(load_content()["summary_page"])
