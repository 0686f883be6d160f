"""The triage lexicon: the symptom -> category table, the site rules and the companions.

Derived from bot/vocabulary.yml (``bot.vocabulary.triage_lexicon``), checked here against the
triage categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot import vocabulary
from bot.triage._data import require_keys
from bot.triage.models import CATEGORIES
from bot.vocabulary import BODY_PARTS, SYMPTOMS

LEXICON_FILE = "bot/vocabulary.yml"


@dataclass(frozen=True)
class SiteRule:
    default: str
    sites: Mapping[str, str]


@dataclass(frozen=True)
class Lexicon:
    symptom_categories: Mapping[str, tuple[str, ...]]
    site_dependent: Mapping[str, SiteRule]
    companion_symptoms: frozenset[str] = frozenset()

    @property
    def symptom_order(self) -> tuple[str, ...]:
        """The vocabulary's symptom order (the chat API lists symptoms in it)."""
        return tuple(self.symptom_categories)

    def categories_of(self, symptom: str) -> frozenset[str]:
        """Every category a symptom can belong to (any site), for grouping the API list."""
        cats = set(self.symptom_categories.get(symptom, ()))
        rule = self.site_dependent.get(symptom)
        if rule:
            cats |= {rule.default, *rule.sites.values()}
        return frozenset(cats)


def _check_category(value: str, where: str) -> str:
    if value not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {value!r}")
    return value


def parse_lexicon(data: Any) -> Lexicon:
    """Check the derived triage lexicon against the categories and the vocabulary."""
    require_keys(
        data,
        {
            "version",
            "symptom_categories",
            "site_dependent",
            "companion_symptoms",
        },
        {"pain_sites", "limb_parts"},
        LEXICON_FILE,
    )
    table: dict[str, tuple[str, ...]] = {}
    for symptom, cats in data["symptom_categories"].items():
        if symptom not in SYMPTOMS:
            raise ValueError(f"{LEXICON_FILE}: {symptom!r} is not a vocabulary symptom")
        table[symptom] = tuple(_check_category(c, f"{LEXICON_FILE} {symptom}") for c in cats or ())
    missing = sorted(SYMPTOMS - set(table))
    if missing:
        raise ValueError(f"{LEXICON_FILE}: symptom_categories lacks {missing}")
    sites: dict[str, SiteRule] = {}
    for symptom, node in data["site_dependent"].items():
        where = f"{LEXICON_FILE} site_dependent.{symptom}"
        if symptom not in SYMPTOMS:
            raise ValueError(f"{where}: not a vocabulary symptom")
        require_keys(node, {"default", "sites"}, set(), where)
        unknown_parts = sorted(set(node["sites"]) - BODY_PARTS)
        if unknown_parts:
            raise ValueError(f"{where}: unknown body parts {unknown_parts}")
        sites[symptom] = SiteRule(
            default=_check_category(node["default"], where),
            sites={part: _check_category(c, where) for part, c in node["sites"].items()},
        )
    companions = frozenset(data["companion_symptoms"] or ())
    if companions - SYMPTOMS:
        raise ValueError(
            f"{LEXICON_FILE}: unknown companion symptoms {sorted(companions - SYMPTOMS)}"
        )
    return Lexicon(
        symptom_categories=table,
        site_dependent=sites,
        companion_symptoms=companions,
    )


@lru_cache(maxsize=4)
def load_lexicon(path: str | Path = vocabulary.VOCABULARY_FILE) -> Lexicon:
    """The triage lexicon of a vocabulary file (the project's own by default)."""
    return parse_lexicon(vocabulary.triage_lexicon(vocabulary.read_vocabulary(path)))
