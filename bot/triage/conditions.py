"""The small declarative condition language shared by rules.yml and questions.yml.

A condition is a YAML mapping. Several keys in one mapping are combined with AND. Keys:

=============================  ===========================================================
``any_category: true``         at least one symptom category was reported
``category_any: [c, ...]``     one of these categories was reported (``category: c`` = one)
``symptom_any: [s, ...]``      one of these canonical symptom values was mentioned
``body_part_any: [b, ...]``    one of these canonical body parts was mentioned
``symptoms_count_at_least:``   ``{n: 2, of: [s, ...]}`` at least n of these symptoms
``answer_yes_any: [q, ...]``   one of these questions was answered "yes"
``answer_unknown_any:``        ... answered "unknown"
``answer_yes_or_unknown_any:`` ... answered "yes" or "unknown"
``answer_no_any: [q, ...]``    ... answered "no" (for ``ask_if``; lowers concern, so not
                               for rules)
``answer_not_yes_any:``        ... not answered "yes" (no, unknown or not asked) - for
                               *reassuring* questions such as ``obvious_cause``
``duration_days_at_least: n``  duration >= n days, OR duration not asked / unknown
``severity_at_least: n``       severity >= n (0-10), OR severity not asked / unknown
``trend_any: [t, ...]``        trend is one of these, OR trend not asked / unknown
``onset: sudden``              onset is exactly this value (not asked matches nothing)
``trend_is: worse``            trend is exactly this value (not asked matches nothing)
``stated_severity_at_least: n`` severity was stated and is >= n (for what a message says)
``ref: name``                  a named condition from the file's ``conditions:`` section
``all: [...]`` / ``any: [...]``  combinators
``not: {...}``                 negation
=============================  ===========================================================

Modifier predicates are written in the *concerning* direction and are true when the value is
missing or unknown, so "I don't know how long" can never make a disposition less urgent.
Rules must stay monotone (see models.py); ``not`` is allowed but the property tests check
every rule, so a ``not`` around a concerning condition will be caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.triage.models import CATEGORIES, UNKNOWN, Findings
from bot.vocabulary import BODY_PARTS, SYMPTOMS, TRENDS

Predicate = Callable[[Findings], bool]


@dataclass(frozen=True)
class References:
    """Ids a condition mentions, collected so loaders can check them against the data."""

    categories: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    body_parts: frozenset[str] = frozenset()
    questions: frozenset[str] = frozenset()
    #: Modifier question ids (duration, severity, onset, trend) the condition reads.
    modifiers: frozenset[str] = frozenset()

    def __or__(self, other: References) -> References:
        return References(
            self.categories | other.categories,
            self.symptoms | other.symptoms,
            self.body_parts | other.body_parts,
            self.questions | other.questions,
            self.modifiers | other.modifiers,
        )


@dataclass(frozen=True)
class Condition:
    """A compiled condition: call ``holds(findings)``. ``source`` keeps the YAML for display."""

    predicate: Predicate = field(repr=False, compare=False)
    source: Any
    references: References = field(default_factory=References, compare=False)

    def holds(self, findings: Findings) -> bool:
        """Whether the condition is true of these findings."""
        return self.predicate(findings)


class ConditionError(ValueError):
    """Raised with the path of the offending YAML node so the data can be fixed quickly."""


def _as_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        raise ConditionError(f"{where}: expected a non-empty list, got {value!r}")
    return [str(v) for v in value]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConditionError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _answer_in(ids: list[str], accepted: frozenset[str | None]) -> Predicate:
    return lambda f: any(f.answers.get(q) in accepted for q in ids)


def compile_condition(
    node: Any, *, named: Mapping[str, Condition] | None = None, where: str = "when"
) -> Condition:
    """Compile one YAML condition node, raising ``ConditionError`` naming ``where``."""
    named = named or {}
    if not isinstance(node, Mapping) or not node:
        raise ConditionError(f"{where}: a condition must be a non-empty mapping, got {node!r}")
    parts = [_compile_key(str(key), value, named, f"{where}.{key}") for key, value in node.items()]
    if len(parts) == 1:
        predicate, refs = parts[0]
    else:
        predicates = [p for p, _ in parts]
        refs = References()
        for _, r in parts:
            refs = refs | r

        def predicate(f: Findings, ps: list[Predicate] = predicates) -> bool:
            return all(p(f) for p in ps)

    return Condition(predicate=predicate, source=node, references=refs)


def _compile_key(
    key: str, value: Any, named: Mapping[str, Condition], where: str
) -> tuple[Predicate, References]:
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"{where}: expected a non-empty list of conditions")
        subs = [
            compile_condition(v, named=named, where=f"{where}[{i}]") for i, v in enumerate(value)
        ]
        refs = References()
        for s in subs:
            refs = refs | s.references
        combine = all if key == "all" else any
        return (lambda f: combine(s.holds(f) for s in subs)), refs
    if key == "not":
        sub = compile_condition(value, named=named, where=where)
        return (lambda f: not sub.holds(f)), sub.references
    if key == "ref":
        if value not in named:
            raise ConditionError(f"{where}: unknown named condition {value!r}")
        target = named[value]
        return target.holds, target.references
    if key == "any_category":
        if value is not True:
            raise ConditionError(f"{where}: only 'any_category: true' is meaningful")
        return (lambda f: bool(f.categories)), References()
    if key in ("category", "category_any"):
        cats = _as_list(value, where)
        _check(cats, frozenset(CATEGORIES), where, "category")
        return (lambda f: any(c in f.categories for c in cats)), References(categories=set(cats))
    if key == "symptom_any":
        syms = _as_list(value, where)
        _check(syms, SYMPTOMS, where, "symptom")
        return (lambda f: any(s in f.symptoms for s in syms)), References(symptoms=set(syms))
    if key == "symptoms_count_at_least":
        if not isinstance(value, Mapping) or set(value) != {"n", "of"}:
            raise ConditionError(f"{where}: expected {{n: <int>, of: [symptoms]}}")
        n = int(_number(value["n"], where))
        syms = _as_list(value["of"], where)
        _check(syms, SYMPTOMS, where, "symptom")
        return (lambda f: len(f.symptoms & set(syms)) >= n), References(symptoms=set(syms))
    if key == "body_part_any":
        parts = _as_list(value, where)
        _check(parts, BODY_PARTS, where, "body part")
        return (lambda f: any(b in f.body_parts for b in parts)), References(body_parts=set(parts))
    answer_sets: dict[str, frozenset[str | None]] = {
        "answer_yes_any": frozenset({"yes"}),
        "answer_unknown_any": frozenset({UNKNOWN}),
        "answer_yes_or_unknown_any": frozenset({"yes", UNKNOWN}),
        "answer_no_any": frozenset({"no"}),
        "answer_not_yes_any": frozenset({"no", UNKNOWN, None}),
    }
    if key in answer_sets:
        ids = _as_list(value, where)
        return _answer_in(ids, answer_sets[key]), References(questions=set(ids))
    if key == "duration_days_at_least":
        days = _number(value, where)
        return (
            lambda f: f.duration_days in (None, UNKNOWN) or f.duration_days >= days  # type: ignore[operator]
        ), References(modifiers=frozenset({"duration"}))
    if key == "severity_at_least":
        score = _number(value, where)
        return (
            lambda f: f.severity in (None, UNKNOWN) or f.severity >= score  # type: ignore[operator]
        ), References(modifiers=frozenset({"severity"}))
    if key == "stated_severity_at_least":
        score = _number(value, where)
        return (lambda f: isinstance(f.severity, int) and f.severity >= score), References(
            modifiers=frozenset({"severity"})
        )
    if key == "trend_any":
        trends = _as_list(value, where)
        _check(trends, TRENDS, where, "trend")
        return (lambda f: f.trend in (None, UNKNOWN) or f.trend in trends), References(
            modifiers=frozenset({"trend"})
        )
    if key == "trend_is":
        if value not in TRENDS:
            raise ConditionError(f"{where}: trend_is must be one of {sorted(TRENDS)}")
        return (lambda f: f.trend == value), References(modifiers=frozenset({"trend"}))
    if key == "onset":
        if value not in ("sudden", "gradual", UNKNOWN):
            raise ConditionError(f"{where}: onset must be sudden, gradual or unknown")
        return (lambda f: f.onset == value), References(modifiers=frozenset({"onset"}))
    raise ConditionError(f"{where}: unknown condition keyword {key!r} (see conditions.py)")


def _check(values: Iterable[str], allowed: frozenset[str], where: str, what: str) -> None:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ConditionError(f"{where}: unknown {what} {unknown}")


def compile_named(nodes: Mapping[str, Any] | None, where: str) -> dict[str, Condition]:
    """Compile a ``conditions:`` section; later entries may ``ref`` earlier ones."""
    named: dict[str, Condition] = {}
    for name, node in (nodes or {}).items():
        named[str(name)] = compile_condition(node, named=named, where=f"{where}.{name}")
    return named
