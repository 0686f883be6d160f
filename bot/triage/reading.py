"""What one message says: symptoms, findings for any question, and the answer to the one asked.

Every message of a triage conversation, the opening included, is read for every finding a
question asks about (``questions.yml``: ``present``/``absent``), so that "I've been sick twice
and my husband says I'm not making sense" records vomiting and confusion even though nobody
asked yet, and a question whose answer is already known is not asked. A reply is then read
once more against the question it answers, with looser cues: "the nights are the worst" to
"is the pain worse at night?" is yes, "my eyes are fine" is no, "not sure really" is not sure.

Inputs are the message text and the NLU entities (Rasa-style dicts; role ``negated`` marks a
negated mention). Plain Python: no Rasa, no spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.triage.cues import (
    Hit,
    Phrase,
    Polarity,
    find,
    load_termset,
    span_polarity,
    strongest,
    words,
)
from bot.triage.entities import NEGATED_ROLE, Entity, is_negated
from bot.triage.lexicon import load_lexicon
from bot.triage.models import UNKNOWN, Answer, Findings
from bot.triage.parsing import (
    is_past_event,
    is_uncertain,
    leading_hedge,
    leading_yes_no,
    parse_answer,
    parse_corrections,
    parse_duration,
)
from bot.triage.prefill import findings_from_entities
from bot.triage.questions import Question, load_questions

#: A stated duration shorter than this many days (hours, "since this morning") with no word
#: for how it started counts as a sudden onset: a weakness or loss of sight that began today
#: is treated as sudden, as stroke pathways do.
SUDDEN_WITHIN_DAYS = 1.0

#: The order of concern of an answer to a red-flag question (reassuring questions: reversed).
_CONCERN = {"no": 0, UNKNOWN: 1, "yes": 2}

_ALL_IS_WELL = re.compile(
    r"\b(?:all|everything(?:'s| is)?|it'?s|that'?s|i'?m|i am|feel(?:ing)?)\s+"
    r"(?:fine|ok|okay|alright|all right|normal|good|well)\b"
    r"|\b(?:fine|normal|normally|ok|okay|alright)\b"
    r"|\bno\s+(?:problems?|trouble|issues?|changes?)\b|\bnothing\s+(?:like\s+that|wrong|unusual)\b"
    r"|\bas\s+(?:usual|normal)\b"
)
_NOT_WELL = re.compile(r"\bnot\s+(?:fine|ok|okay|alright|all right|normal|good|well|right)\b")
#: A reply that only acknowledges the question ("ok", "k", "alright"): it says nothing about
#: the finding, so it is not an answer (read as "no" it would lower the level; found by
#: tests/unit/test_dialogue_properties.py).
_ACKNOWLEDGEMENT = re.compile(r"^\s*(?:ok(?:ay)?|k|kk|alright|all right)\s*[.!]*\s*$")


def _values(entities: Iterable[Entity], kind: str, *, negated: bool) -> frozenset[str]:
    return frozenset(
        str(e.get("value")).strip().lower()
        for e in entities
        if e.get("entity") == kind and e.get("value") and is_negated(e) == negated
    )


@dataclass(frozen=True)
class Reading:
    """What one message states (before it is matched with the conversation so far)."""

    text: str
    tokens: tuple[str, ...]
    entities: tuple[Mapping[str, Any], ...]
    findings: Findings
    """Symptoms, body parts and categories the message names (not negated), its
    duration/severity/onset/trend, and the findings it states for any question."""
    absent_symptoms: frozenset[str] = frozenset()
    """Symptoms the message mentions only negated ("no headache, but ...")."""
    denied_sites: frozenset[str] = frozenset()
    """Body parts the message says are fine ("my back is fine"): no symptom of them."""
    symptom_polarity: Mapping[str, Polarity] = field(default_factory=dict)
    """Symptom value -> how the message states it (present, unsure or absent)."""
    stated: Mapping[str, Answer] = field(default_factory=dict)
    """Question id -> what the message states for it without being asked."""
    uncertain: bool = False
    onset_inferred: bool = False
    """True when the onset was not said but inferred from a start within the last day."""

    @property
    def has_content(self) -> bool:
        """True when the message states a symptom, a finding or a modifier."""
        f = self.findings
        return bool(
            f.symptoms
            or self.stated
            or any(v is not None for v in (f.duration_days, f.severity, f.onset, f.trend))
        )


def _checked_entities(text: str, entities: Iterable[Entity]) -> tuple[dict[str, Any], ...]:
    """The entities, with negation re-checked by scope (``cues``) where the NLU missed it."""
    out = []
    for entity in entities:
        entity = dict(entity)
        start, end = entity.get("start"), entity.get("end")
        if (
            entity.get("entity") in ("symptom", "body_part")
            and not is_negated(entity)
            and isinstance(start, int)
            and isinstance(end, int)
            and span_polarity(text, start, end) == "absent"
        ):
            entity["role"] = NEGATED_ROLE
        out.append(entity)
    return tuple(out)


def _symptom_polarity(text: str, entities: Iterable[Entity]) -> dict[str, Polarity]:
    rank = {"absent": 0, "unsure": 1, "present": 2}
    out: dict[str, Polarity] = {}
    for entity in entities:
        if entity.get("entity") != "symptom" or not entity.get("value"):
            continue
        value = str(entity["value"]).strip().lower()
        if is_negated(entity):
            polarity: Polarity = "absent"
        elif isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
            polarity = span_polarity(text, entity["start"], entity["end"])
        else:
            polarity = "present"
        if value not in out or rank[polarity] > rank[out[value]]:
            out[value] = polarity
    return out


def _denied_sites(text: str, entities: Iterable[Entity]) -> frozenset[str]:
    """Body parts mentioned inside a denial ("my back is absolutely fine", "eyes are OK")."""
    out = set()
    for entity in entities:
        if entity.get("entity") != "body_part" or not entity.get("value"):
            continue
        start, end = entity.get("start"), entity.get("end")
        if is_negated(entity) or (
            isinstance(start, int)
            and isinstance(end, int)
            and span_polarity(text, start, end) == "absent"
        ):
            out.add(str(entity["value"]).strip().lower())
    return frozenset(out)


#: Words that make a clause about the cancer's or treatment's history, whose dates ("I had
#: chemo two years ago", "on letrozole since 2021") are not how long the symptom has lasted.
_HISTORY = re.compile(
    r"\b(?:cancer|chemo\w*|radio\w*|radiation|treatment|treated|surgery|operation|mastectom\w*"
    r"|lumpectom\w*|diagnos\w*|tamoxifen|letrozole|anastrozole|exemestane|herceptin|tablets"
    r"|started\s+(?:it|them|the))\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[.;!?,()\n]|\band\b|\bbut\b", re.IGNORECASE)


def _history_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses that talk about treatment history."""
    spans, start = [], 0
    for match in [*_CLAUSE.finditer(text), None]:
        end = match.start() if match else len(text)
        if _HISTORY.search(text[start:end]):
            spans.append((start, end))
        start = match.end() if match else len(text)
    return spans


def _without_history(
    text: str, entities: tuple[dict[str, Any], ...]
) -> tuple[str, tuple[dict[str, Any], ...]]:
    """The text with history clauses blanked, and the entities outside them, for reading
    how long, how bad and how it changes.
    """
    dropped = _not_durations(text, entities)
    spans = _history_spans(text) + [
        (int(e["start"]), int(e.get("end") or e["start"])) for e in dropped
    ]
    entities = tuple(e for e in entities if e not in dropped)
    if not spans:
        return text, entities
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)

    def inside(e: Mapping[str, Any]) -> bool:
        at = e.get("start")
        return isinstance(at, int) and any(s <= at < t for s, t in spans)

    kept = tuple(e for e in entities if not (e.get("entity") == "duration" and inside(e)))
    return "".join(chars), kept


_INTRODUCED = re.compile(r"\b(?:since|for|started|starting|began|begun|start|over)\b")

#: "better today", "fine this morning": when it is better, not since when it has been there.
_TREND_BEFORE = re.compile(r"\b(?:better|worse|easier|fine|gone|ok|okay|improved)\W+(?:\w+\W+)?$")


def _not_durations(text: str, entities: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """Duration entities that are not how long the symptom has lasted."""

    def is_trend_time(e: Mapping[str, Any]) -> bool:
        at = e.get("start")
        return (
            e.get("entity") == "duration"
            and isinstance(at, int)
            and bool(_TREND_BEFORE.search(text[max(0, at - 30) : at].lower()))
        )

    def dates_the_past(e: Mapping[str, Any]) -> bool:
        """ "the hallway last year", "diagnosed 5 years ago": a date, not how long it lasted
        (unless introduced: "since last year", "started two years ago").
        """
        at = e.get("start")
        value = str(e.get("value") or e.get("text") or "")
        days = parse_duration(value, strict=True)
        return (
            e.get("entity") == "duration"
            and isinstance(at, int)
            and isinstance(days, float)
            and is_past_event(value, days)
            and not _INTRODUCED.search((text[max(0, at - 25) : at] + value).lower())
        )

    return tuple(e for e in entities if is_trend_time(e) or dates_the_past(e))


def read(
    text: str | None,
    entities: Iterable[Entity] | None = (),
    *,
    today: date | None = None,
) -> Reading:
    """Reads one message: its symptoms, modifiers and the findings it states anywhere."""
    text = text or ""
    entities = _checked_entities(text, entities or ())
    tokens = words(text)
    modifier_text, modifier_entities = _without_history(text, entities)
    base = findings_from_entities(modifier_entities, None, today=today)
    corrections = parse_corrections(modifier_text, modifier_entities, today=today)
    base = replace(base, **{k: v for k, v in corrections.items() if v is not None})
    onset_inferred = False
    if (
        base.onset is None
        and isinstance(base.duration_days, float)
        and base.duration_days < SUDDEN_WITHIN_DAYS
    ):
        base = replace(base, onset="sudden")
        onset_inferred = True
    polarity = _symptom_polarity(text, entities)
    stated = _stated_anywhere(tokens, polarity, base)
    return Reading(
        text=text,
        tokens=tokens,
        entities=entities,
        findings=base,
        absent_symptoms=frozenset(v for v, p in polarity.items() if p == "absent"),
        denied_sites=_denied_sites(text, entities),
        symptom_polarity=polarity,
        stated=stated,
        uncertain=is_uncertain(text) or bool(find(tokens, load_termset().hedges)),
        onset_inferred=onset_inferred,
    )


def _polarity_answer(hits: Iterable[Hit]) -> Answer | None:
    return {"present": "yes", "unsure": UNKNOWN, "absent": "no", None: None}[strongest(hits)]


def _hits(
    tokens: tuple[str, ...], present: tuple[Phrase, ...], absent: tuple[Phrase, ...]
) -> tuple[list[Hit], bool]:
    """Hits of the ``present`` phrases not inside a stated ``absent`` phrase, and whether an
    ``absent`` phrase was stated ("fine at rest" is not "at rest").
    """
    termset = load_termset()
    denials = [h for h in find(tokens, absent, termset) if h.polarity == "present"]
    covered = {i for h in denials for i in range(h.start, h.end)}
    hits = [h for h in find(tokens, present, termset) if not set(range(h.start, h.end)) & covered]
    return hits, bool(denials)


def _from_symptoms(question: Question, polarity: Mapping[str, Polarity]) -> Answer | None:
    said = [polarity[s] for s in question.yes_symptoms if s in polarity]
    if "present" in said:
        return "yes"
    if "unsure" in said:
        return UNKNOWN
    if said:
        return "no"
    return None


def _stated_anywhere(
    tokens: tuple[str, ...], polarity: Mapping[str, Polarity], findings: Findings
) -> dict[str, Answer]:
    """Question id -> the most concerning thing the message states for it, asked or not."""
    out: dict[str, Answer] = {}
    for question in load_questions().questions.values():
        if question.type != "yes_no":
            continue
        answers: list[Answer] = []
        hits, denied = _hits(tokens, question.present_anywhere, question.absent_anywhere)
        said = _polarity_answer(hits)
        if said is not None:
            answers.append(said)
        if question.said_when is not None and question.said_when.holds(findings):
            answers.append("yes")
        if denied:
            answers.append("no")
        if _from_symptoms(question, polarity) == "no":
            answers.append("no")
        if answers:
            out[question.id] = most_concerning(question, answers)
    return out


def most_concerning(question: Question, answers: Iterable[Answer]) -> Answer:
    """Of several answers to one question, the one that raises the level most."""
    answers = list(answers)
    if question.reassuring:
        # "yes" reassures; a stated reason counts unless the person also said there is none.
        return "no" if "no" in answers else ("yes" if "yes" in answers else UNKNOWN)
    return max(answers, key=_CONCERN.__getitem__)


def answer_to(
    question: Question, reading: Reading, intent: str | None = None, *, generic: bool = True
) -> Any:
    """What ``reading`` answers to ``question``, or None when the reply does not answer it.

    yes/no questions: a restatement of the finding is yes ("the nights are the worst"); a
    hedge is "unknown"; a denial, a negated mention or an "all is well" statement ("my eyes
    are fine", "walking normally") is no. When the reply says both, the more concerning reading
    wins. Duration, severity, onset and trend use the parsers in ``parsing.py``.

    With ``generic=False`` only what speaks to this question counts: not a bare "yes", "no",
    "fine" or "not sure" (used when the reply is about something new, e.g. another symptom).
    """
    if question.type != "yes_no":
        value = parse_answer(question, reading.text, intent, list(reading.entities))
        if value is None:
            value = _modifier_from_reading(question, reading)
        if value == UNKNOWN and not generic:
            return None
        if value is None and reading.uncertain and generic:
            return UNKNOWN
        return value
    return _yes_no(question, reading, intent, generic=generic)


def _modifier_from_reading(question: Question, reading: Reading) -> Any:
    field_name = {
        "duration": "duration_days",
        "severity": "severity",
        "onset": "onset",
        "trend": "trend",
    }[question.type]
    return getattr(reading.findings, field_name)


def _yes_no(
    question: Question, reading: Reading, intent: str | None, *, generic: bool = True
) -> Answer | None:
    specific: list[Answer] = []
    hits, denied = _hits(
        reading.tokens,
        question.present_anywhere + question.present_in_reply,
        question.absent_anywhere + question.absent_in_reply,
    )
    strong = {p.text for p in question.present_anywhere}
    if leading_yes_no(reading.text) == "no":
        # "no, it's flat now the swelling has gone down": a plain no is not overturned by a
        # loose word of the reply, only by a phrase that states the finding outright.
        hits = [h for h in hits if h.phrase in strong or h.polarity != "present"]
    said = _polarity_answer(hits)
    if said is not None:
        specific.append(said)
    from_symptoms = _from_symptoms(question, reading.symptom_polarity)
    if from_symptoms is not None:
        specific.append(from_symptoms)
    if question.said_when is not None and question.said_when.holds(reading.findings):
        specific.append("yes")
    if denied:
        specific.append("no")
    if reading.findings.onset in question.from_onset and not reading.onset_inferred:
        specific.append(question.from_onset[reading.findings.onset])
    if reading.findings.trend in question.from_trend:
        specific.append(question.from_trend[reading.findings.trend])

    if question.reassuring:
        if specific:
            return most_concerning(question, specific)
    elif "yes" in specific:
        return "yes"
    elif UNKNOWN in specific:
        return UNKNOWN
    if specific:
        return most_concerning(question, specific)
    if not generic:
        return None
    return _plain_answer(question, reading, intent)


def _other_content(question: Question, reading: Reading) -> tuple[bool, bool, bool]:
    """(says yes to another question, names an unrelated symptom, states a modifier).

    A symptom of the same kind as the one asked about ("queasy" to "have you been sick?") is
    not something else.
    """
    other_yes = any(q != question.id and a == "yes" for q, a in reading.stated.items())
    lexicon = load_lexicon()
    near = {c for s in question.yes_symptoms for c in lexicon.categories_of(s)}
    new_symptoms = any(
        s not in question.yes_symptoms and not (lexicon.categories_of(s) & near)
        for s in reading.findings.symptoms
    )
    f = reading.findings
    modifiers = (
        f.duration_days is not None
        or f.severity is not None
        or f.trend is not None
        or (f.onset is not None and not reading.onset_inferred)
    )
    return other_yes, new_symptoms, modifiers


def _plain_answer(question: Question, reading: Reading, intent: str | None) -> Answer | None:
    """A plain yes, no, not sure or "all is well" that does not name the finding.

    A reply about something else is not an answer to this question: a leading "yes" next to
    another finding ("yes, two of everything" to "have you lost your sight?") belongs to that
    finding, and an intent guessed from a reply that states a correction or another symptom
    says nothing about this one. A leading "no" still answers ("no, just blurry").
    """
    other_yes, new_symptoms, modifiers = _other_content(question, reading)
    if leading_hedge(reading.text):
        return UNKNOWN
    lead = leading_yes_no(reading.text)
    if lead == "no":
        return "no"
    if lead == "yes" and not (other_yes or new_symptoms):
        return "yes"
    if reading.uncertain and not (other_yes or new_symptoms):
        return UNKNOWN
    if other_yes or new_symptoms or modifiers or _ACKNOWLEDGEMENT.match(reading.text.lower()):
        return None
    if _says_all_is_well(reading.text):
        return "no"
    if intent == "affirm":
        return "yes"
    if intent == "deny":
        return "no"
    return None


def _says_all_is_well(text: str) -> bool:
    """ "Fine", "normal", "no problems", "as usual" (and not "not fine")."""
    clean = text.lower().replace("\u2019", "'")
    return bool(_ALL_IS_WELL.search(clean)) and not _NOT_WELL.search(clean)


def categories_of(reading: Reading) -> frozenset[str]:
    """Triage categories of the symptoms the message names (not negated)."""
    return reading.findings.categories


def negated_categories(reading: Reading) -> frozenset[str]:
    """Categories of symptoms mentioned only negated ("no headache, but ..."), and of the
    body sites said to be fine ("my back is fine": the site's line of pain questions).
    """
    if not reading.absent_symptoms and not reading.denied_sites:
        return frozenset()
    lexicon = load_lexicon()
    out: set[str] = set()
    for symptom in reading.absent_symptoms:
        out |= lexicon.categories_of(symptom)
    for rule in lexicon.site_dependent.values():
        out |= {rule.sites[part] for part in reading.denied_sites if part in rule.sites}
    return frozenset(out)


__all__ = [
    "Reading",
    "answer_to",
    "categories_of",
    "most_concerning",
    "negated_categories",
    "read",
]
