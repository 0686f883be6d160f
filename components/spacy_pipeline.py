r"""Build, save and load the project's spaCy pipeline, and read entities from its docs.

The pipeline is blank English (``en``) + ``sentencizer`` + ``entity_ruler`` (patterns generated
from ``bot/vocabulary.yml``) + ``negex`` (negspacy). It is a build step, not a trained model::

    python -m components.spacy_pipeline build/spacy_pipeline

Rasa's ``SpacyNLP`` loads the result by path with plain ``spacy.load``; the process must have
imported ``negspacy.negation`` first (``components/symptom_entities.py`` does), because the
``negex`` factory is registered by that import.

Conventions
-----------
- Entities: ``symptom``, ``body_part``, ``onset``, ``trend`` carry a canonical value from
  ``bot/vocabulary.py`` as the pattern ``id`` (``ent.ent_id_``); ``duration`` and ``severity``
  carry the matched text, lowercased, with spaces collapsed and curly apostrophes straightened
  ("About 3 Weeks" -> "about 3 weeks"), for the triage code to parse.
- Matching is exact on lowercase tokens (no fuzzy matching in spaCy 3.4): spellings, plurals and
  misspellings are listed in the lexicon. Phrases with an apostrophe also match with a curly
  apostrophe (U+2019) and with none ("can't" also matches "cant").
- Overlaps: the longest match wins; between equal lengths the earlier one wins. A body part
  joined directly to a pain word is the specific pain ("my back hurts", "backache" -> "back
  pain"); a pain word linked by a preposition, or a region before a compound, gives two
  entities ("pain in my lower back", "lower back pain" -> "pain" + body_part "lower back").
  So triage should read symptom "pain" together with the body parts in the message.
- Negation: negex marks an entity negated when a preceding cue ("no", "not", "don't",
  "haven't", "never", "without", "no longer", ...) comes before it in the same sentence and no
  termination term ("but", "however", "although", "and my", "i'm", ...) lies between, or when a
  following cue ("went away", "has cleared", "free") comes after it. Lexicon phrases that
  contain a cue ("no energy", "not getting better") are pseudo-negations. When unsure the
  termset errs towards *not* negating, so a real symptom is not silently dropped.
- ``ignore`` phrases ("breast cancer", "pain killers") take their text away from the other
  patterns and are then dropped by :func:`extract_entities`.
- ``meta.json``: name ``survivor_symptoms``, version ``<BUILDER_VERSION>+<lexicon sha256[:12]>``
  and ``lexicon_sha256``: a changed lexicon gives a new version. The build is deterministic
  (patterns and terms sorted): the same lexicon gives byte-identical files.

Fixing common problems
----------------------
- ``ValueError: lexicon ...: symptom value 'x' (phrase 'y') is not canonical`` -- fix the
  spelling of the value, or add the value to ``bot/vocabulary.py`` first (then to the triage
  rules where it matters).
- ``ValueError: ... phrase 'x' is listed both as ...`` -- one phrase can have one meaning only;
  keep it under the value that is clinically safer and delete the other.
- A phrase does not match: see how spaCy splits it (``python -c "import spacy;
  print([t.text for t in spacy.blank('en')(\"can't pee\")])"``) and list the variant the user
  typed. A longer overlapping phrase may be winning: check with ``extract_entities``.
- A symptom is wrongly negated or not negated: edit the ``negation`` section of the lexicon
  (``termination`` ends a negation's scope, ``pseudo`` switches a cue off).
- ``Can't find factory for 'negex'`` when loading: import ``negspacy.negation`` before
  ``spacy.load`` (or use :func:`load_pipeline`).
- Rasa still uses the old lexicon: rebuild (``bot build-pipeline`` or the command above) and
  retrain; ``meta.json``'s ``version`` tells which lexicon a build came from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import negspacy.negation  # noqa: F401  registers the "negex" factory
import spacy
from spacy.language import Language
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc, Span

from bot import vocabulary
from bot.triage.entities import NEGATED_ROLE

DEFAULT_LEXICON_PATH: Final[Path] = vocabulary.VOCABULARY_FILE
PIPELINE_NAME: Final[str] = "survivor_symptoms"
# Bump when the way patterns are generated changes (the lexicon hash covers the data).
BUILDER_VERSION: Final[str] = "1.0.0"
NEGATION_EXTENSION: Final[str] = "negex"
IGNORE_LABEL: Final[str] = "ignore"

CANONICAL_VALUES: Final[Mapping[str, frozenset[str]]] = {
    "symptom": vocabulary.SYMPTOMS,
    "body_part": vocabulary.BODY_PARTS,
    "onset": vocabulary.ONSETS,
    "trend": vocabulary.TRENDS,
}
TEXT_VALUED_TYPES: Final[tuple[str, ...]] = ("duration", "severity")
NEGATION_KEYS: Final[Mapping[str, str]] = {
    "preceding": "preceding_negations",
    "following": "following_negations",
    "termination": "termination",
    "pseudo": "pseudo_negations",
}
#: Token patterns for symptoms that phrases cannot list ("lost 5 kg", "lost half a stone").
SYMPTOM_PATTERNS: Final[str] = "symptom_patterns"
_SECTIONS: Final[tuple[str, ...]] = (
    *vocabulary.ENTITY_TYPES,
    SYMPTOM_PATTERNS,
    IGNORE_LABEL,
    "negation",
)
_CURLY_APOSTROPHE: Final[str] = "\u2019"


@dataclass(frozen=True)
class ExtractedEntity:
    """One entity found in a message.

    ``value`` is canonical (bot/vocabulary.py) for symptom, body_part, onset and trend, and the
    normalised matched text for duration and severity. ``start``/``end`` are character offsets
    into the message; ``negated`` is negex's verdict.
    """

    entity: str
    value: str
    text: str
    start: int
    end: int
    negated: bool

    def as_rasa(self) -> dict[str, Any]:
        """The entity as Rasa carries it: a negated mention has the role ``NEGATED_ROLE``."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
        }
        if self.negated:
            out["role"] = NEGATED_ROLE
        return out


@dataclass(frozen=True)
class EntityLexicon:
    """The entity ruler's lexicon: ``bot/vocabulary.yml`` compiled into entity-ruler patterns
    and a negspacy termset (the triage rules have their own, ``bot.triage.lexicon.Lexicon``).
    """

    patterns: list[dict[str, Any]]
    neg_termset: dict[str, list[str]]
    sha256: str
    path: Path


def normalise_text(text: str) -> str:
    """Lowercase, straight apostrophes, single spaces: the value of duration and severity."""
    return " ".join(text.replace(_CURLY_APOSTROPHE, "'").lower().split())


def _variants(phrase: str) -> list[str]:
    """The phrase plus its curly-apostrophe and apostrophe-less spellings."""
    phrase = normalise_text(phrase)
    if "'" not in phrase:
        return [phrase]
    return [phrase, phrase.replace("'", _CURLY_APOSTROPHE), phrase.replace("'", "")]


def _error(path: Path, message: str) -> ValueError:
    return ValueError(f"lexicon {path}: {message}")


def _phrase_list(path: Path, where: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise _error(path, f"{where} must be a non-empty list of phrases, got {raw!r}")
    phrases = []
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            hint = " (quote words like no/on/off/yes in YAML)" if isinstance(item, bool) else ""
            raise _error(path, f"{where} has {item!r}, expected a non-empty string{hint}")
        phrases.append(item)
    return phrases


def _token_patterns(path: Path, where: str, raw: Any) -> list[list[dict[str, Any]]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _error(path, f"{where} must be a list of spaCy token patterns")
    for index, pattern in enumerate(raw):
        problems = validate_token_pattern(pattern) if isinstance(pattern, list) else ["not a list"]
        if problems:
            raise _error(
                path,
                f"{where}[{index}] is not a valid spaCy token pattern: {'; '.join(problems)}. "
                "See https://spacy.io/usage/rule-based-matching#adding-patterns",
            )
    return raw


class _PatternCollector:
    """Collects phrase patterns, rejecting a phrase that is given two different meanings."""

    def __init__(self, nlp: Language, path: Path) -> None:
        self._nlp = nlp
        self._path = path
        self._seen: dict[tuple[str, ...], tuple[str, str, str, str]] = {}
        self.patterns: list[dict[str, Any]] = []

    def key(self, phrase: str) -> tuple[str, ...]:
        return tuple(token.lower_ for token in self._nlp.make_doc(phrase))

    def add(self, label: str, value: str | None, phrase: str) -> None:
        meaning = f"{label} {value!r}" if value else label
        for variant in _variants(phrase):
            key = self.key(variant)
            previous = self._seen.get(key)
            if previous is not None:
                if previous[:2] != (label, value or ""):
                    raise _error(
                        self._path,
                        f"phrase {phrase!r} is listed both as {previous[2]} and as {meaning}; "
                        "one phrase can have one meaning: keep it under one value only",
                    )
                continue
            self._seen[key] = (label, value or "", meaning, variant)
            pattern: dict[str, Any] = {"label": label, "pattern": variant}
            if value:
                pattern["id"] = value
            self.patterns.append(pattern)

    def phrases(self) -> list[tuple[tuple[str, ...], str]]:
        """(lowercase tokens, text) of every phrase pattern."""
        return [(key, seen[3]) for key, seen in self._seen.items()]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def load_entity_lexicon(nlp: Language, path: Path | None = None) -> EntityLexicon:
    """Reads and validates the lexicon; raises ValueError naming the problem and the fix."""
    path = Path(path) if path is not None else DEFAULT_LEXICON_PATH
    if not path.is_file():
        raise FileNotFoundError(f"lexicon {path} not found (the default is {DEFAULT_LEXICON_PATH})")
    raw_bytes = path.read_bytes()
    data = vocabulary.spacy_lexicon(vocabulary.read_vocabulary(path))
    allowed_values = {
        "symptom": frozenset(data["symptom"]),
        "body_part": frozenset(data.get("body_part") or ()),
        "onset": frozenset(data.get("onset") or ()),
        "trend": frozenset(data.get("trend") or ()),
    }
    if not isinstance(data, dict):
        raise _error(path, "must be a mapping with sections " + ", ".join(_SECTIONS))
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise _error(path, f"unknown section(s) {unknown}; allowed: {', '.join(_SECTIONS)}")

    collector = _PatternCollector(nlp, path)
    token_patterns: list[dict[str, Any]] = []
    for label, allowed in allowed_values.items():
        section = data.get(label)
        if not isinstance(section, dict) or not section:
            raise _error(path, f"section {label!r} must map canonical values to phrase lists")
        for value, phrases in section.items():
            for phrase in _phrase_list(path, f"{label} {value!r}", phrases):
                if value not in allowed:
                    raise _error(
                        path,
                        f"{label} value {value!r} (phrase {phrase!r}) is not canonical. "
                        f"Allowed {label} values: {', '.join(sorted(allowed))}. Fix the value, "
                        "or add it to bot/vocabulary.py first.",
                    )
                collector.add(label, value, phrase)
    for label in TEXT_VALUED_TYPES:
        section = data.get(label)
        if not isinstance(section, dict) or set(section) - {"phrases", "patterns"}:
            raise _error(path, f"section {label!r} must have 'phrases' and optional 'patterns'")
        for phrase in _phrase_list(path, f"{label} phrases", section.get("phrases")):
            collector.add(label, None, phrase)
        for pattern in _token_patterns(path, f"{label} patterns", section.get("patterns")):
            token_patterns.append({"label": label, "pattern": pattern})
    for value, patterns in (data.get(SYMPTOM_PATTERNS) or {}).items():
        if value not in allowed_values["symptom"]:
            raise _error(path, f"{SYMPTOM_PATTERNS}: {value!r} has patterns but no phrases")
        for pattern in _token_patterns(path, f"{SYMPTOM_PATTERNS} {value!r}", patterns):
            token_patterns.append({"label": "symptom", "pattern": pattern, "id": value})
    if data.get(IGNORE_LABEL) is not None:
        for phrase in _phrase_list(path, IGNORE_LABEL, data[IGNORE_LABEL]):
            collector.add(IGNORE_LABEL, None, phrase)

    neg_termset = _negation_termset(path, data.get("negation"), collector)
    patterns = sorted(
        collector.patterns + token_patterns,
        key=lambda p: (p["label"], p.get("id", ""), json.dumps(p["pattern"], sort_keys=True)),
    )
    return EntityLexicon(
        patterns=patterns,
        neg_termset=neg_termset,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        path=path,
    )


def _negation_termset(
    path: Path, section: Any, collector: _PatternCollector
) -> dict[str, list[str]]:
    if not isinstance(section, dict) or set(section) != set(NEGATION_KEYS):
        raise _error(path, f"section 'negation' must have exactly {', '.join(NEGATION_KEYS)}")
    terms = {
        key: sorted(
            {v for t in _phrase_list(path, f"negation {key}", section[key]) for v in _variants(t)}
        )
        for key in NEGATION_KEYS
    }
    # A lexicon phrase that contains a cue or a termination term ("no energy", "can't pee",
    # "for a while") is a pseudo-negation: its cue neither negates it nor what follows it.
    cues = [
        collector.key(term)
        for key in ("preceding", "following", "termination")
        for term in terms[key]
    ]
    pseudo = set(terms["pseudo"])
    for phrase_key, phrase in collector.phrases():
        if any(_contains(phrase_key, cue) for cue in cues):
            pseudo.add(phrase)
    terms["pseudo"] = sorted(pseudo)
    return {NEGATION_KEYS[key]: terms[key] for key in NEGATION_KEYS}


def build_pipeline(lexicon_path: Path | None = None) -> Language:
    """Blank English + sentencizer + entity ruler from the lexicon + negex."""
    nlp = spacy.blank("en")
    lexicon = load_entity_lexicon(nlp, lexicon_path)
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": True})
    ruler.add_patterns(lexicon.patterns)  # type: ignore[attr-defined]
    nlp.add_pipe(
        "negex",
        config={
            "neg_termset": lexicon.neg_termset,
            "ent_types": list(vocabulary.ENTITY_TYPES),
            "extension_name": NEGATION_EXTENSION,
            "chunk_prefix": [],
        },
    )
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": f"{BUILDER_VERSION}+{lexicon.sha256[:12]}",
            "description": "Symptom lexicon entity ruler with negation for the survivor "
            "symptom checker (bot/vocabulary.yml).",
            "lexicon_sha256": lexicon.sha256,
            "requirements": ["negspacy==1.0.4"],
        }
    )
    return nlp


def save_pipeline(output_dir: Path, lexicon_path: Path | None = None) -> Path:
    """Builds the pipeline and writes it to ``output_dir`` (replaced as a whole); returns it.

    Refuses to replace a non-empty directory that is not a spaCy pipeline.
    """
    output_dir = Path(output_dir)
    not_a_pipeline = not (output_dir / "meta.json").is_file()
    if output_dir.exists() and any(output_dir.iterdir()) and not_a_pipeline:
        raise ValueError(
            f"{output_dir} exists and is not a spaCy pipeline (no meta.json); "
            "choose an empty or new directory"
        )
    nlp = build_pipeline(lexicon_path)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        nlp.to_disk(staging)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        staging.rename(output_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return output_dir


def load_pipeline(path: Path) -> Language:
    """Loads a saved pipeline (negspacy is already imported by this module)."""
    path = Path(path)
    if not (path / "meta.json").is_file():
        raise FileNotFoundError(
            f"no spaCy pipeline at {path}; build it with: "
            f"python -m components.spacy_pipeline {path}"
        )
    return spacy.load(path)


def extract_entities(doc: Doc) -> list[ExtractedEntity]:
    """The lexicon entities of a processed doc, in text order, with canonical values."""
    has_negation = Span.has_extension(NEGATION_EXTENSION)
    found = []
    for ent in doc.ents:
        label = ent.label_
        if label not in vocabulary.ENTITY_TYPES:
            continue
        if label in CANONICAL_VALUES and ent.ent_id_:
            value = ent.ent_id_
        else:
            value = normalise_text(ent.text)
        negated = bool(ent._.get(NEGATION_EXTENSION)) if has_negation else False
        found.append(
            ExtractedEntity(
                entity=label,
                value=value,
                text=ent.text,
                start=ent.start_char,
                end=ent.end_char,
                negated=negated,
            )
        )
    return found


def main(argv: Iterable[str] | None = None) -> int:
    """Build the spaCy pipeline into a folder (command line); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m components.spacy_pipeline",
        description="Build the project's spaCy pipeline.",
    )
    parser.add_argument(
        "output_dir", type=Path, help="where to write it, e.g. build/spacy_pipeline"
    )
    parser.add_argument("--lexicon", type=Path, default=None, help="lexicon YAML (default: ours)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        path = save_pipeline(args.output_dir, args.lexicon)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    print(f"wrote {meta['name']} {meta['version']} to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
