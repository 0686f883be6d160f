"""Phrases found in free text, with their polarity: present, absent ("no", "X is fine") or unsure.

The follow-up questions (``questions.yml``) list the phrases that state each finding ("the
nights are the worst" states night pain, "a tiny bump on the door" a minor knock). This module
finds them in a message and decides, by scope, whether each one is negated: a preceding cue
("no", "not", "haven't", "never") in the same clause, or a following one ("is fine", "went
away", "are normal"), before a termination term ("but", "although", "and now") or the end of
the sentence. The cue words are the negation section of the spaCy lexicon
(``bot/vocabulary.yml``), so the entities and these phrases use one definition of negation.

Plain Python on purpose: the dialogue logic is tested without spaCy or Rasa.

Phrases are written in lowercase words; ``*`` alone matches any one word and ``word*`` any
word starting with ``word`` ("knock*" matches "knocked"). Apostrophes are dropped ("can't" and
"cant" are the same word), except that "'s" becomes "is" ("walking's normal").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeAlias

from bot.vocabulary import VOCABULARY_FILE, read_vocabulary

Polarity: TypeAlias = Literal["present", "absent", "unsure"]

NEGATION_SOURCE = VOCABULARY_FILE

#: How far a negation reaches, in words (NegEx uses a window of about five).
PRECEDING_WINDOW = 6
FOLLOWING_WINDOW = 4

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[.,;:!?()]")
#: Punctuation that ends a negation's scope ("(no treatment now) has gone yellow").
_SENTENCE_END = frozenset({".", ";", "!", "?", "(", ")"})

#: Words that make a statement uncertain within its clause ("I might have been sick").
HEDGES: tuple[str, ...] = (
    "not sure",
    "not really sure",
    "not certain",
    "unsure",
    "uncertain",
    "maybe",
    "perhaps",
    "possibly",
    "might",
    "might have",
    "could be",
    "dont know",
    "do not know",
    "dunno",
    "idk",
    "no idea",
    "hard to say",
    "hard to tell",
    "difficult to say",
    "cant say",
    "cant tell",
    "cant remember",
    "dont remember",
    "not that i know",
    "i wonder",
    "havent checked",
    "not checked",
    "didnt check",
    "havent measured",
    "no thermometer",
)

#: Words after a mention that say it is fine ("my eyes are fine", "walking's normal").
ALL_IS_WELL: tuple[str, ...] = (
    "is fine",
    "are fine",
    "feel fine",
    "feels fine",
    "seem fine",
    "seems fine",
    "look fine",
    "looks fine",
    "is ok",
    "are ok",
    "feel ok",
    "feels ok",
    "is okay",
    "are okay",
    "is alright",
    "are alright",
    "is all right",
    "is normal",
    "are normal",
    "feel normal",
    "feels normal",
    "is good",
    "are good",
    "is as usual",
    "as normal",
    "as usual",
    "normally",
    "no problem",
    "no problems",
    "is not a problem",
    "no trouble",
    "no issues",
    "is great",
    "is easing",
    "is settling",
    "has settled",
    "helps",
    "eases it",
    "makes it better",
    "makes it easier",
)


def words_with_spans(text: str | None) -> tuple[tuple[str, int, int], ...]:
    """(word, start, end) for each word of ``text``, character offsets into ``text``."""
    if not text:
        return ()
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    out: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(lowered):
        token, start, end = match.group(), match.start(), match.end()
        if token.endswith("'s") and len(token) > 2:
            out.append((token[:-2].replace("'", ""), start, end - 2))
            out.append(("is", end - 2, end))
        else:
            out.append((token.replace("'", ""), start, end))
    return tuple(out)


def words(text: str | None) -> tuple[str, ...]:
    """Lowercase words and punctuation of ``text``, with apostrophes dropped ("'s" -> "is")."""
    return tuple(w for w, _, _ in words_with_spans(text))


def span_polarity(text: str, start: int, end: int, termset: Termset | None = None) -> Polarity:
    """Polarity of the mention at characters ``text[start:end]`` (e.g. an NLU entity)."""
    spans = words_with_spans(text)
    inside = [i for i, (_, s, e) in enumerate(spans) if s < end and e > start]
    if not inside:
        return "present"
    tokens = tuple(w for w, _, _ in spans)
    return polarity_at(tokens, inside[0], inside[-1] + 1, termset or load_termset())


@dataclass(frozen=True)
class Phrase:
    """One phrase as a sequence of word patterns (exact word, prefix ``w*``, or ``*``)."""

    text: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Phrase:
        """Compile a written phrase ("tiny bump", "knock*", "worst * ever")."""
        parts = _pattern_words(text)
        if not parts:
            raise ValueError(f"empty phrase {text!r}")
        return cls(text, parts)

    def matches_at(self, tokens: Sequence[str], start: int) -> bool:
        """True when the phrase's words are ``tokens[start:start + len(parts)]``."""
        if start + len(self.parts) > len(tokens):
            return False
        for part, word in zip(self.parts, tokens[start : start + len(self.parts)], strict=False):
            if part == "*":
                if word in _SENTENCE_END or word == ",":
                    return False
            elif part.endswith("*"):
                if not word.startswith(part[:-1]):
                    return False
            elif part != word:
                return False
        return True


def _pattern_words(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in text.lower().replace("\u2019", "'").split():
        if raw == "*" or (raw.endswith("*") and len(raw) > 1):
            out.append(raw.replace("'", ""))
        else:
            out.extend(words(raw))
    return tuple(out)


def compile_phrases(texts: Iterable[str]) -> tuple[Phrase, ...]:
    """Phrases from their written form (longest first, so "not at night" beats "night")."""
    phrases = {Phrase.parse(t) for t in texts}
    return tuple(sorted(phrases, key=lambda p: (-len(p.parts), p.text)))


@dataclass(frozen=True)
class Termset:
    """The negation vocabulary: cue phrases before and after a mention, scope ends, pseudo cues."""

    preceding: tuple[Phrase, ...]
    following: tuple[Phrase, ...]
    termination: tuple[Phrase, ...]
    pseudo: tuple[Phrase, ...]
    hedges: tuple[Phrase, ...]


@lru_cache(maxsize=2)
def load_termset(path: str | Path = NEGATION_SOURCE) -> Termset:
    """The negation section of the spaCy lexicon plus the all-is-well and hedge words."""
    data = read_vocabulary(path)["negation"]
    return Termset(
        preceding=compile_phrases(data["preceding"]),
        following=compile_phrases([*data["following"], *ALL_IS_WELL]),
        termination=compile_phrases(data["termination"]),
        pseudo=compile_phrases(data["pseudo"]),
        hedges=compile_phrases(HEDGES),
    )


@dataclass(frozen=True)
class Hit:
    """A phrase found in a message, with its position (word indexes) and polarity."""

    phrase: str
    start: int
    end: int
    polarity: Polarity


@lru_cache(maxsize=512)
def _index(phrases: tuple[Phrase, ...]) -> tuple[dict[str, tuple[Phrase, ...]], tuple[Phrase, ...]]:
    """Phrases by their first word, and those starting with a prefix or wildcard."""
    by_word: dict[str, list[Phrase]] = {}
    loose: list[Phrase] = []
    for phrase in phrases:
        first = phrase.parts[0]
        if first.endswith("*"):
            loose.append(phrase)
        else:
            by_word.setdefault(first, []).append(phrase)
    return {w: tuple(p) for w, p in by_word.items()}, tuple(loose)


def _candidates(phrases: tuple[Phrase, ...], tokens: Sequence[str], at: int) -> list[Phrase]:
    """The phrases that could start at ``tokens[at]``, longest first."""
    by_word, loose = _index(phrases)
    found = [*by_word.get(tokens[at], ()), *loose]
    return sorted(found, key=lambda p: -len(p.parts)) if len(found) > 1 else found


def _match_any(phrases: tuple[Phrase, ...], tokens: Sequence[str], at: int) -> Phrase | None:
    for phrase in _candidates(phrases, tokens, at):
        if phrase.matches_at(tokens, at):
            return phrase
    return None


def _covered_by_pseudo(tokens: Sequence[str], at: int, termset: Termset) -> bool:
    """True when the cue starting at ``at`` belongs to a pseudo-negation ("not sure", "no idea")."""
    longest = max((len(p.parts) for p in termset.pseudo), default=0)
    for start in range(max(0, at - longest + 1), at + 1):
        for phrase in _candidates(termset.pseudo, tokens, start):
            if start + len(phrase.parts) > at and phrase.matches_at(tokens, start):
                return True
    return False


#: A termination term right after one of these does not end the scope: in "not when I'm
#: sitting" the "not" still covers "sitting".
_BINDING = frozenset({"when", "if", "while", "unless", "whenever"})


def _clause_start(tokens: Sequence[str], at: int, termset: Termset) -> int:
    """Index of the first word of the clause that contains position ``at``."""
    k = at - 1
    while k >= 0:
        if tokens[k] in _SENTENCE_END:
            return k + 1
        for begin in range(max(0, k - 3), k + 1):
            for phrase in _candidates(termset.termination, tokens, begin):
                if (
                    begin + len(phrase.parts) - 1 == k
                    and phrase.matches_at(tokens, begin)
                    and not (begin > 0 and tokens[begin - 1] in _BINDING)
                ):
                    return k + 1
        k -= 1
    return 0


def _clause_end(tokens: Sequence[str], at: int, termset: Termset) -> int:
    """Index just past the clause that starts at or before ``at``."""
    k = at
    while k < len(tokens):
        if tokens[k] in _SENTENCE_END or _match_any(termset.termination, tokens, k):
            return k
        k += 1
    return len(tokens)


def polarity_at(tokens: Sequence[str], start: int, end: int, termset: Termset) -> Polarity:
    """Whether the mention at ``tokens[start:end]`` is negated, uncertain or stated."""
    begin = max(_clause_start(tokens, start, termset), start - PRECEDING_WINDOW)
    for k in range(begin, start):
        cue = _match_any(termset.preceding, tokens, k)
        if cue and k + len(cue.parts) <= start and not _covered_by_pseudo(tokens, k, termset):
            return "absent"
    stop = min(_clause_end(tokens, end, termset), end + FOLLOWING_WINDOW)
    for k in range(end, stop):
        cue = _match_any(termset.following, tokens, k)
        if cue and not _covered_by_pseudo(tokens, k, termset):
            return "absent"
    clause = range(_clause_start(tokens, start, termset), _clause_end(tokens, end, termset))
    if any(_match_any(termset.hedges, tokens, k) for k in clause):
        return "unsure"
    return "present"


def find(
    text_or_tokens: str | Sequence[str],
    phrases: Sequence[Phrase],
    termset: Termset | None = None,
) -> list[Hit]:
    """Every non-overlapping occurrence of ``phrases`` (longest first), with its polarity."""
    tokens = words(text_or_tokens) if isinstance(text_or_tokens, str) else tuple(text_or_tokens)
    termset = termset or load_termset()
    phrases = tuple(phrases)
    matches = [
        (phrase, start)
        for start in range(len(tokens))
        for phrase in _candidates(phrases, tokens, start)
        if phrase.matches_at(tokens, start)
    ]
    # Longest first, so "fine at night" is one hit and "night" inside it is not another.
    matches.sort(key=lambda m: (-len(m[0].parts), m[1]))
    hits: list[Hit] = []
    taken: set[int] = set()
    for phrase, start in matches:
        span = set(range(start, start + len(phrase.parts)))
        if span & taken:
            continue
        taken |= span
        end = start + len(phrase.parts)
        hits.append(Hit(phrase.text, start, end, polarity_at(tokens, start, end, termset)))
    return sorted(hits, key=lambda h: h.start)


def strongest(hits: Iterable[Hit]) -> Polarity | None:
    """The most concerning polarity among hits: present beats unsure beats absent."""
    found = {h.polarity for h in hits}
    for polarity in ("present", "unsure", "absent"):
        if polarity in found:
            return polarity  # type: ignore[return-value]
    return None


__all__ = [
    "ALL_IS_WELL",
    "HEDGES",
    "Hit",
    "Phrase",
    "Polarity",
    "Termset",
    "compile_phrases",
    "find",
    "load_termset",
    "polarity_at",
    "span_polarity",
    "strongest",
    "words",
    "words_with_spans",
]
