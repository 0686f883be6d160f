"""`bot validate`: Rasa's own data validation plus the project's checks.

Our checks: every intent in the domain has examples; no message under two intents; no
held-out set (the frozen ones under tests/data/heldout/ and the spent development set)
shares a message with the training data; every phrase in the symptom lexicon parses to its
own entity; the triage rules, questions and lexicon agree with each other.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from bot.settings import Settings
from ops.nlu_data import NluDataError, check_examples, check_heldout, read_examples

#: The spent development set (see README) and the frozen held-out NLU sets.
HELDOUT_FILES: tuple[Path, ...] = (
    Path("tests/data/nlu_heldout.yml"),
    Path("tests/data/heldout/nlu_a.yml"),
    Path("tests/data/heldout/nlu_b.yml"),
    Path("tests/data/heldout/nlu_negated_a.yml"),
    Path("tests/data/heldout/nlu_negated_b.yml"),
)


def domain_intents(domain_path: Path) -> list[str]:
    """The intent names domain.yml declares."""
    try:
        domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        raise NluDataError(f"{domain_path}{line}: invalid YAML: {err.problem}") from err
    return [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])]


def check_training_data(root: Path) -> list[str]:
    """Problems in the training data and its overlap with the held-out sets."""
    nlu_path = root / "data" / "nlu.yml"
    try:
        intents = domain_intents(root / "domain.yml")
        training = read_examples(nlu_path)
        heldout = {p: read_examples(root / p) for p in HELDOUT_FILES if (root / p).exists()}
    except NluDataError as err:
        return [str(err)]
    problems = check_examples(training, intents, nlu_path)
    for path, examples in heldout.items():
        problems += check_heldout(training, examples, root / path)
    return problems


def check_lexicon() -> list[str]:
    """Each lexicon phrase, on its own, must come out as its entity (``ignore`` as nothing)."""
    from components.spacy_pipeline import (
        build_pipeline,
        extract_entities,
        load_entity_lexicon,
        normalise_text,
    )

    try:
        nlp = build_pipeline()
        lexicon = load_entity_lexicon(nlp)
    except ValueError as err:
        return [f"lexicon: {err}"]
    problems = []
    for pattern in lexicon.patterns:
        phrase = pattern["pattern"]
        if not isinstance(phrase, str):
            continue
        found = [(e.entity, e.value) for e in extract_entities(nlp(phrase))]
        if pattern["label"] == "ignore":
            ok = not found
        else:
            want = (pattern["label"], pattern.get("id") or normalise_text(phrase))
            ok = want in found
        if not ok:
            problems.append(
                f"{lexicon.path}: {phrase!r} ({pattern['label']}) parses as {found or 'nothing'}"
            )
    return problems


def check_triage_data() -> list[str]:
    """Problems in the triage rules, questions and vocabulary taken together."""
    from bot.triage import check_consistency

    try:
        return [f"bot/triage: {p}" for p in check_consistency()]
    except ValueError as err:
        return [f"bot/triage: {err}"]


def rasa_validate(settings: Settings) -> tuple[int, str]:
    """Rasa's own `data validate --fail-on-warnings`: exit code and the lines that matter."""
    from ops.stack import rasa_cli

    cmd = [
        *rasa_cli(),
        "data",
        "validate",
        "--fail-on-warnings",
        "--domain",
        "domain.yml",
        "--data",
        "data",
    ]
    done = subprocess.run(cmd, cwd=settings.project_root, capture_output=True, text=True)
    lines = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "UserWarning" in line or "error" in line.lower() or "conflict" in line.lower()
    ]
    return done.returncode, "\n".join(lines)


def validate(settings: Settings, with_rasa: bool = True) -> list[str]:
    """Every problem found, Rasa's own validation included unless ``with_rasa`` is false."""
    root = settings.project_root
    problems = check_training_data(root) + check_lexicon() + check_triage_data()
    if with_rasa:
        code, output = rasa_validate(settings)
        if code != 0:
            problems.append(f"rasa data validate failed (exit {code}):\n{output}")
    return problems
