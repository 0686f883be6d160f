"""Core value types of the triage engine: levels, categories, answers and findings.

Everything here is immutable. A conversation builds its ``Findings`` step by step
(``prefill`` from the first message, then ``with_answer`` for each follow-up) and the
engine reads them; nothing in this module knows about Rasa.

Ordering used by the safety properties (see ``tests/unit/test_triage_properties.py``):
adding categories, symptoms or body parts, or moving a red-flag answer up
``no (or not asked) < unknown < yes``, or a modifier towards "more concerning", never lowers
the level. For the modifiers ``None`` (not asked) and ``"unknown"`` count as the most
concerning value: the routine disposition needs every reassuring fact to be stated.
Onset is the exception: "sudden" is itself a red flag, so onset is ordered like a red-flag
answer, ``gradual < unknown = None < sudden``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

from bot import vocabulary
from bot.vocabulary import BODY_PARTS, ONSETS, SYMPTOMS, TRENDS

UNKNOWN: Final = "unknown"

Answer: TypeAlias = Literal["yes", "no", "unknown"]
ANSWERS: Final[frozenset[str]] = frozenset({"yes", "no", UNKNOWN})

Duration: TypeAlias = float | Literal["unknown"] | None
Severity: TypeAlias = int | Literal["unknown"] | None
Onset: TypeAlias = Literal["sudden", "gradual", "unknown"] | None
Trend: TypeAlias = Literal["worse", "same", "better", "comes and goes", "unknown"] | None

#: The values come from bot/vocabulary.yml; the type aliases above name them for type checkers
#: (tests/unit/test_vocabulary.py checks that the two agree).
ONSET_VALUES: Final[frozenset[str]] = ONSETS | {UNKNOWN}
TREND_VALUES: Final[frozenset[str]] = TRENDS | {UNKNOWN}
#: How concerning each trend is, to keep the most concerning when a message states several.
TREND_CONCERN: Final[Mapping[str, int]] = MappingProxyType(
    {"better": 0, "same": 1, "comes and goes": 1, "worse": 2}
)

#: Question ids of the four modifier questions and the ``Findings`` field each one fills.
MODIFIER_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {"duration": "duration_days", "severity": "severity", "onset": "onset", "trend": "trend"}
)


class Level(IntEnum):
    """Triage level; a higher value is more urgent. The lowercase names are fixed (API).

    The one numbering of levels: the clinician store keeps these values as ``level_rank``
    (0 there means "no disposition yet"), and every list of level names is derived from here.
    """

    ROUTINE = 1
    SOON = 2
    URGENT = 3
    EMERGENCY = 4

    @property
    def value_name(self) -> str:
        """The fixed lowercase name used by the chat API: "routine" … "emergency"."""
        return self.name.lower()

    def __str__(self) -> str:
        return self.value_name

    @classmethod
    def from_name(cls, name: str | Level) -> Level:
        """``Level.from_name("urgent") -> Level.URGENT`` (case-insensitive)."""
        if isinstance(name, Level):
            return name
        try:
            return cls[str(name).strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown triage level {name!r}; expected one of "
                + ", ".join(level.value_name for level in cls)
            ) from None


#: The level names, highest first (the chat API's order), for filters, legends and the widget.
LEVEL_NAMES: Final[tuple[str, ...]] = tuple(
    level.value_name for level in sorted(Level, reverse=True)
)

#: One category per symptom intent (from bot/vocabulary.yml), in the order used for questioning.
CATEGORIES: Final[tuple[str, ...]] = vocabulary.CATEGORIES
_CATEGORY_SET: Final[frozenset[str]] = frozenset(CATEGORIES)


def category_for_intent(intent: str | None) -> str | None:
    """``"report_back_neck_pain" -> "back_neck_pain"``; ``None`` for non-symptom intents."""
    if intent and intent.startswith("report_"):
        category = intent.removeprefix("report_")
        if category in _CATEGORY_SET:
            return category
    return None


def _frozen_strings(values: Iterable[str] | None, allowed: frozenset[str], what: str) -> frozenset:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = (values,)
    result = frozenset(str(v).strip().lower() for v in values)
    unknown = sorted(result - allowed)
    if unknown:
        raise ValueError(
            f"unknown {what} {unknown}; see bot/vocabulary.py and bot/triage/models.py"
        )
    return result


def normalise_answer(value: Any) -> Answer:
    """Accept "yes"/"no"/"unknown" (any case) and YAML booleans; raise on anything else."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value).strip().lower()
    if text not in ANSWERS:
        raise ValueError(f"answer must be one of yes/no/unknown, got {value!r}")
    return text  # type: ignore[return-value]


def _normalise_duration(value: Any) -> Duration:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"duration_days must be a number of days, 'unknown' or None: {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"duration_days must be >= 0: {value!r}")
    return float(value)


def _normalise_severity(value: Any) -> Severity:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"severity must be a whole number 0-10, 'unknown' or None: {value!r}")
    if not 0 <= value <= 10:
        raise ValueError(f"severity must be between 0 and 10: {value!r}")
    return int(value)


def _normalise_choice(value: Any, allowed: frozenset[str], what: str) -> Any:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)} or None, got {value!r}")
    return text


@dataclass(frozen=True)
class Findings:
    """What the person has told the bot so far.

    ``None`` means "not asked yet"; ``"unknown"`` means the person said they don't know.
    ``answers`` maps red-flag question ids (see ``questions.yml``) to yes/no/unknown.
    Construct with plain lists/dicts if convenient: values are normalised and validated.
    """

    categories: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    body_parts: frozenset[str] = frozenset()
    answers: Mapping[str, Answer] = field(default_factory=lambda: MappingProxyType({}))
    duration_days: Duration = None
    severity: Severity = None
    onset: Onset = None
    trend: Trend = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "categories", _frozen_strings(self.categories, _CATEGORY_SET, "categories"))
        set_(self, "symptoms", _frozen_strings(self.symptoms, SYMPTOMS, "symptoms"))
        set_(self, "body_parts", _frozen_strings(self.body_parts, BODY_PARTS, "body parts"))
        answers = {str(k): normalise_answer(v) for k, v in dict(self.answers or {}).items()}
        set_(self, "answers", MappingProxyType(answers))
        set_(self, "duration_days", _normalise_duration(self.duration_days))
        set_(self, "severity", _normalise_severity(self.severity))
        set_(self, "onset", _normalise_choice(self.onset, ONSET_VALUES, "onset"))
        set_(self, "trend", _normalise_choice(self.trend, TREND_VALUES, "trend"))

    def __hash__(self) -> int:
        return hash(
            (
                self.categories,
                self.symptoms,
                self.body_parts,
                frozenset(self.answers.items()),
                self.duration_days,
                self.severity,
                self.onset,
                self.trend,
            )
        )

    # -- reading ---------------------------------------------------------------------------

    def answer(self, question_id: str) -> Answer | None:
        """The yes/no/unknown answer to a red-flag question, or ``None`` if not asked."""
        return self.answers.get(question_id)

    def value_of(self, question_id: str) -> Any:
        """The recorded value for any question id (modifier ids map to their field)."""
        if question_id in MODIFIER_FIELDS:
            return getattr(self, MODIFIER_FIELDS[question_id])
        return self.answers.get(question_id)

    def is_answered(self, question_id: str) -> bool:
        """Whether the question has an answer, ``unknown`` included."""
        return self.value_of(question_id) is not None

    # -- incremental updates ---------------------------------------------------------------

    def with_answer(self, question_id: str, value: Any) -> Findings:
        """Record the answer to one question. Modifier ids are duration/severity/onset/trend."""
        if question_id in MODIFIER_FIELDS:
            return replace(self, **{MODIFIER_FIELDS[question_id]: value})
        return replace(self, answers={**self.answers, question_id: normalise_answer(value)})

    def with_categories(self, *categories: str) -> Findings:
        """These findings with more categories reported."""
        return replace(self, categories=self.categories | set(categories))

    def merge(self, other: Findings) -> Findings:
        """Union of the sets; for answers and modifiers, ``other``'s known values win.

        "Known" means not ``None``: a later "unknown" does replace an earlier value, which is
        what a person correcting themselves ("actually I'm not sure how long") means.
        """
        updates: dict[str, Any] = {
            "categories": self.categories | other.categories,
            "symptoms": self.symptoms | other.symptoms,
            "body_parts": self.body_parts | other.body_parts,
            "answers": {**self.answers, **other.answers},
        }
        for name in MODIFIER_FIELDS.values():
            value = getattr(other, name)
            if value is not None:
                updates[name] = value
        return replace(self, **updates)

    # -- serialisation (e.g. for a Rasa slot) ----------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict; ``Findings.from_dict(f.to_dict()) == f``."""
        return {
            "categories": sorted(self.categories),
            "symptoms": sorted(self.symptoms),
            "body_parts": sorted(self.body_parts),
            "answers": dict(sorted(self.answers.items())),
            "duration_days": self.duration_days,
            "severity": self.severity,
            "onset": self.onset,
            "trend": self.trend,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Findings:
        """Inverse of ``to_dict``; missing keys are "not asked". Unknown keys are an error."""
        data = dict(data or {})
        names = {f.name for f in fields(cls)}
        extra = sorted(set(data) - names)
        if extra:
            raise ValueError(f"unknown Findings fields {extra}; expected some of {sorted(names)}")
        return cls(**data)
