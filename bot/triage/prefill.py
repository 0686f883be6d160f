"""Findings from a message's entities, so the bot does not ask what it was told.

``findings_from_entities`` gives symptoms, body parts, categories and modifiers; ``prefill``
adds the red-flag answers those entities state (each question's ``present.when`` in
``questions.yml``) for the questions of the reported categories.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from bot.triage.entities import is_negated
from bot.triage.lexicon import Lexicon, load_lexicon
from bot.triage.models import TREND_CONCERN, Findings, category_for_intent
from bot.triage.parsing import is_stated_severity, parse_severity, symptom_durations
from bot.triage.questions import load_questions
from bot.vocabulary import BODY_PARTS, ONSETS, SYMPTOMS, TRENDS


def _values(entities: list[Mapping[str, Any]], kind: str) -> list[str]:
    out = []
    for e in entities:
        if e.get("entity") == kind:
            value = e.get("value")
            if isinstance(value, str) and value.strip():
                out.append(value.strip().lower())
    return out


def _raw(entities: list[Mapping[str, Any]], kind: str) -> list[str]:
    return [
        str(e.get("value") or e.get("text"))
        for e in entities
        if e.get("entity") == kind and (e.get("value") or e.get("text"))
    ]


def _text(entity: Mapping[str, Any]) -> str:
    return str(entity.get("value") or entity.get("text") or "")


def categories_for(
    symptoms: Iterable[str], body_parts: Iterable[str], lexicon: Lexicon, *, has_intent: bool
) -> set[str]:
    """Categories implied by symptom values, using body parts for site-dependent symptoms.

    Companion symptoms (bot/vocabulary.yml) only count when nothing else gives a category.
    """
    parts = set(body_parts)
    symptoms = set(symptoms)
    main = symptoms - lexicon.companion_symptoms
    found = _categories(main, parts, lexicon, has_intent=has_intent)
    if not found and not has_intent:
        found = _categories(symptoms & lexicon.companion_symptoms, parts, lexicon, has_intent=False)
    return found


def _categories(
    symptoms: Iterable[str], parts: set[str], lexicon: Lexicon, *, has_intent: bool
) -> set[str]:
    found: set[str] = set()
    for symptom in symptoms:
        found.update(lexicon.symptom_categories.get(symptom, ()))
        rule = lexicon.site_dependent.get(symptom)
        if rule:
            sited = {rule.sites[p] for p in parts if p in rule.sites}
            if sited:
                found |= sited
            elif not has_intent:
                found.add(rule.default)
    return found


def findings_from_entities(
    entities: Iterable[Mapping[str, Any]] | None,
    intent: str | None = None,
    *,
    today: date | None = None,
    lexicon: Lexicon | None = None,
) -> Findings:
    """Findings stated by a message's entities: symptoms, body parts, categories, duration,
    severity, onset and trend (no answers).

    ``entities`` are Rasa-style dicts (``entity``, ``value``, ``text``, ``role``); those with
    role "negated" are ignored, and unknown values are dropped rather than failing. The
    ``intent`` (e.g. "report_headache") adds its category. When several durations, severities
    or trends are mentioned, the most concerning one is kept.
    """
    lexicon = lexicon or load_lexicon()
    active = [dict(e) for e in entities or () if not is_negated(e)]
    symptoms = {v for v in _values(active, "symptom") if v in SYMPTOMS}
    body_parts = {v for v in _values(active, "body_part") if v in BODY_PARTS}

    categories = set()
    intent_category = category_for_intent(intent)
    if intent_category:
        categories.add(intent_category)
    categories |= categories_for(symptoms, body_parts, lexicon, has_intent=bool(intent_category))

    known_durations = symptom_durations(_raw(active, "duration"), today)
    severities = [parse_severity(_text(e)) for e in active if is_stated_severity(e, active)]
    known_severities = [s for s in severities if isinstance(s, int)]
    onsets = [v for v in _values(active, "onset") if v in ONSETS]
    trends = [v for v in _values(active, "trend") if v in TRENDS]

    findings = Findings(
        categories=frozenset(categories),
        symptoms=frozenset(symptoms),
        body_parts=frozenset(body_parts),
        duration_days=max(known_durations) if known_durations else None,
        severity=max(known_severities) if known_severities else None,
        onset=("sudden" if "sudden" in onsets else onsets[0]) if onsets else None,
        trend=max(trends, key=TREND_CONCERN.__getitem__) if trends else None,
    )
    return findings


def prefill(
    entities: Iterable[Mapping[str, Any]] | None,
    intent: str | None = None,
    *,
    today: date | None = None,
    lexicon: Lexicon | None = None,
) -> Findings:
    """``findings_from_entities`` plus the answers its entities state (``present.when``)."""
    findings = findings_from_entities(entities, intent, today=today, lexicon=lexicon)
    bank = load_questions()
    relevant = bank.relevant_ids(findings.categories)
    answers = {
        q.id: "yes"
        for q in bank.questions.values()
        if q.id in relevant and q.said_when is not None and q.said_when.holds(findings)
    }
    return replace(findings, answers=answers) if answers else findings


__all__ = ["categories_for", "findings_from_entities", "prefill"]
