"""Rendering the disposition text from ``advice.yml``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.triage._data import load_yaml, require_keys
from bot.triage.models import Level

ADVICE_FILE = "advice.yml"
DEFAULT_EMERGENCY_NUMBER = "911"
_PARTS = ("headline", "contact", "doctor", "safety_net")


@dataclass(frozen=True)
class LevelAdvice:
    headline: str
    contact: str
    doctor: str
    safety_net: str


@dataclass(frozen=True)
class AdviceText:
    version: int
    notice: str
    closing: str
    because: str
    levels: Mapping[Level, LevelAdvice]


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def parse_advice(data: Any) -> AdviceText:
    """Check and compile the advice file's content."""
    require_keys(data, {"version", "notice", "closing", "because", "levels"}, set(), ADVICE_FILE)
    levels = {}
    for level in Level:
        node = require_keys(
            data["levels"].get(level.value_name), set(_PARTS), set(), f"advice {level}"
        )
        levels[level] = LevelAdvice(**{k: _clean(node[k]) for k in _PARTS})
    return AdviceText(
        version=int(data["version"]),
        notice=_clean(data["notice"]),
        closing=_clean(data["closing"]),
        because=_clean(data["because"]),
        levels=levels,
    )


@lru_cache(maxsize=4)
def load_advice(path: str | Path = ADVICE_FILE) -> AdviceText:
    """The advice texts (cached), from advice.yml by default."""
    return parse_advice(load_yaml(path))


def _fill(text: str, emergency_number: str) -> str:
    return text.replace("{emergency_number}", emergency_number)


def _join_reasons(reasons: Sequence[str]) -> str:
    if len(reasons) == 1:
        return reasons[0]
    return "; ".join(reasons[:-1]) + "; and " + reasons[-1]


def not_a_diagnosis_notice(emergency_number: str = DEFAULT_EMERGENCY_NUMBER) -> str:
    """The "not a diagnosis" notice that starts every conversation."""
    return _fill(load_advice().notice, emergency_number)


def render_advice(
    level: Level,
    whys: Sequence[str],
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
    *,
    max_reasons: int = 2,
) -> str:
    """Plain-text disposition: who to contact and how soon, why, what the doctor may do,
    and a safety net that always names the emergency number.
    """
    text = load_advice()
    part = text.levels[level]
    unique = list(dict.fromkeys(w for w in whys if w))[:max_reasons]
    paragraphs = [part.headline]
    if unique:
        paragraphs.append(text.because.replace("{reasons}", _join_reasons(unique)))
    paragraphs += [part.contact, part.doctor, part.safety_net, text.closing]
    rendered = "\n\n".join(_fill(p, emergency_number) for p in paragraphs)
    if emergency_number not in rendered:  # every level's text names it; keep it that way
        rendered += f"\n\nIn an emergency, call {emergency_number}."
    return rendered
