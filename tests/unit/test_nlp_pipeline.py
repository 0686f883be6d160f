"""Unit tests of the project's spaCy pipeline (bot/nlp): lexicon, entities, negation, build.

No Rasa model is needed; the pipeline is built once per module from bot/vocabulary.yml.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.language import Language

from bot import vocabulary
from components.spacy_pipeline import (
    BUILDER_VERSION,
    DEFAULT_LEXICON_PATH,
    PIPELINE_NAME,
    ExtractedEntity,
    build_pipeline,
    extract_entities,
    load_pipeline,
    save_pipeline,
)
from tests.unit.cases import parametrize_from_cases

CANONICAL = {
    "symptom": vocabulary.SYMPTOMS,
    "body_part": vocabulary.BODY_PARTS,
    "onset": vocabulary.ONSETS,
    "trend": vocabulary.TRENDS,
}


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def found(nlp: Language, text: str) -> list[tuple[str, str, bool]]:
    """(entity, value, negated) for each entity, in text order."""
    return [(e.entity, e.value, e.negated) for e in extract_entities(nlp(text))]


def values(nlp: Language, text: str, entity: str) -> list[str]:
    return [e.value for e in extract_entities(nlp(text)) if e.entity == entity]


def lexicon_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "vocabulary.yml"
    path.write_text(DEFAULT_LEXICON_PATH.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


# --- negation ---------------------------------------------------------------------------


def test_headache_after_no_is_negated_but_back_pain_is_not(nlp: Language) -> None:
    assert found(nlp, "no headache, but my back hurts") == [
        ("symptom", "headache", True),
        ("symptom", "back pain", False),
    ]


def test_cough_and_fever_after_dont_have_are_both_negated(nlp: Language) -> None:
    assert found(nlp, "I don't have a cough or fever") == [
        ("symptom", "cough", True),
        ("symptom", "fever", True),
    ]


def test_been_sick_after_havent_is_negated_but_exhausted_after_but_is_not(
    nlp: Language,
) -> None:
    assert found(nlp, "haven't been sick but I'm exhausted") == [
        ("symptom", "vomiting", True),
        ("symptom", "fatigue", False),
    ]


@parametrize_from_cases(__file__, ("text", "symptom"))
def test_lay_negation_cues_negate_the_symptom(nlp: Language, text: str, symptom: str) -> None:
    assert ("symptom", symptom, True) in found(nlp, text)
    assert ("symptom", symptom, False) not in found(nlp, text)


@parametrize_from_cases(__file__, ("text", "expected"))
def test_negation_scope_ends_at_termination_terms_and_sentences(
    nlp: Language, text: str, expected: list[list[str | bool]]
) -> None:
    got = [(e.value, e.negated) for e in extract_entities(nlp(text)) if e.entity == "symptom"]
    assert got == [tuple(pair) for pair in expected]


@parametrize_from_cases(__file__, ("text", "expected"))
def test_phrases_containing_a_cue_are_not_negated_and_do_not_negate_what_follows(
    nlp: Language, text: str, expected: list[list[str | bool]]
) -> None:
    assert found(nlp, text) == [tuple(entity) for entity in expected]


# --- symptoms, misspellings and lay phrases ---------------------------------------------


def test_misspelt_migrane_maps_to_headache(nlp: Language) -> None:
    assert found(nlp, "bad migrane again") == [
        ("severity", "bad", False),
        ("symptom", "headache", False),
    ]


@parametrize_from_cases(__file__, ("text", "symptom"))
def test_lay_phrase_maps_to_canonical_symptom(nlp: Language, text: str, symptom: str) -> None:
    assert values(nlp, text, "symptom") == [symptom]


@parametrize_from_cases(__file__, ("text", "body_parts"))
def test_body_parts_map_plurals_and_lay_words(
    nlp: Language, text: str, body_parts: list[str]
) -> None:
    assert values(nlp, text, "body_part") == body_parts


def test_back_is_a_body_part_only_when_it_is_someones_back(nlp: Language) -> None:
    assert found(nlp, "I'm scared the cancer is back") == [("symptom", "anxiety", False)]
    assert values(nlp, "something wrong with my back", "body_part") == ["back"]


def test_multiple_symptoms_in_one_message_are_all_extracted(nlp: Language) -> None:
    text = "I'm exhausted, breathless and have a cough, and my vision is blurry"
    assert extract_entities(nlp(text)) == [
        ExtractedEntity("symptom", "fatigue", "exhausted", 4, 13, False),
        ExtractedEntity("symptom", "shortness of breath", "breathless", 15, 25, False),
        ExtractedEntity("symptom", "cough", "cough", 37, 42, False),
        ExtractedEntity("symptom", "blurred vision", "vision is blurry", 51, 67, False),
    ]


# --- overlap convention -----------------------------------------------------------------


@parametrize_from_cases(__file__, ("text", "expected"))
def test_longest_phrase_wins_and_regions_are_kept(
    nlp: Language, text: str, expected: list[list[str]]
) -> None:
    got = [(e.entity, e.value) for e in extract_entities(nlp(text))]
    assert got == [tuple(pair) for pair in expected]


def test_ignored_phrases_yield_no_entities(nlp: Language) -> None:
    assert found(nlp, "I had breast cancer and take pain killers at the same time") == []


# --- duration, severity, onset, trend ---------------------------------------------------


def test_duration_and_severity_are_extracted_inline(nlp: Language) -> None:
    text = "My headache has been 7 out of 10 for about 3 weeks"
    assert extract_entities(nlp(text)) == [
        ExtractedEntity("symptom", "headache", "headache", 3, 11, False),
        ExtractedEntity("severity", "7 out of 10", "7 out of 10", 21, 32, False),
        ExtractedEntity("duration", "about 3 weeks", "about 3 weeks", 37, 50, False),
    ]


@parametrize_from_cases(__file__, ("text", "duration"))
def test_duration_value_is_the_lowercased_matched_text(
    nlp: Language, text: str, duration: str
) -> None:
    assert values(nlp, text, "duration") == [duration]


@parametrize_from_cases(__file__, ("text", "severity"))
def test_severity_value_is_the_lowercased_matched_text(
    nlp: Language, text: str, severity: str
) -> None:
    assert values(nlp, text, "severity") == [severity]


@parametrize_from_cases(__file__, ("text", "entity", "value"))
def test_onset_and_trend_map_to_canonical_values(
    nlp: Language, text: str, entity: str, value: str
) -> None:
    assert [(e.entity, e.value, e.negated) for e in extract_entities(nlp(text))] == [
        (entity, value, False)
    ]


def test_offsets_point_at_the_matched_text(nlp: Language) -> None:
    text = "Since Tuesday my TUMMY is swollen"
    for ent in extract_entities(nlp(text)):
        assert text[ent.start : ent.end] == ent.text


# --- the lexicon as data ----------------------------------------------------------------


def test_every_lexicon_value_is_canonical() -> None:
    data = vocabulary.spacy_lexicon()
    for entity, allowed in CANONICAL.items():
        assert set(data[entity]) <= allowed, entity
    assert set(data) == {*vocabulary.ENTITY_TYPES, "symptom_patterns", "ignore", "negation"}
    assert set(data["symptom_patterns"]) <= vocabulary.SYMPTOMS


def test_weight_loss_said_with_numbers_is_found(nlp: Language) -> None:
    for text in ["I've lost 5kg", "she's lost about half a stone", "dropped 10 pounds"]:
        assert ("symptom", "weight loss", False) in found(nlp, text), text


def test_every_ruler_pattern_id_is_canonical_for_its_label(nlp: Language) -> None:
    patterns = nlp.get_pipe("entity_ruler").patterns  # type: ignore[attr-defined]
    assert len(patterns) > 1000
    for pattern in patterns:
        if pattern["label"] in CANONICAL:
            assert pattern["id"] in CANONICAL[pattern["label"]], pattern
        else:
            assert "id" not in pattern, pattern


def test_the_symptoms_the_article_lists_each_have_a_phrase(nlp: Language) -> None:
    ids = {p.get("id") for p in nlp.get_pipe("entity_ruler").patterns}  # type: ignore[attr-defined]
    assert {
        "back pain",
        "neck pain",
        "bone pain",
        "fatigue",
        "malaise",
        "headache",
        "seizure",
        "visual disturbance",
        "shortness of breath",
        "cough",
        "mood change",
        "speech difficulty",
        "jaundice",
        "appetite loss",
        "weight loss",
    } <= ids


def test_a_symptom_added_to_the_vocabulary_file_is_found_by_its_phrases(tmp_path: Path) -> None:
    text = DEFAULT_LEXICON_PATH.read_text(encoding="utf-8").replace(
        "symptoms:\n",
        "symptoms:\n  sore toe:\n    category: other_symptom\n    phrases:\n      - toe ache\n",
        1,
    )
    path = tmp_path / "vocabulary.yml"
    path.write_text(text, encoding="utf-8")
    nlp = build_pipeline(path)
    assert ("symptom", "sore toe", False) in found(nlp, "I have a toe ache")


def test_phrase_with_two_meanings_raises_clear_error(tmp_path: Path) -> None:
    text = DEFAULT_LEXICON_PATH.read_text(encoding="utf-8").replace(
        "  neck:\n    - neck\n", "  neck:\n    - neck\n    - headache\n", 1
    )
    path = tmp_path / "vocabulary.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="phrase 'headache' is listed both as symptom"):
        build_pipeline(path)


def test_unquoted_yaml_no_in_a_phrase_list_raises_with_a_hint(tmp_path: Path) -> None:
    path = lexicon_with(tmp_path, "")
    path.write_text(
        path.read_text(encoding="utf-8").replace('    - "no"\n', "    - no\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="quote words like no"):
        build_pipeline(path)


# --- saving and loading -----------------------------------------------------------------


def test_saved_pipeline_loads_with_spacy_load(tmp_path: Path) -> None:
    """A fresh process that only imports negspacy.negation and spaCy can load and use it."""
    target = save_pipeline(tmp_path / "spacy_pipeline")
    script = (
        "import json, sys, negspacy.negation, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "doc = nlp('no headache, but my back hurts')\n"
        "print(json.dumps([[e.label_, e.ent_id_, e._.negex] for e in doc.ents]))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["symptom", "headache", True],
        ["symptom", "back pain", False],
    ]


def test_load_pipeline_gives_the_same_entities_as_the_built_one(
    nlp: Language, tmp_path: Path
) -> None:
    loaded = load_pipeline(save_pipeline(tmp_path / "p"))
    text = "no fever but my tummy is swollen and it's getting worse, 6/10, for 2 weeks"
    assert extract_entities(loaded(text)) == extract_entities(nlp(text))


def test_saved_pipeline_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = save_pipeline(tmp_path / "a")
    second = save_pipeline(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_meta_version_tells_the_lexicon_hash_and_changes_with_it(tmp_path: Path) -> None:
    ours = build_pipeline()
    assert ours.meta["name"] == PIPELINE_NAME
    assert ours.meta["version"] == f"{BUILDER_VERSION}+{ours.meta['lexicon_sha256'][:12]}"
    changed = build_pipeline(lexicon_with(tmp_path, "# a new comment\n"))
    assert changed.meta["version"] != ours.meta["version"]


def test_save_pipeline_replaces_an_old_build(tmp_path: Path) -> None:
    target = tmp_path / "p"
    save_pipeline(target)
    (target / "stale.txt").write_text("old", encoding="utf-8")
    save_pipeline(target)
    assert not (target / "stale.txt").exists()
    assert (target / "meta.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["p"]  # no staging directory left behind


def test_save_pipeline_refuses_to_replace_a_directory_that_is_not_a_pipeline(
    tmp_path: Path,
) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="not a spaCy pipeline"):
        save_pipeline(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_load_pipeline_from_a_missing_path_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python -m components.spacy_pipeline"):
        load_pipeline(tmp_path / "missing")


def test_module_command_builds_the_pipeline(tmp_path: Path) -> None:
    from components.spacy_pipeline import main

    assert main([str(tmp_path / "out")]) == 0
    meta = json.loads((tmp_path / "out" / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == PIPELINE_NAME
