"""The vocabulary: canonical values, categories and intents, derived from ``vocabulary.yml``.

``bot/vocabulary.yml`` names every symptom once: its canonical value, its triage category (or
body-site rule), whether it is a companion symptom, its lay phrases and misspellings. This
module reads that file and derives everything else from it:

- ``SYMPTOMS``, ``BODY_PARTS``, ``ONSETS``, ``TRENDS``: the canonical entity values that the
  spaCy entity ruler gives as the entity ``value`` and that triage rules and the chat API's
  ``triage.symptoms`` use;
- ``CATEGORIES`` and ``SYMPTOM_INTENTS`` (``report_<category>``);
- :func:`spacy_lexicon`: the entity-ruler sections that components/spacy_pipeline.py builds;
- :func:`triage_lexicon`: the category table, site rules and companions (bot/triage/lexicon.py).

The other intent names (questions, dialogue) are fixed by the design and listed here too, so
this is the one module that names intents; actions/constants.py names slots and actions.
The file is read once, when this module is first imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

#: The one vocabulary file (symptoms, body parts, onsets, trends, phrases, negation cues).
VOCABULARY_FILE: Final[Path] = Path(__file__).resolve().with_name("vocabulary.yml")

_SYMPTOM_KEYS: Final[frozenset[str]] = frozenset(
    {"category", "sites", "companion", "phrases", "patterns"}
)
#: Entity-ruler sections copied unchanged from the vocabulary file into the spaCy lexicon.
_RULER_SECTIONS: Final[tuple[str, ...]] = (
    "body_part",
    "onset",
    "trend",
    "duration",
    "severity",
    "ignore",
    "negation",
)
_SECTIONS: Final[frozenset[str]] = frozenset(
    {"version", "categories", "pain_sites", "symptoms", *_RULER_SECTIONS}
)


def _fail(path: Path, message: str) -> ValueError:
    return ValueError(f"vocabulary {path}: {message}")


def check_vocabulary(data: Any, path: Path = VOCABULARY_FILE) -> dict[str, Any]:
    """Check the file's structure and cross-references; raise ValueError saying what to fix."""
    if not isinstance(data, dict):
        raise _fail(path, "must be a mapping with sections " + ", ".join(sorted(_SECTIONS)))
    unknown = sorted(set(data) - _SECTIONS)
    missing = sorted({"categories", "symptoms", "body_part", "pain_sites"} - set(data))
    if unknown or missing:
        raise _fail(path, f"unknown sections {unknown}, missing sections {missing}")
    categories = set(data["categories"])
    body_parts = set(data["body_part"])

    def category(value: Any, where: str) -> None:
        if value not in categories:
            raise _fail(
                path,
                f"{where}: category {value!r} is not one of the categories "
                f"({', '.join(data['categories'])}); add it to `categories` first",
            )

    def site_table(table: Any, where: str) -> None:
        if not isinstance(table, dict):
            raise _fail(path, f"{where}: expected a mapping of body part to category")
        for part, value in table.items():
            if part not in body_parts:
                raise _fail(path, f"{where}: {part!r} is not a body part (section body_part)")
            category(value, f"{where}.{part}")

    site_table(data["pain_sites"], "pain_sites")
    for symptom, entry in data["symptoms"].items():
        where = f"symptoms.{symptom}"
        if not isinstance(entry, dict) or set(entry) - _SYMPTOM_KEYS:
            raise _fail(path, f"{where}: expected keys among {', '.join(sorted(_SYMPTOM_KEYS))}")
        if ("category" in entry) == ("sites" in entry):
            raise _fail(path, f"{where}: give exactly one of `category` or `sites`")
        if "category" in entry:
            category(entry["category"], where)
        else:
            sites = entry["sites"]
            if not isinstance(sites, dict) or set(sites) != {"default", "by_site"}:
                raise _fail(path, f"{where}.sites: expected `default` and `by_site`")
            category(sites["default"], f"{where}.sites.default")
            by_site = sites["by_site"]
            if by_site != "pain_sites":
                site_table(by_site, f"{where}.sites.by_site")
    return data


def read_vocabulary(path: str | Path = VOCABULARY_FILE) -> dict[str, Any]:
    """The vocabulary file, parsed and checked (cached for the default file)."""
    path = Path(path)
    if path == VOCABULARY_FILE:
        return _default_vocabulary()
    return _read(path)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"vocabulary {path} not found (the default is {VOCABULARY_FILE})")
    try:
        data = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506  a safe loader
    except yaml.YAMLError as exc:
        raise _fail(path, f"is not valid YAML: {exc}") from exc
    return check_vocabulary(data, path)


@lru_cache(maxsize=1)
def _default_vocabulary() -> dict[str, Any]:
    return _read(VOCABULARY_FILE)


def spacy_lexicon(data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The spaCy entity ruler's sections: phrases and token patterns by canonical value."""
    data = read_vocabulary() if data is None else data
    symptoms = data["symptoms"]
    lexicon: dict[str, Any] = {
        "symptom": {s: e["phrases"] for s, e in symptoms.items() if "phrases" in e},
        "symptom_patterns": {s: e["patterns"] for s, e in symptoms.items() if "patterns" in e},
    }
    lexicon.update({section: data[section] for section in _RULER_SECTIONS if section in data})
    return lexicon


def triage_lexicon(data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each symptom's categories, the site-dependent symptoms and the companion symptoms."""
    data = read_vocabulary() if data is None else data
    symptoms = data["symptoms"]
    site_dependent = {}
    for symptom, entry in symptoms.items():
        if "sites" in entry:
            by_site = entry["sites"]["by_site"]
            table = data["pain_sites"] if by_site == "pain_sites" else by_site
            site_dependent[symptom] = {"default": entry["sites"]["default"], "sites": dict(table)}
    return {
        "version": data.get("version", 1),
        "symptom_categories": {
            s: [e["category"]] if "category" in e else [] for s, e in symptoms.items()
        },
        "pain_sites": dict(data["pain_sites"]),
        "site_dependent": site_dependent,
        "companion_symptoms": [s for s, e in symptoms.items() if e.get("companion")],
    }


_VOCABULARY: Final[dict[str, Any]] = read_vocabulary()

#: Canonical symptom values, in the file's order (the order of the chat API's symptom list).
SYMPTOM_ORDER: Final[tuple[str, ...]] = tuple(_VOCABULARY["symptoms"])
SYMPTOMS: Final[frozenset[str]] = frozenset(SYMPTOM_ORDER)
BODY_PARTS: Final[frozenset[str]] = frozenset(_VOCABULARY["body_part"])
ONSETS: Final[frozenset[str]] = frozenset(_VOCABULARY["onset"])
TRENDS: Final[frozenset[str]] = frozenset(_VOCABULARY["trend"])

#: One category per symptom intent, in the order used for questioning.
CATEGORIES: Final[tuple[str, ...]] = tuple(_VOCABULARY["categories"])

ENTITY_TYPES: Final[tuple[str, ...]] = (
    "symptom",
    "body_part",
    "duration",
    "severity",
    "onset",
    "trend",
)

SYMPTOM_INTENTS: Final[tuple[str, ...]] = tuple(f"report_{c}" for c in CATEGORIES)

QUESTION_INTENTS: Final[tuple[str, ...]] = (
    "ask_routine_tests",
    "ask_metastatic_info",
    "ask_symptoms_to_watch",
    "ask_diagnosis_tests",
    "ask_treatment",
    "ask_prevention",
    "ask_prognosis",
)

DIALOGUE_INTENTS: Final[tuple[str, ...]] = (
    "greet",
    "goodbye",
    "affirm",
    "deny",
    "thank",
    "inform",
    "bot_challenge",
    "out_of_scope",
    "request_clinician",
)

ALL_INTENTS: Final[tuple[str, ...]] = SYMPTOM_INTENTS + QUESTION_INTENTS + DIALOGUE_INTENTS
