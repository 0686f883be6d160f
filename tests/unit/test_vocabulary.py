"""The one vocabulary file gives the same lexicons as the two files it replaced, and is checked.

The spaCy lexicon (bot/nlp/lexicon.yml) and the triage lexicon (bot/triage/lexicon.yml) were
merged into bot/vocabulary.yml; the derived entries must equal what those files gave, so that
the entity ruler, the negation cues and the prefilled findings do not change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from bot import vocabulary
from bot.triage.models import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
#: The last commit with the two separate lexicon files (main before issue 17).
BEFORE = "c920198"


def old_file(path: str) -> dict:
    try:
        text = subprocess.run(
            ["git", "show", f"{BEFORE}:{path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git history with {path} at {BEFORE} is not available (shallow clone)")
    return yaml.safe_load(text)


def test_derived_spacy_lexicon_equals_the_old_lexicon_file() -> None:
    old = old_file("bot/nlp/lexicon.yml")
    new = vocabulary.spacy_lexicon()
    assert set(new) == set(old)
    for section in old:
        assert new[section] == old[section], section


def test_derived_triage_lexicon_equals_the_old_triage_lexicon_file() -> None:
    old = old_file("bot/triage/lexicon.yml")
    new = vocabulary.triage_lexicon()
    assert new["symptom_categories"] == old["symptom_categories"]
    # The order of the symptoms is the chat API's symptom order.
    assert list(new["symptom_categories"]) == list(old["symptom_categories"])
    assert new["site_dependent"] == old["site_dependent"]
    assert new["pain_sites"] == old["pain_sites"]
    assert set(new["companion_symptoms"]) == set(old["companion_symptoms"])


def test_canonical_values_and_intents_are_derived_from_the_file() -> None:
    data = vocabulary.read_vocabulary()
    assert tuple(data["symptoms"]) == vocabulary.SYMPTOM_ORDER
    assert set(data["body_part"]) == vocabulary.BODY_PARTS
    assert {"worse", "better", "same", "comes and goes"} == vocabulary.TRENDS
    assert {"sudden", "gradual"} == vocabulary.ONSETS
    assert CATEGORIES == vocabulary.CATEGORIES
    assert tuple(f"report_{c}" for c in CATEGORIES) == vocabulary.SYMPTOM_INTENTS
    assert vocabulary.SYMPTOM_INTENTS[0] == "report_bone_pain"
    assert vocabulary.SYMPTOM_INTENTS[-1] == "report_other_symptom"


def test_every_symptom_has_a_category_or_a_site_rule_and_phrases() -> None:
    for symptom, entry in vocabulary.read_vocabulary()["symptoms"].items():
        assert ("category" in entry) != ("sites" in entry), symptom
        assert entry.get("phrases"), symptom


def vocabulary_with(tmp_path: Path, old: str, new: str) -> Path:
    text = vocabulary.VOCABULARY_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "vocabulary.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_symptom_with_an_unknown_category_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = vocabulary_with(tmp_path, "symptoms:\n", "symptoms:\n  sore toe:\n    category: toes\n")
    with pytest.raises(ValueError, match=r"symptoms.sore toe: category 'toes' is not one of"):
        vocabulary.read_vocabulary(path)


def test_a_site_rule_naming_an_unknown_body_part_is_refused(tmp_path: Path) -> None:
    path = vocabulary_with(
        tmp_path,
        "      by_site:\n",
        "      by_site:\n        elbow: other_symptom\n",
    )
    with pytest.raises(ValueError, match="'elbow' is not a body part"):
        vocabulary.read_vocabulary(path)


def test_a_symptom_with_both_category_and_sites_is_refused(tmp_path: Path) -> None:
    path = vocabulary_with(
        tmp_path,
        "    sites: {default: bone_pain",
        "    category: bone_pain\n    sites: {default: bone_pain",
    )
    with pytest.raises(ValueError, match="exactly one of `category` or `sites`"):
        vocabulary.read_vocabulary(path)


def test_trend_and_onset_types_name_the_vocabulary_values() -> None:
    from typing import get_args

    from bot.triage import models

    def literals(alias: object) -> set[str]:
        out: set[str] = set()
        for arg in get_args(alias):
            out |= {a for a in get_args(arg) if isinstance(a, str)} or (
                {arg} if isinstance(arg, str) else set()
            )
        return out

    assert literals(models.Trend) == set(models.TREND_VALUES)
    assert literals(models.Onset) == set(models.ONSET_VALUES)
    assert set(models.TREND_CONCERN) == set(vocabulary.TRENDS)


def test_every_trend_the_parser_can_return_is_a_vocabulary_trend() -> None:
    from bot.triage import parsing

    assert {value for _, value in parsing._TREND_PATTERNS} == set(vocabulary.TRENDS)
