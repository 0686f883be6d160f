"""The chat widget's words per language, read from ``widget.yml`` and checked once.

The gateway writes them into ``widget.js`` as it serves it; every language must have the same
texts with the same ``{placeholders}``, so a language can never lack a label or drop the
emergency number from a message.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

WIDGET_FILE: Final[Path] = Path(__file__).with_name("widget.yml")
DEFAULT_LANGUAGE: Final[str] = "en"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _shape(texts: dict[str, Any], where: str) -> dict[str, Any]:
    """Each text's placeholders (nested groups as nested dicts); raises on a non-text."""
    shape: dict[str, Any] = {}
    for key, value in texts.items():
        if isinstance(value, dict):
            shape[key] = _shape(value, f"{where}.{key}")
        elif isinstance(value, str) and value.strip():
            shape[key] = sorted(set(_PLACEHOLDER.findall(value)))
        else:
            raise ValueError(f"{WIDGET_FILE.name}: {where}.{key} must be a non-empty text")
    return shape


def parse_widget_strings(data: Any) -> dict[str, dict[str, Any]]:
    """Check the file's content: languages with the same texts and placeholders as English."""
    if not isinstance(data, dict) or not isinstance(data.get("languages"), dict):
        raise ValueError(f"{WIDGET_FILE.name}: needs a languages mapping")
    languages: dict[str, dict[str, Any]] = data["languages"]
    if DEFAULT_LANGUAGE not in languages:
        raise ValueError(f"{WIDGET_FILE.name}: needs {DEFAULT_LANGUAGE!r}")
    expected = _shape(languages[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE)
    for lang, texts in languages.items():
        if not isinstance(texts, dict) or _shape(texts, lang) != expected:
            raise ValueError(
                f"{WIDGET_FILE.name}: {lang!r} must have the same texts, with the same "
                f"placeholders, as {DEFAULT_LANGUAGE!r}"
            )
    sources = data.get("sources") or {}
    for key, source in (data.get("text_sources") or {}).items():
        if key not in expected or source not in sources:
            raise ValueError(f"{WIDGET_FILE.name}: text_sources {key!r} -> {source!r} is unknown")
    return languages


@cache
def widget_strings() -> dict[str, dict[str, Any]]:
    """Language code -> the widget's texts (``levels`` holds one headline per triage level)."""
    return parse_widget_strings(yaml.safe_load(WIDGET_FILE.read_text(encoding="utf-8")))
