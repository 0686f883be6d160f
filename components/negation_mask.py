"""The text the intent classifier reads: a message with its negated symptom mentions removed.

"no pain in my head at all, but my right arm has gone weak" is about the arm, and "I haven't
had a single headache in months, should I still have scans?" is about scans. Whatever the
classifier learns from the words "pain in my head" or "headache", it must not learn it from a
mention that the person denies. So the classifier's features (dense and sparse) are computed
on the message without those mentions; entities, and with them the transcript and triage, still
come from the whole message.

The message is cut into clauses at punctuation and at words that start a new clause ("but",
"and", "just", ...). A clause whose symptom mentions are all negated by the lexicon's negex and
that itself holds the negation cue ("no" or "never" before the mention, "went away" after it,
outside any symptom phrase) is dropped whole; when the clause also names a symptom that is not
negated, only the negated mentions are dropped. A negated mention without a cue of its own in
its clause stays: negex's scope ran past the clause, and a real symptom it over-negated ("no
pain, just this numb feeling") must stay in the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from components.spacy_pipeline import ExtractedEntity, extract_entities

#: Tokens (lowercase) that end a clause; the word ones start the next clause.
CLAUSE_PUNCTUATION = frozenset(
    {",", ";", ".", "!", "?", ":", "-", "\u2013", "\u2014", "(", ")", "..."}
)
CLAUSE_WORDS = frozenset(
    {
        "but",
        "however",
        "although",
        "though",
        "except",
        "apart",
        "aside",
        "yet",
        "whereas",
        "while",
        "still",
        "which",
        "because",
        "cos",
        "coz",
        "cuz",
        "and",
        "so",
        "just",
        "only",
        "now",
        "then",
        "tho",
        "otherwise",
    }
)
#: Negation cues before a mention ("no headache"), as spaCy's English tokenizer splits them
#: ("don't" -> "do" "n't", "dont" -> "do" "nt").
PRECEDING_CUES = frozenset(
    {
        "no",
        "not",
        "n't",
        "nt",
        "never",
        "without",
        "none",
        "nor",
        "neither",
        "nothing",
        "nope",
        "nah",
        "longer",
        "denies",
        "denied",
        "deny",
    }
)
#: Negation cues after a mention ("the headache went away").
FOLLOWING_CUES = frozenset(
    {"away", "cleared", "resolved", "disappeared", "stopped", "gone", "free"}
)
#: What the classifier reads when nothing is left: a denial.
EMPTY = "no"


@dataclass(frozen=True)
class _Clause:
    start: int  # token indices [start, end)
    end: int


def _clauses(doc: Doc) -> list[_Clause]:
    """Runs of tokens between punctuation, each also cut before a clause word or a sentence."""
    clauses: list[_Clause] = []
    start = 0
    for token in doc:
        if token.lower_ in CLAUSE_PUNCTUATION:
            if token.i > start:
                clauses.append(_Clause(start, token.i))
            start = token.i + 1  # punctuation belongs to no clause and is always kept
        elif token.i > start and (token.is_sent_start or token.lower_ in CLAUSE_WORDS):
            clauses.append(_Clause(start, token.i))
            start = token.i
    if start < len(doc):
        clauses.append(_Clause(start, len(doc)))
    return clauses


def _in_any(char: int, entities: Sequence[ExtractedEntity]) -> bool:
    return any(e.start <= char < e.end for e in entities)


def _has_cue(entity: ExtractedEntity, tokens: Sequence[Token]) -> bool:
    return any(
        (t.lower_ in PRECEDING_CUES and t.idx < entity.start)
        or (t.lower_ in FOLLOWING_CUES and t.idx >= entity.end)
        for t in tokens
    )


def negated_char_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of ``doc.text`` that the classifier should not read (sorted)."""
    symptoms = [e for e in extract_entities(doc) if e.entity == "symptom"]
    if not any(e.negated for e in symptoms):
        return []
    spans: list[tuple[int, int]] = []
    for clause in _clauses(doc):
        first, last = doc[clause.start], doc[clause.end - 1]
        lo, hi = first.idx, last.idx + len(last.text)
        inside = [e for e in symptoms if lo <= e.start and e.end <= hi]
        cues = [t for t in doc[clause.start : clause.end] if not _in_any(t.idx, inside)]
        # A negated mention counts only with a cue of its own in the clause; otherwise
        # negex's scope ran past the clause, and what it over-negated stays in the text.
        negated = [e for e in inside if e.negated and _has_cue(e, cues)]
        if not negated:
            continue
        if len(negated) == len(inside):
            spans.append((lo, hi))
        else:
            spans += [(e.start, e.end) for e in negated]
    return sorted(spans)


def remove_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without the given character spans, spaces collapsed."""
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = max(last, end)
    kept.append(text[last:])
    return " ".join("".join(kept).split())


def classifier_text(doc: Doc) -> str:
    """The message as the intent classifier reads it (see the module docstring)."""
    spans = negated_char_spans(doc)
    if not spans:
        return doc.text
    masked = remove_spans(doc.text, spans)
    return masked if any(ch.isalnum() for ch in masked) else EMPTY
